"""The web app in a real browser (Debian's Chromium, headless): the map draws, a quote is run and booked, the
booking is found, documents download, it is cancelled; a shipper cannot reach operator pages or another
customer's booking; simulations show progress; every page passes axe-core (no serious or critical violations),
works from the keyboard, and never asks another host (the `visit` fixture fails the test if it does)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

from tests.web.conftest import OUTPUT

READY = date.today() + timedelta(days=10)


def wait_map(page, selector: str = "#network-map", attr: str = "data-rendered-features", timeout: float = 30_000):
    page.wait_for_selector(f"{selector}[{attr}]", timeout=timeout)
    return int(page.get_attribute(selector, attr))


def test_sign_in_with_a_key_and_refuse_a_wrong_one(visit, site):
    page = visit.page
    visit.open("network")
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_label("API key").fill("lb_not_a_real_key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That key is unknown or revoked").wait_for()
    assert visit.axe("signin") == []
    visit.shot("signin")
    page.get_by_label("API key").fill(site.operator)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Network").wait_for()  # back where the user wanted to go
    assert "web tests operator" in page.locator("#who").inner_text()


def test_network_map_draws_the_network_and_is_interactive_quickly(visit, site):
    page = visit.page
    visit.open("network", site.operator)
    drawn = wait_map(page)
    assert drawn > 200, "the map drew too few features of the network"
    # Measured from navigation start (the page reload) to the map having drawn the network: recorded, not asserted.
    ms = page.evaluate("() => performance.getEntriesByName('landbridge:network-interactive')[0].startTime")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "first-page-interactive.json").write_text(json.dumps({"network_page_ms": round(ms), "features": drawn}))
    print(f"network page interactive after {ms:.0f} ms with {drawn} features drawn")
    # Details of a border crossing with a gauge change, chosen from the list (keyboard-reachable).
    page.get_by_label("Find a place or crossing").select_option(label="Brest–Małaszewicze")
    details = page.locator("section.details")
    details.get_by_role("heading", name="Brest–Małaszewicze").wait_for()
    text = details.inner_text()
    assert "Gauge change" in text and "1520" in text and "trains a day" in text
    assert "Queue in the latest simulation" in text
    # Clicking the map selects what is under the pointer.
    box = page.locator("#network-map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.82, box["y"] + box["height"] * 0.62)
    # A corridor filter draws fewer features.
    page.get_by_label("Corridor").select_option("trans-mongolian")
    page.wait_for_timeout(300)
    fewer = page.evaluate(
        """() => new Promise((resolve) => {
            const el = document.querySelector('#network-map');
            resolve(el.querySelectorAll('canvas').length);
        })"""
    )
    assert fewer == 1
    assert visit.axe("network") == []
    visit.shot("network")


def test_quote_book_find_download_and_cancel(visit, site):
    page = visit.page
    visit.open("quote", site.shipper)
    page.get_by_label("Origin").fill("Chongqing")
    page.get_by_label("Destination").fill("Duisburg")
    page.get_by_label("Cargo ready on").fill(READY.isoformat())
    page.get_by_label("Containers", exact=True).fill("2")
    page.get_by_role("button", name="Get options").click()
    cards = page.locator("li.option")
    cards.first.wait_for(timeout=30_000)
    assert cards.count() >= 2
    assert page.locator("figure.chart").count() == 2  # arrival against cost and against CO2e
    page.wait_for_selector(".map[data-routes]", timeout=30_000)
    first_text = cards.first.inner_text()
    assert "Arrival band (p50–p90)" in first_text and "CO2e" in first_text
    assert visit.axe("quote-options") == []
    visit.shot("quote-options")
    rail = cards.filter(has_text="Rail:").first
    assert "Gauge changes" in rail.inner_text()
    rail.get_by_role("button", name="Book this option").click()
    form = page.locator("form", has=page.get_by_role("heading", name=re.compile("^Book option")))
    form.get_by_label("Your reference (optional)").fill("PO-WEB-1")
    consignor = form.locator("fieldset", has_text="Consignor")
    consignor.get_by_label("Name").fill("Chongqing Electronics Export Co.")
    consignor.get_by_label("Address").fill("1 Export Road, Chongqing")
    consignee = form.locator("fieldset", has_text="Consignee")
    consignee.get_by_label("Name").fill("Duisburg Importers GmbH")
    consignee.get_by_label("Address").fill("Hafenstraße 1, Duisburg")
    goods = form.locator("fieldset", has_text="Goods")
    goods.get_by_label("Description").fill("Laptops")
    goods.get_by_label("HS code").fill("12")  # too short: the server says what is wrong, next to the field
    goods.get_by_label("Gross mass (kg)").fill("18000")
    form.get_by_role("button", name="Book", exact=True).click()
    hs = goods.get_by_label("HS code")
    expect_invalid = goods.locator(".field-error")
    expect_invalid.wait_for()
    assert "an HS code has 6, 8 or 10" in expect_invalid.inner_text()
    assert hs.get_attribute("aria-invalid") == "true"
    assert expect_invalid.get_attribute("id") in hs.get_attribute("aria-describedby")
    assert visit.axe("quote-book-error") == []
    goods.get_by_label("HS code").fill("847130")
    form.get_by_label("Container numbers (optional)").fill("CSQU3054383\nMSKU9070323")
    form.get_by_role("button", name="Book", exact=True).click()
    page.get_by_role("heading", name=re.compile(r"^Booking bk_")).wait_for(timeout=30_000)
    booking_id = page.get_by_role("heading", name=re.compile(r"^Booking bk_")).inner_text().split()[-1]
    assert page.locator("#booking-status").inner_text() == "received"
    assert "CSQU3054383" in page.locator("table", has_text="Containers of the booking").inner_text()
    assert "p50" in page.locator("#arrival-band").inner_text()
    page.get_by_text(re.compile(r"^Train .*: (scheduled|dwelling|running|arrived)")).wait_for(timeout=30_000)
    assert visit.axe("booking-detail") == []
    visit.shot("booking-detail")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download consignment note (PDF)").click()
    path = dl.value.path()
    assert Path(path).read_bytes()[:5] == b"%PDF-"
    # The booking is in the list, and filters find it.
    page.get_by_role("link", name="← All bookings").click()
    page.get_by_role("link", name=booking_id).wait_for()
    page.get_by_label("Reference").fill("PO-WEB-1")
    page.get_by_label("Status").select_option("received")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile("reference=PO-WEB-1"))
    page.get_by_role("link", name=booking_id).wait_for()
    assert page.locator("tbody tr").count() == 1
    assert visit.axe("bookings") == []
    visit.shot("bookings")
    # Cancel it.
    page.get_by_role("link", name=booking_id).click()
    page.get_by_role("button", name="Cancel booking").click()
    page.get_by_label("Reason (optional)").fill("Order withdrawn")
    page.get_by_role("button", name="Confirm cancellation").click()
    page.wait_for_function("() => document.querySelector('#booking-status')?.textContent === 'cancelled'")
    assert "received → cancelled" in page.locator("ol.timeline", has_text="cancelled").inner_text()
    assert page.get_by_role("button", name="Cancel booking").count() == 0


def test_a_shipper_cannot_reach_operator_pages_or_other_customers_data(visit, site):
    page = visit.page
    visit.open("bookings", site.other_shipper)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Bookings").wait_for()
    assert nav.get_by_role("link", name="Operations").count() == 0
    page.goto(f"{site.url}/#/operations")
    page.get_by_role("heading", name="Not allowed").wait_for()
    # The server refuses the data whatever the page does.
    status = page.evaluate(
        """async (t) => (await fetch('/v1/operator/utilisation', {headers: {Authorization: 'Bearer ' + t}})).status""",
        site.other_shipper,
    )
    assert status == 403
    status = page.evaluate(
        """async (t) => (await fetch('/v1/operator/simulations', {method: 'POST', body: '{}',
             headers: {Authorization: 'Bearer ' + t, 'Content-Type': 'application/json'}})).status""",
        site.other_shipper,
    )
    assert status == 403
    # Another customer's bookings are not listed, and opening one by id is "not found".
    from sqlalchemy import select

    from landbridge.booking.models import Booking

    _book(site, [box_number()])  # the other shipper has at least this booking
    theirs = site.db.read(
        lambda s: s.execute(select(Booking.id).where(Booking.customer_id == site.shipper_customer)).scalars().all()
    )
    assert theirs
    page.goto(f"{site.url}/#/bookings")
    page.get_by_text(re.compile("No bookings match|booking")).first.wait_for()
    listed = page.locator("tbody tr").all_inner_texts()
    assert not any(b in row for b in theirs for row in listed)
    page.goto(f"{site.url}/#/bookings/{theirs[0]}")
    page.get_by_role("alert").wait_for()
    assert "No booking" in page.get_by_role("alert").inner_text()
    assert visit.axe("not-allowed") == []
    visit.shot("shipper-not-allowed")


def test_operations_show_utilisation_trains_in_transit_and_queues(visit, site):
    page = visit.page
    visit.open("operations", site.operator)
    trains = wait_map(page, ".map", "data-trains")
    assert trains > 0, "trains in transit should be on the map"
    page.get_by_role("heading", name="Departures and utilisation").wait_for()
    page.locator(".kpi").first.wait_for()
    assert "departures held" in page.locator(".kpis").inner_text()
    page.get_by_role("button", name=re.compile("reconcile")).click()
    page.get_by_text("Every section's booked FEU equals").wait_for()
    assert visit.axe("operations") == []
    visit.shot("operations")


def test_scenario_runs_with_progress_and_compares_with_the_baseline(visit, site):
    page = visit.page
    visit.open("scenarios", site.operator)
    page.get_by_label("A border at reduced capacity").check()
    page.get_by_label("Border crossing").select_option("brest-malaszewicze")
    page.get_by_label("Capacity left (%)").fill("40")
    page.get_by_label("Days to simulate").fill("45")
    page.get_by_role("button", name="Run simulation").click()
    page.get_by_label("Simulation progress").wait_for()
    page.get_by_role("heading", name=re.compile("^Results of sim_")).wait_for(timeout=120_000)
    assert float(page.get_by_label("Simulation progress").get_attribute("value")) == 1.0
    table = page.locator("table", has_text="Scenario against the baseline").inner_text()
    assert "Brest–Małaszewicze mean wait h" in table
    assert page.locator("figure.chart").count() == 3
    assert visit.axe("scenarios") == []
    visit.shot("scenarios")
    # The network page now shows the queue of that run.
    page.goto(f"{site.url}/#/network")
    wait_map(page)
    page.get_by_label("Find a place or crossing").select_option(label="Brest–Małaszewicze")
    assert "Mean wait" in page.locator("section.details").inner_text()


def test_keyboard_alone_signs_in_and_runs_a_quote(visit, site):
    page = visit.page
    visit.open("signin")
    page.get_by_label("API key").wait_for()
    first = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
            .find((el) => el.tabIndex >= 0).textContent"""
    )
    assert first == "Skip to content"  # the first stop of the tab order
    page.locator("#skip").focus()
    assert page.locator("#skip").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # from the main region, the first thing in it
    assert page.evaluate("() => document.activeElement.name") == "api-key"
    page.keyboard.type(site.shipper)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Network").wait_for()
    page.goto(f"{site.url}/#/quote")
    page.get_by_label("Origin").wait_for()
    page.get_by_label("Origin").focus()
    page.keyboard.type("Xian")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "destination"
    page.keyboard.type("Hamburg")
    page.keyboard.press("Tab")
    page.keyboard.type(READY.strftime("%m%d%Y"))
    page.keyboard.press("Enter")  # submits the form
    page.locator("li.option").first.wait_for(timeout=30_000)
    # The option's Book button is reachable with Tab and opens the shipment form with focus in it.
    button = page.get_by_role("button", name="Book this option").first
    button.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "book-title"


