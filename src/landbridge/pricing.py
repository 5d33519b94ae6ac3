"""Prices: tariffs by dated period, the price of each ride, typed cost lines, and currency conversion.

Tariffs (data/tariffs.yaml) are a list of periods; each period gives the rates in force from its
`valid_from` date until the next period starts (the last one until a newer period is added). A leg is
priced with the period in force on the day it departs. Amounts are computed in the tariff currency
(USD) and converted for display with dated reference rates (data/exchange_rates.yaml, `ExchangeRates`).
"""

from __future__ import annotations

import bisect
import calendar
import itertools
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from landbridge.datafiles import DataSource
from landbridge.errors import DataError, InvalidRequestError, did_you_mean

TARIFFS = "tariffs.yaml"
EXCHANGE_RATES = "exchange_rates.yaml"
CENT = Decimal("0.01")
CostKind = Literal["freight", "handling", "border", "surcharge"]


# ---- what a ride is, as far as prices go (landbridge.timetable.models.RideFacts has it) ---------------
class GaugeChangeFacts(Protocol):
    """A gauge change on a ride: where, and from which gauge to which (mm)."""

    @property
    def place_name(self) -> str: ...
    @property
    def from_gauge_mm(self) -> int: ...
    @property
    def to_gauge_mm(self) -> int: ...


class RideFacts(Protocol):
    """The facts of a ride that prices depend on (km by tariff region, gauge changes, ferries, routing)."""

    @property
    def mode(self) -> str: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def rail_km_by_region(self) -> tuple[tuple[str, float], ...]: ...
    @property
    def gauge_changes(self) -> tuple[GaugeChangeFacts, ...]: ...
    @property
    def ferries(self) -> int: ...
    @property
    def broad_gauge(self) -> bool: ...
    @property
    def sea_variant(self) -> str | None: ...


# ---- the tariff file ----------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _rates_for(v: dict[str, float], keys: tuple[str, ...]) -> dict[str, float]:
    """Rates per km: one for each of `keys`, each positive."""
    if set(v) != set(keys):
        raise ValueError(f"give a rate for each of {', '.join(keys)} (got {', '.join(sorted(v))})")
    if not all(x > 0 for x in v.values()):
        raise ValueError("rates must be positive")
    return v


class RailTariff(_Strict):
    """Rail rates: USD per FEU-km by tariff region (china, broad_gauge, europe) and fees per container."""

    usd_per_feu_km: dict[str, float]

    @field_validator("usd_per_feu_km")
    @classmethod
    def _regions(cls, v: dict[str, float]) -> dict[str, float]:
        return _rates_for(v, ("china", "broad_gauge", "europe"))

    gauge_change_usd_per_container: float = Field(ge=0)
    ferry_usd_per_container: float = Field(ge=0)
    terminal_handling_usd_per_container: float = Field(ge=0)
    transfer_handling_usd_per_container: float = Field(ge=0)
    dangerous_goods_usd_per_container: float = Field(ge=0)
    winter_protection_usd_per_container: float = Field(ge=0)


class SeaTariff(_Strict):
    """Ocean freight in USD per FEU-km of the route sailed, by ocean routing (via Suez or the Cape)."""

    usd_per_feu_km: dict[str, float]

    @field_validator("usd_per_feu_km")
    @classmethod
    def _routings(cls, v: dict[str, float]) -> dict[str, float]:
        return _rates_for(v, ("suez", "cape"))

    terminal_handling_usd_per_container: float = Field(ge=0)
    dangerous_goods_usd_per_container: float = Field(ge=0)


class AirTariff(_Strict):
    """Air freight per chargeable kg (the greater of actual and volumetric weight)."""

    usd_per_kg: float = Field(gt=0)
    volumetric_kg_per_m3: float = Field(gt=0)
    dangerous_goods_surcharge_share: float = Field(ge=0)
    handling_usd_per_kg: float = Field(ge=0)


class RoadTariff(_Strict):
    """Trucking per FEU-km, with a minimum charge per container (one truck per container)."""

    usd_per_feu_km: float = Field(gt=0)
    minimum_usd_per_container: float = Field(ge=0)


