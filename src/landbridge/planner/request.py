"""A quote request and its validation: the one place the CLI and the HTTP API check what is asked.

Every refusal is an InvalidRequestError (or UnknownPlaceError) whose `field` is the request field at
fault, spelled as in the API (`origin`, `ready_date`, `mass_kg`, ...), so adapters can point at it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from landbridge.cargo import CargoCatalog, CargoType, ContainerType
from landbridge.errors import InvalidRequestError, UnknownPlaceError
from landbridge.network.models import Place
from landbridge.network.search import PlaceIndex
from landbridge.timefmt import FIRST_DATE, LAST_DATE

MODES = ("rail", "sea", "air")
MAX_CONTAINERS = 500
BOOKING_HORIZON_DAYS = 730  # timetables are published about two years ahead
READY_TIME = time(8, 0)  # cargo ready on a date is ready at 08:00 UTC that day


@dataclass(frozen=True)
class QuoteRequest:
    """What a shipper asks: from where to where, when the cargo is ready, how much of what, by which
    modes, and in which currency to price it. Places are names, ids or codes as users type them."""

    origin: str
    destination: str
    ready_date: date | datetime | str
    containers: int = 1
    container_type: str = "40HC"
    cargo: str = "general"
    mass_kg: float | None = None
    modes: tuple[str, ...] = MODES
    currency: str = "USD"


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed every check: places resolved, load within the containers' payload,
    `ready` an aware UTC instant no earlier than `now`, modes among rail, sea and air."""

    origin: Place
    destination: Place
    container: ContainerType
    cargo: CargoType
    containers: int
    feu: float
    mass_kg: float
    ready: datetime
    modes: frozenset[str]
    currency: str
    now: datetime


def check_ready_date(day: date, now: datetime) -> date:
    """The ready-date rule: from today (UTC, at `now`) up to BOOKING_HORIZON_DAYS ahead."""
    today = now.astimezone(UTC).date()
    if day < today:
        raise InvalidRequestError(
            f"The ready date {day.isoformat()} is in the past; give today ({today.isoformat()}) or later.",
            field="ready_date",
        )
    if day > today + timedelta(days=BOOKING_HORIZON_DAYS):
        last = today + timedelta(days=BOOKING_HORIZON_DAYS)
        raise InvalidRequestError(
            f"The ready date {day.isoformat()} is more than two years ahead; timetables are not published "
            f"that far. Give a date up to {last.isoformat()}.",
            field="ready_date",
        )
    return day


def _ready_instant(value: date | datetime | str, now: datetime) -> datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            raise InvalidRequestError(
                f"Ready date {text!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-07.", field="ready_date"
            ) from None
    if isinstance(value, datetime):
        ready = value if value.tzinfo else value.replace(tzinfo=UTC)
        ready = ready.astimezone(UTC)
    else:
        if not FIRST_DATE <= value <= LAST_DATE:
            raise InvalidRequestError(
                f"Ready date {value.isoformat()} is out of range; give a date between {FIRST_DATE} and {LAST_DATE}.",
                field="ready_date",
            )
        ready = datetime.combine(value, READY_TIME, tzinfo=UTC)
    check_ready_date(ready.date(), now)
    # Cargo ready today is ready now at the earliest: nothing can leave in the past.
    return max(ready, now.astimezone(UTC))


def _mass_kg(req: QuoteRequest, container: ContainerType, cargo: CargoType) -> float:
    capacity_kg = req.containers * container.max_payload_kg
    if req.mass_kg is None:
        return min(cargo.typical_mass_kg_per_feu * container.feu, container.max_payload_kg) * req.containers
    mass = req.mass_kg
    if isinstance(mass, bool) or not isinstance(mass, (int, float)) or not math.isfinite(mass) or mass <= 0:
        raise InvalidRequestError(
            f"The cargo mass must be a positive number of kilograms (got {mass!r}); e.g. --mass-kg 12000.",
            field="mass_kg",
        )
    if mass > capacity_kg:
        need = math.ceil(mass / container.max_payload_kg)
        if need > MAX_CONTAINERS:
            advice = (
                f"That is more than {MAX_CONTAINERS} containers, the most one quote covers: split the shipment "
                "into several quotes."
            )
        else:
            advice = f"Use at least {need} containers or a lighter load."
        raise InvalidRequestError(
            f"{mass:,.0f} kg of cargo is more than {req.containers} x {container.id} can carry "
            f"({container.max_payload_kg:,.0f} kg each, {capacity_kg:,.0f} kg in all). {advice}",
            field="mass_kg",
        )
    return float(mass)


def _place(index: PlaceIndex, query: str, field: str) -> Place:
    try:
        return index.find(query)
    except UnknownPlaceError as exc:
        exc.field = field  # adapters read it where present
        raise


def validate_request(
    req: QuoteRequest, index: PlaceIndex, catalog: CargoCatalog, now: datetime | None = None
) -> ValidRequest:
    """Check a request and resolve its names. Raises InvalidRequestError / UnknownPlaceError naming the
    field; `now` (aware) defaults to the current time."""
    now = now or datetime.now(UTC)
    origin = _place(index, req.origin, "origin")
    destination = _place(index, req.destination, "destination")
    if origin.id == destination.id:
        raise InvalidRequestError(
            f"Origin and destination are both {origin.name}; choose two different places.", field="destination"
        )
    try:
        container = catalog.container(req.container_type)
    except InvalidRequestError as exc:
        raise InvalidRequestError(str(exc), field="container_type") from None
    try:
        cargo = catalog.cargo(req.cargo)
    except InvalidRequestError as exc:
        raise InvalidRequestError(str(exc), field="cargo") from None
    if isinstance(req.containers, bool) or not 1 <= req.containers <= MAX_CONTAINERS:
        raise InvalidRequestError(
            f"The number of containers must be between 1 and {MAX_CONTAINERS} (got {req.containers}).",
            field="containers",
        )
    mass_kg = _mass_kg(req, container, cargo)
    ready = _ready_instant(req.ready_date, now)
    modes = frozenset(req.modes)
    bad = sorted(modes - set(MODES))
    if bad or not modes:
        raise InvalidRequestError(f"Unknown mode {bad[0] if bad else ''!r}; use rail, sea or air.", field="modes")
    currency = req.currency.strip().upper()
    return ValidRequest(
        origin,
        destination,
        container,
        cargo,
        req.containers,
        container.feu * req.containers,
        mass_kg,
        ready,
        modes,
        currency,
        now,
    )
