"""Every API endpoint, driven with generated arguments, answers 2xx or 4xx and never 5xx, on SQLite and on
PostgreSQL (issue 9: crashes are a class of defect, not a list of instances).

The arguments are the ones that broke it before and the ones users really send: places of every kind (ids,
names, cities, any case, unknown, unicode, huge), dates from year 1 to 9999 and malformed ones, numbers
including NaN, infinities, negative and past 64 bits (in JSON too: `NaN` and `Infinity` tokens), every
scenario form with 0 %, 100 % and fractions, true/false where numbers belong, unicode and huge strings, ids of
real resources and made-up ones, and each role's key, a wrong key and none. Each operation of the OpenAPI
document gets its own examples; an operation added to the API is driven without editing this file (its
parameters and bodies follow their schemas), and the quote and booking bodies get shaped strategies.
Error answers must be problem details (`application/problem+json`, `status` equal to the HTTP status).

Deterministic (derandomized) so CI is reproducible; run with LANDBRIDGE_PROPERTY_EXAMPLES=200 for a deeper,
slower search.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.helpers import booking_body, fresh_departure, make_option, set_capacity

EXAMPLES = int(os.environ.get("LANDBRIDGE_PROPERTY_EXAMPLES", "12"))
#: Operations whose positive cases are expensive (a planner run, a world per scenario) get fewer examples.
FEWER: dict[tuple[str, str], int] = {}
#: Operations that start background work: driven with bodies that cannot be valid only.
NEVER_VALID = {("post", "/v1/simulations"), ("post", "/v1/event-subscriptions")}

# ---- values ---------------------------------------------------------------------------------------------------
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # URLs cannot carry lone surrogates
huge = st.integers(1_000, 15_000).map(lambda n: "x" * n)  # httpx refuses URLs over 64 KiB
junk = st.one_of(
    text,
    huge,
    st.sampled_from(["", " ", "null", "None", "-1", "0", "NaN", "1e999", "%", "../../etc/passwd", "' OR 1=1 --"]),
)
dates = st.one_of(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(str),
    st.dates(date.today() - timedelta(days=400), date.today() + timedelta(days=800)).map(str),
    st.sampled_from(["0000-01-01", "2026-02-30", "2026-13-01", "9999-12-31T23:59:59Z", "20261207", "today"]),
)
datetimes = st.one_of(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)).map(lambda d: d.isoformat() + "+14:00"),
    dates,
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, 1e-300, 1e308, 0.5, 20_000_000.0, 20_000_001.0]),
)
integers = st.one_of(st.integers(-(2**70), 2**70), st.integers(-2, 600))
numbers_text = st.one_of(floats.map(repr), integers.map(str), st.sampled_from(["nan", "inf", "-inf", "1e999", "1_000"]))
json_numbers = st.one_of(floats, integers, st.booleans(), st.sampled_from(["1", "1.5", None]))


def place_values(world) -> st.SearchStrategy[str]:
    """Places of every kind as users write them: ids, names, the cities terminals serve, other cases."""
    places = list(world.network.places.values())
    ids = sorted(p.id for p in places)
    names = sorted({p.name for p in places})
    cities = sorted({p.city for p in places if getattr(p, "city", None)})
    return st.one_of(
        st.sampled_from(ids),
        st.sampled_from(names),
        st.sampled_from(cities),
        st.sampled_from(names).map(str.upper),
        st.sampled_from(names).map(lambda n: f"  {n.lower()}  "),
        st.sampled_from(["Chongqing", "Duisburg", "Chengdu", "Xian", "Łódź", "Małaszewicze", "Rotterdam", "Hamburg"]),
        junk,
    )


def scenario_specs(world) -> st.SearchStrategy[str]:
    crossings = sorted(c.id for c in world.network.crossings)[:4]
    shares = ["0%", "100%", "50%", "1%", "0", "1", "0.5", "2", "-1%", "101%", "nan%", "inf%", "1e400%", "%", ""]
    return st.one_of(
        st.builds(lambda c, p: f"border:{c}={p}", st.sampled_from(crossings), st.sampled_from(shares)),
        st.sampled_from(["baseline", "red-sea-closed", "avoid:RU", "avoid:XX", "avoid:russia", "avoid:", "reopen:x"]),
        st.sampled_from(["avoid-corridor:trans-siberian", "sea-to-rail:10%", "sea-to-rail:100%", "border:nowhere=50%"]),
        st.builds(
            lambda c, a, b: f"closure:{c}={a}..{b}",
            st.sampled_from([*crossings, "nowhere", ""]),
            st.sampled_from(CLOSURE_DAYS),
            st.sampled_from(CLOSURE_DAYS),
        ),
        st.sampled_from(["closure:brest-malaszewicze", "closure:khorgos=2026-12-01", "closure:=..", "closur:x"]),
        text,
    )


#: Days for `closure:CROSSING=FROM..TO`: near ones (quotes are for dates ahead), out of range, not dates.
CLOSURE_DAYS = [(date.today() + timedelta(days=k)).isoformat() for k in (0, 10, 20, 40)] + [
    "2025-09-11",
    "2025-09-25",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "",
    "x",
]


def json_junk() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), floats, integers, text, st.sampled_from(["", "x" * 300]))
    return st.recursive(
        leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
    )


# ---- the world under test -----------------------------------------------------------------------------------
@pytest.fixture
def fixtures(client, db, world, operator_token, new_shipper):
    """Real resources for path parameters: a booking with its departure, a customer, a key that may be revoked."""
    shipper = new_shipper("Property shipper")
    dep = fresh_departure(world)
    set_capacity(db, world, dep, 200)
    option = make_option(db, world, shipper.customer_id, [(dep, 0, len(dep.service.stops) - 1)], containers=2)
    r = client.post("/v1/bookings", json=booking_body(option), headers=shipper.headers)
    assert r.status_code == 201, r.text
    spare = client.post(
        "/v1/keys", json={"name": "spare", "role": "operator"}, headers={"Authorization": f"Bearer {operator_token}"}
    ).json()
    return {
        "shipper": shipper,
        "option_id": option,
        "ids": {
            "booking_id": r.json()["id"],
            "departure_id": dep.id,
            "customer_id": shipper.customer_id,
            "key_id": spare["id"],  # never the keys the test calls with
            "seller_id": shipper.customer_id,
        },
    }


def _schema_types(schema: dict) -> tuple[set[str], str | None, list | None]:
    """(JSON types, format, enum) of a parameter schema, through anyOf."""
    types, fmt, enum = set(), schema.get("format"), schema.get("enum")
    for s in schema.get("anyOf", [schema]):
        if "type" in s:
            types.add(s["type"])
        fmt = fmt or s.get("format")
        enum = enum or s.get("enum")
    return types, fmt, enum


def parameter_values(param: dict, world, ids: dict[str, str]) -> st.SearchStrategy[str]:
    name = param["name"].lower()
    types, fmt, enum = _schema_types(param.get("schema", {}))
    if name in ("from", "to", "origin", "destination", "q", "place"):
        return place_values(world)
    known = [v for k, v in ids.items() if k == name or (name.endswith("id") and k.startswith(name[:-3]))]
    if param["in"] == "path":
        return st.one_of(st.sampled_from(known or ["x"]), junk.filter(lambda s: "/" not in s and s not in (".", "..")))
    if enum:
        return st.one_of(st.sampled_from([str(e) for e in enum]), junk)
    if fmt == "date":
        return dates
    if fmt == "date-time":
        return datetimes
    if types & {"integer", "number"}:
        return numbers_text
    if "boolean" in types:
        return st.sampled_from(["true", "false", "1", "0", "yes", "maybe", ""])
    if name.endswith("id") and known:
        return st.one_of(st.sampled_from(known), junk)
    return junk


def body_values(method: str, path: str, world, fx) -> st.SearchStrategy[Any]:
    """Bodies shaped like the real ones for quotes, bookings and the small operator bodies; any JSON elsewhere."""
    places = place_values(world)
    if (method, path) == ("post", "/v1/quotes"):
        return st.fixed_dictionaries(
            {"origin": places, "destination": places, "ready_date": dates},
            optional={
                "containers": json_numbers,
                "mass_kg": json_numbers,
                "container_type": st.sampled_from(["40HC", "20GP", "45HC", "40hq", "50XL", ""]),
                "cargo": st.sampled_from(["general", "batteries", "ev", "wine", "unicorns", "BATTERIES"]),
                "modes": st.lists(st.sampled_from(["rail", "sea", "air", "truck", ""]), max_size=4),
                "scenario": st.lists(scenario_specs(world), max_size=2),
            },
        )
    if (method, path) == ("post", "/v1/bookings"):
        party = st.fixed_dictionaries(
            {"name": text, "address": text, "country": st.sampled_from(["CN", "DE", "cn", "XX", "", "ÄÖ"])},
            optional={"contact": text},
        )
        goods = st.fixed_dictionaries(
            {
                "description": text,
                "hs_code": st.sampled_from(["850760", "8471.30", "８４７１３０", "٨٤٧١٣٠", "84", "", "8471300000"]),
                "mass_kg": json_numbers,
            },
            optional={
                "packages": json_numbers,
                "dangerous_goods": st.fixed_dictionaries(
                    {
                        "un_number": st.sampled_from(["UN3480", "UN3481", "UN3171", "UN1203", "3480", "UN３４８０"]),
                        "hazard_class": st.sampled_from(["9", "3", "2.1", "1.4S", "10", ""]),
                        "proper_shipping_name": text,
                    }
                ),
            },
        )
        return st.fixed_dictionaries(
            {
                "option_id": st.one_of(st.just(fx["option_id"]), junk),
                "containers": json_numbers,
                "shipment": st.fixed_dictionaries({"consignor": party, "consignee": party, "goods": goods}),
            },
            optional={"reference": text, "customer_id": st.one_of(st.just(fx["ids"]["customer_id"]), junk)},
        )
    if path.endswith("/status"):
        return st.fixed_dictionaries(
            {"status": st.sampled_from(["confirmed", "in_transit", "delivered", "x"])}, optional={"note": text}
        )
    if path.endswith("/cancel"):
        return st.one_of(st.none(), st.fixed_dictionaries({}, optional={"reason": text}))
    if (method, path) == ("post", "/v1/customers"):
        return st.fixed_dictionaries({"name": st.one_of(text, huge)}, optional={"email": text})
    if (method, path) == ("post", "/v1/keys"):
        return st.fixed_dictionaries(
            {"name": text, "role": st.sampled_from(["shipper", "operator", "admin"])},
            optional={"customer_id": st.one_of(st.just(fx["ids"]["customer_id"]), junk)},
        )
    if (method, path) in NEVER_VALID:
        return st.one_of(st.none(), st.lists(json_junk(), max_size=3), st.just({"unknown_field": True}))
    return json_junk()


def _fill(path: str, values: dict[str, str]) -> str:
    from urllib.parse import quote

    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path)


@pytest.mark.slow
def test_every_endpoint_answers_2xx_or_4xx(client, world, operator_token, fixtures):
    from landbridge.accounts.limits import auth_failures, expensive_calls

    doc = client.get("/openapi.json").json()
    shipper = fixtures["shipper"]
    roles = {
        "operator": {"Authorization": f"Bearer {operator_token}"},
        "shipper": shipper.headers,
        "wrong key": {"Authorization": "Bearer lb_0123456789ab_" + "x" * 43},
        "no key": {},
    }
    failures: list[str] = []
    driven: set[tuple[str, str]] = set()

    def drive(method: str, path: str, op: dict) -> None:
        params = [p for p in op.get("parameters", []) if p["in"] in ("path", "query")]
        has_body = "requestBody" in op
        values = st.fixed_dictionaries(
            {p["name"]: parameter_values(p, world, fixtures["ids"]) for p in params if p.get("required")},
            optional={p["name"]: parameter_values(p, world, fixtures["ids"]) for p in params if not p.get("required")},
        )
        bodies = body_values(method, path, world, fixtures) if has_body else st.none()

        @given(role=st.sampled_from(sorted(roles)), values=values, body=bodies, raw=st.sampled_from([0, 0, 0, 1]))
        @settings(
            max_examples=FEWER.get((method, path), EXAMPLES),
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(role, values, body, raw):
            auth_failures.clear()
            expensive_calls.clear()
            url = _fill(path, values)
            query = {p["name"]: values[p["name"]] for p in params if p["in"] == "query" and p["name"] in values}
            headers = dict(roles[role])
            content = None
            if has_body and (body is not None or raw):
                headers["content-type"] = "application/json"
                content = b"{not json" if raw else json.dumps(body, allow_nan=True).encode()
            r = client.request(method.upper(), url, params=query, headers=headers, content=content)
            if r.status_code >= 500:
                failures.append(
                    f"{method.upper()} {url[:200]} {str(query)[:300]} {str(body)[:300]} as {role} "
                    f"-> {r.status_code} {r.text[:300]}"
                )
            elif r.status_code >= 400 and (
                r.headers.get("content-type") != "application/problem+json" or r.json().get("status") != r.status_code
            ):
                failures.append(f"{method.upper()} {path} -> {r.status_code} not problem details: {r.text[:200]}")

        call()
        driven.add((method, path))

    for path, item in doc["paths"].items():
        for method, op in item.items():
            drive(method, path, op)
    assert driven == {(m, p) for p, i in doc["paths"].items() for m in i}
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:15])
