"""uvicorn's HTTP protocols, with TCP_NODELAY set on every accepted connection.

With `--workers N > 1` uvicorn binds the listening socket itself with `proto` left at 0; accepted sockets
inherit it, and asyncio only turns TCP_NODELAY on when `proto == IPPROTO_TCP` (uvicorn issue #3149, open
in uvicorn 0.54). A response goes out as two writes (head, then body), so under Nagle's algorithm the body
waits for the client's delayed ACK: about 40 ms on every keep-alive request. Measured here: a flat 44 ms
p50 at any load with 2 workers, so 16 connections could never exceed ~360 requests/s. Setting the option
ourselves is harmless where asyncio already did it (one worker).
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def set_nodelay(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # the peer may already be gone; the protocol handles that itself
            pass


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional (uvicorn[standard])
    HttpToolsProtocol = None  # type: ignore[assignment,misc]
else:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            super().connection_made(transport)


def http_protocol(name: str) -> str:
    """The import string of the protocol class for `--http auto|h11|httptools` (auto: httptools when installed).
    A string, not the class: uvicorn pickles its config into each worker process."""
    if name == "httptools" or (name == "auto" and HttpToolsProtocol is not None):
        if HttpToolsProtocol is None:
            raise ImportError("--http httptools needs the httptools package (pip install httptools)")
        return f"{__name__}:NoDelayHttpToolsProtocol"
    return f"{__name__}:NoDelayH11Protocol"
