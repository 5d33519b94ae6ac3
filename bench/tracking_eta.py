"""Backtest of the predicted arrival: twin runs with seeds the shipped model was not fitted on, every
scheduled train's arrival at its last stop predicted from four positions, against the schedule.

    python bench/tracking_eta.py [--seed 2001 --seed 2002] [--days 365] [--json out.json]

Positions: at departure (leaving the origin), at the first border (arriving at the first crossing), at the gauge
change into the EU (westbound trains arriving at the crossing into the EU), and one day before arrival (the
train's latest event at that moment). Estimates: the model's p50 (and its p10-p90 band), the schedule-only
estimate (the event's time + the timetable's remaining hours: what a tracker without a model says), and the
timetable's arrival as published. MAE in hours.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, action="append", help="test seeds (default 2001, 2002)")
    ap.add_argument("--start", default="2026-01-01")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--json")
    a = ap.parse_args()
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
