"""What a quote returns: options made of legs, with times, cost, CO2e, gauge changes and reliability."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from landbridge.timefmt import iso_utc


@dataclass(frozen=True)
class Leg:
    mode: str  # truck | rail | sea | air | ferry | transfer
    frm: str
    frm_name: str
    to: str
    to_name: str
    departure: datetime
    arrival: datetime
    distance_km: float
    co2e_kg: float
    service: str | None = None
    service_name: str | None = None
    departure_id: str | None = None  # departure of a timetabled service (bookable)
    board_index: int | None = None
    alight_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "mode": self.mode,
            "from": self.frm,
            "from_name": self.frm_name,
            "to": self.to,
            "to_name": self.to_name,
            "departure": iso_utc(self.departure),
            "arrival": iso_utc(self.arrival),
            "distance_km": round(self.distance_km, 1),
            "co2e_kg": round(self.co2e_kg, 1),
            "service": self.service,
        }
        if self.service_name:
            d["service_name"] = self.service_name
        if self.departure_id:
            d["departure_id"] = self.departure_id
            d["board_stop"] = self.board_index
            d["alight_stop"] = self.alight_index
        return d


@dataclass(frozen=True)
class GaugeChange:
    place: str
    place_name: str
    crossing: str
    from_gauge_mm: int
    to_gauge_mm: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "place_name": self.place_name,
            "crossing": self.crossing,
            "from_gauge_mm": self.from_gauge_mm,
            "to_gauge_mm": self.to_gauge_mm,
        }


@dataclass
class Option:
    mode: str
    legs: list[Leg]
    departure: datetime
    arrival: datetime
    cost_lines: list[tuple[str, str, Decimal]]  # (kind, label, amount)
    currency: str
    co2e_kg: float
    gauge_changes: list[GaugeChange]
    borders: list[dict[str, str]]
    p50_days: float
    p90_days: float
    reliability_source: str
    labels: list[str] = field(default_factory=list)

    @property
    def cost_total(self) -> Decimal:
        return sum((a for _, _, a in self.cost_lines), Decimal("0.00"))

    @property
    def transit_days(self) -> float:
        return (self.arrival - self.departure).total_seconds() / 86400

    @property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @property
    def key(self) -> str:
        """Stable identity of the option: its legs and the departures it uses."""
        sig = "|".join(f"{l.mode}:{l.frm}>{l.to}@{l.departure_id or iso_utc(l.departure)}" for l in self.legs)
        return hashlib.sha1(sig.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        breakdown: dict[str, Decimal] = {}
        for kind, _, amount in self.cost_lines:
            breakdown[kind] = breakdown.get(kind, Decimal("0")) + amount
        return {
            "key": self.key,
            "mode": self.mode,
            "labels": self.labels,
            "legs": [leg.to_dict() for leg in self.legs],
            "departure": iso_utc(self.departure),
            "arrival": iso_utc(self.arrival),
            "transit_days": round(self.transit_days, 2),
            "distance_km": round(self.distance_km, 1),
            "cost": {
                "total": float(self.cost_total),
                "currency": self.currency,
                "breakdown": {k: float(v) for k, v in breakdown.items()},
                "lines": [{"kind": k, "label": lbl, "amount": float(a)} for k, lbl, a in self.cost_lines],
            },
            "co2e_kg": round(self.co2e_kg, 1),
            "gauge_changes": [g.to_dict() for g in self.gauge_changes],
            "borders": self.borders,
            "reliability": {
                "p50_transit_days": round(self.p50_days, 2),
                "p90_transit_days": round(self.p90_days, 2),
                "source": self.reliability_source,
            },
        }
