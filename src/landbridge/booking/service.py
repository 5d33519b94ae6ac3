"""Quotes that stay bookable, bookings that reserve rail capacity (all legs or none), their lifecycle
and audit trail. Every function takes the session of a transaction the caller owns (Database.write or
Database.read) and never commits; so an API call is one transaction, all or nothing."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Connection, CursorResult, and_, bindparam, insert, or_, select, text, true, update
from sqlalchemy.orm import Session

from landbridge.accounts.models import Customer
from landbridge.accounts.service import Principal
from landbridge.booking import capacity
from landbridge.booking.models import (
    BOOKING_CONTAINERS,
    BOOKINGS,
    EVENTS,
    QUOTE_OPTIONS,
    RESERVATIONS,
    Booking,
    BookingContainer,
    BookingEvent,
    BookingReservation,
    Quote,
    QuoteOption,
)
from landbridge.booking.schemas import BookingIn, ContainerIn, Goods, QuoteIn
from landbridge.db.base import new_id, to_feu, to_mfeu, utcnow
from landbridge.db.bulk import among, insert_rows, parts, update_rows
from landbridge.db.direct import Batch, DirectStatement
from landbridge.errors import (
    ConflictError,
    FieldError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from landbridge.timefmt import iso_utc, parse_instant

if TYPE_CHECKING:
    from landbridge.world import World

QUOTE_VALID = timedelta(minutes=30)
CENT = Decimal("0.01")

# Booking status changes allowed (DCSA Booking 2.0 states), and who may make them. The transport status
# (planned -> in_transit -> delivered) is separate: tracking events move it (set_transport_status).
TRANSITIONS = {
    "received": ("pending_update", "confirmed", "rejected", "cancelled"),
    "pending_update": ("received", "confirmed", "rejected", "cancelled"),
    "confirmed": ("declined", "cancelled", "completed"),
    "rejected": (),
    "declined": (),
    "cancelled": (),
    "completed": (),
}
SHIPPER_CAN_CANCEL = ("received", "pending_update", "confirmed")
RELEASES_CAPACITY = ("rejected", "declined", "cancelled")
TRANSPORT_ORDER = ("planned", "in_transit", "delivered")
# Earlier names of the statuses, still accepted by change_status: "requested" is now "received"; "in_transit"
# and "delivered" set the transport status (an operator's manual override when no tracking events come).
LEGACY_STATUS = {"requested": "received"}
TRANSPORT_ALIASES = ("in_transit", "delivered")


# ---- quotes ----------------------------------------------------------------------------------
def create_quote(
    s: Session, principal: Principal, req: QuoteIn, now: datetime | None = None, *, departure_id: str | None = None
) -> dict[str, Any]:
    """Run the planner (only departures with room are offered) and store the options as bookable.

    `departure_id`, when given, is the only rail departure offered (a consolidator booking containers on a
    given train, e.g. the e-commerce consolidation); every other rail departure counts as full."""
    from landbridge.planner import QuoteRequest
    from landbridge.world import load_world, scenario_from_specs

    base = load_world()
    now = now or utcnow()
    try:
        world = load_world(scenario_from_specs(req.scenario)) if req.scenario else base
    except InvalidRequestError as exc:
        raise FieldError("scenario", str(exc)) from None
    # The request itself is checked by the planner (landbridge.planner.request), as for the CLI; its errors
    # name the field at fault.
    memo: dict[tuple[str, int, int, float], bool] = {}

    def room(dep_id: str, i: int, j: int, feu: float) -> bool:
        if departure_id is not None and dep_id != departure_id:
            return False
        k = (dep_id, i, j, feu)
        if k not in memo:
            memo[k] = capacity.has_room(s, base, dep_id, i, j, feu)
        return memo[k]

    qreq = QuoteRequest(
        req.origin,
        req.destination,
        req.ready_date,
        req.containers,
        req.container_type,
        req.cargo,
        req.mass_kg,
        tuple(dict.fromkeys(req.modes)),
        req.currency,
    )
    quote = world.planner.quote(qreq, capacity=room, now=now)
    doc = quote.to_dict()
    expires = now + QUOTE_VALID
    qid = new_id("qt")
    s.add(
        Quote(
            id=qid,
            customer_id=principal.customer_id,
            api_key_id=principal.key_id,
            request=req.model_dump(mode="json"),
            created_at=now,
            expires_at=expires,
        )
    )
    s.flush()
    container = quote.container
    rows = []
    for opt in doc["options"]:
        oid = new_id("opt")
        opt_doc = {"id": oid, "expires_at": iso_utc(expires), **opt}
        rows.append(
            {
                "id": oid,
                "quote_id": qid,
                "customer_id": principal.customer_id,
                "key": opt["key"],
                "containers": req.containers,
                "container_type": container.id,
                "mfeu_per_container": to_mfeu(container.feu),
                "max_payload_kg": int(container.max_payload_kg),
                "cargo": quote.cargo.id,
                "price_total": Decimal(str(opt["cost"]["total"])),
                "currency": opt["cost"]["currency"],
                "option": opt_doc,
                "expires_at": expires,
            }
        )
        opt.update({"id": oid, "expires_at": iso_utc(expires)})
    if rows:
        s.execute(insert(QuoteOption), rows)
    return {"id": qid, "expires_at": iso_utc(expires), "valid_minutes": int(QUOTE_VALID.total_seconds() // 60), **doc}


@dataclass(frozen=True)
class BookableOption:
    """What a booking needs of a stored quote option. Options never change once stored, so they are
    kept in memory after the first read (bounded); expiry is checked on every use."""

    id: str
    customer_id: str | None
    containers: int
    container_type: str
    mfeu_per_container: int
    max_payload_kg: int
    cargo: str
    price_total: Decimal
    currency: str
    expires_at: datetime
    departs_at: datetime
    arrives_at: datetime
    first_timetabled: datetime
    origin: str
    destination: str
    rail_legs: tuple[tuple[str, int, int], ...]
    services: tuple[tuple[str, str], ...]  # (mode, service id) of the rail and sea legs
    option: dict[str, Any]


_QO = QUOTE_OPTIONS
_OPTION = select(_QO).where(_QO.c.id == bindparam("id"))
_options: dict[str, BookableOption] = {}
_OPTIONS_MAX = 20_000


def connection(s: Session | Connection) -> Connection:
    """The Connection of a unit: a Session's, or the Connection a Core unit is given (Database.write_core)."""
    return s.connection() if isinstance(s, Session) else s


