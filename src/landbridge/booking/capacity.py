"""Capacity of rail departures, enforced by the database.

Every section of a rail departure is a row of `departure_sections` (created by `landbridge db seed` or
on first use, `INSERT ... ON CONFLICT DO NOTHING`). A booking reserves its FEU with one conditional
UPDATE per departure, departures in id order:

    UPDATE departure_sections SET booked_mfeu = booked_mfeu + :n
     WHERE departure_id = :d AND section_index >= :i AND section_index < :j
       AND booked_mfeu + :n <= capacity_mfeu

and succeeds only when the row count equals the number of sections; otherwise the whole transaction
rolls back. On PostgreSQL a concurrent UPDATE of the same row waits and re-checks the condition on the
committed value; on SQLite writers are serialized (BEGIN IMMEDIATE). A CHECK constraint
(booked_mfeu <= capacity_mfeu) stands behind both. Cancelling gives the FEU back in the transaction that
changes the status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from landbridge.booking.models import (
    DEPARTURE_SECTIONS,
    RELEASED_STATUSES,
    Booking,
    BookingReservation,
    DepartureSection,
)
from landbridge.db.base import to_feu, to_mfeu
from landbridge.db.direct import Batch, DirectStatement
from landbridge.errors import ConflictError, InvalidRequestError, NotFoundError
from landbridge.timefmt import iso_utc

if TYPE_CHECKING:
    from landbridge.timetable.models import Departure, Section
    from landbridge.world import World


def departure(world: World, departure_id: str) -> Departure:
    """The timetabled departure for an id, or NotFoundError (malformed or unknown ids alike)."""
    if not departure_id or len(departure_id) > 80:
        raise NotFoundError(f"No departure {departure_id[:80]!r}.")
    year = departure_id.partition(":")[2][:4]
    this_year = date.today().year
    if not (year.isdigit() and this_year - 1 <= int(year) <= this_year + 2):
        raise NotFoundError(
            f"No departure {departure_id!r}: ids look like SERVICE:YYYY-MM-DDTHHMM, "
            f"with a year from {this_year - 1} to {this_year + 2}."
        )
    try:
        return world.timetable.departure(departure_id)
    except InvalidRequestError as exc:
        raise NotFoundError(f"No departure {departure_id!r}: {exc}") from None
    except (ValueError, OverflowError):
        raise NotFoundError(f"No departure {departure_id!r}.") from None


def section_rows(dep: Departure) -> list[dict[str, Any]]:
    s = dep.service
    return [
        {
            "departure_id": dep.id,
            "section_index": sec.index,
            "service_id": s.id,
            "corridor": s.corridor,
            "departs_at": dep.departure,
            "from_place": sec.frm,
            "to_place": sec.to,
            "distance_km": round(sec.distance_km, 1),
            "capacity_mfeu": to_mfeu(sec.capacity_feu),
            "booked_mfeu": 0,
        }
        for sec in s.sections
    ]


def insert_sections(s: Session | Connection, rows: list[dict[str, Any]]) -> None:
    """Insert section rows that are not there yet (concurrent inserts of the same rows are harmless)."""
    if rows:
        conn = s.connection() if isinstance(s, Session) else s
        ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(DEPARTURE_SECTIONS)
        conn.execute(ins.on_conflict_do_nothing(index_elements=["departure_id", "section_index"]), rows)


# Built once: the conditional UPDATE that takes FEU on sections [i, j) of a departure, and the select
# that explains a refusal. Executed on the session's connection (Core), as the hot path of a booking.
_TAKE = DirectStatement(
    update(DEPARTURE_SECTIONS)
    .where(
        DEPARTURE_SECTIONS.c.departure_id == bindparam("d"),
        DEPARTURE_SECTIONS.c.section_index >= bindparam("i"),
        DEPARTURE_SECTIONS.c.section_index < bindparam("j"),
        DEPARTURE_SECTIONS.c.booked_mfeu + bindparam("n") <= DEPARTURE_SECTIONS.c.capacity_mfeu,
    )
    .values(booked_mfeu=DEPARTURE_SECTIONS.c.booked_mfeu + bindparam("n"))
    .returning(DEPARTURE_SECTIONS.c.section_index)
)  # run on the driver's cursor: the hot statement of every booking (landbridge.db.direct)
_GIVE_BACK = (
    update(DEPARTURE_SECTIONS)
    .where(
        DEPARTURE_SECTIONS.c.departure_id == bindparam("d"),
        DEPARTURE_SECTIONS.c.section_index >= bindparam("i"),
        DEPARTURE_SECTIONS.c.section_index < bindparam("j"),
    )
    .values(booked_mfeu=DEPARTURE_SECTIONS.c.booked_mfeu - bindparam("n"))
)
_ROWS = (
    select(
        DEPARTURE_SECTIONS.c.section_index,
        DEPARTURE_SECTIONS.c.from_place,
        DEPARTURE_SECTIONS.c.to_place,
        DEPARTURE_SECTIONS.c.capacity_mfeu,
        DEPARTURE_SECTIONS.c.booked_mfeu,
    )
    .where(
        DEPARTURE_SECTIONS.c.departure_id == bindparam("d"),
        DEPARTURE_SECTIONS.c.section_index >= bindparam("i"),
        DEPARTURE_SECTIONS.c.section_index < bindparam("j"),
    )
    .order_by(DEPARTURE_SECTIONS.c.section_index)
)
_ANY = select(DEPARTURE_SECTIONS.c.section_index).where(DEPARTURE_SECTIONS.c.departure_id == bindparam("d")).limit(1)


class SectionsMissing(Exception):  # a signal to the caller, not an error of the request
    """A batched booking met a departure used for the first time. Its sections are not created inside the batch's
    transaction: that transaction has already sent its Idempotency-Key record, and creating the sections after
    it would take the two locks in the opposite order to a booking made statement by statement (sections, then
    the record), which can make the two wait on each other. The caller creates them in a short transaction of
    their own (`create_sections`) and runs the booking again."""

    def __init__(self, departure_ids: list[str]) -> None:
        super().__init__(f"departures without sections yet: {', '.join(departure_ids)}")
        self.departure_ids = departure_ids


def create_sections(conn: Connection, world: World, departure_ids: list[str]) -> None:
    """The sections of departures used for the first time (`INSERT ... ON CONFLICT DO NOTHING`)."""
    for dep_id in departure_ids:
        insert_sections(conn, section_rows(departure(world, dep_id)))


def reserve(
    s: Session | Connection,
    world: World,
    legs: Iterable[tuple[str, int, int]],
    mfeu: int,
    batch: Batch | None = None,
    create_missing: bool = True,
) -> None:
    """Take `mfeu` on sections [board, alight) of each (departure id, board, alight); all or nothing.

    Raises ConflictError (the caller's transaction then rolls back) when any section lacks room. With `batch`, the
    conditional UPDATEs are queued in it (sent with the rest of the transaction's statements, db.direct.Batch) and
    their answers checked once it has run, by the same rules; otherwise they run here. `create_missing=False`: a
    departure without sections yet raises SectionsMissing instead of creating them in this transaction."""
    conn = s.connection() if isinstance(s, Session) else s
    b = Batch() if batch is None else batch
    takes = [
        (dep_id, i, j, b.add(conn, _TAKE, [{"d": dep_id, "i": i, "j": j, "n": mfeu}], fetch=True))
        for dep_id, i, j in sorted(legs)
    ]

    def check() -> None:
        for dep_id, i, j, pending in takes:
            taken = {row[0] for row in pending.rows} if pending is not None else set()
            if len(taken) == j - i:
                continue
            if not taken and conn.execute(_ANY, {"d": dep_id}).first() is None:
                if not create_missing:  # the caller creates them in a transaction of their own (SectionsMissing)
                    raise SectionsMissing([d for d, *_ in takes])
                # First use of this departure: create its sections (all at once), then take the FEU.
                insert_sections(s, section_rows(departure(world, dep_id)))
                taken = _take(conn, dep_id, i, j, mfeu)
                if len(taken) == j - i:
                    continue
            _full(conn, dep_id, i, j, mfeu, taken)

    b.then(check)
    if batch is None:
        b.run(conn)


def _take(conn: Connection, dep_id: str, i: int, j: int, mfeu: int) -> set[int]:
    """The conditional UPDATE; returns the indexes of the sections it took FEU on."""
    return {row[0] for row in _TAKE.rows(conn, {"d": dep_id, "i": i, "j": j, "n": mfeu})}


def _full(conn: Connection, dep_id: str, i: int, j: int, mfeu: int, taken: set[int]) -> None:
    """Raise the ConflictError naming the section that has no room (the transaction then rolls back)."""
    rows = conn.execute(_ROWS, {"d": dep_id, "i": i, "j": j}).all()
    tight = min(
        (r for r in rows if r.section_index not in taken), key=lambda r: r.capacity_mfeu - r.booked_mfeu, default=None
    )
    if tight is None:
        raise ConflictError(f"Departure {dep_id} has no capacity for {to_feu(mfeu):g} FEU.")
    free = max(0, tight.capacity_mfeu - tight.booked_mfeu)
    raise ConflictError(
        f"Departure {dep_id} is full between {tight.from_place} and {tight.to_place}: "
        f"{to_feu(free):g} FEU free, {to_feu(mfeu):g} FEU needed. Request a new quote for "
        "another departure."
    )


def release(s: Session, reservations: Iterable[BookingReservation]) -> None:
    """Give reserved FEU back (inside the transaction that cancels the booking)."""
    conn = s.connection()
    for r in sorted(reservations, key=lambda r: r.departure_id):
        conn.execute(_GIVE_BACK, {"d": r.departure_id, "i": r.board_stop, "j": r.alight_stop, "n": r.mfeu})


def has_room(s: Session, world: World, departure_id: str, i: int, j: int, feu: float) -> bool:
    """Whether sections [i, j) of a departure have `feu` free (for quotes: offer only what can be booked)."""
    sid = departure_id.partition(":")[0]
    service = world.timetable.by_id.get(sid)
    need = to_mfeu(feu)
    if service is None or any(to_mfeu(sec.capacity_feu) < need for sec in service.sections[i:j]):
        return False
    full = s.scalar(
        select(func.count())
        .select_from(DepartureSection)
        .where(
            DepartureSection.departure_id == departure_id,
            DepartureSection.section_index >= i,
            DepartureSection.section_index < j,
            DepartureSection.booked_mfeu + need > DepartureSection.capacity_mfeu,
        )
    )
    return not full


def booked_by_section(s: Session, departure_ids: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
    if not departure_ids:
        return {}
    rows = s.execute(
        select(
            DepartureSection.departure_id,
            DepartureSection.section_index,
            DepartureSection.capacity_mfeu,
            DepartureSection.booked_mfeu,
        ).where(DepartureSection.departure_id.in_(departure_ids))
    ).all()
    return {(r.departure_id, r.section_index): (r.capacity_mfeu, r.booked_mfeu) for r in rows}


def _section_out(sec: Section, cap_booked: tuple[int, int] | None) -> dict[str, Any]:
    cap = cap_booked[0] if cap_booked else to_mfeu(sec.capacity_feu)
    booked = cap_booked[1] if cap_booked else 0
    return {
        "index": sec.index,
        "from": sec.frm,
        "to": sec.to,
        "region": sec.region,
        "distance_km": round(sec.distance_km, 1),
        "capacity_feu": to_feu(cap),
        "booked_feu": to_feu(booked),
        "free_feu": to_feu(max(0, cap - booked)),
    }


def departure_detail(s: Session, world: World, departure_id: str) -> dict[str, Any]:
    dep = departure(world, departure_id)
    sv = dep.service
    net = world.network
    booked = booked_by_section(s, [dep.id])
    sections = [_section_out(sec, booked.get((dep.id, sec.index))) for sec in sv.sections]
    return {
        "id": dep.id,
        "service": sv.id,
        "service_name": sv.name,
        "mode": sv.mode,
        "corridor": sv.corridor,
        "operator": sv.operator,
        "departure": iso_utc(dep.departure),
        "arrival": iso_utc(dep.arrival),
        "stops": [
            {
                "index": k,
                "place": p,
                "name": net.places[p].name,
                "arrival": iso_utc(dep.time_at(k, arriving=True)),
                "departure": iso_utc(dep.time_at(k)),
                "boardable": sv.boardable[k],
            }
            for k, p in enumerate(sv.stops)
        ],
        "sections": sections,
        "capacity_feu": min(x["capacity_feu"] for x in sections),
        "booked_feu": max(x["booked_feu"] for x in sections),
        "free_feu": min(x["free_feu"] for x in sections),
    }


def search_departures(
    s: Session,
    world: World,
    start: date,
    end: date,
    origin: str | None,
    destination: str | None,
    limit: int,
    offset: int = 0,
    min_free_feu: float = 0.0,
) -> dict[str, Any]:
    from landbridge.timetable.listing import list_departures

    rows = list_departures(world, start, end, origin, destination, "rail")
    booked = booked_by_section(s, [r["id"] for r in rows])
    out = []
    for r in rows:
        if not r["sections"]:  # boarding at the last stop: nothing to ride
            continue
        svc = world.timetable.by_id[r["service"]]
        secs = [_section_out(svc.sections[x["index"]], booked.get((r["id"], x["index"]))) for x in r["sections"]]
        free = min(x["free_feu"] for x in secs)
        if free < min_free_feu:
            continue
        out.append(
            {
                **r,
                "sections": secs,
                "capacity_feu": min(x["capacity_feu"] for x in secs),
                "booked_feu": max(x["booked_feu"] for x in secs),
                "free_feu": free,
            }
        )
    return {"count": len(out), "offset": offset, "limit": limit, "departures": out[offset : offset + limit]}


def seed(
    s: Session, world: World, start: date, end: date, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Create the section rows of every rail departure leaving on [start, end) (rows already there are kept,
    with their bookings); returns (departures, section rows)."""
    deps = [d for d, _i, _j in world.timetable.departures(start, end, None, None, "rail")]
    batch: list[dict[str, Any]] = []
    sections = 0
    for n, d in enumerate(deps, 1):
        batch.extend(section_rows(d))
        if len(batch) >= 1000 or n == len(deps):
            sections += len(batch)
            insert_sections(s, batch)
            batch = []
            if progress:
                progress(n, len(deps))
    return len(deps), sections


def reconcile(s: Session) -> dict[str, Any]:
    """Compare every section's booked FEU with the sum over live bookings that hold it."""
    live = func.coalesce(func.sum(case((Booking.id.is_not(None), BookingReservation.mfeu), else_=0)), 0)
    q = (
        select(
            DepartureSection.departure_id,
            DepartureSection.section_index,
            DepartureSection.capacity_mfeu,
            DepartureSection.booked_mfeu,
            live.label("live"),
        )
        .select_from(DepartureSection)
        .outerjoin(
            BookingReservation,
            and_(
                BookingReservation.departure_id == DepartureSection.departure_id,
                BookingReservation.board_stop <= DepartureSection.section_index,
                DepartureSection.section_index < BookingReservation.alight_stop,
            ),
        )
        .outerjoin(Booking, and_(Booking.id == BookingReservation.booking_id, Booking.status.not_in(RELEASED_STATUSES)))
        .group_by(
            DepartureSection.departure_id,
            DepartureSection.section_index,
            DepartureSection.capacity_mfeu,
            DepartureSection.booked_mfeu,
        )
    )
    checked = 0
    mismatches = []
    oversold = []
    for r in s.execute(q):
        checked += 1
        if r.booked_mfeu != r.live:
            mismatches.append(
                {
                    "departure_id": r.departure_id,
                    "section_index": r.section_index,
                    "booked_feu": to_feu(r.booked_mfeu),
                    "live_bookings_feu": to_feu(int(r.live)),
                }
            )
        if r.booked_mfeu > r.capacity_mfeu:
            oversold.append({"departure_id": r.departure_id, "section_index": r.section_index})
    orphans = s.scalar(
        select(func.count())
        .select_from(BookingReservation)
        .where(
            ~select(DepartureSection.departure_id)
            .where(DepartureSection.departure_id == BookingReservation.departure_id)
            .exists()
        )
    )
    return {
        "ok": not mismatches and not oversold and not orphans,
        "sections_checked": checked,
        "mismatches": mismatches[:100],
        "oversold": oversold[:100],
        "reservations_without_sections": orphans,
    }


def utilisation(s: Session, start: date, end: date, corridor: str | None, limit: int) -> dict[str, Any]:
    """Capacity and bookings per departure and per corridor for departures leaving in [start, end)."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    where = [DepartureSection.departs_at >= lo, DepartureSection.departs_at < hi]
    if corridor:
        where.append(DepartureSection.corridor == corridor)
    per_dep = (
        select(
            DepartureSection.departure_id,
            DepartureSection.service_id,
            DepartureSection.corridor,
            DepartureSection.departs_at,
            func.min(DepartureSection.capacity_mfeu).label("cap"),
            func.max(DepartureSection.booked_mfeu).label("booked"),
            func.sum(DepartureSection.capacity_mfeu).label("cap_sum"),
            func.sum(DepartureSection.booked_mfeu).label("booked_sum"),
        )
        .where(*where)
        .group_by(
            DepartureSection.departure_id,
            DepartureSection.service_id,
            DepartureSection.corridor,
            DepartureSection.departs_at,
        )
        .order_by(DepartureSection.departs_at, DepartureSection.departure_id)
        .limit(limit)
    )
    deps = [
        {
            "departure_id": r.departure_id,
            "service": r.service_id,
            "corridor": r.corridor,
            "departure": iso_utc(r.departs_at),
            "capacity_feu": to_feu(r.cap),
            "booked_feu": to_feu(r.booked),
            "utilisation": round(r.booked_sum / r.cap_sum, 4) if r.cap_sum else 0.0,
        }
        for r in s.execute(per_dep)
    ]
    per_cor = (
        select(
            DepartureSection.corridor,
            func.count(func.distinct(DepartureSection.departure_id)).label("n"),
            func.sum(DepartureSection.capacity_mfeu).label("cap"),
            func.sum(DepartureSection.booked_mfeu).label("booked"),
        )
        .where(*where)
        .group_by(DepartureSection.corridor)
        .order_by(DepartureSection.corridor)
    )
    cors = [
        {
            "corridor": r.corridor,
            "departures": r.n,
            "section_capacity_feu": to_feu(int(r.cap)),
            "section_booked_feu": to_feu(int(r.booked)),
            "utilisation": round(int(r.booked) / int(r.cap), 4) if r.cap else 0.0,
        }
        for r in s.execute(per_cor)
    ]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "corridors": cors,
        "departures": deps,
        "note": "Utilisation is booked over capacity summed over sections; only seeded or booked departures count.",
    }


def check_range(start: date, end: date, max_days: int, what: str = "date range") -> None:
    if end <= start:
        raise InvalidRequestError(f"The {what} is empty: the end ({end}) must be after the start ({start}).")
    if (end - start) > timedelta(days=max_days):
        raise InvalidRequestError(f"The {what} is longer than {max_days} days; ask for a shorter one.")


__all__ = [
    "check_range",
    "departure",
    "departure_detail",
    "has_room",
    "insert_sections",
    "reconcile",
    "release",
    "reserve",
    "search_departures",
    "seed",
    "utilisation",
]
