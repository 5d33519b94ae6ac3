"""The emissions of a shipment per ISO 14083:2023: for every leg, distance x mass x intensity, summed over
the leg's sections (a rail leg crosses countries with different grids and tractions, and may include a
ferry); for every hub (a gauge change, a terminal, a port) the containers handled x the hub factor.

Pure and deterministic: the inputs are plain values, the factor set is passed in. Units: distances in
km, mass in kg (of the goods), results in kg CO2e, intensities in g CO2e per tonne-km.

    from landbridge.emissions import LegSpec, Section, emission_factors, shipment_emissions
    legs = [LegSpec("rail", "xian", "duisburg", 9800, sections=(Section("rail", 3800, "CN", "electric"), ...))]
    result = shipment_emissions(legs, mass_kg=20_000, containers=1, factors=emission_factors())
    result.wtw_kg, [leg.wtw_kg for leg in result.legs]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from landbridge.emissions.factors import HUB_KINDS, MODES, FactorSet, HubFactor, Intensity
from landbridge.errors import InvalidRequestError

LEG_MODES = ("road", "rail", "sea", "air", "ferry")

_T = TypeVar("_T")


class once_property(Generic[_T]):
    """`functools.cached_property` without the lock Python 3.11 takes on every first read (a quote reads a few
    dozen of these per option). The values are sums of frozen figures: two threads computing one at once
    store the same value."""

    def __init__(self, fn: Callable[[Any], _T]):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> once_property[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _T | once_property[_T]:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value  # read from the instance from now on (this is a non-data descriptor)
        return value


# ---- what a caller describes ----------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """A stretch of a leg moved one way: `mode` (rail, ferry, road, sea, air), its distance in km and,
    for rail, the country whose grid powers it and the traction (electric, diesel or average = unknown)."""

    mode: str
    distance_km: float
    country: str | None = None
    traction: str | None = None


@dataclass(frozen=True)
class Hub:
    """A hub operation: where a container is handled (`kind`: rail_terminal, gauge_change, sea_port,
    ferry_port, airport), at which place (id and display name) and in which country."""

    kind: str
    place: str
    name: str = ""
    country: str | None = None


@dataclass(frozen=True)
class LegSpec:
    """One leg of an itinerary: its main mode, ends and distance (km; for air the great-circle distance,
    the factor set adds its adjustment). `sections` split it by country, traction and vehicle (default:
    one section of the leg's mode); `hubs` are the operations inside it (gauge changes, ferry ports)."""

    mode: str
    frm: str
    to: str
    distance_km: float
    sections: tuple[Section, ...] = ()
    hubs: tuple[Hub, ...] = ()
    frm_name: str = ""
    to_name: str = ""
    service: str | None = None

    def parts(self) -> tuple[Section, ...]:
        return self.sections or (Section(self.mode, self.distance_km),)


# ---- what the model returns -----------------------------------------------------------------------
@dataclass(frozen=True)
class PartResult:
    """One section of a leg: the distance and mass used, the factor applied and the emissions (kg)."""

    mode: str
    country: str | None
    traction: str | None
    distance_km: float
    mass_kg: float
    intensity: Intensity
    ttw_kg: float
    wtt_kg: float
    input_km: float  # the distance as given (air: great circle, before the set's adjustment)

    @property
    def wtw_kg(self) -> float:
        return self.ttw_kg + self.wtt_kg

    @property
    def tkm(self) -> float:
        return self.distance_km * self.mass_kg / 1000.0

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        """JSON-ready; `compact` leaves out the factor's description and source (the factor set has them)."""
        i = self.intensity
        d: dict[str, Any] = {
            "mode": self.mode,
            "country": self.country,
            "traction": self.traction,
            "distance_km": round(self.distance_km, 1),
            "mass_kg": round(self.mass_kg, 1),
            "tonne_km": round(self.tkm, 1),
            "factor": {
                "id": i.factor_id,
                "description": i.description,
                "ttw": round(i.ttw_g_per_tkm, 3),
                "wtt": round(i.wtt_g_per_tkm, 3),
                "wtw": round(i.wtw_g_per_tkm, 3),
                "unit": "g CO2e/tkm",
                "source": i.source,
            },
            "data_quality": i.data_quality,
            "ttw_co2e_kg": round(self.ttw_kg, 3),
            "wtt_co2e_kg": round(self.wtt_kg, 3),
            "wtw_co2e_kg": round(self.wtw_kg, 3),
        }
        if self.input_km != self.distance_km:
            d["great_circle_km"] = round(self.input_km, 1)
        if compact:
            del d["factor"]["description"], d["factor"]["source"]
        return d


@dataclass(frozen=True)
class LegResult:
    """A leg's emissions: the sum of its parts (kg CO2e); the leg's data quality is 'specific' only when
    every part's factor is."""

    index: int
    spec: LegSpec
    mass_kg: float
    parts: tuple[PartResult, ...]

    @once_property
    def distance_km(self) -> float:
        return sum(p.distance_km for p in self.parts)

    @once_property
    def ttw_kg(self) -> float:
        return sum([p.ttw_kg for p in self.parts])

    @once_property
    def wtt_kg(self) -> float:
        return sum([p.wtt_kg for p in self.parts])

    @once_property
    def wtw_kg(self) -> float:
        return self.ttw_kg + self.wtt_kg

    @once_property
    def data_quality(self) -> str:
        return "specific" if all(p.intensity.data_quality == "specific" for p in self.parts) else "default"

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        s = self.spec
        return {
            "index": self.index,
            "mode": s.mode,
            "from": s.frm,
            "from_name": s.frm_name or s.frm,
            "to": s.to,
            "to_name": s.to_name or s.to,
            "service": s.service,
            "distance_km": round(self.distance_km, 1),
            "mass_kg": round(self.mass_kg, 1),
            "ttw_co2e_kg": round(self.ttw_kg, 3),
            "wtt_co2e_kg": round(self.wtt_kg, 3),
            "wtw_co2e_kg": round(self.wtw_kg, 3),
            "data_quality": self.data_quality,
            "sections": [p.to_dict(compact) for p in self.parts],
        }


@dataclass(frozen=True)
class HubResult:
    """A hub operation's emissions (kg CO2e) for the containers handled; `factor` is None when the set
    has no factor for this kind of hub (the report says 'not quantified')."""

    hub: Hub
    containers: float
    mass_kg: float
    factor: HubFactor | None
    leg: int | None = None  # the leg a hub lies inside (gauge change, ferry port); None between legs

    @once_property
    def ttw_kg(self) -> float:
        return self.containers * self.factor.ttw_kg_per_container if self.factor else 0.0

    @once_property
    def wtt_kg(self) -> float:
        return self.containers * self.factor.wtt_kg_per_container if self.factor else 0.0

    @once_property
    def wtw_kg(self) -> float:
        return self.ttw_kg + self.wtt_kg

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        f = self.factor
        d = {
            "kind": self.hub.kind,
            "leg": self.leg,
            "place": self.hub.place,
            "place_name": self.hub.name or self.hub.place,
            "country": self.hub.country,
            "containers": self.containers,
            "mass_kg": round(self.mass_kg, 1),
            "quantified": f is not None,
            "factor": None
            if f is None
            else {
                "id": f.id,
                "description": f.description,
                "ttw": f.ttw_kg_per_container,
                "wtt": f.wtt_kg_per_container,
                "wtw": f.wtw_kg_per_container,
                "unit": "kg CO2e/container",
                "source": f.source,
            },
            "data_quality": f.data_quality if f else None,
            "ttw_co2e_kg": round(self.ttw_kg, 3),
            "wtt_co2e_kg": round(self.wtt_kg, 3),
            "wtw_co2e_kg": round(self.wtw_kg, 3),
        }
        if compact and isinstance(d["factor"], dict):
            del d["factor"]["description"], d["factor"]["source"]
        return d


@dataclass(frozen=True)
class ShipmentEmissions:
    """Emissions of one shipment: per leg, per hub and in total (kg CO2e, TTW / WTT / WTW), with the
    factor set they were computed with."""

    mass_kg: float
    containers: float
    legs: tuple[LegResult, ...]
    hubs: tuple[HubResult, ...]
    factor_set: dict[str, Any] = field(default_factory=dict)

    # (sums over lists: the same additions in the same order as over generators, with less overhead)
    @once_property
    def ttw_kg(self) -> float:
        return sum([x.ttw_kg for x in self.legs]) + sum([h.ttw_kg for h in self.hubs])

    @once_property
    def wtt_kg(self) -> float:
        return sum([x.wtt_kg for x in self.legs]) + sum([h.wtt_kg for h in self.hubs])

    @once_property
    def wtw_kg(self) -> float:
        return self.ttw_kg + self.wtt_kg

    @once_property
    def data_quality(self) -> str:
        qualities = [x.data_quality for x in self.legs] + [h.factor.data_quality for h in self.hubs if h.factor]
        return "specific" if qualities and all(q == "specific" for q in qualities) else "default"

    def by_mode(self) -> dict[str, float]:
        """WTW kg CO2e per mode (rail sections' ferries count as ferry; hubs as 'hub')."""
        out: dict[str, float] = {}
        for leg in self.legs:
            for p in leg.parts:
                out[p.mode] = out.get(p.mode, 0.0) + p.wtw_kg
        hub_total = sum(h.wtw_kg for h in self.hubs)
        if hub_total:
            out["hub"] = hub_total
        return out

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        """JSON-ready: totals, per leg (with its sections) and per hub. `compact` (what a quote option
        stores) leaves out each factor's description and source, which the factor set holds."""
        return {
            "standard": "ISO 14083:2023",
            "factor_set": self.factor_set,
            "mass_kg": round(self.mass_kg, 1),
            "containers": self.containers,
            "totals": {
                "ttw_co2e_kg": round(self.ttw_kg, 3),
                "wtt_co2e_kg": round(self.wtt_kg, 3),
                "wtw_co2e_kg": round(self.wtw_kg, 3),
                "transport_wtw_co2e_kg": round(sum(x.wtw_kg for x in self.legs), 3),
                "hubs_wtw_co2e_kg": round(sum(h.wtw_kg for h in self.hubs), 3),
            },
            "data_quality": self.data_quality,
            "legs": [x.to_dict(compact) for x in self.legs],
            "hubs": [h.to_dict(compact) for h in self.hubs],
        }


# ---- the computation ------------------------------------------------------------------------------
def check_shipment(mass_kg: float, containers: float) -> None:
    """InvalidRequestError for a non-positive mass or a negative number of containers."""
    if not mass_kg > 0:
        raise InvalidRequestError(f"The shipment's mass must be positive (got {mass_kg} kg).")
    if containers < 0:
        raise InvalidRequestError(f"The number of containers cannot be negative (got {containers}).")


def section_intensity(section: Section, factors: FactorSet) -> Intensity:
    """The intensity that applies to one section: rail by country and traction, other modes by the
    set's factor for that mode."""
    if section.mode not in MODES:
        raise InvalidRequestError(f"Unknown transport mode {section.mode!r}; use one of {', '.join(MODES)}.")
    if section.mode == "rail":
        return factors.rail_intensity(section.country, section.traction or "average")
    return factors.mode_intensity(section.mode)


def _distance_used(leg: LegSpec, section: Section, factors: FactorSet) -> float:
    if section.distance_km < 0:
        raise InvalidRequestError(f"A distance cannot be negative (leg {leg.frm} to {leg.to}).")
    return factors.air_distance_km(section.distance_km) if section.mode == "air" else section.distance_km


def leg_emissions(leg: LegSpec, mass_kg: float, factors: FactorSet, index: int = 0) -> LegResult:
    """Distance x mass x intensity for each section of the leg (air: the set's distance adjustment
    applied); InvalidRequestError for a non-positive mass, a negative distance or an unknown mode."""
    check_shipment(mass_kg, 0)
    if leg.mode not in LEG_MODES:
        raise InvalidRequestError(f"Unknown transport mode {leg.mode!r}; use one of {', '.join(LEG_MODES)}.")
    parts = []
    for s in leg.parts():
        km = _distance_used(leg, s, factors)
        i = section_intensity(s, factors)
        t = mass_kg / 1000.0
        parts.append(
            PartResult(
                s.mode,
                s.country,
                s.traction,
                km,
                mass_kg,
                i,
                km * t * i.ttw_g_per_tkm / 1000,
                km * t * i.wtt_g_per_tkm / 1000,
                s.distance_km,
            )
        )
    return LegResult(index, leg, mass_kg, tuple(parts))


def leg_g_per_tonne(leg: LegSpec, factors: FactorSet) -> tuple[float, float]:
    """(TTW, WTW) g CO2e per tonne of goods over the whole leg: what a planner precomputes once per ride
    and multiplies by the shipment's mass."""
    ttw = wtw = 0.0
    for s in leg.parts():
        km = _distance_used(leg, s, factors)
        i = section_intensity(s, factors)
        ttw += km * i.ttw_g_per_tkm
        wtw += km * i.wtw_g_per_tkm
    return ttw, wtw


def hub_emissions(hub: Hub, containers: float, mass_kg: float, factors: FactorSet, leg: int | None = None) -> HubResult:
    """Containers handled x the set's factor for this kind of hub (zero and 'not quantified' when the set
    has none)."""
    if hub.kind not in HUB_KINDS:
        raise InvalidRequestError(f"Unknown hub kind {hub.kind!r}; use one of {', '.join(HUB_KINDS)}.")
    check_shipment(mass_kg, containers)
    return HubResult(hub, containers, mass_kg, factors.hub_factor(hub.kind), leg)


#: The hub kind at both ends of a leg of each main mode (road legs have none of their own).
HUB_KIND_OF_MODE = {"rail": "rail_terminal", "sea": "sea_port", "air": "airport", "ferry": "ferry_port"}


def leg_end_hubs(leg: LegSpec) -> tuple[Hub, Hub] | None:
    """The hubs where a leg starts and ends (by its mode's hub kind), None for a road leg."""
    kind = HUB_KIND_OF_MODE.get(leg.mode)
    if kind is None:
        return None
    return Hub(kind, leg.frm, leg.frm_name), Hub(kind, leg.to, leg.to_name)


#: A leg's end hubs as `leg_end_hubs` makes them, or a caller's memo of it (same leg, equal hubs).
LegEndHubs = Callable[[LegSpec], "tuple[Hub, Hub] | None"]


def ordered_hubs(legs: Sequence[LegSpec], end_hubs: LegEndHubs = leg_end_hubs) -> list[tuple[Hub, int | None]]:
    """`transfer_hubs` with, for each hub, the index of the leg it lies inside (None: between legs)."""
    out: list[tuple[Hub, int | None]] = []
    prev: LegSpec | None = None
    for k, leg in enumerate(legs):
        ends = end_hubs(leg)
        joined = prev is not None and prev.mode == leg.mode == "rail" and prev.to == leg.frm
        if ends and not joined:
            out.append((ends[0], None))
        if leg.hubs:
            out.extend((h, k) for h in leg.hubs)
        if ends:
            out.append((ends[1], None))
        prev = leg
    return out


def transfer_hubs(legs: Sequence[LegSpec]) -> list[Hub]:
    """The handling the itinerary implies between and at the ends of its legs, in order: a rail leg is
    loaded at a rail terminal where it starts and unloaded where it ends (one handling where two rail legs
    meet: the transfer between trains), a sea leg at a sea port at both ends, an air leg at an airport at
    both ends. Road legs add none of their own: their handling is the other mode's. Hubs inside a leg
    (gauge changes, ferry ports) come from the leg's own `hubs`, in place."""
    return [h for h, _ in ordered_hubs(legs)]


#: How one leg's emissions are worked out: `leg_emissions`, or a caller's memo of it (same arguments, same result).
LegEmissions = Callable[[LegSpec, float, FactorSet, int], LegResult]
#: How one hub's emissions are worked out: `hub_emissions`, or a caller's memo of it (same arguments, same result).
HubEmissions = Callable[[Hub, float, float, FactorSet, "int | None"], HubResult]


def shipment_emissions(
    legs: Sequence[LegSpec],
    mass_kg: float,
    containers: float,
    factors: FactorSet,
    hubs: Sequence[Hub] | None = None,
    leg_result: LegEmissions = leg_emissions,
    hub_result: HubEmissions = hub_emissions,
    end_hubs: LegEndHubs = leg_end_hubs,
) -> ShipmentEmissions:
    """Emissions of a shipment of `mass_kg` kg of goods in `containers` containers over `legs`: every leg
    (sections summed) and every hub (default: `transfer_hubs(legs)`, which includes each leg's inner hubs).
    The totals are the sums of the per-leg and per-hub figures; nothing is added that is not listed.
    `leg_result` computes each leg, `hub_result` each hub and `end_hubs` the hubs at a leg's ends (memos of
    `leg_emissions`, `hub_emissions` and `leg_end_hubs` may stand in for them)."""
    check_shipment(mass_kg, containers)
    leg_results = tuple([leg_result(x, mass_kg, factors, k) for k, x in enumerate(legs)])
    hub_list = ordered_hubs(legs, end_hubs) if hubs is None else [(h, None) for h in hubs]
    hub_results = tuple([hub_result(h, containers, mass_kg, factors, k) for h, k in hub_list])
    return ShipmentEmissions(mass_kg, containers, leg_results, hub_results, factors.info.to_dict())
