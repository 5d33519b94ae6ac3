"""The `landbridge ecommerce` commands end to end (in process): generate a year from the flow, import it,
consolidate a departure at its cut-off, follow orders, the operator's views and manifests; bad input exits 2
with a message, never a traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from tests.booking.helpers import fresh_departure
from tests.ecommerce.conftest import make_seller

runner = CliRunner()


def cli(db, *args):
    from landbridge.cli import app

    return runner.invoke(app, ["ecommerce", *args, "--database", db.url])


def test_generate_import_consolidate_follow_and_manifests(fresh_db, world, tmp_path):
    from landbridge.cli import app

    seller = make_seller(fresh_db)
    dep = fresh_departure(world, "chengdu-ecommerce")
    year = dep.departure.year
    f = tmp_path / "year.csv"
    r = runner.invoke(
        app, ["ecommerce", "generate", "--year", str(year), "--orders", "1500", "--out", str(f), "--seed", "3"]
    )
    assert r.exit_code == 0, r.output
    r = cli(fresh_db, "import", str(f), "--seller", seller.customer_id, "--json")
    assert r.exit_code == 0, r.output[-2000:]
    assert json.loads(r.stdout)["inserted"] == 1500
    r = cli(fresh_db, "consolidate", "--departure", dep.id, "--replay", "--json")
    assert r.exit_code == 0, r.output[-2000:]
    run = json.loads(r.stdout)
    assert run["departure_id"] == dep.id and run["eligible_orders"] > 0
    r = cli(fresh_db, "orders", "--seller", seller.customer_id, "--limit", "5", "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["items"]) == 5
    chart = tmp_path / "fill.png"
    for cmd in (
        ["backlog", "--json"],
        ["forecast", "--departures", "2", "--json"],
        ["fill", "--from", str(dep.departure.date()), "--json", "--chart", str(chart)],
    ):
        r = cli(fresh_db, *cmd)
        assert r.exit_code == 0, (cmd, r.output[-1000:])
    assert chart.read_bytes()[:4] == b"\x89PNG"
    if run["containers"]:
        out = tmp_path / "manifests"
        r = cli(fresh_db, "manifests", dep.id, "--out", str(out))
        assert r.exit_code == 0, r.output
        assert any(p.suffix == ".pdf" for p in out.iterdir())
        oid = json.loads(cli(fresh_db, "orders", "--status", "loaded", "--limit", "1", "--json").stdout)["items"][0][
            "id"
        ]
        assert json.loads(cli(fresh_db, "order", oid).stdout)["status"] == "booked"


def test_bad_input_is_a_message_not_a_traceback(fresh_db, world, tmp_path):
    from landbridge.cli import main

    dep = fresh_departure(world, "chengdu-ecommerce")
    cases = [
        ["consolidate", "--departure", "nonsense:2026-01-01T0000"],
        ["consolidate", "--departure", dep.id],  # before its cut-off (now is weeks earlier)
        ["consolidate"],
        ["import", str(tmp_path / "missing.csv"), "--seller", "cus_x"],
        ["order", "eo_nothere"],
        ["manifests", dep.id, "--out", str(tmp_path / "m")],
    ]
    import sys

    for args in cases:
        sys.argv = ["landbridge", "ecommerce", *args, "--database", fresh_db.url]
        try:
            main()
        except SystemExit as exc:
            assert exc.code == 2, args
        else:
            raise AssertionError(f"{args} did not fail")
    from landbridge.cli import app

    r = runner.invoke(app, ["ecommerce", "generate", "--year", "2027", "--out", str(tmp_path / "x.xlsx")])
    assert r.exit_code != 0 and "choose a file ending" in str(r.exception)
    assert dep.departure - timedelta(hours=48) > datetime.now(UTC)  # so the second case was before the cut-off