def bookable_option(s: Session | Connection, option_id: str) -> BookableOption | None:
    hit = _options.get(option_id)
    if hit is not None:
        return hit
    r = connection(s).execute(_OPTION, {"id": option_id}).mappings().first()
    if r is None:
        return None
    o = r["option"]
    legs = o["legs"]
    departs = parse_instant(o["departure"])
    opt = BookableOption(
        r["id"],
        r["customer_id"],
        r["containers"],
        r["container_type"],
        r["mfeu_per_container"],
        r["max_payload_kg"],
        r["cargo"],
        Decimal(r["price_total"]),
        r["currency"],
        r["expires_at"],
        departs,
        parse_instant(o["arrival"]),
        min((parse_instant(l["departure"]) for l in legs if l.get("departure_id")), default=departs),
        legs[0]["from"],
        legs[-1]["to"],
        tuple(
            (l["departure_id"], int(l["board_stop"]), int(l["alight_stop"]))
            for l in legs
            if l["mode"] == "rail" and l.get("departure_id")
        ),
        tuple((l["mode"], l["service"]) for l in legs if l["mode"] in ("rail", "sea") and l.get("service")),
        o,
    )
    if len(_options) >= _OPTIONS_MAX:
        _options.clear()
    _options[option_id] = opt
    return opt


def _option(s: Session | Connection, option_id: str, customer_id: str) -> BookableOption:
    opt = bookable_option(s, option_id) if len(option_id) <= 32 else None
    # Options quoted by a shipper belong to its customer; operators' quotes may be booked for anyone.
    if opt is None or (opt.customer_id is not None and opt.customer_id != customer_id):
        raise NotFoundError(f"No quote option {option_id!r}; request a quote with POST /v1/quotes.")
    return opt


# ---- bookings --------------------------------------------------------------------------------
_CUSTOMER = select(Customer.id).where(Customer.id == bindparam("id"))


def _customer_for(s: Session | Connection, principal: Principal, customer_id: str | None) -> str:
    if principal.is_operator:
        if not customer_id:
            raise FieldError("customer_id", "Operators book for a customer: give customer_id.")
        if connection(s).execute(_CUSTOMER, {"id": customer_id}).first() is None:
            raise FieldError("customer_id", f"No customer {customer_id!r}.")
        return customer_id
    if customer_id and customer_id != principal.customer_id:
        raise FieldError("customer_id", "A shipper books for itself only; leave customer_id out.")
    return principal.customer_id  # type: ignore[return-value]


