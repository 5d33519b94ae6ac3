"""Bodies of the web app's endpoints (bounded like every request body)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from landbridge.schemas import Strict

MAX_SIMULATED_DAYS = 366  # a web job is at most a year (a few seconds); longer runs: `landbridge simulate`


class PlaceOut(BaseModel):
    id: str
    name: str
    kind: str
    country: str
    unlocode: str | None = None


class LegIn(Strict):
    mode: Literal["truck", "rail", "sea", "air", "ferry", "transfer"]
    from_: str = Field(alias="from", min_length=1, max_length=64)
    to: str = Field(min_length=1, max_length=64)
    service: str | None = Field(None, max_length=80)
    board_stop: int | None = Field(None, ge=0, le=100)
    alight_stop: int | None = Field(None, ge=0, le=100)

    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class GeometryIn(Strict):
    legs: list[LegIn] = Field(min_length=1, max_length=12, description="An option's legs as quotes give them.")


class SimulationIn(Strict):
    scenario: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="Scenario specs (as `landbridge simulate --scenario`); empty for the baseline.",
    )
    start: date | None = Field(None, description="First simulated day (default: 1 January of this year).")
    days: int = Field(365, ge=1, le=MAX_SIMULATED_DAYS)
    seed: int = Field(42, ge=0, le=2**31 - 1)
    compare_baseline: bool = Field(True, description="Also run the baseline with the same seed, to compare.")


class SimulationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    phase: str
    runs: list[dict[str, Any]]
