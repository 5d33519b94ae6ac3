"""`landbridge serve` turns TCP_NODELAY on for connections accepted on a socket bound the way uvicorn binds it
for several workers (proto 0, where asyncio leaves Nagle's algorithm on)."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn
from uvicorn.config import import_from_string
from uvicorn.protocols.http.h11_impl import H11Protocol

from landbridge.api.server import NoDelayH11Protocol, http_protocol


def _accepted_nodelay(protocol_cls) -> tuple[int, int]:
    """(proto, TCP_NODELAY) of a connection accepted by `protocol_cls` on a uvicorn-bound listener."""
    config = uvicorn.Config("landbridge.api.app:create_app", factory=True, host="127.0.0.1", port=0, log_level="error")
    config.load()
    listener = config.bind_socket()
    seen: dict[str, int] = {}

    async def main() -> None:
        from uvicorn.server import ServerState

        state = ServerState()
        loop = asyncio.get_running_loop()
        made = asyncio.Event()

        class Probe(protocol_cls):
            def connection_made(self, transport) -> None:
                super().connection_made(transport)
                sock = transport.get_extra_info("socket")
                seen["proto"] = sock.proto
                seen["nodelay"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                made.set()

        server = await loop.create_server(lambda: Probe(config, state, {}), sock=listener)
        port = listener.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.wait_for(made.wait(), 10)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    return seen["proto"], seen["nodelay"]


def test_uvicorn_bound_socket_leaves_nagle_on_and_ours_turns_it_off():
    proto, nodelay = _accepted_nodelay(H11Protocol)
    if proto == socket.IPPROTO_TCP and nodelay:
        pytest.skip("this uvicorn binds with IPPROTO_TCP (issue #3149 fixed): nothing left to work around")
    assert nodelay == 0  # the bug we work around: asyncio skipped TCP_NODELAY
    assert _accepted_nodelay(NoDelayH11Protocol)[1] != 0


@pytest.mark.parametrize("name", ["auto", "h11"])
def test_serve_uses_the_nodelay_protocols(name):
    cls = import_from_string(http_protocol(name))
    assert cls.__name__.startswith("NoDelay")
    assert "connection_made" in vars(cls)


def test_unreachable_postgresql_is_503_on_the_event_loop_paths():
    """Key lookups and bookings (both on the event loop) answer 503 with Retry-After, not 500, when
    PostgreSQL refuses connections."""
    from fastapi.testclient import TestClient

    from landbridge.accounts.service import Principal, principal_cache
    from landbridge.api.app import create_app
    from landbridge.db.engine import Database

    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with TestClient(create_app(db)) as client:
        r = client.get("/v1/bookings", headers={"Authorization": "Bearer lb_0123456789ab_" + "s" * 32})
        assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1
        assert "database" in r.json()["detail"].lower()
        token = "lb_ba9876543210_" + "x" * 32
        principal_cache.put(token, Principal("key-1", "shipper", "cus-1", "test"))
        body = {
            "option_id": "opt_x",
            "containers": 1,
            "shipment": {
                "consignor": {"name": "A", "address": "B", "country": "CN"},
                "consignee": {"name": "C", "address": "D", "country": "DE"},
                "goods": {"description": "Laptops", "hs_code": "847130", "mass_kg": 1000},
            },
        }
        r = client.post(
            "/v1/bookings", json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-503"}
        )
        assert r.status_code == 503, r.text
    db.dispose()


class _Recorder:
    """A transport that records what it is asked to send."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, lines) -> None:
        self.calls.append(("writelines", tuple(bytes(x) for x in lines)))

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default=None):
        return ("info", name)


def test_coalesced_sends_a_head_and_its_body_in_one_call_and_keeps_the_order():
    from landbridge.api.server import Coalesced

    async def main() -> None:
        t = _Recorder()
        c = Coalesced(t, asyncio.get_running_loop())  # type: ignore[arg-type]
        c.write(b"head")
        c.write(b"body")
        assert t.calls == [("writelines", (b"head", b"body"))]
        c.write(b"alone")
        assert t.calls[1:] == []  # held until the next write or the end of this turn of the loop
        await asyncio.sleep(0)
        assert t.calls[1:] == [("write", b"alone")]
        for part in (b"a", b"b", b"c"):  # a stream: at most one write held, order kept
            c.write(part)
        c.write(b"")
        await asyncio.sleep(0)
        assert t.calls[2:] == [("writelines", (b"a", b"b")), ("writelines", (b"c", b""))]
        c.write(b"last")
        c.close()  # what is held goes first
        assert t.calls[4:] == [("write", b"last"), ("close", None)]
        c.write(b"late")
        await asyncio.sleep(0)
        assert t.calls[6:] == []  # the connection is closing: dropped, as the transport would drop it
        assert c.get_extra_info("peername") == ("info", "peername")

    asyncio.run(main())


def test_httptools_protocol_answers_streamed_and_pipelined_requests_in_order():
    """Over a real socket: keep-alive, two pipelined requests, a response streamed in parts with waits between
    them, and one with a Content-Length; every byte arrives, in order."""
    import uvicorn
    from uvicorn.server import ServerState

    from landbridge.api.server import NoDelayHttpToolsProtocol

    async def app(scope, receive, send):
        if scope["path"] == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})  # chunked
            for part in (b"one", b"two", b"three"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
                await asyncio.sleep(0.01)
            await send({"type": "http.response.body", "body": b""})
            return
        body = scope["path"].encode() * 1000
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(app, log_level="error")
    config.load()

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: NoDelayHttpToolsProtocol(config, ServerState(), {}), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        def client() -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
                c.sendall(b"GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
                c.sendall(b"GET /b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                out = b""
                while chunk := c.recv(65536):
                    out += chunk
                return out

        try:
            return await asyncio.to_thread(client)
        finally:
            server.close()

    out = asyncio.run(main())
    parts = out.split(b"HTTP/1.1 200 OK\r\n")
    assert parts[0] == b"" and len(parts) == 4, out[:300]
    a, stream, b = parts[1:]
    assert a.endswith(b"\r\n\r\n" + b"/a" * 1000)
    assert b"transfer-encoding: chunked" in stream
    assert stream.endswith(b"\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n")
    assert b"connection: close" in b and b.endswith(b"\r\n\r\n" + b"/b" * 1000)
