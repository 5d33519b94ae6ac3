"""Errors users see. Each says what is wrong and what to do; adapters print them without tracebacks."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class LandbridgeError(Exception):
    """Base for errors caused by input; adapters turn these into clear messages (CLI exit 2, HTTP 4xx)."""

    status_code = 400


class MissingExtraError(LandbridgeError):
    """An optional part of Landbridge is used but its packages are not installed (``pip install landbridge[x]``)."""

    status_code = 501

    def __init__(self, module: str, extra: str, purpose: str):
        self.module, self.extra = module, extra
        super().__init__(
            f"{purpose} needs the Python package {module!r}, which is not installed. "
            f"Install it with: pip install 'landbridge[{extra}]' (or 'landbridge[all]')."
        )


def require(module: str, extra: str, purpose: str) -> Any:
    """Import an optional dependency, or raise MissingExtraError naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name != module.split(".", maxsplit=1)[0]:
            raise  # the package is there but broken (or a module of it is missing): not a missing extra
        raise MissingExtraError(module, extra, purpose) from None


class DataError(LandbridgeError):
    """A data file is invalid: names the file, the entry and the field."""

    status_code = 422

    def __init__(self, file: str, message: str, entry: str | None = None, field: str | None = None):
        self.file, self.entry, self.field, self.detail = file, entry, field, message
        where = file
        if entry is not None:
            where += f", entry {entry!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class UnknownPlaceError(LandbridgeError):
    status_code = 404

    def __init__(self, query: str, suggestions: list[str]):
        self.query, self.suggestions = query, suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown place {query!r}.{hint} Run `landbridge network places` to list places.")


class InvalidRequestError(LandbridgeError):
    """The request cannot be served as asked (impossible cargo, past date, no route). `field` names the
    request field at fault (as the API spells it, e.g. ``ready_date``) when there is one."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


class NoRouteError(InvalidRequestError):
    """No itinerary serves the request (under its scenario, cargo and modes)."""


# ---- errors of the service layer: each maps to an HTTP status (and to exit 2 in the CLI) ----------
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
    """Bad input in one field of a request; `field` is its dotted path (or a header's name)."""

    status_code = 422

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class FieldErrors(LandbridgeError):
    """Several bad fields at once (a batch, a file): `errors` lists `{"field": ..., "message": ...}` for each;
    `extra` holds further members of the answer (e.g. an import report). HTTP 422."""

    status_code = 422

    def __init__(self, message: str, errors: list[dict[str, Any]], **extra: Any):
        self.errors, self.extra = errors, extra
        super().__init__(message)


def did_you_mean(query: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches, case-insensitive, returned in their original spelling."""
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    hits = difflib.get_close_matches(query.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[h] for h in hits]
