"""Errors of the persisted service layer; each maps to an HTTP status (and to exit 2 in the CLI)."""

from __future__ import annotations

from landbridge.errors import LandbridgeError


class NotFoundError(LandbridgeError):
    """An id that does not exist, or that the caller may not see (404 either way)."""

    status_code = 404


class ConflictError(LandbridgeError):
    """The request clashes with the current state: no capacity left, a status change not allowed."""

    status_code = 409


class PermissionDeniedError(LandbridgeError):
    """The caller's role may not do this (a shipper on an operator endpoint)."""

    status_code = 403


class GoneError(LandbridgeError):
    """Something that existed is no longer usable (an expired quote option)."""

    status_code = 410


class FieldError(LandbridgeError):
    """Bad input in one field of the request body; `field` is its dotted path."""

    status_code = 422

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class DatabaseError(LandbridgeError):
    """The database cannot be used as configured (bad URL, unreachable server, schema not migrated)."""

    status_code = 503


class DatabaseBusyError(LandbridgeError):
    """The database stayed busy through every retry; the client may retry later."""

    status_code = 503
