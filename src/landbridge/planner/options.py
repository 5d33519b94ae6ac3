"""What a quote returns: options made of legs, with times, cost lines, CO2e, gauge changes, borders and
reliability. Instants are timezone-aware (UTC); money is Decimal in the quote's currency, written to
JSON as decimal strings ("3305.00")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from landbridge.cargo import CargoType, ContainerType
from landbridge.emissions import ShipmentEmissions
from landbridge.network.models import Place
from landbridge.pricing import Conversion, CostKind
from landbridge.scenarios import Scenario
from landbridge.timefmt import iso_utc
from landbridge.timetable.models import BorderPassage, GaugeChange

__all__ = ["BorderPassage", "CostItem", "GaugeChange", "Leg", "Option", "Quote", "Reliability"]


@dataclass(slots=True)
class Leg:
    """One leg: a truck, or a ride on a timetabled rail, sea or air service (then `service`,
    `departure_id` and the board/alight stop indexes say which run, for bookings)."""

    mode: str  # truck | rail | sea | air
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
    departure_id: str | None = None
    board_index: int | None = None
    alight_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The leg as JSON-ready data (instants UTC ISO 8601, km and kg to one decimal)."""
        d: dict[str, Any] = {
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


@dataclass(slots=True)
class CostItem:
    """One line of an option's price in the quote's currency."""

    kind: CostKind
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Reliability:
    """Expected (p50) and pessimistic (p90) door-to-door transit in days, and where they come from:
    "simulated" (the digital twin's bands) or "fixed" (the bands of parameters.yaml); `bands` names the
    file they were read from (and for simulated bands its date, generator and data hash)."""

    p50_days: float
    p90_days: float
    source: str
    bands: dict[str, Any] | None = None


@dataclass
class Option:
    """A door-to-door option: legs in time order from pickup to delivery, its price, CO2e (kg, ISO 14083
    well-to-wheel), the gauge changes and borders on the way, and its reliability."""

    mode: str
    legs: list[Leg]
    departure: datetime
    arrival: datetime
    cost_lines: list[CostItem]
    currency: str
    conversion: Conversion | None
    co2e_kg: float
    gauge_changes: list[GaugeChange]
    borders: list[BorderPassage]
    reliability: Reliability
    transfers: int
    cost_usd: float  # the same price in the tariff currency, for comparisons
    labels: list[str] = field(default_factory=list)
    # The ISO 14083 breakdown (landbridge.emissions): per leg and section, per hub, TTW/WTT/WTW.
    emissions: ShipmentEmissions | None = None

    @property
    def cost_total(self) -> Decimal:
        """The sum of the cost lines (quote currency)."""
        return sum((line.amount for line in self.cost_lines), Decimal("0.00"))

    @property
    def transit_days(self) -> float:
        """Scheduled door-to-door days, from pickup to delivery."""
        return (self.arrival - self.departure).total_seconds() / 86400

    @property
    def p50_days(self) -> float:
        return self.reliability.p50_days

    @property
    def p90_days(self) -> float:
        return self.reliability.p90_days

    @property
    def reliability_source(self) -> str:
        return self.reliability.source

    @property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @property
    def key(self) -> str:
        """Stable identity of the option: its legs and the departures it uses."""
        sig = "|".join(f"{l.mode}:{l.frm}>{l.to}@{l.departure_id or iso_utc(l.departure)}" for l in self.legs)
        return hashlib.sha1(sig.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The option as JSON-ready data; money as decimal strings in the quote currency."""
        breakdown: dict[str, Decimal] = {}
        for line in self.cost_lines:
            breakdown[line.kind] = breakdown.get(line.kind, Decimal("0.00")) + line.amount
        return {
            "key": self.key,
            "mode": self.mode,
            "labels": self.labels,
            "legs": [leg.to_dict() for leg in self.legs],
            "departure": iso_utc(self.departure),
            "arrival": iso_utc(self.arrival),
            "transit_days": round(self.transit_days, 2),
            "transfers": self.transfers,
            "distance_km": round(self.distance_km, 1),
            "cost": {
                "total": str(self.cost_total),
                "currency": self.currency,
                "breakdown": {k: str(v) for k, v in breakdown.items()},
                "lines": [{"kind": l.kind, "label": l.label, "amount": str(l.amount)} for l in self.cost_lines],
                "exchange_rate": self.conversion.to_dict() if self.conversion else None,
            },
            "co2e_kg": round(self.co2e_kg, 1),
            "gauge_changes": [g.to_dict() for g in self.gauge_changes],
            "borders": [b.to_dict() for b in self.borders],
            "reliability": {
                "p50_transit_days": round(self.reliability.p50_days, 2),
                "p90_transit_days": round(self.reliability.p90_days, 2),
                "source": self.reliability.source,
                "bands": self.reliability.bands,
            },
            **({"emissions": self.emissions.to_dict(compact=True)} if self.emissions is not None else {}),
        }


@dataclass
class Quote:
    """The answer to a QuoteRequest: the places as resolved, the validated load, the scenario, the
    options (a Pareto set over arrival, cost, CO2e and transfers) and how many itineraries the search
    weighed (`considered`: labels made)."""

    origin: Place
    destination: Place
    ready: datetime
    containers: int
    container: ContainerType
    cargo: CargoType
    mass_kg: float
    scenario: Scenario
    options: list[Option]
    considered: int
    currency: str
    emission_factors: dict[str, Any] | None = None  # the factor set the CO2e figures come from

    def to_dict(self) -> dict[str, Any]:
        """The quote as JSON-ready data (what `landbridge quote --json` prints)."""
        return {
            "origin": {"id": self.origin.id, "name": self.origin.name, "country": self.origin.country},
            "destination": {
                "id": self.destination.id,
                "name": self.destination.name,
                "country": self.destination.country,
            },
            "ready": iso_utc(self.ready),
            "containers": self.containers,
            "container_type": self.container.id,
            "cargo": self.cargo.id,
            "mass_kg": self.mass_kg,
            "currency": self.currency,
            "scenario": {"name": self.scenario.name, "description": self.scenario.describe()},
            "itineraries_considered": self.considered,
            "emission_factors": self.emission_factors,
            "options": [o.to_dict() for o in self.options],
        }
