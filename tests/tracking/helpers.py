"""A booked train and its events; a webhook receiver on loopback."""

from __future__ import annotations

import json
import random
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.booking.helpers import booking_body, fresh_departure, make_option

SERVICES = ("xian-duisburg", "yuxinou-duisburg", "chengdu-lodz")  # CR Express trains with two gauge changes
OWNERS = ("ABC", "DEF", "GHI", "JKL", "MNO", "PQR", "STU", "VWX")


def container_number(rng: random.Random) -> str:
    from stdnum import iso6346

    base = f"{rng.choice(OWNERS)}U{rng.randrange(10**6):06d}"
    return base + iso6346.calc_check_digit(base)


def booked_train(client, db, world, shipper, containers: int = 2, seed: int = 0):
    """A departure with a booking of `containers` numbered boxes on its whole route; (dep, booking id, refs)."""
    rng = random.Random(seed or None)
    dep = fresh_departure(world, SERVICES[rng.randrange(len(SERVICES))])
    n = len(dep.service.stops) - 1
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, n)], containers=containers)
    refs = [container_number(rng) for _ in range(containers)]
    body = booking_body(oid, containers, equipment=[{"equipment_reference": r} for r in refs])
    r = client.post("/v1/bookings", json=body, headers=shipper.headers)
    assert r.status_code == 201, r.text
    return dep, r.json()["id"], refs


def ev(eid, etype, code, at, dep=None, place=None, **extra):
    field = {
        "TRANSPORT": "transportEventTypeCode",
        "EQUIPMENT": "equipmentEventTypeCode",
        "SHIPMENT": "shipmentEventTypeCode",
    }[etype]
    payload = {
        "eventClassifierCode": extra.pop("classifier", "ACT"),
        "eventDateTime": at.isoformat(),
        field: code,
        **extra,
    }
    if dep is not None:
        payload["transportCall"] = {"departureID": dep.id, "location": {"placeID": place}}
    return {"metadata": {"eventID": eid, "eventType": etype}, "payload": payload}


def train_events(dep, refs, prefix="e", delay_h: float = 0.0):
    """A train's run on time (+ delay_h at each stop): transport events at every stop and its boxes' equipment
    events (gate in, load, transshipment at each gauge change, discharge, gate out)."""
    s = dep.service
    last = len(s.stops) - 1
    out = []
    for k, place in enumerate(s.stops):
        if k > 0:
            out.append(
                ev(
                    f"{prefix}-{k}-ARRI",
                    "TRANSPORT",
                    "ARRI",
                    dep.time_at(k, True) + timedelta(hours=delay_h * k),
                    dep,
                    place,
                )
            )
        if k < last:
            out.append(
                ev(f"{prefix}-{k}-DEPA", "TRANSPORT", "DEPA", dep.time_at(k) + timedelta(hours=delay_h * k), dep, place)
            )
    cross = [k for k, sec in enumerate(s.sections) if any(x.crossing for x in sec.steps)]
    for ref in refs:
        t0 = dep.departure
        out.append(
            ev(
                f"{prefix}-{ref}-GTIN",
                "EQUIPMENT",
                "GTIN",
                t0 - timedelta(hours=5),
                dep,
                s.stops[0],
                equipmentReference=ref,
                emptyIndicatorCode="LADEN",
            )
        )
        out.append(
            ev(
                f"{prefix}-{ref}-LOAD",
                "EQUIPMENT",
                "LOAD",
                t0 - timedelta(hours=2),
                dep,
                s.stops[0],
                equipmentReference=ref,
                emptyIndicatorCode="LADEN",
            )
        )
        for k in cross:
            at = dep.time_at(k + 1, True) + timedelta(hours=delay_h * (k + 1))
            out.append(
                ev(
                    f"{prefix}-{ref}-{k}-TD",
                    "EQUIPMENT",
                    "DISC",
                    at,
                    dep,
                    s.stops[k + 1],
                    equipmentReference=ref,
                    emptyIndicatorCode="LADEN",
                    isTransshipmentMove=True,
                )
            )
            out.append(
                ev(
                    f"{prefix}-{ref}-{k}-TL",
                    "EQUIPMENT",
                    "LOAD",
                    at + timedelta(hours=1),
                    dep,
                    s.stops[k + 1],
                    equipmentReference=ref,
                    emptyIndicatorCode="LADEN",
                    isTransshipmentMove=True,
                )
            )
        end = dep.time_at(last, True) + timedelta(hours=delay_h * last)
        out.append(
            ev(
                f"{prefix}-{ref}-DISC",
                "EQUIPMENT",
                "DISC",
                end + timedelta(hours=1),
                dep,
                s.stops[last],
                equipmentReference=ref,
                emptyIndicatorCode="LADEN",
            )
        )
        out.append(
            ev(
                f"{prefix}-{ref}-GTOT",
                "EQUIPMENT",
                "GTOT",
                end + timedelta(hours=3),
                dep,
                s.stops[last],
                equipmentReference=ref,
                emptyIndicatorCode="LADEN",
            )
        )
    return out


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request; `plan(event_id, attempt)` says how to answer
    (an int status, ("sleep", seconds) or ("hang", threading.Event))."""

    def __init__(self, plan=None):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.plan = plan or (lambda eid, n: 204)
        me = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                eid = self.headers.get("Webhook-Id")
                with me.lock:
                    n = sum(1 for r in me.requests if r["id"] == eid)
                    me.requests.append({"id": eid, "headers": dict(self.headers), "body": body, "ok": False})
                    entry = me.requests[-1]
                how = me.plan(eid, n)
                if isinstance(how, tuple) and how[0] == "sleep":  # ("sleep", seconds, status afterwards)
                    import time

                    time.sleep(how[1])
                    how = how[2]
                elif isinstance(how, tuple) and how[0] == "hang":
                    how[1].wait(30)
                    how = 204
                elif isinstance(how, tuple) and how[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", how[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                entry["ok"] = 200 <= how < 300
                self.send_response(how)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["ok"]]

    def events(self) -> list[dict]:
        return [json.loads(r["body"])[0] for r in self.delivered()]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
