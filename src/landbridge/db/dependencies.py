"""FastAPI dependency for views: the application's Database (set on `app.state.db` by create_app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from landbridge.db.engine import Database


async def get_db(request: Request) -> Database:
    """The Database of the running app (async: FastAPI would run a plain def dependency in a thread)."""
    db: Database = request.app.state.db
    return db


DB = Annotated[Database, Depends(get_db)]
