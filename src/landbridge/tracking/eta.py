"""Predicted arrivals kept up to date: on each train's new position, every stop where a live booking on it
alights gets p10/p50/p90 from the predictor (with the trains waiting now at the crossing it stands at), the
timetable's arrival and the schedule-only estimate (last event + the timetable's remaining hours).

Served later than the event it was made from (`served`), a prediction is made again as of the time of asking:
the train's next event has not come by then, which the predictor conditions on (and neither estimate is then
before that time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.db.bulk import among, insert_rows, parts, table_of, update_rows
from landbridge.tracking.models import TrainEta, TrainPosition
from landbridge.tracking.predictor import EtaModel, Timetables, load_model


@lru_cache(maxsize=4)
def _model(user_dir: str | None) -> EtaModel:
    return load_model(user_dir)


@lru_cache(maxsize=4)
def _tables(key: int) -> Timetables:
    from landbridge.world import load_world

    return Timetables.from_timetable(load_world().timetable)


def model() -> EtaModel:
    """The model of the configured data folder (LANDBRIDGE_DATA_DIR or the shipped data), loaded once."""
    import os

    return _model(os.environ.get("LANDBRIDGE_DATA_DIR") or None)


def timetables() -> Timetables:
    from landbridge.world import load_world

    return _tables(id(load_world().timetable))


def repredict(s: Session, departures: list[str], legs: dict[str, list[Any]]) -> int:
    """New predictions for the given trains (their positions just moved); returns how many were written."""
    from landbridge.world import load_world

    tt = load_world().timetable
    m, tabs = model(), timetables()
    alights: dict[str, set[int]] = {}
    for lst in legs.values():
        for leg in lst:
            alights.setdefault(leg.departure_id, set()).add(leg.alight)
    wanted = [d for d in departures if d in alights]
    if not wanted:
        return 0
    pos: dict[str, TrainPosition] = {}
    for part in parts(s, wanted):
        for found in s.scalars(select(TrainPosition).where(among(s, TrainPosition.departure_id, part))):
            pos[found.departure_id] = found
    waiting = _standing_at(s, {p.place_id for p in pos.values() if p.type_code == "ARRI"})
    existing: set[tuple[str, int]] = set()
    for part in parts(s, wanted):
        existing.update(
            s.execute(
                select(TrainEta.departure_id, TrainEta.stop_index).where(among(s, TrainEta.departure_id, part))
            ).all()
        )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for dep_id in wanted:
        p = pos.get(dep_id)
        if p is None:
            continue
        dep = tt.departure(dep_id)
        svc = dep.service.id
        for target in sorted(alights[dep_id]):
            if target <= p.stop_index:
                continue
            w = max(0, waiting.get(p.place_id, 1) - 1) if p.type_code == "ARRI" else None
            lo, mid, hi = m.predict(tabs, svc, p.stop_index, p.type_code, target, p.event_at, w)
            sched_rem = tabs.remaining_h(svc, p.stop_index, p.type_code, target)
            row = {
                "departure_id": dep_id,
                "stop_index": target,
                "p10": p.event_at + timedelta(hours=lo),
                "p50": p.event_at + timedelta(hours=mid),
                "p90": p.event_at + timedelta(hours=hi),
                "scheduled": dep.time_at(target, arriving=True),
                "schedule_only": p.event_at + timedelta(hours=sched_rem),
                "predicted_from": p.event_id,
                "predicted_at": p.event_at,
                "model_version": m.version,
            }
            (updates if (dep_id, target) in existing else inserts).append(row)
    eta_table = table_of(TrainEta)
    update_rows(s, eta_table, ["departure_id", "stop_index"], updates)
    insert_rows(s, eta_table, inserts)
    return len(updates) + len(inserts)


def _standing_at(s: Session, places: set[str]) -> dict[str, int]:
    """Trains whose latest event is their arrival at each of these places (the train asked about included)."""
    if not places:
        return {}
    return dict(
        s.execute(
            select(TrainPosition.place_id, func.count())
            .where(TrainPosition.place_id.in_(sorted(places)), TrainPosition.type_code == "ARRI")
            .group_by(TrainPosition.place_id)
        ).all()
    )


def served(s: Session, e: TrainEta, now: datetime) -> dict[str, Any]:
    """The prediction `e` as of the time of asking: p10, p50, p90, schedule_only and `as_of`. As of `now`, but not
    past the latest event received of any train (a feed replayed or late says nothing about times it has not
    reached). When that is after the train's latest event, which `e` was made from, the train has not reached its
    next stop (or left this one) since: predicted again given that, and the schedule-only estimate is then not
    before it either."""
    stored = {"p10": e.p10, "p50": e.p50, "p90": e.p90, "schedule_only": e.schedule_only, "as_of": e.predicted_at}
    p = s.get(TrainPosition, e.departure_id)
    if p is None or p.event_id != e.predicted_from or e.stop_index <= p.stop_index:
        return stored
    heard_until = s.scalar(select(func.max(TrainPosition.event_at)))
    as_of = min(now, heard_until) if heard_until is not None else now
    if as_of <= p.event_at:
        return stored
    elapsed_h = (as_of - p.event_at).total_seconds() / 3600
    waiting = None
    if p.type_code == "ARRI":
        waiting = max(0, _standing_at(s, {p.place_id}).get(p.place_id, 1) - 1)
    m = model()
    lo, mid, hi = m.predict(
        timetables(), p.service_id, p.stop_index, p.type_code, e.stop_index, p.event_at, waiting, elapsed_h
    )
    return {
        "p10": p.event_at + timedelta(hours=lo),
        "p50": p.event_at + timedelta(hours=mid),
        "p90": p.event_at + timedelta(hours=hi),
        "schedule_only": max(e.schedule_only, as_of),
        "as_of": as_of,
        "model_version": m.version,
    }
