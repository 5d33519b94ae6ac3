"""An event's JSON to its normalised document: the DCSA shape the schemas describe (schemas.EventIn), as
`EventIn.model_validate(raw).model_dump(mode="json", exclude_none=True)` gives it, plus the event's times.

Batches of events are mostly plain, well-formed documents, and pydantic (with the Strict base's per-field
checks) costs ~0.3 ms an event. So `parse_event` first tries a plain reading (`plain_event`) that accepts only
what the schemas certainly accept: known fields, the exact JSON types, ASCII printable text without surrounding
spaces, literal codes, ISO 8601 times with a zone. Anything else (a field it does not know, a null, a number
for a text, accents, a bad code) goes through pydantic, which gives the 422 errors. Both readings give the same
document for what the plain one accepts (tests/tracking/test_parsing.py checks that as a property).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from landbridge.tracking.schemas import (
    DOCUMENT_TYPES,
    EQUIPMENT_CODES,
    EVENT_ID,
    EVENT_TYPES,
    FACILITY_TYPES,
    SHIPMENT_CODES,
    TRANSPORT_CODES,
    EventIn,
)


@dataclass(frozen=True)
class ParsedEvent:
    """A valid event's document (metadata, payload; no None values) and its times (timezone-aware)."""

    document: dict[str, Any]
    event_at: datetime
    created_at: datetime | None


# A field: (kind, argument, default). Kinds: "str" ((max length, pattern or None[, min length])), "lit" (the
# allowed values), "bool", "int" ((lowest, highest)), "dt", "obj" (the nested fields). `REQUIRED`: no default.
REQUIRED = object()
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_LOCATION: dict[str, tuple[str, Any, Any]] = {
    "locationType": ("lit", frozenset({"UNLO", "FACI"}), None),
    "UNLocationCode": ("str", (5, re.compile(r"[A-Z]{2}[A-Z2-9]{3}")), None),
    "placeID": ("str", (64, None), None),
    "locationName": ("str", (100, None), None),
}
_TRANSPORT_CALL: dict[str, tuple[str, Any, Any]] = {
    "transportCallReference": ("str", (100, None), None),
    "transportCallSequenceNumber": ("int", (0, 1000), None),
    "modeOfTransport": ("lit", frozenset({"RAIL"}), "RAIL"),
    "railService": ("str", (64, None), None),
    "departureID": ("str", (80, None, 1), REQUIRED),
    "location": ("obj", _LOCATION, REQUIRED),
    "facilityTypeCode": ("lit", frozenset(FACILITY_TYPES), None),
}
_METADATA: dict[str, tuple[str, Any, Any]] = {
    "eventID": ("str", (100, re.compile(EVENT_ID.strip("^$"))), REQUIRED),
    "eventCreatedDateTime": ("dt", None, None),
    "eventType": ("lit", frozenset(EVENT_TYPES), REQUIRED),
    "publisher": ("obj", {"partyName": ("str", (100, None), None)}, None),
    "publisherRole": ("str", (3, None), None),
}
_PAYLOAD: dict[str, tuple[str, Any, Any]] = {
    "eventClassifierCode": ("lit", frozenset({"ACT", "EST", "PLN"}), REQUIRED),
    "eventDateTime": ("dt", None, REQUIRED),
    "transportEventTypeCode": ("lit", frozenset(TRANSPORT_CODES), None),
    "equipmentEventTypeCode": ("lit", frozenset(EQUIPMENT_CODES), None),
    "shipmentEventTypeCode": ("lit", frozenset(SHIPMENT_CODES), None),
    "documentTypeCode": ("lit", frozenset(DOCUMENT_TYPES), None),
    "documentReference": ("str", (100, None), None),
    "equipmentReference": ("str", (20, None), None),
    "ISOEquipmentCode": ("str", (4, None), None),
    "emptyIndicatorCode": ("lit", frozenset({"EMPTY", "LADEN"}), None),
    "isTransshipmentMove": ("bool", None, False),
    "transportCall": ("obj", _TRANSPORT_CALL, None),
    "eventLocation": ("obj", _LOCATION, None),
    "delayReasonCode": ("str", (3, None), None),
    "changeRemark": ("str", (250, None), None),
    "reason": ("str", (250, None), None),
}
_EVENT: dict[str, tuple[str, Any, Any]] = {
    "metadata": ("obj", _METADATA, REQUIRED),
    "payload": ("obj", _PAYLOAD, REQUIRED),
}


