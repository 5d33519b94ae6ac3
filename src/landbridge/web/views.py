"""Read-only endpoints the web app's pages need (the network for the map, place suggestions, route geometry,
train positions by schedule) and simulation jobs with progress. Translation only: the rules live in the core
(network, timetable, planner, simulation) and in web.geo / web.jobs."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.accounts.dependencies import Caller, Operator
from landbridge.booking import capacity
from landbridge.db.dependencies import DB
from landbridge.errors import FieldError, LandbridgeError, NotFoundError
from landbridge.network.search import KIND_PRIORITY, normalise
from landbridge.timefmt import iso_utc
from landbridge.web import geo
from landbridge.web.jobs import Jobs
from landbridge.web.schemas import GeometryIn, PlaceOut, SimulationIn, SimulationOut
from landbridge.world import World

router = APIRouter(prefix="/v1")
QUOTABLE = ("city", "hub", "terminal", "port", "airport")


def _world() -> World:
    from landbridge.world import load_world

    return load_world()


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@lru_cache(maxsize=4)
def _network_body(world_id: int) -> tuple[bytes, bytes, str]:
    world = _world()
    raw = json.dumps(geo.network_features(world.network, world.timetable), separators=(",", ":")).encode()
    import hashlib

    return raw, gzip.compress(raw, 6), '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


@router.get("/network", tags=["network"], responses={200: {"content": {"application/geo+json": {}}}})
def network(request: Request, p: Caller) -> Response:
    """The network as GeoJSON for maps: places, rail links, border crossings (`gauge_change`), sea and air
    routes, each with the `services` and `corridors` that use it and their `trains_per_week`; plus `corridors`
    and `services` (name, mode, corridor, operator, trains a week, capacity)."""
    raw, packed, etag = _network_body(id(_world()))
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300", "Vary": "Accept-Encoding, Authorization"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type="application/geo+json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(raw, media_type="application/geo+json", headers=headers)


@router.get("/places", response_model=list[PlaceOut], tags=["network"])
def places(
    p: Caller,
    q: Annotated[str, Query(min_length=1, max_length=100, description="What the user typed.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    kind: Annotated[str | None, Query(max_length=20, description="Only places of this kind.")] = None,
) -> list[dict[str, Any]]:
    """Places to quote from or to whose name, id, alias or code starts with (or contains) `q`: cities and hubs
    first, then terminals, ports and airports."""
    needle = normalise(q)
    if not needle:
        return []
    ranked = []
    for pl in _world().network.places.values():
        if pl.kind not in QUOTABLE or (kind and pl.kind != kind):
            continue
        keys = [normalise(k) for k in (pl.name, pl.id, *pl.aliases, pl.unlocode or "", pl.iata or "") if k]
        if any(k.startswith(needle) for k in keys):
            rank = 0
        elif any(needle in k for k in keys):
            rank = 1
        else:
            continue
        ranked.append(((rank, KIND_PRIORITY.get(pl.kind, 9), pl.name), pl))
    ranked.sort(key=lambda x: x[0])
    return [
        {"id": pl.id, "name": pl.name, "kind": pl.kind, "country": pl.country, "unlocode": pl.unlocode}
        for _, pl in ranked[:limit]
    ]


@router.get("/catalog", tags=["network"])
def catalog(p: Caller) -> dict[str, Any]:
    """What the forms offer: container and cargo types, currencies, what scenarios can name (border crossings,
    corridors, countries on the rail network) and the columns of an e-commerce order file."""
    from landbridge.ecommerce.validate import OPTIONAL, REQUIRED

    world = _world()
    net = world.network
    return {
        "order_file_columns": {"required": list(REQUIRED), "optional": list(OPTIONAL)},
        "container_types": [
            {"id": c.id, "name": c.name, "teu": c.teu, "max_payload_kg": c.max_payload_kg}
            for c in world.catalog.containers.values()
        ],
        "cargo_types": [
            {"id": c.id, "name": c.name, "un_number": c.un_number, "winter_sensitive": c.winter_sensitive}
            for c in world.catalog.cargo_types.values()
        ],
        "crossings": [
            {"id": c.id, "name": c.name, "gauge_change": c.is_gauge_change, "mode": c.mode} for c in net.crossings
        ],
        "corridors": sorted(world.timetable.corridors),
        "currencies": sorted(world.planner.rates.currencies) if world.planner.rates else [world.planner.currency],
        "countries": sorted({pl.country for pl in net.places.values() if pl.gauge_mm}),
    }


@router.post("/geometry", tags=["network"])
def geometry(body: GeometryIn, p: Caller) -> dict[str, Any]:
    """The lines of an itinerary's legs (as quote options and bookings give them) for drawing on a map."""
    world = _world()
    for n, leg in enumerate(body.legs):
        for field, place in (("from", leg.from_), ("to", leg.to)):
            if place not in world.network.places:
                raise FieldError(f"legs.{n}.{field}", f"Unknown place id {place!r}; give a place id as quotes do.")
        if leg.service is not None and leg.mode in ("rail", "sea") and leg.service not in world.timetable.by_id:
            raise FieldError(f"legs.{n}.service", f"Unknown service {leg.service!r}.")
    legs = [leg.model_dump(by_alias=True) for leg in body.legs]
    return geo.itinerary_geojson(legs, world.network, world.timetable)


