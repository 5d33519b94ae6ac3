"""The HTTP API: `create_app()` assembles the routers of each domain, authentication and error handling.

landbridge db upgrade && landbridge keys create --role operator --name ops
landbridge serve            # OpenAPI at http://127.0.0.1:8000/docs and /openapi.json
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge import __version__ as _version
from landbridge import web
from landbridge.api import errors, limits
from landbridge.db.engine import Database, get_database
from landbridge.db.errors import DatabaseError
from landbridge.idempotency import service as idempotency

DESCRIPTION = """Quotes, departures with capacity, bookings and CIM/SMGS consignment notes for China–Europe rail
freight.

Authenticate with `Authorization: Bearer <api key>`. POST requests accept an `Idempotency-Key` header: a retry
returns the original result, the same key with a different body is 409. Errors are RFC 9457 problem details
(`application/problem+json`: `type`, `title`, `status`, `detail`, `instance`), with field-level problems in
`errors` (`[{"field": "shipment.goods.hs_code", "message": ...}]`); see the `Problem` schema."""


MAX_BODY_BYTES = 64 * 1024  # larger request bodies get 413
PURGE_EVERY_S = 3600.0  # how often each worker drops idempotency records past their retention


def create_app(db: Database | str | None = None) -> FastAPI:
    """The application on a database (a Database, a URL, or LANDBRIDGE_DATABASE_URL / the SQLite default)."""
    database = db if isinstance(db, Database) else get_database(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from landbridge.world import load_world

        await run_in_threadpool(load_world)  # the network and timetables, loaded once before the first request

        async def purge() -> None:  # stored replies past their retention
            try:
                await run_in_threadpool(idempotency.purge, database)
            except Exception:
                errors.log.warning("could not purge old idempotency records", exc_info=True)

        async def purge_forever() -> None:
            while True:
                await asyncio.sleep(PURGE_EVERY_S)
                await purge()

        await purge()  # before the first request, then every PURGE_EVERY_S while serving
        purging = asyncio.create_task(purge_forever())
        try:
            yield
        finally:
            purging.cancel()

    # Swagger UI and ReDoc assets come from the fastapi-offline package: /docs works without a CDN.
    app = FastAPIOffline(
        title="Landbridge",
        version=_version,
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
        generate_unique_id_function=operation_id,
        static_url="/docs-assets",
        dependencies=[Depends(errors.unknown_query_parameters)],
    )
    app.state.db = database
    database.serve_with_deadlines()  # no transaction of a request may wait on a silent database for long
    errors.install(app)
    from landbridge.booking.fast import BookingFastPath

    app.add_middleware(BookingFastPath)  # innermost: every middleware below applies to it as to the route
    app.add_middleware(errors.CleanInput)
    app.add_middleware(limits.HeaderLimit)
    app.add_middleware(limits.RequestDeadline)
    app.add_middleware(SecurityHeaders)

    from landbridge.accounts.views import router as accounts
    from landbridge.booking.views import router as booking
    from landbridge.carbon.views import router as carbon
    from landbridge.ecommerce.views import router as ecommerce
    from landbridge.tracking.views import router as tracking

    routers = [booking, carbon, accounts, ecommerce, tracking]
    for router in routers:
        app.include_router(router)

    head: list[str | None] = []  # the newest migration, read once

    @app.get("/health", tags=["health"], response_model=Health)
    async def health() -> dict[str, str]:
        """Readiness: the service answers, reaches its database, and the schema is at the newest migration
        (503 otherwise)."""
        from sqlalchemy import text

        from landbridge.migrations import head_revision

        if not head:
            head.append(await run_in_threadpool(head_revision, database))

        def current(s: Session) -> Any:
            try:
                return s.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except ProgrammingError:
                return None  # no alembic_version table: never migrated
            except OperationalError as exc:
                if "no such table" in str(exc):  # SQLite says so this way
                    return None
                raise

        if await database.read_async(current) != head[0]:
            raise DatabaseError("The database schema is not at the newest migration; run `landbridge db upgrade`.")
        return {"status": "ok"}

    routers.append(web.install(app))  # the web app at / and the endpoints its pages need (landbridge.web)
    errors.document(app, routers)
    return app


class Health(BaseModel):
    status: Literal["ok"]


def operation_id(route: APIRoute) -> str:
    """Readable operationIds: the view function's name (`create_booking`, `search_departures`)."""
    return route.name


class SecurityHeaders:
    """Pure ASGI middleware: `X-Content-Type-Options: nosniff` on every answer, and `Cache-Control: no-store` on
    every answer to a request that carries credentials or reaches the API (/v1): nothing a key can read is kept
    by a browser or a proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith("/v1") or any(
            k == b"authorization" for k, _ in scope.get("headers", ())
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not (private and k.lower() == b"cache-control") and k.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
