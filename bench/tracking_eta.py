"""Backtest of the predicted arrival: twin runs with seeds the shipped model was not fitted on, every
scheduled train's arrival at its last stop predicted from four positions, against the schedule.

    python bench/tracking_eta.py [--seed 2001 --seed 2002] [--days 365] [--json out.json] [--explain]

Positions: at departure (leaving the origin), at the first border (arriving at the first crossing), at the gauge
change into the EU (westbound trains arriving at the crossing into the EU), and one day before arrival (the
train's latest event at that moment). Estimates: the model's p50 (and its p10-p90 band), the schedule-only
estimate (the event's time + the timetable's remaining hours: what a tracker without a model says), and the
timetable's arrival as published. MAE in hours.

`--oracle`: the bound by construction at the gauge change into the EU and a day before arrival: the p50 of the
twin's own distribution of the remaining time, sampled from its noise model (the run's winter and shortage
factors, the train's actual queue waits, and a day before arrival the train's next event not yet come), against
the model and the schedule-only estimates on the same trains.

`--explain`: at the gauge change into the EU, where the remaining time goes (the wait for a transshipment track,
the crossing section: processing and the run to the next stop, the rest of the way) and how the model's error
correlates with what is known at that moment (trains waiting there, trains being processed, lateness so far,
hour, weekday): what a better feature would have to predict.
"""

from __future__ import annotations

import argparse
import bisect
import json
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from landbridge.tracking.fitting import twin_movements
from landbridge.tracking.predictor import Timetables, load_model, observations

POINTS = ("departure", "first border", "gauge change into the EU", "one day before arrival")


def crossing_into_eu(tt: Timetables, places, service: str) -> int | None:
    """The stop where a train reaches the crossing whose far side is in the EU (westbound), if any."""
    stops = tt.stops[service]
    for k in sorted(tt.crossing_entry[service]):
        a, b = places[stops[k]], places[stops[k + 1]]
        if a.gauge_mm == 1520 and b.gauge_mm == 1435 and b.country not in ("CN",):
            return k
    return None


def backtest(seeds: list[int], start: date, days: int) -> dict:
    from landbridge.world import load_world

    w = load_world()
    tt = Timetables.from_timetable(w.timetable)
    model = load_model()
    fitted = set(model.meta.get("seeds", []))
    if fitted & set(seeds):
        raise SystemExit(f"seeds {sorted(fitted & set(seeds))} were used to fit the model; pick others")
    rows: dict[str, list[tuple[float, float, float, float, float, float, bool]]] = {p: [] for p in POINTS}
    region = destination_regions(w)
    by_region: dict[str, list[tuple[float, float, float, float, float, float, bool]]] = {}
    for seed in seeds:
        mv = twin_movements(seed, start, days)
        obs = observations((dict(r, train=f"s{seed}:{r['train']}") for r in mv), tt)
        sched_dep = {}
        for r in mv:
            if int(r["stop"]) == 0:
                sched_dep[(r["service"], r["departure"], seed)] = r["departure"]
        by_train: dict[tuple, list] = {}
        for o in obs:
            last = len(tt.stops[o.service]) - 1
            if last not in o.arrivals:
                continue
            by_train.setdefault((o.service, o.arrivals[last]), []).append(o)
        for (svc, arrival), lst in by_train.items():
            last = len(tt.stops[svc]) - 1
            lst.sort(key=lambda o: (o.at, o.kind == "DEPA"))
            dep0 = next((o for o in lst if o.stop == 0 and o.kind == "DEPA"), None)
            if dep0 is None:
                continue
            timetable_arrival = dep0.at + timedelta(hours=tt.arrive_h[svc][last])
            picks = {"departure": dep0}
            cx = sorted(tt.crossing_entry[svc])
            if cx:
                picks["first border"] = next((o for o in lst if o.stop == cx[0] and o.kind == "ARRI"), None)
            eu = crossing_into_eu(tt, w.network.places, svc)
            if eu is not None:
                picks["gauge change into the EU"] = next((o for o in lst if o.stop == eu and o.kind == "ARRI"), None)
            asked = arrival - timedelta(hours=24)
            before = [o for o in lst if o.at <= asked]
            if before:
                picks["one day before arrival"] = before[-1]
            for point, o in picks.items():
                if o is None:
                    continue
                # asked at the event itself, except a day before arrival: then the train's latest event may be
                # days old, and the served answer knows its next one has not come yet (and so does "now")
                elapsed = (asked - o.at).total_seconds() / 3600 if point == "one day before arrival" else 0.0
                p10, p50, p90 = model.predict(
                    tt, svc, o.stop, o.kind, last, o.at, o.waiting if o.kind == "ARRI" else None, elapsed
                )
                actual = (arrival - o.at).total_seconds() / 3600
                sched = tt.remaining_h(svc, o.stop, o.kind, last)
                static = (timetable_arrival - o.at).total_seconds() / 3600
                inside = p90 <= 0 or p10 <= actual <= p90
                rows[point].append((actual, p50, sched, max(sched, elapsed), static, p10, inside))
                if point == "one day before arrival":
                    by_region.setdefault(region(tt.stops[svc][last]), []).append(rows[point][-1])
    report = {"seeds": seeds, "start": start.isoformat(), "days": days, "model": model.version, "points": {}}
    report["points"] = {point: _scores(xs) for point, xs in rows.items() if xs}
    report["one_day_before_by_destination"] = {
        r: _scores(xs) for r, xs in sorted(by_region.items(), key=lambda kv: -len(kv[1]))
    }
    return report


