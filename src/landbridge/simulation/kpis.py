"""From what a run recorded to what operators and planners read: KPIs (kpis.json) and tables (CSV).

`compute` runs the steps below on the records of `state.NetworkState`; each counts what happened in the
reported window (departures, loads, arrivals at crossings from `start` to `start + days`):

1. trains per month (by kind and direction) and the per-train table;
2. per-service transit bands (what the planner's reliability reads);
3. container transit per origin-destination pair (weighted by FEU), with the wait at the origin;
4. transit groups (China → Germany and others) and samples for the charts;
5. border crossings: waits, utilisation, queues by day;
6. empties by rail and sea and their cost; 7. tonnes through hubs and crossings;
8. demand generated, left waiting and unserved; cargo mix; re-forming yards;
9. flows against the published year: trains by Chinese hub and gateway, TEU by destination region, the
   westbound share of trains, TEU per train (per-year figures are the window's counts x 365 / its days).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from landbridge.simulation.bands import MonthBands, monthly_service_bands
from landbridge.simulation.config import Empties
from landbridge.simulation.model import OD, Crossing, PreparedModel
from landbridge.simulation.movements import train_movements
from landbridge.simulation.routes import CROSS, BoolArray, FloatArray, IntArray
from landbridge.simulation.state import EXTRA, KIND_NAMES, RELIEF, NetworkState, Train

Row = dict[str, Any]


@dataclass
class RunResult:
    """One replication: KPIs, tables and the samples charts need. Plain data, cheap to pickle."""

    seed: int
    kpis: dict[str, Any]
    tables: dict[str, list[Row]] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)  # transit days by group, for charts
    service_bands: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # id -> (p50 h, p90 h, n)
    service_month_bands: MonthBands = field(default_factory=dict)  # id -> month -> (p50 h, p90 h, n)
    timings: dict[str, float] = field(default_factory=dict)


def weighted_quantiles(values: FloatArray, weights: FloatArray, qs: tuple[float, ...]) -> list[float]:
    """Quantiles of `values` weighted by `weights` (the smallest value whose cumulative weight reaches
    q of the total); NaN for each when there is no weight."""
    if len(values) == 0 or weights.sum() <= 0:
        return [math.nan for _ in qs]
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw = np.cumsum(w)
    total = cw[-1]
    return [float(v[min(len(v) - 1, int(np.searchsorted(cw, q * total, side="left")))]) for q in qs]


def censored_quantiles(
    values: FloatArray, weights: FloatArray, censored: BoolArray, qs: tuple[float, ...]
) -> list[tuple[float, bool]]:
    """Quantiles of a weighted sample in which some values are right-censored (only known to be at least the
    value: boxes on trains that never arrived), by the Kaplan-Meier estimate: (quantile, False) where the
    estimate reaches q; (lower bound, True) where it does not, the bound being the smallest censoring value
    still at risk after the last observed one. Without censored values, the plain weighted quantiles."""
    if not censored.any():
        return [(x, False) for x in weighted_quantiles(values, weights, qs)]
    if len(values) == 0 or weights.sum() <= 0:
        return [(math.nan, False) for _ in qs]
    order = np.lexsort((censored, values))  # by value; at a tie, the observed one first
    v, w, c = values[order], weights[order], censored[order]
    at_risk = w.sum() - np.cumsum(w) + w
    share = 1 - np.cumprod(np.where(c, 1.0, 1 - w / at_risk))  # estimated share at or below each value
    observed = np.nonzero(~c)[0]
    out = []
    for q in qs:
        reached = observed[share[observed] >= q - 1e-12]
        if len(reached):
            out.append((float(v[reached[0]]), False))
        else:
            later = c & (np.arange(len(v)) > (observed[-1] if len(observed) else -1))
            out.append((float(v[later].min()) if later.any() else float(v[-1]), True))
    return out


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


@dataclass(frozen=True)
class _Window:
    """The reported window: hours [lo, hi) and its days and months."""

    lo: float
    hi: float
    days: int
    month_of_day: list[int]
    n_months: int
    day_names: list[str]  # ISO date of every day from hour 0

    def month(self, h: float) -> int:
        return self.month_of_day[int(h // 24)]

    def per_month(self) -> list[int]:
        return [0] * self.n_months


def _window(m: PreparedModel, st: NetworkState) -> _Window:
    last_h = max([m.end_h] + [tr.arrival_h for tr in st.trains if not math.isnan(tr.arrival_h)])
    d0 = m.t0.date()
    names = [(d0 + timedelta(days=k)).isoformat() for k in range(int(last_h // 24) + 2)]
    return _Window(m.start_h, m.end_h, m.days, m.month_of_day, len(m.months), names)


# ---- 1. trains ----------------------------------------------------------------------------------
@dataclass
class _TrainCounts:
    trains: list[int]
    teu: list[int]
    loaded_teu: list[int]
    empty_teu: list[int]
    westbound: list[int]
    eastbound: list[int]
    extra: list[int]
    cancelled: list[int]
    relief: list[int]
    rows: list[Row]
    transit_by_route: dict[int, list[float]]
    not_arrived: int = 0  # CR Express trains (scheduled and extra) that never arrived
    stranded: int = 0  # every train that never arrived (EU re-formed ones too)
    stranded_feu: int = 0  # loaded FEU on them


def _count_trains(m: PreparedModel, st: NetworkState, w: _Window, tables: bool) -> _TrainCounts:
    """Trains that left in the window, by month: CR Express trains (scheduled and extra; EU re-formed
    and cancelled ones apart), their TEU, and each route's transit hours (trains that arrived)."""
    pm = w.per_month
    c = _TrainCounts(pm(), pm(), pm(), pm(), pm(), pm(), pm(), pm(), pm(), [], {})
    for tr in st.trains:
        dep, arr = tr.dep_h, tr.arrival_h
        if not w.lo <= dep < w.hi:
            continue
        mi = w.month(dep)
        route = tr.route
        if not tr.cancelled and math.isnan(arr):
            c.stranded += 1
            c.stranded_feu += sum(lot.feu for lot in tr.lots)
        if tr.cancelled:
            c.cancelled[mi] += 1
        elif tr.kind == RELIEF:
            c.relief[mi] += 1
        else:
            c.trains[mi] += 1
            c.teu[mi] += 2 * (tr.loaded_feu + tr.empties_feu)
            c.loaded_teu[mi] += 2 * tr.loaded_feu
            c.empty_teu[mi] += 2 * tr.empties_feu
            (c.westbound if route.direction == "westbound" else c.eastbound)[mi] += 1
            if tr.kind == EXTRA:
                c.extra[mi] += 1
            if math.isnan(arr):
                c.not_arrived += 1
            else:
                c.transit_by_route.setdefault(route.index, []).append(arr - dep)
        if tables:
            c.rows.append(
                {
                    "train": tr.id,
                    "service": route.service_id,
                    "kind": "cancelled" if tr.cancelled else KIND_NAMES[tr.kind],
                    "direction": route.direction,
                    "departure": _stamp(w.day_names, dep),
                    "arrival": "" if math.isnan(arr) else _stamp(w.day_names, arr),
                    "transit_hours": "" if math.isnan(arr) or tr.cancelled else round(arr - dep, 1),
                    "loaded_feu": tr.loaded_feu,
                    "empty_feu": tr.empties_feu,
                    "teu": 2 * (tr.loaded_feu + tr.empties_feu),
                    "border_wait_hours": round(tr.border_wait_h, 2),
                }
            )
    c.rows.sort(key=lambda r: (r["departure"], r["train"]))
    return c