@router.get("/departures/{departure_id}/position", tags=["departures"])
def position(departure_id: str, p: Caller, at: datetime | None = None) -> dict[str, Any]:
    """Where the train of a departure is at `at` (default now) by its schedule (`basis: schedule`)."""
    world = _world()
    dep = capacity.departure(world, departure_id)
    return geo.train_position(world.network, dep, _aware(at))


@router.get("/operator/trains", tags=["operators"])
def trains_in_transit(
    db: DB,
    p: Operator,
    at: datetime | None = None,
    corridor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
) -> dict[str, Any]:
    """Rail trains on the way at `at` (default now) by their schedule, with where they are (at the place of
    their latest actual transport event up to `at` when tracking has one, `basis: tracked`; else by the schedule)
    and the FEU booked on them (for departures the booking service holds)."""
    world = _world()
    when = _aware(at)
    if not date(2000, 1, 1) <= when.date() <= date(2100, 1, 1):
        raise FieldError("at", "at must be a date-time from 2000-01-01 to 2100-01-01.")
    longest = max((s.transit_hours for s in world.timetable.services if s.mode == "rail"), default=0.0)
    first = (when - timedelta(hours=longest + 24)).date()
    booked = {
        d["departure_id"]: d
        for d in db.read(
            lambda s: capacity.utilisation(s, first, when.date() + timedelta(days=1), corridor, 5000)["departures"]
        )
    }
    out = []
    for dep, _i, _j in world.timetable.departures(first, when.date() + timedelta(days=1), mode="rail"):
        if corridor and dep.service.corridor != corridor:
            continue
        if not dep.departure <= when < dep.arrival:
            continue
        pos = geo.train_position(world.network, dep, when)
        b = booked.get(dep.id)
        pos.update(
            service_name=dep.service.name,
            corridor=dep.service.corridor,
            departure=iso_utc(dep.departure),
            arrival=iso_utc(dep.arrival),
            booked_feu=b["booked_feu"] if b else None,
            capacity_feu=b["capacity_feu"] if b else min(sec.capacity_feu for sec in dep.service.sections),
        )
        out.append(pos)
        if len(out) >= limit:
            break
    tracked = db.read(lambda s: geo.tracked_positions(s, [t["departure_id"] for t in out], when))
    for t in out:
        hit = tracked.get(t["departure_id"])
        if hit is not None and hit["place_id"] in world.network.places:
            place = world.network.places[hit["place_id"]]
            t.update(
                basis="tracked",
                state="left" if hit["event"] == "DEPA" else "at",
                place=place.id,
                place_name=place.name,
                lon=place.lon,
                lat=place.lat,
                tracked_event=hit["event"],
                tracked_at=hit["at"],
            )
    return {
        "at": iso_utc(when),
        "count": len(out),
        "tracked": sum(1 for t in out if t["basis"] == "tracked"),
        "trains": out,
    }


# ---- simulation jobs ------------------------------------------------------------------------
def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.simulations
    return jobs