def box_number() -> str:
    """A fresh ISO 6346 container number with its check digit."""
    import secrets

    from stdnum import iso6346

    base = f"LBWU{secrets.randbelow(10**6):06d}"
    return base + iso6346.calc_check_digit(base)


def _post(site, path: str, body, token: str):
    import httpx

    r = httpx.post(site.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


def _book(site, containers: list[str]) -> dict:
    """A booking made through the API (the quote page is tested above), with its containers' numbers."""
    quote = _post(
        site,
        "/v1/quotes",
        {"origin": "Chongqing", "destination": "Duisburg", "ready_date": READY.isoformat(), "modes": ["rail"]},
        site.shipper,
    )
    option = quote["options"][0]
    shipment = {
        "consignor": {"name": "A", "address": "1 Road, Chongqing", "country": "CN"},
        "consignee": {"name": "B", "address": "1 Straße, Duisburg", "country": "DE"},
        "goods": {"description": "Laptops", "hs_code": "847130", "mass_kg": 9000},
    }
    body = {
        "option_id": option["id"],
        "containers": len(containers),
        "shipment": shipment,
        "equipment": [{"equipment_reference": c} for c in containers],
    }
    return _post(site, "/v1/bookings", body, site.shipper)


def test_a_booking_follows_its_tracking_events_as_they_arrive(visit, site):
    from datetime import UTC, datetime

    page = visit.page
    box = box_number()
    booking = _book(site, [box])
    rail = next(leg for leg in booking["itinerary"]["legs"] if leg.get("departure_id"))
    visit.open(f"bookings/{booking['id']}", site.shipper)
    page.get_by_text("No tracking events yet").wait_for()
    call = {"departureID": rail["departure_id"], "location": {"placeID": rail["from"]}}
    gate_in = {
        "metadata": {"eventID": f"{booking['id']}-gtin", "eventType": "EQUIPMENT"},
        "payload": {
            "eventClassifierCode": "ACT",
            "eventDateTime": datetime.now(UTC).isoformat(),
            "equipmentEventTypeCode": "GTIN",
            "equipmentReference": box,
            "emptyIndicatorCode": "LADEN",
            "transportCall": call,
        },
    }
    _post(site, "/v1/events", gate_in, site.operator)
    events = page.locator("#tracking-events")
    events.get_by_text(f"Gated in {box}").wait_for(timeout=15_000)  # the page polls; no reload
    departed = {
        "metadata": {"eventID": f"{booking['id']}-depa", "eventType": "TRANSPORT"},
        "payload": {
            "eventClassifierCode": "ACT",
            "eventDateTime": rail["departure"].replace("Z", "+00:00"),
            "transportEventTypeCode": "DEPA",
            "transportCall": call,
        },
    }
    _post(site, "/v1/events", departed, site.operator)
    events.get_by_text(re.compile("^.*Train departed at")).wait_for(timeout=15_000)
    page.wait_for_function("() => document.querySelector('#transport-status')?.textContent === 'in transit'")
    assert "(tracked)" in page.locator("#train-position").inner_text()
    assert [e.get_attribute("data-event-id") for e in events.locator("li").all()] == [
        f"{booking['id']}-gtin",
        f"{booking['id']}-depa",
    ]
    assert visit.axe("booking-tracking") == []
    visit.shot("booking-tracking")


def test_a_seller_uploads_an_order_file_and_sees_every_bad_row(visit, site, tmp_path):
    import csv

    page = visit.page
    yesterday = (date.today() - timedelta(days=1)).isoformat() + "T08:00:00Z"
    good = {
        "seller_order_id": "SO-WEB-1",
        "order_date": yesterday,
        "regime": "9610",
        "weight_kg": "1.2",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "10",
        "items": "2",
        "declared_value": "39.90",
        "currency": "EUR",
        "hs_codes": "6109100021",
        "destination_country": "DE",
        "destination_city": "Köln",
        "destination_postcode": "50667",
        "consignee_name": "Anna Müller",
        "ioss_number": "IM2760000001",
    }
    rows = [
        good,
        {**good, "seller_order_id": "SO-WEB-2", "weight_kg": "-1"},
        {**good, "seller_order_id": "SO-WEB-3", "currency": "EURO"},
    ]
    path = tmp_path / "orders.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(good))
        w.writeheader()
        w.writerows(rows)
    visit.open("ecommerce", site.shipper)
    page.get_by_label("Order file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and import").click()
    result = page.locator("#import-result")
    result.get_by_text("Nothing imported").wait_for(timeout=30_000)
    bad = result.locator("table", has_text="Bad rows").locator("tbody tr").all_inner_texts()
    assert len(bad) == 2
    assert bad[0].split("\t")[:2] == ["3", "weight_kg"] and bad[1].split("\t")[:2] == ["4", "currency"]
    assert visit.axe("ecommerce-bad-rows") == []
    visit.shot("ecommerce-bad-rows")
    page.get_by_label("Import the valid rows and skip the bad ones").check()
    page.get_by_role("button", name="Upload and import").click()
    result.get_by_text("Imported 1 new order, 2 rejected.").wait_for(timeout=30_000)
    page.get_by_role("button", name="SO-WEB-1").click()
    detail = page.locator("#order-detail")
    detail.get_by_role("heading", name="Order SO-WEB-1").wait_for()
    assert "9610" in detail.inner_text() or "waiting" in detail.inner_text()
    # the same file again duplicates nothing
    page.get_by_role("button", name="Upload and import").click()
    result.get_by_text("Imported 0 new orders, 1 already there, 2 rejected.").wait_for(timeout=30_000)


def test_operators_see_e_commerce_fill_and_backlog(visit, site):
    page = visit.page
    visit.open("ecommerce", site.operator)
    page.get_by_role("heading", name="Fill rates and backlog").wait_for()
    page.get_by_role("heading", name="Backlog per destination hub").wait_for(timeout=30_000)
    assert page.get_by_label("Seller (customer id)").first.is_visible()
    assert visit.axe("ecommerce-operator") == []
    visit.shot("ecommerce-operator")
