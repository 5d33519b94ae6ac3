"""Service functions of the e-commerce platform: sellers, orders (batches from the API, files through imports.py),
each order's status (following its container and train), and the operator's views (fill rates, backlog, forecast).

Every function takes the session of a transaction the caller owns and never commits. Tenancy: a seller (shipper
key) sees its own orders only: another seller's order is 404; operators see all.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from landbridge.accounts.models import Customer
from landbridge.accounts.service import Principal
from landbridge.booking.models import RELEASED_STATUSES, Booking
from landbridge.db.base import utcnow
from landbridge.ecommerce import packing
from landbridge.ecommerce.imports import ImportReport, import_table
from landbridge.ecommerce.models import CONTAINERS, LOADS, ORDERS, QUEUE, ConsolidationRun, Seller, order_status
from landbridge.ecommerce.rules import rules as load_rules
from landbridge.ecommerce_flow import order_flow
from landbridge.errors import FieldError, NotFoundError, PermissionDeniedError
from landbridge.timefmt import iso_utc

O = ORDERS.c
Q = QUEUE.c
L = LOADS.c
C = CONTAINERS.c
MAX_BATCH = 10_000


# ---- sellers ---------------------------------------------------------------------------------
def seller_for(s: Session, principal: Principal, seller_id: str | None) -> str:
    """The seller a call acts for: a shipper's own customer; an operator must name one."""
    if principal.is_operator:
        if not seller_id:
            raise FieldError("seller_id", "Operators act for a seller: give seller_id (a customer id, cus_...).")
        if s.get(Customer, seller_id) is None:
            raise FieldError("seller_id", f"No seller {seller_id!r}.")
        return seller_id
    if seller_id and seller_id != principal.customer_id:
        raise FieldError("seller_id", "A seller acts for itself only; leave seller_id out.")
    return principal.customer_id  # type: ignore[return-value]


def set_seller(s: Session, principal: Principal, seller_id: str, allow_other_trains: bool) -> dict[str, Any]:
    """Operators: a seller's settings (whether its orders may go on other trains accepting e-commerce cargo)."""
    if not principal.is_operator:
        raise PermissionDeniedError("Seller settings are changed by operators.")
    if s.get(Customer, seller_id) is None:
        raise NotFoundError(f"No customer {seller_id!r}.")
    now = utcnow()
    row = s.get(Seller, seller_id)
    if row is None:
        row = Seller(customer_id=seller_id, allow_other_trains=allow_other_trains, created_at=now, updated_at=now)
        s.add(row)
    else:
        row.allow_other_trains = allow_other_trains
        row.updated_at = now
    # waiting orders follow the seller's choice (in the queue, and on the order rows)
    sellers_orders = select(O.id).where(O.seller_id == seller_id).scalar_subquery()
    s.execute(QUEUE.update().where(Q.order_id.in_(sellers_orders)).values(allow_other_trains=allow_other_trains))
    s.execute(
        ORDERS.update()
        .where(O.seller_id == seller_id, O.id.in_(select(Q.order_id).scalar_subquery()))
        .values(allow_other_trains=allow_other_trains)
    )
    s.flush()
    return {"seller_id": seller_id, "allow_other_trains": allow_other_trains}


# ---- orders in ---------------------------------------------------------------------------------
def create_orders(
    s: Session, principal: Principal, orders: list[dict[str, Any]], seller_id: str | None, skip_invalid: bool
) -> dict[str, Any]:
    """A batch of orders (1 to 10,000) from the API, with the same validation and idempotency as a file import.
    Items are numbered from 1 in the error report (`line`)."""
    if not 1 <= len(orders) <= MAX_BATCH:
        raise FieldError("orders", f"Send 1 to {MAX_BATCH:,} orders per request (got {len(orders):,}).")
    seller = seller_for(s, principal, seller_id)
    names = list(dict.fromkeys(k for o in orders for k in o))
    table = pa.table({k: pa.array([_text(o.get(k)) for o in orders], pa.string()) for k in names})
    rep = import_table(
        s, table, first_line=1, seller_id=seller, source="api", actor=principal.key_id, skip_invalid=skip_invalid
    )
    return batch_report(rep)


