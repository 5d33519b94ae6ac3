"""`landbridge ops ...`: operators' tracking commands — record an event, import a CSV file of events, replay a
twin run as a live feed to a running server, manage webhook subscriptions, and rebuild the arrival model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from landbridge.cli.common import DbOpt, JsonOpt, cli_operator, err, out, print_json, run_db, validated
from landbridge.errors import LandbridgeError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(
    help="Tracking for operators: events, CSV import, live replay of a twin run, webhooks, the arrival model.",
    no_args_is_help=True,
)


def _report(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
    else:
        out.print(
            f"[green]{result['created']} created[/], {result['duplicates']} duplicate(s), "
            f"{result['rejected']} rejected."
        )
        for r in result["results"]:
            if r["status"] == "rejected":
                e = r["errors"][0]
                err.print(f"  event {r['index']} ({r['eventID']}): {e['field']}: {e['message']}")
    if result["rejected"]:
        raise typer.Exit(2)


@app.command("event")
def event_cmd(
    event_type: Annotated[str, typer.Argument(help="TRANSPORT, EQUIPMENT or SHIPMENT.")],
    code: Annotated[str, typer.Argument(help="DEPA, ARRI (transport); GTIN, LOAD, DISC, GTOT... (equipment).")],
    at: Annotated[str, typer.Option("--at", help="When it happened: ISO 8601 with offset, e.g. 2026-12-07T08:00Z.")],
    event_id: Annotated[str | None, typer.Option("--id", help="Event id (default: a new one).")] = None,
    departure: Annotated[str | None, typer.Option(help="The train: departure id SERVICE:YYYY-MM-DDTHHMM.")] = None,
    place: Annotated[str | None, typer.Option(help="Place id (e.g. malaszewicze) where it happened.")] = None,
    unlocode: Annotated[str | None, typer.Option(help="UN/LOCODE where it happened (instead of --place).")] = None,
    container: Annotated[str | None, typer.Option(help="ISO 6346 container number (equipment events).")] = None,
    empty: Annotated[bool, typer.Option("--empty", help="The container is empty (default laden).")] = False,
    transshipment: Annotated[
        bool, typer.Option("--transshipment", help="A transshipment move (gauge change).")
    ] = False,
    booking: Annotated[str | None, typer.Option(help="Booking id (shipment events).")] = None,
    classifier: Annotated[str, typer.Option(help="ACT (actual), EST (estimated) or PLN (planned).")] = "ACT",
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """Record one event, as a terminal or railway would send it (same rules as POST /v1/events)."""
    from landbridge.db.base import new_id
    from landbridge.tracking import service
    from landbridge.tracking.csvio import event_from_flat

    flat = {
        "eventID": event_id or new_id("ev"),
        "eventType": event_type.upper(),
        "eventClassifierCode": classifier,
        "eventDateTime": at,
        "eventTypeCode": code,
        "departureID": departure or "",
        "placeID": place or "",
        "UNLocationCode": unlocode or "",
        "equipmentReference": container or "",
        "emptyIndicatorCode": ("EMPTY" if empty else "LADEN") if container else "",
        "isTransshipmentMove": "true" if transshipment else "",
        "documentTypeCode": "BKG" if booking else "",
        "documentReference": booking or "",
    }
    ev = event_from_flat(flat)
    result = run_db(database, lambda s: service.ingest(s, cli_operator(), [ev]), write=True)
    if not as_json and result["created"]:
        out.print(f"Event {flat['eventID']} recorded.")
        return
    _report(result, as_json)


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="CSV file of events (columns in docs/tracking.md).")],
    atomic: Annotated[bool, typer.Option("--atomic", help="Reject the whole file if any event is bad.")] = False,
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """Import events from a CSV file: bad rows are reported, the others applied (or none, with --atomic)."""
    from landbridge.tracking import service
    from landbridge.tracking.csvio import events_from_csv
    from landbridge.tracking.service import BatchRejectedError

    if not path.is_file():
        raise LandbridgeError(f"{path} is not a file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LandbridgeError(f"{path} is not UTF-8 text.") from None
    events = events_from_csv(text)
    try:
        result = run_db(database, lambda s: service.ingest(s, cli_operator(), events, atomic=atomic), write=True)
    except BatchRejectedError as exc:
        for r in exc.errors:
            e = r["errors"][0]
            err.print(f"  row {r['index'] + 2} ({r['eventID']}): {e['field']}: {e['message']}")
        raise
    _report(result, as_json)


@app.command("replay")
def replay_cmd(
    run: Annotated[Path, typer.Option("--run", help="A `landbridge simulate` output folder (with movements.csv).")],
    url: Annotated[str, typer.Option(help="The running server.")] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None, typer.Option(envvar="LANDBRIDGE_API_KEY", help="An operator key (or LANDBRIDGE_API_KEY).")
    ] = None,
    speed: Annotated[
        str, typer.Option(help="Simulated seconds per real second, e.g. 3600x; `max` for no waits.")
    ] = "3600x",
    bookings_only: Annotated[
        bool, typer.Option("--bookings-only/--all-trains", help="Only trains that carry bookings on the server.")
    ] = True,
    equipment: Annotated[
        bool, typer.Option("--equipment/--no-equipment", help="Also the booked containers' events.")
    ] = True,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Events per request.")] = 500,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many events.")] = None,
) -> None:
    """Turn a twin run into a live feed: the simulated movements of trains (and their booked containers) are
    posted to a running server as DCSA events, in event time, paced by --speed."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from landbridge.tracking.replay import ReplayClient, build_feed, pace, read_movements

    if not key:
        raise LandbridgeError("Give an operator key: --key lb_... or LANDBRIDGE_API_KEY.")
    factor = _speed(speed)
    rows = read_movements(run)
    client = ReplayClient(url, key)
    try:
        booked = client.booked_equipment() if (bookings_only or equipment) else {}
        feed = build_feed(rows, booked if bookings_only else None, with_equipment=equipment)
        if limit:
            feed = feed[:limit]
        if not feed:
            raise LandbridgeError(
                "Nothing to replay: no train of this run carries a booking on the server. Book on the run's "
                "departures, or use --all-trains."
            )
        totals = {"created": 0, "duplicates": 0, "rejected": 0}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=err,
        ) as progress:
            task = progress.add_task("replaying", total=len(feed))
            for chunk in pace(feed, factor, batch):
                res = client.post(chunk)
                for k in totals:
                    totals[k] += res[k]
                progress.update(
                    task, advance=len(chunk), description=f"replaying {chunk[-1]['payload']['eventDateTime']}"
                )
    finally:
        client.close()
    out.print(
        f"Replayed {len(feed)} events: {totals['created']} created, {totals['duplicates']} duplicates, "
        f"{totals['rejected']} rejected."
    )