class _NotPlain(Exception):
    """The plain reading does not take this value: pydantic decides (and explains)."""


def _text(v: Any, limit: int, pattern: re.Pattern[str] | None, least: int = 0) -> str:
    if type(v) is not str or not least <= len(v) <= limit or not v.isascii() or not v.isprintable() or v != v.strip():
        raise _NotPlain
    if pattern is not None and pattern.fullmatch(v) is None:
        raise _NotPlain
    return v


def _time(v: Any) -> datetime:
    if type(v) is not str or _ISO.fullmatch(v) is None:
        raise _NotPlain
    try:
        return datetime.fromisoformat(v)
    except ValueError:
        raise _NotPlain from None


def _value(kind: str, arg: Any, v: Any, times: dict[str, datetime], name: str) -> Any:
    if kind == "lit":
        if type(v) is not str or v not in arg:
            raise _NotPlain
        return v
    if kind == "str":
        return _text(v, *arg)
    if kind == "obj":
        return _object(arg, v, times)
    if kind == "dt":
        times[name] = _time(v)
        return v
    if kind == "bool":
        if type(v) is not bool:
            raise _NotPlain
        return v
    if type(v) is not int or not arg[0] <= v <= arg[1]:  # "int"
        raise _NotPlain
    return v


@dataclass(frozen=True)
class _Shape:
    """An object's fields (kind, argument by name), the required ones and the defaults filled in when absent."""

    fields: dict[str, tuple[str, Any]]
    required: frozenset[str]
    defaults: tuple[tuple[str, Any], ...]


_SHAPES: dict[int, _Shape] = {}


def _shape(spec: dict[str, tuple[str, Any, Any]]) -> _Shape:
    shape = _SHAPES.get(id(spec))
    if shape is None:
        shape = _SHAPES[id(spec)] = _Shape(
            {name: (kind, arg) for name, (kind, arg, _d) in spec.items()},
            frozenset(name for name, (_k, _a, d) in spec.items() if d is REQUIRED),
            tuple((name, d) for name, (_k, _a, d) in spec.items() if d is not REQUIRED and d is not None),
        )
    return shape


def _object(spec: dict[str, tuple[str, Any, Any]], raw: Any, times: dict[str, datetime]) -> dict[str, Any]:
    """The fields of one object (those given, then the defaults of those not); times parsed by field name."""
    shape = _shape(spec)
    if type(raw) is not dict or not raw.keys() <= shape.fields.keys() or not shape.required <= raw.keys():
        raise _NotPlain
    out: dict[str, Any] = {}
    for name, v in raw.items():
        if v is None:
            raise _NotPlain
        kind, arg = shape.fields[name]
        out[name] = _value(kind, arg, v, times, name)
    for name, default in shape.defaults:
        if name not in out:
            out[name] = default
    return out


def plain_event(raw: Any) -> ParsedEvent | None:
    """The event read without pydantic, or None when it is not plainly valid (then use `parse_event`)."""
    times: dict[str, datetime] = {}
    try:
        doc = _object(_EVENT, raw, times)
    except _NotPlain:
        return None
    return ParsedEvent(doc, times["eventDateTime"], times.get("eventCreatedDateTime"))


def parse_event(raw: Any) -> ParsedEvent:
    """The event's normalised document and times. Raises pydantic's ValidationError for an invalid event."""
    plain = plain_event(raw)
    if plain is not None:
        return plain
    ev = EventIn.model_validate(raw)
    doc = ev.model_dump(mode="json", exclude_none=True)
    return ParsedEvent(doc, ev.payload.eventDateTime, ev.metadata.eventCreatedDateTime)
