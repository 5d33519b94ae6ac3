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
