"""Migrations (Alembic, shipped in the package) and the service commands: `landbridge db upgrade|seed|
reconcile`, `landbridge keys create`; the default database is a WAL SQLite file in the user's data dir."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.booking.conftest import _pg_url, with_schema


@pytest.fixture
def fresh_url(db_url, tmp_path):
    """An empty database of the same kind as the session's."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
        return
    import psycopg

    base = _pg_url()
    schema = f"lbf_{os.getpid()}_{secrets.token_hex(4)}"
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


def landbridge(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LANDBRIDGE_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "landbridge.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_migrations_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from landbridge.migrations import is_current
    from landbridge.migrations.models import metadata

    assert is_current(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(fresh_url):
    from landbridge.db.engine import Database
    from landbridge.migrations import current_revision, downgrade, head_revision, upgrade

    db = Database(fresh_url)
    assert upgrade(db) == head_revision(db)
    downgrade(db, "base")
    assert current_revision(db) is None
    assert upgrade(db) == head_revision(db)
    db.dispose()


def test_commands_end_to_end(fresh_url):
    r = landbridge("db", "upgrade", url=fresh_url)
    assert r.returncode == 0 and "revision" in r.stdout, r.stderr
    start = date.today() + timedelta(days=7)
    r = landbridge("db", "seed", "--from", str(start), "--to", str(start + timedelta(days=6)), url=fresh_url)
    assert r.returncode == 0, r.stderr
    assert "rail departures" in r.stdout
    r = landbridge("keys", "create", "--role", "operator", "--name", "ops team", url=fresh_url)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert token.startswith("lb_") and "not shown again" in r.stderr

    from landbridge.accounts.service import authenticate
    from landbridge.db.engine import Database

    db = Database(fresh_url)
    try:
        p = db.read(lambda s: authenticate(s, token))
        assert p is not None and p.role == "operator" and p.name == "ops team"
        n = db.read(lambda s: s.execute(text("SELECT COUNT(DISTINCT departure_id) FROM departure_sections")).scalar())
        assert n > 50  # a week of CR Express departures
        again = landbridge("db", "seed", "--from", str(start), "--to", str(start + timedelta(days=6)), url=fresh_url)
        assert again.returncode == 0
        assert (
            db.read(lambda s: s.execute(text("SELECT COUNT(DISTINCT departure_id) FROM departure_sections")).scalar())
            == n
        )  # seeding twice adds nothing
    finally:
        db.dispose()
    r = landbridge("db", "reconcile", url=fresh_url)
    assert r.returncode == 0 and "consistent" in r.stdout
    r = landbridge("keys", "list", url=fresh_url)
    assert r.returncode == 0 and "operator" in r.stdout and token not in r.stdout


def test_command_errors_are_clean(fresh_url):
    r = landbridge("keys", "list", url=fresh_url)
    assert r.returncode == 2 and "Error" in r.stderr and "Traceback" not in r.stderr
    assert "db upgrade" in r.stderr  # no tables yet: says what to do
    landbridge("db", "upgrade", url=fresh_url)
    r = landbridge("keys", "create", "--role", "shipper", "--name", "x", url=fresh_url)
    assert r.returncode == 2 and "customer" in r.stderr and "Traceback" not in r.stderr
    r = landbridge("db", "seed", "--from", "2026-13-01", "--to", "2026-12-31", url=fresh_url)
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    r = landbridge("db", "upgrade", url="mysql://nobody@localhost/x")
    assert r.returncode == 2 and "not supported" in r.stderr


def test_default_database_is_wal_sqlite_in_the_data_dir(tmp_path, monkeypatch):
    from landbridge.db.engine import Database, database_url

    monkeypatch.delenv("LANDBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = database_url()
    assert url == f"sqlite:///{tmp_path}/landbridge/landbridge.sqlite3"
    db = Database(url)
    try:
        with db.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        db.dispose()
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
