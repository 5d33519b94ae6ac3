"""`landbridge bookings emissions ID` and `landbridge emissions summary`: ISO 14083 reports on the command line,
from the same service functions as the API. The CLI acts as an operator (it sees every customer)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from landbridge.cli.common import DbOpt, cli_operator, err, out, print_json, run_db
from landbridge.errors import LandbridgeError
from landbridge.timefmt import parse_date

app = typer.Typer(help="Emission reports: a customer's totals per month and mode, and savings.", no_args_is_help=True)

REPORT_FORMATS = ("table", "json", "csv", "pdf")
SUMMARY_FORMATS = ("table", "json", "csv")


def _choose(fmt: str | None, out_file: Path | None, allowed: tuple[str, ...]) -> str:
    if fmt is None:
        fmt = out_file.suffix.lower().lstrip(".") if out_file is not None else "table"
        if fmt not in allowed or fmt == "table":
            fmt = "json" if out_file is not None and fmt == "table" else fmt
    if fmt not in allowed:
        raise LandbridgeError(f"Unknown format {fmt!r}; use one of {', '.join(allowed)}.")
    if out_file is not None:
        if fmt == "table":
            raise LandbridgeError("--out writes json, csv or pdf; give --format or a file ending in one of them.")
        if not out_file.parent.is_dir():
            raise LandbridgeError(f"Folder {out_file.parent} does not exist; create it or choose another --out.")
    return fmt


def report_cmd(
    booking_id: Annotated[str, typer.Argument(help="Booking id (bk_...).")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="table, json, csv or pdf (default: table, or --out's suffix).")
    ] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    database: DbOpt = None,
) -> None:
    """A booking's greenhouse-gas emissions per ISO 14083: per leg and section and per hub, TTW and WTW, the
    factor, distance and mass used, the data quality and the factor set."""
    from landbridge.carbon import documents, service

    fmt = _choose(fmt, out_file, REPORT_FORMATS)
    if fmt == "pdf" and out_file is None:
        raise LandbridgeError("A PDF needs --out FILE.pdf.")
    report = run_db(database, lambda s: service.booking_report(s, cli_operator(), booking_id))
    if fmt == "table":
        _show_report(report)
        return
    if fmt == "json":
        if out_file is None:
            print_json(report)
            return
        import json

        out_file.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif fmt == "csv":
        text = documents.report_csv(report)
        if out_file is None:
            typer.echo(text, nl=False)
            return
        out_file.write_text(text, encoding="utf-8")
    else:
        assert out_file is not None
        out_file.write_bytes(documents.report_pdf(report))
    err.print(f"Emissions report of {booking_id} written to {out_file}.")


def _show_report(r: dict[str, Any]) -> None:
    b, t, fs = r["booking"], r["totals"], r["factor_set"]
    out.print(
        f"[bold]{b['id']}[/] {b['origin_name']} → {b['destination_name']}, departs {b['departure'][:10]}: "
        f"{r['containers']:g} x {b['container_type']}, {r['mass_kg']:,.0f} kg"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("leg", "mode", "from → to", "country", "traction", "km", "factor g/tkm TTW+WTT", "TTW kg", "WTW kg"):
        table.add_column(name, justify="right" if name in ("km", "TTW kg", "WTW kg") else "left", overflow="fold")
    for leg in r["legs"]:
        for k, sec in enumerate(leg["sections"]):
            f = sec["factor"]
            table.add_row(
                str(leg["index"] + 1) if k == 0 else "",
                sec["mode"],
                f"{leg['from_name']} → {leg['to_name']}" if k == 0 else "",
                sec["country"] or "",
                sec["traction"] or "",
                f"{sec['distance_km']:,.0f}",
                f"{f['ttw']:g} + {f['wtt']:g}",
                f"{sec['ttw_co2e_kg']:,.1f}",
                f"{sec['wtw_co2e_kg']:,.1f}",
            )
    for h in r["hubs"]:
        f = h["factor"]
        table.add_row(
            "hub",
            h["kind"].replace("_", " "),
            h["place_name"],
            h["country"] or "",
            "",
            "",
            f"{f['wtw']:g} kg/container" if f else "not quantified",
            f"{h['ttw_co2e_kg']:,.1f}",
            f"{h['wtw_co2e_kg']:,.1f}",
        )
    out.print(table)
    out.print(
        f"Total: [bold]{t['wtw_co2e_kg']:,.1f} kg CO2e WTW[/] "
        f"(TTW {t['ttw_co2e_kg']:,.1f}, WTT {t['wtt_co2e_kg']:,.1f}); data quality: {r['data_quality']}"
    )
    out.print(f"Factor set: {fs['name']} {fs['version']} ({fs['licence']})")


@app.command("summary")
def summary_cmd(
    customer: Annotated[str | None, typer.Option(help="One customer (cus_...); default: all customers.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First departure date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last departure date, inclusive.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    chart: Annotated[Path | None, typer.Option(help="Also draw the months and modes (PNG or SVG).")] = None,
    database: DbOpt = None,
) -> None:
    """Emissions per month of departure and per mode (live bookings: not cancelled, rejected or declined), and
    the saving against the sea and air options the same quotes offered."""
    from landbridge.carbon import documents, service

    if fmt not in SUMMARY_FORMATS:
        raise LandbridgeError(f"Unknown format {fmt!r}; use one of {', '.join(SUMMARY_FORMATS)}.")
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise LandbridgeError(f"--chart {chart}: use a .png or .svg file name.")
    if chart is not None and not chart.parent.is_dir():
        raise LandbridgeError(f"Folder {chart.parent} does not exist; create it or choose another --chart.")
    a = parse_date(start, "--from") if start else None
    b = parse_date(end, "--to") if end else None
    summary = run_db(database, lambda s: service.emissions_summary(s, cli_operator(), customer, a, b))
    if fmt == "json":
        print_json(summary)
    elif fmt == "csv":
        typer.echo(documents.summary_csv(summary), nl=False)
    else:
        _show_summary(summary)
    if chart is not None:
        if not summary["months"]:
            raise LandbridgeError("Nothing to draw: no bookings in the range.")
        chart.write_bytes(documents.summary_chart(summary, chart.suffix.lower().lstrip(".")))
        err.print(f"Chart written to {chart}.")


def _show_summary(s: dict[str, Any]) -> None:
    modes = sorted({m for row in s["months"] for m in row["by_mode_wtw_co2e_kg"]})
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("month", "bookings", "t CO2e WTW", *modes, "saving vs sea t", "saving vs air t"):
        if name == "month":
            table.add_column(name, no_wrap=True, min_width=7)
        else:
            table.add_column(name, justify="right", overflow="fold")

    def t(kg: float | None) -> str:
        return "-" if kg is None else f"{kg / 1000:,.2f}"

    for row in [*s["months"], s["totals"]]:
        table.add_row(
            row["month"],
            str(row["bookings"]),
            t(row["wtw_co2e_kg"]),
            *(t(row["by_mode_wtw_co2e_kg"].get(m, 0.0)) for m in modes),
            f"{t(row['sea_alternative']['saving_co2e_kg'])} ({row['sea_alternative']['bookings']})",
            f"{t(row['air_alternative']['saving_co2e_kg'])} ({row['air_alternative']['bookings']})",
        )
    out.print(table)
    if not s["months"]:
        err.print("No bookings in the range.")
    fs = s["factor_set"]
    out.print(f"Factor set: {fs['name']} {fs['version']}. Savings: alternative minus booked (bookings counted).")
