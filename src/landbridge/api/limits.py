"""ASGI middleware that bounds what one request may take: its headers (431) and its time (503 with Retry-After).
The HTTP servers bound the request head before parsing too (landbridge.api.server)."""

from __future__ import annotations

import asyncio
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge.api.errors import send_problem


def _env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


MAX_HEADER_BYTES = 16 * 1024


class HeaderLimit:
    """Requests whose headers add up to more than MAX_HEADER_BYTES are 431 before anything else runs (the HTTP
    servers bound what they read: see landbridge.api.server)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))
            if size > MAX_HEADER_BYTES:
                await send_problem(send, 431, f"Request headers are larger than {MAX_HEADER_BYTES} bytes.")
                return
        await self.app(scope, receive, send)


def request_timeout_s() -> float:
    """The deadline of a request (LANDBRIDGE_REQUEST_TIMEOUT_S, default 10 s)."""
    return _env("LANDBRIDGE_REQUEST_TIMEOUT_S", 10)


class RequestDeadline:
    """A request that has not started its answer within request_timeout_s() gets 503 with Retry-After. The
    handler is cancelled but not awaited (a handler stuck in a thread ends at its database deadline), and
    whatever it sends later is dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "abandoned": False}

        async def guarded_send(message: Message) -> None:
            if state["abandoned"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        done, _ = await asyncio.wait({task}, timeout=request_timeout_s())
        if task in done:
            task.result()
            return
        if state["started"]:  # answering already (a large body): let it finish
            await task
            return
        state["abandoned"] = True
        task.cancel()
        await send_problem(
            send,
            503,
            "The request took too long (the database may be slow or unreachable); retry in a moment.",
            scope.get("path"),
            [(b"retry-after", b"2")],
        )