def _speed(text: str) -> float | None:
    t = text.strip().lower()
    if t in ("max", "0", "0x"):
        return None
    try:
        v = float(t.rstrip("x"))
    except ValueError:
        raise LandbridgeError(f"--speed {text!r}: write a factor like 3600x (an hour a second) or max.") from None
    if v <= 0:
        raise LandbridgeError("--speed must be positive (or max).")
    return v


@app.command("eta-fit")
def eta_fit_cmd(
    out_file: Annotated[
        Path, typer.Option("--out", help="Model file to write (the shipped one: src/landbridge/data/eta_model.json).")
    ],
    seeds: Annotated[list[int], typer.Option("--seed", help="Twin runs to learn from (repeat).")] = [1001, 1002],  # noqa: B006
    start: Annotated[str, typer.Option(help="First day of the runs.")] = "2026-01-01",
    days: Annotated[int, typer.Option(min=30, max=3660, help="Days per run.")] = 365,
    recorded: Annotated[
        bool, typer.Option("--recorded/--no-recorded", help="Also the actual events in the database.")
    ] = False,
    database: DbOpt = None,
) -> None:
    """Rebuild the arrival model from twin runs (and recorded actual events): the explicit, reproducible way the
    shipped eta_model.json is made; the file records its inputs."""
    from landbridge.timefmt import parse_date
    from landbridge.tracking.fitting import fit_model
    from landbridge.tracking.predictor import model_file_text

    if out_file.suffix != ".json" or not out_file.parent.is_dir():
        raise LandbridgeError(f"--out {out_file}: give a .json file in an existing folder.")
    rec_rows = None
    if recorded:
        from landbridge.tracking.fitting import recorded_movements

        rec_rows = run_db(database, recorded_movements)
    model = fit_model(seeds, parse_date(start, "--start"), days, rec_rows, progress=err.print)
    out_file.write_text(model_file_text(model), encoding="utf-8")
    out.print(
        f"Model {model.version}: {model.meta['bands']} bands from {model.meta['observations']:,} positions "
        f"-> {out_file}"
    )


