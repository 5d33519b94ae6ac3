"""The HTTP API: `create_app()` assembles the routers of each domain, authentication and error handling.

landbridge db upgrade && landbridge keys create --role operator --name ops
landbridge serve            # OpenAPI at http://127.0.0.1:8000/docs and /openapi.json
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from landbridge import __version__ as _version
from landbridge import web
from landbridge.api import errors
from landbridge.db.engine import Database, get_database
from landbridge.idempotency import service as idempotency

DESCRIPTION = """Quotes, departures with capacity, bookings and CIM/SMGS consignment notes for China–Europe rail freight.

Authenticate with `Authorization: Bearer <api key>`. POST requests accept an `Idempotency-Key` header: a retry
returns the original result, the same key with a different body is 409. Errors are JSON
`{"detail": ..., "errors": [{"field": ..., "message": ...}]}`."""


MAX_BODY_BYTES = 64 * 1024  # larger request bodies get 413
PURGE_EVERY_S = 3600.0  # how often each worker drops idempotency records past their retention


def create_app(db: Database | str | None = None) -> FastAPI:
    """The application on a database (a Database, a URL, or LANDBRIDGE_DATABASE_URL / the SQLite default)."""
    database = db if isinstance(db, Database) else get_database(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
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

    app = FastAPI(
        title="Landbridge", version=_version, description=DESCRIPTION, lifespan=lifespan, max_body_size=MAX_BODY_BYTES
    )
    app.state.db = database
    errors.install(app)
    app.add_middleware(errors.CleanInput)

    from landbridge.accounts.views import router as accounts
    from landbridge.booking.views import router as booking

    app.include_router(booking)
    app.include_router(accounts)

    @app.get("/health", tags=["health"])
    def health() -> dict:
        """Liveness: the service answers and reaches its database."""
        from sqlalchemy import text

        database.read(lambda s: s.execute(text("SELECT 1")).scalar())
        return {"status": "ok", "database": database.dialect}

    web.install(app)  # the web app at / and the endpoints its pages need (landbridge.web)
    return app
