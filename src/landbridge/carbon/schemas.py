"""Response bodies of the emission reports (JSON); CSV, PDF and chart variants carry the same figures."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FactorSetOut(BaseModel):
    id: str
    name: str
    version: str
    licence: str
    url: str | None = None


class TotalsOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    ttw_co2e_kg: float
    wtt_co2e_kg: float
    wtw_co2e_kg: float


class EmissionReportOut(BaseModel):
    """A booking's emissions per ISO 14083: `legs[].sections[]` (distance, mass, factor, TTW/WTT/WTW kg CO2e,
    data quality), `hubs[]` (containers handled x factor), `totals`, the `factor_set`, `method`,
    `not_quantified` and `limitations`."""

    model_config = ConfigDict(extra="allow")
    standard: str
    booking: dict[str, Any]
    factor_set: FactorSetOut
    mass_kg: float
    containers: float
    totals: TotalsOut
    data_quality: str
    legs: list[dict[str, Any]]
    hubs: list[dict[str, Any]]
    method: dict[str, str]
    not_quantified: list[str]
    limitations: list[str]


class MonthOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    month: str
    bookings: int
    wtw_co2e_kg: float
    ttw_co2e_kg: float
    by_mode_wtw_co2e_kg: dict[str, float]
    sea_alternative: dict[str, Any]
    air_alternative: dict[str, Any]


class EmissionSummaryOut(BaseModel):
    """WTW kg CO2e per month of departure and per mode (live bookings), and the saving against the sea and
    air options the same quotes offered (`saving_co2e_kg` = alternative - booked, over `bookings` of them)."""

    model_config = ConfigDict(extra="allow")  # also `from` and `to`: the date range asked for
    customer_id: str | None
    factor_set: FactorSetOut
    months: list[MonthOut]
    totals: MonthOut
    bookings: list[dict[str, Any]]
