"""uvicorn's HTTP protocols, with TCP_NODELAY set on every accepted connection.

With `--workers N > 1` uvicorn binds the listening socket itself with `proto` left at 0; accepted sockets
inherit it, and asyncio only turns TCP_NODELAY on when `proto == IPPROTO_TCP` (uvicorn issue #3149, open
in uvicorn 0.54). A response goes out as two writes (head, then body), so under Nagle's algorithm the body
waits for the client's delayed ACK: about 40 ms on every keep-alive request. Measured here: a flat 44 ms
p50 at any load with 2 workers, so 16 connections could never exceed ~360 requests/s. Setting the option
ourselves is harmless where asyncio already did it (one worker).

They also bound the request head (request line and headers) at MAX_HEAD_BYTES: httptools buffers a header of
any size (a 50 MB header was read whole before authentication); h11 stops at its own 16 KiB default. A longer
head is answered 431 and the connection closed, before the application sees anything.

And they send a response's head and body in one write (`Coalesced`): uvicorn writes the head, then the body, each
straight to the socket, so every answer cost two send() calls and two TCP segments, and on loopback the server's
CPU pays for the receiving side of each (the kernel delivers it in the sender's context).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 32 * 1024  # request line and headers
_SLICE = 4096  # the head is measured to within one slice
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
)
_BODY = (
    b'{"type":"about:blank","title":"Request Header Fields Too Large","status":431,'
    b'"detail":"The request line and headers are larger than %d bytes.","instance":null,"errors":[]}' % MAX_HEAD_BYTES
)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # the peer may already be gone; the protocol handles that itself
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Coalesced:
    """A connection's transport that holds at most one write until the next write or the end of the event loop's
    turn, then sends both with one call: a response's head and body (written by uvicorn one after the other, with
    no wait between them) leave in one send() instead of two.

    The order of the bytes is kept (every write of the connection goes through here, at most one is held), nothing
    waits longer than the loop's current turn (a call_soon flushes), closing sends what is held first, and since
    at most one write is held, the transport's own buffer and flow control see every other write as before. What
    is held when the peer has gone is dropped, as the transport would drop it."""

    __slots__ = ("_held", "_loop", "_scheduled", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held: bytes | bytearray | memoryview | None = None
        self._scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self.transport.writelines((held, data))  # uvloop: one writev
            return
        if not data:
            return
        self._held = data
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        self._scheduled = False
        held, self._held = self._held, None
        if held is not None and not self.transport.is_closing():
            self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._held = None
        self.transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + (len(self._held) if self._held is not None else 0)

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's (is_closing, pause_reading, ...)
        return getattr(self.transport, name)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional (uvicorn[standard])
    HttpToolsProtocol = None  # type: ignore[assignment,misc]
else:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """httptools with TCP_NODELAY, a bounded request head, and a response's head and body in one write."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            self._in_head, self._head_bytes = True, 0
            super().connection_made(Coalesced(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            if not self._in_head and len(data) <= _SLICE:
                super().data_received(data)
                return
            view = memoryview(data)
            for start in range(0, len(data), _SLICE):
                chunk = bytes(view[start : start + _SLICE])
                if self._in_head:
                    self._head_bytes += len(chunk)
                    if self._head_bytes > MAX_HEAD_BYTES:
                        self.transport.write(_TOO_LARGE % (len(_BODY), _BODY))
                        self.transport.close()
                        return
                super().data_received(chunk)
                if self.transport.is_closing():
                    return


def http_protocol(name: str) -> str:
    """The import string of the protocol class for `--http auto|h11|httptools` (auto: httptools when installed).
    A string, not the class: uvicorn pickles its config into each worker process."""
    if name == "httptools" or (name == "auto" and HttpToolsProtocol is not None):
        if HttpToolsProtocol is None:
            raise ImportError("--http httptools needs the httptools package (pip install httptools)")
        return f"{__name__}:NoDelayHttpToolsProtocol"
    return f"{__name__}:NoDelayH11Protocol"