# ---- 2. per-service bands ------------------------------------------------------------------------
def _service_bands(
    m: PreparedModel, transit_by_route: dict[int, list[float]]
) -> tuple[dict[str, tuple[float, float, int]], list[Row]]:
    """Per service: (p50 hours, p90 hours, trains) of the runs that arrived, and the services table."""
    bands = {}
    rows = []
    for ri, xs in sorted(transit_by_route.items()):
        a = np.asarray(xs)
        p50, p90 = np.percentile(a, [50, 90])
        r = m.routes[ri]
        bands[r.service_id] = (float(p50), float(p90), len(xs))
        rows.append(
            {
                "service": r.service_id,
                "direction": r.direction,
                "corridor": r.corridor,
                "trains": len(xs),
                "scheduled_days": round(r.scheduled_hours / 24, 2),
                "p50_days": round(p50 / 24, 2),
                "p90_days": round(p90 / 24, 2),
                "mean_days": round(float(a.mean()) / 24, 2),
            }
        )
    return bands, rows


# ---- 3. containers: transit per pair --------------------------------------------------------------
@dataclass(frozen=True)
class _Delivered:
    """Boxes that left their origin in the window: pair, FEU and transit days, as arrays. Boxes on a train
    that never arrived (stranded) are `censored`: their transit is at least the days from their departure
    to the end of the run."""

    od: IntArray
    feu: FloatArray
    days: FloatArray
    censored: BoolArray

    def pick(self, mask: BoolArray) -> _Delivered:
        return _Delivered(self.od[mask], self.feu[mask], self.days[mask], self.censored[mask])

    @property
    def arrived(self) -> BoolArray:
        return ~self.censored


def _delivered(st: NetworkState, w: _Window) -> _Delivered:
    stranded = [lot for tr in st.trains if not tr.cancelled and math.isnan(tr.arrival_h) for lot in tr.lots]
    lots = st.deliveries + stranded
    od = np.fromiter((lot.od for lot in lots), dtype=int, count=len(lots))
    feu = np.fromiter((lot.feu for lot in lots), dtype=float, count=len(lots))
    dep = np.fromiter((lot.origin_departure_h for lot in lots), dtype=float, count=len(lots))
    arr = np.fromiter((lot.arrival_h for lot in lots), dtype=float, count=len(lots))
    censored = np.arange(len(lots)) >= len(st.deliveries)
    arr[censored] = st.ended_h
    keep = (dep >= w.lo) & (dep < w.hi)
    return _Delivered(od[keep], feu[keep], (arr[keep] - dep[keep]) / 24, censored[keep])


