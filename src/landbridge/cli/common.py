"""What every command module shares: consoles, common options, JSON output, paths, the world, the database."""

from __future__ import annotations

import gc
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from landbridge.errors import LandbridgeError

if TYPE_CHECKING:  # heavy modules load when a command runs, not when the CLI starts
    from pydantic import BaseModel
    from rich.console import Console
    from sqlalchemy.orm import Session

    from landbridge.accounts.service import Principal
    from landbridge.db.engine import Database
    from landbridge.world import World

T = TypeVar("T")

if TYPE_CHECKING:
    out: Console  # tables and messages on stdout
    err: Console  # errors and progress on stderr


def __getattr__(name: str) -> Console:
    """`out` and `err`, made on first use: importing Rich's console costs a `--json` run that prints nothing
    through it about 10 ms."""
    if name not in ("out", "err"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    console = globals()[name] = Console(stderr=True, soft_wrap=True) if name == "err" else Console()
    return console


DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Folder with your own network files (overrides the shipped ones file by file)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database", help="Database URL (default: LANDBRIDGE_DATABASE_URL, else a SQLite file in your data directory)."
    ),
]


def print_json(doc: Any) -> None:
    """JSON on stdout, indented, non-ASCII kept, with anything else (dates, Decimals) as text."""
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def output_path(path: Path, suffixes: tuple[str, ...], option: str = "") -> Path:
    """A file to write: one of `suffixes`, in a folder that exists."""
    label = f"{option} {path}" if option else str(path)
    if path.suffix.lower() not in suffixes:
        raise LandbridgeError(f"{label}: choose a file ending in {', '.join(suffixes)}.")
    if not path.parent.is_dir():
        raise LandbridgeError(f"Folder {path.parent} does not exist; create it or choose another path.")
    return path


M = TypeVar("M", bound="BaseModel")


def validated(model: type[M], options: dict[str, str], **fields: Any) -> M:
    """A request body built from command-line values; a value the schema refuses is an input error naming the
    option (`options` maps a field to its option, e.g. {"callbackUrl": "CALLBACK_URL"})."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        problems = []
        for e in exc.errors()[:5]:
            field = str(e["loc"][0]) if e["loc"] else ""
            where = options.get(field, field)
            problems.append(f"{where}: {e['msg']}" if where else e["msg"])
        raise LandbridgeError("; ".join(problems) + ".") from None


def world(data: Path | None, specs: list[str] | None = None) -> World:
    """The network, timetable and planner for a data folder and scenario specs. The core's modules and the world
    load without the cyclic garbage collector (what they make lives as long as the process; the baseline world
    is then frozen out of the collector's sight: `landbridge.worldcache`), see `landbridge.cli`."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from landbridge.world import load_world, scenario_from_specs

        scenario = scenario_from_specs(specs or [], data)
        return load_world(scenario, data)
    finally:
        if collecting:
            gc.enable()


def database(url: str | None) -> Database:
    """The Database for --database (else LANDBRIDGE_DATABASE_URL, else the SQLite default)."""
    from landbridge.db.engine import get_database

    return get_database(url)


@contextmanager
def db_errors(db: Database) -> Iterator[None]:
    """Turn a driver error into a clear DatabaseError (exit 2), with a hint when the schema is missing."""
    from sqlalchemy.exc import DBAPIError

    from landbridge.db.errors import DatabaseError

    try:
        yield
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = " Run `landbridge db upgrade` first." if "no such table" in first or "does not exist" in first else ""
        url = db.engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"Database {url}: {first}.{hint}") from None


def run_db(url: str | None, fn: Callable[[Session], T], write: bool = False) -> T:
    """Run `fn(session)` in one transaction on the --database, read-only unless `write`."""
    db = database(url)
    with db_errors(db):
        return db.write(fn) if write else db.read(fn)


def cli_operator() -> Principal:
    """The principal of the command line: an operator named `cli:<user>` in audit trails."""
    from landbridge.accounts.service import Principal

    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return Principal(f"cli:{user}"[:32], "operator", None, "command line")
