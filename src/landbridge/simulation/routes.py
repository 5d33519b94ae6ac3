"""CR Express services as the simulation runs them: a route is a list of legs (running, dwelling,
crossing a border, stopping), with the noise that makes each train's run its own.

Hours are simulation hours (hours since the model's hour 0, UTC). A route's section k runs from stop k to
stop k + 1 as RUN and CROSS legs whose `stop` is k + 1. Leg kinds:

- RUN: running on the links of one region (`hours` scheduled, `region` for its variability and winter);
- DWELL: the scheduled dwell at a stop (`hours`, `stop`);
- CROSS: a border crossing, a queue for transshipment tracks (`crossing`);
- STOP: a stop where the train meets other trains' boxes (loading, re-forming, a yard) (`stop`);
- PASS: a stop where it only unloads; the boxes' empties are credited to the place at the arrival hour
  (`stop`).

RUN and DWELL legs are "inline": nothing else depends on them, so an engine adds their hours in one
step up to the next leg that needs an event (`Route.next_event`, the train's `segments`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from landbridge.network.models import Place
from landbridge.simulation.config import SimulationConfig
from landbridge.timetable.models import Section, Service

RUN, DWELL, CROSS, STOP, PASS = 0, 1, 2, 3, 4
LEG_KIND_NAMES = ("run", "dwell", "cross", "stop", "pass")
Region = Literal["china", "broad_gauge", "europe"]
REGIONS: tuple[Region, Region, Region] = ("china", "broad_gauge", "europe")
REGION_INDEX: dict[str, int] = {r: i for i, r in enumerate(REGIONS)}
WINTER_CROSSINGS = len(
    REGIONS
)  # crossing c's processing factor (winter, rolling-stock shortages): row WINTER_CROSSINGS + c
# Boxes of a pair wait in one of these streams: any train of the pair, or booked on a dedicated product
# (the e-commerce train, the speed train) whose share of the pair's demand is its own capacity.
STREAMS = ("any-train", "ecommerce-train", "speed-train")
ANY_TRAIN, ECOMMERCE_TRAIN, SPEED_TRAIN = 0, 1, 2
Z90 = 1.2815515655446004  # standard normal 90th percentile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Leg(NamedTuple):
    """One leg of a route. Each field has one meaning; a field that does not apply to the kind is 0.0 / -1."""

    kind: int  # RUN, DWELL, CROSS, STOP or PASS
    hours: float  # RUN, DWELL: scheduled hours
    region: int  # RUN: index in REGIONS; CROSS: WINTER_CROSSINGS + crossing (the row of its day factors)
    crossing: int  # CROSS: index of the crossing in the model
    stop: int  # DWELL, STOP, PASS: index of the stop (in the route's stops); RUN, CROSS: the stop its section leads to


class Boarding(NamedTuple):
    """Boxes of an origin-destination pair (`od`, an index in the model's pairs) waiting in `stream`."""

    od: int
    stream: int


class LegNoise(NamedTuple):
    """Log-normal parameters of one leg's factor on its scheduled time (median exp(mu))."""

    mu: float
    sigma: float


NO_NOISE = LegNoise(0.0, 0.0)


class TrainDraws(NamedTuple):
    """A train's run, drawn: per leg, `hours` (RUN, DWELL: hours with noise and winter; CROSS: the factor on
    the crossing's processing time, winter included; STOP, PASS: 1.0) and `segments` (hours of the inline
    legs from this leg up to the next leg that needs an event, 0.0 at such a leg itself)."""

    hours: list[float]
    segments: list[float]


@dataclass(eq=False)
class Route:
    """A CR Express service as the simulation runs it: its legs, capacities and boarding rules.

    `cap_out[k]` is the FEU allowed on the section leaving stop k (0 at the last stop); `board_ods[k]` the
    pairs and streams whose boxes may board at stop k; `empties_stop` the stop where spare eastbound space
    is topped up with empty boxes (-1: none); `stop_leg[k]` the index of stop k's STOP or PASS leg."""

    index: int
    service_id: str
    name: str
    direction: str  # westbound | eastbound
    corridor: str
    priority: bool  # reserved slots at crossings (the speed train)
    stops: tuple[str, ...]
    legs: list[Leg]
    noise: list[LegNoise]
    cap_out: list[int]
    board_ods: dict[int, list[Boarding]]
    dest_index: dict[str, int]  # place -> stop index
    empties_stop: int
    scheduled_hours: float
    stop_leg: dict[int, int]
    crossing_hours: Sequence[float]  # processing hours of every crossing of the model, by index
    next_event: list[int] = field(init=False)  # per leg: the next leg (itself included) that needs an event
    offsets: FloatArray = field(init=False)  # per leg: scheduled start, hours after the train's departure
    westbound: bool = field(init=False)
    n_legs: int = field(init=False)
    leg_kind: list[int] = field(init=False)  # per leg: its `kind` (the legs' fields as flat lists, for engines)
    leg_crossing: list[int] = field(init=False)  # per leg: its `crossing`
    leg_stop: list[int] = field(init=False)  # per leg: its `stop`
    crossings_ahead: list[int] = field(init=False)  # the crossings it passes (model indexes, in order)

    def __post_init__(self) -> None:
        self.westbound = self.direction == "westbound"
        n = self.n_legs = len(self.legs)
        self.leg_kind = [leg.kind for leg in self.legs]
        self.leg_crossing = [leg.crossing for leg in self.legs]
        self.leg_stop = [leg.stop for leg in self.legs]
        self.crossings_ahead = list(dict.fromkeys(leg.crossing for leg in self.legs if leg.kind == CROSS))
        scheduled = [
            leg.hours if leg.kind in (RUN, DWELL) else (self.crossing_hours[leg.crossing] if leg.kind == CROSS else 0.0)
            for leg in self.legs
        ]
        self.offsets = np.concatenate(([0.0], np.cumsum(np.asarray(scheduled, dtype=float))))[:n]
        following = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            following[i] = following[i + 1] if self.legs[i].kind in (RUN, DWELL) else i
        self.next_event = [*following[:n], n]
        self._kinds = [leg.kind for leg in self.legs]
        self._hours = [leg.hours for leg in self.legs]
        self._regions = [max(leg.region, 0) for leg in self.legs]
        self._offsets = self.offsets.tolist()
        self._mu = [x.mu for x in self.noise]
        self._sigma = [x.sigma for x in self.noise]

    def draw(
        self, z: Sequence[float], start_h: float, winter: Sequence[Sequence[float]], first_leg: int = 0
    ) -> TrainDraws:
        """One train's legs from standard-normal draws `z` (one per leg), for a train that starts leg
        `first_leg` at hour `start_h`; running legs take the winter factor of the day they start in the
        timetable (`winter[region][day]`), crossings that of their row (`WINTER_CROSSINGS + crossing`).
        Equal, to the last bit, to a row of `draw_trains`."""
        kinds, hours, regions, offsets = self._kinds, self._hours, self._regions, self._offsets
        mu, sigma = self._mu, self._sigma
        n = len(kinds)
        drawn = [0.0] * n
        base = start_h - offsets[first_leg]
        last_day = len(winter[0]) - 1
        for i in range(first_leg, n):
            kind = kinds[i]
            factor = math.exp(mu[i] + sigma[i] * z[i])
            if kind == RUN:
                day = int((base + offsets[i]) // 24)
                drawn[i] = hours[i] * factor * winter[regions[i]][min(max(day, 0), last_day)]
            elif kind == DWELL:
                drawn[i] = hours[i] * factor
            elif kind == CROSS:
                day = int((base + offsets[i]) // 24)
                drawn[i] = factor * winter[regions[i]][min(max(day, 0), last_day)]
            else:
                drawn[i] = factor
        segments = [0.0] * n
        acc = 0.0
        for i in range(n - 1, first_leg - 1, -1):
            if kinds[i] == RUN or kinds[i] == DWELL:
                acc += drawn[i]
                segments[i] = acc
            else:
                acc = 0.0
        return TrainDraws(drawn, segments)

    def draw_trains(self, z: FloatArray, start_h: FloatArray, winter: FloatArray) -> tuple[FloatArray, FloatArray]:
        """`draw` for many trains at once (rows of `z`, departures `start_h`): the arrays of hours and of
        segments, one row per train."""
        kinds = np.asarray(self._kinds)
        hours = np.asarray(self._hours, dtype=float)
        factor = np.exp(np.asarray(self._mu)[None, :] + np.asarray(self._sigma)[None, :] * z)
        day = ((start_h[:, None] + self.offsets[None, :] - self.offsets[0]) // 24).astype(int)
        day = np.clip(day, 0, winter.shape[1] - 1)
        w = winter[np.asarray(self._regions)[None, :], day]
        run = kinds == RUN
        dwell = kinds == DWELL
        cross = kinds == CROSS
        drawn = np.where(
            run[None, :],
            hours[None, :] * factor * w,
            np.where(dwell[None, :], hours[None, :] * factor, np.where(cross[None, :], factor * w, factor)),
        )
        inline = np.where((run | dwell)[None, :], drawn, 0.0)
        cum = np.concatenate((np.zeros((len(z), 1)), np.cumsum(inline, axis=1)), axis=1)
        following = np.asarray(self.next_event[: len(self.legs)])
        return drawn, cum[:, following] - cum[:, : len(self.legs)]


# ---- building routes from the timetable --------------------------------------------------------------
def lognormal_params(median: float, p90: float) -> LegNoise:
    """Log-normal parameters with this median and 90th percentile (sigma 0 when p90 <= median)."""
    mu = math.log(median)
    sigma = max(0.0, math.log(p90 / median) / Z90)
    return LegNoise(mu, sigma)


def side(country: str) -> str:
    """'china' for CN, 'europe' for every other country (the two ends of a CR Express pair)."""
    return "china" if country == "CN" else "europe"


def cross_border_pairs(service: Service, places: Mapping[str, Place]) -> list[tuple[int, int]]:
    """(board stop index, alight stop index) pairs of a service that cross between China and Europe."""
    stops, boardable = service.stops, service.boardable
    return [
        (i, j)
        for i in range(len(stops))
        if boardable[i]
        for j in range(i + 1, len(stops))
        if boardable[j] and side(places[stops[i]].country) != side(places[stops[j]].country)
    ]


def stream_of(service: Service) -> int:
    """The stream whose boxes a service carries: a dedicated e-commerce train, a speed train, or any."""
    if set(service.accepts) == {"ecommerce"}:
        return ECOMMERCE_TRAIN
    return SPEED_TRAIN if service.priority_crossing else ANY_TRAIN


def reforming_yards(services: Iterable[Service]) -> set[tuple[str, str]]:
    """(place, direction) where some train is re-formed to a shorter one: boxes may wait there for any train."""
    return {
        (s.stops[k], s.direction)
        for s in services
        for k in range(1, len(s.sections))
        if s.sections[k].capacity_feu < s.sections[k - 1].capacity_feu
    }


@dataclass(frozen=True)
class RouteRules:
    """What building a route needs besides the service: pairs, yards, crossings and variability."""

    places: Mapping[str, Place]
    od_index: Mapping[tuple[str, str], int]
    yards: set[tuple[str, str]]
    crossing_index: Mapping[str, int]
    crossing_hours: Sequence[float]
    crossing_noise: LegNoise
    dwell_noise: LegNoise
    region_noise: Mapping[int, LegNoise]
    priority_delay_share: float


def _speed_factor(service: Service) -> float:
    """Scheduled over nominal link time on the service's pure-link sections (for sections with crossings)."""
    nominal = scheduled = 0.0
    for k, sec in enumerate(service.sections):
        if all(step.link is not None for step in sec.steps):
            nominal += sum(step.distance_km / step.link.speed_kmh for step in sec.steps if step.link is not None)
            scheduled += service.arrive_h[k + 1] - service.depart_h[k]
    return nominal / scheduled if scheduled > 0 else 1.0


def _empties_stop(service: Service, places: Mapping[str, Place]) -> int:
    """Eastbound: the last boardable stop before the train leaves Europe (-1: none, or westbound)."""
    if service.direction != "eastbound":
        return -1
    last = len(service.stops) - 1
    eu_boards = [i for i in range(last) if service.boardable[i] and places[service.stops[i]].country != "CN"]
    if eu_boards and places[service.stops[last]].country == "CN":
        return max(eu_boards)
    return -1


class _LegList:
    """Legs being built, with their noise parameters."""

    def __init__(self) -> None:
        self.legs: list[Leg] = []
        self.noise: list[LegNoise] = []
        self.stop_leg: dict[int, int] = {}

    def add(self, leg: Leg, noise: LegNoise = NO_NOISE) -> None:
        self.legs.append(leg)
        self.noise.append(noise)

    def stop(self, kind: int, stop: int) -> None:
        self.stop_leg[stop] = len(self.legs)
        self.add(Leg(kind, 0.0, -1, -1, stop))


def _section_legs(
    out: _LegList, service: Service, k: int, section: Section, rules: RouteRules, speed_factor: float
) -> None:
    """Legs from stop k to stop k+1: one RUN when the section is links only, else RUN legs between
    its crossings (running at the service's speed factor)."""
    region = REGION_INDEX.get(section.region, 2)
    base = rules.region_noise[region]
    share = rules.priority_delay_share if service.priority_crossing else 1.0
    noise = LegNoise(math.log(1 + share * (math.exp(base.mu) - 1)), base.sigma * share)
    if all(step.link is not None for step in section.steps):
        out.add(Leg(RUN, service.arrive_h[k + 1] - service.depart_h[k], region, -1, k + 1), noise)
        return
    run = 0.0
    for step in section.steps:
        if step.link is not None:
            run += step.distance_km / (step.link.speed_kmh * speed_factor)
            continue
        if run > 0:
            out.add(Leg(RUN, run, region, -1, k + 1), noise)
            run = 0.0
        assert step.crossing is not None  # a step is a link or a crossing
        crossing = rules.crossing_index[step.crossing.id]
        out.add(Leg(CROSS, 0.0, WINTER_CROSSINGS + crossing, crossing, k + 1), rules.crossing_noise)
    if run > 0:
        out.add(Leg(RUN, run, region, -1, k + 1), noise)


def build_route(index: int, service: Service, rules: RouteRules) -> Route:
    """The route of one CR Express service: its legs stop by stop, who boards where, and its capacities."""
    stops = service.stops
    last = len(stops) - 1
    stream = stream_of(service)
    board_ods: dict[int, list[Boarding]] = {}
    for i, j in cross_border_pairs(service, rules.places):
        od = rules.od_index.get((stops[i], stops[j]))
        if od is not None:
            board_ods.setdefault(i, []).append(Boarding(od, stream))
    caps = [sec.capacity_feu for sec in service.sections] + [0]
    empties_stop = _empties_stop(service, rules.places)
    speed_factor = _speed_factor(service)
    out = _LegList()
    for k in range(len(stops)):
        if k > 0:
            meets_others = (
                k in board_ods
                or k == empties_stop
                or (k < last and caps[k] < caps[k - 1])
                or (stops[k], service.direction) in rules.yards
            )
            if meets_others:
                out.stop(STOP, k)
            elif service.boardable[k] or k == last:
                out.stop(PASS, k)
            dwell = service.depart_h[k] - service.arrive_h[k]
            if dwell > 1e-9 and k < last:
                out.add(Leg(DWELL, dwell, -1, -1, k), rules.dwell_noise)
        if k == last:
            break
        _section_legs(out, service, k, service.sections[k], rules, speed_factor)
    return Route(
        index=index,
        service_id=service.id,
        name=service.name,
        direction=service.direction,
        corridor=service.corridor,
        priority=service.priority_crossing,
        stops=stops,
        legs=out.legs,
        noise=out.noise,
        cap_out=[caps[i] if i < last else 0 for i in range(len(stops))],
        board_ods=board_ods,
        dest_index={p: i for i, p in enumerate(stops)},
        empties_stop=empties_stop,
        scheduled_hours=service.transit_hours,
        stop_leg=out.stop_leg,
        crossing_hours=rules.crossing_hours,
    )


def route_rules(
    cfg: SimulationConfig,
    places: Mapping[str, Place],
    od_index: Mapping[tuple[str, str], int],
    services: Sequence[Service],
    crossing_index: Mapping[str, int],
    crossing_hours: Sequence[float],
) -> RouteRules:
    """The rules for building the routes of `services` from the simulation's parameters."""
    return RouteRules(
        places=places,
        od_index=od_index,
        yards=reforming_yards(services),
        crossing_index=crossing_index,
        crossing_hours=crossing_hours,
        crossing_noise=lognormal_params(1.0, cfg.crossings.processing_p90_factor),
        dwell_noise=lognormal_params(1.0, cfg.operations.dwell_p90_factor),
        region_noise={REGION_INDEX[r]: lognormal_params(b.median, b.p90) for r, b in cfg.running_time.regions.items()},
        priority_delay_share=cfg.running_time.priority_delay_share,
    )
