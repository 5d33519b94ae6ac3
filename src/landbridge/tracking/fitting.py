"""Rebuilding the arrival model (`landbridge ops eta-fit`): twin runs with given seeds, and optionally the
actual train movements recorded in the database, turned into positions and fitted (predictor.fit)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.timefmt import iso_utc
from landbridge.tracking.models import TrackingEvent
from landbridge.tracking.predictor import EtaModel, Observation, Timetables, fit, observations


def twin_movements(seed: int, start: date, days: int) -> list[dict[str, Any]]:
    """movements.csv rows of one baseline twin run."""
    from landbridge.simulation import RunSpec, run_one

    return run_one(RunSpec(start=start, days=days, seed=seed)).tables["movements"]


def winter_months() -> tuple[int, ...]:
    from landbridge.simulation.config import simulation_config

    return tuple(simulation_config(None).running_time.winter.months)


def fit_model(
    seeds: list[int],
    start: date,
    days: int,
    recorded: list[dict[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> EtaModel:
    """Fit on the runs (and recorded movements); the model's meta names every input, so it can be rebuilt."""
    from landbridge.world import load_world

    tt = Timetables.from_timetable(load_world().timetable)
    obs: list[Observation] = []
    for seed in seeds:
        if progress:
            progress(f"twin run seed {seed}, {days} days from {start}")
        obs += observations((dict(r, train=f"s{seed}:{r['train']}") for r in twin_movements(seed, start, days)), tt)
    if recorded:
        obs += observations(recorded, tt)
    meta = {
        "rebuild": "landbridge ops eta-fit --out src/landbridge/data/eta_model.json "
        + " ".join(f"--seed {s}" for s in seeds)
        + f" --start {start} --days {days}"
        + (" --recorded" if recorded else ""),
        "seeds": seeds,
        "start": start.isoformat(),
        "days": days,
        "recorded_movements": len(recorded or []),
        "scenario": "baseline",
    }
    model = fit(obs, tt, winter_months(), "pending", meta)
    doc = model.to_json()
    learned = {"bands": doc["bands_hours"], "given_no_event": doc["bands_given_no_event_hours"]}
    digest = hashlib.sha256(json.dumps(learned, sort_keys=True).encode()).hexdigest()[:10]
    model.version = f"eta-{digest}"
    return model


def recorded_movements(s: Session) -> list[dict[str, Any]]:
    """Actual transport events in the database, as movements rows (one per train and stop)."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    q = select(
        TrackingEvent.departure_id,
        TrackingEvent.stop_index,
        TrackingEvent.place_id,
        TrackingEvent.type_code,
        TrackingEvent.event_at,
    ).where(TrackingEvent.event_type == "TRANSPORT", TrackingEvent.classifier == "ACT")
    for dep, stop, place, code, at in s.execute(q):
        if dep is None or stop is None:  # a transport event always names its train and stop
            continue
        service = dep.split(":", 1)[0]
        r = rows.setdefault(
            (dep, stop),
            {
                "train": dep,
                "service": service,
                "departure": "",
                "stop": stop,
                "place": place,
                "arrival": "",
                "departure_at": "",
                "wait_hours": 0.0,
            },
        )
        r["arrival" if code == "ARRI" else "departure_at"] = iso_utc(at)
    return list(rows.values())