def _origin_waits(m: PreparedModel, st: NetworkState, w: _Window) -> tuple[FloatArray, FloatArray]:
    """Per pair: FEU-weighted hours from when loaded boxes were ready (from the cumulative demand, by
    their place in the queue) to their departure, and the FEU weights."""
    wait_sum = np.zeros(len(m.ods))
    wait_w = np.zeros(len(m.ods))
    loads = [lot for lot in st.origin_loads if w.lo <= lot.origin_departure_h < w.hi]
    od_col = np.asarray([lot.od for lot in loads], dtype=int)
    stream_col = np.asarray([lot.stream for lot in loads], dtype=int)
    first = np.asarray([lot.first_box for lot in loads], dtype=float)
    feu = np.asarray([lot.loaded_feu for lot in loads], dtype=float)
    hour = np.asarray([lot.origin_departure_h for lot in loads], dtype=float)
    for od, s in {(int(od), int(s)) for od, s in zip(od_col, stream_col)}:
        sel = (od_col == od) & (stream_col == s)
        c = np.asarray(m.cum[od][s], dtype=float)
        mid = first[sel] + feu[sel] / 2  # the middle box of each load, by its place in the queue
        day = np.clip(np.searchsorted(c, mid, side="right") - 1, 0, len(c) - 2)
        span = np.maximum(c[day + 1] - c[day], 1)
        ready = (day + (mid - c[day]) / span) * 24 + st.cutoff
        wait_sum[od] += (np.maximum(0.0, hour[sel] - ready) * feu[sel]).sum()
        wait_w[od] += feu[sel].sum()
    return wait_sum, wait_w


def _od_transit(m: PreparedModel, st: NetworkState, w: _Window, dv: _Delivered) -> tuple[dict[str, Row], list[Row]]:
    """Per pair "origin->destination": p50, p90 and mean transit days (weighted by FEU), FEU and the
    mean wait at the origin; and the od_transit table."""
    wait_sum, wait_w = _origin_waits(m, st, w)
    transit_days: dict[str, Row] = {}
    rows = []
    for o in m.ods:
        pair = dv.pick(dv.od == o.index)
        if not pair.arrived.any():
            continue
        (p10, _), (p50, c50), (p90, c90) = censored_quantiles(pair.days, pair.feu, pair.censored, (0.1, 0.5, 0.9))
        mean = float(np.average(pair.days[pair.arrived], weights=pair.feu[pair.arrived]))
        ow = wait_sum[o.index] / wait_w[o.index] / 24 if wait_w[o.index] else math.nan
        feu = int(pair.feu[pair.arrived].sum())
        transit_days[f"{o.origin}->{o.destination}"] = {
            "p50": _r(p50),
            "p90": _r(p90),
            "mean": _r(mean),
            "feu": feu,
            "origin_wait_days": _r(ow),
            "stranded_feu": int(pair.feu[pair.censored].sum()),
            "p50_censored": c50,
            "p90_censored": c90,
        }
        rows.append(
            {
                "origin": o.origin,
                "destination": o.destination,
                "direction": o.direction,
                "feu": feu,
                "p10_days": _r(p10),
                "p50_days": _r(p50),
                "p90_days": _r(p90),
                "mean_days": _r(mean),
                "origin_wait_days": _r(ow),
                "demand_feu_per_week": round(o.feu_per_week + sum(o.dedicated_feu_per_week), 1),
            }
        )
    return transit_days, rows


