"""Limits: the request head is bounded before anything reads it whole (a 50 MB header was accepted before
authentication), failed authentications are limited per key prefix and per client address, and quotes and
PDF documents per API key (429 with Retry-After)."""

from __future__ import annotations

import asyncio
import socket

import pytest


async def _app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _exchange(protocol_cls, request_head: bytes, body_len: int = 0) -> tuple[bytes, int]:
    """Send a request to `protocol_cls` on a loopback socket; returns (response, bytes the client got to send)."""
    import uvicorn
    from uvicorn.server import ServerState

    config = uvicorn.Config(_app, log_level="error")
    config.load()

    async def main() -> tuple[bytes, int]:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: protocol_cls(config, ServerState(), {}), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        sent = 0

        def client() -> bytes:
            nonlocal sent
            with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
                try:
                    for i in range(0, len(request_head), 65536):
                        c.sendall(request_head[i : i + 65536])
                        sent += len(request_head[i : i + 65536])
                except OSError:
                    pass  # the server closed the connection: it stopped reading
                out = b""
                try:
                    while chunk := c.recv(65536):
                        out += chunk
                except OSError:
                    pass
                return out

        try:
            return await asyncio.to_thread(client), sent
        finally:
            server.close()

    return asyncio.run(main())


def test_a_huge_header_is_431_before_it_is_read_whole():
    from landbridge.api.server import MAX_HEAD_BYTES, NoDelayHttpToolsProtocol

    huge = b"GET /v1/me HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 50_000_000 + b"\r\n\r\n"
    response, sent = _exchange(NoDelayHttpToolsProtocol, huge)
    assert response.startswith(b"HTTP/1.1 431 "), response[:200]
    assert b"application/problem+json" in response
    assert sent < len(huge)  # the server closed the connection long before 50 MB arrived
    ok, _ = _exchange(
        NoDelayHttpToolsProtocol,
        b"GET / HTTP/1.1\r\nhost: x\r\nx-ok: " + b"a" * (MAX_HEAD_BYTES // 2) + b"\r\nconnection: close\r\n\r\n",
    )
    assert ok.startswith(b"HTTP/1.1 200 ")


def test_the_app_refuses_oversized_headers_too(client):
    r = client.get("/v1/me", headers={"x-big": "a" * 40_000})
    assert r.status_code == 431 and r.headers["content-type"] == "application/problem+json"


def test_failed_authentications_are_limited_per_prefix_and_per_address(client, shipper):
    from landbridge.accounts.limits import auth_failures

    wrong = "lb_0123456789ab_" + "x" * 40
    codes = [client.get("/v1/me", headers={"Authorization": f"Bearer {wrong}"}).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {wrong}"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"
    # The client address is limited too (other prefixes from the same address), a cached good key is not.
    other = "lb_ba9876543210_" + "y" * 40
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 429
    auth_failures.clear()
    assert client.get("/v1/me", headers=shipper.headers).status_code == 200
    for _ in range(10):
        client.get("/v1/me", headers={"Authorization": f"Bearer {wrong}"})
    assert client.get("/v1/me", headers=shipper.headers).status_code == 200  # verified a moment ago: cached


def test_quotes_and_documents_are_limited_per_key(client, shipper, new_shipper, ready_date, monkeypatch):
    from landbridge.accounts import limits

    # A slow refill, so that how long each quote takes on a busy machine does not matter.
    monkeypatch.setattr(limits, "expensive_calls", limits.RateLimiter(per_minute=0.5, burst=3))
    body = {"origin": "Xian", "destination": "Nowhere-at-all", "ready_date": str(ready_date)}
    codes = [client.post("/v1/quotes", json=body, headers=shipper.headers).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429], codes
    r = client.get("/v1/bookings/bk_0123456789abcdef/consignment-note.pdf", headers=shipper.headers)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"
    other = new_shipper("Other")
    assert client.post("/v1/quotes", json=body, headers=other.headers).status_code == 422  # per key


@pytest.mark.parametrize("per_minute", [1, 60])
def test_buckets_refill_at_their_rate(per_minute, monkeypatch):
    from landbridge.accounts import limits

    clock = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    bucket = limits.RateLimiter(per_minute=per_minute, burst=2)
    assert bucket.spend("k") == 0 and bucket.spend("k") == 0
    wait = bucket.spend("k")
    assert wait == 60 // per_minute
    clock[0] += wait
    assert bucket.spend("k") == 0
