"""Commands of the service layer: `landbridge serve`, `landbridge db upgrade|seed|reconcile`,
`landbridge keys create|list|revoke`. Registered on the main app by landbridge.cli."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from landbridge.db.errors import DatabaseError
from landbridge.errors import LandbridgeError

out = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database", help="Database URL (default: LANDBRIDGE_DATABASE_URL, else a SQLite file in your data directory)."
    ),
]


@contextmanager
def _db_errors(db):
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = " Run `landbridge db upgrade` first." if "no such table" in first or "does not exist" in first else ""
        raise DatabaseError(f"Database {db.engine.url.render_as_string(hide_password=True)}: {first}.{hint}") from None


def _database(url: str | None):
    from landbridge.db.engine import get_database

    return get_database(url)


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LandbridgeError(f"{what} {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-01.") from None


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="The database: migrations, departures, consistency.", no_args_is_help=True)
    keys_app = typer.Typer(help="API keys (stored hashed; the token is shown once).", no_args_is_help=True)
    app.add_typer(db_app, name="db")
    app.add_typer(keys_app, name="keys")

    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 8000,
        workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
        database: DbOpt = None,
        migrate: Annotated[
            bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema before serving.")
        ] = True,
        access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
        log_level: Annotated[str, typer.Option(help="critical, error, warning, info or debug.")] = "info",
        loop: Annotated[
            str, typer.Option(help="Event loop: auto (uvloop when installed), asyncio or uvloop.")
        ] = "auto",
        http: Annotated[
            str, typer.Option(help="HTTP parser: auto (httptools when installed), h11 or httptools.")
        ] = "auto",
    ) -> None:
        """Start the HTTP API (OpenAPI at /docs and /openapi.json)."""
        import uvicorn

        from landbridge.migrations import upgrade

        if not 1 <= workers <= 64:
            raise LandbridgeError("--workers must be between 1 and 64.")
        if loop not in ("auto", "asyncio", "uvloop") or http not in ("auto", "h11", "httptools"):
            raise LandbridgeError("--loop must be auto, asyncio or uvloop; --http auto, h11 or httptools.")
        if database:
            os.environ["LANDBRIDGE_DATABASE_URL"] = database
        db = _database(database)
        if migrate:
            with _db_errors(db):
                upgrade(db)
        db.dispose()
        err.print(f"Landbridge API on http://{host}:{port} (docs at /docs), database {db.dialect}, {workers} worker(s)")
        from landbridge.api.server import http_protocol

        try:
            protocol = http_protocol(http)
        except ImportError as exc:
            raise LandbridgeError(str(exc)) from None
        uvicorn.run(
            "landbridge.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_level=log_level,
            loop=loop,
            http=protocol,
        )

    @db_app.command("upgrade")
    def db_upgrade_cmd(database: DbOpt = None) -> None:
        """Create or migrate the schema to the newest revision."""
        from landbridge.migrations import upgrade

        db = _database(database)
        with _db_errors(db):
            rev = upgrade(db)
        out.print(f"[green]Database at revision {rev}[/] ({db.engine.url.render_as_string(hide_password=True)})")

    @db_app.command("seed")
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

        a, b = _date(start, "--from"), _date(end, "--to")
        capacity.check_range(a, b + timedelta(days=1), 731, "seed range")
        db = _database(database)
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

            with _db_errors(db):
                deps, rows = db.write(lambda s: capacity.seed(s, world, a, b + timedelta(days=1), progress))
        out.print(
            f"[green]{deps} rail departures from {a} to {b}[/] with {rows} sections in the database "
            "(sections already there keep their bookings)."
        )

    @db_app.command("reconcile")
    def db_reconcile_cmd(
        database: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
    ) -> None:
        """Check that booked FEU on every section equals the sum of live bookings (exit 2 if not)."""
        from landbridge.booking.capacity import reconcile

        db = _database(database)
        with _db_errors(db):
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

    @keys_app.command("create")
    def keys_create_cmd(
        name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
        role: Annotated[str, typer.Option("--role", help="operator or shipper.")] = "operator",
        customer: Annotated[str | None, typer.Option("--customer", help="Customer id (shipper keys).")] = None,
        database: DbOpt = None,
    ) -> None:
        """Create an API key and print it (once). The first operator key starts here; the rest over the API."""
        from landbridge.accounts.service import create_key

        db = _database(database)
        with _db_errors(db):
            key, token = db.write(lambda s: create_key(s, role, name, customer))
        err.print(f"Created {key.role} key {key.id} ({key.name}). Store the token now; it is not shown again:")
        sys.stdout.write(token + "\n")

    @keys_app.command("list")
    def keys_list_cmd(database: DbOpt = None) -> None:
        """List API keys (ids, roles, customers; never the tokens)."""
        from landbridge.accounts.service import list_keys

        db = _database(database)
        with _db_errors(db):
            keys = db.read(list_keys)
        t = Table("id", "prefix", "role", "name", "customer", "created", "revoked")
        for k in keys:
            t.add_row(
                k.id,
                k.prefix,
                k.role,
                k.name,
                k.customer_id or "",
                k.created_at.isoformat(timespec="seconds"),
                k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            )
        out.print(t)

    @keys_app.command("revoke")
    def keys_revoke_cmd(
        key_id: Annotated[str, typer.Argument(help="Key id (key_...).")], database: DbOpt = None
    ) -> None:
        """Revoke an API key."""
        from landbridge.accounts.service import revoke_key

        db = _database(database)
        with _db_errors(db):
            db.write(lambda s: revoke_key(s, key_id))
        out.print(f"Revoked {key_id}.")
