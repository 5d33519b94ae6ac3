"""Events from CSV: one row per event, flat columns mapped to the DCSA shape the API takes.

Columns (header row; order free, unknown columns refused): eventID, eventType (TRANSPORT, EQUIPMENT,
SHIPMENT), eventClassifierCode (ACT, EST, PLN; default ACT), eventDateTime (ISO 8601 with offset),
eventTypeCode (ARRI, DEPA, GTIN, LOAD, DISC, GTOT, ...; the transport, equipment or shipment code),
departureID, UNLocationCode, placeID, equipmentReference, emptyIndicatorCode (LADEN, EMPTY),
isTransshipmentMove (true/false), documentTypeCode, documentReference.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from landbridge.errors import FieldError

COLUMNS = (
    "eventID",
    "eventType",
    "eventClassifierCode",
    "eventDateTime",
    "eventTypeCode",
    "departureID",
    "UNLocationCode",
    "placeID",
    "equipmentReference",
    "emptyIndicatorCode",
    "isTransshipmentMove",
    "documentTypeCode",
    "documentReference",
)
CODE_FIELD = {
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
    "SHIPMENT": "shipmentEventTypeCode",
}
MAX_ROWS = 10_000


def event_from_flat(row: dict[str, str]) -> dict[str, Any]:
    """One flat record (CSV row, CLI options) as a DCSA event document (not yet validated)."""
    g = {k: (v or "").strip() for k, v in row.items() if k}
    et = g.get("eventType", "").upper()
    payload: dict[str, Any] = {
        "eventClassifierCode": (g.get("eventClassifierCode") or "ACT").upper(),
        "eventDateTime": g.get("eventDateTime") or None,
    }
    if et in CODE_FIELD and g.get("eventTypeCode"):
        payload[CODE_FIELD[et]] = g["eventTypeCode"].upper()
    loc = {k: g[k] for k in ("UNLocationCode", "placeID") if g.get(k)}
    if g.get("departureID"):
        payload["transportCall"] = {"departureID": g["departureID"], "location": loc}
    elif loc:
        payload["eventLocation"] = loc
    for k in ("equipmentReference", "emptyIndicatorCode", "documentTypeCode", "documentReference"):
        if g.get(k):
            payload[k] = g[k]
    if g.get("isTransshipmentMove"):
        payload["isTransshipmentMove"] = g["isTransshipmentMove"].lower() in ("1", "true", "yes")
    return {"metadata": {"eventID": g.get("eventID") or None, "eventType": et or None}, "payload": payload}


def events_from_csv(text: str) -> list[dict[str, Any]]:
    """Every row as an event document; a bad header is one clear error for the whole file."""
    try:
        return _events_from_csv(text)
    except csv.Error as e:  # e.g. a bare carriage return inside an unquoted field
        raise FieldError("body", f"The CSV file cannot be read ({e}); quote fields that hold line breaks.") from e


def _events_from_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [h for h in header if h not in COLUMNS]
    if not header:
        raise FieldError("body", f"The CSV file has no header row; columns: {', '.join(COLUMNS)}.")
    if unknown:
        raise FieldError("body", f"Unknown CSV column {unknown[0]!r}; columns: {', '.join(COLUMNS)}.")
    for need in ("eventID", "eventType", "eventDateTime"):
        if need not in header:
            raise FieldError("body", f"The CSV file needs a {need} column.")
    out: list[dict[str, Any]] = []
    for row in reader:
        if len(out) >= MAX_ROWS:
            raise FieldError("body", f"More than {MAX_ROWS:,} rows; split the file.")
        out.append(event_from_flat(row))
    if not out:
        raise FieldError("body", "The CSV file has a header but no events.")
    return out
