"""`landbridge ecommerce ...`: the cross-border e-commerce platform on the command line (the same service functions
and database as the API): import order files, generate a year of orders from the order flow, consolidate orders
into containers before departures (and book them), follow orders, and the operator's views and manifests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from landbridge.cli.common import DbOpt, JsonOpt, cli_operator, database, db_errors, err, out, print_json, run_db
from landbridge.errors import LandbridgeError, require
from landbridge.timefmt import parse_date

app = typer.Typer(
    help="Cross-border e-commerce: import orders, consolidate them onto trains, follow them, manifests.",
    no_args_is_help=True,
)
MAX_SHOWN = 50


def _errors_table(errors: list[dict[str, Any]], limit: int = MAX_SHOWN) -> Table:
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Rejected rows")
    for name in ("line", "field", "value", "reason"):
        t.add_column(name, overflow="fold")
    for e in errors[:limit]:
        t.add_row(str(e["line"]), e["field"], e["value"], e["reason"])
    return t


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="Orders: .csv, .parquet or .jsonl (one order per row).")],
    seller: Annotated[
        str | None, typer.Option("--seller", help="Seller (customer id cus_...) of rows without seller_id.")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows and write the rejected ones to a file.")
    ] = False,
    rejected: Annotated[
        Path | None,
        typer.Option("--rejected", help="Where --skip-invalid writes rejected rows (default FILE.rejected.csv)."),
    ] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Validate and import an order file: all or nothing, unless --skip-invalid. Orders already imported are
    not duplicated; changed ones are reported and left as stored."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from landbridge.ecommerce.imports import import_table
    from landbridge.ecommerce.orderfile import read_order_file, write_table

    db = database(database_url)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True
    ) as prog:
        task = prog.add_task(f"Reading {file.name}", total=None)
        f = read_order_file(file)
        prog.update(task, description=f"Validating and importing {f.table.num_rows:,} rows")
        with db_errors(db):
            rep = db.write(
                lambda s: import_table(
                    s,
                    f.table,
                    lines=f.lines,
                    seller_id=seller,
                    source=str(file)[:300],
                    actor=cli_operator().key_id,
                    skip_invalid=skip_invalid,
                    read_errors=f.errors,
                )
            )
    doc = rep.to_dict()
    if rep.imported and rep.errors:
        target = rejected or file.with_name(file.name + ".rejected.csv")
        _write_rejected(f, rep.errors, target, write_table)
        doc["rejected_file"] = str(target)
    if as_json:
        print_json(doc)
    else:
        if rep.errors:
            out.print(_errors_table(doc["errors"]))
            if len(rep.errors) > MAX_SHOWN:
                err.print(f"... and {len(rep.errors) - MAX_SHOWN:,} more (--json lists them all).")
        for c in rep.changed[:MAX_SHOWN]:
            fields = ", ".join(c["fields"])
            err.print(
                f"[yellow]Changed[/] line {c['line']}: {c['seller_order_id']} ({c['id']}): {fields}; not updated."
            )
        if rep.imported:
            out.print(
                f"[green]Imported {rep.inserted:,} new orders[/] ({rep.unchanged:,} already there, "
                f"{len(rep.changed):,} changed and not updated, {rep.rows - rep.valid:,} rejected) from {file}."
            )
            if "rejected_file" in doc:
                err.print(f"Rejected rows written to {doc['rejected_file']}.")
    if not rep.imported:
        err.print(
            f"[bold red]Nothing imported:[/] {len(rep.errors):,} problem(s) in {file}. Fix them, or use --skip-invalid "
            "to import the valid rows and get the rejected ones in a file."
        )
        raise typer.Exit(2)


def _write_rejected(f: Any, errors: list[Any], target: Path, write_table: Any) -> None:
    import pyarrow as pa

    by_line: dict[int, list[str]] = {}
    for e in errors:
        by_line.setdefault(e.line, []).append(f"{e.field}: {e.reason}")
    lines = [int(x) for x in f.lines]
    keep = [i for i, ln in enumerate(lines) if ln in by_line]
    t = f.table.take(pa.array(keep, pa.int64())) if f.table.num_columns else pa.table({})
    t = pa.table(
        {
            c: pa.array([None if v is None else str(v) for v in t.column(c).to_pylist()], pa.string())
            for c in t.column_names
        }
    )
    t = t.add_column(0, "line", pa.array([lines[i] for i in keep], pa.int64()))
    t = t.append_column("errors", pa.array(["; ".join(by_line[lines[i]]) for i in keep], pa.string()))
    unlisted = sorted(set(by_line) - {lines[i] for i in keep})  # rows the reader could not parse
    if unlisted:
        extra = pa.table({c: pa.nulls(len(unlisted), t.schema.field(c).type) for c in t.column_names})
        extra = extra.set_column(0, "line", pa.array(unlisted, pa.int64()))
        extra = extra.set_column(len(t.column_names) - 1, "errors", pa.array(["; ".join(by_line[x]) for x in unlisted]))
        t = pa.concat_tables([t, extra])
    if target.suffix.lower() not in (".csv", ".parquet", ".jsonl"):
        raise LandbridgeError(f"--rejected {target}: give a .csv, .parquet or .jsonl file name.")
    write_table(t, target)


@app.command("generate")
def generate_cmd(
    year: Annotated[int, typer.Option(help="Calendar year of the order dates.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write (.parquet, .csv or .jsonl).")],
    orders: Annotated[
        int | None, typer.Option(min=0, max=20_000_000, help="Orders (default: the flow's year).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same orders).")] = 42,
    sellers: Annotated[
        str | None, typer.Option(help="Comma-separated seller ids (cus_...) for a seller_id column, by seller rank.")
    ] = None,
) -> None:
    """A year of orders drawn from the order flow the twin uses (data/ecommerce_flow.yaml): Singles' Day and
    Black Friday peaks, Chinese New Year trough, regimes, sizes, values and destinations."""
    import pyarrow as pa

    from landbridge.cli.common import output_path
    from landbridge.ecommerce.orderfile import write_table
    from landbridge.ecommerce_flow import generate_orders, order_flow

    output_path(out_file, (".parquet", ".csv", ".jsonl"), "--out")
    if not 2000 <= year <= 2100:
        raise LandbridgeError(f"--year {year}: give a year between 2000 and 2100.")
    with err.status(f"Drawing {orders if orders is not None else 'a year of'} orders for {year}"):
        g = generate_orders(order_flow(), year, orders, seed)
        cols = {k: v for k, v in g.columns.items() if k != "seller"}
        if sellers:
            ids = [x.strip() for x in sellers.split(",") if x.strip()]
            cols = {"seller_id": [ids[k % len(ids)] for k in g.columns["seller"].tolist()], **cols}
        write_table(pa.table(cols), out_file)
    out.print(f"[green]{len(g):,} orders for {year}[/] written to {out_file}.")


@app.command("seller")
def seller_cmd(
    seller: Annotated[str, typer.Argument(help="Seller (customer id cus_...).")],
    allow_other_trains: Annotated[
        bool,
        typer.Option(
            "--allow-other-trains/--dedicated-only",
            help="Whether the seller's orders may go on other trains accepting e-commerce cargo.",
        ),
    ] = False,
    database_url: DbOpt = None,
) -> None:
    """A seller's settings (operators)."""
    from landbridge.ecommerce import service

    r = run_db(database_url, lambda s: service.set_seller(s, cli_operator(), seller, allow_other_trains), write=True)
    out.print(
        f"{r['seller_id']}: {'may use other trains' if r['allow_other_trains'] else 'dedicated e-commerce train only'}."
    )


