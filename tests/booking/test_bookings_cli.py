"""`landbridge bookings ...`: the operator's commands on the same database as the API."""

from __future__ import annotations

from tests.booking.helpers import booked_mfeu, booking_body, fresh_departure, make_option
from tests.booking.test_db_cli import landbridge


def test_list_show_status_note_and_utilisation(client, db, db_url, world, shipper, op, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # tables as on a wide terminal
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=2)
    made = client.post("/v1/bookings", json=booking_body(oid, 2, reference="PO-CLI-1"), headers=shipper.headers)
    assert made.status_code == 201, made.text
    bid = made.json()["id"]

    r = landbridge("bookings", "list", "--customer", shipper.customer_id, "--json", url=db_url)
    assert r.returncode == 0, r.stderr
    import json

    assert bid in [b["id"] for b in json.loads(r.stdout)["items"]]
    r = landbridge("bookings", "list", "--departure", dep.id, url=db_url)
    assert r.returncode == 0 and bid in r.stdout

    r = landbridge("bookings", "show", bid, url=db_url)
    assert r.returncode == 0 and "PO-CLI-1" in r.stdout and dep.id in r.stdout and "received" in r.stdout

    r = landbridge("bookings", "status", bid, "confirmd", url=db_url)
    assert r.returncode == 2 and "Did you mean 'confirmed'" in r.stderr and "Traceback" not in r.stderr
    r = landbridge("bookings", "status", bid, "confirmed", "--note", "cleared by ops", url=db_url)
    assert r.returncode == 0 and "confirmed" in r.stdout, r.stderr
    r = landbridge("bookings", "status", bid, "rejected", url=db_url)  # not allowed from confirmed
    assert r.returncode == 2 and "Allowed next: declined, cancelled, completed" in r.stderr

    events = client.get(f"/v1/bookings/{bid}", headers=op).json()["events"]
    assert [e["to_status"] for e in events] == ["received", "confirmed"]
    assert events[1]["note"] == "cleared by ops" and events[1]["api_key_id"].startswith("cli:")
    seen_by_shipper = client.get(f"/v1/bookings/{bid}", headers=shipper.headers).json()["events"]
    assert seen_by_shipper[1]["note"] is None and seen_by_shipper[1]["api_key_id"] is None  # operators' own

    pdf = tmp_path / "note.pdf"
    r = landbridge("bookings", "note", bid, "--out", str(pdf), url=db_url)
    assert r.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), r.stderr

    day = dep.departure.date().isoformat()
    chart = tmp_path / "utilisation.png"
    r = landbridge(
        "bookings",
        "utilisation",
        "--from",
        day,
        "--to",
        day,
        "--corridor",
        dep.service.corridor,
        "--json",
        "--chart",
        str(chart),
        url=db_url,
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["corridors"][0]["section_booked_feu"] >= 2.0
    assert chart.read_bytes().startswith(b"\x89PNG")

    r = landbridge("bookings", "status", bid, "cancelled", url=db_url)
    assert r.returncode == 0
    assert booked_mfeu(db, dep.id)[0] == 0  # the capacity came back
    r = landbridge("bookings", "show", "bk_nope", url=db_url)
    assert r.returncode == 2 and "No booking" in r.stderr
    r = landbridge("bookings", "utilisation", "--from", "2026-02-30", url=db_url)
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr


def test_cli_statuses_are_the_service_statuses():
    from landbridge.booking.service import TRANSITIONS
    from landbridge.cli.bookings import STATUSES

    assert set(STATUSES) == set(TRANSITIONS)
