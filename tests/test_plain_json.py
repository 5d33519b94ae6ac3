"""landbridge.schemas.PlainJson: whatever body it accepts, the usual validation (json.loads, then the model with
its Python field checks) accepts too and gives the same model; it accepts the plain bodies (so the booking fast
path does use it); it never runs Strict's Python checks; it refuses to be built for a schema it does not cover."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from landbridge.booking.schemas import BookingIn
from landbridge.schemas import PlainJson, Strict

PLAIN = PlainJson(BookingIn)

PARTY = {"name": "Bench Exporter Co.", "address": "1 Export Road, Chongqing", "country": "CN"}
BODY: dict[str, Any] = {
    "option_id": "opt_0123456789abcdef",
    "containers": 1,
    "shipment": {
        "consignor": PARTY,
        "consignee": {"name": "Bench Importer GmbH", "address": "Hafenstr. 1, Duisburg", "country": "DE"},
        "goods": {"description": "Laptop computers", "hs_code": "847130", "mass_kg": 9000, "packages": 300},
    },
}


def usual(raw: bytes) -> BookingIn | None:
    try:
        return BookingIn.model_validate(json.loads(raw))
    except (ValueError, ValidationError, RecursionError):
        return None


def same(a: BaseModel, b: BaseModel) -> bool:
    """Equal values, types and fields set, all the way down."""
    if type(a) is not type(b) or a.model_fields_set != b.model_fields_set:
        return False
    for name in type(a).model_fields:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, BaseModel):
            if not same(x, y):
                return False
        elif isinstance(x, list):
            if len(x) != len(y) or not all(same(p, q) if isinstance(p, BaseModel) else p == q for p, q in zip(x, y)):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


# ---- bodies near the schema: right and wrong types, tricky text and numbers, extra and missing fields -------
tricky_char = st.sampled_from(
    ["\x00", "\t", "\n", "\x7f", "\x85", "\u202e", "\u2028", "\ud800", "é", "重", " ", '"', "\\"]
)
text = st.lists(tricky_char | st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10).map("".join)
number = st.one_of(
    st.integers(-5, 30_000_000),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 1.0, 0.5, 9000.5, 1e-300, 20_000_000, 20_000_000.000001, -0.0]),
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    number,
    text,
    st.sampled_from(["CN", "DE", "847130", "8471.30", "UN3480", "9", "II", "SHI", "SM1", "45G1", "CSQU3054383"]),
)
anything = st.recursive(
    scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=6
)


def _mutate(draw: st.DrawFn, value: Any, odds: int) -> Any:
    """`value` with some of its leaves, members and items changed (each with a chance of 1 in `odds`; 0: none)."""
    hit = (lambda: draw(st.integers(1, odds)) == 1) if odds else (lambda: False)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if hit():
                continue  # missing
            out[k] = draw(anything) if hit() else _mutate(draw, v, odds)
        if hit():
            out[
                draw(st.sampled_from(["extra", "contact", "reference", "customer_id", "dangerous_goods", "equipment"]))
            ] = draw(anything)
        return out
    if isinstance(value, list):
        return [_mutate(draw, v, odds) for v in value]
    if hit():
        return draw(scalar)
    if hit() and isinstance(value, str):
        return value + draw(text)
    return value


DG = {
    "un_number": "UN3480",
    "hazard_class": "9",
    "packing_group": "II",
    "proper_shipping_name": "LITHIUM ION BATTERIES",
}
EQUIPMENT = [
    {
        "equipment_reference": "CSQU3054383",
        "iso_equipment_code": "45G1",
        "seals": [{"number": "SN4711"}],
        "vgm": {"mass_kg": 12000, "method": "SM1"},
    },
    {"seals": []},
]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    body = json.loads(json.dumps(BODY))
    if draw(st.booleans()):
        body["shipment"]["goods"]["dangerous_goods"] = dict(DG)
    if draw(st.booleans()):
        body["equipment"] = json.loads(json.dumps(EQUIPMENT))
    if draw(st.booleans()):
        body["reference"] = "PO-1"
        body["shipment"]["consignor"]["contact"] = "Li Wei, 重庆"
    body = _mutate(draw, body, draw(st.sampled_from([0, 60, 20, 5])))
    raw = json.dumps(body, ensure_ascii=draw(st.booleans()), allow_nan=True, indent=draw(st.sampled_from([None, 1])))
    edit = draw(st.integers(0, 9))
    if edit == 0:  # a member twice: json.loads keeps the last
        raw = raw.replace('"containers": ', '"containers": 3, "containers": ', 1)
    elif edit == 1:
        raw = "\ufeff" + raw
    elif edit == 2:
        raw = raw + draw(st.sampled_from([" ", "x", "\n", "{}"]))
    elif edit == 3:  # numbers written another way
        raw = raw.replace(
            "9000", draw(st.sampled_from(["9000.0", "9e3", "9E+3", "0x10", "09000", "9000.000000000000001", "NaN"]))
        )
    return raw.encode("utf-8", "surrogatepass")


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_whatever_it_accepts_the_usual_validation_accepts_alike(raw):
    plain = PLAIN.validate(raw)
    event("plain" if plain is not None else "usual" if usual(raw) is not None else "refused")
    if plain is not None:
        full = usual(raw)
        assert full is not None, raw
        assert same(plain, full) and plain.model_dump() == full.model_dump(), raw


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=1e-300, max_value=20_000_000)
    | st.from_regex(r"\A[1-9][0-9]{0,7}\.[0-9]{1,30}([eE][+-]?[0-9]{1,2})?\Z")
)
def test_numbers_read_alike(x):
    """jiter and json.loads read the same float from every number (both round correctly)."""
    raw = json.dumps({**BODY, "shipment": {**BODY["shipment"], "goods": {**BODY["shipment"]["goods"], "mass_kg": "@"}}})
    raw = raw.replace('"@"', x if isinstance(x, str) else repr(x)).encode()
    plain, full = PLAIN.validate(raw), usual(raw)
    assert (plain is None) or (full is not None and plain.shipment.goods.mass_kg == full.shipment.goods.mass_kg)


@pytest.mark.parametrize(
    "body",
    [
        BODY,
        {**BODY, "reference": "  PO 4711  ", "customer_id": None},
        {
            **BODY,
            "shipment": {**BODY["shipment"], "consignor": {**PARTY, "name": "重庆出口有限公司", "contact": "Zoë"}},
        },
        {
            **BODY,
            "equipment": EQUIPMENT,
            "shipment": {
                **BODY["shipment"],
                "goods": {**BODY["shipment"]["goods"], "dangerous_goods": DG, "hs_code": "8471.30"},
            },
        },
    ],
)
def test_plain_bodies_take_the_plain_way_and_give_the_same_model(body):
    for raw in (json.dumps(body).encode(), json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()):
        plain = PLAIN.validate(raw)
        assert plain is not None and same(plain, usual(raw))


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({**BODY, "containers": True}),  # lax would not take it either, but the usual way words the 422
        json.dumps({**BODY, "containers": 1.0}),
        json.dumps({**BODY, "reference": "a\tb"}, ensure_ascii=False),
        json.dumps({**BODY, "reference": "a\u202eb"}),  # an escape of a refused character
        json.dumps({**BODY, "reference": "a\x00"}),  # \\u0000
        json.dumps({**BODY, "reference": "box 📦"}),  # a surrogate pair: left to the usual way
        json.dumps(BODY, indent=2),  # line breaks between members: the usual way (same answer)
        "\ufeff" + json.dumps(BODY),
    ],
)
def test_it_leaves_the_rest_to_the_usual_validation(raw):
    assert PLAIN.validate(raw.encode()) is None


def test_it_never_runs_the_python_checks(monkeypatch):
    from landbridge import schemas

    def refuse(*args: Any) -> Any:
        raise AssertionError("a Python check ran")

    monkeypatch.setattr(schemas, "_field_kinds", refuse)
    monkeypatch.setattr(schemas, "clean_text", refuse)
    body = {**BODY, "equipment": EQUIPMENT, "reference": "PO-1"}
    assert PLAIN.validate(json.dumps(body).encode()) is not None
    with pytest.raises(ValidationError):
        BookingIn.model_validate(body)  # the usual way does


def test_it_refuses_schemas_it_does_not_cover():
    class WithDate(Strict):
        day: date

    class WithDict(Strict):
        extra: dict[str, Any]

    for model in (WithDate, WithDict):
        with pytest.raises(TypeError, match="does not support"):
            PlainJson(model)


def test_without_pydantic_cores_private_flag_it_turns_itself_off(monkeypatch):
    """`_use_prebuilt` is a private flag of pydantic-core: a release without it must not stop the application
    from importing; every body then takes the usual validation."""
    import pydantic_core

    real = pydantic_core.SchemaValidator

    def without_flag(schema: Any, config: Any = None, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"unexpected keyword argument {next(iter(kwargs))!r}")
        return real(schema, config)

    monkeypatch.setattr(pydantic_core, "SchemaValidator", without_flag)
    off = PlainJson(BookingIn)
    body = json.dumps(BODY).encode()
    assert PLAIN.validate(body) is not None  # a plain body: the shortcut takes it when it can
    assert off.validate(body) is None
