"""`landbridge ops replay` builds its feed from movements.csv: every event it makes is accepted by the API, in
event time, with the transshipment at each gauge change; pacing follows --speed; serve runs a delivery worker."""

from __future__ import annotations

import threading
from datetime import date

import pytest


@pytest.fixture(scope="module")
def run_rows():
    from landbridge.simulation import RunSpec, run_one

    return run_one(RunSpec(start=date(2026, 1, 1), days=5, seed=11)).tables["movements"]


def test_the_feed_of_a_run_is_accepted(client, op, run_rows, world):
    from landbridge.tracking.replay import build_feed, departure_id, pace

    first = next(r for r in run_rows if r["service"] == "xian-duisburg")
    dep = departure_id(world.timetable.by_id["xian-duisburg"], first["departure"])
    last = max(int(r["stop"]) for r in run_rows if r["train"] == first["train"])
    feed = build_feed(
        [r for r in run_rows if r["train"] == first["train"]], {dep: [("bk_x", 0, last, ["CSQU3054383"])]}
    )
    codes = [e["payload"].get("equipmentEventTypeCode") or e["payload"]["transportEventTypeCode"] for e in feed]
    assert codes.count("DEPA") == last and codes.count("ARRI") == last
    assert codes.count("GTOT") == 1 and sum(1 for e in feed if e["payload"].get("isTransshipmentMove")) == 4
    times = [e["payload"]["eventDateTime"] for e in feed]
    assert times == sorted(times)
    r = client.post("/v1/events/batch", json={"events": feed}, headers=op)
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    assert r.json()["created"] + r.json()["duplicates"] == len(feed)
    chunks = list(pace(feed, None, 7))
    assert sum(len(c) for c in chunks) == len(feed) and max(len(c) for c in chunks) <= 7


def test_serve_runs_a_delivery_worker(db, monkeypatch):
    from fastapi.testclient import TestClient

    from landbridge.api.app import create_app

    monkeypatch.setenv("LANDBRIDGE_WEBHOOK_WORKER", "1")
    with TestClient(create_app(db)) as c:
        assert c.get("/health").status_code == 200
        assert any(t.name == "landbridge-webhooks" for t in threading.enumerate())
