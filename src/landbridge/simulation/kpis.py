"""From what a run recorded to what operators and planners read: KPIs (kpis.json) and tables (CSV)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from landbridge.simulation.model import PreparedModel
from landbridge.simulation.state import KIND_NAMES, RELIEF, NetworkState


@dataclass
class RunResult:
    """One replication: KPIs, tables and the samples charts need. Plain data, cheap to pickle."""

    seed: int
    kpis: dict
    tables: dict[str, list[dict]] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)  # transit days by group, for charts
    service_bands: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # id -> (p50 h, p90 h, n)
    timings: dict[str, float] = field(default_factory=dict)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    if len(values) == 0 or weights.sum() <= 0:
        return [math.nan for _ in qs]
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw = np.cumsum(w)
    total = cw[-1]
    return [float(v[min(len(v) - 1, int(np.searchsorted(cw, q * total, side="left")))]) for q in qs]


def _r(x: float, nd: int = 2):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def compute(model: PreparedModel, st: NetworkState, tables: bool = True) -> RunResult:
    """KPIs of a run; with `tables`, also the per-train and per-day tables (the CSV files)."""
    m = model
    cfg = m.config
    lo, hi = m.start_h, m.end_h
    days = m.days
    n_months = len(m.months)
    month_of_day = m.month_of_day
    places = m.network_places

    def month(h: float) -> int:
        return month_of_day[int(h // 24)]

    last_h = max([hi] + [r[3] for r in st.trains if not math.isnan(r[3])])
    d0 = m.t0.date()
    day_names = [(d0 + _days(k)).isoformat() for k in range(int(last_h // 24) + 2)]

    # ---- trains ------------------------------------------------------------------------------
    trains_pm = [0] * n_months
    teu_pm = [0] * n_months
    loaded_teu_pm = [0] * n_months
    empty_teu_pm = [0] * n_months
    west_pm = [0] * n_months
    east_pm = [0] * n_months
    extra_pm = [0] * n_months
    cancelled_pm = [0] * n_months
    relief_pm = [0] * n_months
    train_rows = []
    transit_by_route: dict[int, list[float]] = {}
    not_arrived = 0
    for ri, kind, dep, arr, loaded, empties, wait, cancelled, tid in st.trains:
        if not lo <= dep < hi:
            continue
        mi = month(dep)
        route = m.routes[ri]
        if cancelled:
            cancelled_pm[mi] += 1
        elif kind == RELIEF:
            relief_pm[mi] += 1
        else:
            trains_pm[mi] += 1
            teu_pm[mi] += 2 * (loaded + empties)
            loaded_teu_pm[mi] += 2 * loaded
            empty_teu_pm[mi] += 2 * empties
            if route.direction == "westbound":
                west_pm[mi] += 1
            else:
                east_pm[mi] += 1
            if kind == 1:
                extra_pm[mi] += 1
            if math.isnan(arr):
                not_arrived += 1
            else:
                transit_by_route.setdefault(ri, []).append(arr - dep)
        if tables:
            train_rows.append(
                {
                    "train": tid,
                    "service": route.service_id,
                    "kind": "cancelled" if cancelled else KIND_NAMES[kind],
                    "direction": route.direction,
                    "departure": _stamp(day_names, dep),
                    "arrival": "" if math.isnan(arr) else _stamp(day_names, arr),
                    "transit_hours": "" if math.isnan(arr) or cancelled else round(arr - dep, 1),
                    "loaded_feu": loaded,
                    "empty_feu": empties,
                    "teu": 2 * (loaded + empties),
                    "border_wait_hours": round(wait, 2),
                }
            )
    train_rows.sort(key=lambda r: (r["departure"], r["train"]))

    service_bands = {}
    service_rows = []
    for ri, xs in sorted(transit_by_route.items()):
        a = np.asarray(xs)
        p50, p90 = np.percentile(a, [50, 90])
        r = m.routes[ri]
        service_bands[r.service_id] = (float(p50), float(p90), len(xs))
        service_rows.append(
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

    # ---- containers: transit per origin-destination pair ----------------------------------------
    if st.deliveries:
        d = np.asarray([(od, n, dep, arr, yard) for od, n, dep, arr, yard in st.deliveries], dtype=float)
        d = d[(d[:, 2] >= lo) & (d[:, 2] < hi)]
    else:
        d = np.zeros((0, 5))
    od_col = d[:, 0].astype(int)
    feu = d[:, 1]
    tdays = (d[:, 3] - d[:, 2]) / 24
    # origin wait: when the boxes loaded were ready (from the cumulative demand), to departure
    wait_sum = np.zeros(len(m.ods))
    wait_w = np.zeros(len(m.ods))
    loads = np.asarray([row for row in st.origin_loads if lo <= row[4] < hi], dtype=float).reshape(-1, 5)
    for key in {(int(od), int(s)) for od, s in loads[:, :2]}:
        od, s = key
        sel = loads[(loads[:, 0] == od) & (loads[:, 1] == s)]
        c = np.asarray(m.cum[od][s], dtype=float)
        mid = sel[:, 2] + sel[:, 3] / 2  # the middle box of each load, by its place in the queue
        day = np.clip(np.searchsorted(c, mid, side="right") - 1, 0, len(c) - 2)
        span = np.maximum(c[day + 1] - c[day], 1)
        ready = (day + (mid - c[day]) / span) * 24 + st.cutoff
        wait_sum[od] += (np.maximum(0.0, sel[:, 4] - ready) * sel[:, 3]).sum()
        wait_w[od] += sel[:, 3].sum()
    transit_days = {}
    od_rows = []
    samples: dict[str, list[float]] = {}
    for o in m.ods:
        mask = od_col == o.index
        key = f"{o.origin}->{o.destination}"
        if not mask.any():
            continue
        p10, p50, p90 = weighted_quantiles(tdays[mask], feu[mask], (0.1, 0.5, 0.9))
        mean = float(np.average(tdays[mask], weights=feu[mask]))
        ow = wait_sum[o.index] / wait_w[o.index] / 24 if wait_w[o.index] else math.nan
        transit_days[key] = {
            "p50": _r(p50),
            "p90": _r(p90),
            "mean": _r(mean),
            "feu": int(feu[mask].sum()),
            "origin_wait_days": _r(ow),
        }
        od_rows.append(
            {
                "origin": o.origin,
                "destination": o.destination,
                "direction": o.direction,
                "feu": int(feu[mask].sum()),
                "p10_days": _r(p10),
                "p50_days": _r(p50),
                "p90_days": _r(p90),
                "mean_days": _r(mean),
                "origin_wait_days": _r(ow),
                "demand_feu_per_week": round(o.feu_per_week + sum(o.dedicated_feu_per_week), 1),
            }
        )

    def group(pred) -> np.ndarray:
        ids = [o.index for o in m.ods if pred(o)]
        return np.isin(od_col, ids)

    groups = {
        "China → Germany": group(lambda o: places[o.origin][1] == "CN" and places[o.destination][1] == "DE"),
        "China → Poland": group(lambda o: places[o.origin][1] == "CN" and places[o.destination][1] == "PL"),
        "Europe → China": group(lambda o: o.direction == "eastbound"),
        "all westbound": group(lambda o: o.direction == "westbound"),
    }
    group_stats = {}
    for name, mask in groups.items():
        if mask.any():
            p50, p90 = weighted_quantiles(tdays[mask], feu[mask], (0.5, 0.9))
            group_stats[name] = {"p50": _r(p50), "p90": _r(p90), "feu": int(feu[mask].sum())}
            # a sample for the charts (repeat by FEU, capped)
            rep = np.repeat(tdays[mask], np.minimum(feu[mask].astype(int), 60))
            samples[name] = np.round(rep[:: max(1, len(rep) // 4000)], 2).tolist()

    # ---- border crossings ---------------------------------------------------------------------
    borders = {}
    queue_rows = []
    grid = np.arange(lo, hi, 1.0)
    window = hi - lo
    for c, rows in zip(m.crossings, st.crossing_log):
        if not rows:
            continue
        a = np.asarray(rows, dtype=float)
        arr, start, end = a[:, 0], a[:, 1], a[:, 2]
        in_win = (arr >= lo) & (arr < hi)
        stuck = np.isnan(start)
        waits = np.where(stuck, hi - arr, start - arr)[in_win]
        busy = np.clip(np.minimum(end[~stuck], hi) - np.maximum(start[~stuck], lo), 0, None).sum()
        util = busy / (max(c.tracks, 1) * window) if c.tracks else 1.0
        if not in_win.any():
            continue
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
            "westbound_trains": int((a[:, 3][in_win] > 0).sum()),
            "did_not_get_through": int(stuck[in_win].sum()),
        }
        # queue (trains waiting for a track) by hour -> daily max and mean
        arr_sorted = np.sort(arr)
        start_sorted = np.sort(np.where(stuck, np.inf, start))
        q = np.searchsorted(arr_sorted, grid, side="right") - np.searchsorted(start_sorted, grid, side="right")
        qd = q[: days * 24].reshape(days, 24)
        day_of = ((arr[in_win] - lo) // 24).astype(int)
        wsum = np.bincount(day_of, weights=waits, minlength=days)[:days]
        wcnt = np.bincount(day_of, minlength=days)[:days]
        borders[c.id]["max_queue_trains"] = int(q.max()) if len(q) else 0
        for k in range(days if tables else 0):
            queue_rows.append(
                {
                    "crossing": c.id,
                    "date": day_names[int(lo // 24) + k],
                    "arrivals": int(wcnt[k]),
                    "mean_wait_hours": round(float(wsum[k] / wcnt[k]), 2) if wcnt[k] else 0.0,
                    "max_queue_trains": int(qd[k].max()),
                    "mean_queue_trains": round(float(qd[k].mean()), 2),
                }
            )

    # ---- empties -------------------------------------------------------------------------------
    e_cfg = cfg.empties
    rail_e = sum(n for t, _, n in st.empties_rail if lo <= t < hi)
    sea_e = sum(n for t, _, n in st.empties_sea if lo <= t < hi)
    rail_pm = [0] * n_months
    sea_pm = [0] * n_months
    for t, _, n in st.empties_rail:
        if lo <= t < hi:
            rail_pm[month(t)] += n
    for t, _, n in st.empties_sea:
        if lo <= t < hi:
            sea_pm[month(t)] += n
    lift = e_cfg.handling_usd_per_lift * 2
    cost = rail_e * (e_cfg.rail_usd_per_feu + lift) + sea_e * (e_cfg.sea_usd_per_feu + lift)
    loaded_w = sum(n for od, s, f, n, t in st.origin_loads if lo <= t < hi and st.od_west[od])
    loaded_e = sum(n for od, s, f, n, t in st.origin_loads if lo <= t < hi and not st.od_west[od])
    empties = {
        "by_rail_feu": int(rail_e),
        "by_sea_feu": int(sea_e),
        "cost_usd": round(cost),
        "imbalance_feu": int(loaded_w - loaded_e),
        "boxes_supplied_in_china_feu": china_box_supply(st, lo, hi),
        "cost_usd_per_month": [
            round(r * (e_cfg.rail_usd_per_feu + lift) + s * (e_cfg.sea_usd_per_feu + lift))
            for r, s in zip(rail_pm, sea_pm)
        ],
    }

    # ---- hubs (tonnes through Chinese hubs and crossings against capacity) -------------------------
    mass = m.mass_t_per_feu
    hub_t: dict[str, float] = {}
    hub_feu: dict[str, int] = {}
    for od, s, first, n, t in st.origin_loads:
        if lo <= t < hi and st.od_west[od]:
            h = st.od_origin[od]
            hub_t[h] = hub_t.get(h, 0.0) + n * mass["westbound"]
            hub_feu[h] = hub_feu.get(h, 0) + n
    for od, n, dep, arr, yard in st.deliveries:
        if lo <= dep < hi and not st.od_west[od]:
            h = st.od_dest[od]
            hub_t[h] = hub_t.get(h, 0.0) + n * mass["eastbound"]
            hub_feu[h] = hub_feu.get(h, 0) + n
    year_factor = 365.0 / days
    hubs = {}
    for h in sorted(hub_t, key=lambda k: -hub_t[k]):
        cap = cfg.hubs.capacity_mt_per_year.get(h)
        mt = hub_t[h] * year_factor / 1e6
        hubs[h] = {
            "name": places[h][0],
            "loaded_feu": hub_feu[h],
            "mt_per_year": round(mt, 3),
            "capacity_mt_per_year": cap,
            "utilisation": round(mt / cap, 4) if cap else None,
        }
    crossing_mt = {}
    for cid, cap in cfg.hubs.crossing_capacity_mt_per_year.items():
        b = borders.get(cid)
        if b is None:
            continue
        # loaded boxes only: westbound trains carry loaded boxes; eastbound a mix of loaded and empty
        tonnes = (
            b["westbound_trains"] * _mean_load(st, m, "westbound") * mass["westbound"]
            + (b["trains"] - b["westbound_trains"]) * _mean_load(st, m, "eastbound") * mass["eastbound"]
        )
        mt = tonnes * year_factor / 1e6
        crossing_mt[cid] = {"mt_per_year": round(mt, 2), "capacity_mt_per_year": cap, "utilisation": round(mt / cap, 3)}

    # ---- demand and cargo mix ------------------------------------------------------------------------
    d_lo, d_hi = int(lo // 24), int(hi // 24)
    demand = {"westbound": 0, "eastbound": 0}
    demand_pm = [0] * n_months
    backlog = 0
    unserved = 0
    for o in m.ods:
        for s in range(3):
            c = m.cum[o.index][s]
            demand[o.direction] += c[min(d_hi, len(c) - 1)] - c[d_lo]
            for k in range(d_lo, min(d_hi, len(c) - 1)):
                demand_pm[month_of_day[k]] += c[k + 1] - c[k]
            left = st.ready(o.index, s, hi) - st.taken[o.index][s]
            if o.index in m.unserved_ods:
                unserved += c[min(d_hi, len(c) - 1)] - c[d_lo]
            else:
                backlog += max(0, left)
    cargo_teu: dict[str, float] = {}
    for direction, loaded in (("westbound", loaded_w), ("eastbound", loaded_e)):
        for cargo, share in m.od_cargo_mix[direction].items():
            cargo_teu[cargo] = cargo_teu.get(cargo, 0.0) + 2 * loaded * share

    reformed = [(t_out - t_in, n) for t_in, t_out, n in st.yard_log if lo <= t_in < hi]
    yard_feu = sum(n for _, n in reformed)
    yard_wait = sum(w * n for w, n in reformed) / yard_feu if yard_feu else 0.0

    n_trains = sum(trains_pm)
    full = [k for k in range(n_months) if _month_is_full(m, k)]
    mean_of = (lambda xs: sum(xs[k] for k in full) / len(full)) if full else (lambda xs: sum(xs) / max(1, len(xs)))
    speed = service_bands.get("xian-speed-duisburg")
    kpis = {
        "generator": "landbridge simulate",
        "scenario": {
            "name": m.scenario.name,
            "description": m.scenario.describe(),
            "sea_to_rail_share": m.sea_shift_share,
        },
        "seed": m.seed,
        "start": m.start.isoformat(),
        "days": days,
        "months": m.months,
        "trains_per_month": trains_pm,
        "teu_per_month": teu_pm,
        "loaded_teu_per_month": loaded_teu_pm,
        "empty_teu_per_month": empty_teu_pm,
        "westbound_trains_per_month": west_pm,
        "eastbound_trains_per_month": east_pm,
        "extra_trains_per_month": extra_pm,
        "cancelled_trains_per_month": cancelled_pm,
        "eu_reformed_trains_per_month": relief_pm,
        "summary": {
            "cr_express_trains": n_trains,
            "teu": sum(teu_pm),
            "trains_per_month_mean": round(mean_of(trains_pm), 1),
            "teu_per_month_mean": round(mean_of(teu_pm)),
            "teu_per_train": round(sum(teu_pm) / n_trains, 1) if n_trains else None,
            "westbound_share_of_loaded_feu": round(loaded_w / (loaded_w + loaded_e), 3)
            if loaded_w + loaded_e
            else None,
            "china_germany_p50_days": group_stats.get("China → Germany", {}).get("p50"),
            "china_germany_p90_days": group_stats.get("China → Germany", {}).get("p90"),
            "xian_speed_train_p50_days": _r(speed[0] / 24) if speed else None,
            "xian_speed_train_p90_days": _r(speed[1] / 24) if speed else None,
            "trains_not_arrived": not_arrived,
            "simulated_events": st.events,
        },
        "transit_days": transit_days,
        "transit_groups": group_stats,
        "borders": borders,
        "empties": empties,
        "hubs": hubs,
        "crossing_throughput": crossing_mt,
        "demand": {
            "generated_feu": demand,
            "per_month_feu": demand_pm,
            "backlog_feu_at_end": int(backlog),
            "unserved_feu": int(unserved),
        },
        "cargo_teu": {k: round(v) for k, v in sorted(cargo_teu.items(), key=lambda kv: -kv[1])},
        "reforming": {"feu_through_yards": int(yard_feu), "mean_yard_wait_hours": round(yard_wait, 1)},
    }
    monthly = []
    for k, label in enumerate(m.months):
        monthly.append(
            {
                "month": label,
                "trains": trains_pm[k],
                "teu": teu_pm[k],
                "loaded_teu": loaded_teu_pm[k],
                "empty_teu": empty_teu_pm[k],
                "westbound_trains": west_pm[k],
                "eastbound_trains": east_pm[k],
                "extra_trains": extra_pm[k],
                "cancelled_trains": cancelled_pm[k],
                "eu_reformed_trains": relief_pm[k],
                "demand_feu": demand_pm[k],
                "empties_rail_feu": rail_pm[k],
                "empties_sea_feu": sea_pm[k],
                "empties_cost_usd": empties["cost_usd_per_month"][k],
            }
        )
    hub_rows = [{"hub": h, **v} for h, v in hubs.items()]
    from landbridge.simulation.movements import train_movements

    tables = {
        "movements": train_movements(m, st) if tables else [],
        "monthly": monthly,
        "trains": train_rows,
        "od_transit": od_rows,
        "border_queues": queue_rows,
        "services": service_rows,
        "hubs": hub_rows,
    }
    return RunResult(m.seed, kpis, tables, samples, service_bands)


def china_box_supply(st: NetworkState, lo: float, hi: float) -> int:
    """Boxes the westbound flow needed in China beyond those that came back by rail (loaded or empty):
    per hub, a pool filled by eastbound arrivals and drawn by westbound loads, counting the shortfalls."""
    events: dict[str, list[tuple[float, int]]] = {}
    for od, s, first, n, t in st.origin_loads:
        if st.od_west[od]:
            events.setdefault(st.od_origin[od], []).append((t, -n))
    for od, n, dep, arr, yard in st.deliveries:
        if not st.od_west[od]:
            events.setdefault(st.od_dest[od], []).append((arr, n))
    for t, hub, n in st.empties_arrived:
        events.setdefault(hub, []).append((t, n))
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


def _stamp(days: list[str], hour: float) -> str:
    """UTC time as YYYY-MM-DDTHH:MMZ (hours since the model's hour 0; `days` are the dates of its days)."""
    day = int(hour // 24)
    minutes = int(round((hour - day * 24) * 60))
    if minutes >= 1440:
        day, minutes = day + 1, minutes - 1440
    return f"{days[day]}T{minutes // 60:02d}:{minutes % 60:02d}Z"


def _days(k: int):
    from datetime import timedelta

    return timedelta(days=k)


def _month_is_full(m: PreparedModel, k: int) -> bool:
    from datetime import date, timedelta

    y, mo = map(int, m.months[k].split("-"))
    first = date(y, mo, 1)
    nxt = date(y + (mo // 12), mo % 12 + 1, 1)
    return first >= m.start and nxt <= m.start + timedelta(days=m.days)


def _mean_load(st: NetworkState, m: PreparedModel, direction: str) -> float:
    rows = [r for r in st.trains if not r[7] and r[1] != RELIEF and m.routes[r[0]].direction == direction]
    return sum(r[4] for r in rows) / len(rows) if rows else 0.0