# ---- 4. transit groups ---------------------------------------------------------------------------------
def _transit_groups(
    m: PreparedModel, dv: _Delivered, not_served: FloatArray
) -> tuple[dict[str, Row], dict[str, list[float]]]:
    """p50/p90 transit days of groups of pairs (China → Germany, ...), boxes on stranded trains counted as
    censored; FEU delivered, stranded and not served (per pair: `not_served`); a sample for the charts."""
    places = m.network_places
    groups: dict[str, Callable[[OD], bool]] = {
        "China → Germany": lambda o: places[o.origin].country == "CN" and places[o.destination].country == "DE",
        "China → Poland": lambda o: places[o.origin].country == "CN" and places[o.destination].country == "PL",
        "Europe → China": lambda o: o.direction == "eastbound",
        "all westbound": lambda o: o.direction == "westbound",
    }
    stats: dict[str, Row] = {}
    samples: dict[str, list[float]] = {}
    for name, pred in groups.items():
        members = [o.index for o in m.ods if pred(o)]
        g = dv.pick(np.isin(dv.od, members))
        if not g.arrived.any():
            continue
        (p50, c50), (p90, c90) = censored_quantiles(g.days, g.feu, g.censored, (0.5, 0.9))
        stats[name] = {
            "p50": _r(p50),
            "p90": _r(p90),
            "feu": int(g.feu[g.arrived].sum()),
            "stranded_feu": int(g.feu[g.censored].sum()),
            "not_served_feu": int(not_served[members].sum()),
            "p50_censored": c50,
            "p90_censored": c90,
        }
        # a sample for the charts (repeat by FEU, capped)
        days, feu = g.days[g.arrived], g.feu[g.arrived]
        rep = np.repeat(days, np.minimum(feu.astype(int), 60))
        samples[name] = np.round(rep[:: max(1, len(rep) // 4000)], 2).tolist()
    return stats, samples


# ---- 5. border crossings --------------------------------------------------------------------------------
def _closure_stranded(c: Crossing, arr: FloatArray, start: FloatArray, stuck: BoolArray) -> BoolArray:
    """Passages stranded at a crossing: never got through (0 % capacity), or waiting there while a closure
    of the scenario kept it shut (arrived before it reopened, transshipment started once it had closed)."""
    out = stuck.copy()
    for lo, hi in c.closed_h:
        out |= (arr < hi) & (np.nan_to_num(start, nan=np.inf) >= lo)
    return out


def _held_at_origin(m: PreparedModel, st: NetworkState, w: _Window) -> tuple[list[int], list[int]]:
    """Per crossing: trains of the window held at their origin because its queue was too long, and those of
    them held while a closure of the scenario kept it shut."""
    held = [0] * len(m.crossings)
    while_closed = [0] * len(m.crossings)
    for tr in st.trains:
        c = tr.held_at
        if c >= 0 and w.lo <= tr.dep_h < w.hi:
            held[c] += 1
            if any(lo <= tr.dep_h < hi for lo, hi in m.crossings[c].closed_h):
                while_closed[c] += 1
    return held, while_closed


def _not_served_by_crossing(m: PreparedModel, not_served: FloatArray) -> list[int]:
    """Per crossing: FEU not served (left waiting at the end) of the pairs whose trains pass it."""
    pairs: list[set[int]] = [set() for _ in m.crossings]
    for r in m.routes:
        ods = {b.od for boardings in r.board_ods.values() for b in boardings}
        for c in r.crossings_ahead:
            pairs[c] |= ods
    return [int(sum(not_served[od] for od in ods)) for ods in pairs]


def _stranded_kpis(log_train: list[Train], stranded: BoolArray, waits: FloatArray, at_origin: int) -> Row:
    """Trains stranded by a crossing: at the crossing (never through, or waiting while it was closed), with the
    loaded FEU on them and their delay there (days), and held at their origin while it was closed."""
    delay = waits[stranded] / 24
    return {
        "stranded_trains": int(stranded.sum()) + at_origin,
        "stranded_at_crossing_trains": int(stranded.sum()),
        "stranded_at_origin_trains": at_origin,
        "stranded_feu": int(sum(tr.loaded_feu for tr, s in zip(log_train, stranded) if s)),
        "stranded_delay_days_mean": _r(delay.mean()) if len(delay) else None,
        "stranded_delay_days_max": _r(delay.max()) if len(delay) else None,
    }


def _borders(
    m: PreparedModel, st: NetworkState, w: _Window, tables: bool, not_served: FloatArray
) -> tuple[dict[str, Row], list[Row]]:
    """Per crossing with arrivals in the window: waits (a train that never got through waits until the
    window's end), utilisation of its tracks, queue lengths, trains stranded by it (at the crossing: never
    through, or waiting while a closure kept it shut, with their delay; at their origin: held there while it
    was closed), trains held at their origin by its queue and the demand not served on the pairs through
    it; and the per-day queue table."""
    borders: dict[str, Row] = {}
    queue_rows: list[Row] = []
    grid = np.arange(w.lo, w.hi, 1.0)
    span = w.hi - w.lo
    days = w.days
    held, held_while_closed = _held_at_origin(m, st, w)
    not_served_at = _not_served_by_crossing(m, not_served)
    for c, log in zip(m.crossings, st.crossing_log):
        if not len(log):
            continue
        arr, start, end = (np.asarray(x, dtype=float) for x in (log.arrival_h, log.start_h, log.end_h))
        in_win = (arr >= w.lo) & (arr < w.hi)
        stuck = np.isnan(start)
        all_waits = np.where(stuck, w.hi - arr, start - arr)
        waits = all_waits[in_win]
        busy = np.clip(np.minimum(end[~stuck], w.hi) - np.maximum(start[~stuck], w.lo), 0, None).sum()
        util = busy / (max(c.tracks, 1) * span) if c.tracks else 1.0
        if not in_win.any():
            continue
        # queue (trains waiting for a track) by hour -> daily max and mean
        q = np.searchsorted(np.sort(arr), grid, side="right") - np.searchsorted(
            np.sort(np.where(stuck, np.inf, start)), grid, side="right"
        )
        stranded = _closure_stranded(c, arr, start, stuck) & in_win
        borders[c.id] = {
            "name": c.name,
            "mean_wait_hours": _r(waits.mean()),
            "p90_wait_hours": _r(np.percentile(waits, 90)),
            "max_wait_hours": _r(waits.max()),
            "utilisation": _r(util, 3),
            "trains": int(in_win.sum()),
            "trains_per_day": _r(in_win.sum() / days),
            "capacity_trains_per_day": _r(c.trains_per_day),
            "tracks": c.tracks,
            "westbound_trains": int(np.asarray(log.westbound, dtype=bool)[in_win].sum()),
            "did_not_get_through": int(stuck[in_win].sum()),
            **_stranded_kpis(log.train, stranded, all_waits, held_while_closed[c.index]),
            "max_queue_trains": int(q.max()) if len(q) else 0,
            "held_at_origin_trains": held[c.index],
            "demand_not_served_feu": not_served_at[c.index],
            "rolling_stock_shortage_days": m.shortage_days[c.index],
            "closed": [
                {"from": (m.t0 + timedelta(hours=lo)).isoformat(), "to": (m.t0 + timedelta(hours=hi)).isoformat()}
                for lo, hi in c.closed_h
            ],
        }
        if not tables:
            continue
        qd = q[: days * 24].reshape(days, 24)
        day_of = ((arr[in_win] - w.lo) // 24).astype(int)
        wsum = np.bincount(day_of, weights=waits, minlength=days)[:days]
        wcnt = np.bincount(day_of, minlength=days)[:days]
        queue_rows.extend(
            {
                "crossing": c.id,
                "date": w.day_names[int(w.lo // 24) + k],
                "arrivals": int(wcnt[k]),
                "mean_wait_hours": round(float(wsum[k] / wcnt[k]), 2) if wcnt[k] else 0.0,
                "max_queue_trains": int(qd[k].max()),
                "mean_queue_trains": round(float(qd[k].mean()), 2),
            }
            for k in range(days)
        )
    return borders, queue_rows


# ---- 6. empties -----------------------------------------------------------------------------------------------
@dataclass
class _Empties:
    kpis: Row
    rail_per_month: list[int]
    sea_per_month: list[int]
    loaded_westbound: int
    loaded_eastbound: int


def _empties(m: PreparedModel, st: NetworkState, w: _Window) -> _Empties:
    """Empties repositioned by rail and sea in the window, their cost (USD per FEU moved and two lifts),
    the loaded imbalance and the boxes China had to supply."""
    e_cfg = m.config.empties
    rail_pm = w.per_month()
    sea_pm = w.per_month()
    for mv in st.empties_rail:
        if w.lo <= mv.hour < w.hi:
            rail_pm[w.month(mv.hour)] += mv.feu
    for mv in st.empties_sea:
        if w.lo <= mv.hour < w.hi:
            sea_pm[w.month(mv.hour)] += mv.feu
    rail_e, sea_e = sum(rail_pm), sum(sea_pm)
    lift = e_cfg.handling_usd_per_lift * 2
    rail_usd, sea_usd = e_cfg.rail_usd_per_feu + lift, e_cfg.sea_usd_per_feu + lift
    loaded_w = loaded_e = 0
    for lot in st.origin_loads:
        if w.lo <= lot.origin_departure_h < w.hi:
            if st.od_west[lot.od]:
                loaded_w += lot.loaded_feu
            else:
                loaded_e += lot.loaded_feu
    cost = round(rail_e * rail_usd + sea_e * sea_usd)
    kpis = {
        "by_rail_feu": int(rail_e),
        "by_sea_feu": int(sea_e),
        "cost_usd": cost,
        "imbalance_feu": int(loaded_w - loaded_e),
        "boxes_supplied_in_china_feu": china_box_supply(st, w.lo, w.hi),
        "cost_usd_per_month": [round(r * rail_usd + s * sea_usd) for r, s in zip(rail_pm, sea_pm)],
        **container_supply(e_cfg, loaded_w, loaded_e, cost),
    }
    return _Empties(kpis, rail_pm, sea_pm, loaded_w, loaded_e)


def container_supply(e_cfg: Empties, loaded_w: int, loaded_e: int, repositioning_usd: int) -> Row:
    """The loaded boxes split into shipper-owned (SOC, leased one way: the lease charge, no repositioning)
    and carrier-owned (COC, repositioned empty: `cost_usd`); the split sums to the loaded boxes."""
    share, fee = e_cfg.soc_share, e_cfg.one_way_lease_usd_per_feu
    soc_w, soc_e = loaded_w * share.westbound, loaded_e * share.eastbound
    soc = round(soc_w + soc_e)
    lease = round(soc_w * fee.westbound + soc_e * fee.eastbound)
    return {
        "soc_feu": soc,
        "coc_feu": loaded_w + loaded_e - soc,
        "soc_feu_by_direction": {"westbound": round(soc_w), "eastbound": round(soc_e)},
        "one_way_lease_cost_usd": lease,
        "container_cost_usd": lease + repositioning_usd,
    }


def china_box_supply(st: NetworkState, lo: float, hi: float) -> int:
    """Boxes the westbound flow needed in China beyond those that came back by rail (loaded or empty):
    per hub, a pool filled by eastbound arrivals and drawn by westbound loads, counting the shortfalls."""
    events: dict[str, list[tuple[float, int]]] = {}
    for lot in st.origin_loads:
        if st.od_west[lot.od]:
            events.setdefault(st.od_origin[lot.od], []).append((lot.origin_departure_h, -lot.loaded_feu))
    for lot in st.deliveries:
        if not st.od_west[lot.od]:
            events.setdefault(st.od_dest[lot.od], []).append((lot.arrival_h, lot.feu))
    for mv in st.empties_arrived:
        events.setdefault(mv.place, []).append((mv.hour, mv.feu))
    short = 0
    for evs in events.values():
        pool = 0
        for t, n in sorted(evs, key=lambda e: (e[0], -e[1])):
            pool += n
            if pool < 0:
                if lo <= t < hi:
                    short -= pool
                pool = 0
    return int(short)


# ---- 7. hubs and crossings' tonnes ------------------------------------------------------------------------------
def _hubs(m: PreparedModel, st: NetworkState, w: _Window) -> dict[str, Row]:
    """Per Chinese hub: loaded FEU through it (westbound loads, eastbound deliveries) and million tonnes a
    year against its capacity where simulation.yaml gives one."""
    mass = m.mass_t_per_feu
    hub_t: dict[str, float] = {}
    hub_feu: dict[str, int] = {}
    for lot in st.origin_loads:
        if w.lo <= lot.origin_departure_h < w.hi and st.od_west[lot.od]:
            h = st.od_origin[lot.od]
            hub_t[h] = hub_t.get(h, 0.0) + lot.loaded_feu * mass["westbound"]
            hub_feu[h] = hub_feu.get(h, 0) + lot.loaded_feu
    for lot in st.deliveries:
        if w.lo <= lot.origin_departure_h < w.hi and not st.od_west[lot.od]:
            h = st.od_dest[lot.od]
            hub_t[h] = hub_t.get(h, 0.0) + lot.feu * mass["eastbound"]
            hub_feu[h] = hub_feu.get(h, 0) + lot.feu
    year_factor = 365.0 / w.days
    hubs = {}
    for h in sorted(hub_t, key=lambda k: -hub_t[k]):
        cap = m.config.hubs.capacity_mt_per_year.get(h)
        mt = hub_t[h] * year_factor / 1e6
        hubs[h] = {
            "name": m.network_places[h].name,
            "loaded_feu": hub_feu[h],
            "mt_per_year": round(mt, 3),
            "capacity_mt_per_year": cap,
            "utilisation": round(mt / cap, 4) if cap else None,
        }
    return hubs


def _crossing_throughput(m: PreparedModel, st: NetworkState, w: _Window, borders: dict[str, Row]) -> dict[str, Row]:
    """Million tonnes a year through crossings with a published capacity: westbound trains carry loaded
    boxes; eastbound trains a mix of loaded and empty (their mean loaded FEU)."""
    mass = m.mass_t_per_feu
    out = {}
    for cid, cap in m.config.hubs.crossing_capacity_mt_per_year.items():
        b = borders.get(cid)
        if b is None:
            continue
        tonnes = (
            b["westbound_trains"] * _mean_load(st, m, "westbound") * mass["westbound"]
            + (b["trains"] - b["westbound_trains"]) * _mean_load(st, m, "eastbound") * mass["eastbound"]
        )
        mt = tonnes * (365.0 / w.days) / 1e6
        out[cid] = {"mt_per_year": round(mt, 2), "capacity_mt_per_year": cap, "utilisation": round(mt / cap, 3)}
    return out


def _mean_load(st: NetworkState, m: PreparedModel, direction: str) -> float:
    rows = [tr for tr in st.trains if not tr.cancelled and tr.kind != RELIEF and tr.route.direction == direction]
    return sum(r.loaded_feu for r in rows) / len(rows) if rows else 0.0


# ---- 8. demand, cargo, re-forming -----------------------------------------------------------------------------------
def _demand(m: PreparedModel, st: NetworkState, w: _Window) -> tuple[Row, list[int], FloatArray]:
    """FEU generated in the window by direction and month, left waiting at the end (served pairs: no train
    takes them any more) and generated for pairs no train of the scenario serves; and per pair the FEU not
    served (either)."""
    d_lo, d_hi = int(w.lo // 24), int(w.hi // 24)
    generated = {"westbound": 0, "eastbound": 0}
    per_month = w.per_month()
    backlog = 0
    unserved = 0
    not_served = np.zeros(len(m.ods))
    for o in m.ods:
        for s in range(3):
            c = m.cum[o.index][s]
            in_window = c[min(d_hi, len(c) - 1)] - c[d_lo]
            generated[o.direction] += in_window
            for k in range(d_lo, min(d_hi, len(c) - 1)):
                per_month[w.month_of_day[k]] += c[k + 1] - c[k]
            left = st.queues[o.index][s].waiting(w.hi)
            if o.index in m.unserved_ods:
                unserved += in_window
                not_served[o.index] += in_window
            else:
                backlog += max(0, left)
                not_served[o.index] += max(0, left)
    return (
        {
            "generated_feu": generated,
            "per_month_feu": per_month,
            "backlog_feu_at_end": int(backlog),
            "unserved_feu": int(unserved),
            "not_served_feu": int(backlog + unserved),
        },
        per_month,
        not_served,
    )


def _cargo_teu(m: PreparedModel, loaded_w: int, loaded_e: int) -> dict[str, int]:
    """TEU by cargo type: the loaded FEU of each direction split by its cargo mix."""
    cargo_teu: dict[str, float] = {}
    for direction, loaded in (("westbound", loaded_w), ("eastbound", loaded_e)):
        for cargo, share in m.od_cargo_mix[direction].items():
            cargo_teu[cargo] = cargo_teu.get(cargo, 0.0) + 2 * loaded * share
    return {k: round(v) for k, v in sorted(cargo_teu.items(), key=lambda kv: -kv[1])}


def _reforming(st: NetworkState, w: _Window) -> Row:
    stays = [(s.out_h - s.in_h, s.feu) for s in st.yard_log if w.lo <= s.in_h < w.hi]
    feu = sum(n for _, n in stays)
    wait = sum(h * n for h, n in stays) / feu if feu else 0.0
    return {"feu_through_yards": int(feu), "mean_yard_wait_hours": round(wait, 1)}


# ---- 9. flows: hubs, gateways, regions ------------------------------------------------------------------------------
def _per_year(x: float, w: _Window) -> int:
    return round(x * 365 / w.days)


def _flows(m: PreparedModel, st: NetworkState, w: _Window) -> Row:
    """The flows the published year is counted in (data/published_flows.yaml), per year: CR Express trains
    that left in the window (scheduled and extra, both directions) by their Chinese end (`hub`) and by the
    crossings on their route, plus the trains the twin does not run (China-Central Asia, China-Mongolia:
    from the timetable) at the crossings; TEU by the region of the far end (simulation.yaml `flows`):
    loaded boxes by their pair, empties by the place the train took them on. A run shorter or longer
    than a year is scaled: count x 365 / days."""
    places = m.network_places
    region_of = m.config.flows.region_of
    regions = [*m.config.flows.regions, m.config.flows.others_region]
    crossing_ids = [c.id for c in m.crossings]
    hub: dict[str, int] = {}
    gateway: dict[str, int] = {}
    teu = dict.fromkeys(regions, 0)
    trains = westbound = total_teu = 0
    for tr in st.trains:
        if tr.cancelled or tr.kind == RELIEF or not w.lo <= tr.dep_h < w.hi:
            continue
        r = tr.route
        trains += 1
        westbound += r.westbound
        total_teu += 2 * (tr.loaded_feu + tr.empties_feu)
        china_end = r.stops[0] if r.westbound else r.stops[-1]
        if places[china_end].country == "CN":
            hub[china_end] = hub.get(china_end, 0) + 1
        for kind, ci in zip(r.leg_kind, r.leg_crossing):
            if kind == CROSS:
                gateway[crossing_ids[ci]] = gateway.get(crossing_ids[ci], 0) + 1
        if tr.empties_feu:
            at = r.stops[r.empties_stop] if r.empties_stop >= 0 else (r.stops[-1] if r.westbound else r.stops[0])
            teu[region_of(places[at].country)] += 2 * tr.empties_feu
    for lot in st.origin_loads:
        if w.lo <= lot.origin_departure_h < w.hi:
            far = st.od_dest[lot.od] if st.od_west[lot.od] else st.od_origin[lot.od]
            teu[region_of(places[far].country)] += 2 * lot.loaded_feu
    others = m.timetable_only_gateway_trains
    all_teu = sum(teu.values())
    return {
        "trains_per_year_by_hub": {h: _per_year(n, w) for h, n in sorted(hub.items(), key=lambda kv: -kv[1])},
        "trains_per_year_by_gateway": {
            c: _per_year(gateway.get(c, 0) + others.get(c, 0), w)
            for c in sorted(set(gateway) | set(others), key=lambda c: -(gateway.get(c, 0) + others.get(c, 0)))
        },
        "timetable_only_trains_per_year_by_gateway": {c: _per_year(n, w) for c, n in others.items()},
        "teu_per_year_by_region": {k: _per_year(v, w) for k, v in teu.items()},
        "teu_share_by_region": {k: round(v / all_teu, 4) if all_teu else None for k, v in teu.items()},
        "westbound_train_share": round(westbound / trains, 4) if trains else None,
        "teu_per_train": round(total_teu / trains, 1) if trains else None,
    }


# ---- assembling ----------------------------------------------------------------------------------------------------
def _monthly_rows(m: PreparedModel, c: _TrainCounts, demand_pm: list[int], e: _Empties) -> list[Row]:
    return [
        {
            "month": label,
            "trains": c.trains[k],
            "teu": c.teu[k],
            "loaded_teu": c.loaded_teu[k],
            "empty_teu": c.empty_teu[k],
            "westbound_trains": c.westbound[k],
            "eastbound_trains": c.eastbound[k],
            "extra_trains": c.extra[k],
            "cancelled_trains": c.cancelled[k],
            "eu_reformed_trains": c.relief[k],
            "demand_feu": demand_pm[k],
            "empties_rail_feu": e.rail_per_month[k],
            "empties_sea_feu": e.sea_per_month[k],
            "empties_cost_usd": e.kpis["cost_usd_per_month"][k],
        }
        for k, label in enumerate(m.months)
    ]


def _summary(
    m: PreparedModel,
    st: NetworkState,
    c: _TrainCounts,
    e: _Empties,
    groups: dict[str, Row],
    bands: dict[str, tuple[float, float, int]],
    demand: Row,
) -> Row:
    """The headline KPIs. Rates come two ways: per calendar month (the mean over the full months of the run,
    None when it has none) and per 30 days (the whole run's total x 30 / its days, for any length)."""
    n_trains = sum(c.trains)
    full = [k for k in range(len(m.months)) if _month_is_full(m, k)]

    def month_mean(xs: Sequence[int], nd: int) -> float | None:
        return round(sum(xs[k] for k in full) / len(full), nd) if full else None

    speed = bands.get("xian-speed-duisburg")
    loaded = e.loaded_westbound + e.loaded_eastbound
    germany = groups.get("China → Germany", {})
    return {
        "cr_express_trains": n_trains,
        "teu": sum(c.teu),
        "simulated_days": m.days,
        "trains_per_month_mean": month_mean(c.trains, 1),
        "teu_per_month_mean": month_mean(c.teu, 0),
        "trains_per_30_days": round(n_trains * 30 / m.days, 1),
        "teu_per_30_days": round(sum(c.teu) * 30 / m.days),
        "teu_per_train": round(sum(c.teu) / n_trains, 1) if n_trains else None,
        "westbound_share_of_loaded_feu": round(e.loaded_westbound / loaded, 3) if loaded else None,
        "china_germany_p50_days": germany.get("p50"),
        "china_germany_p90_days": germany.get("p90"),
        "china_germany_p50_censored": germany.get("p50_censored", False),
        "china_germany_p90_censored": germany.get("p90_censored", False),
        "xian_speed_train_p50_days": _r(speed[0] / 24) if speed else None,
        "xian_speed_train_p90_days": _r(speed[1] / 24) if speed else None,
        "trains_not_arrived": c.not_arrived,
        "trains_stranded": c.stranded,
        "feu_stranded": c.stranded_feu,
        "demand_not_served_feu": demand["not_served_feu"],
        "simulated_events": st.events,
    }


def compute(model: PreparedModel, st: NetworkState, tables: bool = True) -> RunResult:
    """KPIs of a run; with `tables`, also the per-train and per-day tables (the CSV files)."""
    m = model
    w = _window(m, st)
    counts = _count_trains(m, st, w, tables)
    bands, service_rows = _service_bands(m, counts.transit_by_route)
    delivered = _delivered(st, w)
    transit_days, od_rows = _od_transit(m, st, w, delivered)
    demand, demand_pm, not_served = _demand(m, st, w)
    group_stats, samples = _transit_groups(m, delivered, not_served)
    borders, queue_rows = _borders(m, st, w, tables, not_served)
    empties = _empties(m, st, w)
    hubs = _hubs(m, st, w)
    kpis = {
        "generator": "landbridge simulate",
        "scenario": {
            "name": m.scenario.name,
            "description": m.scenario.describe(),
            "sea_to_rail_share": m.sea_shift_share,
        },
        "seed": m.seed,
        "start": m.start.isoformat(),
        "days": m.days,
        "months": m.months,
        "month_days": _month_days(m),
        "trains_per_month": counts.trains,
        "teu_per_month": counts.teu,
        "loaded_teu_per_month": counts.loaded_teu,
        "empty_teu_per_month": counts.empty_teu,
        "westbound_trains_per_month": counts.westbound,
        "eastbound_trains_per_month": counts.eastbound,
        "extra_trains_per_month": counts.extra,
        "cancelled_trains_per_month": counts.cancelled,
        "eu_reformed_trains_per_month": counts.relief,
        "summary": _summary(m, st, counts, empties, group_stats, bands, demand),
        "transit_days": transit_days,
        "transit_groups": group_stats,
        "borders": borders,
        "empties": empties.kpis,
        "hubs": hubs,
        "crossing_throughput": _crossing_throughput(m, st, w, borders),
        "demand": demand,
        "cargo_teu": _cargo_teu(m, empties.loaded_westbound, empties.loaded_eastbound),
        "reforming": _reforming(st, w),
        **_flows(m, st, w),
    }
    tables_out = {
        "movements": train_movements(m, st) if tables else [],
        "monthly": _monthly_rows(m, counts, demand_pm, empties),
        "trains": counts.rows,
        "od_transit": od_rows,
        "border_queues": queue_rows,
        "services": service_rows,
        "hubs": [{"hub": h, **v} for h, v in hubs.items()],
    }
    return RunResult(m.seed, kpis, tables_out, samples, bands, monthly_service_bands(m, st))


def _stamp(days: list[str], hour: float) -> str:
    """UTC time as YYYY-MM-DDTHH:MMZ (hours since the model's hour 0; `days` are the dates of its days)."""
    day = int(hour // 24)
    minutes = round((hour - day * 24) * 60)
    if minutes >= 1440:
        day, minutes = day + 1, minutes - 1440
    return f"{days[day]}T{minutes // 60:02d}:{minutes % 60:02d}Z"


def _month_days(m: PreparedModel) -> list[int]:
    """Days of each reported month inside the run (the per-month lists count only those)."""
    end = m.start + timedelta(days=m.days)
    out = []
    for label in m.months:
        y, mo = map(int, label.split("-"))
        first, nxt = date(y, mo, 1), date(y + (mo // 12), mo % 12 + 1, 1)
        out.append((min(nxt, end) - max(first, m.start)).days)
    return out


def _month_is_full(m: PreparedModel, k: int) -> bool:
    y, mo = map(int, m.months[k].split("-"))
    first = date(y, mo, 1)
    nxt = date(y + (mo // 12), mo % 12 + 1, 1)
    return first >= m.start and nxt <= m.start + timedelta(days=m.days)
