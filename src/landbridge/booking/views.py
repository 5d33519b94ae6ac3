"""Quotes, departures, bookings, consignment notes and operator views over HTTP. Translation only: the
rules live in service.py and capacity.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from landbridge.accounts.dependencies import Caller, Operator
from landbridge.accounts.limits import spend_expensive
from landbridge.booking import capacity, service
from landbridge.booking.schemas import (
    BookingIn,
    BookingOut,
    BookingPage,
    CancelIn,
    DepartureOut,
    DepartureSearchOut,
    EquipmentIn,
    QuoteIn,
    QuoteOut,
    ReconcileOut,
    StatusFilter,
    StatusIn,
    TransportStatus,
    UtilisationOut,
)
from landbridge.db.dependencies import DB
from landbridge.errors import FieldError, UnknownPlaceError
from landbridge.idempotency.http import HEADER, respond, respond_async

if TYPE_CHECKING:
    from landbridge.world import World

router = APIRouter(prefix="/v1")
IdemKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=200,
        description="Retry-safe POST: "
        "a retry with the same key returns the original result; the same key "
        "with a different body is 409.",
    ),
]
REUSED = "the Idempotency-Key was used before with a different request."
NO_BOOKING = {"description": "No such booking (another customer's is not found either)."}
Limit = Annotated[int, Query(ge=1, le=100, description="Page length (at most 100).")]


def linked(booking: dict[str, Any]) -> dict[str, Any]:
    """A booking as the API answers it: the service's record plus the URLs of its documents (the CIM/SMGS
    note only when the booking travels by rail)."""
    from landbridge.booking.consignment import has_rail_legs

    note = f"{router.prefix}/bookings/{booking['id']}/consignment-note.pdf" if has_rail_legs(booking) else None
    return {**booking, "consignment_note": note}


def date_range(
    start_date: date | None, end_date: date | None, *, default_days: int, max_days: int, earliest: date, latest: date
) -> tuple[date, date]:
    """The dates [start, end) a query asks for: start_date (default today) from `earliest` to `latest`, both
    included; end_date exclusive (the day after the last date wanted), after start_date and at most `max_days`
    later (default start + `default_days`). Errors name the first and last dates allowed."""
    start = start_date or date.today()
    if not earliest <= start <= latest:
        raise FieldError("start_date", f"start_date must be from {earliest} to {latest} (both included); got {start}.")
    first_end, last_end = start + timedelta(days=1), start + timedelta(days=max_days)
    end = end_date or start + timedelta(days=default_days)
    if not first_end <= end <= last_end:
        raise FieldError(
            "end_date",
            f"end_date is the day after the last date wanted: from {first_end} to {last_end} (both included) "
            f"for start_date {start}; got {end}.",
        )
    return start, end


def _world() -> World:
    from landbridge.world import load_world

    return load_world()


# ---- quotes ----------------------------------------------------------------------------------
@router.post(
    "/quotes", status_code=201, response_model=QuoteOut, tags=["quotes"], responses={409: {"description": REUSED}}
)
def create_quote(body: QuoteIn, request: Request, db: DB, p: Caller, idempotency_key: IdemKey = None) -> JSONResponse:
    """Door-to-door options (the planner of `landbridge quote`), only on departures with room. Each option
    has an `id` that stays bookable until `expires_at` (30 minutes)."""
    spend_expensive(p.key_id, "quotes")

    def work(s: Session) -> dict[str, Any]:
        try:
            return service.create_quote(s, p, body)
        except UnknownPlaceError as exc:
            exc.field = "origin" if exc.query == body.origin else "destination"
            raise

    return respond(request, db, p.owner, idempotency_key, body.model_dump(mode="json"), work)


# ---- departures ------------------------------------------------------------------------------
@router.get("/departures", response_model=DepartureSearchOut, tags=["departures"])
def search_departures(
    db: DB,
    p: Caller,
    origin: Annotated[
        str | None, Query(alias="from", max_length=100, description="Boarding place (terminal, hub or city).")
    ] = None,
    destination: Annotated[str | None, Query(alias="to", max_length=100, description="Alighting place.")] = None,
    start_date: Annotated[date | None, Query(description="First departure date (default today).")] = None,
    end_date: Annotated[
        date | None, Query(description="Day after the last departure date (default start + 14 days; at most 62 days).")
    ] = None,
    min_free_feu: Annotated[float, Query(ge=0, le=1000)] = 0.0,
    limit: Limit = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    """Rail departures between places and dates, with capacity and bookings per section."""
    today = date.today()
    start, end = date_range(
        start_date,
        end_date,
        default_days=14,
        max_days=62,
        earliest=today - timedelta(days=366),
        latest=today + timedelta(days=731),
    )

    def work(s: Session) -> dict[str, Any]:
        try:
            return capacity.search_departures(s, _world(), start, end, origin, destination, limit, offset, min_free_feu)
        except UnknownPlaceError as exc:
            exc.field = "from" if exc.query == origin else "to"
            raise

    return db.read(work)


@router.get(
    "/departures/{departure_id}",
    response_model=DepartureOut,
    tags=["departures"],
    responses={404: {"description": "No such departure."}},
)
def get_departure(departure_id: str, db: DB, p: Caller) -> dict[str, Any]:
    """One departure: its stops, and `capacity_feu` and `booked_feu` for every section."""
    return db.read(lambda s: capacity.departure_detail(s, _world(), departure_id))


# ---- bookings --------------------------------------------------------------------------------
@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingOut,
    tags=["bookings"],
    responses={
        404: {"description": "No such quote option (or not yours)."},
        409: {"description": "No capacity left on a departure of the option; or " + REUSED},
        410: {"description": "The quote option expired or its train has left."},
    },
)
async def create_booking(
    body: BookingIn, request: Request, db: DB, p: Caller, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Book a quote option: reserves the containers' FEU on every rail departure of the option, all or none."""
    # The hot path runs on the event loop (Database.write_async): no thread hop, no GIL contention.
    return await respond_async(
        request,
        db,
        p.owner,
        idempotency_key,
        body.model_dump(mode="json"),
        lambda s: linked(service.create_booking(s, p, body)),
    )


