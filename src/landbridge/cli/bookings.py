"""`landbridge bookings ...`: the operator's desk on the command line, on the same database and service
functions as the API (list, show, status changes with their audit trail, consignment notes, utilisation).
The CLI acts as an operator; its audit events name `cli:<user>` instead of an API key."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from landbridge.cli import emissions
from landbridge.cli.common import DbOpt, JsonOpt, cli_operator, err, out, print_json, run_db
from landbridge.errors import LandbridgeError, require
from landbridge.timefmt import parse_date

app = typer.Typer(
    help="Bookings, as an operator: list, show, change status, consignment notes, utilisation.",
    no_args_is_help=True,
)
#: Booking statuses (kept here so that `--help` needs no database code; a test checks them against the service).
STATUSES = ("received", "pending_update", "confirmed", "rejected", "declined", "cancelled", "completed")
TRANSPORT_STATUSES = ("planned", "in_transit", "delivered")


def _date(text: str | None, what: str, default: date) -> date:
    return default if text is None else parse_date(text, what)


def _status(text: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if text in allowed:
        return text
    close = difflib.get_close_matches(text, list(allowed), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise LandbridgeError(f"Unknown status {text!r}; use one of {', '.join(allowed)}.{hint}")


@app.command("list")
def list_cmd(
    status: Annotated[
        str | None,
        typer.Option(
            help="received, pending_update, confirmed, rejected, declined, cancelled, completed; "
            "or a transport status: planned, in_transit, delivered."
        ),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="One customer's bookings (cus_...).")] = None,
    departure: Annotated[str | None, typer.Option(help="Bookings holding slots on this departure id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Bookings per page (newest first).")] = 20,
    cursor: Annotated[str | None, typer.Option(help="`next_cursor` of the previous page.")] = None,
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """Bookings, newest first, with filters; --cursor pages on."""
    from landbridge.booking import service

    transport = None
    if status:
        _status(status, STATUSES + TRANSPORT_STATUSES)
        if status in TRANSPORT_STATUSES:
            status, transport = None, status
    page = run_db(
        database,
        lambda s: service.list_bookings(
            s,
            cli_operator(),
            status=status,
            customer_id=customer,
            departure_id=departure,
            limit=limit,
            cursor=cursor,
            transport_status=transport,
        ),
    )
    if as_json:
        print_json(page)
        return
    wide = out.width >= 120  # the customer column only where it fits; --json has everything
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name, width in (("booking", 19), ("status", 10), ("boxes", 6), ("departs", 10), ("price", 9)):
        t.add_column(name, no_wrap=True, min_width=width)
    t.add_column("route", min_width=10)
    if wide:
        t.add_column("customer", no_wrap=True)
    for b in page["items"]:
        row = [
            b["id"],
            b["status"],
            f"{b['containers']}x{b['container_type']}",
            b["departure"][:10],
            f"{Decimal(b['price']['total']):,.0f} {b['price']['currency']}",
            f"{b['origin']} → {b['destination']}",
        ]
        t.add_row(*row, *([b["customer_id"]] if wide else []))
    out.print(t)
    if page["next_cursor"]:
        err.print(f"More: --cursor {page['next_cursor']}")
    elif not page["items"]:
        err.print("No bookings match.")


@app.command("show")
def show_cmd(
    booking_id: Annotated[str, typer.Argument(help="Booking id (bk_...).")],
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """One booking: itinerary, reserved slots and the audit trail of its status changes."""
    from landbridge.booking import service

    b = run_db(database, lambda s: service.get_booking(s, cli_operator(), booking_id))
    if as_json:
        print_json(b)
        return
    _show(b)


@app.command("status")
def status_cmd(
    booking_id: Annotated[str, typer.Argument(help="Booking id (bk_...).")],
    to: Annotated[
        str,
        typer.Argument(
            help="confirmed, pending_update, rejected, declined, cancelled, completed; or in_transit / delivered "
            "(the transport status, by hand)."
        ),
    ],
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit trail; at most 500 characters).")] = None,
    database: DbOpt = None,
) -> None:
    """Move a booking along received → confirmed → completed, or reject, decline or cancel it (its capacity
    comes back in the same transaction); in_transit / delivered set the transport status by hand."""
    from landbridge.booking import service

    target = _status(to, [s for s in STATUSES if s != "received"] + ["in_transit", "delivered"])
    if note is not None and len(note) > 500:
        raise LandbridgeError("--note is longer than 500 characters; shorten it.")
    b = run_db(database, lambda s: service.change_status(s, cli_operator(), booking_id, target, note), write=True)
    out.print(
        f"[green]{b['id']} is {b['status']}[/] ({b['containers']} x {b['container_type']}, "
        f"{b['origin']} → {b['destination']})."
    )


@app.command("note")
def note_cmd(
    booking_id: Annotated[str, typer.Argument(help="Booking id (bk_...).")],
    out_file: Annotated[Path, typer.Option("--out", help="PDF file to write.")],
    database: DbOpt = None,
) -> None:
    """Write the CIM/SMGS consignment note of a booking as a PDF."""
    from landbridge.booking import service
    from landbridge.booking.consignment import consignment_note_pdf

    if out_file.suffix.lower() != ".pdf":
        raise LandbridgeError(f"--out {out_file} must end in .pdf.")
    if not out_file.parent.is_dir():
        raise LandbridgeError(f"Folder {out_file.parent} does not exist; create it or choose another --out.")
    b = run_db(database, lambda s: service.get_booking(s, cli_operator(), booking_id))
    out_file.write_bytes(consignment_note_pdf(b))
    out.print(f"Consignment note of {b['id']} written to {out_file}.")


@app.command("utilisation")
def utilisation_cmd(
    start: Annotated[str | None, typer.Option("--from", help="First departure date (default today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last departure date, inclusive (default +30 days).")] = None,
    corridor: Annotated[str | None, typer.Option(help="Only this corridor.")] = None,
    chart: Annotated[Path | None, typer.Option(help="Also draw utilisation per corridor (PNG, SVG or PDF).")] = None,
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """Booked over capacity per corridor for departures leaving in a date range."""
    from landbridge.booking import capacity

    a = _date(start, "--from", date.today())
    b = _date(end, "--to", a + timedelta(days=30))
    try:
        capacity.check_range(a, b + timedelta(days=1), 366, "date range")
    except LandbridgeError as exc:
        raise LandbridgeError(f"{exc} (--from {a}, --to {b})") from None
    if chart is not None and chart.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise LandbridgeError(f"--chart {chart}: use a .png, .svg or .pdf file name.")
    report = run_db(database, lambda s: capacity.utilisation(s, a, b + timedelta(days=1), corridor, 1000))
    if corridor and not report["corridors"]:
        raise LandbridgeError(
            f"No seeded departures on corridor {corridor!r} from {a} to {b}; "
            "see `landbridge bookings utilisation` without --corridor for the corridors."
        )
    if as_json:
        print_json(report)
    else:
        t = Table("corridor", "departures", "section capacity FEU", "booked FEU", "utilisation")
        for c in report["corridors"]:
            t.add_row(
                c["corridor"],
                str(c["departures"]),
                f"{c['section_capacity_feu']:,.0f}",
                f"{c['section_booked_feu']:,.1f}",
                f"{100 * c['utilisation']:.1f} %",
            )
        out.print(t)
        if not report["corridors"]:
            err.print(f"No seeded departures from {a} to {b}: run `landbridge db seed --from {a} --to {b}`.")
    if chart is not None:
        if not report["corridors"]:
            raise LandbridgeError("Nothing to draw: no seeded departures in the range.")
        utilisation_chart(report, chart)
        err.print(f"Chart written to {chart}.")


def _show(b: dict[str, Any]) -> None:
    out.print(
        f"[bold]{b['id']}[/]  {b['status']} / {b['transport_status']}  customer {b['customer_id']}  "
        f"reference {b['reference'] or '-'}"
    )
    out.print(
        f"{b['containers']} x {b['container_type']} ({b['feu']:g} FEU), {b['origin']} → {b['destination']}, "
        f"departs {b['departure']}, arrives {b['arrival']}; "
        f"{Decimal(b['price']['total']):,.2f} {b['price']['currency']}"
    )
    goods = b["shipment"]["goods"]
    out.print(
        f"Goods: {goods['description']} (HS {goods['hs_code']}), {goods['mass_kg']:,.0f} kg"
        + (f", UN {goods['dangerous_goods']['un_number']}" if goods.get("dangerous_goods") else "")
    )
    legs = Table("mode", "from", "to", "departs", "service / departure")
    for leg in b["itinerary"].get("legs", []):
        legs.add_row(
            leg["mode"],
            leg["from"],
            leg["to"],
            str(leg.get("departure", ""))[:16].replace("T", " "),
            leg.get("departure_id") or leg.get("service") or "",
        )
    out.print(legs)
    slots = Table("departure", "sections", "FEU")
    for r in b["reservations"]:
        slots.add_row(r["departure_id"], f"{r['board_stop']}–{r['alight_stop']}", f"{r['feu']:g}")
    out.print(slots)
    trail = Table("at (UTC)", "of", "from", "to", "by", "note")
    for e in b["events"]:
        trail.add_row(
            e["at"][:19].replace("T", " "),
            "transport" if e.get("field") == "transport_status" else "booking",
            e["from_status"] or "",
            e["to_status"],
            f"{e['actor_role']} {e['api_key_id'] or e.get('tracking_event_id') or ''}".strip(),
            e["note"] or "",
        )
    out.print(trail)


def utilisation_chart(report: dict[str, Any], path: Path) -> None:
    """Horizontal bars: booked share of section capacity per corridor."""
    matplotlib = require("matplotlib", "charts", "The utilisation chart")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(report["corridors"], key=lambda c: c["utilisation"])
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.6))
    names = [c["corridor"] for c in rows]
    shares = [100 * c["utilisation"] for c in rows]
    ax.barh(names, [100] * len(rows), color="#e8ecf1")
    ax.barh(names, shares, color="#c0392b")
    for y, c in enumerate(rows):
        ax.text(
            min(100 * c["utilisation"], 100) + 1,
            y,
            f"{100 * c['utilisation']:.1f} %  "
            f"({c['section_booked_feu']:,.0f} of {c['section_capacity_feu']:,.0f} FEU-sections, "
            f"{c['departures']} departures)",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 160)  # room for the labels right of the bars
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("booked share of section capacity (%)")
    ax.set_title(f"Rail capacity booked, departures {report['from']} to {report['to']} (exclusive)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


# `landbridge bookings emissions ID`, the ISO 14083 report of one booking, lives with the other emission reports.
app.command("emissions")(emissions.report_cmd)
