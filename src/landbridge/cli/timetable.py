"""`landbridge timetable`: departures in a month, optionally between two places."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from landbridge.cli.common import DataOpt, JsonOpt, out, print_json, world
from landbridge.errors import LandbridgeError
from landbridge.timefmt import parse_month


def timetable_cmd(
    month: Annotated[str, typer.Option("--month", help="Month to list, YYYY-MM.")],
    origin: Annotated[str | None, typer.Option("--from", help="Boarding place (city, hub or terminal).")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="Alighting place.")] = None,
    mode: Annotated[str, typer.Option(help="rail, sea or air.")] = "rail",
    scenario: Annotated[list[str] | None, typer.Option("--scenario", help="Scenario spec (repeatable).")] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Departures in a month, optionally between two places."""
    from landbridge.timetable.listing import list_departures

    w = world(data, scenario)
    start, end = parse_month(month)
    if mode not in ("rail", "sea", "air"):
        raise LandbridgeError(f"Unknown mode {mode!r}; use rail, sea or air.")
    rows = list_departures(w, start, end, origin, destination, mode)
    if as_json:
        print_json(
            {"month": month, "from": origin, "to": destination, "mode": mode, "count": len(rows), "departures": rows}
        )
        return
    t = Table(
        "departure (local)",
        "service",
        "from",
        "to",
        "arrival (local)",
        "days",
        "FEU",
        title=f"{len(rows)} departures in {month}",
    )
    for r in rows:
        t.add_row(
            r["departure_local"][:16].replace("T", " "),
            r["service_name"],
            r["origin_name"],
            r["destination_name"],
            r["arrival_local"][:16].replace("T", " "),
            f"{r['transit_days']:.1f}",
            str(r["capacity_feu"]),
        )
    out.print(t)
    if w.scenario.closures:
        out.print(
            f"Scenario: {w.scenario.describe()}; departures that would be at a crossing while it is closed do not run."
        )
