"""Predicted arrival of a train at a stop, from its latest actual event: p10, p50 and p90 of the remaining hours.

The model is learned from train movements — the digital twin's runs (movements.csv) and, when there are any,
recorded actual events — and shipped as a versioned data file (`data/eta_model.json`, rebuilt only by
`landbridge ops eta-fit`, which records its seeds and inputs in the file). Plain Python and numpy: no database.

What it learns, per service, position (a stop and whether the train arrived there or left it), target stop and
season (winter months, when the twin's 1520 mm and Chinese sections run slower): the quantiles of the remaining
time minus the timetable's remaining time — the delay still to come from running, dwelling and re-forming on
the rest of the route. For a train standing at a crossing it adds the queue: per crossing, the extra hours per
train found waiting there (least squares over the training runs), applied to the trains waiting now.
Positions not seen in training fall back to the same position in any season, then to a share of the remaining
timetable hours.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from landbridge.timetable.builder import Timetable

MODEL_FILE = "eta_model.json"
QUANTILES = (0.1, 0.5, 0.9)
MIN_SAMPLES = 12
FALLBACK_BAND = (-0.05, 0.10, 0.30)  # share of the remaining timetable hours, when a position was never seen


def season_of(at: datetime, winter_months: Iterable[int]) -> str:
    return "winter" if at.month in set(winter_months) else "other"


@dataclass
class Timetables:
    """What the predictor needs of the timetable: per service, the scheduled hours of arrival and departure at
    each stop after the origin departure, and which stops start a border crossing."""

    arrive_h: dict[str, tuple[float, ...]]
    depart_h: dict[str, tuple[float, ...]]
    stops: dict[str, tuple[str, ...]]
    crossing_entry: dict[str, set[int]]  # service -> stop indexes where a crossing starts
    boardable: dict[str, tuple[bool, ...]]

    @classmethod
    def from_timetable(cls, tt: Timetable) -> Timetables:
        a: dict[str, tuple[float, ...]] = {}
        d: dict[str, tuple[float, ...]] = {}
        st: dict[str, tuple[str, ...]] = {}
        cx: dict[str, set[int]] = {}
        bd: dict[str, tuple[bool, ...]] = {}
        for s in tt.services:
            if s.mode != "rail":
                continue
            a[s.id], d[s.id], st[s.id], bd[s.id] = s.arrive_h, s.depart_h, s.stops, s.boardable
            cx[s.id] = {k for k, sec in enumerate(s.sections) if any(x.crossing is not None for x in sec.steps)}
        return cls(a, d, st, cx, bd)

    def remaining_h(self, service: str, stop: int, kind: str, target: int) -> float:
        """Timetable hours from an event (`ARRI` or `DEPA` at `stop`) to the arrival at `target`."""
        at = (self.depart_h if kind == "DEPA" else self.arrive_h)[service][stop]
        return self.arrive_h[service][target] - at


@dataclass
class EtaModel:
    """Learned residual quantiles and queue slopes; `predict` is all a caller needs."""

    version: str
    winter_months: tuple[int, ...]
    bands: dict[str, tuple[float, float, float]]
    queue_slope_h: dict[str, float] = field(default_factory=dict)
    queue_mean: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(
        self,
        tt: Timetables,
        service: str,
        stop: int,
        kind: str,
        target: int,
        at: datetime,
        waiting_here: int | None = None,
    ) -> tuple[float, float, float]:
        """p10, p50, p90 of the hours from `at` (the time of the train's event `kind` at `stop`) to its arrival
        at stop `target`. Never less than zero. `waiting_here`: trains waiting at this stop's crossing now."""
        sched = tt.remaining_h(service, stop, kind, target)
        key = f"{service}|{stop}|{kind}|{target}"
        band = self.bands.get(f"{key}|{season_of(at, self.winter_months)}") or self.bands.get(key)
        if band is None:
            band = (FALLBACK_BAND[0] * sched, FALLBACK_BAND[1] * sched, FALLBACK_BAND[2] * sched)
        shift = 0.0
        place = tt.stops[service][stop]
        if kind == "ARRI" and waiting_here is not None and place in self.queue_slope_h:
            shift = self.queue_slope_h[place] * (waiting_here - self.queue_mean.get(place, 0.0))
        lo, mid, hi = (max(0.0, sched + b + shift) for b in band)
        return lo, max(lo, mid), max(lo, mid, hi)

    # ---- file ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "meta": self.meta,
            "winter_months": list(self.winter_months),
            "queue_slope_hours_per_train": {k: round(v, 4) for k, v in sorted(self.queue_slope_h.items())},
            "queue_mean_trains": {k: round(v, 3) for k, v in sorted(self.queue_mean.items())},
            "bands_hours": {k: [round(x, 2) for x in v] for k, v in sorted(self.bands.items())},
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> EtaModel:
        return cls(
            version=str(doc["version"]),
            winter_months=tuple(int(m) for m in doc.get("winter_months", ())),
            bands={k: (float(v[0]), float(v[1]), float(v[2])) for k, v in doc["bands_hours"].items()},
            queue_slope_h={k: float(v) for k, v in doc.get("queue_slope_hours_per_train", {}).items()},
            queue_mean={k: float(v) for k, v in doc.get("queue_mean_trains", {}).items()},
            meta=dict(doc.get("meta", {})),
        )


def load_model(user_dir: str | Path | None = None) -> EtaModel:
    """The model file of the data folder (a user's `--data` folder first, then the shipped one)."""
    from landbridge.datafiles import DataSource
    from landbridge.errors import DataError

    src = DataSource(user_dir)
    path = src.path(MODEL_FILE)
    try:
        return EtaModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise DataError(src.display(MODEL_FILE), "missing; rebuild it with `landbridge ops eta-fit`.") from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise DataError(
            src.display(MODEL_FILE), f"not a model file ({exc}); rebuild it with `landbridge ops eta-fit`."
        ) from None


# ---- learning -----------------------------------------------------------------------------
@dataclass
class Observation:
    """One position of one train and what came after: the learning and backtest unit."""

    service: str
    stop: int
    kind: str
    at: datetime
    waiting: int  # trains waiting at this place when the train arrived (ARRI at a crossing), else 0
    arrivals: dict[int, datetime]  # actual arrival at each later stop


def _parse(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def observations(rows: Iterable[dict[str, Any]], tt: Timetables) -> list[Observation]:
    """Positions of every train of a set of movements (one run, or recorded events), with the number of
    trains waiting at a crossing when each train got there (as the live system counts them: arrived, not left)."""
    trains: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        trains[(str(r["train"]), r["service"])].append(r)
    # queue at crossing entries: intervals [arrival, departure) per place
    stays: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for (_tid, svc), stops in trains.items():
        if svc not in tt.stops:
            continue
        for r in stops:
            k = int(r["stop"])
            a, d = _parse(r["arrival"]), _parse(r["departure_at"])
            if k in tt.crossing_entry[svc] and a and d:
                stays[r["place"]].append((a, d))
    starts = {p: sorted(a for a, _ in v) for p, v in stays.items()}
    ends = {p: sorted(d for _, d in v) for p, v in stays.items()}
    import bisect

    def waiting(place: str, t: datetime) -> int:
        if place not in starts:
            return 0
        # arrived strictly before t and not left by t (the train itself is not counted)
        return bisect.bisect_left(starts[place], t) - bisect.bisect_right(ends[place], t)

    out: list[Observation] = []
    for (_tid, svc), stops in trains.items():
        if svc not in tt.stops:
            continue
        stops.sort(key=lambda r: int(r["stop"]))
        arr = {int(r["stop"]): _parse(r["arrival"]) for r in stops}
        arrivals = {k: v for k, v in arr.items() if v is not None}
        for r in stops:
            k = int(r["stop"])
            for kind, text in (("ARRI", r["arrival"]), ("DEPA", r["departure_at"])):
                t = _parse(text)
                if t is None:
                    continue
                w = waiting(r["place"], t) if kind == "ARRI" and k in tt.crossing_entry[svc] else 0
                later = {j: a for j, a in arrivals.items() if j > k}
                if later:
                    out.append(Observation(svc, k, kind, t, max(w, 0), later))
    return out


def is_target(tt: Timetables, service: str, stop: int) -> bool:
    """A stop a booking may alight at: a boardable one (terminal, hub) or the last."""
    return tt.boardable[service][stop] or stop == len(tt.stops[service]) - 1


def fit(
    obs: list[Observation], tt: Timetables, winter_months: Iterable[int], version: str, meta: dict[str, Any]
) -> EtaModel:
    """Quantiles of (actual - timetable) remaining hours per service, position, target and season; queue slopes
    per crossing from the positions where a train stood at one."""
    wm = tuple(sorted(set(winter_months)))
    res: dict[str, list[float]] = defaultdict(list)
    queue: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for o in obs:
        for j, a in o.arrivals.items():
            if not is_target(tt, o.service, j):
                continue
            sched = tt.remaining_h(o.service, o.stop, o.kind, j)
            r = (a - o.at).total_seconds() / 3600 - sched
            key = f"{o.service}|{o.stop}|{o.kind}|{j}"
            res[f"{key}|{season_of(o.at, wm)}"].append(r)
            res[key].append(r)
            if o.kind == "ARRI" and o.stop in tt.crossing_entry[o.service] and j == max(o.arrivals):
                queue[tt.stops[o.service][o.stop]].append((float(o.waiting), r, key))
    bands: dict[str, tuple[float, float, float]] = {}
    for key, xs in res.items():
        if len(xs) >= MIN_SAMPLES:
            q = np.quantile(np.asarray(xs), QUANTILES)
            bands[key] = (float(q[0]), float(q[1]), float(q[2]))
    slope: dict[str, float] = {}
    mean: dict[str, float] = {}
    for place, pts in queue.items():
        # residual net of its position's median, against the trains found waiting
        x = np.asarray([w for w, _, _ in pts])
        y = np.asarray([r - bands.get(k, (0.0, 0.0, 0.0))[1] for _, r, k in pts])
        if len(x) >= MIN_SAMPLES and x.var() > 0:
            b = float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())
            if b > 0:
                slope[place] = b
                mean[place] = float(x.mean())
    meta = {**meta, "observations": len(obs), "bands": len(bands)}
    return EtaModel(version, wm, bands, slope, mean, meta)


def finite(x: float) -> bool:
    return not (math.isnan(x) or math.isinf(x))
