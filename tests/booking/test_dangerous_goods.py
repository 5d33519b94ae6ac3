"""Dangerous-goods declarations must be the quoted cargo's: quoting `general` and booking with UN3480 skipped
the dangerous-goods surcharge (201 at the general price). And the table of accepted UN numbers agrees with the
cargo rules and with the Dangerous Goods List."""

from __future__ import annotations

import pytest

from tests.booking.helpers import SHIPMENT, fresh_departure, make_option, set_capacity

BATTERIES = {"un_number": "UN3480", "hazard_class": "9", "proper_shipping_name": "LITHIUM ION BATTERIES"}


def _book(client, db, world, shipper, cargo, dg):
    dep = next(d for d in iter(lambda: fresh_departure(world), None) if "UN3480" in d.service.dangerous_goods)
    set_capacity(db, world, dep, 10)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], cargo=cargo)
    goods = {**SHIPMENT["goods"], "hs_code": "850760", "dangerous_goods": dg}
    body = {"option_id": oid, "containers": 1, "shipment": {**SHIPMENT, "goods": goods}}
    return client.post("/v1/bookings", json=body, headers=shipper.headers)


@pytest.mark.parametrize("cargo", ["general", "electronics", "batteries-in-equipment", "ev"])
def test_a_declaration_must_be_the_quoted_cargo(client, db, world, shipper, cargo):
    r = _book(client, db, world, shipper, cargo, BATTERIES)
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["field"] == "shipment.goods.dangerous_goods.un_number"
    assert "'batteries'" in err["message"] and "new quote" in err["message"]


@pytest.mark.parametrize("hazard_class", ["3", "2.1", "8", "1.4S"])
def test_the_hazard_class_must_be_the_un_numbers(client, db, world, shipper, hazard_class):
    r = _book(client, db, world, shipper, "batteries", {**BATTERIES, "hazard_class": hazard_class})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "shipment.goods.dangerous_goods.hazard_class"
    assert "class 9" in r.json()["errors"][0]["message"]


def test_un_numbers_outside_the_rules_are_refused(client, db, world, shipper):
    r = _book(client, db, world, shipper, "batteries", {**BATTERIES, "un_number": "UN1203"})  # petrol
    assert r.status_code == 422 and "UN3480" in r.json()["errors"][0]["message"]


def test_the_matching_declaration_books(client, db, world, shipper):
    assert _book(client, db, world, shipper, "batteries", BATTERIES).status_code == 201


def test_the_table_covers_the_cargo_rules(world):
    """Every UN number of a cargo type or a service is in the table, with the class cargo.yaml gives it; the
    classes are the Dangerous Goods List's (UN Model Regulations, 23rd revised edition, 3.2: lithium-ion
    batteries UN3480 and UN3481, battery-powered vehicles and equipment UN3171, all class 9)."""
    from landbridge.booking.dangerous_goods import dangerous_goods_list

    table = dangerous_goods_list()
    assert {un: e.hazard_class for un, e in table.items()} == {"UN3480": "9", "UN3481": "9", "UN3171": "9"}
    for c in world.catalog.cargo_types.values():
        if c.un_number:
            assert table[c.un_number].hazard_class == c.dg_class, c.id
    for s in world.timetable.services:
        assert set(s.dangerous_goods) <= set(table), s.id
