"""Tracking events in, everything they move out: stored once per event id, applied in event time, bookings'
transport statuses (with the event that moved them in the audit trail), train positions and predicted
arrivals, and the webhook outbox — all in the caller's transaction (Database.write), so nothing is half-applied
and no notification exists for an event that was rolled back.

Rules: an event is validated on its own (a bad one gets its errors, the others are applied, unless the batch
is `atomic`); an event id seen before is a duplicate and changes nothing; events may come in any order: a train's
position only moves forward in event time, a booking's transport status only forward (planned -> in_transit ->
delivered). A booking is in transit once its first train has an actual event at or after its boarding stop
(departure there, or any later stop), and delivered when every container of it (with a number) has an actual
gate-out at its last rail stop.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from landbridge.accounts.service import Principal
from landbridge.booking import service as bookings
from landbridge.booking.containers import equipment_reference
from landbridge.booking.models import Booking, BookingContainer, BookingReservation
from landbridge.db.base import utcnow
from landbridge.db.bulk import (
    CHUNK,
    among,
    insert_rows,
    parts,
    table_of,
    update_rows,
)
from landbridge.errors import (
    FieldError,
    InvalidRequestError,
    LandbridgeError,
    NotFoundError,
    PermissionDeniedError,
    did_you_mean,
)
from landbridge.timefmt import iso_utc
from landbridge.tracking.models import TrackingEvent, TrainEta, TrainPosition
from landbridge.tracking.parsing import ParsedEvent, parse_event

if TYPE_CHECKING:
    from landbridge.timetable.builder import Timetable
    from landbridge.timetable.models import Departure
    from landbridge.world import World

log = logging.getLogger("landbridge.tracking")
RELEASED = ("rejected", "declined", "cancelled")


class BatchRejectedError(LandbridgeError):
    """An atomic batch with at least one bad event: nothing was applied."""

    status_code = 422

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        first = errors[0]
        super().__init__(
            f"{len(errors)} event(s) are invalid, so the atomic batch was not applied; first: "
            f"events.{first['index']}: {first['errors'][0]['message']}"
        )


@dataclass
class Prepared:
    """A validated event, ready to store."""

    index: int
    event_id: str
    event_type: str
    classifier: str
    type_code: str
    event_at: datetime
    departure_id: str | None = None
    service_id: str | None = None
    stop_index: int | None = None
    place_id: str | None = None
    equipment_reference: str | None = None
    booking_id: str | None = None
    customer_id: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


# ---- validation ------------------------------------------------------------------------------
_WORLD: list[Any] = [None, 0.0]


def _world() -> World:
    """The configured world (load_world is cached, but asking costs ~20 µs; a batch asks thousands of times)."""
    now = time.monotonic()
    if _WORLD[0] is None or now - _WORLD[1] > 1.0:
        from landbridge.world import load_world

        _WORLD[0], _WORLD[1] = load_world(), now
    world: World = _WORLD[0]
    return world


def place_unlocode(place_id: str) -> str | None:
    """The UN/LOCODE of a place: its own, else (a terminal, port) that of the city it serves."""
    net = _world().network
    p = net.places.get(place_id)
    if p is None:
        return None
    if p.unlocode:
        return str(p.unlocode)
    city = net.places.get(p.city) if p.city else None
    return city.unlocode if city is not None else None


_DEPARTURES: dict[tuple[int, str], Departure | None] = {}
_LOCODES: dict[int, dict[str, list[str]]] = {}


def departure_of(dep_id: str) -> Departure | None:
    """The rail departure of an id (None when there is none), remembered: ids never change meaning."""
    tt = _world().timetable
    key = (id(tt), dep_id)
    if key not in _DEPARTURES:
        if len(_DEPARTURES) > 200_000:
            _DEPARTURES.clear()
        try:
            d = tt.departure(dep_id)
            _DEPARTURES[key] = d if d.service.mode == "rail" else None
        except InvalidRequestError:
            _DEPARTURES[key] = None
    return _DEPARTURES[key]


class _Resolver:
    """Departures, places and stops for a batch."""

    def __init__(self) -> None:
        w = _world()
        self.tt = w.timetable
        self.places = w.network.places
        key = id(w.network)
        if key not in _LOCODES:
            index: dict[str, list[str]] = {}
            for pid in self.places:
                code = place_unlocode(pid)
                if code:
                    index.setdefault(code, []).append(pid)
            _LOCODES.clear()
            _LOCODES[key] = index
        self.by_locode = _LOCODES[key]

    def departure(self, dep_id: str) -> Departure | None:
        return departure_of(dep_id)

    def place(self, loc: dict[str, Any], stops: tuple[str, ...] | None, where: str) -> str:
        """The place a location (a normalised document's) names: by placeID (checked against its UN/LOCODE
        when both are given), else by UN/LOCODE among the train's stops."""
        pid, code = loc.get("placeID"), loc.get("UNLocationCode")
        if pid:
            if pid not in self.places:
                hint = did_you_mean(pid, list(stops or self.places))
                raise FieldError(
                    f"{where}.placeID",
                    f"Unknown place {pid!r}." + (f" Did you mean {', '.join(hint)}?" if hint else ""),
                )
            if code and code not in (place_unlocode(pid), None):
                raise FieldError(
                    f"{where}.UNLocationCode",
                    f"{code} is not the UN/LOCODE of {pid} ({place_unlocode(pid) or 'none'}).",
                )
            return str(pid)
        if not code:
            raise FieldError(where, "Give the location's UNLocationCode or placeID.")
        cands = self.by_locode.get(code, [])
        if stops is not None:
            cands = [c for c in cands if c in stops]
        if len(cands) == 1:
            return cands[0]
        if not cands:
            raise FieldError(f"{where}.UNLocationCode", f"No stop of this train has UN/LOCODE {code}; give placeID.")
        raise FieldError(f"{where}.UNLocationCode", f"{code} is several places ({', '.join(cands)}); give placeID.")


