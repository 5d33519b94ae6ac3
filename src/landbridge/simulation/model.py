"""Everything a simulation run needs, prepared once: routes of the CR Express services as legs, the
trains of the timetable, crossings as capacity-limited resources, demand per origin-destination pair,
and every random draw (so that both engines see the same world and the same luck for a seed).

Time inside the simulation is hours since `t0` (midnight UTC, warm-up days before the start date).
`prepare` runs the steps below in order; each is a function of its own:

1. calendar: days, months and the reported window;
2. crossings: capacity, tracks and processing time of every border crossing under the scenario;
3. pairs: origin-destination pairs and their weekly demand, from the baseline timetable;
4. routes: the scenario timetable's CR Express services as legs (`routes.build_route`);
5. departures: every scheduled train of the horizon;
6. demand: Poisson boxes per pair, stream and day (with seasonality and a scenario's sea-to-rail shift);
7. draws: winter factors and each scheduled train's running, dwelling and crossing times;
8. empties reserve and the cargo mix's tonnes per FEU.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple

import numpy as np

from landbridge.cargo import CargoCatalog, ContainerType
from landbridge.ecommerce_flow import OrderFlow, order_flow
from landbridge.network.models import Network, Place
from landbridge.scenarios import BASELINE, Scenario
from landbridge.simulation.config import SimulationConfig
from landbridge.simulation.flows import timetable_only_gateway_trains
from landbridge.simulation.routes import (
    ECOMMERCE_TRAIN,
    REGIONS,
    SPEED_TRAIN,
    STREAMS,
    Route,
    build_route,
    cross_border_pairs,
    lognormal_params,
    route_rules,
    stream_of,
)
from landbridge.timetable.builder import Timetable
from landbridge.timetable.models import Service

NOISE_TABLE_ROWS = 4096
DRAIN_DAYS = 80  # trains that left before the end keep running (and may queue) this long after it
Direction = Literal["westbound", "eastbound"]
DIRECTIONS: tuple[Direction, Direction] = ("westbound", "eastbound")


@dataclass
class Crossing:
    """A border crossing as the simulation runs it: a queue for `tracks` transshipment tracks.

    A train holds a track for `track_hours` (median) of the crossing's `processing_hours`;
    `trains_per_day` is the capacity after the scenario's factor (`capacity_factor`, 0 = closed, then
    `tracks` is 0); `data_trains_per_day` is the figure in border_crossings.yaml and
    `scheduled_load_per_day` the CR Express trains a day the baseline timetable sends through it.
    `closed_h` are the scenario's closures (`closure:CROSSING=FROM..TO`) as [start, end) simulation hours:
    no train starts its transshipment then. `hold_back_trains` is the queue (trains waiting) beyond which
    trains bound for the crossing are held at their origin (inf: never): hold_back_queue_days of what its
    tracks handle in a day."""

    index: int
    id: str
    name: str
    processing_hours: float
    track_hours: float
    trains_per_day: float
    data_trains_per_day: float
    scheduled_load_per_day: float
    tracks: int
    capacity_factor: float
    closed_h: tuple[tuple[float, float], ...] = ()
    hold_back_trains: float = math.inf


@dataclass
class OD:
    """An origin-destination pair: weekly FEU for any train of the pair (before seasonality and a
    scenario's shift), and FEU booked on the pair's e-commerce and speed trains."""

    index: int
    origin: str
    destination: str
    direction: str
    feu_per_week: float
    dedicated_feu_per_week: tuple[float, float] = (0.0, 0.0)


class ScheduledDeparture(NamedTuple):
    """A timetabled train: departure hour (simulation hours) and route index. Sorted by hour."""

    hour: float
    route: int


class PlaceInfo(NamedTuple):
    """What KPIs need to know about a place of the network."""

    name: str
    country: str
    kind: str


@dataclass(frozen=True)
class Calendar:
    """Days and months of a run. Day d starts at hour 24 d; `month_of_day[d]` counts months from the
    start month (negative during the warm-up); `calendar_month[d]` is 1-12."""

    t0: datetime  # UTC instant of hour 0
    start_h: float  # first hour of the reported window
    end_h: float  # end of the reported window (trains depart until then)
    month_of_day: list[int]
    calendar_month: list[int]
    months: list[str]  # labels (YYYY-MM) of the reported months


@dataclass
class PreparedModel:
    """One run's world, ready for an engine: routes, crossings, pairs, demand and every draw.

    `cum[od][stream][d]` is the FEU of a pair and stream ready by the end of day d-1 (cumulative,
    `demand_days + 1` entries); `departures` are the scheduled trains, sorted, with their draws in
    `train_draws` (same order); `noise_table` holds standard-normal rows for trains created during the
    run; `winter[row][day]` is the factor on drawn hours (a row per region, then one per crossing: see
    `winter_factors`); `shortage_days[crossing]` the days of rolling-stock shortage drawn for it."""

    scenario: Scenario
    seed: int
    start: date
    days: int
    warmup_days: int
    t0: datetime
    start_h: float
    end_h: float
    routes: list[Route]
    crossings: list[Crossing]
    ods: list[OD]
    od_index: dict[tuple[str, str], int]
    cum: list[list[list[int]]]
    demand_days: int
    departures: list[ScheduledDeparture]
    train_hours: list[list[float]]  # per scheduled train and leg: see routes.TrainDraws.hours
    train_segments: list[list[float]]  # per scheduled train and leg: see routes.TrainDraws.segments
    noise_table: list[list[float]]
    winter: list[list[float]]
    shortage_days: list[int]
    month_of_day: list[int]
    months: list[str]
    scheduled_per_route_month: dict[tuple[int, int], int]  # (route, month index) -> scheduled trains
    timetable_only_gateway_trains: dict[str, int]  # crossing -> trains in the window the twin does not run (flows.py)
    eu_reserve_feu: dict[str, float]  # per European place: empties kept for its eastbound loads
    od_cargo_mix: dict[str, dict[str, float]]  # direction -> cargo -> share of loaded FEU
    mass_t_per_feu: dict[str, float]  # direction -> tonnes per loaded FEU (cargo mix + tare)
    config: SimulationConfig
    unserved_ods: list[int]  # pairs no route of the scenario serves
    sea_shift_share: float
    network_places: dict[str, PlaceInfo]


# ---- 1. calendar -----------------------------------------------------------------------------------
def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def build_calendar(start: date, days: int, warmup_days: int) -> Calendar:
    """The calendar of a run of `days` from `start`, with `warmup_days` before and DRAIN_DAYS after."""
    t0 = datetime.combine(start - timedelta(days=warmup_days), time(0), tzinfo=UTC)
    total_days = warmup_days + days + DRAIN_DAYS
    m0 = date(start.year, start.month, 1)
    dates = [(t0 + timedelta(days=d)).date() for d in range(total_days)]
    months: list[str] = []
    k = 0
    while (first := _add_months(m0, k)) < start + timedelta(days=days):
        months.append(f"{first:%Y-%m}")
        k += 1
    return Calendar(
        t0=t0,
        start_h=warmup_days * 24.0,
        end_h=warmup_days * 24.0 + days * 24.0,
        month_of_day=[(d.year - m0.year) * 12 + d.month - m0.month for d in dates],
        calendar_month=[d.month for d in dates],
        months=months,
    )


# ---- 2. crossings ----------------------------------------------------------------------------------
def scheduled_crossing_load(services: Sequence[Service]) -> dict[str, float]:
    """Trains a day the services send through each crossing (by crossing id)."""
    passes: dict[str, float] = {}
    for s in services:
        per_day = len(s.weekdays) * len(s.departure_times) / 7.0
        for sec in s.sections:
            for step in sec.steps:
                if step.crossing is not None:
                    passes[step.crossing.id] = passes.get(step.crossing.id, 0.0) + per_day
    return passes


def closure_hours(
    scenario: Scenario, crossing_id: str, place_ids: Sequence[str], t0: datetime
) -> list[tuple[float, float]]:
    """The scenario's closures of a crossing as [start, end) simulation hours (UTC days, the last one whole)."""
    day0 = t0.date()
    return [
        ((first - day0).days * 24.0, ((last - day0).days + 1) * 24.0)
        for first, last in scenario.closures_at(crossing_id, place_ids)
    ]


def build_crossings(
    cfg: SimulationConfig, scenario: Scenario, network: Network, base_services: Sequence[Service], t0: datetime
) -> list[Crossing]:
    """Every crossing of the network with its capacity under the scenario and its transshipment tracks.

    Capacity is border_crossings.yaml's trains a day (capacity_basis data, the default), or (capacity_basis
    timetable-or-data) the baseline timetable's load over the crossing's typical utilisation where that is
    more; tracks = capacity x mean track hours / 24 unless simulation.yaml fixes them; a crossing at 0 % has
    no track. Closures are in simulation hours from `t0`; trains are held at their origin beyond a queue of
    `hold_back_queue_days` of the crossing's capacity."""
    load = scheduled_crossing_load(base_services)
    mean_factor = math.exp(lognormal_params(1.0, cfg.crossings.processing_p90_factor).sigma ** 2 / 2)
    out: list[Crossing] = []
    for c in network.crossings:
        per_day = c.trains_per_day
        scheduled = load.get(c.id, 0.0)
        if cfg.crossings.capacity_basis == "timetable-or-data" and c.typical_utilisation > 0:
            per_day = max(per_day, scheduled / c.typical_utilisation)
        factor = scenario.capacity_factor(c.id, (c.a, c.b))
        effective = per_day * factor
        track_h = c.processing_hours * cfg.crossings.transshipment_share
        tracks = cfg.crossings.tracks.get(c.id) or max(1, math.ceil(effective * track_h * mean_factor / 24 - 1e-9))
        if factor <= 0:
            tracks = 0
        hold_days = cfg.crossings.hold_back_queue_days
        # what its tracks handle in a day (the capacity, rounded up to whole tracks, or the tracks fixed in
        # simulation.yaml): the queue's days are counted in it
        throughput = tracks * 24 / (track_h * mean_factor) if tracks else 0.0
        out.append(
            Crossing(
                len(out),
                c.id,
                c.name,
                c.processing_hours,
                track_h,
                effective,
                c.trains_per_day,
                scheduled,
                tracks,
                factor,
                tuple(closure_hours(scenario, c.id, (c.a, c.b), t0)),
                hold_days * throughput if hold_days > 0 else math.inf,
            )
        )
    return out


# ---- 3. origin-destination pairs ---------------------------------------------------------------------
def build_pairs(
    cfg: SimulationConfig,
    places: Mapping[str, Place],
    base_services: Sequence[Service],
    flow: OrderFlow,
    box: ContainerType,
) -> list[OD]:
    """Pairs and weekly demand from the baseline timetable (a scenario can leave pairs unserved): each
    service's weekly capacity x its direction's load factor, shared evenly among its boarding stops and
    their destinations; simulation.yaml's `od_feu_per_week` overrides a pair. The dedicated e-commerce
    train carries the e-commerce order flow (ecommerce_flow.yaml, the platform's definition too): its
    containers (`box`) a week per European hub."""
    ecommerce_week = flow.feu_per_week(box.volume_m3, box.feu)
    load_factor = {"westbound": cfg.demand.westbound_load_factor, "eastbound": cfg.demand.eastbound_load_factor}
    weekly: dict[tuple[str, str], float] = {}
    dedicated: dict[tuple[tuple[str, str], int], float] = {}
    direction_of: dict[tuple[str, str], str] = {}
    for s in base_services:
        pairs = cross_border_pairs(s, places)
        if not pairs:
            continue
        boards = sorted({i for i, _ in pairs})
        per_week = len(s.weekdays) * len(s.departure_times)
        stream = stream_of(s)
        for i, j in pairs:
            n_dest = sum(1 for ii, _ in pairs if ii == i)
            key = (s.stops[i], s.stops[j])
            feu = per_week * s.sections[i].capacity_feu * load_factor[s.direction] / (len(boards) * n_dest)
            if stream == ECOMMERCE_TRAIN and key[0] == flow.origin and key[1] in ecommerce_week:
                feu = ecommerce_week[key[1]]
            if stream:
                dedicated[(key, stream)] = dedicated.get((key, stream), 0.0) + feu
                weekly.setdefault(key, 0.0)
            else:
                weekly[key] = weekly.get(key, 0.0) + feu
            direction_of[key] = s.direction
    for key_text, v in cfg.demand.od_feu_per_week.items():
        a, b = (x.strip() for x in key_text.split("->", 1))
        weekly[(a, b)] = float(v)
        direction_of.setdefault((a, b), "westbound" if places[a].country == "CN" else "eastbound")
    return [
        OD(
            n,
            a,
            b,
            direction_of[(a, b)],
            w,
            (dedicated.get(((a, b), ECOMMERCE_TRAIN), 0.0), dedicated.get(((a, b), SPEED_TRAIN), 0.0)),
        )
        for n, ((a, b), w) in enumerate(sorted(weekly.items()))
    ]


# ---- 5. departures -------------------------------------------------------------------------------------
def scheduled_departures(
    routes: Sequence[Route], services: Mapping[str, Service], timetable: Timetable, cal: Calendar
) -> tuple[list[ScheduledDeparture], dict[tuple[int, int], int]]:
    """Every departure of the routes from hour 0 to the end of the window, sorted; and the scheduled
    trains per (route, month index)."""
    t0_epoch = cal.t0.timestamp()
    end_epoch = t0_epoch + cal.end_h * 3600
    departures: list[ScheduledDeparture] = []
    per_month: dict[tuple[int, int], int] = {}
    last_year = (cal.t0 + timedelta(hours=cal.end_h)).year
    for r in routes:
        service = services[r.service_id]
        for year in range(cal.t0.year, last_year + 1):
            for epoch in timetable.year_departure_epochs(service, year):
                if t0_epoch <= epoch < end_epoch:
                    h = (epoch - t0_epoch) / 3600
                    departures.append(ScheduledDeparture(h, r.index))
                    key = (r.index, cal.month_of_day[int(h // 24)])
                    per_month[key] = per_month.get(key, 0) + 1
    departures.sort()
    return departures, per_month


# ---- 6. demand -----------------------------------------------------------------------------------------
def sea_to_rail_share(cfg: SimulationConfig, scenario: Scenario) -> float:
    """The share of the sea trade that moves to rail: the scenario's, else simulation.yaml's share for a
    Red Sea closure."""
    shift = scenario.sea_to_rail_share
    if scenario.red_sea_closed and not shift:
        shift = cfg.demand.red_sea_closed_sea_to_rail_share
    return shift


def draw_demand(
    cfg: SimulationConfig,
    ods: Sequence[OD],
    shift: float,
    cal: Calendar,
    demand_days: int,
    flow: OrderFlow,
    rng: np.random.Generator,
) -> list[list[list[int]]]:
    """Cumulative Poisson FEU per pair, stream and day: the weekly mean / 7 x the month's seasonality (the
    any-train stream with the pair's share of the shifted sea trade), or x the e-commerce order flow's day
    profile with its sales peaks (the e-commerce train)."""
    dir_total: dict[str, float] = {d: sum(o.feu_per_week for o in ods if o.direction == d) for d in DIRECTIONS}
    sea_feu_week: dict[str, float] = {d: cfg.demand.sea_teu_per_year.get(d, 0.0) / 2 / (365 / 7) for d in DIRECTIONS}
    season = {"westbound": cfg.demand.seasonality.westbound, "eastbound": cfg.demand.seasonality.eastbound}
    month_index = np.array(cal.calendar_month[:demand_days]) - 1
    ecommerce_day = np.array([flow.day_factor((cal.t0 + timedelta(days=d)).date()) for d in range(demand_days)])
    cum: list[list[list[int]]] = []
    for o in ods:
        weekly_mean = o.feu_per_week
        if dir_total[o.direction] > 0:
            weekly_mean += shift * sea_feu_week[o.direction] * o.feu_per_week / dir_total[o.direction]
        factors = np.asarray(season[o.direction])[month_index]
        per_stream = []
        ecommerce, speed = o.dedicated_feu_per_week
        for mean in (weekly_mean / 7.0 * factors, ecommerce / 7.0 * ecommerce_day, speed / 7.0 * factors):
            draws = rng.poisson(mean) if mean.any() else np.zeros(demand_days, dtype=np.int64)
            per_stream.append(np.concatenate(([0], np.cumsum(draws))).tolist())
        cum.append(per_stream)
    return cum


# ---- 7. draws --------------------------------------------------------------------------------------------
def winter_factors(
    cfg: SimulationConfig, cal: Calendar, crossings: int, rng: np.random.Generator
) -> tuple[list[list[float]], list[int]]:
    """[row][day] factors on drawn hours (one more day at the end, for runs that go past the calendar): a row
    per region (its running-time winter factor in winter months, else 1), then a row per crossing
    (routes.WINTER_CROSSINGS + its index): the winter factor on processing times the rolling-stock shortage
    episodes drawn for it. Also the days of shortage per crossing."""
    months = set(cfg.running_time.winter.months)
    winter_day = [m in months for m in cal.calendar_month]
    rows = [
        [f if w else 1.0 for w in winter_day] + [1.0]
        for f in (cfg.running_time.winter.factor.get(r, 1.0) for r in REGIONS)
    ]
    base = [cfg.crossings.winter_processing_factor if w else 1.0 for w in winter_day] + [1.0]
    shortage = cfg.crossings.shortage
    n_days = len(winter_day)
    shortage_days = []
    for _ in range(crossings):
        row = list(base)
        hit: set[int] = set()
        if shortage.episodes_per_year > 0 and n_days:
            for first in rng.integers(0, n_days, size=rng.poisson(shortage.episodes_per_year * n_days / 365)):
                hit.update(range(int(first), min(n_days, int(first) + math.ceil(shortage.days))))
        for d in hit:
            row[d] *= shortage.processing_factor
        rows.append(row)
        shortage_days.append(len(hit))
    return rows, shortage_days


def draw_trains(
    routes: Sequence[Route],
    departures: Sequence[ScheduledDeparture],
    winter: list[list[float]],
    rng: np.random.Generator,
) -> tuple[list[list[float]], list[list[float]]]:
    """Per scheduled train (in departure order): the hours and segments of its legs (routes.TrainDraws)."""
    n = len(departures)
    max_legs = max((len(r.legs) for r in routes), default=1)
    z = rng.standard_normal((n, max_legs)) if n else np.zeros((0, max_legs))
    hours: list[list[float]] = [[] for _ in range(n)]
    segments: list[list[float]] = [[] for _ in range(n)]
    if not n:
        return hours, segments
    winter_arr = np.array(winter)
    route_of = np.array([d.route for d in departures])
    dep_h = np.array([d.hour for d in departures])
    for r in routes:
        rows = np.nonzero(route_of == r.index)[0]
        if not len(rows):
            continue
        drawn, seg = r.draw_trains(z[rows, : len(r.legs)], dep_h[rows], winter_arr)
        for row, h, s in zip(rows.tolist(), drawn.tolist(), seg.tolist()):
            hours[row] = h
            segments[row] = s
    return hours, segments


# ---- 8. empties and cargo ---------------------------------------------------------------------------------
def empties_reserve(cfg: SimulationConfig, ods: Sequence[OD]) -> dict[str, float]:
    """Empties kept at each European terminal: `reserve_days` of its eastbound loads in carrier-owned (COC)
    boxes (FEU); SOC boxes are leased one way and need none."""
    reserve: dict[str, float] = {}
    days = cfg.empties.reserve_days * (1.0 - cfg.empties.soc_share.eastbound)
    for o in ods:
        if o.direction == "eastbound":
            reserve[o.origin] = reserve.get(o.origin, 0.0) + o.feu_per_week / 7 * days
    return reserve


def tonnes_per_feu(cfg: SimulationConfig, catalog: CargoCatalog) -> dict[str, float]:
    """Tonnes per loaded FEU by direction, from the cargo mix, the catalogue's typical masses and the tare."""
    mix = cfg.demand.cargo_mix
    out = {}
    for d, m in (("westbound", mix.westbound), ("eastbound", mix.eastbound)):
        kg = sum(share * catalog.cargo_types[c].typical_mass_kg_per_feu for c, share in m.items())
        out[d] = (kg + cfg.hubs.tare_kg_per_feu) / 1000
    return out


def prepare(
    scenario: Scenario = BASELINE,
    start: date = date(2026, 1, 1),
    days: int = 365,
    seed: int = 42,
    data_dir: str | None = None,
    config: SimulationConfig | None = None,
) -> PreparedModel:
    """Build the routes, trains, crossings, demand and draws of one run of `days` from `start` (UTC days).

    The same arguments give the same model, draw for draw. Raises DataError when a data file (or
    `config`) names a place, crossing or cargo type the network does not have."""
    from landbridge.simulation.config import check_references, simulation_config
    from landbridge.world import load_world

    # Dated closures act at the border (trains leave and meet them there), not in the timetable.
    world = load_world(scenario.without_closures(), data_dir)
    base = load_world(BASELINE, data_dir)
    cfg = config or simulation_config(str(data_dir) if data_dir else None)
    check_references(cfg, world.network, world.catalog)
    places = world.network.places
    warm = cfg.horizon.warmup_days
    cal = build_calendar(start, days, warm)

    base_services = [s for s in base.timetable.services if s.mode == "rail" and s.cr_express]
    crossings = build_crossings(cfg, scenario, world.network, base_services, cal.t0)
    flow = order_flow(str(data_dir) if data_dir else None)
    ods = build_pairs(cfg, places, base_services, flow, world.catalog.container(flow.container_type))
    od_index = {(o.origin, o.destination): o.index for o in ods}

    services = [s for s in world.timetable.services if s.mode == "rail" and s.cr_express]
    rules = route_rules(
        cfg, places, od_index, services, {c.id: c.index for c in crossings}, [c.processing_hours for c in crossings]
    )
    routes = [build_route(i, s, rules) for i, s in enumerate(services)]
    served = {b.od for r in routes for boardings in r.board_ods.values() for b in boardings}
    departures, per_route_month = scheduled_departures(routes, {s.id: s for s in services}, world.timetable, cal)

    # a fourth stream for the shortage episodes leaves the first three (and so every other draw) as they were
    demand_seed, trains_seed, dynamic_seed, shortage_seed = np.random.SeedSequence(seed).spawn(4)
    shift = sea_to_rail_share(cfg, scenario)
    demand_days = warm + days
    cum = draw_demand(cfg, ods, shift, cal, demand_days, flow, np.random.default_rng(demand_seed))
    winter, shortage_days = winter_factors(cfg, cal, len(crossings), np.random.default_rng(shortage_seed))
    train_hours, train_segments = draw_trains(routes, departures, winter, np.random.default_rng(trains_seed))
    max_legs = max((len(r.legs) for r in routes), default=1)
    noise_table = np.random.default_rng(dynamic_seed).standard_normal((NOISE_TABLE_ROWS, max_legs)).tolist()

    return PreparedModel(
        scenario=scenario,
        seed=seed,
        start=start,
        days=days,
        warmup_days=warm,
        t0=cal.t0,
        start_h=cal.start_h,
        end_h=cal.end_h,
        routes=routes,
        crossings=crossings,
        ods=ods,
        od_index=od_index,
        cum=cum,
        demand_days=demand_days,
        departures=departures,
        train_hours=train_hours,
        train_segments=train_segments,
        noise_table=noise_table,
        winter=winter,
        shortage_days=shortage_days,
        month_of_day=cal.month_of_day,
        months=cal.months,
        scheduled_per_route_month=per_route_month,
        timetable_only_gateway_trains=timetable_only_gateway_trains(
            world.timetable.services,
            world.timetable,
            cal.t0.timestamp() + cal.start_h * 3600,
            cal.t0.timestamp() + cal.end_h * 3600,
        ),
        eu_reserve_feu=empties_reserve(cfg, ods),
        od_cargo_mix={
            "westbound": dict(cfg.demand.cargo_mix.westbound),
            "eastbound": dict(cfg.demand.cargo_mix.eastbound),
        },
        mass_t_per_feu=tonnes_per_feu(cfg, world.catalog),
        config=cfg,
        unserved_ods=[o.index for o in ods if o.index not in served],
        sea_shift_share=shift,
        network_places={p.id: PlaceInfo(p.name, p.country, p.kind) for p in places.values()},
    )


__all__ = [
    "OD",
    "STREAMS",
    "Calendar",
    "Crossing",
    "PlaceInfo",
    "PreparedModel",
    "ScheduledDeparture",
    "prepare",
]