# ---- webhooks --------------------------------------------------------------------------------------
@app.command("subscribe")
def subscribe_cmd(
    callback_url: Annotated[str, typer.Argument(help="https URL that receives the events.")],
    customer: Annotated[str | None, typer.Option(help="For this customer's bookings (default: every booking).")] = None,
    event_type: Annotated[
        list[str] | None, typer.Option("--type", help="TRANSPORT, EQUIPMENT, SHIPMENT (repeat).")
    ] = None,
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only these codes, e.g. DEPA, GTOT (repeat).")
    ] = None,
    booking: Annotated[str | None, typer.Option(help="Only this booking.")] = None,
    as_json: JsonOpt = False,
    database: DbOpt = None,
) -> None:
    """Create a webhook subscription; prints its signing secret once."""
    from landbridge.accounts.service import Principal
    from landbridge.tracking import webhooks
    from landbridge.tracking.schemas import SubscriptionIn

    body = validated(
        SubscriptionIn,
        {"callbackUrl": "CALLBACK_URL", "eventTypes": "--type", "eventTypeCodes": "--code", "bookingID": "--booking"},
        callbackUrl=callback_url,
        eventTypes=[t.upper() for t in event_type] if event_type else ["TRANSPORT", "EQUIPMENT", "SHIPMENT"],
        eventTypeCodes=[c.upper() for c in code or []],
        bookingID=booking,
    )
    op = cli_operator()
    who = Principal(op.key_id, "shipper", customer, op.name) if customer else op
    doc = run_db(database, lambda s: webhooks.create_subscription(s, who, body), write=True)
    if as_json:
        print_json(doc)
        return
    out.print(f"Subscription {doc['subscriptionID']} -> {doc['callbackUrl']}")
    err.print("Signing secret (shown once; keep it where your receiver can read it):")
    print(doc["secret"])


@app.command("subscriptions")
def subscriptions_cmd(as_json: JsonOpt = False, database: DbOpt = None) -> None:
    """Active webhook subscriptions, with their backlog of deliveries."""
    from landbridge.tracking import webhooks

    def work(s: Session) -> dict[str, Any]:
        return {"subscriptions": webhooks.list_subscriptions(s, cli_operator()), "deliveries": webhooks.backlog(s)}

    doc = run_db(database, work)
    if as_json:
        print_json(doc)
        return
    for sub in doc["subscriptions"]:
        out.print(f"{sub['subscriptionID']}  {sub['callbackUrl']}  {','.join(sub['eventTypes'])}")
    out.print("deliveries: " + ", ".join(f"{k} {v}" for k, v in sorted(doc["deliveries"].items())) or "none")


@app.command("replay-dead")
def replay_dead_cmd(
    subscription: Annotated[str, typer.Argument(help="Subscription id (sub_...).")], database: DbOpt = None
) -> None:
    """Send a subscription's dead-lettered deliveries again."""
    from landbridge.tracking import webhooks

    n = run_db(database, lambda s: webhooks.replay_dead(s, cli_operator(), subscription), write=True)
    out.print(f"{n} dead-lettered deliveries queued again.")