# The inserts of every booking, run on the driver's cursor (landbridge.db.direct): compiled once, for these columns.
_BOOKING_COLUMNS = (
    "id",
    "customer_id",
    "option_id",
    "status",
    "transport_status",
    "reference",
    "containers",
    "container_type",
    "feu_mfeu",
    "price_total",
    "currency",
    "origin",
    "destination",
    "departs_at",
    "arrives_at",
    "shipment",
    "created_at",
    "updated_at",
)
_EVENT_COLUMNS = (
    "booking_id",
    "from_status",
    "to_status",
    "at",
    "api_key_id",
    "actor_role",
    "note",
    "field",
    "tracking_event_id",
)
_INSERT_BOOKING = DirectStatement(insert(BOOKINGS), _BOOKING_COLUMNS)
_INSERT_RESERVATIONS = DirectStatement(
    insert(RESERVATIONS), ("booking_id", "departure_id", "board_stop", "alight_stop", "mfeu")
)
_INSERT_EVENT = DirectStatement(insert(EVENTS), _EVENT_COLUMNS)


def create_booking(
    s: Session | Connection,
    principal: Principal,
    body: BookingIn,
    now: datetime | None = None,
    batch: Batch | None = None,
) -> dict[str, Any]:
    """Reserve slots on every rail departure of the option (all or none) and record the booking. Runs on a Session
    or on the Connection of a Core unit (Database.write_core: the API's hot path).

    With `batch` (db.direct.Batch) the capacity UPDATEs and the inserts are queued in it, their checks with them,
    for the caller to send with its own statements (the Idempotency-Key record): on PostgreSQL the whole
    transaction in one round trip. The caller must run the batch before it commits. Without, they run here:
    capacity first, nothing written when a departure is full."""
    now = now or utcnow()
    customer_id = _customer_for(s, principal, body.customer_id)
    opt = _option(s, body.option_id, customer_id)
    if opt.expires_at <= now:
        raise GoneError(f"Quote option {opt.id} expired at {opt.expires_at.isoformat()}; request a new quote.")
    if body.containers > opt.containers:
        raise FieldError(
            "containers",
            f"The option was quoted for {opt.containers} container(s); book at most that many or request a new quote.",
        )
    goods = body.shipment.goods
    if goods.mass_kg > body.containers * opt.max_payload_kg:
        raise FieldError(
            "shipment.goods.mass_kg",
            f"{goods.mass_kg:,.0f} kg is more than {body.containers} x {opt.container_type} can carry "
            f"({opt.max_payload_kg:,} kg each).",
        )
    from landbridge.world import load_world

    world = load_world()
    _check_dangerous_goods(opt, goods, world)
    if opt.first_timetabled <= now:
        raise GoneError(f"The first departure of option {opt.id} has left; request a new quote.")
    mfeu = body.containers * opt.mfeu_per_container
    conn = connection(s)
    b = Batch() if batch is None else batch
    # sent in one batch with the Idempotency-Key record: sections of a first-used departure are made by the caller
    capacity.reserve(conn, world, opt.rail_legs, mfeu, b, create_missing=batch is None)
    if batch is None:
        b.run(conn)

    price = (opt.price_total * body.containers / opt.containers).quantize(Decimal("0.01"), ROUND_HALF_UP)
    bid = new_id("bk")
    row = {
        "id": bid,
        "customer_id": customer_id,
        "option_id": opt.id,
        "status": "received",
        "transport_status": "planned",
        "reference": body.reference,
        "containers": body.containers,
        "container_type": opt.container_type,
        "feu_mfeu": mfeu,
        "price_total": price,
        "currency": opt.currency,
        "origin": opt.origin,
        "destination": opt.destination,
        "departs_at": opt.departs_at,
        "arrives_at": opt.arrives_at,
        "shipment": body.shipment.model_dump(mode="json"),
        "created_at": now,
        "updated_at": now,
    }
    b.add(conn, _INSERT_BOOKING, [row])
    res = [
        {"booking_id": bid, "departure_id": d, "board_stop": i, "alight_stop": j, "mfeu": mfeu}
        for d, i, j in opt.rail_legs
    ]
    b.add(conn, _INSERT_RESERVATIONS, res)
    ev = {
        "booking_id": bid,
        "from_status": None,
        "to_status": "received",
        "at": now,
        "api_key_id": principal.key_id,
        "actor_role": principal.role,
        "note": None,
        "field": "status",
        "tracking_event_id": None,
    }
    b.add(conn, _INSERT_EVENT, [ev])
    if batch is None or body.equipment:
        b.run(conn)  # before the equipment is checked: a full departure answers 409 before a bad container 422
    equipment: list[dict[str, Any]] = []
    if body.equipment:
        equipment = _equipment_rows(s, bid, body.equipment, body.containers, opt.container_type, now, "equipment")
        conn.execute(insert(BOOKING_CONTAINERS), equipment)
    return _booking_out({**row, "itinerary": opt.option}, res, [ev], equipment)