def destination_regions(w: Any) -> Any:
    """A place's region for the per-destination breakdown: China, or simulation.yaml's flow regions (the EU;
    Russia, Belarus, Central Asia and Mongolia), else other."""
    from landbridge.simulation.config import simulation_config

    regions = simulation_config(None).flows.regions

    def region(place: str) -> str:
        country = w.network.places[place].country
        if country == "CN":
            return "china"
        return next((name for name, countries in regions.items() if country in countries), "other")

    return region


def _scores(xs: list[tuple[float, float, float, float, float, float, bool]]) -> dict[str, Any]:
    a = np.asarray([x[:6] for x in xs])
    inside = np.asarray([x[6] for x in xs])
    mae_model = float(np.abs(a[:, 1] - a[:, 0]).mean())
    mae_sched = float(np.abs(a[:, 2] - a[:, 0]).mean())
    mae_sched_now = float(np.abs(a[:, 3] - a[:, 0]).mean())
    mae_static = float(np.abs(a[:, 4] - a[:, 0]).mean())
    return {
        "trains": len(xs),
        "mae_hours_model_p50": round(mae_model, 1),
        "mae_hours_schedule_only": round(mae_sched, 1),
        "mae_hours_schedule_only_not_before_now": round(mae_sched_now, 1),
        "mae_hours_timetable": round(mae_static, 1),
        "error_reduction_vs_schedule_only": round(1 - mae_model / mae_sched, 3),
        "error_reduction_vs_schedule_only_not_before_now": round(1 - mae_model / mae_sched_now, 3),
        "share_inside_p10_p90": round(float(inside.mean()), 3),
    }


ORACLE_SAMPLES = 1000


def _intervals(route: Any, stops: dict[int, dict[str, Any]]) -> list[tuple[tuple[str, int], list[int], float]]:
    """A twin train's events in order ((kind, stop)), each with the legs (indexes) that make the time to the next
    event and the known queue hours in it: after ARRI k the dwell (and the wait for a track where a crossing starts
    the section), after DEPA k the section's running and crossing legs."""
    from landbridge.simulation.routes import CROSS, DWELL, RUN

    legs, last = route.legs, len(route.stops) - 1
    section = {
        k: [i for i, leg in enumerate(legs) if leg.kind in (RUN, CROSS) and leg.stop == k + 1] for k in range(last)
    }
    dwell = {leg.stop: i for i, leg in enumerate(legs) if leg.kind == DWELL}
    out: list[tuple[tuple[str, int], list[int], float]] = []
    for k in range(last):
        wait = float(stops[k]["wait_hours"]) if k in stops else 0.0
        at_stop = bool(section[k]) and legs[section[k][0]].kind == CROSS  # the train waits at the stop
        if k > 0:
            out.append((("ARRI", k), [dwell[k]] if k in dwell else [], wait if at_stop else 0.0))
        out.append((("DEPA", k), section[k], 0.0 if at_stop else wait))
    return out