class TariffPeriod(_Strict):
    """The rates in force from `valid_from` (a date, inclusive) until the next period starts."""

    name: str = Field(min_length=1)
    valid_from: date
    basis: str = Field(min_length=3, description="What the rates are calibrated on (published figures, dated).")
    rail: RailTariff
    sea: SeaTariff
    air: AirTariff
    road: RoadTariff
    container_price_factor: dict[str, float]

    def container_factor(self, container_id: str) -> float:
        """Price factor of a container type against a 40' (FEU); 1.0 when not listed."""
        return self.container_price_factor.get(container_id, 1.0)

    def road_usd_per_container(self, distance_km: float, container_id: str) -> float:
        """USD to truck one container `distance_km` km (0 for no distance; at least the minimum)."""
        if distance_km <= 0:
            return 0.0
        return max(
            self.road.minimum_usd_per_container,
            distance_km * self.road.usd_per_feu_km * self.container_factor(container_id),
        )

    def rail_board_usd_per_container(self, after_rail: bool) -> float:
        """Handling when boarding a train: terminal handling, or, straight from another train, what a
        transfer costs beyond the terminal handling already counted when leaving that train."""
        r = self.rail
        if after_rail:
            return r.transfer_handling_usd_per_container - r.terminal_handling_usd_per_container
        return r.terminal_handling_usd_per_container

    def ride_price(self, facts: RideFacts, rate_factor: float = 1.0) -> RidePrice:
        """The price of one ride under this period, as coefficients the planner combines per request."""
        if facts.mode == "rail":
            rates = self.rail.usd_per_feu_km
            freight = sum(km * rates.get(region, rates["europe"]) for region, km in facts.rail_km_by_region)
            r = self.rail
            fixed = (
                len(facts.gauge_changes) * r.gauge_change_usd_per_container
                + facts.ferries * r.ferry_usd_per_container
                + r.terminal_handling_usd_per_container
            )
            winter = r.winter_protection_usd_per_container if facts.broad_gauge else 0.0
            return RidePrice("rail", freight * rate_factor, fixed, r.dangerous_goods_usd_per_container, winter)
        if facts.mode == "sea":
            variant = facts.sea_variant or "suez"
            per_km = self.sea.usd_per_feu_km.get(variant, self.sea.usd_per_feu_km["suez"])
            return RidePrice(
                "sea",
                facts.distance_km * per_km * rate_factor,
                2 * self.sea.terminal_handling_usd_per_container,
                self.sea.dangerous_goods_usd_per_container,
                0.0,
            )
        a = self.air
        return RidePrice(
            "air",
            0.0,
            0.0,
            0.0,
            0.0,
            a.usd_per_kg * rate_factor,
            a.handling_usd_per_kg,
            a.dangerous_goods_surcharge_share,
        )