def batch_report(rep: ImportReport) -> dict[str, Any]:
    doc = rep.to_dict(max_errors=1000)
    doc["order_ids"] = rep.inserted_ids if len(rep.inserted_ids) <= MAX_BATCH else []
    return doc


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# ---- orders out --------------------------------------------------------------------------------
def _visible(principal: Principal) -> Any:
    return O.seller_id == principal.customer_id if not principal.is_operator else O.id.is_not(None)


def _status(row: Any, now: datetime, next_arrival: dict[str, datetime]) -> tuple[str, bool, datetime | None]:
    """(status, late, expected arrival at the hub) of an order row joined with its container and booking."""
    if row.status == "waiting":
        eta = next_arrival.get(row.hub)
        late = eta is None or row.promised_by < eta.date()
        return "waiting", late, eta
    eta = row.arrives_at
    late = row.promised_by < eta.date()
    if row.booking_status in RELEASED_STATUSES:  # the container's booking was cancelled, rejected or declined
        return "container_cancelled", late, None
    if row.transport_status == "delivered":  # tracking moved the booking (booking.models.TRANSPORT_STATUSES)
        return "delivered", late, eta
    if row.transport_status == "in_transit" and now < eta:
        return "in_transit", late, eta
    if now < row.departs_at:
        return "booked", late, eta
    if now < eta:
        return "in_transit", late, eta
    return "at_hub", late, eta


def _order_query() -> Any:
    bookings = Booking.__table__.c
    return (
        select(
            ORDERS,
            order_status().label("status"),
            L.container_id,
            C.departure_id,
            C.departs_at,
            C.arrives_at,
            C.eu_entry_at,
            C.booking_id,
            bookings.status.label("booking_status"),
            bookings.transport_status,
        )
        .select_from(ORDERS)
        .outerjoin(LOADS, L.order_id == O.id)
        .outerjoin(CONTAINERS, C.id == L.container_id)
        .outerjoin(Booking.__table__, bookings.id == C.booking_id)
    )


def _next_arrivals(now: datetime) -> dict[str, datetime]:
    from landbridge.ecommerce.consolidation import next_dedicated
    from landbridge.world import load_world

    return next_dedicated(load_world(), order_flow(), now, load_rules())


def _order_out(r: Any, now: datetime, nxt: dict[str, datetime], full: bool = False) -> dict[str, Any]:
    status, late, eta = _status(r, now, nxt)
    out: dict[str, Any] = {
        "id": r.id,
        "seller_id": r.seller_id,
        "seller_order_id": r.seller_order_id,
        "status": status,
        "late": bool(late),
        "promised_by": r.promised_by.isoformat(),
        "expected_at_hub": iso_utc(eta) if eta else None,
        "hub": r.hub,
        "regime": r.regime,
        "destination": {
            "country": r.destination_country,
            "city": r.destination_city,
            "postcode": r.destination_postcode,
        },
        "container_id": r.container_id,
        "departure_id": r.departure_id,
        "order_date": iso_utc(r.order_date),
    }
    if full:
        out.update(
            {
                "ready_at": iso_utc(r.ready_at),
                "consignee": {"name": r.consignee_name, "type": r.consignee_type},
                "weight_kg": r.weight_kg,
                "dimensions_cm": [r.length_cm, r.width_cm, r.height_cm],
                "volume_m3": round(r.volume_m3, 6),
                "items": r.items,
                "hs_codes": r.hs_codes.split(";"),
                "declared_value": {"amount": str(r.declared_value), "currency": r.currency},
                "customs": {
                    # a loaded order's customs hold on its train's EU entry day
                    "rules_date": (r.eu_entry_at.date() if r.eu_entry_at else r.customs_date).isoformat(),
                    "value_eur": str(r.value_eur),
                    "export_declaration": r.export_declaration,
                    "import_declaration": r.import_declaration,
                    "duty_eur": str(r.duty_eur),
                    "vat_eur": str(r.vat_eur),
                    "vat_paid_via": r.vat_via,
                    "ioss_number": r.ioss_number,
                    "ics2_ens_due": iso_utc(
                        r.eu_entry_at - timedelta(hours=load_rules().eu.ics2_rail.ens_hours_before_arrival)
                    )
                    if r.eu_entry_at
                    else None,
                },
                "train": {
                    "departure_id": r.departure_id,
                    "departs_at": iso_utc(r.departs_at),
                    "booking_id": r.booking_id,
                }
                if r.departure_id
                else None,
            }
        )
    return out


