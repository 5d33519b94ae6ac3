"""Per-service transit bands by calendar month of departure: what makes a congested season (the winter
slow-down on the line and at the crossings, a peak month's queues) show in quotes' p50/p90.

`monthly_service_bands` reads a run's trains (those that left in the reported window and arrived); the
runner pools replications and writes the months with enough trains into the bands file (`by_month`).
"""

from __future__ import annotations

import math
from datetime import timedelta

from landbridge.simulation.model import PreparedModel
from landbridge.simulation.state import RELIEF, NetworkState

MonthBands = dict[str, dict[int, tuple[float, float, int]]]  # service id -> month 1-12 -> (p50 h, p90 h, trains)


def monthly_service_bands(m: PreparedModel, st: NetworkState) -> MonthBands:
    """Per service and calendar month of departure: (p50, p90, trains) of the run times of CR Express trains
    (scheduled and extra) that left in the window and arrived."""
    day0 = m.t0.date()
    month_of_day: dict[int, int] = {}
    samples: dict[tuple[str, int], list[float]] = {}
    for tr in st.trains:
        dep, arr = tr.dep_h, tr.arrival_h
        if tr.cancelled or tr.kind == RELIEF or math.isnan(arr) or not m.start_h <= dep < m.end_h:
            continue
        day = int(dep // 24)
        month = month_of_day.get(day)
        if month is None:
            month = month_of_day[day] = (day0 + timedelta(days=day)).month
        samples.setdefault((tr.route.service_id, month), []).append(arr - dep)
    out: MonthBands = {}
    for (sid, month), xs in sorted(samples.items()):
        xs.sort()
        out.setdefault(sid, {})[month] = (linear_quantile(xs, 0.5), linear_quantile(xs, 0.9), len(xs))
    return out


def linear_quantile(xs: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated linearly (numpy's default method; a few microseconds
    for these small samples instead of a numpy call each)."""
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
