"""`landbridge quote`: door-to-door options by rail, sea and air, as a table, JSON or a map."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from landbridge.cli.common import DataOpt, JsonOpt, err, out, output_path, print_json, world
from landbridge.timefmt import parse_date

if TYPE_CHECKING:
    from landbridge.planner import Quote


def quote_cmd(
    origin: Annotated[str, typer.Argument(help="Origin city, hub, terminal, port or airport.")],
    destination: Annotated[str, typer.Argument(help="Destination.")],
    ready: Annotated[str, typer.Option("--ready", help="Date the cargo is ready, YYYY-MM-DD.")],
    containers: Annotated[int, typer.Option("--containers", help="Number of containers.")] = 1,
    container_type: Annotated[str, typer.Option("--container-type", help="20GP, 40GP, 40HC or 45HC.")] = "40HC",
    cargo: Annotated[
        str,
        typer.Option(
            "--cargo",
            help="general, electronics, ev, batteries, batteries-in-equipment, solar-panels, wine, ecommerce, "
            "machinery, food.",
        ),
    ] = "general",
    mass_kg: Annotated[
        float | None, typer.Option("--mass-kg", help="Total cargo mass (default: typical for the cargo type).")
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", help="Scenario spec, repeatable: red-sea-closed, border:khorgos=50%, avoid:RU, ..."),
    ] = None,
    mode: Annotated[list[str] | None, typer.Option("--mode", help="Limit to rail, sea or air (repeatable).")] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Also draw the options on a map (PNG, SVG or PDF).")
    ] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Door-to-door options by rail, sea and air: time, cost, CO2e, gauge changes, reliability."""
    from landbridge.planner import QuoteRequest

    w = world(data, scenario)
    req = QuoteRequest(
        origin,
        destination,
        parse_date(ready, "--ready"),
        containers,
        container_type,
        cargo,
        mass_kg,
        tuple(mode) if mode else ("rail", "sea", "air"),
    )
    q = w.planner.quote(req)
    if map_file is not None:
        from landbridge.maps import quote_map

        quote_map(w, q, output_path(map_file, (".png", ".svg", ".pdf")))
        err.print(f"Map of the options written to {map_file}")
    if as_json:
        print_json(q.to_dict())
        return
    _print_quote(q)


def _print_quote(q: Quote) -> None:
    out.print(
        f"[bold]{q.origin.name} → {q.destination.name}[/]: {q.containers} x {q.container.id}, {q.cargo.name.lower()} "
        f"({q.mass_kg:,.0f} kg), ready {q.ready.date()}; scenario: {q.scenario.describe()}"
    )
    t = Table("#", "best", "mode", "leaves", "arrives", "days", "p90", q.options[0].currency, "t CO2e", "gauge")
    for n, o in enumerate(q.options, 1):
        t.add_row(
            str(n),
            ",".join(lbl[:5] for lbl in o.labels),
            o.mode,
            o.departure.strftime("%m-%d"),
            o.arrival.strftime("%m-%d"),
            f"{o.p50_days:.1f}",
            f"{o.p90_days:.1f}",
            f"{o.cost_total:,.0f}",
            f"{o.co2e_kg / 1000:.2f}",
            str(len(o.gauge_changes)),
        )
    out.print(t)
    for n, o in enumerate(q.options, 1):
        route = " → ".join([o.legs[0].frm_name] + [f"{l.to_name} [dim]({l.mode})[/]" for l in o.legs])
        out.print(f"{n}. {route}")
    out.print(
        f"[dim]{len(q.options)} Pareto options out of {q.considered} itineraries; "
        "--json gives legs, cost breakdown, gauge changes and borders.[/]"
    )
