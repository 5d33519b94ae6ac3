"""`landbridge quote`: door-to-door options by rail, sea and air, as a table, JSON or a map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from landbridge.cli.common import DataOpt, JsonOpt, output_path, print_json, world
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
    currency: Annotated[
        str,
        typer.Option(
            "--currency", help="Show prices in USD, EUR or CNY (ECB reference rates of today or the latest before)."
        ),
    ] = "USD",
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Door-to-door options by rail, sea and air: time, cost, CO2e, gauge changes, reliability."""
    w = world(data, scenario)  # (first: it imports the core with the collector paused, see cli.common.world)

    from landbridge.planner import QuoteRequest

    req = QuoteRequest(
        origin,
        destination,
        parse_date(ready, "--ready"),
        containers,
        container_type,
        cargo,
        mass_kg,
        tuple(mode) if mode else ("rail", "sea", "air"),
        currency,
    )
    q = w.planner.quote(req)
    if map_file is not None:
        from landbridge.cli.common import err
        from landbridge.maps import quote_map

        quote_map(w, q, output_path(map_file, (".png", ".svg", ".pdf")))
        err.print(f"Map of the options written to {map_file}")
    if as_json:
        print_json(q.to_dict())
        return
    _print_quote(q)


def _dates(values: list[datetime], this_year: int) -> tuple[str, list[str]]:
    """A column of UTC dates as MM-DD, with the year in the header when they share one that is not the current
    year, and in every cell when they span two."""
    years = {d.year for d in values}
    if len(years) == 1:
        year = years.pop()
        return ("" if year == this_year else f" {year}"), [d.strftime("%m-%d") for d in values]
    return "", [d.strftime("%Y-%m-%d") for d in values]


def _print_quote(q: Quote) -> None:
    # Rich's tables and consoles load here, not with the module: `--json` needs neither.
    from rich import box
    from rich.table import Table

    from landbridge.cli.common import out

    this_year = datetime.now(UTC).year
    out.print(
        f"[bold]{q.origin.name} → {q.destination.name}[/]: {q.containers} x {q.container.id}, {q.cargo.name.lower()} "
        f"({q.mass_kg:,.0f} kg), ready {q.ready.date()}; scenario: {q.scenario.describe()}"
    )
    opts = q.options
    columns = {
        "leaves": [o.departure for o in opts],
        "arrives": [o.arrival for o in opts],
        "p50": [o.departure + timedelta(days=o.p50_days) for o in opts],
        "p90": [o.departure + timedelta(days=o.p90_days) for o in opts],
    }
    cells: dict[str, list[str]] = {}
    t = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0),
        caption="Dates UTC. arrives: as scheduled; p50, p90: expected and pessimistic arrival.",
        caption_justify="left",
    )
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("best", no_wrap=True)
    t.add_column("mode", no_wrap=True)
    for name, values in columns.items():
        year, cells[name] = _dates(values, this_year)
        t.add_column(name + year, no_wrap=True)
    t.add_column(q.currency, justify="right", no_wrap=True)
    t.add_column("t CO2e", justify="right", no_wrap=True)
    for n, o in enumerate(opts):
        t.add_row(
            str(n + 1),
            "\n".join(o.labels),
            o.mode,
            *(cells[name][n] for name in columns),
            f"{o.cost_total:,.0f}",
            f"{o.co2e_kg / 1000:.2f}",
        )
    out.print(t)
    for n, o in enumerate(q.options, 1):
        route = " → ".join([o.legs[0].frm_name] + [f"{l.to_name} [dim]({l.mode})[/]" for l in o.legs])
        changes = f"{o.transfers} change{'s' if o.transfers != 1 else ''} of vehicle"
        gauges = f", {len(o.gauge_changes)} gauge change{'s' if len(o.gauge_changes) != 1 else ''}"
        route += f" [dim]· {changes}{gauges if o.gauge_changes else ''}[/]"
        out.print(f"{n}. {route}")
    rate = next((o.conversion for o in q.options if o.conversion), None)
    if rate is not None:
        out.print(
            f"[dim]Prices converted from {rate.from_currency} at {rate.rate} {rate.to_currency} per "
            f"{rate.from_currency} ({rate.source}, {rate.on}).[/]"
        )
    if q.emission_factors:
        fs = q.emission_factors
        out.print(f"[dim]CO2e: ISO 14083 well-to-wheel, factor set {fs['name']} {fs['version']} ({fs['licence']}).[/]")
    out.print(
        f"[dim]{len(q.options)} options (the Pareto set over arrival, cost, CO2e and changes of vehicle) out of "
        f"{q.considered} itineraries weighed; --json gives legs, cost lines, gauge changes and borders.[/]"
    )