def _pyd_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    out = []
    for e in exc.errors()[:20]:
        loc = ".".join(str(p) for p in e.get("loc", ()))
        out.append({"field": f"{prefix}{loc}", "message": str(e.get("msg", "invalid"))})
    return out


def _prepare(raw: Any, index: int, r: _Resolver, now: datetime) -> Prepared:
    """One event checked and normalised: its shape (parsing.parse_event), its time, its type code, the train
    and stop or place it names, its container or document. Raises ValidationError or FieldError."""
    if not isinstance(raw, dict):
        raise FieldError("", "An event is a JSON object with `metadata` and `payload`.")
    ev = parse_event(raw)
    md, pl = ev.document["metadata"], ev.document["payload"]
    at = ev.event_at.astimezone(now.tzinfo)
    # Event times are taken as given (a replay of a simulated run may run ahead of the clock), within reason.
    if not now - timedelta(days=3660) <= at <= now + timedelta(days=3660):
        raise FieldError("payload.eventDateTime", "The event time is more than ten years away from now.")
    p = Prepared(index, md["eventID"], md["eventType"], pl["eventClassifierCode"], _type_code(md["eventType"], pl), at)
    tc = pl.get("transportCall")
    if tc is not None:
        _transport_call(p, tc, r)
    elif p.event_type == "TRANSPORT":
        raise FieldError("payload.transportCall", "A TRANSPORT event needs its transportCall (departureID, location).")
    elif "eventLocation" in pl:
        p.place_id = r.place(pl["eventLocation"], None, "payload.eventLocation")
    if p.event_type == "EQUIPMENT":
        _equipment(p, pl)
    elif p.event_type == "SHIPMENT":
        _shipment(p, pl)
    p.document = _document(ev, p, now)
    return p


_CODE_FIELDS = {
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
    "SHIPMENT": "shipmentEventTypeCode",
}


def _type_code(event_type: str, pl: dict[str, Any]) -> str:
    """The event's code: the one field of its type (a TRANSPORT event has a transportEventTypeCode, no other)."""
    name = _CODE_FIELDS[event_type]
    code = pl.get(name)
    if code is None:
        raise FieldError(f"payload.{name}", f"A {event_type} event needs its {name}.")
    for other, oname in _CODE_FIELDS.items():
        if other != event_type and oname in pl:
            raise FieldError(f"payload.{oname}", f"A {event_type} event has no {oname}.")
    return str(code)


