"""When PostgreSQL stops answering (packets dropped, not refused), requests hung with no limit, `serve` hung at
start and SIGTERM did not stop it. A TCP proxy between the service and PostgreSQL goes silent: it keeps every
connection open and accepts new ones, but forwards nothing. Then every request answers 503 with Retry-After
(bounded by the transaction deadline, the pool timeout and the request timeout), the service recovers when the
database answers again, `serve` fails at start with a clear message, and SIGTERM stops it."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

# Short limits for the test (the defaults are a few seconds each: docs/errors.md).
LIMITS = {
    "LANDBRIDGE_DB_CONNECT_TIMEOUT_S": "2",
    "LANDBRIDGE_DB_POOL_TIMEOUT_S": "2",
    "LANDBRIDGE_DB_TRANSACTION_TIMEOUT_S": "2",
    "LANDBRIDGE_REQUEST_TIMEOUT_S": "4",
}
HANG = 60  # seconds after which a request that has not answered counts as hung (the defect: forever)


class SilentProxy:
    """A TCP proxy to `target` that can go silent: data in either direction is read and dropped, connections
    stay open, new ones are accepted; `resume` forwards again (connections made meanwhile stay dead)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.silent = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = False
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.silent.is_set():
                threading.Thread(target=self._drain, args=(client,), daemon=True).start()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _drain(self, sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while not self.stopped:
                ready, _, _ = select.select([a, b], [], [], 0.2)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    if not self.silent.is_set():
                        (b if s is a else a).sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.stopped = True
        for s in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                s.close()


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@pytest.fixture
def proxied(db_url, db, monkeypatch):
    if not db_url.startswith("postgresql"):
        pytest.skip("a network database")
    for k, v in LIMITS.items():
        monkeypatch.setenv(k, v)
    target = urlsplit(db_url)
    proxy = SilentProxy((target.hostname or "127.0.0.1", target.port or 5432))
    yield proxy, _via(db_url, proxy.port)
    proxy.close()


def _answer(fn) -> object:
    """fn() in a thread; its result, or a failure when it has not answered within HANG seconds."""
    box: dict = {}
    t = threading.Thread(target=lambda: box.update(r=fn()), daemon=True)
    t.start()
    t.join(HANG)
    assert "r" in box, "hung"
    return box["r"]


def test_requests_answer_503_when_the_database_goes_silent_and_recover(proxied, operator_token, shipper):
    from fastapi.testclient import TestClient

    from landbridge.accounts.service import principal_cache
    from landbridge.api.app import create_app
    from landbridge.db.engine import Database

    proxy, url = proxied
    db = Database(url)
    op = {"Authorization": f"Bearer {operator_token}"}
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        assert client.get("/v1/bookings", headers=op).status_code == 200  # pooled connections made
        assert client.get("/health").status_code == 200
        proxy.silent.set()
        principal_cache.clear()  # the key lookup must reach the database too
        body = {
            "option_id": "opt_0123456789abcdef",
            "containers": 1,
            "shipment": {
                "consignor": {"name": "A", "address": "B", "country": "CN"},
                "consignee": {"name": "C", "address": "D", "country": "DE"},
                "goods": {"description": "Laptops", "hs_code": "847130", "mass_kg": 1000},
            },
        }
        calls = {
            "health (async read)": lambda: client.get("/health"),
            "key lookup (async read)": lambda: client.get("/v1/me", headers=shipper.headers),
            "list (thread read)": lambda: client.get("/v1/bookings", headers=op),
            "booking (async write)": lambda: client.post("/v1/bookings", json=body, headers=shipper.headers),
            "customer (thread write)": lambda: client.post("/v1/customers", json={"name": "X"}, headers=op),
        }
        results: dict = {}
        threads = [threading.Thread(target=lambda k=k, f=f: results.update({k: _answer(f)})) for k, f in calls.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG + 5)
        for what, r in results.items():
            assert r.status_code == 503, (what, r.status_code, r.text)
            assert int(r.headers["retry-after"]) >= 1, what
            assert r.headers["content-type"] == "application/problem+json"
        assert len(results) == len(calls)
        proxy.silent.clear()
        deadline = time.monotonic() + HANG  # connections broken meanwhile are dropped by the pool; then it works
        while client.get("/v1/bookings", headers=op).status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.5)
        assert client.get("/health").status_code == 200
    db.dispose()


def _serve(url: str, *args: str) -> subprocess.Popen:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **LIMITS, "LANDBRIDGE_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "landbridge.cli", "serve", "--port", str(port), "--log-level", "warning", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    proc.port = port  # type: ignore[attr-defined]
    return proc


def test_serve_fails_at_start_with_a_clear_message(proxied):
    proxy, url = proxied
    proxy.silent.set()
    proc = _serve(url)
    try:
        _out, err = proc.communicate(timeout=HANG)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 2, err.decode()
    text = err.decode()
    assert "Traceback" not in text and "timeout" in text.lower() and "127.0.0.1" in text


def test_sigterm_stops_serve_while_requests_wait_on_a_silent_database(proxied, operator_token):
    import httpx

    proxy, url = proxied
    proc = _serve(url, "--no-migrate")
    base = f"http://127.0.0.1:{proc.port}"  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + HANG
        while True:
            try:
                if httpx.get(base + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.2)
        proxy.silent.set()
        op = {"Authorization": f"Bearer {operator_token}"}
        waiting = threading.Thread(
            target=lambda: httpx.get(base + "/v1/bookings", headers=op, timeout=HANG), daemon=True
        )
        waiting.start()
        time.sleep(0.5)  # the request is in flight, waiting on the database
        proc.send_signal(signal.SIGTERM)
        proc.wait(HANG)
        assert proc.returncode is not None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
