"""Service commands on the command line: serve refuses what it cannot listen on, keys rotate and list as JSON,
and a SQLite URL in a missing folder is an error, not a new folder."""

from __future__ import annotations

import json
import socket

import pytest

from tests.clirun import cli


@pytest.fixture
def db_env(tmp_path):
    env = {"LANDBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3"}
    assert cli("db", "upgrade", env=env).exit_code == 0
    return env


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_serve_refuses_ports_outside_tcp(port):
    r = cli("serve", "--port", port, "--no-migrate")
    assert r.exit_code == 2 and "--port" in r.output


def test_serve_refuses_a_port_in_use():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = cli("serve", "--port", str(s.getsockname()[1]), "--no-migrate")
    assert r.exit_code == 2 and "Cannot listen" in r.output


def test_keys_create_replace_keeps_one_live_key_per_name(db_env):
    first = cli("keys", "create", "--name", "make run", "--replace", env=db_env)
    second = cli("keys", "create", "--name", "make run", "--replace", env=db_env)
    other = cli("keys", "create", "--name", "ops", env=db_env)
    assert first.exit_code == second.exit_code == other.exit_code == 0
    assert first.stdout.strip() != second.stdout.strip()
    keys = json.loads(cli("keys", "list", "--json", env=db_env).stdout)
    live = [k for k in keys if k["revoked_at"] is None]
    assert sorted(k["name"] for k in live) == ["make run", "ops"]
    assert len(keys) == 3
    live_only = json.loads(cli("keys", "list", "--json", "--live", env=db_env).stdout)
    assert {k["id"] for k in live_only} == {k["id"] for k in live}


def test_keys_list_table_shows_whole_ids(db_env):
    cli("keys", "create", "--name", "ops", env=db_env)
    key_id = json.loads(cli("keys", "list", "--json", env=db_env).stdout)[0]["id"]
    r = cli("keys", "list", env={**db_env, "COLUMNS": "60"})
    assert key_id in r.stdout


def test_sqlite_url_in_a_missing_folder_is_refused(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    r = cli("db", "upgrade", env={"LANDBRIDGE_DATABASE_URL": f"sqlite:///{missing}/x.sqlite3"})
    assert r.exit_code == 2 and "does not exist" in r.output
    assert not (tmp_path / "no").exists()
