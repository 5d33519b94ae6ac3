"""The `landbridge` command (Typer + Rich): one module per command group, each thin — it parses, calls the core
or a service, and prints. Modules import only Typer, Rich and light helpers at start; everything heavy loads
inside the command that needs it, so `landbridge --help` answers at once."""

from __future__ import annotations

import typer

from landbridge.cli import (
    bookings,
    db,
    ecommerce,
    emissions,
    keys,
    network,
    ops,
    quote,
    serve,
    simulate,
    timetable,
    worker,
)
from landbridge.cli.common import err
from landbridge.errors import LandbridgeError


def _no_type_for_flags() -> None:
    """Typer's help shows a value type even for on/off flags (`--json <bool>`), which reads as if the flag took
    a value; flags show none."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_no_type_for_flags()

app = typer.Typer(
    help="Landbridge: China–Europe rail freight, from the network to bookings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(network.app, name="network")
app.command("timetable")(timetable.timetable_cmd)
app.command("quote")(quote.quote_cmd)
app.command("serve")(serve.serve_cmd)
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
bookings.app.command("emissions")(emissions.report_cmd)
app.add_typer(bookings.app, name="bookings")
app.add_typer(emissions.app, name="emissions")
app.command("simulate")(simulate.simulate_cmd)
app.command("calibration")(simulate.calibration_cmd)
app.add_typer(ecommerce.app, name="ecommerce")
app.add_typer(ops.app, name="ops")
app.command("worker")(worker.worker_cmd)


def main() -> None:
    """Entry point of the `landbridge` script: input errors print a message and exit 2, without a traceback."""
    try:
        app()
    except LandbridgeError as exc:
        err.print(f"[bold red]Error:[/] {exc}")
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        err.print("Interrupted.")  # outputs are written to temporary files and renamed, so nothing is half-written
        raise SystemExit(130) from None


__all__ = ["app", "main"]