def oracle(seeds: list[int], start: date, days: int) -> dict[str, Any]:
    """MAE of the oracle's p50 (see the module's doc) and, on the same trains, of the model and the schedule-only
    estimates, at the gauge change into the EU and a day before arrival."""
    from landbridge.simulation.model import prepare
    from landbridge.simulation.routes import CROSS
    from landbridge.world import load_world

    w = load_world()
    tt = Timetables.from_timetable(w.timetable)
    model = load_model()
    rng = np.random.default_rng(7)
    region = destination_regions(w)
    rows: dict[str, list[tuple[float, float, float, float, float, bool]]] = {POINTS[2]: [], POINTS[3]: []}
    for seed in seeds:
        m = prepare(start=start, days=days, seed=seed)
        winter = np.asarray(m.winter)
        proc = np.asarray([c.processing_hours for c in m.crossings])
        mv = twin_movements(seed, start, days)
        trains: dict[int, dict[int, dict[str, Any]]] = {}
        arrive: dict[str, list[datetime]] = {}
        began: dict[str, list[datetime]] = {}
        for r in mv:
            trains.setdefault(int(r["train"]), {})[int(r["stop"])] = r
        for tid, stops in trains.items():
            svc = m.routes[m.departures[tid].route].service_id
            for k in tt.crossing_entry.get(svc, ()):
                r = stops.get(k)
                if r and r["arrival"] and r["departure_at"]:
                    arrive.setdefault(r["place"], []).append(_iso(r["arrival"]))
                    began.setdefault(r["place"], []).append(_iso(r["departure_at"]))
        for v in (*arrive.values(), *began.values()):
            v.sort()
        for tid, stops in trains.items():
            dep_h, route_index = m.departures[tid]
            route = m.routes[route_index]
            svc, last = route.service_id, len(route.stops) - 1
            if svc not in tt.stops or last not in stops or not stops[last]["arrival"]:
                continue
            ivs = _intervals(route, stops)
            cross = [i for i, leg in enumerate(route.legs) if leg.kind == CROSS]

            actual_h = _lengths(np.asarray([m.train_hours[tid]]), ivs, cross, route.legs, proc)[0]
            t_dep, arrival = _iso(stops[0]["departure_at"]), _iso(stops[last]["arrival"])
            at = [t_dep + timedelta(hours=float(x)) for x in np.concatenate(([0.0], np.cumsum(actual_h)))]
            if abs((at[-1] - arrival).total_seconds()) > 60:  # wait_hours are rounded to 3.6 s
                raise SystemExit(f"seed {seed} train {tid}: its legs do not add up to its arrival")
            drawn, _ = route.draw_trains(
                rng.standard_normal((ORACLE_SAMPLES, route.n_legs)), np.full(ORACLE_SAMPLES, dep_h), winter
            )
            sampled = _lengths(drawn, ivs, cross, route.legs, proc)
            eu = crossing_into_eu(tt, w.network.places, svc)
            if eu is not None:
                j = next(i for i, x in enumerate(ivs) if x[0] == ("ARRI", eu))
                place = route.stops[eu]
                waiting = max(0, bisect.bisect_left(arrive[place], at[j]) - bisect.bisect_right(began[place], at[j]))
                rows[POINTS[2]].append(
                    _oracle_row(
                        model, tt, svc, eu, "ARRI", last, at[j], waiting, 0.0, sampled[:, j:].sum(axis=1), arrival
                    )
                )
            asked = arrival - timedelta(hours=24)
            j = max((i for i, t in enumerate(at[:-1]) if t <= asked), default=None)
            if j is None:
                continue
            (kind, k), elapsed = ivs[j][0], (asked - at[j]).total_seconds() / 3600
            alive = sampled[:, j] > elapsed  # its next event has not come: the train is still on this interval
            rest = sampled[alive, j:].sum(axis=1) if alive.any() else np.asarray([sampled[:, j].max()])
            rows[POINTS[3]].append(_oracle_row(model, tt, svc, k, kind, last, at[j], None, elapsed, rest, arrival))
            rows.setdefault(f"{POINTS[3]}, to {region(route.stops[last])}", []).append(rows[POINTS[3]][-1])
    out: dict[str, Any] = {"seeds": seeds, "samples": ORACLE_SAMPLES, "points": {}}
    for point, xs in rows.items():
        out["points"][point] = _oracle_scores(xs)
    return out


def _oracle_scores(xs: list[tuple[float, float, float, float, float, bool]]) -> dict[str, Any]:
    a = np.asarray([x[:5] for x in xs])
    mae = {
        name: float(np.abs(a[:, i] - a[:, 0]).mean())
        for i, name in enumerate(("", "oracle", "model", "schedule_only", "schedule_only_not_before_now"))
        if i
    }
    return {
        "trains": len(xs),
        **{f"mae_hours_{k}": round(v, 1) for k, v in mae.items()},
        "oracle_vs_schedule_only": round(1 - mae["oracle"] / mae["schedule_only"], 3),
        "oracle_vs_schedule_only_not_before_now": round(1 - mae["oracle"] / mae["schedule_only_not_before_now"], 3),
        "oracle_share_inside_p10_p90": round(float(np.mean([x[5] for x in xs])), 3),
    }