def get_order(s: Session, principal: Principal, order_id: str, now: datetime | None = None) -> dict[str, Any]:
    """One order with its status, customs and train; another seller's order is NotFound."""
    now = now or utcnow()
    if not order_id or len(order_id) > 24:
        raise NotFoundError(f"No order {order_id[:40]!r}.")
    r = s.execute(_order_query().where(O.id == order_id, _visible(principal))).first()
    if r is None:
        raise NotFoundError(f"No order {order_id!r}.")
    return _order_out(r, now, _next_arrivals(now), full=True)


def _cursor(r: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([r.created_at.isoformat(), r.id]).encode()).decode().rstrip("=")


def _uncursor(c: str) -> tuple[datetime, str]:
    try:
        at, oid = json.loads(base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)))
        dt = datetime.fromisoformat(at)
        if dt.tzinfo is None or not isinstance(oid, str):
            raise ValueError
        return dt, oid
    except Exception:
        raise FieldError("cursor", "Not a cursor from a previous page; start without one.") from None


def list_orders(
    s: Session,
    principal: Principal,
    *,
    seller_id: str | None = None,
    status: str | None = None,
    seller_order_id: str | None = None,
    late: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A page of orders, newest first (keyset: pass next_cursor back). Status filter: waiting or loaded."""
    now = now or utcnow()
    q = _order_query().where(_visible(principal))
    if seller_id:
        if not principal.is_operator and seller_id != principal.customer_id:
            return {"items": [], "next_cursor": None}
        q = q.where(O.seller_id == seller_id)
    if status:
        if status not in ("waiting", "loaded", "cancelled"):
            raise FieldError("status", "Filter by waiting, loaded or cancelled.")
        # nothing cancels an order today: that filter matches none
        q = q.where(false() if status == "cancelled" else order_status() == status)
    if seller_order_id:
        q = q.where(O.seller_order_id == seller_order_id)
    if cursor:
        at, oid = _uncursor(cursor)
        q = q.where(or_(O.created_at < at, and_(O.created_at == at, O.id < oid)))
    rows = s.execute(q.order_by(O.created_at.desc(), O.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = _next_arrivals(now)
    items = [_order_out(r, now, nxt) for r in rows]
    if late is not None:
        items = [i for i in items if i["late"] == late]
    return {"items": items, "next_cursor": _cursor(rows[-1]) if more and rows else None}


# ---- operators -------------------------------------------------------------------------------
def _operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise PermissionDeniedError("This view is for operators.")


def fill_rates(s: Session, principal: Principal, start: date, end: date) -> dict[str, Any]:
    """Fill of every container and every train (departure) leaving in [start, end)."""
    _operator(principal)
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    rows = s.execute(select(CONTAINERS).where(C.departs_at >= lo, C.departs_at < hi).order_by(C.departs_at, C.id)).all()
    containers = [
        {
            "id": r.id,
            "departure_id": r.departure_id,
            "hub": r.hub,
            "regime": r.regime,
            "parcels": r.parcels,
            "volume_m3": round(r.volume_m3, 3),
            "weight_kg": round(r.weight_kg, 1),
            "fill_volume": round(r.volume_m3 / r.usable_volume_m3, 4),
            "fill_weight": round(r.weight_kg / r.payload_kg, 4),
            "booking_id": r.booking_id,
        }
        for r in rows
    ]
    trains: dict[str, dict[str, Any]] = {}
    for c, r in zip(containers, rows):
        t = trains.setdefault(
            r.departure_id,
            {
                "departure_id": r.departure_id,
                "service": r.service_id,
                "departs_at": iso_utc(r.departs_at),
                "containers": 0,
                "parcels": 0,
                "_fill": 0.0,
            },
        )
        t["containers"] += 1
        t["parcels"] += r.parcels
        t["_fill"] += max(c["fill_volume"], c["fill_weight"])
    from landbridge.booking import capacity
    from landbridge.world import load_world

    world = load_world()
    for t in trains.values():
        t["mean_container_fill"] = round(t.pop("_fill") / t["containers"], 4)
        detail = capacity.departure_detail(s, world, t["departure_id"])
        t["train_capacity_feu"] = detail["capacity_feu"]
        t["train_booked_feu"] = detail["booked_feu"]
        t["train_fill"] = round(detail["booked_feu"] / detail["capacity_feu"], 4) if detail["capacity_feu"] else 0.0
    return {"from": start.isoformat(), "to": end.isoformat(), "trains": list(trains.values()), "containers": containers}


def backlog(s: Session, principal: Principal, now: datetime | None = None) -> dict[str, Any]:
    """Waiting orders per destination hub (and regime): count, volume, weight, containers they need (lower
    bound), the oldest, and how many will be late if they wait for the next e-commerce train."""
    _operator(principal)
    now = now or utcnow()
    from landbridge.world import load_world

    flow = order_flow()
    ctype = load_world().catalog.container(flow.container_type)
    cap_m3 = ctype.volume_m3 * flow.stowage_factor
    nxt = _next_arrivals(now)
    q = (
        select(
            Q.hub,
            Q.regime,
            func.count().label("orders"),
            func.sum(Q.volume_m3).label("m3"),
            func.sum(Q.weight_kg).label("kg"),
            func.min(Q.ready_at).label("oldest"),
        )
        .group_by(Q.hub, Q.regime)
        .order_by(Q.hub, Q.regime)
    )
    out = []
    for r in s.execute(q):
        eta = nxt.get(r.hub)
        late = int(r.orders)
        if eta is not None:
            count_late = (
                select(func.count())
                .select_from(QUEUE)
                .where(Q.hub == r.hub, Q.regime == r.regime, Q.promised_by < eta.date())
            )
            late = int(s.execute(count_late).scalar_one())
        out.append(
            {
                "hub": r.hub,
                "regime": r.regime,
                "orders": r.orders,
                "volume_m3": round(float(r.m3), 3),
                "weight_kg": round(float(r.kg), 1),
                "containers_needed": packing.lower_bound(
                    np.array([float(r.m3)]), np.array([float(r.kg)]), cap_m3, ctype.max_payload_kg
                ),
                "oldest_ready_at": iso_utc(r.oldest),
                "late_if_next_train": int(late),
                "next_train_at_hub": iso_utc(eta) if eta else None,
            }
        )
    hubs: dict[str, dict[str, Any]] = {}
    for g in out:
        h = hubs.setdefault(
            g["hub"], {"hub": g["hub"], "orders": 0, "volume_m3": 0.0, "containers_needed": 0, "late_if_next_train": 0}
        )
        h["orders"] += g["orders"]
        h["volume_m3"] = round(h["volume_m3"] + g["volume_m3"], 3)
        h["containers_needed"] += g["containers_needed"]
        h["late_if_next_train"] += g["late_if_next_train"]
    return {"at": iso_utc(now), "hubs": list(hubs.values()), "groups": out}


def forecast(s: Session, principal: Principal, departures: int = 4, now: datetime | None = None) -> dict[str, Any]:
    """Containers the next e-commerce departures will need: orders already received (by the cut-off they will be
    ready for), the backlog carried forward when a train is full, and the volume the order flow expects for the
    days not yet received (ecommerce_flow.yaml), per hub."""
    _operator(principal)
    now = now or utcnow()
    from landbridge.booking import capacity
    from landbridge.ecommerce.consolidation import departures_between, plan_for
    from landbridge.world import load_world

    world = load_world()
    rules = load_rules()
    flow = order_flow()
    ctype = world.catalog.container(flow.container_type)
    cap_m3 = ctype.volume_m3 * flow.stowage_factor
    deps = [
        d
        for d in departures_between(world, flow, now.date(), now.date() + timedelta(days=7 * departures + 7), False)
        if d.departure > now
    ][:departures]
    rows = s.execute(select(Q.hub, Q.regime, Q.ready_at, Q.volume_m3, Q.weight_kg)).all()
    hubs = sorted(flow.hubs)
    ready = np.array([r.ready_at.timestamp() for r in rows]) if rows else np.zeros(0)
    hub = np.array([r.hub for r in rows], dtype=object)
    vol = np.array([r.volume_m3 for r in rows]) if rows else np.zeros(0)
    per_day_m3 = flow.orders_per_year * flow.mean_volume_m3()
    shares = flow.hub_shares()
    carried = dict.fromkeys(hubs, 0.0)
    taken_until = -np.inf
    out = []
    for d in deps:
        plan = plan_for(world, d.id, rules, flow)
        cut = plan.cutoff.timestamp()
        free = int(capacity.departure_detail(s, world, d.id)["free_feu"] // ctype.feu)
        known = {h: float(vol[(hub == h) & (ready > taken_until) & (ready <= cut)].sum()) for h in hubs}
        # expected but not yet received: the flow's daily volume for the days between now and the cut-off
        days = []
        t = max(now.timestamp(), taken_until if np.isfinite(taken_until) else now.timestamp())
        while t < cut:
            day = datetime.fromtimestamp(t, tz=UTC).date()
            f = flow.daily_factors(day.year)[day.timetuple().tm_yday - 1]
            span = min(cut - t, 86_400 - (t % 86_400)) / 86_400
            days.append(f * span)
            t += span * 86_400
        expected_m3 = per_day_m3 * sum(days)
        need = {h: known[h] + carried[h] + expected_m3 * shares.get(h, 0.0) for h in hubs}
        containers = {h: int(np.ceil(need[h] / cap_m3 - 1e-9)) for h in hubs}
        total = sum(containers.values())
        ship = min(total, free)
        # what does not fit carries over (pro rata)
        for h in hubs:
            share = containers[h] / total if total else 0
            carried[h] = max(0.0, need[h] - share * ship * cap_m3)
        taken_until = cut
        out.append(
            {
                "departure_id": d.id,
                "departs_at": iso_utc(d.departure),
                "cutoff": iso_utc(plan.cutoff),
                "free_containers": free,
                "containers_needed": containers,
                "known_m3": {h: round(v, 2) for h, v in known.items()},
                "expected_m3": round(expected_m3, 2),
                "left_behind_containers": max(0, total - free),
            }
        )
    return {"at": iso_utc(now), "container_type": ctype.id, "usable_m3": round(cap_m3, 2), "departures": out}


def consolidation_runs(
    s: Session, principal: Principal, departure_id: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    _operator(principal)
    q = select(ConsolidationRun).order_by(ConsolidationRun.id.desc()).limit(limit)
    if departure_id:
        q = q.where(ConsolidationRun.departure_id == departure_id)
    return [r.summary for r in s.scalars(q)]
