"""ASGI middleware that bounds what one request may take: its headers (431) and its time (503 with Retry-After).
The HTTP servers bound the request head before parsing too (landbridge.api.server)."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

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
    """A request that has not started its answer within request_timeout_s() gets 503 with Retry-After, sent at the
    deadline. The handler is cancelled and whatever it sends later is dropped; the 503 does not wait for it to
    stop (a handler stuck in a thread ends at its database deadline).

    The handler runs in the request's own task, with a timer: at the deadline the timer cancels that task and
    starts a task that sends the 503 (no second task and no wait on every request, only on the late ones). The
    request's task then waits for the handler to stop before it ends, so the server sees it finish, but the
    client has had its 503 from the deadline on. A handler that has started its answer by then is let finish."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = _Deadline(scope, send, asyncio.current_task(loop))  # given the loop: no second lookup
        timer = loop.call_later(request_timeout_s(), deadline.expire)
        try:
            await self.app(scope, receive, deadline.send)
        except asyncio.CancelledError:
            if deadline.answer is None or deadline.uncancel() > 0:
                raise  # not late, or cancelled by someone else as well (the server stopping): not ours to stop
        except Exception:
            if deadline.answer is None:
                raise  # not late: the handler's own outcome
            log.warning("%s failed after its 503 was sent", scope.get("path"), exc_info=True)
        finally:
            timer.cancel()
        if deadline.answer is not None:
            deadline.uncancel()  # the handler may have swallowed its cancellation
            await deadline.answer


log = logging.getLogger(__name__)
_answering: set[asyncio.Task[None]] = set()  # the 503s being sent (the loop keeps only weak references to tasks)


class _Deadline:
    """One request's answer so far, and its 503 once it is late."""

    __slots__ = ("answer", "cancelled", "downstream", "scope", "started", "task")

    def __init__(self, scope: Scope, send: Send, task: asyncio.Task[Any] | None) -> None:
        self.scope = scope
        self.downstream = send
        self.task = task  # the request's task, which runs the handler
        self.started = False
        self.answer: asyncio.Task[None] | None = None  # the 503 being sent: the request is late
        self.cancelled = False

    async def send(self, message: Message) -> None:
        if self.answer is not None:  # late: the 503 went out instead
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self.downstream(message)

    def expire(self) -> None:
        """The timer's callback at the deadline: cancel the handler and send the 503, unless it is answering."""
        if self.started or self.task is None:
            return
        self.answer = self.task.get_loop().create_task(
            send_problem(
                self.downstream,
                503,
                "The request took too long (the database may be slow or unreachable); retry in a moment.",
                self.scope.get("path"),
                [(b"retry-after", b"2")],
            )
        )
        _answering.add(self.answer)
        self.answer.add_done_callback(_answering.discard)
        self.task.cancel()
        self.cancelled = True

    def uncancel(self) -> int:
        """Withdraw this deadline's cancellation of the request's task (once); the cancellations left."""
        assert self.task is not None
        if self.cancelled:
            self.cancelled = False
            return self.task.uncancel()
        return self.task.cancelling()
