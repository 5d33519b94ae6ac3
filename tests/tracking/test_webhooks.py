"""Webhooks against a real receiver on loopback: signatures verify, retries after 500s and timeouts, order per
booking with two workers, dead letters and their replay, a worker killed with SIGKILL mid-delivery (nothing lost,
the duplicate has the same Webhook-Id), callback URL rules. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from tests.tracking.helpers import Receiver, booked_train, train_events

FAST = {"retry_base_s": 0.05, "retry_max_s": 0.2, "retry_for_s": 30.0, "lease_s": 5.0, "timeout_s": 1.0}


def _settings(**kw):
    from landbridge.tracking.webhooks import Settings

    return Settings(**{**FAST, **kw})


def _subscribe(client, who, url, **body):
    r = client.post("/v1/event-subscriptions", json={"callbackUrl": url, **body}, headers=who)
    assert r.status_code == 201, r.text
    return r.json()


def _drain(db, settings, until, workers: int = 1, timeout: float = 60.0):
    """Run `workers` delivery workers (threads) until `until()` holds."""
    from landbridge.tracking.worker import run

    stop = threading.Event()
    threads = [threading.Thread(target=run, args=(db, stop, settings, 0.02, 4)) for _ in range(workers)]
    for t in threads:
        t.start()
    deadline = time.time() + timeout
    try:
        while not until() and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert until(), "deliveries did not finish in time"


def test_signed_deliveries_and_retries(client, db, world, shipper, op):
    from landbridge.tracking.webhooks import verify

    dep, bid, refs = booked_train(client, db, world, shipper, containers=1)
    plan = {}

    def answer(eid, n):  # the first event: two 500s then a timeout, then accepted
        if eid == f"sig-{bid}-0-DEPA" and n < 3:
            return 500 if n < 2 else ("sleep", 2.0, 500)  # the sender gives up after 1 s
        return plan.get(eid, 204)

    rx = Receiver(answer)
    try:
        sub = _subscribe(client, shipper.headers, rx.url, eventTypes=["TRANSPORT"], bookingID=bid)
        assert sub["secret"].startswith("whsec_")
        assert (
            client.get(f"/v1/event-subscriptions/{sub['subscriptionID']}", headers=shipper.headers).json()["secret"]
            is None
        )
        events = train_events(dep, refs, prefix=f"sig-{bid}")
        client.post("/v1/events/batch", json={"events": events}, headers=op)
        transport = [e for e in events if e["metadata"]["eventType"] == "TRANSPORT"]
        _drain(db, _settings(), lambda: len(rx.delivered()) >= len(transport))
        got = rx.delivered()
        for r in got:
            assert verify(sub["secret"], r["body"], r["headers"]["Webhook-Signature"])
            assert not verify(sub["secret"], r["body"] + b" ", r["headers"]["Webhook-Signature"])
            assert r["headers"]["Subscription-ID"] == sub["subscriptionID"]
        first = [r for r in rx.requests if r["id"] == f"sig-{bid}-0-DEPA"]
        assert len(first) == 4 and [r["headers"]["Webhook-Attempt"] for r in first] == ["1", "2", "3", "4"]
        # in order, and each event once delivered
        ids = [r["id"] for r in got]
        assert ids == [e["metadata"]["eventID"] for e in transport if e["metadata"]["eventID"] in ids]
        doc = json.loads(got[0]["body"])[0]
        assert {"type": "BKG", "value": bid} in doc["payload"]["relatedDocumentReferences"]
    finally:
        rx.close()


def test_order_per_booking_with_two_workers(client, db, world, new_shipper, op):
    me = new_shipper("Ordered")
    trains = [booked_train(client, db, world, me, containers=2, seed=k + 10) for k in range(3)]

    def answer(eid, n):  # every third event fails once: order must hold across retries
        if hash(eid) % 3 == 0 and n == 0:
            return 503
        return 204

    rx = Receiver(answer)
    try:
        _subscribe(client, me.headers, rx.url)
        sent = []
        for dep, bid, refs in trains:
            evs = train_events(dep, refs, prefix=f"ord-{bid}")
            sent.append((bid, evs))
        mixed = [e for group in zip(*[evs for _b, evs in sent]) for e in group]
        for k in range(0, len(mixed), 7):  # several batches, interleaved across bookings
            client.post("/v1/events/batch", json={"events": mixed[k : k + 7]}, headers=op)
        total = sum(len(evs) for _b, evs in sent)
        _drain(db, _settings(), lambda: len({r["id"] for r in rx.delivered()}) >= total, workers=2)
        for bid, _evs in sent:
            got = [json.loads(r["body"])[0] for r in rx.delivered()]
            mine = [
                e for e in got if {"type": "BKG", "value": bid} in e["payload"].get("relatedDocumentReferences", [])
            ]
            seqs = [e["metadata"]["eventID"] for e in mine]
            assert len(seqs) == len(set(seqs))  # each once (a success is never repeated)
            assert len(seqs) == len(_evs)
            # delivered in the order the events were accepted
            from landbridge.tracking.models import TrackingEvent

            order = dict(
                db.read(
                    lambda s, ids=seqs: (
                        s.query(TrackingEvent.event_id, TrackingEvent.seq).filter(TrackingEvent.event_id.in_(ids)).all()
                    )
                )
            )
            assert [order[x] for x in seqs] == sorted(order[x] for x in seqs)
    finally:
        rx.close()


def test_dead_letters_and_replay(client, db, world, shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper, containers=1)
    down = {"on": True}
    rx = Receiver(lambda eid, n: 500 if down["on"] else 204)
    try:
        sub = _subscribe(
            client, shipper.headers, rx.url, eventTypes=["TRANSPORT"], eventTypeCodes=["DEPA"], bookingID=bid
        )
        events = [
            e
            for e in train_events(dep, refs, prefix=f"dead-{bid}")
            if e["payload"].get("transportEventTypeCode") == "DEPA"
        ]
        client.post("/v1/events/batch", json={"events": events}, headers=op)
        sid = sub["subscriptionID"]

        def dead():
            return client.get(
                f"/v1/event-subscriptions/{sid}/deliveries", params={"status": "dead"}, headers=shipper.headers
            ).json()

        # A window long enough for several attempts even when the machine is loaded (the first attempt can
        # come a good fraction of a second after the events were stored), short enough for a quick test.
        _drain(db, _settings(retry_for_s=2.5), lambda: len(dead()) == len(events))
        assert all(d["attempts"] >= 1 and d["lastStatusCode"] == 500 for d in dead())
        assert max(d["attempts"] for d in dead()) >= 2  # retried before it was given up
        down["on"] = False
        r = client.post(f"/v1/event-subscriptions/{sid}/deliveries/replay", headers=shipper.headers)
        assert r.json() == {"replayed": len(events)}
        _drain(db, _settings(), lambda: len(rx.delivered()) == len(events))
        assert [r["id"] for r in rx.delivered()] == [e["metadata"]["eventID"] for e in events]
    finally:
        rx.close()


def test_a_worker_killed_mid_delivery_loses_nothing(client, db, db_url, world, shipper, op, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    dep, bid, refs = booked_train(client, db, world, shipper, containers=1)
    hold = threading.Event()
    seen_first = threading.Event()

    def answer(eid, n):
        if n == 0 and eid.endswith("-0-DEPA"):
            seen_first.set()
            return ("hang", hold)  # the first worker is killed while it waits here
        return 204

    rx = Receiver(answer)
    env = {
        **os.environ,
        "LANDBRIDGE_DATABASE_URL": db_url,
        "LANDBRIDGE_WEBHOOK_LEASE_S": "2",
        "LANDBRIDGE_WEBHOOK_RETRY_BASE_S": "0.05",
    }
    try:
        _subscribe(client, shipper.headers, rx.url, eventTypes=["TRANSPORT"], bookingID=bid)
        events = [e for e in train_events(dep, refs, prefix=f"kill-{bid}") if e["metadata"]["eventType"] == "TRANSPORT"]
        client.post("/v1/events/batch", json={"events": events}, headers=op)
        cmd = [sys.executable, "-m", "landbridge.cli", "worker", "--idle", "0.05"]
        w1 = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert seen_first.wait(60), w1.stderr.read().decode() if w1.poll() is not None else "no delivery"
        os.killpg(w1.pid, signal.SIGKILL)
        w1.wait(10)
        hold.set()
        w2 = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 60
            while len({r["id"] for r in rx.delivered()}) < len(events) and time.time() < deadline:
                time.sleep(0.1)
        finally:
            os.killpg(w2.pid, signal.SIGTERM)
            w2.wait(30)
        ids = [r["id"] for r in rx.requests]
        assert {r["id"] for r in rx.delivered()} == {e["metadata"]["eventID"] for e in events}
        first = events[0]["metadata"]["eventID"]
        assert ids.count(first) >= 2  # sent again after the kill: the same Webhook-Id, so recognisable
        assert next(r["id"] for r in rx.delivered()) == first  # the next events waited for it
    finally:
        hold.set()
        rx.close()


def test_callback_urls(client, shipper, monkeypatch):
    for url, text in [
        ("http://93.184.216.34/hook", "https"),
        ("ftp://93.184.216.34/hook", "https"),
        ("https://10.0.0.5/hook", "private"),
        ("https://169.254.169.254/latest", "private"),
        ("https://user:pw@example.com/", "no user"),
    ]:
        r = client.post("/v1/event-subscriptions", json={"callbackUrl": url}, headers=shipper.headers)
        assert r.status_code == 422 and text in r.json()["detail"], (url, r.text)
    monkeypatch.setenv("LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK", "0")
    r = client.post("/v1/event-subscriptions", json={"callbackUrl": "https://127.0.0.1/hook"}, headers=shipper.headers)
    assert r.status_code == 422 and "loopback" in r.json()["detail"]


def test_redirects_are_not_followed(client, db, world, shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper, containers=1)
    target = Receiver()
    rx = Receiver(lambda eid, n: ("redirect", target.url))
    try:
        sub = _subscribe(
            client, shipper.headers, rx.url, eventTypes=["TRANSPORT"], eventTypeCodes=["DEPA"], bookingID=bid
        )
        ev = [
            e
            for e in train_events(dep, refs, prefix=f"redir-{bid}")
            if e["payload"].get("transportEventTypeCode") == "DEPA"
        ][:1]
        client.post("/v1/events/batch", json={"events": ev}, headers=op)
        sid = sub["subscriptionID"]

        def tried():
            d = client.get(f"/v1/event-subscriptions/{sid}/deliveries", headers=shipper.headers).json()
            return d and d[0]["attempts"] >= 1 and d[0]["lastStatusCode"] == 302

        _drain(db, _settings(retry_base_s=5), tried)
        assert target.requests == []
        assert (
            "redirect"
            in client.get(f"/v1/event-subscriptions/{sid}/deliveries", headers=shipper.headers).json()[0]["lastError"]
        )
    finally:
        rx.close()
        target.close()


def test_signature_recipe_matches_the_docs():
    """The verification recipe of docs/tracking.md, run as written."""
    import hashlib
    import hmac

    from landbridge.tracking.webhooks import sign

    secret, body, t = "whsec_test", b'[{"metadata":{}}]', int(time.time())
    header = sign(secret, body, t)
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
    assert timedelta(seconds=300)  # the tolerance the docs name
    pytest.importorskip("httpx")