def _transport_call(p: Prepared, tc: dict[str, Any], r: _Resolver) -> None:
    """The train (a rail departure), the stop it names and whether the code fits there."""
    dep = r.departure(tc["departureID"])
    if dep is None:
        raise FieldError(
            "payload.transportCall.departureID",
            f"No rail departure {tc['departureID']!r}; use an id of GET /v1/departures (SERVICE:YYYY-MM-DDTHHMM).",
        )
    stops = dep.service.stops
    pid = r.place(tc["location"], stops, "payload.transportCall.location")
    if pid not in stops:
        where = "payload.transportCall.location"
        raise FieldError(where, f"{pid} is not a stop of {dep.service.id} ({', '.join(stops)}).")
    p.departure_id, p.service_id, p.place_id, p.stop_index = dep.id, dep.service.id, pid, stops.index(pid)
    if tc.get("railService") and tc["railService"] != dep.service.id:
        raise FieldError("payload.transportCall.railService", f"{tc['departureID']} is a run of {dep.service.id}.")
    if p.type_code == "DEPA" and p.stop_index == len(stops) - 1:
        raise FieldError("payload.transportCall", f"A train does not depart from its last stop ({pid}).")
    if p.type_code == "ARRI" and p.stop_index == 0:
        raise FieldError("payload.transportCall", f"A train does not arrive at its first stop ({pid}).")


def _equipment(p: Prepared, pl: dict[str, Any]) -> None:
    """An equipment event names its container (a valid ISO 6346 number), whether it is laden, and a place."""
    if not pl.get("equipmentReference"):
        raise FieldError("payload.equipmentReference", "An EQUIPMENT event names its container (ISO 6346).")
    if pl.get("emptyIndicatorCode") is None:
        raise FieldError("payload.emptyIndicatorCode", "Say whether the container is LADEN or EMPTY.")
    p.equipment_reference = equipment_reference(pl["equipmentReference"], "payload.equipmentReference")
    if p.place_id is None:
        raise FieldError("payload", "An EQUIPMENT event needs a transportCall or an eventLocation.")


def _shipment(p: Prepared, pl: dict[str, Any]) -> None:
    """A shipment event names its document; a booking's (BKG, CBR) ties the event to that booking."""
    if pl.get("documentTypeCode") is None or not pl.get("documentReference"):
        raise FieldError("payload.documentReference", "A SHIPMENT event names its document (type and reference).")
    if pl["documentTypeCode"] in ("BKG", "CBR"):
        p.booking_id = pl["documentReference"]


def _document(ev: ParsedEvent, p: Prepared, now: datetime) -> dict[str, Any]:
    """The event as stored, served and sent: DCSA shape, times in UTC, locations with UN/LOCODE and placeID."""
    doc = ev.document
    md = doc["metadata"]
    md["eventCreatedDateTime"] = _utc_text(md.get("eventCreatedDateTime"), ev.created_at or now)
    pl = doc["payload"]
    pl["eventDateTime"] = _utc_text(pl["eventDateTime"], p.event_at)
    if p.equipment_reference:
        pl["equipmentReference"] = p.equipment_reference
    if p.departure_id:
        tc = pl["transportCall"]
        tc.update(
            {
                "departureID": p.departure_id,
                "railService": p.service_id,
                "transportCallSequenceNumber": (p.stop_index or 0) + 1,
                "transportCallReference": tc.get("transportCallReference") or f"{p.departure_id}/{p.stop_index}",
                "location": _location(p.place_id),
            }
        )
    elif p.place_id and "eventLocation" in pl:
        pl["eventLocation"] = _location(p.place_id)
    return doc


_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _utc_text(given: Any, at: datetime) -> str:
    """iso_utc(at); the text given for it when it is already that (UTC to the second with a Z: a replay's are),
    which saves formatting two times an event."""
    if type(given) is str and _UTC_TEXT.fullmatch(given):
        return given
    return iso_utc(at)


_LOCATIONS: dict[tuple[int, str], dict[str, Any]] = {}


