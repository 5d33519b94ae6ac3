"""`landbridge db upgrade|seed|reconcile`: the schema, the departures and their capacity, consistency checks."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from landbridge.cli.common import DbOpt, db_errors, err, out
from landbridge.cli.common import database as database_for
from landbridge.errors import LandbridgeError
from landbridge.timefmt import parse_date

app = typer.Typer(help="The database: migrations, departures, consistency.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade_cmd(database: DbOpt = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from landbridge.migrations import upgrade

    db = database_for(database)
    with db_errors(db):
        rev = upgrade(db)
    out.print(f"[green]Database at revision {rev}[/] ({db.engine.url.render_as_string(hide_password=True)})")


@app.command("seed")
def db_seed_cmd(
    start: Annotated[str, typer.Option("--from", help="First departure date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last departure date (inclusive), YYYY-MM-DD.")],
    database: DbOpt = None,
) -> None:
    """Load the default network's rail departures (their sections and capacity) for a date range."""
    from datetime import timedelta

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from landbridge.booking import capacity
    from landbridge.world import load_world

    a, b = parse_date(start, "--from"), parse_date(end, "--to")
    capacity.check_range(a, b + timedelta(days=1), 731, "seed range")
    db = database_for(database)
    world = load_world()
    with Progress(
        TextColumn("[bold]Seeding departures"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("seed", total=None)

        def progress(n: int, total: int) -> None:
            bar.update(task, completed=n, total=total)

        with db_errors(db):
            deps, rows = db.write(lambda s: capacity.seed(s, world, a, b + timedelta(days=1), progress))
    out.print(
        f"[green]{deps} rail departures from {a} to {b}[/] with {rows} sections in the database "
        "(sections already there keep their bookings)."
    )


@app.command("reconcile")
def db_reconcile_cmd(
    database: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Check that booked FEU on every section equals the sum of live bookings (exit 2 if not)."""
    from landbridge.booking.capacity import reconcile

    db = database_for(database)
    with db_errors(db):
        report = db.read(reconcile)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        out.print(
            f"{report['sections_checked']} sections checked: "
            + ("[green]consistent[/]" if report["ok"] else f"[red]{len(report['mismatches'])} mismatches[/]")
        )
    if not report["ok"]:
        raise LandbridgeError("Booked capacity does not match the live bookings; see the report.")
