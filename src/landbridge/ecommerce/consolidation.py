"""Consolidation before a departure: waiting orders are packed into containers (per export regime and European
hub), the containers booked on the train through the booking service (quote restricted to that departure, then a
booking per group: capacity is reserved in the database, never oversold), and the orders loaded. What does not fit
waits for the next departure, oldest first. All in the caller's transaction: a run is all or nothing.

Which orders a departure takes:
* the dedicated e-commerce train: every waiting order for a hub it serves, ready at the warehouse by the cut-off;
* another train that accepts e-commerce cargo: only orders of sellers who allow other trains, and only those left
  behind by an e-commerce train or that would miss their promised date waiting for the next one
  (at most `other_trains_max_containers` containers).
A group's least-filled container is held for the next train when it is under `hold_below_fill` full and none of
its orders would then be late.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import (
    Float,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from landbridge.accounts.models import Customer
from landbridge.accounts.service import Principal, create_customer
from landbridge.booking import capacity
from landbridge.booking import service as booking
from landbridge.booking.models import RELEASED_STATUSES, Booking
from landbridge.booking.schemas import BookingIn, QuoteIn
from landbridge.db.base import new_id, utcnow
from landbridge.ecommerce import packing
from landbridge.ecommerce.models import CONTAINERS, LOADS, ORDERS, QUEUE, RUNS, ConsolidationRun
from landbridge.ecommerce.rules import Rules
from landbridge.ecommerce.rules import rules as load_rules
from landbridge.ecommerce_flow import OrderFlow, order_flow
from landbridge.errors import ConflictError, GoneError, InvalidRequestError, NotFoundError

CONSOLIDATOR = "Landbridge e-commerce consolidation"
O = ORDERS.c
C = CONTAINERS.c
Q = QUEUE.c
L = LOADS.c
T = TypeVar("T")
Bin = tuple[int, np.ndarray, float, float]  # (group, row indexes, volume m3, weight kg) of one container


@dataclass(frozen=True)
class Plan:
    """Where a departure stops for the e-commerce hubs: hub -> (stop index, arrival there, first EU arrival)."""

    departure: Any
    dedicated: bool
    cutoff: datetime
    hubs: dict[str, tuple[int, datetime, datetime]]


def plan_for(world: Any, departure_id: str, rules: Rules, flow: OrderFlow) -> Plan:
    """The departure (NotFoundError for an unknown id; InvalidRequestError when it takes no e-commerce orders)."""
    dep = capacity.departure(world, departure_id)
    sv = dep.service
    if sv.stops[0] != flow.origin or "ecommerce" not in sv.accepts:
        raise InvalidRequestError(
            f"Departure {departure_id} does not carry e-commerce cargo from {flow.origin}; use a departure of "
            f"{flow.dedicated_service} or another train from {flow.origin} that accepts e-commerce cargo."
        )
    net = world.network
    first_eu = next((k for k, p in enumerate(sv.stops) if net.places[p].country in _eu()), None)
    hubs = {}
    for k, p in enumerate(sv.stops):
        if k and p in flow.hubs and sv.boardable[k]:
            eu_k = first_eu if first_eu is not None else k
            hubs[p] = (k, dep.time_at(k, arriving=True), dep.time_at(eu_k, arriving=True))
    if not hubs:
        raise InvalidRequestError(
            f"Departure {departure_id} serves none of the e-commerce hubs ({', '.join(flow.hubs)})."
        )
    cutoff = dep.departure - timedelta(hours=rules.ops.cutoff_hours)
    return Plan(dep, sv.id == flow.dedicated_service, cutoff, hubs)


def _eu() -> set[str]:
    from landbridge.ecommerce.rules import EU27

    return set(EU27)


def next_dedicated(world: Any, flow: OrderFlow, after: datetime, rules: Rules) -> dict[str, datetime]:
    """Arrival at each hub of the first dedicated departure whose cut-off is after `after` (strictly)."""
    sv = world.timetable.by_id.get(flow.dedicated_service)
    if sv is None:
        return {}
    e = world.timetable.next_departure_epoch(sv, (after + timedelta(hours=rules.ops.cutoff_hours)).timestamp() + 1)
    if e is None:
        return {}
    dep = world.timetable.departure_from_epoch(sv, e)
    return {p: dep.time_at(k, arriving=True) for k, p in enumerate(sv.stops) if p in flow.hubs}


def consolidator(s: Session) -> str:
    """The customer the platform books its containers for (created on first use)."""
    cid = s.scalar(select(Customer.id).where(Customer.name == CONSOLIDATOR).order_by(Customer.id).limit(1))
    return cid or create_customer(s, CONSOLIDATOR).id


def _free_containers(s: Session, world: Any, plan: Plan, feu_per_container: float) -> int:
    detail = capacity.departure_detail(s, world, plan.departure.id)
    last = max(k for k, _a, _e in plan.hubs.values())
    free = min(sec["free_feu"] for sec in detail["sections"][:last])
    return int(free // feu_per_container + 1e-9)


# The earliest promised date among waiting orders that may take other trains, from the partial index (its WHERE
# must appear as written: SQLite renders a boolean column as `= 1`, which would not match, hence the text form).
_SOONEST = select(func.min(Q.promised_by)).where(Q.allow_other_trains)
_SOONEST_SQLITE = text(
    "SELECT min(promised_by) FROM ecommerce_queue INDEXED BY ix_ecommerce_queue_other_trains WHERE allow_other_trains"
)


# What a consolidation reads of each waiting order. Dates as text and amounts as floats, converted in SQL: the
# rows are fetched from the driver's cursor as plain tuples (no per-row conversion to datetime or Decimal objects,
# tens of thousands of rows per departure); the customs inputs come along so that the customs on the EU entry date
# are computed in memory. The queue's columns from the queue, the rest from the order row (joined by its key).
WAITING = {
    "id": Q.order_id,
    "hub": Q.hub,
    "regime": Q.regime,
    "volume_m3": cast(Q.volume_m3, Float),
    "weight_kg": cast(Q.weight_kg, Float),
    "promised_by": cast(Q.promised_by, String),
    "items": O["items"],
    "value_eur": cast(O.value_eur, Float),
    "hs_codes": O.hs_codes,
    "declared_value": cast(O.declared_value, Float),
    "currency": O.currency,
    "destination_country": O.destination_country,
    "consignee_type": O.consignee_type,
    "ioss_number": O.ioss_number,
    "tariff_lines": O.tariff_lines,
    "import_declaration": O.import_declaration,
    "duty_eur": cast(O.duty_eur, Float),
    "vat_eur": cast(O.vat_eur, Float),
    "vat_via": O.vat_via,
}
FLOATS = ("volume_m3", "weight_kg", "value_eur", "declared_value", "duty_eur", "vat_eur")


def _eligible(s: Session, plan: Plan, world: Any, flow: OrderFlow, rules: Rules) -> list[Any] | None:
    """The conditions an order must meet to go on this departure (None: nothing can)."""
    if plan.dedicated:
        hubs = _hubs_from_oldest(s, plan)
        return None if hubs is None else [hubs, Q.ready_at <= plan.cutoff]
    # other trains: sellers who allow it; orders left behind, or late if they wait for the next e-commerce train
    nxt = next_dedicated(world, flow, plan.cutoff, rules)
    prev_cutoff = _left_behind_cutoff(s, world, flow, plan.cutoff, rules)
    if prev_cutoff is None:
        # nothing left behind: only orders that would be late can go; one probe of a partial index says
        # whether there are any (most other-train departures have none)
        soonest = s.scalar(_SOONEST_SQLITE if s.get_bind().dialect.name == "sqlite" else _SOONEST)
        if isinstance(soonest, str):  # SQLite returns text from a raw statement
            soonest = date.fromisoformat(soonest)
        if soonest is None or (nxt and soonest >= min(t.date() for t in nxt.values())):
            return None
    late_if_wait = or_(*[and_(Q.hub == h, Q.promised_by < t.date()) for h, t in nxt.items()]) if nxt else None
    cond = [Q.ready_at <= prev_cutoff] if prev_cutoff else []
    if late_if_wait is not None:
        cond.append(late_if_wait)
    if not cond:
        return None
    hubs = _hubs_from_oldest(s, plan)
    if hubs is None:
        return None
    return [hubs, Q.ready_at <= plan.cutoff, Q.allow_other_trains.is_(True), or_(*cond)]


def _hubs_from_oldest(s: Session, plan: Plan) -> Any:
    """The departure's hubs, each from the ready time of its oldest waiting order on (None: no order waits for
    them by the cut-off). The lower bound changes no result; it keeps the scans of the queue's index away from
    the entries of orders loaded earlier, which are all older: on PostgreSQL a deleted row's index entries stay
    until a vacuum, and a bitmap scan visits every one of them in the heap (without the bound, 170,000 entries
    for 300 waiting orders late in a 200,000-order year). One probe per hub: the minimum, a plain index scan,
    which marks the dead entries it passes so that the next probe skips them."""
    ranges = []
    for h in sorted(plan.hubs):
        oldest = s.scalar(select(func.min(Q.ready_at)).where(Q.hub == h))
        if oldest is not None and oldest <= plan.cutoff:
            ranges.append(and_(Q.hub == h, Q.ready_at >= oldest))
    return or_(*ranges) if ranges else None


def _waiting(
    s: Session, where: list[Any], max_m3: float, max_kg: float, nxt: dict[str, datetime]
) -> tuple[dict[str, np.ndarray], int, int]:
    """The eligible orders, oldest first, as far as they could possibly fit, with how many are eligible and how
    many of those would be late waiting for the next e-commerce train (`nxt`). Orders whose running total of
    volume or weight before them (in age order) already exceeds `max_m3` / `max_kg` cannot be chosen, so they are
    not read (at peaks a hundred thousand orders wait). Two statements: a window sum over the narrow rows (age,
    volume, weight, all in the waiting index) counts the eligible orders, the late ones and those that can fit,
    and finds when the first that cannot became ready; then the wide rows of that many orders are read, through
    the index up to that time."""
    order = (Q.ready_at, Q.order_id)
    late: Any = (
        case(*((and_(Q.hub == h, Q.promised_by < t.date()), 1) for h, t in nxt.items()), else_=0) if nxt else literal(1)
    )
    running = (
        select(
            Q.ready_at.label("ready_at"),
            (func.sum(Q.volume_m3).over(order_by=order) - Q.volume_m3).label("before_m3"),
            (func.sum(Q.weight_kg).over(order_by=order) - Q.weight_kg).label("before_kg"),
            late.label("late"),
        )
        .where(*where)
        .subquery()
    )
    # the running sums only grow: the orders that can fit are a prefix in age order
    cannot = or_(running.c.before_m3 > max_m3, running.c.before_kg > max_kg)
    total, late_total, fit, first_out = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(running.c.late), 0),
            func.coalesce(func.sum(case((cannot, 0), else_=1)), 0),
            func.min(case((cannot, running.c.ready_at), else_=None)),
        )
    ).one()
    if not total:
        return _empty(), 0, 0
    q = (
        select(*(col.label(k) for k, col in WAITING.items()))
        .select_from(QUEUE.join(ORDERS, O.id == Q.order_id))
        .where(*where)
        .order_by(*order)
    )
    if first_out is not None:
        q = q.where(Q.ready_at <= first_out).limit(int(fit))
    res: Any = s.execute(q)
    rows = res.cursor.fetchall()  # plain tuples from the driver: every column is already a str, float or int
    res.close()
    if not rows:
        return _empty(), int(total), int(late_total)
    cols = dict(zip(WAITING, zip(*rows)))
    out = {k: np.array(v, dtype=float if k in FLOATS else object) for k, v in cols.items()}
    out["items"] = out["items"].astype(np.int64)
    out["tariff_lines"] = out["tariff_lines"].astype(np.int64)
    out["promised_by"] = np.array(cols["promised_by"], dtype="datetime64[D]")
    return out, int(total), int(late_total)


def _empty() -> dict[str, np.ndarray]:
    out = {k: np.zeros(0, dtype=float if k in FLOATS else object) for k in WAITING}
    out["promised_by"] = np.zeros(0, dtype="datetime64[D]")
    return out


def _left_behind_cutoff(s: Session, world: Any, flow: OrderFlow, before: datetime, rules: Rules) -> datetime | None:
    """The cut-off of the last dedicated departure before `before` if that train was full (its run left orders
    waiting with every container it could take used): orders ready by then were left behind for lack of room.
    None when it was not full (orders held to fill a container were not left behind)."""
    sv = world.timetable.by_id.get(flow.dedicated_service)
    if sv is None:
        return None
    t = before.timestamp() + rules.ops.cutoff_hours * 3600
    tt = world.timetable
    year = datetime.fromtimestamp(t, tz=UTC).year  # the departure's year (a cut-off on 31 December is not it)
    epochs = [e for y in (year - 1, year) for e in tt.year_departure_epochs(sv, y) if e < t - 1]
    if not epochs:
        return None
    prev = tt.departure_from_epoch(sv, max(epochs))
    run = s.scalar(
        select(ConsolidationRun.summary)
        .where(ConsolidationRun.departure_id == prev.id)
        .order_by(ConsolidationRun.id.desc())
        .limit(1)
    )
    if not run or not run.get("orders_waiting") or len(run.get("containers", [])) < run.get("budget_containers", 1):
        return None
    out: datetime = prev.departure - timedelta(hours=rules.ops.cutoff_hours)
    return out


def release_cancelled(s: Session) -> int:
    """Carry-over of cancelled containers: the orders of a container whose booking was cancelled, rejected or
    declined go back to the queue (no longer loaded), keeping their ready time, so the next consolidation takes
    them first (oldest first). The container row stays as the record of what was packed. Returns how many orders
    went back."""
    bookings = Booking.__table__.c
    # the released bookings first (a list the container's booking is looked up in), then the loads of their
    # containers: joined the other way round, SQLite visited every container's loads and booking on every run
    # (8.4 ms against 0.14 ms per run at the end of a 1,000,000-order year, 3,248 containers)
    released = list(
        s.scalars(
            select(C.id).where(
                C.booking_id.in_(select(bookings.id).where(bookings.status.in_(RELEASED_STATUSES))),
                exists().where(L.container_id == C.id),
            )
        )
    )
    if not released:
        return 0
    s.execute(
        insert(QUEUE).from_select(
            list(QUEUE.c.keys()),
            select(O.id, O.hub, O.regime, O.ready_at, O.volume_m3, O.weight_kg, O.promised_by, O.allow_other_trains)
            .select_from(LOADS.join(ORDERS, O.id == L.order_id))
            .where(L.container_id.in_(released)),
        )
    )
    res: Any = s.execute(
        LOADS.delete().where(L.container_id.in_(released)).execution_options(synchronize_session=False)
    )
    return int(res.rowcount or 0)


def _load(
    s: Session,
    ids: np.ndarray,
    rows_per_container: list[np.ndarray],
    container_ids: list[str],
    meanwhile: Callable[[], T],
) -> T:
    """Load the orders: out of the queue, into the loads table (order, container). Narrow rows only: the order
    row is not rewritten. The ids are passed as one text per statement, not bound one by one. Returns what
    `meanwhile` (work of this process that does not use the database) returns: on PostgreSQL it runs while the
    server loads (the statements are sent in one pipeline, then their results awaited)."""
    order_ids = [str(x) for x in ids[np.concatenate(rows_per_container)].tolist()]
    raw: Any = s.connection().connection.driver_connection
    if s.get_bind().dialect.name == "postgresql":
        containers = np.repeat(np.array(container_ids, dtype=object), [len(r) for r in rows_per_container]).tolist()
        # the ids as one comma-separated text each (ids have no commas): psycopg's dump of a Python list into an
        # array costs about 10 us per element, the split in the server much less
        ids_text, containers_text = ",".join(order_ids), ",".join(containers)
        with raw.cursor() as cur, raw.pipeline():
            # through the primary key, not a sequential scan: the planner weighs thousands of index probes against
            # the queue's whole heap, which holds every imported order's row (and, until a vacuum, the deleted
            # ones: autovacuum may be off or behind); it chose the scan, 2-3x the backend CPU of the probes late in
            # a 1,000,000-order year (EXPLAIN ANALYZE: 33-46 ms against 13-17 ms for 8,000 orders). Only for this
            # statement: the previous setting is kept in the server (a setting of the transaction) and restored,
            # so that the four statements go in one round trip.
            cur.execute(
                "SELECT set_config('landbridge.enable_seqscan', current_setting('enable_seqscan'), true), "
                "set_config('enable_seqscan', 'off', true)"
            )
            cur.execute(f"DELETE FROM {QUEUE.name} WHERE order_id = ANY(string_to_array(%s, ','))", (ids_text,))
            cur.execute("SELECT set_config('enable_seqscan', current_setting('landbridge.enable_seqscan'), true)")
            cur.execute(
                f"INSERT INTO {LOADS.name} (order_id, container_id) "
                "SELECT * FROM unnest(string_to_array(%s, ','), string_to_array(%s, ','))",
                (ids_text, containers_text),
            )
            return meanwhile()  # the pipeline's results are awaited when it closes
    # SQLite: the ids as one JSON text per statement (json_each), not one bound row each: about 3 us per order
    # less than executemany
    ids_json = json.dumps(order_ids)
    cur = raw.cursor()
    cur.execute(f"DELETE FROM {QUEUE.name} WHERE order_id IN (SELECT value FROM json_each(?))", (ids_json,))
    cur.executemany(  # one statement per container
        f"INSERT INTO {LOADS.name} (order_id, container_id) SELECT value, ? FROM json_each(?)",
        [(c, json.dumps(ids[r].tolist())) for c, r in zip(container_ids, rows_per_container)],
    )
    cur.close()
    return meanwhile()


def consolidate(
    s: Session,
    principal: Principal,
    departure_id: str,
    now: datetime | None = None,
    *,
    world: Any = None,
    rules: Rules | None = None,
    flow: OrderFlow | None = None,
) -> dict[str, Any]:
    """Pack, book and load the waiting orders for one departure (see the module's rules). Returns a summary:
    containers per hub and regime with fill, orders loaded, orders left waiting, orders late, and the orders of
    cancelled containers that went back to the queue (`released_orders`)."""
    from landbridge.world import load_world

    now = now or utcnow()
    world = world or load_world()
    rules = rules or load_rules()
    flow = flow or order_flow()
    plan = plan_for(world, departure_id, rules, flow)
    _check_window(plan, now, rules)
    released = release_cancelled(s)
    dep = plan.departure
    ctype = world.catalog.container(flow.container_type)
    cap = (ctype.volume_m3 * flow.stowage_factor, float(ctype.max_payload_kg))
    where = _eligible(s, plan, world, flow, rules)
    nxt = next_dedicated(world, flow, plan.cutoff, rules)
    w, total, late_total = _empty(), 0, 0
    if where is not None:
        free = _free_containers(s, world, plan, ctype.feu)
        budget = free if plan.dedicated else min(free, rules.ops.other_trains_max_containers)
        w, total, late_total = _waiting(s, where, budget * cap[0] / 0.99 * 1.0001, budget * cap[1] / 0.99 * 1.0001, nxt)
    summary = _new_summary(plan, now, total, released)
    if total == 0:
        if plan.dedicated:  # other trains with nothing for them leave no record
            _record(s, dep.id, now, summary)
        return summary
    group, keys = packing.group_ids(w["hub"], w["regime"])
    chosen = packing.select_oldest(group, w["volume_m3"], w["weight_kg"], cap[0], cap[1], budget)
    bins = _pack_groups(w, group, len(keys), chosen, cap)
    if plan.dedicated and rules.ops.hold_below_fill > 0:
        bins = _hold_nearly_empty(bins, keys, w, nxt, cap, rules.ops.hold_below_fill)
    while len(bins) > budget:  # packing loss beyond the margin: the least-filled container waits
        bins.remove(min(bins, key=lambda b: _fill(b, cap)))
    if bins:
        _book_and_load(s, principal, plan, bins, keys, w, ctype, cap[0], cap[1], now, summary)
    _tally(summary, plan, w, bins, nxt, total, late_total)
    summary["budget_containers"] = budget
    _record(s, dep.id, now, summary)
    return summary


def _check_window(plan: Plan, now: datetime, rules: Rules) -> None:
    """Consolidation opens at the cut-off and closes when the train leaves (ConflictError / GoneError)."""
    dep = plan.departure
    if now < plan.cutoff:
        raise ConflictError(
            f"Consolidation for {dep.id} opens at its cut-off, {plan.cutoff.isoformat()} "
            f"({rules.ops.cutoff_hours:g} h before departure); orders may still arrive until then."
        )
    if now >= dep.departure:
        raise GoneError(f"Departure {dep.id} left at {dep.departure.isoformat()}; consolidate a later departure.")


def _new_summary(plan: Plan, now: datetime, total: int, released: int) -> dict[str, Any]:
    dep = plan.departure
    return {
        "departure_id": dep.id,
        "service": dep.service.id,
        "dedicated": plan.dedicated,
        "departs_at": dep.departure.isoformat(),
        "cutoff": plan.cutoff.isoformat(),
        "run_at": now.isoformat(),
        "eligible_orders": total,
        "released_orders": released,
        "containers": [],
        "orders_loaded": 0,
        "orders_waiting": 0,
        "late_loaded": 0,
        "late_waiting": 0,
    }


def _fill(b: Bin, cap: tuple[float, float]) -> float:
    return max(b[2] / cap[0], b[3] / cap[1])


def _pack_groups(
    w: dict[str, np.ndarray], group: np.ndarray, n_groups: int, chosen: np.ndarray, cap: tuple[float, float]
) -> list[Bin]:
    """Pack the chosen orders of each group: (group, row indexes, volume, weight) per container."""
    bins: list[Bin] = []
    for g in range(n_groups):
        rows = np.flatnonzero(chosen & (group == g))
        if not len(rows):
            continue
        p = packing.pack(w["volume_m3"][rows], w["weight_kg"][rows], cap[0], cap[1])
        by_bin = np.split(rows[np.argsort(p.bin_of, kind="stable")], np.cumsum(np.bincount(p.bin_of))[:-1])
        bins.extend((g, r, float(p.volume_m3[b]), float(p.weight_kg[b])) for b, r in enumerate(by_bin))
    return bins


def _hold_nearly_empty(
    bins: list[Bin],
    keys: list[tuple[str, ...]],
    w: dict[str, np.ndarray],
    nxt: dict[str, datetime],
    cap: tuple[float, float],
    hold_below: float,
) -> list[Bin]:
    """Hold a group's least-filled container for the next train when it is under `hold_below` full and waiting
    makes none of its orders late."""
    least: dict[int, float] = {}
    for b in bins:
        least[b[0]] = min(least.get(b[0], np.inf), _fill(b, cap))
    kept = []
    for b in bins:
        g, rows = b[0], b[1]
        fill = _fill(b, cap)
        next_arrival = nxt.get(keys[g][0])
        late_if_held = next_arrival is None or bool((w["promised_by"][rows] < _day(next_arrival)).any())
        if fill < hold_below and fill == least[g] and not late_if_held:
            continue
        kept.append(b)
    return kept


def _tally(
    summary: dict[str, Any],
    plan: Plan,
    w: dict[str, np.ndarray],
    bins: list[Bin],
    nxt: dict[str, datetime],
    total: int,
    late_total: int,
) -> None:
    """Orders loaded, left waiting, and late (on this train, or if they wait for the next one) into the summary."""
    n = len(w["id"])
    loaded = np.zeros(n, dtype=bool)
    for b in bins:
        loaded[b[1]] = True
    promised = w["promised_by"]
    far = np.datetime64("9999-12-31", "D")
    at_hub = np.full(n, far)
    next_at_hub = np.full(n, far)
    for h, (_k, arrives, _e) in plan.hubs.items():
        at_hub[w["hub"] == h] = _day(arrives)
        if h in nxt:
            next_at_hub[w["hub"] == h] = _day(nxt[h])
    summary["orders_loaded"] = int(loaded.sum())
    summary["orders_waiting"] = int(total - loaded.sum())
    summary["late_loaded"] = int((loaded & (promised < at_hub)).sum())
    # late among all eligible orders (counted in the database), less the late ones this train takes
    summary["late_waiting"] = late_total - int((loaded & ((next_at_hub == far) | (promised < next_at_hub))).sum())


def _record(s: Session, departure_id: str, now: datetime, summary: dict[str, Any]) -> None:
    s.execute(insert(RUNS), [{"departure_id": departure_id, "run_at": now, "summary": summary}])


def _book_and_load(
    s: Session,
    principal: Principal,
    plan: Plan,
    bins: list[tuple[int, np.ndarray, float, float]],
    keys: list[tuple[str, ...]],
    w: dict[str, np.ndarray],
    ctype: Any,
    cap_m3: float,
    cap_kg: float,
    now: datetime,
    summary: dict[str, Any],
) -> None:
    dep = plan.departure
    flow = order_flow()
    customer = consolidator(s)
    by_hub: dict[str, list[int]] = {}
    for k, (g, _rows, _v, _kg) in enumerate(bins):
        by_hub.setdefault(keys[g][0], []).append(k)
    container_rows = []
    for hub, bin_idx in sorted(by_hub.items()):
        _k, arrives, eu_entry = plan.hubs[hub]
        mass = sum(bins[k][3] for k in bin_idx)
        ready = max(now.date(), (dep.departure - timedelta(hours=32)).date())
        quote = booking.create_quote(
            s,
            principal,
            QuoteIn(
                origin=flow.origin,
                destination=hub,
                ready_date=ready,
                containers=len(bin_idx),
                container_type=ctype.id,
                cargo="ecommerce",
                mass_kg=max(mass, 1.0),
                modes=["rail"],
            ),
            now=now,
            departure_id=dep.id,
        )
        option = next(
            (
                o
                for o in quote["options"]
                if any(l.get("departure_id") == dep.id for l in o["legs"]) and o["legs"][-1]["to"] == hub
            ),
            None,
        )
        if option is None:
            raise ConflictError(f"Departure {dep.id} could not be quoted to {hub} (full, or its cut-off has passed).")
        by_regime: dict[str, list[int]] = {}
        for k in bin_idx:
            by_regime.setdefault(keys[bins[k][0]][1], []).append(k)
        for regime, ks in sorted(by_regime.items()):
            rows = np.concatenate([bins[k][1] for k in ks])
            b = booking.create_booking(
                s,
                principal,
                BookingIn(
                    option_id=option["id"],
                    containers=len(ks),
                    customer_id=customer,
                    reference=f"ECOM {regime} {hub}"[:64],
                    shipment={
                        "consignor": {
                            "name": CONSOLIDATOR,
                            "address": "Chengdu comprehensive bonded zone, Chengdu",
                            "country": "CN",
                        },
                        "consignee": {"name": f"E-commerce hub {hub}", "address": hub, "country": world_country(hub)},
                        "goods": {
                            "description": f"Cross-border e-commerce goods, export regime {regime}, {len(rows)} orders"[
                                :500
                            ],
                            "hs_code": _main_hs(w["hs_codes"][rows]),
                            "mass_kg": max(float(sum(bins[k][3] for k in ks)), 0.001),
                            "packages": len(rows),
                        },
                    },
                ),
                now=now,
            )
            for seq, k in enumerate(ks, 1):
                _g, r, vol, kg = bins[k]
                cid = new_id("ct")
                container_rows.append(
                    {
                        "id": cid,
                        "departure_id": dep.id,
                        "service_id": dep.service.id,
                        "departs_at": dep.departure,
                        "eu_entry_at": eu_entry,
                        "arrives_at": arrives,
                        "hub": hub,
                        "regime": regime,
                        "container_type": ctype.id,
                        "booking_id": b["id"],
                        "seq": seq,
                        "parcels": len(r),
                        "items": int(w["items"][r].sum()),
                        "weight_kg": round(kg, 3),
                        "volume_m3": round(vol, 4),
                        "value_eur": round(float(w["value_eur"][r].sum()), 2),
                        "usable_volume_m3": round(cap_m3, 4),
                        "payload_kg": cap_kg,
                        "created_at": now,
                    }
                )
                summary["containers"].append(
                    {
                        "id": cid,
                        "hub": hub,
                        "regime": regime,
                        "booking_id": b["id"],
                        "parcels": len(r),
                        "fill_volume": round(vol / cap_m3, 4),
                        "fill_weight": round(kg / cap_kg, 4),
                    }
                )
    s.execute(insert(CONTAINERS), container_rows)
    loaded_rows = [rows for _g, rows, _v, _kg in bins_in_order(bins, by_hub, keys)]
    # every container of a departure enters the EU at the same place and time; the customs on that day are
    # computed while the server loads
    entry = container_rows[0]["eu_entry_at"].date()
    changed = _load(
        s,
        w["id"],
        loaded_rows,
        [c["id"] for c in container_rows],
        lambda: customs_changes(w, np.concatenate(loaded_rows), _day(container_rows[0]["eu_entry_at"])),
    )
    if changed:  # only the orders whose declaration, duty or VAT differ on the EU entry date
        s.execute(
            update(ORDERS)
            .where(O.id == bindparam("oid"))
            .values(
                customs_date=entry,
                import_declaration=bindparam("d"),
                duty_eur=bindparam("duty"),
                vat_eur=bindparam("vat"),
                vat_via=bindparam("via"),
            )
            .execution_options(synchronize_session=False),
            changed,
        )


def bins_in_order(bins: list[Bin], by_hub: dict[str, list[int]], keys: list[tuple[str, ...]]) -> list[Bin]:
    """The bins in the order containers were created (hub, then regime, then sequence)."""
    out: list[Bin] = []
    for _hub, bin_idx in sorted(by_hub.items()):
        by_regime: dict[str, list[int]] = {}
        for k in bin_idx:
            by_regime.setdefault(keys[bins[k][0]][1], []).append(k)
        for _regime, ks in sorted(by_regime.items()):
            out.extend(bins[k] for k in ks)
    return out


def world_country(place: str) -> str:
    from landbridge.world import load_world

    return load_world().network.places[place].country


def _main_hs(codes_per_order: np.ndarray) -> str:
    """The most common 6-digit HS subheading among the orders (the booking's goods line); ties: the smallest."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(codes_per_order):
        return "999999"
    flat = pc.utf8_slice_codeunits(pc.split_pattern(pa.array(codes_per_order, pa.string()), ";").flatten(), 0, 6)
    counts = pc.value_counts(flat)
    values = counts.field("values").to_pylist()
    n = np.asarray(counts.field("counts").to_numpy(zero_copy_only=False))
    best = n.max()
    return str(min(v for v, k in zip(values, n.tolist()) if k == best))


def _day(t: datetime) -> np.datetime64:
    return np.datetime64(t.date(), "D")


def customs_changes(w: dict[str, np.ndarray], rows: np.ndarray, entry: np.datetime64) -> list[dict[str, Any]]:
    """Customs of the orders `rows` under the rules in force on the EU entry day; the updates for those whose
    import declaration, duty, VAT or VAT route differ from what is stored (computed for the order date)."""
    if not len(rows):
        return []
    rules = load_rules()
    # the tariff rate matters only above the low-value threshold or under the permanent (tariff) regime
    kind, _flat = rules.duty_kind(np.array([entry]))
    need = (w["value_eur"][rows] > rules.eu.low_value_threshold_eur) | (kind[0] == 2)
    chapter_rate = np.zeros(len(rows))
    if need.any():
        chapter_rate[need] = mean_chapter_rate(rules, w["hs_codes"][rows[need]])
    res = rules.customs(
        regime=w["regime"][rows],
        consignee_type=w["consignee_type"][rows],
        declared_value=w["declared_value"][rows],
        currency=w["currency"][rows],
        country=w["destination_country"][rows],
        has_ioss=np.array([x is not None for x in w["ioss_number"][rows]], dtype=bool),
        tariff_lines=w["tariff_lines"][rows].astype(float),
        duty_rate=chapter_rate,
        days=np.full(len(rows), entry),
    )
    differs = (
        (res["import_declaration"] != w["import_declaration"][rows])
        | (res["vat_via"] != w["vat_via"][rows])
        | ~np.isclose(res["duty_eur"], w["duty_eur"][rows])
        | ~np.isclose(res["vat_eur"], w["vat_eur"][rows])
    )
    return [
        {
            "oid": w["id"][rows[k]],
            "d": str(res["import_declaration"][k]),
            "duty": round(float(res["duty_eur"][k]), 2),
            "vat": round(float(res["vat_eur"][k]), 2),
            "via": str(res["vat_via"][k]),
        }
        for k in np.flatnonzero(differs)
    ]


def mean_chapter_rate(rules: Rules, hs_codes: np.ndarray) -> np.ndarray:
    """The mean indicative duty rate of each order's HS codes (';'-separated), by chapter, in columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.split_pattern(pa.array(hs_codes, pa.string()), ";")
    counts = np.diff(np.asarray(parts.offsets.to_numpy(zero_copy_only=False)))
    chapters = pc.dictionary_encode(pc.utf8_slice_codeunits(parts.flatten(), 0, 2))
    rate_of = rules.duty_rate_of_chapter(np.array(chapters.dictionary.to_pylist(), dtype=object))
    rates = rate_of[np.asarray(chapters.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    parent = np.repeat(np.arange(len(hs_codes)), counts)
    total = np.bincount(parent, weights=rates, minlength=len(hs_codes))
    out: np.ndarray = total / np.maximum(counts, 1)
    return out


def departures_between(world: Any, flow: OrderFlow, start: date, end: date, include_other: bool = True) -> list[Any]:
    """Departures from the flow's origin carrying e-commerce cargo to a hub, leaving on [start, end), in time order."""
    out = []
    for d, _i, _j in world.timetable.departures(start, end, flow.origin, None, "rail"):
        sv = d.service
        if sv.stops[0] != flow.origin or "ecommerce" not in sv.accepts or not any(p in flow.hubs for p in sv.stops[1:]):
            continue
        if sv.id != flow.dedicated_service and not include_other:
            continue
        out.append(d)
    return out


def ensure_sellers_exist(s: Session, ids: list[str]) -> None:
    missing = set(ids) - set(s.scalars(select(Customer.id).where(Customer.id.in_(ids))))
    if missing:
        raise NotFoundError(f"No seller {sorted(missing)[0]!r}.")
