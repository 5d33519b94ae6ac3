"""Tracking over HTTP: events in (one, a batch, a CSV file), events and a booking's tracking out, webhook
subscriptions and their deliveries. Translation only: the rules live in service.py and webhooks.py."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from landbridge.accounts.dependencies import Caller, Operator
from landbridge.accounts.service import Principal
from landbridge.db.dependencies import DB
from landbridge.db.engine import Database
from landbridge.errors import FieldError, FieldErrors
from landbridge.tracking import service, webhooks
from landbridge.tracking.schemas import BatchIn, BatchOut, EventType, SubscriptionIn, SubscriptionOut, TrackingOut

WORKER_ENV = "LANDBRIDGE_WEBHOOK_WORKER"  # 1: this server process delivers webhooks too (`landbridge serve`)
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_CSV_BYTES = 16 * 1024 * 1024


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """`landbridge serve` (LANDBRIDGE_WEBHOOK_WORKER=1) runs one delivery worker in each server process."""
    stop = None
    if os.environ.get(WORKER_ENV) == "1":
        from landbridge.tracking.worker import start_in_thread

        _thread, stop = start_in_thread(app.state.db)
    try:
        yield
    finally:
        if stop is not None:
            stop.set()


router = APIRouter(prefix="/v1", lifespan=lifespan)


def _single_response(result: dict[str, Any]) -> JSONResponse:
    """One event's answer: 201 created, 200 a duplicate, else 422 with its errors."""
    r = result["results"][0] if result["results"] else None
    if r is None:
        return JSONResponse({"status": "created"}, status_code=201)
    if r["status"] == "duplicate":
        return JSONResponse({"status": "duplicate", "eventID": r["eventID"]}, status_code=200)
    first = r["errors"][0]
    where = f"{first['field']}: " if first.get("field") else ""
    raise FieldErrors(f"Invalid event ({where}{first['message']})", r["errors"])


def _ingest(db: Database, p: Principal, events: list[Any], atomic: bool) -> dict[str, Any]:
    try:
        return db.write(lambda s: service.ingest(s, p, events, atomic=atomic))
    except service.BatchRejectedError as exc:
        errors = [
            {**e, "field": f"events.{r['index']}" + (f".{e['field']}" if e.get("field") else "")}
            for r in exc.errors
            for e in r["errors"]
        ]
        raise FieldErrors(str(exc), errors[:1000]) from None


@router.post(
    "/events",
    tags=["tracking"],
    status_code=201,
    responses={200: {"description": "A duplicate (the event id was seen before): nothing changed."}},
)
def post_event(body: dict[str, Any], db: DB, p: Operator) -> JSONResponse:
    """One event in the DCSA Track & Trace 3.0 shape (`metadata`, `payload`); operators only. 201 when stored,
    200 for a duplicate event id, 422 with the fields at fault."""
    return _single_response(db.write(lambda s: service.ingest(s, p, [body])))


@router.post("/events/batch", tags=["tracking"], response_model=BatchOut, max_body_size=MAX_BATCH_BYTES)
def post_events(body: BatchIn, db: DB, p: Operator) -> dict[str, Any]:
    """Up to 10,000 events. Each bad event is reported (index, eventID, errors) and the others are applied,
    unless `atomic` is true: then one bad event rejects the batch (422, nothing applied). Duplicate ids are
    ignored. Events may come in any order; they are applied in event time."""
    return _ingest(db, p, body.events, body.atomic)