def _instant(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise LandbridgeError(
            f"{what} {text!r}: write an ISO 8601 date-time with a time zone, e.g. 2026-12-01T08:00Z."
        ) from None
    if t.tzinfo is None:
        raise LandbridgeError(f"{what} {text!r}: give a time zone (Z or +08:00).")
    return t.astimezone(UTC)


@app.command("consolidate")
def consolidate_cmd(
    departure: Annotated[str | None, typer.Option(help="One departure id (SERVICE:YYYY-MM-DDTHHMM).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First departure date of a range.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last departure date of a range, inclusive.")] = None,
    replay: Annotated[
        bool,
        typer.Option("--replay", help="Run each departure at its own cut-off time (a simulated or past period)."),
    ] = False,
    dedicated_only: Annotated[
        bool, typer.Option("--dedicated-only", help="Only the dedicated e-commerce train.")
    ] = False,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Pack waiting orders into containers before a departure, book them on the train and load the orders. With
    --from/--to: every departure carrying e-commerce cargo in the range, in time order (--replay runs each at its
    cut-off; without it, only departures whose cut-off has passed and that have not left)."""
    from rich.progress import Progress

    from landbridge.ecommerce.consolidation import consolidate, departures_between
    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce_flow import order_flow
    from landbridge.world import load_world

    world = load_world()
    flow = order_flow()
    if departure:
        ids = [departure]
    else:
        if not start:
            raise LandbridgeError("Give --departure ID, or a range with --from (and --to).")
        a = parse_date(start, "--from")
        b = parse_date(end, "--to") if end else a
        if b < a or (b - a).days > 400:
            raise LandbridgeError("--to must be on or after --from, at most 400 days later.")
        ids = [d.id for d in departures_between(world, flow, a, b + timedelta(days=1), not dedicated_only)]
    db = database(database_url)
    results = []
    cut_h = rules().ops.cutoff_hours
    with Progress(console=err, transient=True) as prog, db_errors(db):
        task = prog.add_task("Consolidating", total=len(ids))
        for dep_id in ids:
            dep = world.timetable.departure(dep_id) if ":" in dep_id else None
            now = dep.departure - timedelta(hours=cut_h) if (replay and dep is not None) else datetime.now(UTC)
            if (
                not departure
                and dep is not None
                and not replay
                and not (dep.departure - timedelta(hours=cut_h) <= now < dep.departure)
            ):
                prog.advance(task)
                continue
            results.append(
                db.write(partial(consolidate, principal=cli_operator(), departure_id=dep_id, now=now, world=world))
            )
            prog.advance(task)
    if as_json:
        print_json(results if len(results) != 1 or not departure else results[0])
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("departure", "eligible", "loaded", "waiting", "containers", "mean fill", "late"):
        t.add_column(name, no_wrap=True)
    for r in results:
        if not r["eligible_orders"] and not departure:
            continue
        fills = [max(c["fill_volume"], c["fill_weight"]) for c in r["containers"]]
        t.add_row(
            r["departure_id"],
            f"{r['eligible_orders']:,}",
            f"{r['orders_loaded']:,}",
            f"{r['orders_waiting']:,}",
            str(len(r["containers"])),
            f"{sum(fills) / len(fills):.0%}" if fills else "-",
            f"{r['late_loaded'] + r['late_waiting']:,}",
        )
    out.print(t)
    err.print(f"{len(results)} departure(s) consolidated.")


@app.command("orders")
def orders_cmd(
    seller: Annotated[str | None, typer.Option("--seller", help="One seller's orders (cus_...).")] = None,
    status: Annotated[str | None, typer.Option(help="waiting, loaded or cancelled.")] = None,
    late: Annotated[bool, typer.Option("--late", help="Only orders that will miss their promised date.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Orders per page (newest first).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="`next_cursor` of the previous page.")] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Orders with their status (following their container and train), newest first."""
    from landbridge.ecommerce import service

    page = run_db(
        database_url,
        lambda s: service.list_orders(
            s, cli_operator(), seller_id=seller, status=status, late=True if late else None, limit=limit, cursor=cursor
        ),
    )
    if as_json:
        print_json(page)
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("order", "seller order", "status", "late", "hub", "regime", "at hub", "departure"):
        t.add_column(name, no_wrap=True)
    for o in page["items"]:
        t.add_row(
            o["id"],
            o["seller_order_id"],
            o["status"],
            "late" if o["late"] else "",
            o["hub"],
            o["regime"],
            (o["expected_at_hub"] or "")[:10],
            o["departure_id"] or "",
        )
    out.print(t)
    if page["next_cursor"]:
        err.print(f"More: --cursor {page['next_cursor']}")
    elif not page["items"]:
        err.print("No orders match.")


@app.command("order")
def order_cmd(
    order_id: Annotated[str, typer.Argument(help="Order id (eo_...).")],
    database_url: DbOpt = None,
) -> None:
    """One order: status, customs (declarations, duty, VAT), container and train (JSON)."""
    from landbridge.ecommerce import service

    print_json(run_db(database_url, lambda s: service.get_order(s, cli_operator(), order_id)))


@app.command("fill")
def fill_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First departure date (default today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last departure date, inclusive (default +30 days).")] = None,
    chart: Annotated[Path | None, typer.Option(help="Also draw the fill of each train (PNG, SVG or PDF).")] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Fill rates per train and per container (operators)."""
    from landbridge.ecommerce import service

    a = parse_date(start, "--from") if start else date.today()
    b = parse_date(end, "--to") if end else a + timedelta(days=30)
    if b < a or (b - a).days > 400:
        raise LandbridgeError("--to must be on or after --from, at most 400 days later.")
    if chart is not None and chart.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise LandbridgeError(f"--chart {chart}: use a .png, .svg or .pdf file name.")
    r = run_db(database_url, lambda s: service.fill_rates(s, cli_operator(), a, b + timedelta(days=1)))
    if chart is not None:
        fill_chart(r, chart)
        err.print(f"Chart written to {chart}.")
    if as_json:
        print_json(r)
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="Trains")
    for name in ("departure", "containers", "parcels", "mean container fill", "train fill (FEU)"):
        t.add_column(name, no_wrap=True)
    for x in r["trains"]:
        t.add_row(
            x["departure_id"],
            str(x["containers"]),
            f"{x['parcels']:,}",
            f"{x['mean_container_fill']:.0%}",
            f"{x['train_fill']:.0%} ({x['train_booked_feu']:g}/{x['train_capacity_feu']:g})",
        )
    out.print(t)
    err.print(f"{len(r['containers'])} containers; --json lists each with its fill by volume and weight.")


@app.command("backlog")
def backlog_cmd(as_json: JsonOpt = False, database_url: DbOpt = None) -> None:
    """Waiting orders per European hub and regime, and how many will be late (operators)."""
    from landbridge.ecommerce import service

    r = run_db(database_url, lambda s: service.backlog(s, cli_operator()))
    if as_json:
        print_json(r)
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("hub", "regime", "orders", "m3", "containers", "oldest ready", "late if next train"):
        t.add_column(name, no_wrap=True)
    for g in r["groups"]:
        t.add_row(
            g["hub"],
            g["regime"],
            f"{g['orders']:,}",
            f"{g['volume_m3']:,.1f}",
            str(g["containers_needed"]),
            g["oldest_ready_at"][:16],
            f"{g['late_if_next_train']:,}",
        )
    out.print(t)


@app.command("forecast")
def forecast_cmd(
    departures: Annotated[int, typer.Option(min=1, max=26, help="How many e-commerce departures ahead.")] = 4,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Containers the next e-commerce departures will need: orders received, backlog, and the flow's expectation."""
    from landbridge.ecommerce import service

    r = run_db(database_url, lambda s: service.forecast(s, cli_operator(), departures))
    if as_json:
        print_json(r)
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    hubs = sorted({h for d in r["departures"] for h in d["containers_needed"]})
    for name in ("departure", "cut-off", "free", *hubs, "left behind"):
        t.add_column(name, no_wrap=True)
    for d in r["departures"]:
        t.add_row(
            d["departure_id"],
            d["cutoff"][:16],
            str(d["free_containers"]),
            *[str(d["containers_needed"].get(h, 0)) for h in hubs],
            str(d["left_behind_containers"]),
        )
    out.print(t)


@app.command("manifests")
def manifests_cmd(
    departure: Annotated[str, typer.Argument(help="Departure id (SERVICE:YYYY-MM-DDTHHMM).")],
    folder: Annotated[Path, typer.Option("--out", help="Folder to write the files to (created).")],
    database_url: DbOpt = None,
) -> None:
    """Manifests of a consolidated departure: per container and per regime (CSV and PDF, with totals), the export
    declaration data per regime and the ICS2 entry summary data."""
    from landbridge.ecommerce.manifests import write_manifests

    if folder.exists() and not folder.is_dir():
        raise LandbridgeError(f"--out {folder} is a file; give a folder.")
    files = run_db(database_url, lambda s: write_manifests(s, departure, folder))
    out.print(f"{len(files)} files written to {folder}.")


def fill_chart(report: dict[str, Any], path: Path) -> None:
    """Per e-commerce departure: the train's booked share of capacity and the mean fill of its containers."""
    matplotlib = require("matplotlib", "charts", "The fill chart")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trains = report["trains"]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.12 * len(trains) + 3), 3.6))
    x = list(range(len(trains)))
    ax.bar(x, [100 * t["train_fill"] for t in trains], color="#2c7fb8", label="train: booked FEU / capacity")
    ax.plot(
        x, [100 * t["mean_container_fill"] for t in trains], "o-", color="#d95f0e", ms=3, label="containers: mean fill"
    )
    step = max(1, len(trains) // 12)
    ax.set_xticks(x[::step], [t["departs_at"][:10] for t in trains][::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(f"E-commerce departures {report['from']} to {report['to']} (exclusive)")
    ax.legend(fontsize=8, loc="upper right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
