"""The e-commerce API: order batches, order status, seller settings, consolidation and the operator's views.
Translation only: the rules live in service.py, imports.py and consolidation.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from landbridge.accounts.dependencies import Caller, Operator
from landbridge.db.dependencies import DB
from landbridge.ecommerce import service
from landbridge.ecommerce.schemas import ConsolidateIn, ImportOut, OrderPage, OrdersIn, SellerIn
from landbridge.errors import FieldError, FieldErrors

router = APIRouter(prefix="/v1/ecommerce", tags=["e-commerce"])
BATCH_BODY_BYTES = 16 * 1024 * 1024  # 10,000 orders of ~1 KiB each, with room


@router.post(
    "/orders",
    status_code=201,
    response_model=ImportOut,
    max_body_size=BATCH_BODY_BYTES,
    responses={422: {"description": "Bad orders: every bad field of every order (nothing imported)."}},
)
def create_orders(body: OrdersIn, db: DB, p: Caller) -> Any:
    """One order or a batch of up to 10,000: validated like a file import (all or nothing unless
    `skip_invalid`); an order already received (same `seller_order_id`) is not duplicated, a changed one is
    reported in `changed` and not updated."""
    report = db.write(lambda s: service.create_orders(s, p, body.orders, body.seller_id, body.skip_invalid))
    if not report["imported"]:
        errors = [
            {"field": f"orders[{e['line'] - 1}].{e['field']}", "message": e["reason"], "value": e["value"]}
            for e in report["errors"]
        ]
        first = errors[0]["field"] + ": " + errors[0]["message"] if errors else "invalid orders"
        raise FieldErrors(f"Nothing imported: {report['errors_total']} problem(s) ({first}).", errors, report=report)
    return report


@router.get("/orders", response_model=OrderPage)
def list_orders(
    db: DB,
    p: Caller,
    seller_id: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=16, description="waiting, loaded or cancelled")] = None,
    seller_order_id: Annotated[str | None, Query(max_length=64)] = None,
    late: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Orders, newest first (a seller sees its own; operators all or one seller's)."""
    return db.read(
        lambda s: service.list_orders(
            s,
            p,
            seller_id=seller_id,
            status=status,
            seller_order_id=seller_order_id,
            late=late,
            limit=limit,
            cursor=cursor,
        )
    )


@router.get("/orders/{order_id}")
def get_order(order_id: str, db: DB, p: Caller) -> Any:
    """One order: status following its container and train (waiting, booked, in_transit, at_hub, delivered),
    whether it will miss its promised date, its customs (declarations, duty, VAT, IOSS, ICS2 deadline)."""
    return db.read(lambda s: service.get_order(s, p, order_id))


@router.put("/sellers/{seller_id}")
def set_seller(seller_id: str, body: SellerIn, db: DB, p: Operator) -> Any:
    """Operators: whether a seller's orders may go on other trains accepting e-commerce cargo."""
    return db.write(lambda s: service.set_seller(s, p, seller_id, body.allow_other_trains))


@router.post("/consolidations", status_code=201)
def consolidate(body: ConsolidateIn, db: DB, p: Operator) -> Any:
    """Operators: pack the waiting orders for a departure (from its cut-off until it leaves), book the
    containers on the train and load the orders."""
    from landbridge.ecommerce.consolidation import consolidate as run

    return db.write(lambda s: run(s, p, body.departure_id))


@router.get("/operator/fill")
def fill(
    db: DB,
    p: Operator,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Any:
    """Fill rates per train and per container for departures in [start_date, end_date] (default the next 30 days)."""
    a = start_date or date.today()
    b = end_date or a + timedelta(days=30)
    if b < a or (b - a).days > 366:
        raise FieldError("end_date", "The end date must be on or after the start date, at most 366 days later.")
    return db.read(lambda s: service.fill_rates(s, p, a, b + timedelta(days=1)))


@router.get("/operator/backlog")
def backlog(db: DB, p: Operator) -> Any:
    """Waiting orders per hub and regime, and how many will be late."""
    return db.read(lambda s: service.backlog(s, p))


@router.get("/operator/forecast")
def forecast(db: DB, p: Operator, departures: Annotated[int, Query(ge=1, le=26)] = 4) -> Any:
    """Containers needed by the next e-commerce departures (received orders, backlog and the flow's expectation)."""
    return db.read(lambda s: service.forecast(s, p, departures))


@router.get("/containers/{container_id}/manifest.csv", response_class=Response)
def container_manifest_csv(container_id: str, db: DB, p: Operator) -> Response:
    """The container's manifest (one line per order, totals last)."""
    from landbridge.ecommerce.manifests import container_manifest, to_csv

    m = db.read(lambda s: container_manifest(s, container_id))
    return Response(to_csv(m["orders"], m["totals"]), media_type="text/csv")


@router.get("/departures/{departure_id}/regimes/{regime}/manifest")
def regime_manifest(departure_id: str, regime: str, db: DB, p: Operator) -> Any:
    """The regime's containers on a departure, totals, and the export declaration data."""
    from landbridge.ecommerce.manifests import regime_manifest as build

    return db.read(lambda s: build(s, departure_id, regime))