def _location(place_id: str | None) -> dict[str, Any]:
    """A place as an event's location (a copy of the one remembered per network and place)."""
    if place_id is None:
        return {}
    net = _world().network
    key = (id(net), place_id)
    loc = _LOCATIONS.get(key)
    if loc is None:
        if len(_LOCATIONS) > 100_000:
            _LOCATIONS.clear()
        loc = {"locationType": "UNLO", "placeID": place_id, "locationName": net.places[place_id].name}
        code = place_unlocode(place_id)
        if code:
            loc["UNLocationCode"] = code
        _LOCATIONS[key] = loc
    return dict(loc)


# ---- ingest ----------------------------------------------------------------------------------
def ingest(
    s: Session, principal: Principal, raw_events: list[Any], atomic: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """Validate, store and apply a batch of events (see the module's rules). Returns counts and, per duplicate
    or rejected event, its index, id and errors. Operators only. Raises BatchRejectedError (nothing applied)
    when `atomic` and an event is bad."""
    if not principal.is_operator:
        raise PermissionDeniedError("Only operators (terminals, railways, the replay) send tracking events.")
    now = now or utcnow()
    r = _Resolver()
    good: list[Prepared] = []
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_events):
        md = raw.get("metadata") if isinstance(raw, dict) else None
        eid = md.get("eventID") if isinstance(md, dict) else None
        eid = eid if isinstance(eid, str) else None
        try:
            p = _prepare(raw, i, r, now)
        except ValidationError as exc:
            results.append({"index": i, "eventID": eid, "status": "rejected", "errors": _pyd_errors(exc)})
            continue
        except FieldError as exc:
            results.append(
                {
                    "index": i,
                    "eventID": eid,
                    "status": "rejected",
                    "errors": [{"field": exc.field, "message": str(exc)}],
                }
            )
            continue
        if p.event_id in seen:
            results.append({"index": i, "eventID": p.event_id, "status": "duplicate", "errors": []})
            continue
        seen.add(p.event_id)
        good.append(p)
    _resolve_bookings(s, good, results)
    rejected = [x for x in results if x["status"] == "rejected"]
    if atomic and rejected:
        raise BatchRejectedError(rejected)
    created = _store(s, good, results, now)
    if created:
        apply_events(s, created, now)
        from landbridge.tracking.webhooks import enqueue

        enqueue(s, created, now)
    results.sort(key=lambda x: x["index"])
    dup = sum(1 for x in results if x["status"] == "duplicate")
    return {"created": len(created), "duplicates": dup, "rejected": len(rejected), "results": results}


def _resolve_bookings(s: Session, good: list[Prepared], results: list[dict[str, Any]]) -> None:
    """Equipment events: the booking the container is on; shipment events: the booking must exist."""
    refs = sorted({p.equipment_reference for p in good if p.equipment_reference})
    owner: dict[str, str] = {}
    for k in range(0, len(refs), CHUNK):
        owner.update(bookings.bookings_for_equipment(s, refs[k : k + CHUNK]))
    bids = sorted({p.booking_id for p in good if p.booking_id} | set(owner.values()))
    customer: dict[str, str] = {}
    for part in parts(s, bids):
        q = select(Booking.id, Booking.customer_id).where(among(s, Booking.id, part))
        customer.update((bid, cus) for bid, cus in s.execute(q))
    keep = []
    for p in good:
        if p.equipment_reference:
            p.booking_id = owner.get(p.equipment_reference)
        if p.event_type == "SHIPMENT" and p.booking_id and p.booking_id not in customer:
            results.append(
                {
                    "index": p.index,
                    "eventID": p.event_id,
                    "status": "rejected",
                    "errors": [{"field": "payload.documentReference", "message": f"No booking {p.booking_id!r}."}],
                }
            )
            continue
        p.customer_id = customer.get(p.booking_id) if p.booking_id else None
        keep.append(p)
    good[:] = keep


