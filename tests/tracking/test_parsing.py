"""The plain reading of an event (no pydantic) takes only what the schemas take, and reads it the same way."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from landbridge.booking.containers import check_digit, equipment_reference
from landbridge.errors import FieldError
from landbridge.timefmt import iso_utc
from landbridge.tracking.parsing import parse_event, plain_event
from landbridge.tracking.schemas import EventIn

texts = st.one_of(
    st.sampled_from(["duisburg-rail", "DEDUI", "X", "", " a", "b ", "a\tb", "CSQU3054383", "x" * 101, "Łódź"]),
    st.text(max_size=8),
    st.integers(-2, 2000),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
times = st.integers(0, 3).flatmap(
    lambda k: st.sampled_from(["2026-01-05T10:00:00Z", "2026-01-05T10:00:00.250+02:00"]) if k else odd_times
)
odd_times = st.one_of(
    st.sampled_from(
        [
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00:00+08:00",
            "2026-01-05T10:00:00.5+00:00",
            "2026-01-05T10:00:00.123456Z",
            "2026-01-05T10:00:00.1234567Z",
            "2026-01-05T10:00:00",
            "2026-01-05 10:00:00Z",
            "2026-13-05T10:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T10:00:60Z",
            "2026-01-05T10:00Z",
            "2026-01-05T10:00:00+24:00",
            "2026-01-05T10:00:00-23:59",
            "0000-01-01T00:00:00Z",
        ]
    ),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.integers(0, 2_000_000_000),
    st.none(),
)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy = texts) -> st.SearchStrategy:
    """Good values nine times in ten: most events are valid, and a few have one thing wrong."""
    return st.integers(0, 9).flatmap(lambda k: good if k else bad)


def _maybe(d: dict, extra: dict) -> st.SearchStrategy:
    """Objects with some of the optional fields, sometimes a wrong value or an unknown field."""
    return st.fixed_dictionaries(d, optional=extra)


location = _maybe(
    {},
    {
        "placeID": mostly(st.sampled_from(["duisburg-rail", "malaszewicze", "a" * 64, "a" * 65])),
        "UNLocationCode": mostly(st.sampled_from(["DEDUI", "PLMAL", "de1ui", "DEDU1"])),
        "locationType": mostly(st.sampled_from(["UNLO", "FACI", "X"])),
        "locationName": mostly(st.sampled_from(["Duisburg", "x" * 100, "x" * 101])),
    },
)
transport_call = _maybe(
    {"departureID": mostly(st.sampled_from(["CRE-XIAN-DUISBURG:2026-01-05T1000", ""])), "location": location},
    {
        "railService": mostly(st.sampled_from(["CRE-XIAN-DUISBURG"])),
        "modeOfTransport": st.sampled_from(["RAIL", "TRUCK", None]),
        "transportCallSequenceNumber": mostly(st.integers(-1, 1001)),
        "transportCallReference": mostly(st.sampled_from(["ref/1", ""])),
        "facilityTypeCode": st.sampled_from(["RAMP", "INTE", "XXXX", None]),
    },
)
metadata = _maybe(
    {
        "eventID": mostly(st.sampled_from(["ev-1", "a/b:c.d", "-x", "a b", "é", "x" * 100, "x" * 101, "ev-1\n"])),
        "eventType": mostly(
            st.sampled_from(["TRANSPORT", "EQUIPMENT", "SHIPMENT"]), st.sampled_from(["transport", None])
        ),
    },
    {
        "eventCreatedDateTime": times,
        "publisher": _maybe({}, {"partyName": mostly(st.just("DB Cargo"))}),
        "publisherRole": mostly(st.just("TR")),
    },
)
payload = _maybe(
    {"eventClassifierCode": mostly(st.sampled_from(["ACT", "EST", "PLN"]), st.just("act")), "eventDateTime": times},
    {
        "transportEventTypeCode": st.sampled_from(["ARRI", "DEPA", "GTIN", None]),
        "equipmentEventTypeCode": st.sampled_from(["LOAD", "GTOT", "CROS", "ARRI", None]),
        "shipmentEventTypeCode": st.sampled_from(["RECE", "CONF", "LOAD"]),
        "documentTypeCode": st.sampled_from(["BKG", "CBR", "XYZ"]),
        "documentReference": mostly(st.sampled_from(["bk_0123456789abcdef", ""])),
        "equipmentReference": mostly(st.sampled_from(["CSQU3054383", "CSQU 305438-3", " CSQU3054383"])),
        "ISOEquipmentCode": mostly(st.sampled_from(["45G1", "45G10"])),
        "emptyIndicatorCode": st.sampled_from(["LADEN", "EMPTY", "FULL", None]),
        "isTransshipmentMove": st.one_of(st.booleans(), st.sampled_from([0, 1, "true", None])),
        "transportCall": transport_call,
        "eventLocation": location,
        "delayReasonCode": mostly(st.sampled_from(["ANA", "ANAX"])),
        "changeRemark": mostly(st.just("late")),
        "reason": mostly(st.sampled_from(["late", "x" * 251])),
    },
)


def _with(e: dict, where: tuple, key: str, value: object) -> dict:
    e = copy.deepcopy(e)
    e[where[0]][key] = value
    return e


unknown_field = st.fixed_dictionaries({"metadata": metadata, "payload": payload}).flatmap(
    lambda e: st.sampled_from([("metadata",), ("payload",), ()]).map(
        lambda where: _with(e, where, "unknown", 1) if where else {**e, "extra": 1}
    )
)
events = st.integers(0, 9).flatmap(
    lambda k: (
        st.fixed_dictionaries({"metadata": metadata, "payload": payload})
        if k
        else st.one_of(st.fixed_dictionaries({"metadata": metadata}), unknown_field, texts)
    )
)


def _times_normalised(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["metadata"].pop("eventCreatedDateTime", None)
    doc["payload"].pop("eventDateTime", None)
    return doc


@settings(max_examples=1500, deadline=None)
@given(events)
def test_the_plain_reading_agrees_with_the_schemas(raw):
    plain = plain_event(copy.deepcopy(raw))
    try:
        ev = EventIn.model_validate(copy.deepcopy(raw))
    except ValidationError:
        assert plain is None, raw  # the plain reading never takes what the schemas refuse
        return
    if plain is None:
        return  # not plain: pydantic reads it
    assert _times_normalised(plain.document) == _times_normalised(ev.model_dump(mode="json", exclude_none=True))
    assert iso_utc(plain.event_at) == iso_utc(ev.payload.eventDateTime)
    want = ev.metadata.eventCreatedDateTime
    assert (plain.created_at and iso_utc(plain.created_at)) == (want and iso_utc(want))


def test_a_plain_event_is_read_without_pydantic_and_an_odd_one_with_it():
    raw = {
        "metadata": {"eventID": "ev-1", "eventType": "TRANSPORT", "eventCreatedDateTime": "2026-01-05T10:00:00Z"},
        "payload": {
            "eventClassifierCode": "ACT",
            "eventDateTime": "2026-01-05T11:00:00+01:00",
            "transportEventTypeCode": "DEPA",
            "transportCall": {"departureID": "S:2026-01-05T1000", "location": {"placeID": "duisburg-rail"}},
        },
    }
    plain = plain_event(raw)
    assert plain is not None and plain.event_at == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert plain.document["payload"]["isTransshipmentMove"] is False
    assert plain.document["payload"]["transportCall"]["modeOfTransport"] == "RAIL"
    odd = copy.deepcopy(raw)
    odd["payload"]["reason"] = "Verspätung in Małaszewicze"  # not ASCII: pydantic reads it
    assert plain_event(odd) is None and parse_event(odd).document["payload"]["reason"] == odd["payload"]["reason"]


@settings(max_examples=400, deadline=None)
@given(
    st.from_regex(r"[A-Z]{3}[UJZ][0-9]{6}", fullmatch=True),
    st.sampled_from(["", " ", "-", "/"]),
    st.booleans(),
    st.integers(0, 9),
)
def test_container_numbers_are_checked_as_python_stdnum_does(first10, sep, lower, digit):
    from stdnum import iso6346

    assert check_digit(first10) == iso6346.calc_check_digit(first10)
    text = f"{first10[:4]}{sep}{first10[4:]}{digit}"
    text = text.lower() if lower else text
    ok = iso6346.is_valid(first10 + str(digit))
    try:
        assert equipment_reference(text) == first10 + str(digit) and ok
    except FieldError as exc:
        assert not ok and f"should be {iso6346.calc_check_digit(first10)}" in str(exc)
    with pytest.raises(FieldError, match="not an ISO 6346 container number"):
        equipment_reference(first10 + "\u0663")  # an Arabic-Indic digit is not a check digit


def test_an_event_whose_metadata_is_not_an_object_is_rejected_not_a_server_error(client, op):
    r = client.post("/v1/events/batch", json={"events": [{"metadata": [1], "payload": {}}]}, headers=op)
    assert r.status_code == 200 and r.json()["rejected"] == 1, r.text
