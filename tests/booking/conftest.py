"""Fixtures for the service layer: one database per backend for the session (SQLite in a temp file always;
PostgreSQL in a throw-away schema when LANDBRIDGE_TEST_DATABASE_URL is set), an app on it, keys, and
helpers that hand each test its own departures so tests never share capacity."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from tests.booking.helpers import Shipper


def pytest_configure(config):
    # Starlette's TestClient still runs on httpx here; its deprecation note is not about our code.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


PG_ENV = "LANDBRIDGE_TEST_DATABASE_URL"


def _pg_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/landbridge.sqlite3"
        return
    base = _pg_url()
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    import psycopg

    schema = f"lbt_{os.getpid()}_{secrets.token_hex(4)}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(base, schema)
    finally:
        from landbridge.db.engine import _databases

        for key in [k for k in _databases if schema in k]:
            _databases.pop(key).dispose()
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def db(db_url):
    from landbridge.db.engine import get_database
    from landbridge.migrations import upgrade

    database = get_database(db_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(db):
    from landbridge.api.app import create_app

    return create_app(db)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def operator_token(db) -> str:
    from landbridge.accounts.service import create_key

    return db.write(lambda s: create_key(s, "operator", "test operator"))[1]


@pytest.fixture(scope="session")
def op(operator_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token}"}


@pytest.fixture
def new_shipper(db):
    from landbridge.accounts.service import create_customer, create_key

    def make(name: str = "Shipper") -> Shipper:
        def work(s):
            c = create_customer(s, name)
            k, token = create_key(s, "shipper", f"{name} key", c.id)
            return c.id, k.id, token

        return Shipper(*db.write(work))

    return make


@pytest.fixture
def shipper(new_shipper) -> Shipper:
    return new_shipper("Acme Electronics")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with full buckets (the limits are tested in test_limits.py)."""
    from landbridge.accounts.limits import auth_failures, expensive_calls

    auth_failures.clear()
    expensive_calls.clear()