def _store(s: Session, good: list[Prepared], results: list[dict[str, Any]], now: datetime) -> list[Prepared]:
    """Insert the events not seen before, in event time (one statement: bulk.insert_rows); an id stored before
    (or meanwhile, by another batch) is a duplicate. Returns the created ones with their seq."""
    if not good:
        return []
    good = sorted(good, key=lambda p: (p.event_at, p.index))  # applied and sent in event time within a batch
    rows = [
        {
            "event_id": p.event_id,
            "event_type": p.event_type,
            "classifier": p.classifier,
            "type_code": p.type_code,
            "event_at": p.event_at,
            "departure_id": p.departure_id,
            "stop_index": p.stop_index,
            "place_id": p.place_id,
            "equipment_reference": p.equipment_reference,
            "booking_id": p.booking_id,
            "customer_id": p.customer_id,
            "document": p.document,
        }
        for p in good
    ]
    stored = insert_rows(
        s,
        table_of(TrackingEvent),
        rows,
        shared={"received_at": now},
        ignore_conflicts_on=["event_id"],
        returning=["seq", "event_id"],
    )
    got = {eid: seq for seq, eid in stored}
    created = []
    for p in good:
        if p.event_id in got:
            p.seq = got[p.event_id]
            created.append(p)
        else:
            results.append({"index": p.index, "eventID": p.event_id, "status": "duplicate", "errors": []})
    return created


# ---- applying events ------------------------------------------------------------------------
Change = tuple[str, str, datetime, str | None]  # a transport status move: (booking, to, at, the event's id)


@dataclass
class _Leg:
    booking_id: str
    departure_id: str
    board: int
    alight: int


def apply_events(s: Session, created: list[Prepared], now: datetime) -> None:
    """Train positions, bookings' transport statuses and predicted arrivals for newly stored events."""
    acts = [p for p in created if p.classifier == "ACT"]
    moved = _move_trains(s, [p for p in acts if p.event_type == "TRANSPORT"])
    deps = sorted({p.departure_id for p in acts if p.departure_id})
    legs = _legs_on(s, deps, {p.booking_id for p in acts if p.booking_id})
    _advance_bookings(s, acts, legs)
    if moved:
        from landbridge.tracking import eta

        eta.repredict(s, moved, legs)


def _move_trains(s: Session, events: list[Prepared]) -> list[str]:
    """Move each train's position to its newest actual event (in event time). Returns the departures moved."""
    newest: dict[str, Prepared] = {}
    for p in events:
        dep_id = str(p.departure_id)
        cur = newest.get(dep_id)
        if cur is None or (p.event_at, p.type_code == "DEPA") > (cur.event_at, cur.type_code == "DEPA"):
            newest[dep_id] = p
    if not newest:
        return []
    have: dict[str, tuple[datetime, datetime | None]] = {}
    ids = sorted(newest)
    for part in parts(s, ids):
        for dep_id, at, departed_at in s.execute(
            select(TrainPosition.departure_id, TrainPosition.event_at, TrainPosition.departed_at).where(
                among(s, TrainPosition.departure_id, part)
            )
        ):
            have[dep_id] = (at, departed_at)
    departed = {str(p.departure_id): p.event_at for p in events if p.type_code == "DEPA" and p.stop_index == 0}
    moved, inserts, updates = [], [], []
    for dep_id, p in newest.items():
        row: dict[str, Any] = {
            "departure_id": dep_id,
            "service_id": p.service_id,
            "stop_index": p.stop_index,
            "place_id": p.place_id,
            "type_code": p.type_code,
            "event_at": p.event_at,
            "event_id": p.event_id,
            "departed_at": departed.get(dep_id),
        }
        if dep_id not in have:
            inserts.append(row)
            moved.append(dep_id)
            continue
        at, dep_at = have[dep_id]
        row["departed_at"] = dep_at or departed.get(dep_id)
        if p.event_at >= at:
            updates.append(row)
            moved.append(dep_id)
        elif row["departed_at"] != dep_at:  # an older event: only the departure time is news
            updates.append({"departure_id": dep_id, "departed_at": row["departed_at"]})
    moves = [u for u in updates if len(u) > 2]
    update_rows(s, table_of(TrainPosition), ["departure_id"], moves)
    update_rows(s, table_of(TrainPosition), ["departure_id"], [u for u in updates if len(u) == 2])
    insert_rows(s, table_of(TrainPosition), inserts)
    return moved


