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

Asked later than the train's latest event (`elapsed_h`), it also knows the train has not reached its next stop (or
left this one) yet: survival conditioning. For that it learns the same quantiles again from the trains still
short of their next event after ELAPSED_GRID x the timetable's hours to it (at least ELAPSED_FLOOR_H), per season
too; a prediction interpolates between the grid points around the elapsed time, goes on hour for hour beyond the
last, and never says "before now".
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
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
# Elapsed time since the latest event, as multiples of the timetable's hours to the next event: where the
# distribution "given no event yet" is learned. Finer around 1, where it bites; trains 3 x late are rarer than
# MIN_SAMPLES at most positions. (A grid twice as fine gave the same backtest with a file a third larger.)
ELAPSED_GRID = (0.5, 0.8, 1.0, 1.15, 1.3, 1.5, 2.0, 3.0)
ELAPSED_FLOOR_H = 6.0  # a dwell of minutes (or none: a queue) still gets a grid in hours


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

    def to_next_h(self, service: str, stop: int, kind: str) -> float:
        """Timetable hours from an event to the train's next one: the dwell after an arrival, the section after a
        departure."""
        if kind == "ARRI":
            return self.depart_h[service][stop] - self.arrive_h[service][stop]
        return self.arrive_h[service][stop + 1] - self.depart_h[service][stop]

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
    after: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # key|after<grid>: given no event

    def predict(
        self,
        tt: Timetables,
        service: str,
        stop: int,
        kind: str,
        target: int,
        at: datetime,
        waiting_here: int | None = None,
        elapsed_h: float = 0.0,
    ) -> tuple[float, float, float]:
        """p10, p50, p90 of the hours from `at` (the time of the train's event `kind` at `stop`) to its arrival
        at stop `target`. Never less than zero. `waiting_here`: trains waiting at this stop's crossing now.
        `elapsed_h`: hours since `at` at the time of asking, the train's next event not yet received (the
        answer is then conditioned on that, and never less than `elapsed_h`)."""
        sched = tt.remaining_h(service, stop, kind, target)
        key = f"{service}|{stop}|{kind}|{target}"
        season = season_of(at, self.winter_months)
        band = self.bands.get(f"{key}|{season}") or self.bands.get(key)
        if band is None:
            band = (FALLBACK_BAND[0] * sched, FALLBACK_BAND[1] * sched, FALLBACK_BAND[2] * sched)
        shift = 0.0
        place = tt.stops[service][stop]
        if kind == "ARRI" and waiting_here is not None and place in self.queue_slope_h:
            shift = self.queue_slope_h[place] * (waiting_here - self.queue_mean.get(place, 0.0))
        if elapsed_h > 0:
            base_h = max(tt.to_next_h(service, stop, kind), ELAPSED_FLOOR_H)
            band = self.given_no_event(key, season, band, elapsed_h / base_h, base_h)
        floor = max(0.0, elapsed_h)
        lo, mid, hi = (max(floor, sched + b + shift) for b in band)
        return lo, max(lo, mid), max(lo, mid, hi)

    def given_no_event(
        self, key: str, season: str, band: tuple[float, float, float], elapsed_share: float, base_h: float
    ) -> tuple[float, float, float]:
        """The band of `key` given that the next event had not come after `elapsed_share` x `base_h` (the
        timetable's hours to it, at least ELAPSED_FLOOR_H): linear between the learned grid points around it (the
        season's if it has any, else any season's; `band`, the unconditioned one, at 0). Beyond the last learned
        point, that point's band delayed hour for hour by the wait since (longer than any train seen: each hour
        more without news is taken as an hour later)."""
        lo_f, lo_b = 0.0, band
        chain = f"{key}|{season}" if any(f"{key}|{season}|after{f}" in self.after for f in ELAPSED_GRID) else key
        for f in ELAPSED_GRID:
            b = self.after.get(f"{chain}|after{f}")
            if b is None:
                continue
            if f > elapsed_share:
                w = (elapsed_share - lo_f) / (f - lo_f)
                return (
                    lo_b[0] + w * (b[0] - lo_b[0]),
                    lo_b[1] + w * (b[1] - lo_b[1]),
                    lo_b[2] + w * (b[2] - lo_b[2]),
                )
            lo_f, lo_b = f, b
        late_h = (elapsed_share - lo_f) * base_h if lo_f > 0 else 0.0
        return lo_b[0] + late_h, lo_b[1] + late_h, lo_b[2] + late_h

    # ---- file ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "meta": self.meta,
            "winter_months": list(self.winter_months),
            "queue_slope_hours_per_train": {k: round(v, 4) for k, v in sorted(self.queue_slope_h.items())},
            "queue_mean_trains": {k: round(v, 3) for k, v in sorted(self.queue_mean.items())},
            "bands_hours": {k: [round(x, 2) for x in v] for k, v in sorted(self.bands.items())},
            "bands_given_no_event_hours": {k: [round(x, 2) for x in v] for k, v in sorted(self.after.items())},
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
            after={
                k: (float(v[0]), float(v[1]), float(v[2])) for k, v in doc.get("bands_given_no_event_hours", {}).items()
            },
        )


