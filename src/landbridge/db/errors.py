"""Errors of the database layer; each maps to HTTP 503 (and to exit 2 in the CLI)."""

from __future__ import annotations

from landbridge.errors import LandbridgeError


class DatabaseError(LandbridgeError):
    """The database cannot be used as configured (bad URL, unreachable server, schema not migrated)."""

    status_code = 503


class DatabaseBusyError(LandbridgeError):
    """The database stayed busy through every retry; the client may retry later."""

    status_code = 503
