"""From the network's rail steps and the planner's options to the model's legs: which countries,
tractions, ferries and gauge changes a rail ride crosses.

A link between two countries (say Petropavl, KZ - Yekaterinburg, RU) is split evenly between them: the
network does not say where the border lies along the line (an assumption, stated in docs/emissions.md).
A crossing's own distance (between the two yards of a gauge change) counts as rail of unknown traction
on the receiving side; a ferry crossing is a ferry section with a ferry-port hub at each side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from landbridge.emissions.model import Hub, LegSpec, Section

# What this module reads of the network and the timetable, as protocols: emissions and network are
# sibling packages of the core and do not import each other (network.models.RailStep, Network and
# timetable.models.Service satisfy these).


class _Place(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...


class _Link(Protocol):
    @property
    def traction(self) -> str: ...


class _Crossing(Protocol):
    @property
    def mode(self) -> str: ...
    @property
    def is_gauge_change(self) -> bool: ...
    def transshipment_place(self, arriving_at: str) -> str: ...


class RailStep(Protocol):
    """One step of a rail path: a link or a crossing traversed from `frm` to `to`."""

    @property
    def frm(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def link(self) -> _Link | None: ...
    @property
    def crossing(self) -> _Crossing | None: ...


class Network(Protocol):
    """The places of a network, by id."""

    @property
    def places(self) -> Mapping[str, _Place]: ...


MODE_OF_LEG = {"truck": "road", "road": "road", "rail": "rail", "sea": "sea", "air": "air", "ferry": "ferry"}


def merge_sections(sections: Iterable[Section]) -> tuple[Section, ...]:
    """The sections in order, consecutive ones of the same mode, country and traction merged (km summed)."""
    out: list[Section] = []
    for s in sections:
        last = out[-1] if out else None
        if last and (last.mode, last.country, last.traction) == (s.mode, s.country, s.traction):
            out[-1] = Section(s.mode, last.distance_km + s.distance_km, s.country, s.traction)
        else:
            out.append(s)
    return tuple(out)


def rail_sections(network: Network, steps: Iterable[RailStep]) -> tuple[tuple[Section, ...], tuple[Hub, ...]]:
    """The sections (country, traction, km; ferries) and the hubs (gauge changes, ferry ports) of a rail
    ride over `steps`, in order. Consecutive stretches of the same country and traction are merged."""
    sections: list[Section] = []
    hubs: list[Hub] = []

    def add(mode: str, km: float, country: str | None = None, traction: str | None = None) -> None:
        sections.append(Section(mode, km, country, traction))

    places = network.places
    for st in steps:
        a, b = places[st.frm], places[st.to]
        if st.link is not None:
            traction = st.link.traction
            if a.country == b.country:
                add("rail", st.distance_km, a.country, traction)
            else:
                add("rail", st.distance_km / 2, a.country, traction)
                add("rail", st.distance_km / 2, b.country, traction)
            continue
        c = st.crossing
        if c is None:
            continue
        if c.mode == "ferry":
            hubs.append(Hub("ferry_port", a.id, a.name, a.country))
            add("ferry", st.distance_km)
            hubs.append(Hub("ferry_port", b.id, b.name, b.country))
        else:
            add("rail", st.distance_km, b.country, "average")
            if c.is_gauge_change:
                yard = places[c.transshipment_place(b.id)]
                hubs.append(Hub("gauge_change", yard.id, yard.name, yard.country))
    return merge_sections(sections), tuple(hubs)


def rail_leg(network: Network, steps: Sequence[RailStep], frm: str, to: str, service: str | None = None) -> LegSpec:
    """A rail leg from `frm` to `to` over `steps` (sections and inner hubs filled in)."""
    sections, hubs = rail_sections(network, steps)
    places = network.places
    return LegSpec(
        "rail",
        frm,
        to,
        sum(s.distance_km for s in steps),
        sections,
        hubs,
        places[frm].name if frm in places else frm,
        places[to].name if to in places else to,
        service,
    )


def legs_from_option(option: Mapping[str, Any], network: Network, services: Mapping[str, Any]) -> list[LegSpec]:
    """The model's legs for an option as the planner returns it (`Option.to_dict()`): rail legs are
    re-traced over their service's sections between the boarding and alighting stops; other legs are one
    section of their mode over the option's distance (air: great-circle). `services` maps service ids to
    timetable services (`Timetable.by_id`). A stored `emissions` breakdown, when the option carries one,
    is used as planned instead (see `legs_from_breakdown`)."""
    stored = option.get("emissions")
    if isinstance(stored, Mapping) and stored.get("legs"):
        return legs_from_breakdown(stored)
    legs: list[LegSpec] = []
    for leg in option.get("legs", []):
        mode = MODE_OF_LEG.get(str(leg.get("mode")), str(leg.get("mode")))
        frm, to = str(leg.get("from")), str(leg.get("to"))
        names = (str(leg.get("from_name") or frm), str(leg.get("to_name") or to))
        svc = services.get(str(leg.get("service"))) if leg.get("service") else None
        i, j = leg.get("board_stop"), leg.get("alight_stop")
        if mode == "rail" and svc is not None and isinstance(i, int) and isinstance(j, int):
            steps = [st for sec in svc.sections[i:j] for st in sec.steps]
            if steps:
                spec = rail_leg(network, steps, frm, to, svc.id)
                legs.append(LegSpec(spec.mode, frm, to, spec.distance_km, spec.sections, spec.hubs, *names, svc.id))
                continue
        legs.append(LegSpec(mode, frm, to, float(leg.get("distance_km") or 0.0), (), (), *names, leg.get("service")))
    return legs


def legs_from_breakdown(doc: Mapping[str, Any]) -> list[LegSpec]:
    """Legs as a stored report (`ShipmentEmissions.to_dict()`) lists them: the sections' countries,
    tractions and distances and the hubs inside each leg. Air distances are turned back into great-circle
    distances (the set's adjustment is re-applied by the model)."""
    hubs_by_leg: dict[int, list[Hub]] = {}
    for h in doc.get("hubs", []):
        if h.get("leg") is not None:
            hubs_by_leg.setdefault(int(h["leg"]), []).append(
                Hub(str(h["kind"]), str(h["place"]), str(h.get("place_name") or ""), h.get("country"))
            )
    legs = []
    for k, leg in enumerate(doc.get("legs", [])):
        sections = tuple(
            Section(
                str(s["mode"]),
                float(s.get("great_circle_km", s["distance_km"])),
                s.get("country"),
                s.get("traction"),
            )
            for s in leg.get("sections", [])
        )
        legs.append(
            LegSpec(
                str(leg["mode"]),
                str(leg["from"]),
                str(leg["to"]),
                sum(s.distance_km for s in sections),
                sections,
                tuple(hubs_by_leg.get(k, [])),
                str(leg.get("from_name") or ""),
                str(leg.get("to_name") or ""),
                leg.get("service"),
            )
        )
    return legs
