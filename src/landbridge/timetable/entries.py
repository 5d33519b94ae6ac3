"""What the timetable's data files hold as written (services.yaml, sea_services.yaml, air_services.yaml),
validated. Imported when the files are read, not with the timetable: a world answered from the compiled
cache never needs them."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from landbridge.timetable.models import WEEKDAYS


def _weekdays(v: list[str]) -> list[str]:
    bad = [d for d in v if d not in WEEKDAYS]
    if bad:
        raise ValueError(f"unknown weekday {bad[0]!r}; use {', '.join(WEEKDAYS)}")
    return v


def _hhmm(v: str) -> str:
    try:
        time.fromisoformat(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a time of day; write HH:MM") from None
    return v


class SuspensionEntry(BaseModel):
    """A service that does not run today: since when, a tag a scenario can reopen it by, and the source."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    since: date
    tag: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    source: str = Field(min_length=3)


class RailServiceEntry(BaseModel):
    """A line of services.yaml as written (validated; see the comments at the top of that file)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    corridor: str
    operator: str = ""
    stops: list[str] = Field(min_length=2)
    weekdays: list[str] = Field(min_length=1)
    return_weekdays: list[str] = []
    departure_time: str | None = None
    departure_times: list[str] | None = None
    speed_factor: float | None = Field(default=None, gt=0.2, le=3)
    capacity_feu: dict[Literal["china", "broad_gauge", "europe"], int] | None = None
    accepts: list[str] | None = None
    dangerous_goods: list[str] | None = None
    winter_protection: bool | None = None
    cr_express: bool | None = None
    ecommerce: bool = False
    dwell_hours: float | None = Field(default=None, ge=0)
    rate_factor: float = Field(default=1.0, gt=0)
    priority_crossing: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    suspended: SuspensionEntry | None = None

    @field_validator("weekdays", "return_weekdays")
    @classmethod
    def _wd(cls, v: list[str]) -> list[str]:
        return _weekdays(v)

    @field_validator("departure_times")
    @classmethod
    def _times(cls, v: list[str] | None) -> list[str] | None:
        return [_hhmm(t) for t in v] if v is not None else v


class SeaServiceEntry(BaseModel):
    """A liner loop of sea_services.yaml as written."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    carrier: str = ""
    calls_asia: list[str] = Field(min_length=1)
    calls_europe: list[str] = Field(min_length=1)
    weekdays: list[str] = Field(min_length=1)
    capacity_feu: int = Field(gt=0)
    departure_time: str = "18:00"

    @field_validator("weekdays")
    @classmethod
    def _wd(cls, v: list[str]) -> list[str]:
        return _weekdays(v)


class FlightEntry(BaseModel):
    """A freighter rotation of air_services.yaml as written (it flies back the same days)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    operator: str = ""
    from_: str = Field(alias="from")
    to: str
    weekdays: list[str] = Field(min_length=1)
    departure_time: str = "02:00"
    capacity_kg: int = 100000

    @field_validator("weekdays")
    @classmethod
    def _wd(cls, v: list[str]) -> list[str]:
        return _weekdays(v)