def model_file_text(model: EtaModel) -> str:
    """The model file's text: JSON, a band a line."""
    text = json.dumps(model.to_json(), indent=1)
    return (
        re.sub(
            r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text
        )
        + "\n"
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
    next_at: datetime | None = None  # the train's next event (None: it has none)


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
        if svc in tt.stops:
            out.extend(_train_positions(svc, stops, tt, waiting))
    return out


def _train_positions(
    svc: str, stops: list[dict[str, Any]], tt: Timetables, waiting: Callable[[str, datetime], int]
) -> list[Observation]:
    """One train's positions (an arrival or departure with a later arrival), each knowing when the next came."""
    stops.sort(key=lambda r: int(r["stop"]))
    arr = {int(r["stop"]): _parse(r["arrival"]) for r in stops}
    arrivals = {k: v for k, v in arr.items() if v is not None}
    mine: list[Observation] = []
    for r in stops:
        k = int(r["stop"])
        for kind, text in (("ARRI", r["arrival"]), ("DEPA", r["departure_at"])):
            t = _parse(text)
            if t is None:
                continue
            w = waiting(r["place"], t) if kind == "ARRI" and k in tt.crossing_entry[svc] else 0
            later = {j: a for j, a in arrivals.items() if j > k}
            mine.append(Observation(svc, k, kind, t, max(w, 0), later))
    for o, nxt in itertools.pairwise(mine):
        o.next_at = nxt.at
    return [o for o in mine if o.arrivals]


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
    after: dict[str, list[float]] = defaultdict(list)
    queue: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for o in obs:
        # the grid points this train was still short of its next event at
        waited = [] if o.next_at is None else _grid_waited(tt, o)
        for j, a in o.arrivals.items():
            if not is_target(tt, o.service, j):
                continue
            sched = tt.remaining_h(o.service, o.stop, o.kind, j)
            r = (a - o.at).total_seconds() / 3600 - sched
            key = f"{o.service}|{o.stop}|{o.kind}|{j}"
            season = season_of(o.at, wm)
            res[f"{key}|{season}"].append(r)
            res[key].append(r)
            for f in waited:
                after[f"{key}|{season}|after{f}"].append(r)
                after[f"{key}|after{f}"].append(r)
            if o.kind == "ARRI" and o.stop in tt.crossing_entry[o.service] and j == max(o.arrivals):
                queue[tt.stops[o.service][o.stop]].append((float(o.waiting), r, key))
    bands, given = _quantiles(res), _quantiles(_pruned(after, res))
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
    meta = {**meta, "observations": len(obs), "bands": len(bands), "bands_given_no_event": len(given)}
    return EtaModel(version, wm, bands, slope, mean, meta, given)


def _grid_waited(tt: Timetables, o: Observation) -> list[float]:
    assert o.next_at is not None
    gap_h = (o.next_at - o.at).total_seconds() / 3600
    base = max(tt.to_next_h(o.service, o.stop, o.kind), ELAPSED_FLOOR_H)
    return [f for f in ELAPSED_GRID if gap_h > f * base]


def _pruned(after: dict[str, list[float]], res: dict[str, list[float]]) -> dict[str, list[float]]:
    """The grid points of each position (and season) without those where every train was still short of its next
    event, which are the unconditioned band, but the last of them (interpolation starts there)."""
    out = dict(after)
    for chain, all_samples in res.items():
        same = [f for f in ELAPSED_GRID if len(after.get(f"{chain}|after{f}", ())) == len(all_samples)]
        for f in same[:-1]:
            out.pop(f"{chain}|after{f}", None)
    return out


def _quantiles(samples: dict[str, list[float]]) -> dict[str, tuple[float, float, float]]:
    out: dict[str, tuple[float, float, float]] = {}
    for key, xs in samples.items():
        if len(xs) >= MIN_SAMPLES:
            q = np.quantile(np.asarray(xs), QUANTILES)
            out[key] = (float(q[0]), float(q[1]), float(q[2]))
    return out


def finite(x: float) -> bool:
    return not (math.isnan(x) or math.isinf(x))
