"""The `landbridge` command (Typer + Rich). Thin: parses, calls the core or the services, prints."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from landbridge.errors import LandbridgeError

app = typer.Typer(
    help="Landbridge: China–Europe rail freight, from the network to bookings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
network_app = typer.Typer(help="The network model: places, links, border crossings.", no_args_is_help=True)
app.add_typer(network_app, name="network")
out = Console()
err = Console(stderr=True, soft_wrap=True)

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Folder with your own network files (overrides the shipped ones file by file)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _world(data: Path | None, specs: list[str] | None = None):
    from landbridge.world import load_world, scenario_from_specs

    scenario = scenario_from_specs(specs or [], data)
    return load_world(scenario, data)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


# ---- network ----------------------------------------------------------------------------
@network_app.command("stats")
def network_stats_cmd(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by kind of place and mode of link, European cities and countries served."""
    from landbridge.timetable.export import network_stats

    w = _world(data)
    stats = network_stats(w.network, w.timetable)
    if as_json:
        _print_json(stats)
        return
    t = Table(title="Landbridge network", show_header=False)
    for k, v in stats["places"].items():
        t.add_row(f"places: {k}", str(v))
    for k, v in stats["links"].items():
        t.add_row(f"links: {k}", str(v))
    t.add_row("rail network", f"{stats['rail_km']:,} km")
    t.add_row("gauge changes", ", ".join(stats["gauge_changes"]))
    t.add_row("European destination cities", f"{stats['european_cities']} in {stats['european_countries']} countries")
    t.add_row(
        "CR Express trains per month",
        f"{stats['cr_express_trains_per_month']:,} ({stats['westbound_share']:.0%} westbound)",
    )
    out.print(t)


@network_app.command("export")
def network_export_cmd(
    geojson: Annotated[Path, typer.Option("--geojson", help="Write the network as GeoJSON to this file.")],
    data: DataOpt = None,
) -> None:
    """Write the network (places, rail lines, crossings, sea and air routes) as GeoJSON."""
    from landbridge.timetable.export import network_geojson

    w = _world(data)
    doc = network_geojson(w.network, w.timetable)
    _output_path(geojson, (".geojson", ".json"))
    tmp = geojson.with_suffix(geojson.suffix + ".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(geojson)
    err.print(f"Wrote {len(doc['features'])} features to {geojson}")


@network_app.command("map")
def network_map_cmd(
    file: Annotated[Path, typer.Argument(help="Image to write: .png, .svg or .pdf.")],
    data: DataOpt = None,
) -> None:
    """Draw the network: rail lines by gauge, gauge changes, hubs, terminals, ports, airports, cities."""
    from landbridge.maps import network_map

    w = _world(data)
    network_map(w, _output_path(file, (".png", ".svg", ".pdf")))
    err.print(f"Network map written to {file}")


def _output_path(path: Path, suffixes: tuple[str, ...]) -> Path:
    if path.suffix.lower() not in suffixes:
        raise LandbridgeError(f"{path}: choose a file ending in {', '.join(suffixes)}.")
    if not path.parent.exists():
        raise LandbridgeError(f"Folder {path.parent} does not exist; create it or choose another path.")
    return path


@network_app.command("validate")
def network_validate_cmd(data: DataOpt = None) -> None:
    """Load and check every data file (yours with --data); report the first problem with file, entry and field."""
    from landbridge.timetable.export import network_stats

    w = _world(data)
    s = network_stats(w.network, w.timetable)
    out.print(
        f"[green]OK[/]: {sum(s['places'].values())} places, {s['links']['rail']} rail links, "
        f"{len(w.timetable.services)} services, {len(w.network.crossings)} crossings."
    )


@network_app.command("places")
def network_places_cmd(
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: hub, terminal, border, junction, port, airport, city.")
    ] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List places (ids and names you can use in quotes and timetables)."""
    w = _world(data)
    kinds = {"hub", "terminal", "border", "junction", "port", "airport", "city"}
    if kind and kind not in kinds:
        raise LandbridgeError(f"Unknown kind {kind!r}; choose one of {', '.join(sorted(kinds))}.")
    places = [p for p in w.network.places.values() if not kind or p.kind == kind]
    if as_json:
        _print_json([p.model_dump() for p in places])
        return
    t = Table("id", "name", "kind", "country", "gauge")
    for p in sorted(places, key=lambda p: (p.kind, p.country, p.name)):
        t.add_row(p.id, p.name, p.kind, p.country, str(p.gauge_mm or ""))
    out.print(t)


# ---- timetable --------------------------------------------------------------------------
def _month_range(month: str) -> tuple[date, date]:
    try:
        start = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise LandbridgeError(f"--month {month!r} is not a month; write YYYY-MM, e.g. 2026-12.") from None
    end = date(start.year + (start.month // 12), start.month % 12 + 1, 1)
    return start, end


@app.command("timetable")
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

    w = _world(data, scenario)
    start, end = _month_range(month)
    if mode not in ("rail", "sea", "air"):
        raise LandbridgeError(f"Unknown mode {mode!r}; use rail, sea or air.")
    rows = list_departures(w, start, end, origin, destination, mode)
    if as_json:
        _print_json(
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


# ---- quote ------------------------------------------------------------------------------
def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LandbridgeError(f"{what} {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-07.") from None


@app.command("quote")
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
            help="general, electronics, ev, batteries, batteries-in-equipment, solar-panels, wine, ecommerce, machinery, food.",
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

    w = _world(data, scenario)
    req = QuoteRequest(
        origin,
        destination,
        _parse_date(ready, "--ready"),
        containers,
        container_type,
        cargo,
        mass_kg,
        tuple(mode) if mode else ("rail", "sea", "air"),
    )
    q = w.planner.quote(req)
    if map_file is not None:
        from landbridge.maps import quote_map

        quote_map(w, q, _output_path(map_file, (".png", ".svg", ".pdf")))
        err.print(f"Map of the options written to {map_file}")
    if as_json:
        _print_json(q.to_dict())
        return
    _print_quote(q)


def _print_quote(q) -> None:
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


# Commands of the service layer (serve, db, keys, bookings) and of the digital twin (simulate) live
# beside their domains and register themselves on the app.
for _module in ("landbridge.api.cli", "landbridge.booking.cli", "landbridge.simulation.cli"):
    try:
        importlib.import_module(_module).register(app)
    except ModuleNotFoundError as _exc:
        if not _exc.name or not _module.startswith(_exc.name):
            raise


def main() -> None:
    try:
        app()
    except LandbridgeError as exc:
        err.print(f"[bold red]Error:[/] {exc}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
