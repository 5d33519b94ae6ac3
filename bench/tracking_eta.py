"""Backtest of the predicted arrival: twin runs with seeds the shipped model was not fitted on, every
scheduled train's arrival at its last stop predicted from four positions, against the schedule.

    python bench/tracking_eta.py [--seed 2001 --seed 2002] [--days 365] [--json out.json] [--explain]

Positions: at departure (leaving the origin), at the first border (arriving at the first crossing), at the gauge
change into the EU (westbound trains arriving at the crossing into the EU), and one day before arrival (the
train's latest event at that moment). Estimates: the model's p50 (and its p10-p90 band), the schedule-only
estimate (the event's time + the timetable's remaining hours: what a tracker without a model says), and the
timetable's arrival as published. MAE in hours.

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
    rows: dict[str, list[tuple[float, float, float, float, float, bool]]] = {p: [] for p in POINTS}
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
            before = [o for o in lst if o.at <= arrival - timedelta(hours=24)]
            if before:
                picks["one day before arrival"] = before[-1]
            for point, o in picks.items():
                if o is None:
                    continue
                p10, p50, p90 = model.predict(
                    tt, svc, o.stop, o.kind, last, o.at, o.waiting if o.kind == "ARRI" else None
                )
                actual = (arrival - o.at).total_seconds() / 3600
                sched = tt.remaining_h(svc, o.stop, o.kind, last)
                static = (timetable_arrival - o.at).total_seconds() / 3600
                rows[point].append((actual, p50, sched, static, p10, p90 <= 0 or p10 <= actual <= p90))
    report = {"seeds": seeds, "start": start.isoformat(), "days": days, "model": model.version, "points": {}}
    for point, xs in rows.items():
        if not xs:
            continue
        a = np.asarray([x[:5] for x in xs])
        inside = np.asarray([x[5] for x in xs])
        mae_model = float(np.abs(a[:, 1] - a[:, 0]).mean())
        mae_sched = float(np.abs(a[:, 2] - a[:, 0]).mean())
        mae_static = float(np.abs(a[:, 3] - a[:, 0]).mean())
        report["points"][point] = {
            "trains": len(xs),
            "mae_hours_model_p50": round(mae_model, 1),
            "mae_hours_schedule_only": round(mae_sched, 1),
            "mae_hours_timetable": round(mae_static, 1),
            "error_reduction_vs_schedule_only": round(1 - mae_model / mae_sched, 3),
            "share_inside_p10_p90": round(float(inside.mean()), 3),
        }
    return report


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
    a = ap.parse_args()
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
        f"{'position':28} {'trains':>7} {'model p50':>10} {'schedule':>9} {'timetable':>10} {'better':>7} "
        f"{'in p10-p90':>11}"
    )
    for point, r in rep["points"].items():
        print(
            f"{point:28} {r['trains']:7d} {r['mae_hours_model_p50']:9.1f}h {r['mae_hours_schedule_only']:8.1f}h "
            f"{r['mae_hours_timetable']:9.1f}h {100 * r['error_reduction_vs_schedule_only']:6.0f}% "
            f"{100 * r['share_inside_p10_p90']:10.0f}%"
        )
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rep, f, indent=2)


if __name__ == "__main__":
    main()