def _lengths(drawn: Any, ivs: list[Any], cross: list[int], legs: list[Any], proc: Any) -> Any:
    """Hours of each interval (columns) for rows of drawn legs: crossings' factors times their processing hours."""
    drawn = drawn.copy()
    for i in cross:
        drawn[:, i] *= proc[legs[i].crossing]
    return np.stack([drawn[:, li].sum(axis=1) + fixed for _e, li, fixed in ivs], axis=1)


def _oracle_row(
    model: Any,
    tt: Timetables,
    svc: str,
    stop: int,
    kind: str,
    last: int,
    at: datetime,
    waiting: int | None,
    elapsed: float,
    rest: Any,
    arrival: datetime,
) -> tuple[float, float, float, float, float, bool]:
    """(actual, oracle p50, model p50, schedule-only, schedule-only not before now, actual inside the oracle's
    p10-p90), hours from the event."""
    actual = (arrival - at).total_seconds() / 3600
    q10, q50, q90 = (float(x) for x in np.quantile(rest, (0.1, 0.5, 0.9)))
    p50 = model.predict(tt, svc, stop, kind, last, at, waiting, elapsed)[1]
    sched = tt.remaining_h(svc, stop, kind, last)
    return actual, q50, p50, sched, max(sched, elapsed), q10 <= actual <= q90


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def explain_eu(seeds: list[int], start: date, days: int) -> dict[str, Any]:
    """At the gauge change into the EU (a westbound train arriving at the crossing): the parts of the remaining
    time (mean, sd, correlation with the model's p50 error) and the correlation of that error with what is
    known when the train arrives."""
    from landbridge.world import load_world

    def _parse(text: str) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    w = load_world()
    tt = Timetables.from_timetable(w.timetable)
    model = load_model()
    rows: list[dict[str, float]] = []
    for seed in seeds:
        trains: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        for r in twin_movements(seed, start, days):
            if r["service"] in tt.stops:
                trains.setdefault((r["train"], r["service"]), {})[int(r["stop"])] = r
        arrive: dict[str, list[Any]] = {}
        start_at: dict[str, list[Any]] = {}
        busy: dict[str, list[tuple[Any, Any]]] = {}  # (start of processing, arrival at the next stop) per crossing
        for (_t, svc), stops in trains.items():
            for k in tt.crossing_entry[svc]:
                r, nxt = stops.get(k), stops.get(k + 1)
                if r and r["arrival"] and r["departure_at"]:
                    arrive.setdefault(r["place"], []).append(_parse(r["arrival"]))
                    start_at.setdefault(r["place"], []).append(_parse(r["departure_at"]))
                    if nxt and nxt["arrival"]:
                        busy.setdefault(r["place"], []).append((_parse(r["departure_at"]), _parse(nxt["arrival"])))
        for v in (*arrive.values(), *start_at.values()):
            v.sort()
        for (_t, svc), stops in trains.items():
            eu, last = crossing_into_eu(tt, w.network.places, svc), len(tt.stops[svc]) - 1
            need = (0, eu, None if eu is None else eu + 1, last)
            if eu is None or any(k not in stops for k in need) or not stops[last]["arrival"]:
                continue
            r = stops[eu]
            at, began = _parse(r["arrival"]), _parse(r["departure_at"])
            nxt, end, dep0 = (
                _parse(stops[eu + 1]["arrival"]),
                _parse(stops[last]["arrival"]),
                _parse(stops[0]["departure_at"]),
            )
            if None in (at, began, nxt, end, dep0):
                continue
            place = r["place"]
            waiting = max(0, bisect.bisect_left(arrive[place], at) - bisect.bisect_right(start_at[place], at))
            p50 = model.predict(tt, svc, eu, "ARRI", last, at, waiting)[1]
            actual = (end - at).total_seconds() / 3600
            rows.append(
                {
                    "error": actual - p50,
                    "wait for a track": (began - at).total_seconds() / 3600,
                    "crossing section": (nxt - began).total_seconds() / 3600,
                    "rest of the way": (end - nxt).total_seconds() / 3600,
                    "trains waiting": waiting,
                    "trains being processed": sum(1 for b, e in busy.get(place, ()) if b <= at < e),
                    "hours late so far": (at - dep0).total_seconds() / 3600 - tt.arrive_h[svc][eu],
                    "hour of arrival": at.hour,
                    "weekday": at.weekday(),
                }
            )
    err = np.asarray([x["error"] for x in rows])
    out: dict[str, Any] = {"trains": len(rows), "mae_hours_model_p50": round(float(np.abs(err).mean()), 1), "parts": {}}
    names = [k for k in rows[0] if k != "error"] if rows else []
    for name in names:
        x = np.asarray([r[name] for r in rows], dtype=float)
        corr = float(np.corrcoef(x, err)[0, 1]) if x.std() > 0 else 0.0
        out["parts"][name] = {
            "mean": round(float(x.mean()), 1),
            "sd": round(float(x.std()), 1),
            "corr_with_error": round(corr, 3),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", help="test seeds (default 2001, 2002)")
    ap.add_argument("--start", default="2026-01-01")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--json")
    ap.add_argument("--explain", action="store_true", help="where the error at the gauge change into the EU comes from")
    ap.add_argument("--oracle", action="store_true", help="the best p50 by construction, from the twin's own noise")
    a = ap.parse_args()
    if a.oracle:
        orc = oracle(a.seed or [2001, 2002], date.fromisoformat(a.start), a.days)
        print(f"oracle ({orc['samples']} samples a train), test seeds {orc['seeds']}; MAE of the p50 in hours")
        print(
            f"{'position':58} {'trains':>7} {'oracle':>7} {'model':>6} {'schedule':>9} {'sched>=now':>10} "
            f"{'oracle better':>14}"
        )
        for point, r in orc["points"].items():
            print(
                f"{point:50} {r['trains']:7d} {r['mae_hours_oracle']:7.1f} {r['mae_hours_model']:6.1f} "
                f"{r['mae_hours_schedule_only']:9.1f} {r['mae_hours_schedule_only_not_before_now']:10.1f} "
                f"{100 * r['oracle_vs_schedule_only']:5.0f}% / "
                f"{100 * r['oracle_vs_schedule_only_not_before_now']:3.0f}%"
            )
        if a.json:
            with open(a.json, "w") as f:
                json.dump(orc, f, indent=2)
        return
    if a.explain:
        ex = explain_eu(a.seed or [2001, 2002], date.fromisoformat(a.start), a.days)
        print(f"gauge change into the EU: {ex['trains']:,} trains, model p50 MAE {ex['mae_hours_model_p50']} h")
        print(f"{'':26} {'mean h':>7} {'sd h':>6} {'corr with p50 error':>20}")
        for name, r in ex["parts"].items():
            print(f"{name:26} {r['mean']:7.1f} {r['sd']:6.1f} {r['corr_with_error']:+20.3f}")
        return
    rep = backtest(a.seed or [2001, 2002], date.fromisoformat(a.start), a.days)
    print(f"model {rep['model']}, test seeds {rep['seeds']}, {rep['days']} days from {rep['start']}")
    print(
        f"{'position':28} {'trains':>7} {'model p50':>10} {'schedule':>9} {'sched>=now':>10} {'timetable':>10} "
        f"{'better':>7} {'vs >=now':>8} {'in p10-p90':>11}"
    )
    for point, r in rep["points"].items():
        print(
            f"{point:28} {r['trains']:7d} {r['mae_hours_model_p50']:9.1f}h {r['mae_hours_schedule_only']:8.1f}h "
            f"{r['mae_hours_schedule_only_not_before_now']:9.1f}h {r['mae_hours_timetable']:9.1f}h "
            f"{100 * r['error_reduction_vs_schedule_only']:6.0f}% "
            f"{100 * r['error_reduction_vs_schedule_only_not_before_now']:7.0f}% "
            f"{100 * r['share_inside_p10_p90']:10.0f}%"
        )
    print("one day before arrival, by destination:")
    for name, r in rep["one_day_before_by_destination"].items():
        print(
            f"  {name:26} {r['trains']:7d} {r['mae_hours_model_p50']:9.1f}h {r['mae_hours_schedule_only']:8.1f}h "
            f"{r['mae_hours_schedule_only_not_before_now']:9.1f}h {r['mae_hours_timetable']:9.1f}h "
            f"{100 * r['error_reduction_vs_schedule_only']:6.0f}% "
            f"{100 * r['error_reduction_vs_schedule_only_not_before_now']:7.0f}% "
            f"{100 * r['share_inside_p10_p90']:10.0f}%"
        )
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rep, f, indent=2)


if __name__ == "__main__":
    main()