@router.post(
    "/operator/simulations",
    status_code=202,
    response_model=SimulationOut,
    tags=["simulations"],
    responses={409: {"description": "A simulation is still running on this server."}},
)
def start_simulation(body: SimulationIn, request: Request, p: Operator) -> dict[str, Any]:
    """Operators: run the digital twin on a scenario (and the baseline, to compare) in the background. Poll
    `GET /v1/operator/simulations/{id}` for `progress` (0 to 1) and, when `status` is done, the KPIs of each run and
    the comparison. One simulation runs at a time per server (409 while one runs)."""
    from landbridge.world import scenario_from_specs

    try:
        scenario_from_specs(body.scenario)
    except LandbridgeError as exc:
        raise FieldError("scenario", str(exc)) from None
    start = body.start or date(date.today().year, 1, 1)
    return _jobs(request).submit(body.scenario, start, body.days, body.seed, body.compare_baseline).out()


@router.get(
    "/simulations/latest",
    tags=["simulations"],
    responses={404: {"description": "No simulation has finished on this server yet."}},
)
def latest_simulation(request: Request, p: Caller) -> dict[str, Any]:
    """The latest finished simulation on this server: its scenario and, per run, the headline KPIs and the
    border crossings' queues (what the network map shows). 404 when none has run since the server started."""
    job = _jobs(request).latest_done()
    if job is None:
        raise NotFoundError("No simulation has finished on this server yet; an operator can run one (Scenarios).")
    return job.out()


@router.get("/operator/simulations/{job_id}", response_model=SimulationOut, tags=["simulations"])
def get_simulation(job_id: str, request: Request, p: Operator) -> dict[str, Any]:
    """A simulation job: `status`, `progress`, `phase`; when done, `runs` (label, KPIs) and `comparison`."""
    return _jobs(request).get(job_id).out()


# ---- e-commerce order files -------------------------------------------------------------------
MAX_ORDER_FILE_BYTES = 32 * 1024 * 1024
ORDER_FILE_TYPES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


@router.post(
    "/ecommerce/order-files",
    tags=["e-commerce"],
    status_code=201,
    max_body_size=MAX_ORDER_FILE_BYTES,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
    responses={422: {"description": "Bad rows: every bad row (line, field, value, reason); nothing imported."}},
)
async def upload_order_file(
    request: Request,
    db: DB,
    p: Caller,
    filename: Annotated[str, Query(min_length=1, max_length=200, description="The file's name (its type).")],
    seller_id: Annotated[str | None, Query(max_length=32, description="Operators: the seller.")] = None,
    skip_invalid: bool = False,
) -> Any:
    """An order file as the request body (CSV, JSON Lines or Parquet, as `landbridge ecommerce import`): every
    row validated; with bad rows nothing is imported (422 with every bad row: line, field, value, reason) unless
    `skip_invalid`, which imports the valid rows and lists the rejected ones. Orders already imported are never
    duplicated; changed ones are reported, not overwritten."""
    import tempfile
    from pathlib import Path

    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    from landbridge.ecommerce.imports import ImportReport, import_table
    from landbridge.ecommerce.orderfile import read_order_file
    from landbridge.ecommerce.service import seller_for

    suffix = Path(filename).suffix.lower()
    if suffix not in ORDER_FILE_TYPES:
        raise FieldError("filename", f"Unknown file type {suffix or '(none)'!r}; give a .csv, .jsonl or .parquet file.")
    raw = await request.body()
    if not raw:
        raise FieldError("body", "The file is empty.")

    def work() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="landbridge-upload-") as tmp:
            path = Path(tmp) / f"orders{suffix}"
            path.write_bytes(raw)
            f = read_order_file(path)

            def imp(s: Session) -> ImportReport:
                return import_table(
                    s,
                    f.table,
                    lines=f.lines,
                    seller_id=seller_for(s, p, seller_id),
                    source=filename,
                    actor=p.key_id,
                    skip_invalid=skip_invalid,
                    read_errors=f.errors,
                )

            report: dict[str, Any] = db.write(imp).to_dict()
            return report

    report = await run_in_threadpool(work)
    if not report["imported"]:
        first = report["errors"][0] if report["errors"] else None
        where = f"line {first['line']}, {first['field']}: {first['reason']}" if first else "no valid rows"
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": f"Nothing imported: {report['errors_total']} problem(s) ({where}).",
                "errors": [
                    {"field": f"line {e['line']}: {e['field']}", "message": e["reason"]} for e in report["errors"][:50]
                ],
                "report": report,
            },
            status_code=422,
            media_type="application/problem+json",
        )
    return report
