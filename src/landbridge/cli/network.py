"""`landbridge network stats|export|map|validate|places`: the network model, its data files and its map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from landbridge.cli.common import DataOpt, JsonOpt, err, out, output_path, print_json, world
from landbridge.errors import LandbridgeError

app = typer.Typer(help="The network model: places, links, border crossings.", no_args_is_help=True)


@app.command("stats")
def network_stats_cmd(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by kind of place and mode of link, European cities and countries served."""
    from landbridge.timetable.export import network_stats

    w = world(data)
    stats = network_stats(w.network, w.timetable)
    if as_json:
        print_json(stats)
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


@app.command("export")
def network_export_cmd(
    geojson: Annotated[Path, typer.Option("--geojson", help="Write the network as GeoJSON to this file.")],
    data: DataOpt = None,
) -> None:
    """Write the network (places, rail lines, crossings, sea and air routes) as GeoJSON."""
    from landbridge.timetable.export import network_geojson

    w = world(data)
    doc = network_geojson(w.network, w.timetable)
    output_path(geojson, (".geojson", ".json"))
    tmp = geojson.with_suffix(geojson.suffix + ".tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    tmp.replace(geojson)
    err.print(f"Wrote {len(doc['features'])} features to {geojson}")


@app.command("map")
def network_map_cmd(
    file: Annotated[Path, typer.Argument(help="Image to write: .png, .svg or .pdf.")],
    data: DataOpt = None,
) -> None:
    """Draw the network: rail lines by gauge, gauge changes, hubs, terminals, ports, airports, cities."""
    from landbridge.maps import network_map

    w = world(data)
    network_map(w, output_path(file, (".png", ".svg", ".pdf")))
    err.print(f"Network map written to {file}")


@app.command("validate")
def network_validate_cmd(data: DataOpt = None) -> None:
    """Load and check every data file (yours with --data); report the first problem with file, entry and field."""
    from landbridge.timetable.export import network_stats

    w = world(data)
    s = network_stats(w.network, w.timetable)
    out.print(
        f"[green]OK[/]: {sum(s['places'].values())} places, {s['links']['rail']} rail links, "
        f"{len(w.timetable.services)} services, {len(w.network.crossings)} crossings."
    )


@app.command("places")
def network_places_cmd(
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: hub, terminal, border, junction, port, airport, city.")
    ] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List places (ids and names you can use in quotes and timetables)."""
    w = world(data)
    kinds = {"hub", "terminal", "border", "junction", "port", "airport", "city"}
    if kind and kind not in kinds:
        raise LandbridgeError(f"Unknown kind {kind!r}; choose one of {', '.join(sorted(kinds))}.")
    places = [p for p in w.network.places.values() if not kind or p.kind == kind]
    if as_json:
        print_json([p.model_dump() for p in places])
        return
    t = Table("id", "name", "kind", "country", "gauge")
    for p in sorted(places, key=lambda p: (p.kind, p.country, p.name)):
        t.add_row(p.id, p.name, p.kind, p.country, str(p.gauge_mm or ""))
    out.print(t)