def _equipment_rows(
    s: Session | Connection,
    booking_id: str,
    items: list[ContainerIn],
    containers: int,
    container_type: str,
    now: datetime,
    field: str,
) -> list[dict[str, Any]]:
    """Validated rows of booking_containers: ISO 6346 numbers and size-type codes, seals, VGM within the box's
    limits; a number at most once, and not on another booking still on its way."""
    from landbridge.booking.containers import DEFAULT_CODE, check_vgm, equipment_reference, size_type
    from landbridge.world import load_world

    if len(items) > containers:
        raise FieldError(field, f"The booking is for {containers} container(s); {len(items)} were given.")
    ct = load_world().catalog.containers.get(container_type)
    rows = []
    seen: dict[str, int] = {}
    for k, c in enumerate(items):
        where = f"{field}.{k}"
        ref = (
            equipment_reference(c.equipment_reference, f"{where}.equipment_reference")
            if c.equipment_reference
            else None
        )
        if ref is not None:
            if ref in seen:
                raise FieldError(
                    f"{where}.equipment_reference", f"{ref} is given twice (also as container {seen[ref]})."
                )
            seen[ref] = k
        code = size_type(
            c.iso_equipment_code or DEFAULT_CODE.get(container_type, ""), container_type, f"{where}.iso_equipment_code"
        )
        if c.vgm is not None and ct is not None:
            check_vgm(c.vgm.mass_kg, ct.tare_kg, ct.max_payload_kg, f"{where}.vgm.mass_kg")
        rows.append(
            {
                "booking_id": booking_id,
                "seq": k + 1,
                "equipment_reference": ref,
                "iso_equipment_code": code,
                "seals": [x.model_dump() for x in c.seals],
                "vgm_kg": c.vgm.mass_kg if c.vgm else None,
                "vgm_method": c.vgm.method if c.vgm else None,
                "updated_at": now,
            }
        )
    if seen:
        busy = (
            connection(s)
            .execute(
                select(BookingContainer.equipment_reference, Booking.id)
                .join(Booking, Booking.id == BookingContainer.booking_id)
                .where(
                    BookingContainer.equipment_reference.in_(list(seen)),
                    Booking.id != booking_id,
                    Booking.status.not_in(RELEASES_CAPACITY),
                    Booking.transport_status != "delivered",
                )
            )
            .first()
        )
        if busy is not None:
            raise ConflictError(
                f"Container {busy[0]} is on booking {busy[1]}, which has not been delivered yet; check the number."
            )
    return rows


def set_equipment(
    s: Session, principal: Principal, booking_id: str, items: list[ContainerIn], now: datetime | None = None
) -> dict[str, Any]:
    """Replace the containers of a booking (numbers, size-type codes, seals, VGM). Shippers until the train
    leaves; operators at any time before delivery."""
    now = now or utcnow()
    b = _load(s, principal, booking_id, lock=True)
    if b.status in RELEASES_CAPACITY or b.transport_status == "delivered":
        raise ConflictError(f"Booking {b.id} is {b.status}/{b.transport_status}; its containers can no longer change.")
    if not principal.is_operator and b.transport_status != "planned":
        raise ConflictError(f"Booking {b.id} has left; ask the operator to correct its containers.")
    rows = _equipment_rows(s, b.id, items, b.containers, b.container_type, now, "equipment")
    s.execute(BOOKING_CONTAINERS.delete().where(BookingContainer.booking_id == b.id))
    if rows:
        s.execute(insert(BOOKING_CONTAINERS), rows)
    s.execute(
        update(Booking).where(Booking.id == b.id).values(updated_at=now).execution_options(synchronize_session=False)
    )
    s.expire(b)
    return _full_out(s, _reloaded(s, b.id))


_EQUIPMENT_OWNER_PG = text(
    """
    SELECT r.ref, x.id, x.created_at FROM jsonb_array_elements_text(CAST(:refs AS JSONB)) AS r(ref)
    CROSS JOIN LATERAL (
        SELECT b.id, b.created_at FROM booking_containers c JOIN bookings b ON b.id = c.booking_id
        WHERE c.equipment_reference = r.ref AND b.status <> ALL(CAST(:released AS TEXT[]))
          AND b.transport_status <> 'delivered' OFFSET 0) AS x
    """
)