class PublishedRate(_Strict):
    """A published market figure the tariffs are calibrated on (checked by tests/test_pricing.py)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    what: str
    low_usd: float = Field(gt=0)
    high_usd: float = Field(gt=0)
    unit: Literal["per FEU", "per FEU-km", "per kg"]
    period_start: date
    period_end: date
    source: str = Field(min_length=3)
    url: str = Field(min_length=8)


class TariffFile(_Strict):
    """tariffs.yaml as written: currency, published figures, periods (each a partial update of the one before)."""

    source: str = Field(min_length=3)
    retrieved: date
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    published: tuple[PublishedRate, ...] = ()
    periods: tuple[dict[str, Any], ...] = Field(min_length=1)


@dataclass(frozen=True)
class RidePrice:
    """USD for one ride under one tariff period: `freight_usd_per_feu` (scaled by the container's price
    factor), fixed fees per container (rail: gauge changes, ferries and terminal handling on leaving the
    train; sea: terminal handling at both ports), dangerous-goods and winter-protection fees per
    container, and for air the rate, handling per chargeable kg and the dangerous-goods share."""

    mode: str
    freight_usd_per_feu: float
    fixed_usd_per_container: float
    dangerous_usd_per_container: float
    winter_usd_per_container: float
    air_usd_per_kg: float = 0.0
    air_handling_usd_per_kg: float = 0.0
    air_dangerous_share: float = 0.0

    def usd(self, load: Load, winter: bool = False) -> float:
        """What the ride costs for `load`, in USD (winter protection included when `winter`)."""
        if self.mode == "air":
            freight = load.chargeable_kg * self.air_usd_per_kg
            dg = freight * self.air_dangerous_share if load.dangerous else 0.0
            return freight + load.chargeable_kg * self.air_handling_usd_per_kg + dg
        per_container = self.freight_usd_per_feu * load.price_factor + self.fixed_usd_per_container
        if load.dangerous:
            per_container += self.dangerous_usd_per_container
        if winter:
            per_container += self.winter_usd_per_container
        return per_container * load.containers


@dataclass(frozen=True)
class Load:
    """What is being priced: `containers` boxes of type `container_id` with price factor `price_factor`,
    `chargeable_kg` for air, and the UN number of dangerous goods (None for other cargo)."""

    containers: int
    container_id: str
    price_factor: float
    chargeable_kg: float
    un_number: str | None

    @property
    def dangerous(self) -> bool:
        return self.un_number is not None


@dataclass(slots=True)
class CostLine:
    """One line of a price: its kind, a label people read, and the amount in the tariff currency (USD)."""

    kind: CostKind
    label: str
    usd: float


class Tariffs:
    """Every tariff period in date order, and the published figures they are calibrated on."""

    def __init__(self, source: str, currency: str, periods: list[TariffPeriod], published: tuple[PublishedRate, ...]):
        if not periods:
            raise ValueError("at least one tariff period")
        self.source = source
        self.currency = currency
        self.periods = sorted(periods, key=lambda p: p.valid_from)
        self.published = published
        self._starts = [float(calendar.timegm(p.valid_from.timetuple())) for p in self.periods]

    def period_index(self, epoch: float) -> int:
        """Index of the period in force at an epoch (seconds, UTC); the first period before it starts."""
        return max(0, bisect.bisect_right(self._starts, epoch) - 1)

    def period_for(self, day: date) -> TariffPeriod:
        """The period in force on `day`."""
        return self.periods[self.period_index(float(calendar.timegm(day.timetuple())))]

    def published_rate(self, rate_id: str) -> PublishedRate:
        """A published figure by id (KeyError if unknown)."""
        for r in self.published:
            if r.id == rate_id:
                return r
        raise KeyError(rate_id)


# ---- cost lines ---------------------------------------------------------------------------------
def truck_line(period: TariffPeriod, load: Load, km: float, what: str) -> CostLine:
    """Trucking `km` km for every container of `load`; `what` says from where to where."""
    return CostLine("freight", what, period.road_usd_per_container(km, load.container_id) * load.containers)


def ride_lines(
    period: TariffPeriod,
    price: RidePrice,
    facts: RideFacts,
    load: Load,
    service_name: str,
    board_name: str,
    alight_name: str,
    after_rail: bool,
    winter: bool,
) -> list[CostLine]:
    """Cost lines of one ride: they add up to the handling on boarding (rail) plus `price.usd(load)`."""
    n = load.containers
    if price.mode == "air":
        kg = load.chargeable_kg
        freight = kg * price.air_usd_per_kg
        lines = [
            CostLine("freight", f"Air freight {service_name} ({kg:,.0f} kg chargeable)", freight),
            CostLine("handling", "Air handling at both airports", kg * price.air_handling_usd_per_kg),
        ]
        if load.dangerous:
            lines.append(
                CostLine(
                    "surcharge", f"Dangerous goods {load.un_number} (IATA DGR)", freight * price.air_dangerous_share
                )
            )
        return lines
    freight = price.freight_usd_per_feu * load.price_factor * n
    if price.mode == "sea":
        via = " via the Cape of Good Hope" if facts.sea_variant == "cape" else ""
        lines = [
            CostLine("freight", f"Ocean freight {service_name}{via}", freight),
            CostLine("handling", "Terminal handling at both ports", price.fixed_usd_per_container * n),
        ]
        if load.dangerous:
            lines.append(
                CostLine("surcharge", f"Dangerous goods {load.un_number} (IMDG)", price.dangerous_usd_per_container * n)
            )
        return lines
    r = period.rail
    board = period.rail_board_usd_per_container(after_rail) * n
    lines = [
        CostLine(
            "handling", f"Transfer at {board_name}" if after_rail else f"Terminal handling at {board_name}", board
        ),
        CostLine("freight", f"Rail freight {service_name}", freight),
    ]
    for g in facts.gauge_changes:
        lines.append(
            CostLine(
                "border",
                f"Gauge change {g.from_gauge_mm}/{g.to_gauge_mm} mm at {g.place_name}",
                r.gauge_change_usd_per_container * n,
            )
        )
    if facts.ferries:
        lines.append(
            CostLine("border", f"Ferry crossings ({facts.ferries})", r.ferry_usd_per_container * facts.ferries * n)
        )
    lines.append(CostLine("handling", f"Terminal handling at {alight_name}", r.terminal_handling_usd_per_container * n))
    if load.dangerous:
        lines.append(
            CostLine(
                "surcharge",
                f"Dangerous goods {load.un_number} (RID / SMGS Annex 2)",
                price.dangerous_usd_per_container * n,
            )
        )
    if winter:
        lines.append(
            CostLine("surcharge", "Winter protection (insulated/heated container)", price.winter_usd_per_container * n)
        )
    return lines


# ---- money and currencies -----------------------------------------------------------------------
def money(x: float | Decimal) -> Decimal:
    """An amount rounded to cents (a float rounds to the nearest cent of its binary value)."""
    if isinstance(x, Decimal):
        return x.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(round(x * 100)).scaleb(-2)


class RateDay(_Strict):
    """Reference rates of one day: units of each currency per 1 EUR."""

    date: date
    rates: dict[str, float]

    @field_validator("rates")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for code, rate in v.items():
            if len(code) != 3 or not code.isupper() or not rate > 0:
                raise ValueError(f"rate {code}: {rate} must be a positive number under an ISO 4217 code")
        return v


class ExchangeRateFile(_Strict):
    """exchange_rates.yaml as written: the source and the reference rates of each day listed."""

    source: str = Field(min_length=3)
    url: str = Field(min_length=8)
    retrieved: date
    base: Literal["EUR"]
    days: tuple[RateDay, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Conversion:
    """Converting `from_currency` amounts to `to_currency`: multiply by `rate` (reference rates of `on`)."""

    from_currency: str
    to_currency: str
    rate: Decimal
    on: date | None
    source: str

    def convert(self, amount: float) -> Decimal:
        """`amount` (in from_currency) in to_currency, rounded to cents."""
        return money(amount * float(self.rate))

    def to_dict(self) -> dict[str, str | None]:
        """The conversion as JSON: currencies, the rate as a decimal string, its date and source."""
        return {
            "from": self.from_currency,
            "to": self.to_currency,
            "rate": str(self.rate),
            "date": self.on.isoformat() if self.on else None,
            "source": self.source,
        }


class ExchangeRates:
    """Dated reference rates (euro foreign exchange reference rates of the ECB), any pair through EUR."""

    def __init__(self, source: str, days: list[RateDay]):
        self.source = source
        self.days = sorted(days, key=lambda d: d.date)
        self.currencies = frozenset({"EUR"} | {c for d in self.days for c in d.rates})

    def conversion(self, from_currency: str, to_currency: str, on: date) -> Conversion:
        """The conversion with the latest reference rates published on or before `on` (the earliest
        ones for a date before them). Raises InvalidRequestError for a currency without rates."""
        to_currency = to_currency.strip().upper()
        for code in (from_currency, to_currency):
            if code not in self.currencies:
                hint = did_you_mean(code, sorted(self.currencies))
                extra = f" Did you mean {', '.join(hint)}?" if hint else ""
                raise InvalidRequestError(
                    f"No exchange rates for currency {code!r}.{extra} "
                    f"Choose one of {', '.join(sorted(self.currencies))}.",
                    field="currency",
                )
        if from_currency == to_currency:
            return Conversion(from_currency, to_currency, Decimal(1), None, "")
        k = bisect.bisect_right([d.date for d in self.days], on) - 1
        day = self.days[max(k, 0)]
        eur = {"EUR": 1.0, **day.rates}
        if from_currency not in eur or to_currency not in eur:
            day = next(d for d in reversed(self.days) if {from_currency, to_currency} <= {"EUR", *d.rates})
            eur = {"EUR": 1.0, **day.rates}
        rate = Decimal(str(eur[to_currency])) / Decimal(str(eur[from_currency]))
        return Conversion(from_currency, to_currency, rate.quantize(Decimal("0.000001")), day.date, self.source)


# ---- loading ------------------------------------------------------------------------------------
def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_tariffs(src: DataSource) -> Tariffs:
    """Read and check tariffs.yaml: each period lists what changes from the one before it."""
    doc = src.yaml(TARIFFS)
    file = src.display(TARIFFS)
    try:
        top = TariffFile.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DataError(file, err["msg"], field=".".join(map(str, err["loc"]))) from None
    periods: list[TariffPeriod] = []
    merged: dict[str, Any] = {}
    for k, raw in enumerate(top.periods):
        merged = _merge(merged, raw)
        try:
            periods.append(TariffPeriod.model_validate(merged))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(map(str, err["loc"]))
            raise DataError(file, err["msg"], entry=str(raw.get("name", f"#{k + 1}")), field=where) from None
    for a, b in itertools.pairwise(periods):
        if b.valid_from <= a.valid_from:
            raise DataError(file, "periods must be in date order", entry=b.name, field="valid_from")
    return Tariffs(top.source, top.currency, periods, top.published)


def load_exchange_rates(src: DataSource) -> ExchangeRates:
    """Read and check exchange_rates.yaml (reference rates per 1 EUR by date)."""
    doc = src.yaml(EXCHANGE_RATES)
    try:
        f = ExchangeRateFile.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DataError(src.display(EXCHANGE_RATES), err["msg"], field=".".join(map(str, err["loc"]))) from None
    return ExchangeRates(f.source, list(f.days))


@lru_cache(maxsize=4)
def tariffs(user_dir: str | None = None) -> Tariffs:
    """The tariffs of a data folder (shipped data when None), loaded once."""
    return load_tariffs(DataSource(user_dir))


@lru_cache(maxsize=4)
def exchange_rates(user_dir: str | None = None) -> ExchangeRates:
    """The exchange rates of a data folder (shipped data when None), loaded once."""
    return load_exchange_rates(DataSource(user_dir))