def _legs_on(s: Session, deps: list[str], booking_ids: set[str]) -> dict[str, list[_Leg]]:
    """Rail legs (reservations) of live bookings on the departures, and of the given bookings; by booking."""
    out: dict[str, list[_Leg]] = {}
    riding = set(booking_ids)
    for part in parts(s, deps):  # index lookups, one query each: a join with bookings scans them all
        riding.update(
            s.scalars(select(BookingReservation.booking_id).where(among(s, BookingReservation.departure_id, part)))
        )
    ids = live_bookings(s, riding)
    for part in parts(s, ids):
        for bid, dep, i, j in s.execute(
            select(
                BookingReservation.booking_id,
                BookingReservation.departure_id,
                BookingReservation.board_stop,
                BookingReservation.alight_stop,
            ).where(among(s, BookingReservation.booking_id, part))
        ):
            out.setdefault(bid, []).append(_Leg(bid, dep, i, j))
    for lst in out.values():  # in travel order: by the time the train reaches the boarding stop
        lst.sort(key=_leg_start)
    return out


def live_bookings(s: Session, ids: Iterable[str]) -> list[str]:
    """The bookings among `ids` that are neither released nor delivered (by primary key)."""
    out: list[str] = []
    for part in parts(s, sorted(ids)):
        live = select(Booking.id).where(
            among(s, Booking.id, part), Booking.status.not_in(RELEASED), Booking.transport_status != "delivered"
        )
        out.extend(s.scalars(live))
    return out


def _leg_start(leg: _Leg) -> datetime:
    d = departure_of(leg.departure_id)
    return d.time_at(leg.board) if d is not None else datetime.max.replace(tzinfo=utcnow().tzinfo)


def _advance_bookings(s: Session, acts: list[Prepared], legs: dict[str, list[_Leg]]) -> None:
    """Move bookings' transport statuses forward: in transit on their first train's departure from the boarding
    stop (or any later event of it, or of one of their boxes away from the origin), delivered once every box
    has gated out at the last stop (booking.service.advance_transport writes the moves and the audit rows)."""
    if not legs:
        return
    state: dict[str, str] = {}
    ids = list(legs)
    for part in parts(s, ids):
        q = select(Booking.id, Booking.transport_status).where(among(s, Booking.id, part))
        state.update((bid, st) for bid, st in s.execute(q))
    in_transit, gate_out = _moves(acts, legs)
    changes: list[Change] = [
        (bid, "in_transit", p.event_at, p.event_id) for bid, p in in_transit.items() if state.get(bid) == "planned"
    ]
    if gate_out:
        changes += _deliveries(s, gate_out, state, legs)
    bookings.advance_transport(s, changes)


def _moves(acts: list[Prepared], legs: dict[str, list[_Leg]]) -> tuple[dict[str, Prepared], dict[str, list[Prepared]]]:
    """Per booking: the first event (in event time) that puts it in transit, and its boxes' gate-outs at the
    last stop."""
    firsts: dict[str, list[_Leg]] = {}  # departure -> the legs that are their booking's first
    for lst in legs.values():
        firsts.setdefault(lst[0].departure_id, []).append(lst[0])
    in_transit: dict[str, Prepared] = {}
    gate_out: dict[str, list[Prepared]] = {}
    for p in acts:  # in event time
        if p.event_type == "TRANSPORT" and p.departure_id is not None and p.stop_index is not None:
            for leg in firsts.get(p.departure_id, ()):
                if p.stop_index > leg.board or (p.stop_index == leg.board and p.type_code == "DEPA"):
                    in_transit.setdefault(leg.booking_id, p)
        elif p.event_type == "EQUIPMENT" and p.booking_id is not None and p.booking_id in legs:
            first, last = legs[p.booking_id][0], legs[p.booking_id][-1]
            if p.type_code == "GTOT" and p.place_id == _stop_place(last.departure_id, last.alight):
                gate_out.setdefault(p.booking_id, []).append(p)
                in_transit.setdefault(p.booking_id, p)
            elif p.place_id not in (_stop_place(first.departure_id, first.board), None) or p.type_code == "CROS":
                in_transit.setdefault(p.booking_id, p)
    return in_transit, gate_out