def bookings_for_equipment(s: Session, refs: list[str]) -> dict[str, str]:
    """Equipment reference -> the booking it is on now: the newest booking that holds it and is neither
    released (cancelled, rejected, declined) nor delivered."""
    if not refs:
        return {}
    if s.get_bind().dialect.name == "postgresql":
        # one index lookup per number (LATERAL): a join of the whole list against bookings lets the planner
        # scan and hash every booking, which grows with them (40 ms at 36,000 bookings, seconds with a bad
        # generic plan of the prepared 500-parameter statement). OFFSET 0 keeps the subquery per number (else it
        # is flattened into that same join); no ORDER BY ... LIMIT 1 inside, which invites a walk of all bookings
        # in created_at order for each number: the newest is picked here.
        found = s.execute(_EQUIPMENT_OWNER_PG, {"refs": json.dumps(refs), "released": list(RELEASES_CAPACITY)})
        return {str(ref): str(bid) for ref, bid, _at in sorted(found, key=lambda row: row[2])}
    rows = s.execute(
        select(BookingContainer.equipment_reference, Booking.id, Booking.created_at)
        .join(Booking, Booking.id == BookingContainer.booking_id)
        .where(
            BookingContainer.equipment_reference.in_(refs),
            Booking.status.not_in(RELEASES_CAPACITY),
            Booking.transport_status != "delivered",
        )
        .order_by(Booking.created_at)
    ).all()
    return {ref: bid for ref, bid, _ in rows if ref is not None}


def _check_dangerous_goods(opt: BookableOption, goods: Goods, w: World) -> None:
    from landbridge.booking.dangerous_goods import check_declaration

    dg = goods.dangerous_goods
    check_declaration(w.catalog, opt.cargo, dg)  # the declaration is the quoted cargo's, class as listed
    if dg is None:
        return
    for _mode, sid in opt.services:
        svc = w.timetable.by_id.get(sid)
        if svc is not None and dg.un_number not in svc.dangerous_goods:
            raise FieldError(
                "shipment.goods.dangerous_goods.un_number",
                f"{svc.name} does not accept {dg.un_number}; request a quote with the matching "
                "cargo type (e.g. batteries) so that only services accepting it are offered.",
            )


def _visible(principal: Principal) -> ColumnElement[bool]:
    return true() if principal.is_operator else (Booking.customer_id == principal.customer_id)


def _load(s: Session, principal: Principal, booking_id: str, lock: bool = False) -> Booking:
    if not booking_id or len(booking_id) > 32:
        raise NotFoundError(f"No booking {booking_id[:40]!r}.")
    q = select(Booking).where(Booking.id == booking_id, _visible(principal))
    if lock:
        q = q.with_for_update()
    b = s.scalars(q).first()
    if b is None:
        raise NotFoundError(f"No booking {booking_id!r}.")  # another customer's booking is not there for you
    return b


def get_booking(s: Session, principal: Principal, booking_id: str) -> dict[str, Any]:
    b = _load(s, principal, booking_id)
    return visible_to(principal, _full_out(s, b))


def visible_to(principal: Principal, booking: dict[str, Any]) -> dict[str, Any]:
    """A booking as `principal` may see it: shippers do not see which operator key made a change, nor the
    operators' notes on it (their own cancellation reasons they do see)."""
    if principal.is_operator:
        return booking
    events = [e if e["actor_role"] == "shipper" else {**e, "api_key_id": None, "note": None} for e in booking["events"]]
    return {**booking, "events": events}


def _reloaded(s: Session, booking_id: str) -> Booking:
    """A booking read again after a change in this transaction (it was expired; the row is locked)."""
    b = s.get(Booking, booking_id)
    if b is None:
        raise NotFoundError(f"No booking {booking_id!r}.")
    return b


