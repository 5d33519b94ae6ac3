"""`landbridge serve`: the HTTP API (and, as they land, the web app) on uvicorn."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from landbridge.cli.common import DbOpt, db_errors, err
from landbridge.cli.common import database as database_for
from landbridge.errors import LandbridgeError


def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    database: DbOpt = None,
    migrate: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema before serving.")] = True,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
    log_level: Annotated[str, typer.Option(help="critical, error, warning, info or debug.")] = "info",
    loop: Annotated[str, typer.Option(help="Event loop: auto (uvloop when installed), asyncio or uvloop.")] = "auto",
    http: Annotated[str, typer.Option(help="HTTP parser: auto (httptools when installed), h11 or httptools.")] = "auto",
    webhooks: Annotated[
        bool, typer.Option("--webhooks/--no-webhooks", help="Deliver webhooks in each server process (a worker).")
    ] = True,
) -> None:
    """Start the HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from landbridge.migrations import upgrade

    if not 1 <= port <= 65535:
        raise LandbridgeError(f"--port {port} is not a TCP port; give one from 1 to 65535 (e.g. 8000).")
    _check_can_listen(host, port)
    if not 1 <= workers <= 64:
        raise LandbridgeError("--workers must be between 1 and 64.")
    if loop not in ("auto", "asyncio", "uvloop") or http not in ("auto", "h11", "httptools"):
        raise LandbridgeError("--loop must be auto, asyncio or uvloop; --http auto, h11 or httptools.")
    if database:
        os.environ["LANDBRIDGE_DATABASE_URL"] = database
    os.environ["LANDBRIDGE_WEBHOOK_WORKER"] = "1" if webhooks else "0"
    db = database_for(database)
    if migrate:
        with db_errors(db):
            upgrade(db)
    db.dispose()
    err.print(f"Landbridge API on http://{host}:{port} (docs at /docs), database {db.dialect}, {workers} worker(s)")
    from landbridge.api.server import http_protocol

    try:
        protocol = http_protocol(http)
    except ImportError as exc:
        raise LandbridgeError(str(exc)) from None
    uvicorn.run(
        "landbridge.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=log_level,
        loop=loop,
        http=protocol,
    )


def _check_can_listen(host: str, port: int) -> None:
    """Fail before announcing anything when the address cannot be bound (taken, or not an address of ours)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise LandbridgeError(f"--host {host!r} is not an address or name this machine resolves.") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            raise LandbridgeError(
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port or stop what uses it."
            ) from None
