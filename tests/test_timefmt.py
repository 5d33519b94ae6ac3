"""iso_utc formats from the fields; it must give the text of the isoformat-based formula it replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from landbridge.timefmt import iso_utc


def reference(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


ZONES = st.sampled_from(
    [
        UTC,
        timezone(timedelta(0)),
        timezone(timedelta(hours=8)),
        timezone(-timedelta(hours=5, minutes=30)),
        ZoneInfo("Europe/Warsaw"),
        ZoneInfo("Asia/Shanghai"),
        ZoneInfo("UTC"),
    ]
)
# Away from the ends of datetime's range, where converting to UTC would leave it (both raise there alike).
INSTANTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@given(INSTANTS, ZONES, st.integers(0, 1))
def test_same_text_as_isoformat(naive: datetime, tz, fold: int) -> None:
    dt = naive.replace(tzinfo=tz, fold=fold)
    assert iso_utc(dt) == reference(dt)


def test_examples() -> None:
    assert iso_utc(datetime(2026, 12, 7, 8, 0, 0, 999_999, tzinfo=UTC)) == "2026-12-07T08:00:00Z"
    assert iso_utc(datetime(2026, 12, 7, 16, 0, tzinfo=timezone(timedelta(hours=8)))) == "2026-12-07T08:00:00Z"
    assert iso_utc(datetime(33, 1, 1, tzinfo=UTC)) == "0033-01-01T00:00:00Z"
