"""Emission reports over HTTP: a booking's ISO 14083 report (JSON, CSV or PDF) and a customer's summary per
month and mode (JSON, CSV, PNG or SVG chart). Translation only: the rules live in service.py.

The format comes from `?format=` or, without it, from the Accept header (JSON when the client accepts
anything); an Accept header that allows none of the formats is 406."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from landbridge.accounts.dependencies import Caller
from landbridge.carbon import service
from landbridge.carbon.schemas import EmissionReportOut, EmissionSummaryOut
from landbridge.db.dependencies import DB

router = APIRouter(prefix="/v1", tags=["emissions"])

REPORT_TYPES = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}
SUMMARY_TYPES = {"json": "application/json", "csv": "text/csv", "png": "image/png", "svg": "image/svg+xml"}


def negotiate(accept: str | None, types: dict[str, str]) -> str | None:
    """The format whose media type the Accept header prefers (highest q, then the header's order); 'json'
    when the header is absent or accepts anything; None when it accepts none of `types`."""
    if not accept or not accept.strip():
        return "json"
    best: tuple[float, int, str] | None = None
    for pos, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for fmt, mt in types.items():
            major = mt.split("/")[0]
            if media in (mt, "*/*", f"{major}/*"):
                rank = (q, -pos, fmt)
                if best is None or rank[:2] > best[:2]:
                    best = rank
                break  # a wildcard picks the first listed format: JSON
    return best[2] if best else None


def _format(request: Request, fmt: str | None, types: dict[str, str]) -> str:
    if fmt is not None:
        return fmt
    chosen = negotiate(request.headers.get("accept"), types)
    if chosen is None:
        raise HTTPException(406, f"Not acceptable: this resource is available as {', '.join(types.values())}.")
    return chosen


@router.get(
    "/bookings/{booking_id}/emissions",
    response_model=EmissionReportOut,
    responses={
        200: {"content": {"text/csv": {}, "application/pdf": {}}},
        404: {"description": "No such booking (or another customer's)."},
        406: {"description": "The Accept header allows none of JSON, CSV and PDF."},
    },
)
def booking_emissions(
    booking_id: str,
    request: Request,
    db: DB,
    p: Caller,
    fmt: Annotated[
        str | None,
        Query(alias="format", pattern="^(json|csv|pdf)$", description="json, csv or pdf (default: from Accept)."),
    ] = None,
) -> Any:
    """The booking's greenhouse-gas emissions per ISO 14083: per leg and section and per hub, TTW and WTW,
    the factor, distance and mass used, and the data quality; with the factor set it was computed with."""
    fmt = _format(request, fmt, REPORT_TYPES)
    report = db.read(lambda s: service.booking_report(s, p, booking_id))
    if fmt == "json":
        return report
    from landbridge.carbon import documents

    name = f"{report['booking']['id']}-emissions.{fmt}"
    if fmt == "csv":
        body: bytes | str = documents.report_csv(report)
        media = "text/csv; charset=utf-8"
    else:
        body, media = documents.report_pdf(report), "application/pdf"
    return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get(
    "/emissions/summary",
    response_model=EmissionSummaryOut,
    responses={
        200: {"content": {"text/csv": {}, "image/png": {}, "image/svg+xml": {}}},
        404: {"description": "A shipper asked for another customer."},
        406: {"description": "The Accept header allows none of JSON, CSV, PNG and SVG."},
    },
)
def emissions_summary(
    request: Request,
    db: DB,
    p: Caller,
    customer: Annotated[
        str | None, Query(max_length=32, description="Operators: one customer (cus_...); shippers: their own only.")
    ] = None,
    start: Annotated[date | None, Query(alias="from", description="First departure date.")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last departure date (inclusive).")] = None,
    fmt: Annotated[
        str | None,
        Query(alias="format", pattern="^(json|csv|png|svg)$", description="json, csv, png or svg (default: Accept)."),
    ] = None,
) -> Any:
    """A customer's emissions per month of departure and per mode (live bookings), and the saving against the
    sea and air options their quotes offered, as a table (JSON, CSV) or a chart (PNG, SVG)."""
    fmt = _format(request, fmt, SUMMARY_TYPES)
    summary = db.read(lambda s: service.emissions_summary(s, p, customer, start, end))
    if fmt == "json":
        return summary
    from landbridge.carbon import documents

    if fmt == "csv":
        return Response(documents.summary_csv(summary), media_type="text/csv; charset=utf-8")
    return Response(documents.summary_chart(summary, fmt), media_type=SUMMARY_TYPES[fmt])