@router.post(
    "/events/import",
    tags=["tracking"],
    response_model=BatchOut,
    max_body_size=MAX_CSV_BYTES,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
)
async def import_events(request: Request, db: DB, p: Operator, atomic: bool = False) -> dict[str, Any]:
    """Events as CSV (columns in docs/tracking.md: eventID, eventType, eventClassifierCode, eventDateTime,
    eventTypeCode, departureID, UNLocationCode, placeID, equipmentReference, emptyIndicatorCode,
    isTransshipmentMove, documentTypeCode, documentReference); the same rules as a batch."""
    from landbridge.tracking.csvio import events_from_csv

    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise FieldError("body", "The CSV file is larger than 16 MiB; split it.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldError("body", "The CSV file is not UTF-8 text.") from None
    events = events_from_csv(text)
    return await run_in_threadpool(_ingest, db, p, events, atomic)


@router.get("/events", tags=["tracking"])
def get_events(
    db: DB,
    p: Caller,
    bookingID: Annotated[str | None, Query(max_length=32)] = None,
    departureID: Annotated[str | None, Query(max_length=80)] = None,
    equipmentReference: Annotated[str | None, Query(max_length=20)] = None,
    eventTypes: Annotated[list[EventType] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^\d+$")] = None,
) -> dict[str, Any]:
    """Events (DCSA poll model), in the order they were accepted: a booking's (with its trains' transport
    events), a train's, a container's. Shippers see their own bookings' events."""
    return db.read(
        lambda s: service.list_events(
            s,
            p,
            booking_id=bookingID,
            departure_id=departureID,
            equipment_reference=equipmentReference,
            event_types=eventTypes,
            limit=limit,
            after_seq=int(cursor or 0),
        )
    )


@router.get("/events/{event_id}", tags=["tracking"])
def get_event(event_id: str, db: DB, p: Caller) -> dict[str, Any]:
    return db.read(lambda s: service.get_event(s, p, event_id))


@router.get("/bookings/{booking_id}/tracking", tags=["tracking"], response_model=TrackingOut)
def booking_tracking(booking_id: str, db: DB, p: Caller) -> dict[str, Any]:
    """Where a booking is: booking and transport status, its train's latest position, the predicted arrival
    (p10, p50, p90, with the timetable's and the schedule-only estimate) and its events in event time."""
    return db.read(lambda s: service.booking_tracking(s, p, booking_id))


@router.get("/tracking/manifest", tags=["tracking"])
def manifest(db: DB, p: Operator) -> dict[str, Any]:
    """Operators: every departure carrying live bookings not yet delivered, with each booking's boarding and
    alighting stop and container numbers (what `landbridge ops replay` needs)."""
    return db.read(service.manifest)


# ---- subscriptions ------------------------------------------------------------------------------
@router.post("/event-subscriptions", tags=["webhooks"], status_code=201, response_model=SubscriptionOut)
def create_subscription(body: SubscriptionIn, db: DB, p: Caller) -> dict[str, Any]:
    """Webhook for your bookings' events (an operator's: every booking). The answer holds the signing secret:
    it is shown this once (rotate it with PUT .../secret)."""
    return db.write(lambda s: webhooks.create_subscription(s, p, body))


@router.get("/event-subscriptions", tags=["webhooks"], response_model=list[SubscriptionOut])
def list_subscriptions(db: DB, p: Caller) -> list[dict[str, Any]]:
    return db.read(lambda s: webhooks.list_subscriptions(s, p))


@router.get("/event-subscriptions/{subscription_id}", tags=["webhooks"], response_model=SubscriptionOut)
def get_subscription(subscription_id: str, db: DB, p: Caller) -> dict[str, Any]:
    return db.read(lambda s: webhooks.get_subscription(s, p, subscription_id))


@router.delete("/event-subscriptions/{subscription_id}", tags=["webhooks"], status_code=204)
def delete_subscription(subscription_id: str, db: DB, p: Caller) -> Response:
    db.write(lambda s: webhooks.delete_subscription(s, p, subscription_id))
    return Response(status_code=204)


@router.put("/event-subscriptions/{subscription_id}/secret", tags=["webhooks"], response_model=SubscriptionOut)
def rotate_secret(subscription_id: str, db: DB, p: Caller) -> dict[str, Any]:
    """A new signing secret, shown once; the old one stops at once."""
    return db.write(lambda s: webhooks.rotate_secret(s, p, subscription_id))


@router.get("/event-subscriptions/{subscription_id}/deliveries", tags=["webhooks"])
def list_deliveries(
    subscription_id: str,
    db: DB,
    p: Caller,
    status: Annotated[str | None, Query(pattern=r"^(pending|delivered|dead|replayed|dropped)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Deliveries of a subscription, newest first; `status=dead` lists the dead-lettered ones."""
    return db.read(lambda s: webhooks.list_deliveries(s, p, subscription_id, status, limit))


@router.post("/event-subscriptions/{subscription_id}/deliveries/replay", tags=["webhooks"])
def replay_deliveries(subscription_id: str, db: DB, p: Caller) -> dict[str, int]:
    """Send the dead-lettered deliveries again."""
    return {"replayed": db.write(lambda s: webhooks.replay_dead(s, p, subscription_id))}
