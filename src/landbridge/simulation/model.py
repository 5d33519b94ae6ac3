"""Everything a simulation run needs, prepared once: routes of the CR Express services as legs, the
trains of the timetable, crossings as capacity-limited resources, demand per origin-destination pair,
and every random draw (so that both engines see the same world and the same luck for a seed).

Time inside the simulation is hours since `t0` (midnight UTC, warm-up days before the start date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from landbridge.ecommerce_flow import order_flow
from landbridge.scenarios import BASELINE, Scenario

# Leg kinds. STOP: a stop where the train meets other trains' boxes (loading, re-forming, a yard);
# PASS: a stop where it only unloads (its boxes' empties are credited to the place at the arrival hour).
RUN, DWELL, CROSS, STOP, PASS = 0, 1, 2, 3, 4
REGIONS = ("china", "broad_gauge", "europe")
REGION_INDEX = {r: i for i, r in enumerate(REGIONS)}
# Boxes of a pair wait in one of these streams: any train of the pair, or booked on a dedicated product
# (the e-commerce train, the speed train) whose share of the pair's demand is its own capacity.
STREAMS = ("any-train", "ecommerce-train", "speed-train")
Z90 = 1.2815515655446004  # standard normal 90th percentile
NOISE_TABLE_ROWS = 4096


@dataclass
class Route:
    """A CR Express service as the simulation runs it."""

    index: int
    service_id: str
    name: str
    direction: str
    corridor: str
    priority: bool
    stops: tuple[str, ...]
    legs: list[
        tuple[int, float, int]
    ]  # (kind, a, b): RUN (hours, region), DWELL (hours, stop), CROSS (crossing, stop), STOP (0, stop)
    cap_out: list[int]  # FEU allowed on the section leaving each stop (0 at the last)
    board_ods: dict[int, list[tuple[int, int]]]  # stop index -> [(od, stream)] that may board there
    dest_index: dict[str, int]  # place -> stop index (for places the route serves)
    empties_stop: int  # stop where spare eastbound space is topped up with empties (-1: none)
    leg_mu: np.ndarray  # per leg: log-median of the noise factor
    leg_sigma: np.ndarray  # per leg: log-sd of the noise factor
    scheduled_hours: float
    streams: tuple[int, ...]
    stop_leg: dict[int, int] = field(default_factory=dict)  # stop index -> index of its STOP leg
    # for drawing: per leg kind, nominal hours (a) and region, scheduled start offset, next non-inline leg
    kinds: np.ndarray = None  # type: ignore[assignment]
    hours: np.ndarray = None  # type: ignore[assignment]
    regions: np.ndarray = None  # type: ignore[assignment]
    offsets: np.ndarray = None  # type: ignore[assignment]
    next_event: list[int] = field(default_factory=list)
    plain: tuple = ()  # the arrays above as lists, for drawing one train at a time

    def finish(self, crossings: list) -> None:
        L = len(self.legs)
        self.kinds = np.array([k for k, _, _ in self.legs])
        self.hours = np.array([a if k in (RUN, DWELL) else 0.0 for k, a, _ in self.legs], dtype=float)
        self.regions = np.array([b if k == RUN else 0 for k, _, b in self.legs])
        sched = np.array(
            [
                a if k in (RUN, DWELL) else (crossings[a].processing_hours if k == CROSS else 0.0)
                for k, a, _ in self.legs
            ],
            dtype=float,
        )
        self.offsets = np.concatenate(([0.0], np.cumsum(sched)))[:L]
        nxt = [L] * (L + 1)
        for i in range(L - 1, -1, -1):
            nxt[i] = nxt[i + 1] if self.kinds[i] in (RUN, DWELL) else i
        self.next_event = nxt[:L] + [L]
        self.plain = (
            self.kinds.tolist(),
            self.hours.tolist(),
            self.regions.tolist(),
            self.offsets.tolist(),
            self.leg_mu.tolist(),
            self.leg_sigma.tolist(),
        )

    def draw_one(self, z: list[float], start_h: float, winter: list[list[float]], first_leg: int = 0):
        """leg_draws for a single train (created during a run), without numpy's per-call overhead."""
        kinds, hours, regions, offsets, mu, sigma = self.plain
        L = len(kinds)
        d = [0.0] * L
        base = start_h - offsets[first_leg]
        last_day = len(winter[0]) - 1
        for i in range(first_leg, L):
            k = kinds[i]
            f = math.exp(mu[i] + sigma[i] * z[i])
            if k == RUN:
                day = int((base + offsets[i]) // 24)
                d[i] = hours[i] * f * winter[regions[i]][min(max(day, 0), last_day)]
            elif k == DWELL:
                d[i] = hours[i] * f
            else:
                d[i] = f
        seg = [0.0] * L
        acc = 0.0
        for i in range(L - 1, first_leg - 1, -1):
            if kinds[i] == RUN or kinds[i] == DWELL:
                acc += d[i]
                seg[i] = acc
            else:
                acc = 0.0
        return d, seg


@dataclass
class Crossing:
    index: int
    id: str
    name: str
    processing_hours: float
    track_hours: float  # median time a train holds a transshipment track (the rest of processing does not)
    trains_per_day: float  # handling capacity used by the simulation (after the scenario factor)
    data_trains_per_day: float
    scheduled_load_per_day: float
    tracks: int
    capacity_factor: float


@dataclass
class OD:
    index: int
    origin: str
    destination: str
    direction: str
    feu_per_week: float  # base (before seasonality and scenario shift), boxes for any train of the pair
    dedicated_feu_per_week: tuple[float, float] = (0.0, 0.0)  # booked on e-commerce / speed trains


@dataclass
class PreparedModel:
    scenario: Scenario
    data_dir: str | None
    seed: int
    start: date
    days: int
    warmup_days: int
    t0: datetime  # UTC instant of hour 0
    start_h: float
    end_h: float
    routes: list[Route]
    crossings: list[Crossing]
    ods: list[OD]
    od_index: dict[tuple[str, str], int]
    # demand: cumulative FEU ready by day, per od and stream: cum[od][stream][d] = boxes ready by the end of day d-1
    cum: list[list[list[int]]]
    demand_days: int
    # scheduled trains: (departure hour, route index), sorted, with their per-leg noise factors
    departures: list[tuple[float, int]]
    train_noise: list[list[float]]  # per scheduled train and leg: hours (RUN, DWELL) or factor (CROSS)
    train_segments: list[list[float]]  # per scheduled train and leg: hours of the inline legs from there
    noise_table: list[list[float]]  # standard-normal rows for trains created during the run
    winter: list[list[float]]  # [region][day] running-time factor
    winter_arr: np.ndarray  # same, as an array
    month_of_day: list[int]  # day -> month index since the start month (negative during warm-up)
    months: list[str]  # labels of reported months
    month_start_h: list[float]
    scheduled_per_route_month: dict[tuple[int, int], int]
    eu_reserve_feu: dict[str, float]  # per European place: empties kept for its eastbound loads
    od_cargo_mix: dict[str, dict[str, float]]  # direction -> cargo -> share (freight stream, without e-commerce)
    ecommerce_share: dict[str, float]
    mass_t_per_feu: dict[str, float]  # direction -> tonnes per loaded FEU (cargo mix + tare)
    config: object
    unserved_ods: list[int]
    sea_shift_share: float
    network_places: dict[str, tuple[str, str, str]]  # id -> (name, country, kind)

    def hour_of(self, dt: datetime) -> float:
        return (dt - self.t0).total_seconds() / 3600.0

    def dt_of(self, hour: float) -> datetime:
        return self.t0 + timedelta(hours=hour)


def leg_draws(route: Route, z: np.ndarray, start_h: np.ndarray, winter: np.ndarray, first_leg: int = 0):
    """Per train (rows of z) and leg: hours of RUN and DWELL legs (noise x winter factor of the day the leg
    starts in the timetable) or the processing factor of a CROSS leg; and per leg the hours of the inline
    legs from it up to the next leg that needs an event (what the fast engine adds in one step)."""
    factor = np.exp(route.leg_mu[None, :] + route.leg_sigma[None, :] * z)
    day = ((start_h[:, None] + route.offsets[None, :] - route.offsets[first_leg]) // 24).astype(int)
    day = np.clip(day, 0, winter.shape[1] - 1)
    w = winter[route.regions[None, :], day]
    run = route.kinds == RUN
    dwell = route.kinds == DWELL
    d = np.where(
        run[None, :], route.hours[None, :] * factor * w, np.where(dwell[None, :], route.hours[None, :] * factor, factor)
    )
    inline = np.where((run | dwell)[None, :], d, 0.0)
    c = np.concatenate((np.zeros((len(z), 1)), np.cumsum(inline, axis=1)), axis=1)
    nxt = np.asarray(route.next_event[: len(route.legs)])
    seg = c[:, nxt] - c[:, : len(route.legs)]
    return d, seg


def _lognormal_params(median: float, p90: float) -> tuple[float, float]:
    mu = math.log(median)
    sigma = max(0.0, math.log(p90 / median) / Z90)
    return mu, sigma


def _side(country: str) -> str:
    return "china" if country == "CN" else "europe"


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def prepare(
    scenario: Scenario = BASELINE,
    start: date = date(2026, 1, 1),
    days: int = 365,
    seed: int = 42,
    data_dir: str | None = None,
    config=None,
) -> PreparedModel:
    """Build the routes, trains, crossings, demand and draws of one run."""
    from landbridge.simulation.config import check_references, simulation_config
    from landbridge.world import load_world

    world = load_world(scenario, data_dir)
    base = load_world(BASELINE, data_dir)
    cfg = config or simulation_config(str(data_dir) if data_dir else None)
    check_references(cfg, world.network, world.catalog)
    net = world.network
    places = net.places
    warm = cfg.horizon.warmup_days
    t0 = datetime.combine(start - timedelta(days=warm), time(0), tzinfo=UTC)
    start_h = warm * 24.0
    end_h = start_h + days * 24.0
    drain_days = 80  # trains that left before the end keep running (and may queue) after it
    total_days = warm + days + drain_days

    # ---- calendar --------------------------------------------------------------------------
    month_of_day: list[int] = []
    months: list[str] = []
    month_start_h: list[float] = []
    m0 = date(start.year, start.month, 1)
    for d in range(total_days):
        day = (t0 + timedelta(days=d)).date()
        month_of_day.append((day.year - m0.year) * 12 + day.month - m0.month)
    k = 0
    while True:
        ms = _add_months(m0, k)
        if ms >= start + timedelta(days=days):
            break
        months.append(f"{ms:%Y-%m}")
        lo = max(ms, start)
        month_start_h.append((datetime.combine(lo, time(0), tzinfo=UTC) - t0).total_seconds() / 3600)
        k += 1
    cal_month = [((t0 + timedelta(days=d)).date().month) for d in range(total_days)]

    # ---- crossings -------------------------------------------------------------------------
    rt = cfg.running_time
    cx_mu, cx_sigma = _lognormal_params(1.0, cfg.crossings.processing_p90_factor)
    proc_mean_factor = math.exp(cx_sigma**2 / 2)
    base_cr = [s for s in base.timetable.services if s.mode == "rail" and s.cr_express]
    passes: dict[str, float] = {}
    for s in base_cr:
        per_day = len(s.weekdays) * len(s.departure_times) / 7.0
        for sec in s.sections:
            for st in sec.steps:
                if st.crossing is not None:
                    passes[st.crossing.id] = passes.get(st.crossing.id, 0.0) + per_day
    crossings: list[Crossing] = []
    cx_index: dict[str, int] = {}
    for c in net.crossings:
        load = passes.get(c.id, 0.0)
        tpd = c.trains_per_day
        if cfg.crossings.capacity_basis == "timetable-or-data" and c.typical_utilisation > 0:
            tpd = max(tpd, load / c.typical_utilisation)
        f = scenario.capacity_factor(c.id, (c.a, c.b))
        eff = tpd * f
        track_h = c.processing_hours * cfg.crossings.transshipment_share
        tracks = cfg.crossings.tracks.get(c.id) or max(1, math.ceil(eff * track_h * proc_mean_factor / 24 - 1e-9))
        if f <= 0:
            tracks = 0
        cx_index[c.id] = len(crossings)
        crossings.append(
            Crossing(len(crossings), c.id, c.name, c.processing_hours, track_h, eff, c.trains_per_day, load, tracks, f)
        )

    # ---- origin-destination pairs (from the baseline timetable: a scenario can leave pairs unserved) --
    mix = cfg.demand.cargo_mix
    ecom_share = {"westbound": mix.westbound.get("ecommerce", 0.0), "eastbound": mix.eastbound.get("ecommerce", 0.0)}
    lf = {"westbound": cfg.demand.westbound_load_factor, "eastbound": cfg.demand.eastbound_load_factor}

    def od_pairs(s):
        """(board stop index, alight stop index) pairs that cross between China and Europe."""
        out = []
        for i, a in enumerate(s.stops):
            if not s.boardable[i]:
                continue
            for j in range(i + 1, len(s.stops)):
                b = s.stops[j]
                if s.boardable[j] and _side(places[a].country) != _side(places[b].country):
                    out.append((i, j))
        return out

    def stream_of(s) -> int:
        if set(s.accepts) == {"ecommerce"}:
            return 1
        return 2 if s.priority_crossing else 0

    # The dedicated e-commerce train carries the e-commerce order flow (ecommerce_flow.yaml), the platform's
    # definition too: its containers a week per hub, and (below) its day-by-day profile with the sales peaks.
    flow = order_flow(str(data_dir) if data_dir else None)
    box = world.catalog.container(flow.container_type)
    ecom_week = flow.feu_per_week(box.volume_m3, box.feu)
    weekly: dict[tuple[str, str], float] = {}
    dedicated: dict[tuple[tuple[str, str], int], float] = {}
    direction_of: dict[tuple[str, str], str] = {}
    for s in base_cr:
        pairs = od_pairs(s)
        if not pairs:
            continue
        boards = sorted({i for i, _ in pairs})
        per_week = len(s.weekdays) * len(s.departure_times)
        for i, j in pairs:
            n_dest = sum(1 for ii, _ in pairs if ii == i)
            cap = s.sections[i].capacity_feu
            key = (s.stops[i], s.stops[j])
            feu = per_week * cap * lf[s.direction] / (len(boards) * n_dest)
            stream = stream_of(s)
            if stream == 1 and key[0] == flow.origin and key[1] in ecom_week:
                feu = ecom_week[key[1]]
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
    ods = [
        OD(n, a, b, direction_of[(a, b)], w, (dedicated.get(((a, b), 1), 0.0), dedicated.get(((a, b), 2), 0.0)))
        for n, ((a, b), w) in enumerate(sorted(weekly.items()))
    ]
    od_index = {(o.origin, o.destination): o.index for o in ods}

    # ---- routes of the scenario's timetable --------------------------------------------------
    cr = [s for s in world.timetable.services if s.mode == "rail" and s.cr_express]
    routes: list[Route] = []
    # places where some train is re-formed to a shorter one: boxes may wait there for any train
    yard_places = {
        (s.stops[k], s.direction)
        for s in cr
        for k in range(1, len(s.sections))
        if s.sections[k].capacity_feu < s.sections[k - 1].capacity_feu
    }
    dw_mu, dw_sigma = _lognormal_params(1.0, cfg.operations.dwell_p90_factor)
    reg_params = {REGION_INDEX[r]: _lognormal_params(b.median, b.p90) for r, b in rt.regions.items()}
    for s in cr:
        pairs = [(i, j) for i, j in od_pairs(s) if (s.stops[i], s.stops[j]) in od_index]
        streams = (stream_of(s),)
        board_ods: dict[int, list[tuple[int, int]]] = {}
        for i, j in pairs:
            od = od_index[(s.stops[i], s.stops[j])]
            for stream in streams:
                board_ods.setdefault(i, []).append((od, stream))
        caps = [sec.capacity_feu for sec in s.sections] + [0]
        # speed factor of the service, from its pure-link sections (for sections mixing links and crossings)
        raw = sched = 0.0
        for k, sec in enumerate(s.sections):
            if all(st.link is not None for st in sec.steps):
                raw += sum(st.distance_km / st.link.speed_kmh for st in sec.steps)
                sched += s.arrive_h[k + 1] - s.depart_h[k]
        speed_factor = raw / sched if sched > 0 else 1.0
        legs: list[tuple[int, float, int]] = []
        mus: list[float] = []
        sigmas: list[float] = []
        stop_leg: dict[int, int] = {}
        last = len(s.stops) - 1
        share = rt.priority_delay_share if s.priority_crossing else 1.0
        # empties: eastbound, at the last boardable stop before the train leaves Europe
        empties_stop = -1
        if s.direction == "eastbound":
            eu_boards = [i for i in range(last) if s.boardable[i] and places[s.stops[i]].country != "CN"]
            if eu_boards and places[s.stops[last]].country == "CN":
                empties_stop = max(eu_boards)

        def add(kind, a, b, mu, sigma):
            legs.append((kind, a, b))
            mus.append(mu)
            sigmas.append(sigma)

        for k in range(len(s.stops)):
            if k > 0:
                if (
                    k in board_ods
                    or k == empties_stop
                    or (k < last and caps[k] < caps[k - 1])
                    or (s.stops[k], s.direction) in yard_places
                ):
                    stop_leg[k] = len(legs)
                    add(STOP, 0.0, k, 0.0, 0.0)
                elif s.boardable[k] or k == last:
                    stop_leg[k] = len(legs)
                    add(PASS, 0.0, k, 0.0, 0.0)
                dwell = s.depart_h[k] - s.arrive_h[k]
                if dwell > 1e-9 and k < last:
                    add(DWELL, dwell, k, dw_mu, dw_sigma)
            if k == last:
                break
            sec = s.sections[k]
            region = REGION_INDEX.get(sec.region, 2)
            mu, sigma = reg_params[region]
            mu, sigma = math.log(1 + share * (math.exp(mu) - 1)), sigma * share
            if all(st.link is not None for st in sec.steps):
                add(RUN, s.arrive_h[k + 1] - s.depart_h[k], region, mu, sigma)
            else:
                run = 0.0
                for st in sec.steps:
                    if st.link is not None:
                        run += st.distance_km / (st.link.speed_kmh * speed_factor)
                    else:
                        if run > 0:
                            add(RUN, run, region, mu, sigma)
                            run = 0.0
                        add(CROSS, cx_index[st.crossing.id], k + 1, cx_mu, cx_sigma)
                if run > 0:
                    add(RUN, run, region, mu, sigma)
        routes.append(
            Route(
                len(routes),
                s.id,
                s.name,
                s.direction,
                s.corridor,
                s.priority_crossing,
                s.stops,
                legs,
                [caps[i] if i < last else 0 for i in range(len(s.stops))],
                board_ods,
                {p: i for i, p in enumerate(s.stops)},
                empties_stop,
                np.array(mus),
                np.array(sigmas),
                s.transit_hours,
                streams,
                stop_leg,
            )
        )
    served = {od for r in routes for lst in r.board_ods.values() for od, _ in lst}
    unserved = [o.index for o in ods if o.index not in served]

    # ---- departures of the scheduled trains ----------------------------------------------------
    t0_e = t0.timestamp()
    lo_e, hi_e = t0_e, t0_e + end_h * 3600
    departures: list[tuple[float, int]] = []
    scheduled_per_route_month: dict[tuple[int, int], int] = {}
    tt = world.timetable
    svc = {s.id: s for s in cr}
    for r in routes:
        s = svc[r.service_id]
        for y in range(t0.year, (t0 + timedelta(hours=end_h)).year + 1):
            for e in tt.year_departure_epochs(s, y):
                if lo_e <= e < hi_e:
                    h = (e - t0_e) / 3600
                    departures.append((h, r.index))
                    mi = month_of_day[int(h // 24)]
                    scheduled_per_route_month[(r.index, mi)] = scheduled_per_route_month.get((r.index, mi), 0) + 1
    departures.sort()

    # ---- draws -------------------------------------------------------------------------------
    ss = np.random.SeedSequence(seed)
    s_demand, s_trains, s_dynamic = ss.spawn(3)
    rng_d = np.random.default_rng(s_demand)
    # sea-to-rail shift: share of the sea trade's FEU a week, spread over the pairs like base demand
    shift = scenario.sea_to_rail_share
    if scenario.red_sea_closed and not shift:
        shift = cfg.demand.red_sea_closed_sea_to_rail_share
    dir_total = {d: sum(o.feu_per_week for o in ods if o.direction == d) for d in ("westbound", "eastbound")}
    sea_feu_week = {d: cfg.demand.sea_teu_per_year.get(d, 0.0) / 2 / (365 / 7) for d in ("westbound", "eastbound")}
    season = {"westbound": cfg.demand.seasonality.westbound, "eastbound": cfg.demand.seasonality.eastbound}
    demand_days = warm + days
    mon = np.array(cal_month[:demand_days]) - 1
    ecom_day = np.array([flow.day_factor((t0 + timedelta(days=d)).date()) for d in range(demand_days)])
    cum: list[list[list[int]]] = []
    for o in ods:
        weekly_mean = o.feu_per_week
        if dir_total[o.direction] > 0:
            weekly_mean += shift * sea_feu_week[o.direction] * o.feu_per_week / dir_total[o.direction]
        lam = weekly_mean / 7.0 * np.asarray(season[o.direction])[mon]
        per_stream = []
        ecom, speed = o.dedicated_feu_per_week
        for mean in (lam, ecom / 7.0 * ecom_day, speed / 7.0 * np.asarray(season[o.direction])[mon]):
            draws = rng_d.poisson(mean) if mean.any() else np.zeros(demand_days, dtype=np.int64)
            per_stream.append(np.concatenate(([0], np.cumsum(draws))).tolist())
        cum.append(per_stream)

    # winter slow-down by region and day (by the day a section starts in the timetable)
    wmonths = set(rt.winter.months)
    winter = []
    for r in REGIONS:
        f = rt.winter.factor.get(r, 1.0)
        winter.append([f if m in wmonths else 1.0 for m in cal_month] + [1.0])
    winter_arr = np.array(winter)

    rng_t = np.random.default_rng(s_trains)
    n = len(departures)
    max_legs = max((len(r.legs) for r in routes), default=1)
    for r in routes:
        r.finish(crossings)
    z = rng_t.standard_normal((n, max_legs)) if n else np.zeros((0, max_legs))
    train_noise: list[list[float]] = [None] * n  # type: ignore[list-item]
    train_segments: list[list[float]] = [None] * n  # type: ignore[list-item]
    if n:
        ridx = np.array([ri for _, ri in departures])
        dep_h = np.array([h for h, _ in departures])
        for r in routes:
            rows = np.nonzero(ridx == r.index)[0]
            if not len(rows):
                continue
            d, seg = leg_draws(r, z[rows, : len(r.legs)], dep_h[rows], winter_arr)
            for row, dv, sv in zip(rows.tolist(), d.tolist(), seg.tolist()):
                train_noise[row] = dv
                train_segments[row] = sv
    noise_table = np.random.default_rng(s_dynamic).standard_normal((NOISE_TABLE_ROWS, max_legs)).tolist()

    # empties kept at each European terminal: reserve_days of its eastbound loads
    reserve: dict[str, float] = {}
    for o in ods:
        if o.direction == "eastbound":
            reserve[o.origin] = reserve.get(o.origin, 0.0) + o.feu_per_week / 7 * cfg.empties.reserve_days

    # tonnes per loaded FEU by direction, from the cargo mix and the catalogue's typical masses
    mass = {}
    freight_mix = {}
    for d, m in (("westbound", mix.westbound), ("eastbound", mix.eastbound)):
        kg = sum(share * world.catalog.cargo_types[c].typical_mass_kg_per_feu for c, share in m.items())
        mass[d] = (kg + cfg.hubs.tare_kg_per_feu) / 1000
        freight_mix[d] = dict(m)

    return PreparedModel(
        scenario=scenario,
        data_dir=data_dir,
        seed=seed,
        start=start,
        days=days,
        warmup_days=warm,
        t0=t0,
        start_h=start_h,
        end_h=end_h,
        routes=routes,
        crossings=crossings,
        ods=ods,
        od_index=od_index,
        cum=cum,
        demand_days=demand_days,
        departures=departures,
        train_noise=train_noise,
        train_segments=train_segments,
        noise_table=noise_table,
        winter=winter,
        winter_arr=winter_arr,
        month_of_day=month_of_day,
        months=months,
        month_start_h=month_start_h,
        scheduled_per_route_month=scheduled_per_route_month,
        eu_reserve_feu=reserve,
        od_cargo_mix=freight_mix,
        ecommerce_share=ecom_share,
        mass_t_per_feu=mass,
        config=cfg,
        unserved_ods=unserved,
        sea_shift_share=shift,
        network_places={p.id: (p.name, p.country, p.kind) for p in places.values()},
    )
