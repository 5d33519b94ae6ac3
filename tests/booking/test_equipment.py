"""Containers on bookings: ISO 6346 numbers (the check digit is verified), size-type codes that match the booked
container type, seals and a verified gross mass within the box's limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.booking.helpers import booking_body, fresh_departure, make_option


def test_iso6346_check_digit_against_published_examples():
    from landbridge.booking.containers import equipment_reference
    from landbridge.errors import FieldError

    # ISO 6346 worked example (BIC): CSQU 305438 check digit 3; Wikipedia's example MSKU 907032 3 too.
    assert equipment_reference("CSQU 305438-3") == "CSQU3054383"
    assert equipment_reference("msku9070323") == "MSKU9070323"
    with pytest.raises(FieldError, match="should be 3"):
        equipment_reference("CSQU3054384")
    with pytest.raises(FieldError, match="not an ISO 6346"):
        equipment_reference("CSQ3054383")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), st.integers(0, 999_999))
def test_exactly_one_check_digit_is_right(owner, serial):
    from landbridge.booking.containers import equipment_reference
    from landbridge.errors import FieldError

    base = f"{owner}U{serial:06d}"
    good = [d for d in range(10) if _ok(equipment_reference, FieldError, f"{base}{d}")]
    assert len(good) == 1


def _ok(fn, err, text):
    try:
        fn(text)
        return True
    except err:
        return False


def test_size_type_codes():
    from landbridge.booking.containers import size_type
    from landbridge.errors import FieldError

    assert size_type("45g1", "40HC") == "45G1" and size_type("45R1", "40HC") == "45R1"
    assert size_type("22G1", "20GP") == "22G1" and size_type("42G1", "40GP") == "42G1"
    assert size_type("L5G1", "45HC") == "L5G1"
    with pytest.raises(FieldError, match="booking is for 40HC"):
        size_type("42G1", "40HC")
    with pytest.raises(FieldError, match="not an ISO 6346 size-type"):
        size_type("45X1")


def test_equipment_on_a_booking(client, db, world, shipper, new_shipper):
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=2)
    body = booking_body(oid, 2, equipment=[{"equipment_reference": "CSQU3054383", "seals": [{"number": "SN1"}]}])
    r = client.post("/v1/bookings", json=body, headers=shipper.headers)
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["equipment"] == [
        {
            "seq": 1,
            "equipment_reference": "CSQU3054383",
            "iso_equipment_code": "45G1",
            "seals": [{"number": "SN1", "source": "SHI"}],
            "vgm": None,
        }
    ]
    put = {
        "equipment": [
            {"equipment_reference": "CSQU3054383", "vgm": {"mass_kg": 12000, "method": "SM1"}},
            {"equipment_reference": "MSKU9070323", "iso_equipment_code": "45R1"},
        ]
    }
    r = client.put(f"/v1/bookings/{b['id']}/equipment", json=put, headers=shipper.headers)
    assert r.status_code == 200, r.text
    assert [e["equipment_reference"] for e in r.json()["equipment"]] == ["CSQU3054383", "MSKU9070323"]
    assert r.json()["equipment"][0]["vgm"] == {"mass_kg": 12000.0, "method": "SM1"}

    bad = [
        ({"equipment": [{"equipment_reference": "CSQU3054384"}]}, "equipment.0.equipment_reference", "should be 3"),
        ({"equipment": [{"iso_equipment_code": "22G1"}]}, "equipment.0.iso_equipment_code", "40HC"),
        ({"equipment": [{"vgm": {"mass_kg": 1000, "method": "SM2"}}]}, "equipment.0.vgm.mass_kg", "tare"),
        ({"equipment": [{}, {}, {}]}, "equipment", "2 container"),
        (
            {"equipment": [{"equipment_reference": "CSQU3054383"}, {"equipment_reference": "CSQU 305438 3"}]},
            "equipment.1.equipment_reference",
            "twice",
        ),
    ]
    for doc, field, text in bad:
        r = client.put(f"/v1/bookings/{b['id']}/equipment", json=doc, headers=shipper.headers)
        assert r.status_code == 422, (doc, r.text)
        assert r.json()["errors"][0]["field"] == field and text in r.json()["detail"], r.text

    # the same box cannot be on two bookings that are both still on their way
    other = new_shipper("Other")
    oid2 = make_option(db, world, other.customer_id, [(dep, 0, 1)], containers=1)
    r = client.post(
        "/v1/bookings",
        json=booking_body(oid2, 1, equipment=[{"equipment_reference": "MSKU9070323"}]),
        headers=other.headers,
    )
    assert r.status_code == 409 and "MSKU9070323" in r.json()["detail"]
    # another customer's booking is not there for you
    assert client.put(f"/v1/bookings/{b['id']}/equipment", json=put, headers=other.headers).status_code == 404
