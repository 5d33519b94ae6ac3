"""A twin run as a live feed: the movements of its scheduled trains (movements.csv) become DCSA events —
departure and arrival of each train at each stop; for booked containers gate-in and load at the first stop,
discharge and load (transshipment moves) at each gauge change, discharge and gate-out at the last — posted to
a running server in event time, paced by a speed factor."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from landbridge.errors import LandbridgeError

if TYPE_CHECKING:
    import httpx

    from landbridge.timetable.models import Service


def read_movements(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "movements.csv"
    if not path.is_file():
        raise LandbridgeError(
            f"{path} not found: give the folder of a `landbridge simulate` run (it writes movements.csv)."
        )
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def departure_id(service: Service, departure_utc: str) -> str:
    """The timetable's id of a run: SERVICE:YYYY-MM-DDTHHMM in the origin's local time."""
    dt = datetime.fromisoformat(departure_utc.replace("Z", "+00:00")).astimezone(ZoneInfo(service.tz))
    return f"{service.id}:{dt:%Y-%m-%dT%H%M}"


def _event(eid: str, etype: str, code: str, at: str, dep: str, place: str, **extra: Any) -> dict[str, Any]:
    field = {"TRANSPORT": "transportEventTypeCode", "EQUIPMENT": "equipmentEventTypeCode"}[etype]
    payload: dict[str, Any] = {
        "eventClassifierCode": "ACT",
        "eventDateTime": at,
        field: code,
        "transportCall": {"departureID": dep, "location": {"placeID": place}},
        **extra,
    }
    return {"metadata": {"eventID": eid, "eventType": etype, "eventCreatedDateTime": at}, "payload": payload}


def build_feed(
    rows: list[dict[str, Any]],
    booked: dict[str, list[tuple[str, int, int, list[str]]]] | None,
    with_equipment: bool = True,
    gate_minutes: float = 120.0,
) -> list[dict[str, Any]]:
    """Events of the run's trains, sorted by event time. `booked`: departure id -> [(booking, board stop, alight
    stop, container numbers)]; None = every train (no equipment events then unless booked)."""
    from landbridge.world import load_world

    tt = load_world().timetable
    trains: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        trains.setdefault(f"{r['service']}|{r['departure']}", []).append(r)
    feed: list[tuple[str, int, dict[str, Any]]] = []
    gate = timedelta(minutes=gate_minutes)
    for stops in trains.values():
        svc = tt.by_id.get(stops[0]["service"])
        if svc is None:
            continue
        dep = departure_id(svc, stops[0]["departure"])
        riders = (booked or {}).get(dep)
        if booked is not None and not riders:
            continue
        stops.sort(key=lambda r: int(r["stop"]))
        cross = {k for k, sec in enumerate(svc.sections) if any(x.crossing is not None for x in sec.steps)}
        for r in stops:
            k = int(r["stop"])
            if r["arrival"]:
                feed.append(
                    (r["arrival"], 1, _event(f"{dep}/{k}/ARRI", "TRANSPORT", "ARRI", r["arrival"], dep, r["place"]))
                )
            if r["departure_at"]:
                feed.append(
                    (
                        r["departure_at"],
                        3,
                        _event(f"{dep}/{k}/DEPA", "TRANSPORT", "DEPA", r["departure_at"], dep, r["place"]),
                    )
                )
        if not (with_equipment and riders):
            continue
        arr = {int(r["stop"]): r["arrival"] for r in stops}
        lv = {int(r["stop"]): r["departure_at"] for r in stops}
        for _bid, board, alight, refs in riders:
            for ref in refs:
                feed.extend(_box_events(dep, svc.stops, cross, ref, board, alight, arr, lv, gate))
    feed.sort(key=lambda x: (x[0], x[1]))
    return [e for _t, _o, e in feed]


def _box_events(
    dep: str,
    stops: tuple[str, ...],
    cross: set[int],
    ref: str,
    board: int,
    alight: int,
    arr: dict[int, str],
    lv: dict[int, str],
    gate: timedelta,
) -> list[tuple[str, int, dict[str, Any]]]:
    """One booked container: gate-in and load before the train leaves its boarding stop, discharge and load
    (transshipment moves) at each gauge change on its way, discharge and gate-out after the arrival."""
    out: list[tuple[str, int, dict[str, Any]]] = []

    def eq(code: str, at: str, stop: int, order: int, **extra: Any) -> None:
        eid = f"{dep}/{ref}/{stop}/{code}{'/T' if extra else ''}"
        e = _event(
            eid, "EQUIPMENT", code, at, dep, stops[stop], equipmentReference=ref, emptyIndicatorCode="LADEN", **extra
        )
        out.append((at, order, e))

    if lv.get(board):
        t0 = datetime.fromisoformat(lv[board].replace("Z", "+00:00"))
        eq("GTIN", _iso(t0 - 2 * gate), board, 0)
        eq("LOAD", _iso(t0 - gate), board, 0)
    for k in sorted(cross):
        if board <= k and k + 1 <= alight and arr.get(k + 1):
            eq("DISC", arr[k + 1], k + 1, 2, isTransshipmentMove=True)
            eq("LOAD", arr[k + 1], k + 1, 2, isTransshipmentMove=True)
    if arr.get(alight):
        t1 = datetime.fromisoformat(arr[alight].replace("Z", "+00:00"))
        eq("DISC", _iso(t1 + gate / 2), alight, 4)
        eq("GTOT", _iso(t1 + gate), alight, 4)
    return out


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def pace(feed: list[dict[str, Any]], factor: float | None, batch: int) -> Iterator[list[dict[str, Any]]]:
    """Chunks of the feed, released when the simulated clock (advancing `factor` x real time from the first
    event) reaches them; all at once when factor is None."""
    if not feed:
        return
    t0 = _at(feed[0])
    wall0 = time.monotonic()
    chunk: list[dict[str, Any]] = []
    for e in feed:
        if factor is not None:
            due = wall0 + (_at(e) - t0).total_seconds() / factor
            if chunk and due > time.monotonic():
                yield chunk
                chunk = []
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 3600))
        chunk.append(e)
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _at(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["payload"]["eventDateTime"].replace("Z", "+00:00"))


class ReplayClient:
    """The server's API, as the replay uses it."""

    def __init__(self, url: str, key: str):
        import httpx

        self.http = httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=120)

    def _check(self, r: httpx.Response) -> dict[str, Any]:
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = r.text[:200]
            raise LandbridgeError(f"The server answered {r.status_code}: {detail}")
        doc: dict[str, Any] = r.json()
        return doc

    def booked_equipment(self) -> dict[str, list[tuple[str, int, int, list[str]]]]:
        import httpx

        try:
            doc = self._check(self.http.get("/v1/tracking/manifest"))
        except httpx.HTTPError as exc:
            raise LandbridgeError(f"Cannot reach the server: {exc}. Is `landbridge serve` running?") from None
        return {d: [(b, i, j, refs) for b, i, j, refs in v] for d, v in doc["departures"].items()}

    def post(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self._check(self.http.post("/v1/events/batch", json={"events": events}))

    def close(self) -> None:
        self.http.close()
