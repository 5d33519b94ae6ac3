"""The `landbridge` command (Typer + Rich): one module per command group, each thin — it parses, calls the core
or a service, and prints. Modules import only Typer, Rich and light helpers at start; everything heavy loads
inside the command that needs it, so `landbridge --help` answers at once.

`main()` builds only the command it is asked for when the first argument names one exactly (`landbridge quote
...` neither imports nor introspects the other fifty commands: Typer works out every parameter of every
registered command before running one); anything else (`--help`, a misspelt command, shell completion) gets the
whole app, so help and did-you-mean are unchanged.

Start-up runs without the cyclic garbage collector: importing Typer, the command's module, the core and loading
the world make a few hundred thousand objects that live as long as the process, and the collector's passes over
them (about a hundred, most of them during imports) cost a cold quote about 6 % of its CPU time. `main()` pauses
it until the command starts (`_root`: what was loaded is moved out of its sight with `gc.freeze()`, then it runs
again) and `cli.common.world()` while it imports the core and loads the world (the baseline world is frozen too:
`landbridge.worldcache`). Reference counting frees what is dropped meanwhile; cycles made then are collected at
the collector's next pass."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from landbridge.errors import LandbridgeError

if TYPE_CHECKING:  # Typer itself loads in build_app(), inside main()'s start-up pause (see above)
    import typer

# Every top-level command, in the order `landbridge --help` lists them: name, module of landbridge.cli, and the
# module's Typer group ("app") or command function.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("network", "network", "app"),
    ("timetable", "timetable", "timetable_cmd"),
    ("quote", "quote", "quote_cmd"),
    ("serve", "serve", "serve_cmd"),
    ("db", "db", "app"),
    ("keys", "keys", "app"),
    ("bookings", "bookings", "app"),
    ("emissions", "emissions", "app"),
    ("simulate", "simulate", "simulate_cmd"),
    ("calibration", "simulate", "calibration_cmd"),
    ("ecommerce", "ecommerce", "app"),
    ("ops", "ops", "app"),
    ("worker", "worker", "worker_cmd"),
)


def _no_type_for_flags() -> None:
    """Typer's help shows a value type even for on/off flags (`--json <bool>`), which reads as if the flag took
    a value; flags show none. (Once per process: build_app.)"""
    from typer.core import TyperOption

    if getattr(TyperOption.display_type_rich, "landbridge", False):
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.landbridge = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


# "paused": set by main() when it paused the collector for start-up; the command's callback resumes it.
_STARTUP = {"paused": False}


def _root() -> None:
    """Runs before every command: it keeps the app a group of commands even when it holds only one, and ends
    the start-up pause of the collector (see the module's docstring)."""
    if _STARTUP["paused"]:
        _STARTUP["paused"] = False
        gc.freeze()  # Typer, pydantic and the command's module live as long as the process
        gc.enable()


def build_app(names: Sequence[str] | None = None) -> typer.Typer:
    """The `landbridge` app with the commands `names` (all of them when None), importing only their modules."""
    import typer

    _no_type_for_flags()
    root = typer.Typer(
        help="Landbridge: China–Europe rail freight, from the network to bookings.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    root.callback()(_root)
    for name, module_name, attribute in COMMANDS:
        if names is not None and name not in names:
            continue
        target = getattr(importlib.import_module(f"landbridge.cli.{module_name}"), attribute)
        if isinstance(target, typer.Typer):
            root.add_typer(target, name=name)
        else:
            root.command(name)(target)
    return root


def _whole_app() -> typer.Typer:
    whole: typer.Typer | None = globals().get("app")
    if whole is None:
        whole = globals()["app"] = build_app()
    return whole


def __getattr__(name: str) -> typer.Typer:
    """`landbridge.cli.app`, the whole app, built on first use (`python -m landbridge.cli quote` never needs it)."""
    if name == "app":
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _app_for(args: Sequence[str]) -> typer.Typer:
    """Only the command named by the first argument, when it names one exactly and no shell is asking for
    completions; else the whole app."""
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    if args and not completing and any(args[0] == name for name, _, _ in COMMANDS):
        return build_app([args[0]])
    return _whole_app()


def main() -> None:
    """Entry point of the `landbridge` script: input errors print a message and exit 2, without a traceback."""
    # numpy's OpenBLAS starts a thread per core when numpy is imported, about 0.1 s of CPU in a short command such
    # as a quote; Landbridge's numpy is elementwise (no linear algebra), so one BLAS thread unless the user sets it.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if gc.isenabled():
        gc.disable()  # until the command starts (_root), see the module's docstring
        _STARTUP["paused"] = True
    try:
        _app_for(sys.argv[1:])()
    except LandbridgeError as exc:
        from landbridge.cli.common import err

        err.print(f"[bold red]Error:[/] {exc}")
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        from landbridge.cli.common import err

        err.print("Interrupted.")  # outputs are written to temporary files and renamed, so nothing is half-written
        raise SystemExit(130) from None
    finally:
        if _STARTUP["paused"]:  # no command ran (help, a usage error)
            _STARTUP["paused"] = False
            gc.enable()


__all__ = ["COMMANDS", "app", "build_app", "main"]
