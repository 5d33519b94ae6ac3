"""Dates and times as every adapter writes and reads them: one ISO formatter, one date parser.

All instants leave Landbridge as UTC ISO 8601 with second precision and a `Z` (``2026-12-07T08:00:00Z``);
local times carry their UTC offset. Dates are ``YYYY-MM-DD`` within the years that `date` supports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from landbridge.errors import InvalidRequestError

#: Dates outside this range cannot be quoted, seeded or simulated (timetables are built per calendar year
#: with a year of margin on both sides, and `datetime` stops at year 9999).
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(9998, 12, 31)


def iso_utc(dt: datetime) -> str:
    """An aware instant as UTC ISO 8601 to the second, e.g. ``2026-12-07T08:00:00Z``.

    The text of ``dt.astimezone(UTC).replace(microsecond=0).isoformat()`` with ``Z`` for ``+00:00`` (tested
    against it), formatted from the fields: a fifth of the time, and a booking's answer has five of them."""
    if type(dt) is not datetime:  # a subclass may format itself otherwise (pandas' Timestamp: nanoseconds)
        return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    # %-format: about half the time of an f-string with a format spec per field
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)  # noqa: UP031


def iso_local(dt: datetime, tz: tzinfo) -> str:
    """An aware instant in a place's time zone, to the minute with its offset, e.g. ``2026-12-07T16:00+08:00``."""
    return dt.astimezone(tz).isoformat(timespec="minutes")


def parse_instant(text: str) -> datetime:
    """Read back what `iso_utc` wrote (a trailing ``Z`` or any offset); naive text is taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_date(text: str, what: str = "date") -> date:
    """A ``YYYY-MM-DD`` date; raises InvalidRequestError naming `what` (an option or field) otherwise."""
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidRequestError(f"{what} {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-07.") from None
    check_date_range(day, what)
    return day


def check_date_range(day: date, what: str = "date") -> date:
    """Refuse dates so far out that no timetable or calendar arithmetic covers them."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidRequestError(
            f"{what} {day.isoformat()} is out of range; give a date between {FIRST_DATE} and {LAST_DATE}."
        )
    return day


def parse_month(text: str, what: str = "--month") -> tuple[date, date]:
    """A ``YYYY-MM`` month as [first day, first day of the next month)."""
    try:
        start = datetime.strptime(text.strip(), "%Y-%m").date()
    except (ValueError, AttributeError):
        raise InvalidRequestError(f"{what} {text!r} is not a month; write YYYY-MM, e.g. 2026-12.") from None
    check_date_range(start, what)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, end