def _full_out(s: Session, b: Booking) -> dict[str, Any]:
    res = s.execute(
        select(
            BookingReservation.departure_id,
            BookingReservation.board_stop,
            BookingReservation.alight_stop,
            BookingReservation.mfeu,
        )
        .where(BookingReservation.booking_id == b.id)
        .order_by(BookingReservation.departure_id)
    ).mappings()
    evs = s.execute(
        select(
            BookingEvent.from_status,
            BookingEvent.to_status,
            BookingEvent.at,
            BookingEvent.actor_role,
            BookingEvent.api_key_id,
            BookingEvent.note,
            BookingEvent.field,
            BookingEvent.tracking_event_id,
        )
        .where(BookingEvent.booking_id == b.id)
        .order_by(BookingEvent.id)
    ).mappings()
    row = {
        c: getattr(b, c)
        for c in (
            "id",
            "customer_id",
            "option_id",
            "status",
            "transport_status",
            "reference",
            "containers",
            "container_type",
            "feu_mfeu",
            "price_total",
            "currency",
            "origin",
            "destination",
            "departs_at",
            "arrives_at",
            "shipment",
            "created_at",
            "updated_at",
        )
    }
    opt = bookable_option(s, b.option_id)
    row["itinerary"] = opt.option if opt else None
    eq = s.execute(
        select(BOOKING_CONTAINERS).where(BookingContainer.booking_id == b.id).order_by(BookingContainer.seq)
    ).mappings()
    return _booking_out(row, [dict(r) for r in res], [dict(e) for e in evs], [dict(e) for e in eq])


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """A booking as plain JSON values (stored as is for idempotent replays)."""
    return {
        "id": row["id"],
        "status": row["status"],
        "transport_status": row.get("transport_status") or "planned",
        "customer_id": row["customer_id"],
        "option_id": row["option_id"],
        "reference": row["reference"],
        "containers": row["containers"],
        "container_type": row["container_type"],
        "feu": to_feu(row["feu_mfeu"]),
        "price": {"total": str(Decimal(row["price_total"]).quantize(CENT)), "currency": row["currency"]},
        "origin": row["origin"],
        "destination": row["destination"],
        "departure": iso_utc(row["departs_at"]),
        "arrival": iso_utc(row["arrives_at"]),
        "created_at": iso_utc(row["created_at"]),
        "updated_at": iso_utc(row["updated_at"]),
    }


def _booking_out(
    row: dict[str, Any],
    res: list[dict[str, Any]],
    evs: list[dict[str, Any]],
    eq: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        **_summary(row),
        "shipment": row["shipment"],
        "equipment": [
            {
                "seq": e["seq"],
                "equipment_reference": e["equipment_reference"],
                "iso_equipment_code": e["iso_equipment_code"],
                "seals": e["seals"],
                "vgm": {"mass_kg": float(e["vgm_kg"]), "method": e["vgm_method"]} if e["vgm_kg"] is not None else None,
            }
            for e in eq or []
        ],
        "itinerary": row["itinerary"],
        "reservations": [
            {
                "departure_id": r["departure_id"],
                "board_stop": r["board_stop"],
                "alight_stop": r["alight_stop"],
                "feu": to_feu(r["mfeu"]),
            }
            for r in res
        ],
        "events": [
            {
                "from_status": e["from_status"],
                "to_status": e["to_status"],
                "at": iso_utc(e["at"]),
                "actor_role": e["actor_role"],
                "api_key_id": e["api_key_id"],
                "note": e["note"],
                "field": e.get("field") or "status",
                "tracking_event_id": e.get("tracking_event_id"),
            }
            for e in evs
        ],
    }


