"""Emission reports of bookings (ISO 14083) over the API and the CLI: JSON, CSV, PDF, content negotiation,
tenancy, and a customer's monthly summary with the savings against the quote's sea and air options."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from tests.booking.helpers import SHIPMENT
from tests.clirun import cli


def _quote_and_book(client, shipper, origin="Chongqing", destination="Duisburg", days=40, mass_kg=9000.0):
    ready = date.today() + timedelta(days=days)
    q = client.post(
        "/v1/quotes",
        json={"origin": origin, "destination": destination, "ready_date": str(ready), "modes": ["rail", "sea", "air"]},
        headers=shipper.headers,
    )
    assert q.status_code == 201, q.text
    options = q.json()["options"]
    rail = next(o for o in options if o["mode"] == "rail")
    shipment = {**SHIPMENT, "goods": {**SHIPMENT["goods"], "mass_kg": mass_kg}}
    b = client.post(
        "/v1/bookings", json={"option_id": rail["id"], "containers": 1, "shipment": shipment}, headers=shipper.headers
    )
    assert b.status_code == 201, b.text
    return b.json(), options


@pytest.fixture(scope="module")
def booked(client, new_shipper_module):
    shipper = new_shipper_module("Carbon Counting GmbH")
    booking, options = _quote_and_book(client, shipper)
    return shipper, booking, options


@pytest.fixture(scope="module")
def new_shipper_module(db):
    from landbridge.accounts.service import create_customer, create_key
    from tests.booking.helpers import Shipper

    def make(name: str) -> Shipper:
        def work(s):
            c = create_customer(s, name)
            k, token = create_key(s, "shipper", f"{name} key", c.id)
            return c.id, k.id, token

        return Shipper(*db.write(work))

    return make


def test_report_is_the_model_applied_to_the_booked_itinerary(client, world, booked):
    from landbridge.emissions import shipment_emissions
    from landbridge.emissions.itinerary import legs_from_option

    shipper, b, _ = booked
    r = client.get(f"/v1/bookings/{b['id']}/emissions", headers=shipper.headers)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["standard"] == "ISO 14083:2023" and rep["booking"]["id"] == b["id"]
    assert rep["mass_kg"] == 9000.0 and rep["containers"] == 1  # the booked goods, not the quote's typical mass
    assert rep["factor_set"] == world.factors.info.to_dict()
    expected = shipment_emissions(
        legs_from_option(b["itinerary"], world.network, world.timetable.by_id), 9000.0, 1, world.factors
    )
    assert rep["totals"]["wtw_co2e_kg"] == pytest.approx(expected.wtw_kg, abs=1e-3)
    legs_sum = sum(leg["wtw_co2e_kg"] for leg in rep["legs"]) + sum(h["wtw_co2e_kg"] for h in rep["hubs"])
    assert rep["totals"]["wtw_co2e_kg"] == pytest.approx(legs_sum, abs=0.01)
    # the rail legs (a domestic feeder to an assembly hub may come first): China's own grid, Germany's own grid
    sections = [s for leg in rep["legs"] if leg["mode"] == "rail" for s in leg["sections"]]
    countries = [s["country"] for s in sections]
    assert "CN" in countries and "DE" in countries
    cn = next(s for s in sections if s["country"] == "CN" and s["traction"] == "electric")
    assert cn["factor"]["ttw"] == 0 and cn["factor"]["unit"] == "g CO2e/tkm" and cn["data_quality"] == "default"
    kinds = [h["kind"] for h in rep["hubs"]]
    assert kinds.count("gauge_change") >= 2 and kinds[0] == "rail_terminal"
    assert rep["limitations"] and rep["method"]["standard"] == "ISO 14083:2023"


def test_csv_pdf_and_content_negotiation(client, booked):
    shipper, b, _ = booked
    url = f"/v1/bookings/{b['id']}/emissions"
    c = client.get(url, params={"format": "csv"}, headers=shipper.headers)
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(line for line in io.StringIO(c.text) if not line.startswith("#")))
    total = next(r for r in rows if r["row"] == "total")
    parts = sum(float(r["wtw_co2e_kg"]) for r in rows if r["row"] in ("section", "hub"))
    assert float(total["wtw_co2e_kg"]) == pytest.approx(parts, abs=0.05)
    assert {r["row"] for r in rows} == {"section", "hub", "total"}

    p = client.get(url, params={"format": "pdf"}, headers=shipper.headers)
    assert p.status_code == 200 and p.content.startswith(b"%PDF") and p.headers["content-type"] == "application/pdf"
    assert client.get(url, headers={**shipper.headers, "Accept": "application/pdf"}).content.startswith(b"%PDF")
    negotiated = client.get(url, headers={**shipper.headers, "Accept": "text/html;q=0.9, text/csv"})
    assert negotiated.headers["content-type"].startswith("text/csv")
    assert client.get(url, headers={**shipper.headers, "Accept": "*/*"}).json()["booking"]["id"] == b["id"]
    refused = client.get(url, headers={**shipper.headers, "Accept": "image/png"})
    assert refused.status_code == 406 and "text/csv" in refused.json()["detail"]
    assert client.get(url, params={"format": "xml"}, headers=shipper.headers).status_code == 422


def test_reports_follow_tenancy(client, op, booked, new_shipper_module):
    shipper, b, _ = booked
    other = new_shipper_module("Someone Else Ltd")
    assert client.get(f"/v1/bookings/{b['id']}/emissions", headers=other.headers).status_code == 404
    assert client.get(f"/v1/bookings/{b['id']}/emissions", headers=op).status_code == 200
    assert client.get("/v1/bookings/bk_nope/emissions", headers=shipper.headers).status_code == 404
    mine = client.get("/v1/emissions/summary", headers=other.headers).json()
    assert mine["totals"]["bookings"] == 0  # nothing of the other customer's leaks into this one's totals
    asked = client.get("/v1/emissions/summary", params={"customer": shipper.customer_id}, headers=other.headers)
    assert asked.status_code == 404


def test_summary_per_month_mode_and_savings(client, op, world, booked):
    from landbridge.emissions import shipment_emissions
    from landbridge.emissions.itinerary import legs_from_option

    shipper, b, options = booked
    s = client.get("/v1/emissions/summary", headers=shipper.headers).json()
    assert s["customer_id"] == shipper.customer_id and s["totals"]["bookings"] == 1
    (month,) = s["months"]
    assert month["month"] == b["departure"][:7]
    assert sum(month["by_mode_wtw_co2e_kg"].values()) == pytest.approx(month["wtw_co2e_kg"], abs=0.01)
    assert month["by_mode_wtw_co2e_kg"]["rail"] > 0

    def wtw(option):
        legs = legs_from_option(option, world.network, world.timetable.by_id)
        return shipment_emissions(legs, 9000.0, 1, world.factors).wtw_kg

    booked_kg = month["wtw_co2e_kg"]
    for mode in ("sea", "air"):
        alts = [o for o in options if o["mode"] == mode]
        a = month[f"{mode}_alternative"]
        if not alts:
            assert a["bookings"] == 0 and a["saving_co2e_kg"] is None
            continue
        assert a["bookings"] == 1
        assert a["wtw_co2e_kg"] == pytest.approx(min(wtw(o) for o in alts), abs=0.01)
        assert a["saving_co2e_kg"] == pytest.approx(a["wtw_co2e_kg"] - booked_kg, abs=0.01)
    assert month["air_alternative"]["saving_co2e_kg"] > 0  # rail emits far less than air

    out_of_range = client.get(
        "/v1/emissions/summary", params={"from": "2000-01-01", "to": "2000-12-31"}, headers=shipper.headers
    ).json()
    assert out_of_range["months"] == [] and out_of_range["totals"]["bookings"] == 0
    bad = client.get("/v1/emissions/summary", params={"from": "2030-02-01", "to": "2030-01-01"}, headers=op)
    assert bad.status_code == 422
    operator_view = client.get("/v1/emissions/summary", params={"customer": shipper.customer_id}, headers=op).json()
    assert operator_view["totals"] == s["totals"]
    png = client.get("/v1/emissions/summary", params={"format": "png"}, headers=shipper.headers)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = client.get("/v1/emissions/summary", headers={**shipper.headers, "Accept": "image/svg+xml"})
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    rows = list(
        csv.DictReader(
            line
            for line in io.StringIO(
                client.get("/v1/emissions/summary", params={"format": "csv"}, headers=shipper.headers).text
            )
            if not line.startswith("#")
        )
    )
    assert [r["month"] for r in rows] == [month["month"], "total"]


def test_cancelled_bookings_leave_the_summary(client, new_shipper_module):
    shipper = new_shipper_module("Changed Mind AG")
    b, _ = _quote_and_book(client, shipper, "Xian", "Lodz", days=45)
    assert client.get("/v1/emissions/summary", headers=shipper.headers).json()["totals"]["bookings"] == 1
    assert client.post(f"/v1/bookings/{b['id']}/cancel", headers=shipper.headers).status_code == 200
    assert client.get("/v1/emissions/summary", headers=shipper.headers).json()["totals"]["bookings"] == 0


def test_cli_report_and_summary(db_url, booked, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    shipper, b, _ = booked
    r = cli("bookings", "emissions", b["id"], "--database", db_url)
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())  # the table may wrap on a narrow console
    assert "kg CO2e WTW" in text and "Factor set" in text
    r = cli("bookings", "emissions", b["id"], "--format", "json", "--database", db_url)
    assert json.loads(r.stdout)["booking"]["id"] == b["id"]
    pdf = tmp_path / "report.pdf"
    r = cli("bookings", "emissions", b["id"], "--out", str(pdf), "--database", db_url)
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF"), r.output
    r = cli("bookings", "emissions", b["id"], "--format", "pdf", "--database", db_url)
    assert r.exit_code == 2 and "--out" in r.error
    r = cli("bookings", "emissions", "bk_missing", "--database", db_url)
    assert r.exit_code == 2 and "No booking" in r.error

    chart = tmp_path / "summary.svg"
    r = cli("emissions", "summary", "--customer", shipper.customer_id, "--chart", str(chart), "--database", db_url)
    assert r.exit_code == 0, r.output
    assert b["departure"][:7] in r.stdout and "total" in r.stdout and b"<svg" in chart.read_bytes()
    r = cli("emissions", "summary", "--customer", shipper.customer_id, "--format", "csv", "--database", db_url)
    assert r.stdout.splitlines()[1].startswith("month,bookings")
    r = cli("emissions", "summary", "--format", "xlsx", "--database", db_url)
    assert r.exit_code == 2 and "table, json, csv" in r.error
    r = cli("emissions", "summary", "--from", "2030-13-01", "--database", db_url)
    assert r.exit_code == 2