@router.get("/bookings", response_model=BookingPage, tags=["bookings"])
def list_bookings(
    db: DB,
    p: Caller,
    status: Annotated[
        StatusFilter | None,
        Query(description="Booking status; also `requested` (= received), `in_transit`, `delivered` (transport)."),
    ] = None,
    transport_status: TransportStatus | None = None,
    customer_id: Annotated[str | None, Query(max_length=32, description="Operators: one customer's bookings.")] = None,
    departure_id: Annotated[str | None, Query(max_length=80)] = None,
    origin: Annotated[str | None, Query(max_length=64, description="Place id where the booking starts.")] = None,
    destination: Annotated[str | None, Query(max_length=64)] = None,
    reference: Annotated[str | None, Query(max_length=64)] = None,
    created_from: date | None = None,
    created_to: Annotated[date | None, Query(description="Created before this date.")] = None,
    limit: Limit = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    """Your bookings (operators: everyone's), newest first."""
    return db.read(
        lambda s: service.list_bookings(
            s,
            p,
            status=status,
            customer_id=customer_id,
            departure_id=departure_id,
            origin=origin,
            destination=destination,
            reference=reference,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=cursor,
            transport_status=transport_status,
        )
    )


@router.get("/bookings/{booking_id}", response_model=BookingOut, tags=["bookings"], responses={404: NO_BOOKING})
def get_booking(booking_id: str, db: DB, p: Caller) -> dict[str, Any]:
    """A booking with its itinerary, reservations and the audit trail of its status changes."""
    return linked(db.read(lambda s: service.get_booking(s, p, booking_id)))


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    tags=["bookings"],
    responses={404: NO_BOOKING, 409: {"description": "Already cancelled, delivered or left; or " + REUSED}},
)
async def cancel_booking(
    booking_id: str, request: Request, db: DB, p: Caller, body: CancelIn | None = None, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Cancel a booking (before its train leaves); its capacity comes back at once."""
    reason = body.reason if body else None
    return await respond_async(
        request,
        db,
        p.owner,
        idempotency_key,
        {"reason": reason},
        lambda s: linked(service.change_status(s, p, booking_id, "cancelled", reason)),
        status=200,
    )


@router.post(
    "/bookings/{booking_id}/status",
    response_model=BookingOut,
    tags=["bookings"],
    responses={404: NO_BOOKING, 409: {"description": "A status change out of order; or " + REUSED}},
)
async def change_status(
    booking_id: str, body: StatusIn, request: Request, db: DB, p: Operator, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Operators: move a booking along received → confirmed → completed, or reject, decline or cancel it
    (DCSA Booking 2.0 statuses). `in_transit` and `delivered` set the transport status by hand."""
    return await respond_async(
        request,
        db,
        p.owner,
        idempotency_key,
        body.model_dump(),
        lambda s: linked(service.change_status(s, p, booking_id, body.status, body.note)),
        status=200,
    )


@router.put("/bookings/{booking_id}/equipment", response_model=BookingOut, tags=["bookings"])
def set_equipment(booking_id: str, body: EquipmentIn, db: DB, p: Caller) -> dict[str, Any]:
    """Give the booking's containers: ISO 6346 numbers (check digit verified), size-type codes (45G1...), seals and
    the verified gross mass. Replaces the list; shippers until the train leaves, operators until delivery."""
    return linked(db.write(lambda s: service.set_equipment(s, p, booking_id, body.equipment)))


@router.get(
    "/bookings/{booking_id}/consignment-note.pdf",
    tags=["bookings"],
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        404: NO_BOOKING,
        409: {"description": "The booking has no rail leg: the CIM/SMGS note is a rail document."},
    },
)
def consignment_note(booking_id: str, db: DB, p: Caller) -> Response:
    """The CIM/SMGS consignment note of a booking, as a PDF."""
    spend_expensive(p.key_id, "documents")
    from landbridge.booking.consignment import consignment_note_pdf

    booking = db.read(lambda s: service.get_booking(s, p, booking_id))
    pdf = consignment_note_pdf(booking)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{booking["id"]}-cim-smgs.pdf"'},
    )


# ---- operators -------------------------------------------------------------------------------
@router.get("/operator/utilisation", tags=["operators"], response_model=UtilisationOut)
def utilisation(
    db: DB,
    p: Operator,
    start_date: date | None = None,
    end_date: date | None = None,
    corridor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Capacity, bookings and utilisation per departure and per corridor (departures leaving in the range)."""
    start, end = date_range(
        start_date, end_date, default_days=31, max_days=366, earliest=date(2000, 1, 1), latest=date(2100, 1, 1)
    )
    return db.read(lambda s: capacity.utilisation(s, start, end, corridor, limit))


@router.get("/operator/reconcile", tags=["operators"], response_model=ReconcileOut)
def reconcile(db: DB, p: Operator) -> dict[str, Any]:
    """Check that every section's booked FEU equals the sum over the live bookings holding it."""
    return db.read(capacity.reconcile)