def _cursor_encode(b: Booking) -> str:
    raw = json.dumps([b.created_at.isoformat(), b.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor stands for; anything else (tampered, out-of-range dates, ids that are not
    ours) is a FieldError, so no value a client makes up reaches the database."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, bid = json.loads(raw)
        dt = datetime.fromisoformat(at)
        if dt.tzinfo is None or not isinstance(bid, str) or not _ID.fullmatch(bid):
            raise ValueError
        return dt.astimezone(UTC), bid
    except Exception:
        raise FieldError("cursor", "Not a cursor from a previous page; start without one.") from None


_ID = re.compile(r"[a-z]{1,8}_[0-9a-f]{1,24}", re.ASCII)


def list_bookings(
    s: Session,
    principal: Principal,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    departure_id: str | None = None,
    origin: str | None = None,
    destination: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    reference: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
    transport_status: str | None = None,
) -> dict[str, Any]:
    """A page of bookings, newest first (keyset pagination: pass `next_cursor` back for the next page)."""
    q = select(Booking).where(_visible(principal))
    if customer_id:
        if not principal.is_operator and customer_id != principal.customer_id:
            return {"items": [], "next_cursor": None}
        q = q.where(Booking.customer_id == customer_id)
    if status:
        if status in TRANSPORT_ALIASES:
            q = q.where(Booking.transport_status == status)
        else:
            q = q.where(Booking.status == LEGACY_STATUS.get(status, status))
    if transport_status:
        q = q.where(Booking.transport_status == transport_status)
    if origin:
        q = q.where(Booking.origin == origin)
    if destination:
        q = q.where(Booking.destination == destination)
    if reference:
        q = q.where(Booking.reference == reference)
    if created_from:
        q = q.where(
            Booking.created_at >= datetime.combine(created_from, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        )
    if created_to:
        q = q.where(
            Booking.created_at < datetime.combine(created_to, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        )
    if departure_id:
        q = q.where(
            select(BookingReservation.booking_id)
            .where(BookingReservation.booking_id == Booking.id, BookingReservation.departure_id == departure_id)
            .exists()
        )
    if cursor:
        at, bid = _cursor_decode(cursor)
        q = q.where(or_(Booking.created_at < at, and_(Booking.created_at == at, Booking.id < bid)))
    rows = list(s.scalars(q.order_by(Booking.created_at.desc(), Booking.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_summary({c.key: getattr(b, c.key) for c in BOOKINGS.columns}) for b in rows]
    return {"items": items, "next_cursor": _cursor_encode(rows[-1]) if more else None}


def change_status(
    s: Session, principal: Principal, booking_id: str, to: str, note: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Move a booking along its lifecycle (TRANSITIONS); rejecting, declining or cancelling gives its capacity
    back in the same transaction. `in_transit` and `delivered` (earlier statuses) set the transport status
    instead: an operator's override when no tracking events come (see set_transport_status)."""
    now = now or utcnow()
    to = LEGACY_STATUS.get(to, to)
    if to in TRANSPORT_ALIASES:
        if not principal.is_operator:
            raise PermissionDeniedError("Only operators (or tracking events) change the transport status.")
        b = _load(s, principal, booking_id, lock=True)
        set_transport_status(s, b.id, to, principal=principal, note=note, now=now, strict=True)
        s.expire(b)
        return visible_to(principal, _full_out(s, _reloaded(s, b.id)))
    b = _load(s, principal, booking_id, lock=True)
    frm = b.status
    if to not in TRANSITIONS.get(frm, ()):
        allowed = ", ".join(TRANSITIONS.get(frm, ())) or "none (final)"
        raise ConflictError(f"Booking {b.id} is {frm}; it cannot become {to}. Allowed next: {allowed}.")
    if not principal.is_operator and not (to == "cancelled" and frm in SHIPPER_CAN_CANCEL):
        raise PermissionDeniedError(
            "Shippers may only cancel their bookings (before the train leaves); "
            "operators move bookings through the other statuses."
        )
    if to in RELEASES_CAPACITY and b.transport_status != "planned":
        raise ConflictError(f"Booking {b.id} is {b.transport_status}; it can no longer be {to}.")
    if not principal.is_operator and b.departs_at <= now:
        raise ConflictError(f"Booking {b.id} left on {iso_utc(b.departs_at)}; ask the operator to cancel it.")
    _set_status(s, b.id, frm, to, principal.key_id, principal.role, note, now)
    s.expire(b)
    return visible_to(principal, _full_out(s, _reloaded(s, b.id)))


def _set_status(
    s: Session,
    booking_id: str,
    frm: str,
    to: str,
    key_id: str | None,
    role: str,
    note: str | None,
    now: datetime,
    event_id: str | None = None,
) -> None:
    # Conditional on the status read: two concurrent changes cannot both succeed (no double release).
    done = cast(
        CursorResult[Any],
        s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.status == frm)
            .values(status=to, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if done != 1:
        raise ConflictError(f"Booking {booking_id} changed while this request ran; fetch it and try again.")
    if to in RELEASES_CAPACITY:
        capacity.release(s, s.scalars(select(BookingReservation).where(BookingReservation.booking_id == booking_id)))
    s.execute(
        insert(BookingEvent),
        [
            {
                "booking_id": booking_id,
                "from_status": frm,
                "to_status": to,
                "at": now,
                "api_key_id": key_id,
                "actor_role": role,
                "note": note,
                "field": "status",
                "tracking_event_id": event_id,
            }
        ],
    )


def set_transport_status(
    s: Session,
    booking_id: str,
    to: str,
    *,
    principal: Principal | None = None,
    note: str | None = None,
    now: datetime | None = None,
    event_id: str | None = None,
    strict: bool = False,
) -> bool:
    """Move a booking's transport status forward (planned -> in_transit -> delivered) and record in the audit
    trail who or which tracking event (`event_id`) moved it. Never moves backwards: a change to the current or
    an earlier status does nothing and returns False (events may come late or twice), unless `strict`, which
    raises ConflictError instead. Delivery completes a confirmed booking (DCSA `completed`). A booking that
    was cancelled, rejected or declined does not move (ConflictError when strict)."""
    if to not in TRANSPORT_ORDER:
        raise FieldError("transport_status", f"Unknown transport status {to!r}; use {', '.join(TRANSPORT_ORDER)}.")
    now = now or utcnow()
    row = s.execute(select(Booking.status, Booking.transport_status).where(Booking.id == booking_id)).first()
    if row is None:
        raise NotFoundError(f"No booking {booking_id!r}.")
    status, frm = row
    if status in RELEASES_CAPACITY or TRANSPORT_ORDER.index(to) <= TRANSPORT_ORDER.index(frm):
        if strict:
            why = f"it is {status}" if status in RELEASES_CAPACITY else f"it is already {frm}"
            raise ConflictError(f"Booking {booking_id} cannot become {to}: {why}.")
        return False
    done = cast(
        CursorResult[Any],
        s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.transport_status == frm)
            .values(transport_status=to, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if done != 1:
        if not strict:
            return False  # moved meanwhile by another transaction (a concurrent batch of events): it wins
        raise ConflictError(f"Booking {booking_id} changed while this request ran; try again.")
    key_id, role = (principal.key_id, principal.role) if principal else (None, "tracking")
    s.execute(
        insert(BookingEvent),
        [
            {
                "booking_id": booking_id,
                "from_status": frm,
                "to_status": to,
                "at": now,
                "api_key_id": key_id,
                "actor_role": role,
                "note": note,
                "field": "transport_status",
                "tracking_event_id": event_id,
            }
        ],
    )
    if to == "delivered" and status == "confirmed":
        _set_status(s, booking_id, status, "completed", key_id, role, "delivered", now, event_id)
    return True


def advance_transport(s: Session, changes: list[tuple[str, str, datetime, str | None]]) -> int:
    """Many forward moves of transport statuses at once (tracking's batches): (booking id, to, at, event id).
    The same rules as set_transport_status, in one statement per step (db.bulk): only forward, never a released
    booking, an audit row per change naming the event, delivery completing a confirmed booking. A booking that a
    concurrent batch moved first is left to it (compare-and-set on the status read; no audit row then). Returns
    the changes made."""
    if not changes:
        return 0
    state: dict[str, tuple[str, str]] = {}
    for part in parts(s, sorted({c[0] for c in changes})):
        q = select(Booking.id, Booking.status, Booking.transport_status).where(among(s, Booking.id, part))
        state.update((bid, (st, ts)) for bid, st, ts in s.execute(q))
    moves: list[dict[str, Any]] = []
    for bid, to, at, event_id in sorted(changes, key=lambda c: (c[0], TRANSPORT_ORDER.index(c[1]))):
        if bid not in state:
            continue
        status, frm = state[bid]
        if status in RELEASES_CAPACITY or TRANSPORT_ORDER.index(to) <= TRANSPORT_ORDER.index(frm):
            continue
        moves.append({"id": bid, "frm": frm, "to": to, "at": at, "event_id": event_id, "status": status})
        state[bid] = (status, to)
    moved: set[tuple[str, str]] = set()
    for step in ("in_transit", "delivered"):  # a booking may take both steps in one batch: in this order
        rows = [{"id": m["id"], "transport_status": step, "updated_at": m["at"], "frm": m["frm"]} for m in moves]
        rows = [r for r, m in zip(rows, moves, strict=True) if m["to"] == step]
        done = update_rows(s, BOOKINGS, ["id"], rows, expect={"transport_status": "frm"}, returning=["id"])
        moved.update((bid, step) for (bid,) in done)
    finished = [{"id": m["id"], "status": "completed", "frm": "confirmed"} for m in moves if _completes(m, moved)]
    completed = {
        bid for (bid,) in update_rows(s, BOOKINGS, ["id"], finished, expect={"status": "frm"}, returning=["id"])
    }
    audit: list[dict[str, Any]] = []
    for m in moves:  # by booking, in the order of its moves; completion right after the delivery
        if (m["id"], m["to"]) not in moved:
            continue
        row = {"booking_id": m["id"], "at": m["at"], "tracking_event_id": m["event_id"]}
        audit.append({**row, "from_status": m["frm"], "to_status": m["to"], "note": None, "field": "transport_status"})
        if m["to"] == "delivered" and m["id"] in completed:
            audit.append(
                {**row, "from_status": "confirmed", "to_status": "completed", "note": "delivered", "field": "status"}
            )
    insert_rows(s, EVENTS, audit, shared={"api_key_id": None, "actor_role": "tracking"})
    return len(moved)


def _completes(move: dict[str, Any], moved: set[tuple[str, str]]) -> bool:
    """A delivery that went through completes a confirmed booking."""
    return move["to"] == "delivered" and move["status"] == "confirmed" and (move["id"], "delivered") in moved
