"""The request deadline (landbridge.api.limits.RequestDeadline): a request that has not started its answer by the
deadline gets 503 with Retry-After at the deadline, whether or not its handler stops promptly; the handler is
cancelled and what it sends later is dropped; an answer already started is let finish; a request answered in time
leaves nothing behind; cancellations that are not the deadline's go through."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

DEADLINE_S = 0.05


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch):
    monkeypatch.setenv("LANDBRIDGE_REQUEST_TIMEOUT_S", str(DEADLINE_S))


def _run(handler, *, cancel_after: float | None = None, events: list[tuple] | None = None):
    """Call RequestDeadline(handler) as the server does; returns (messages sent, events, what the call raised).
    Events: ("sent", status or "body") as messages reach the server, ("returned",) when the call ends (and what
    the handler adds to `events`)."""
    from landbridge.api.limits import RequestDeadline

    events = [] if events is None else events
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)
        events.append(("sent", message.get("status", "body")))

    async def main():
        scope = {"type": "http", "method": "GET", "path": "/v1/slow", "headers": []}
        task = asyncio.ensure_future(RequestDeadline(handler)(scope, receive, send))
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            task.cancel()
        try:
            await task
        except BaseException as exc:
            events.append(("returned",))
            return exc
        events.append(("returned",))
        await asyncio.sleep(DEADLINE_S * 3)  # nothing may follow
        return None

    raised = asyncio.run(main())
    return messages, events, raised


async def _answer(send, status=200, body=b"ok"):
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def test_a_late_request_gets_503_with_retry_after_and_its_handler_is_cancelled():
    seen = []

    async def slow(scope, receive, send):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    messages, events, raised = _run(slow)
    assert raised is None and seen == ["cancelled"]
    assert messages[0]["status"] == 503 and dict(messages[0]["headers"])[b"retry-after"] == b"2"
    problem = json.loads(messages[1]["body"])
    assert problem["status"] == 503 and problem["instance"] == "/v1/slow" and "too long" in problem["detail"]
    assert events == [("sent", 503), ("sent", "body"), ("returned",)]


def test_the_503_goes_out_at_the_deadline_even_when_the_handler_is_slow_to_stop():
    """A handler stuck where cancelling takes long (a query being cancelled, a thread): the client does not wait."""

    async def stubborn(scope, receive, send):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(DEADLINE_S * 4)  # still busy stopping
            events.append(("handler stopped",))
            raise

    events: list[tuple] = []
    messages, events, raised = _run(stubborn, events=events)
    assert raised is None
    assert [m.get("status") for m in messages] == [503, None]
    assert events[:2] == [("sent", 503), ("sent", "body")] and ("handler stopped",) in events  # 503 first


def test_what_a_late_handler_sends_is_dropped():
    async def ignores_cancel(scope, receive, send):
        with contextlib.suppress(asyncio.CancelledError):  # swallowed: it answers anyway
            await asyncio.sleep(30)
        await _answer(send, 201, b"late")

    messages, _events, raised = _run(ignores_cancel)
    assert raised is None
    assert [m.get("status") for m in messages] == [503, None] and b"late" not in messages[1]["body"]


def test_an_error_of_a_late_handler_does_not_reach_the_server():
    async def fails_late(scope, receive, send):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            raise RuntimeError("gone") from None

    messages, _events, raised = _run(fails_late)
    assert raised is None and [m.get("status") for m in messages] == [503, None]


def test_an_answer_started_before_the_deadline_is_let_finish():
    async def streaming(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(DEADLINE_S * 3)
        await send({"type": "http.response.body", "body": b"all of it"})

    messages, _events, raised = _run(streaming)
    assert raised is None
    assert [m.get("status") for m in messages] == [200, None] and messages[1]["body"] == b"all of it"


def test_a_request_answered_in_time_leaves_nothing_behind():
    async def fast(scope, receive, send):
        await _answer(send)

    _messages, events, raised = _run(fast)
    assert raised is None
    assert events == [("sent", 200), ("sent", "body"), ("returned",)]  # and nothing in the 3 deadlines after


def test_an_error_in_time_is_the_handler_s_own():
    async def broken(scope, receive, send):
        raise ValueError("bug")

    messages, _events, raised = _run(broken)
    assert isinstance(raised, ValueError) and messages == []


def test_a_cancellation_that_is_not_the_deadline_goes_through():
    async def slow(scope, receive, send):
        await asyncio.sleep(30)

    messages, _events, raised = _run(slow, cancel_after=DEADLINE_S / 5)  # the server stops before the deadline
    assert isinstance(raised, asyncio.CancelledError) and messages == []


def test_a_cancellation_after_the_deadline_still_goes_through_and_the_503_is_sent():
    async def stubborn(scope, receive, send):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(DEADLINE_S * 4)  # busy stopping: the server stops meanwhile
            raise

    messages, _events, raised = _run(stubborn, cancel_after=DEADLINE_S * 2)
    assert isinstance(raised, asyncio.CancelledError)
    assert [m.get("status") for m in messages] == [503, None]


def test_websockets_and_lifespan_pass_through():
    from landbridge.api.limits import RequestDeadline

    calls = []

    async def app(scope, receive, send):
        await asyncio.sleep(DEADLINE_S * 2)
        calls.append(scope["type"])

    async def main():
        for kind in ("websocket", "lifespan"):
            await RequestDeadline(app)({"type": kind}, None, None)

    asyncio.run(main())
    assert calls == ["websocket", "lifespan"]