def _deliveries(
    s: Session, gate_out: dict[str, list[Prepared]], state: dict[str, str], legs: dict[str, list[_Leg]]
) -> list[Change]:
    """Bookings now delivered: each of their numbered containers has an actual gate-out at the last stop (in this
    batch or an earlier one)."""
    bids = sorted(b for b in gate_out if state.get(b) != "delivered")
    refs: dict[str, set[str]] = {}
    out: dict[str, set[str]] = {}
    for part in parts(s, bids):
        for bid, ref in s.execute(
            select(BookingContainer.booking_id, BookingContainer.equipment_reference).where(
                among(s, BookingContainer.booking_id, part), BookingContainer.equipment_reference.is_not(None)
            )
        ):
            if ref is not None:
                refs.setdefault(bid, set()).add(ref)
        for owner, box, place in s.execute(
            select(TrackingEvent.booking_id, TrackingEvent.equipment_reference, TrackingEvent.place_id).where(
                among(s, TrackingEvent.booking_id, part),
                TrackingEvent.type_code == "GTOT",
                TrackingEvent.classifier == "ACT",
            )
        ):
            if owner is None or box is None:
                continue
            last = legs[owner][-1]
            if place == _stop_place(last.departure_id, last.alight):
                out.setdefault(owner, set()).add(box)
    done: list[Change] = []
    for bid in bids:
        if refs.get(bid, set()) <= out.get(bid, set()):
            p = max(gate_out[bid], key=lambda x: x.event_at)
            done.append((bid, "delivered", p.event_at, p.event_id))
    return done


def _stop_place(dep_id: str, stop: int) -> str | None:
    d = departure_of(dep_id)
    return d.service.stops[stop] if d is not None and 0 <= stop < len(d.service.stops) else None


# ---- reading -------------------------------------------------------------------------------
def booking_tracking(s: Session, principal: Principal, booking_id: str) -> dict[str, Any]:
    """A booking's statuses, its train's position, its predicted arrival and its events in event time."""
    b = bookings.get_booking(s, principal, booking_id)  # 404 for another customer's booking
    legs = s.execute(
        select(BookingReservation.departure_id, BookingReservation.board_stop, BookingReservation.alight_stop).where(
            BookingReservation.booking_id == booking_id
        )
    ).all()
    deps = [d for d, _i, _j in legs]
    tt = _world().timetable
    legs_sorted = sorted(legs, key=lambda x: _leg_start(_Leg(booking_id, x[0], x[1], x[2])))
    conds = [TrackingEvent.booking_id == booking_id]
    for d, i, j in legs_sorted:
        conds.append(
            and_(
                TrackingEvent.departure_id == d,
                TrackingEvent.event_type == "TRANSPORT",
                TrackingEvent.stop_index >= i,
                TrackingEvent.stop_index <= j,
            )
        )
    evs = s.scalars(
        select(TrackingEvent.document)
        .where(or_(*conds))
        .order_by(TrackingEvent.event_at, TrackingEvent.seq)
        .limit(2000)
    ).all()
    position = None
    eta_out = None
    if deps:
        pos = s.scalars(
            select(TrainPosition).where(TrainPosition.departure_id.in_(deps)).order_by(TrainPosition.event_at.desc())
        ).first()
        if pos is not None:
            position = {
                "departure_id": pos.departure_id,
                "stop_index": pos.stop_index,
                "place_id": pos.place_id,
                "UNLocationCode": place_unlocode(pos.place_id),
                "event": pos.type_code,
                "at": iso_utc(pos.event_at),
                "departed_at": iso_utc(pos.departed_at) if pos.departed_at else None,
            }
        last_dep, _i, alight = legs_sorted[-1]
        e = s.get(TrainEta, (last_dep, alight))
        if e is not None:
            from landbridge.tracking.eta import served

            eta_out = eta_doc(e, tt, served(s, e, utcnow()))
    return {
        "booking_id": b["id"],
        "status": b["status"],
        "transport_status": b["transport_status"],
        "position": position,
        "eta": eta_out,
        "events": list(evs),
    }


def eta_doc(e: TrainEta, tt: Timetable | None = None, as_of: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored prediction as the API shows it; `as_of`: its values as of the time of asking (eta.served)."""
    tt = tt or _world().timetable
    now = as_of or {}
    try:
        place = tt.departure(e.departure_id).service.stops[e.stop_index]
    except (InvalidRequestError, IndexError):
        place = ""
    return {
        "departure_id": e.departure_id,
        "stop_index": e.stop_index,
        "place_id": place,
        "p10": iso_utc(now.get("p10", e.p10)),
        "p50": iso_utc(now.get("p50", e.p50)),
        "p90": iso_utc(now.get("p90", e.p90)),
        "scheduled": iso_utc(e.scheduled),
        "schedule_only": iso_utc(now.get("schedule_only", e.schedule_only)),
        "predicted_from": e.predicted_from,
        "predicted_at": iso_utc(e.predicted_at),
        "as_of": iso_utc(now.get("as_of", e.predicted_at)),
        "model_version": now.get("model_version", e.model_version),
    }


def list_events(
    s: Session,
    principal: Principal,
    *,
    booking_id: str | None = None,
    departure_id: str | None = None,
    equipment_reference: str | None = None,
    event_types: Iterable[str] | None = None,
    limit: int = 100,
    after_seq: int = 0,
) -> dict[str, Any]:
    """Events in the order they were accepted (DCSA poll model). Shippers see their bookings' events (give
    booking_id for the train's transport events too); operators everything."""
    if booking_id:
        doc = booking_tracking(s, principal, booking_id)
        evs = doc["events"]
        if event_types:
            evs = [e for e in evs if e["metadata"]["eventType"] in set(event_types)]
        return {"events": evs[:limit], "next_cursor": None}
    q = select(TrackingEvent.seq, TrackingEvent.document).where(TrackingEvent.seq > after_seq)
    if not principal.is_operator:
        q = q.where(TrackingEvent.customer_id == principal.customer_id)
    if departure_id:
        q = q.where(TrackingEvent.departure_id == departure_id)
    if equipment_reference:
        q = q.where(TrackingEvent.equipment_reference == equipment_reference.replace(" ", "").upper())
    if event_types:
        q = q.where(TrackingEvent.event_type.in_(list(event_types)))
    rows = s.execute(q.order_by(TrackingEvent.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"events": [d for _seq, d in rows], "next_cursor": str(rows[-1][0]) if more and rows else None}


def get_event(s: Session, principal: Principal, event_id: str) -> dict[str, Any]:
    q = select(TrackingEvent.document, TrackingEvent.customer_id).where(TrackingEvent.event_id == event_id[:100])
    row = s.execute(q).first()
    if row is None or (not principal.is_operator and row[1] != principal.customer_id):
        raise NotFoundError(f"No event {event_id[:100]!r}.")
    doc: dict[str, Any] = row[0]
    return doc


def manifest(s: Session) -> dict[str, Any]:
    """Departure id -> [[booking, board stop, alight stop, [container numbers]]] for live, undelivered bookings."""
    refs: dict[str, list[str]] = {}
    for bid, ref in s.execute(
        select(BookingContainer.booking_id, BookingContainer.equipment_reference)
        .join(Booking, Booking.id == BookingContainer.booking_id)
        .where(
            BookingContainer.equipment_reference.is_not(None),
            Booking.status.not_in(RELEASED),
            Booking.transport_status != "delivered",
        )
        .order_by(BookingContainer.booking_id, BookingContainer.seq)
    ):
        if ref is not None:
            refs.setdefault(bid, []).append(ref)
    out: dict[str, list[Any]] = {}
    for bid, dep, i, j in s.execute(
        select(
            BookingReservation.booking_id,
            BookingReservation.departure_id,
            BookingReservation.board_stop,
            BookingReservation.alight_stop,
        )
        .join(Booking, Booking.id == BookingReservation.booking_id)
        .where(Booking.status.not_in(RELEASED), Booking.transport_status != "delivered")
    ):
        out.setdefault(dep, []).append([bid, i, j, refs.get(bid, [])])
    return {"departures": out}
