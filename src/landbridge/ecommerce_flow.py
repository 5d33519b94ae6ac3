"""The cross-border e-commerce order flow (data/ecommerce_flow.yaml): one definition for the digital twin and the
platform.

`OrderFlow` says how many orders a year leave Chengdu for Europe, how they spread over the days of a year
(months, weekdays, Singles' Day and Black Friday peaks, the Chinese New Year trough), which export regime they
use, what they weigh and measure, what they are worth and where they go (country and European hub).
`generate_orders` draws a year of orders from it (reproducible from a seed); `feu_per_week` turns it into the
containers a week the twin loads on the dedicated train. Pure: numpy and pydantic only.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from landbridge.datafiles import DataSource
from landbridge.errors import DataError

FLOW = "ecommerce_flow.yaml"
REGIMES = ("9610", "9710", "9810", "1210")
Z90 = 1.2815515655446004  # standard normal quantile at 0.9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogNormal(_Strict):
    """A lognormal distribution given by its median and 90th percentile (same unit)."""

    median: float = Field(gt=0)
    p90: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> LogNormal:
        if self.p90 < self.median:
            raise ValueError("p90 must be at least the median")
        return self

    @property
    def mu(self) -> float:
        return math.log(self.median)

    @property
    def sigma(self) -> float:
        return math.log(self.p90 / self.median) / Z90

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)


class RegimeFlow(_Strict):
    weight_kg: LogNormal
    density_kg_m3: LogNormal
    extra_items_mean: float = Field(ge=0, le=10_000)
    value_eur_per_item: LogNormal
    extra_lines_mean: float = Field(ge=0, le=9)
    lead_days: int = Field(ge=0, le=60)
    promised_days: int = Field(ge=1, le=365)


class Destination(_Strict):
    share: float = Field(ge=0, le=1)
    hub: str = Field(min_length=1)


class Peak(_Strict):
    name: str
    rule: str = Field(description="MM-DD, or fourth-friday-november")
    days_before: int = Field(ge=0, le=60)
    days_after: int = Field(ge=0, le=60)
    factor: float = Field(gt=0, le=20)

    @field_validator("rule")
    @classmethod
    def _rule(cls, v: str) -> str:
        if v == "fourth-friday-november":
            return v
        try:
            datetime.strptime(f"2024-{v}", "%Y-%m-%d")
        except ValueError:
            raise ValueError("write a peak's rule as MM-DD or fourth-friday-november") from None
        return v

    def day(self, year: int) -> date:
        """The peak's sales day in a year."""
        if self.rule == "fourth-friday-november":
            fridays = [d for d in calendar.Calendar().itermonthdates(year, 11) if d.month == 11 and d.weekday() == 4]
            return fridays[3]
        month, day = (int(x) for x in self.rule.split("-"))
        return date(year, month, day)


class ChineseNewYear(_Strict):
    dates: tuple[date, ...]
    days: int = Field(ge=0, le=60)
    factor: float = Field(gt=0, le=1)


class OrderFlow(_Strict):
    """The order flow; see data/ecommerce_flow.yaml for the meaning and source of every field."""

    source: str = Field(min_length=3)
    retrieved: str | None = None
    origin: str
    dedicated_service: str
    orders_per_year: int = Field(gt=0, le=100_000_000)
    container_type: str = Field(min_length=2)
    stowage_factor: float = Field(gt=0, le=1)
    sellers: int = Field(ge=1, le=100_000)
    seller_zipf_exponent: float = Field(ge=0, le=5)
    sellers_allowing_other_trains: float = Field(ge=0, le=1)
    regime_share: dict[str, float]
    regimes: dict[str, RegimeFlow]
    destinations: dict[str, Destination]
    month_factor: tuple[float, ...] = Field(min_length=12, max_length=12)
    weekday_factor: tuple[float, ...] = Field(min_length=7, max_length=7)
    peaks: tuple[Peak, ...] = ()
    chinese_new_year: ChineseNewYear
    _cached_means: tuple[float, float] | None = PrivateAttr(default=None)
    _daily: dict[int, np.ndarray] = PrivateAttr(default_factory=dict)

    @field_validator("retrieved", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if v is not None else v

    @field_validator("regime_share")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k in v if k not in REGIMES]
        if bad:
            raise ValueError(f"unknown regime {bad[0]!r}; use {', '.join(REGIMES)}")
        if any(x < 0 for x in v.values()) or abs(sum(v.values()) - 1) > 0.01:
            raise ValueError("regime shares must be non-negative and sum to 1")
        return v

    @field_validator("destinations")
    @classmethod
    def _dest(cls, v: dict[str, Destination]) -> dict[str, Destination]:
        if not v or abs(sum(d.share for d in v.values()) - 1) > 0.01:
            raise ValueError("destination shares must sum to 1 (within 1 %)")
        for code in v:
            if len(code) != 2 or not code.isupper():
                raise ValueError(f"{code!r}: destinations are ISO 3166-1 alpha-2 codes")
        return v

    @field_validator("month_factor", "weekday_factor")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(x <= 0 for x in v):
            raise ValueError("factors must be positive")
        return v

    @model_validator(mode="after")
    def _every_regime(self) -> OrderFlow:
        missing = [r for r, share in self.regime_share.items() if share > 0 and r not in self.regimes]
        if missing:
            raise ValueError(f"regime {missing[0]} has a share but no entry under regimes")
        return self

    # ---- derived figures --------------------------------------------------------------------
    @property
    def hubs(self) -> tuple[str, ...]:
        return tuple(sorted({d.hub for d in self.destinations.values()}))

    def hub_of(self, country: str) -> str | None:
        """The European hub serving a destination country, or None when the flow has no such destination."""
        d = self.destinations.get(country)
        return d.hub if d else None

    def day_factor(self, day: date) -> float:
        """Intake on `day` relative to the year's mean day (1.0 = an average day)."""
        f = self._daily.get(day.year)
        if f is None:
            f = self._daily[day.year] = self.daily_factors(day.year) * (366 if calendar.isleap(day.year) else 365)
        return float(f[day.timetuple().tm_yday - 1])

    def daily_factors(self, year: int) -> np.ndarray:
        """Relative order intake per day of `year` (1 January first), normalised to sum to 1."""
        days = 366 if calendar.isleap(year) else 365
        start = date(year, 1, 1)
        f = np.empty(days)
        for k in range(days):
            d = start + timedelta(days=k)
            f[k] = self.month_factor[d.month - 1] * self.weekday_factor[d.weekday()]
        for p in self.peaks:
            peak = p.day(year)
            lo = (peak - timedelta(days=p.days_before) - start).days
            hi = (peak + timedelta(days=p.days_after) - start).days + 1
            f[max(lo, 0) : max(min(hi, days), 0)] *= p.factor
        for d0 in self.chinese_new_year.dates:
            if d0.year == year:
                k = (d0 - start).days
                f[k : k + self.chinese_new_year.days] *= self.chinese_new_year.factor
        out: np.ndarray = f / f.sum()
        return out

    def mean_volume_m3(self) -> float:
        """Mean volume of one order in m3, as `generate_orders` draws them (200,000 draws of a fixed seed, so
        the limits on weight and size are accounted for exactly as generated)."""
        return self._means()[0]

    def mean_weight_kg(self) -> float:
        """Mean gross weight of one order in kg (as mean_volume_m3)."""
        return self._means()[1]

    def _means(self) -> tuple[float, float]:
        if self._cached_means is None:
            _codes, _idx, p = draw_parcels(self, np.random.default_rng(0), 200_000)
            self._cached_means = (float(p["volume_m3"].mean()), float(p["weight_kg"].mean()))
        return self._cached_means

    def hub_shares(self) -> dict[str, float]:
        out: dict[str, float] = {}
        total = sum(d.share for d in self.destinations.values())
        for d in self.destinations.values():
            out[d.hub] = out.get(d.hub, 0.0) + d.share / total
        return out

    def feu_per_week(self, container_volume_m3: float, container_feu: float) -> dict[str, float]:
        """Mean FEU a week the flow fills, per European hub, in containers of the given volume (m3) packed to the
        flow's stowage factor (volume-bound: e-commerce parcels are light for their size). ValueError for a
        container without volume or FEU."""
        if container_volume_m3 <= 0 or container_feu <= 0:
            raise ValueError("the container's volume and FEU must be positive")
        per_year_m3 = self.orders_per_year * self.mean_volume_m3()
        containers_per_week = per_year_m3 / (container_volume_m3 * self.stowage_factor) / (365 / 7)
        return {hub: containers_per_week * container_feu * share for hub, share in self.hub_shares().items()}


def load_order_flow(src: DataSource) -> OrderFlow:
    """Validate ecommerce_flow.yaml; errors name the file, the block and the field (DataError)."""
    doc = src.yaml(FLOW)
    file = src.display(FLOW)
    try:
        return OrderFlow.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        raise DataError(file, err["msg"], entry=loc[0] if loc else None, field=".".join(loc[1:]) or None) from None


@lru_cache(maxsize=4)
def order_flow(user_dir: str | None = None) -> OrderFlow:
    """The order flow of the shipped data (or a user's data folder), loaded once per process."""
    return load_order_flow(DataSource(user_dir))


# ---- a year of orders ------------------------------------------------------------------------
# Common e-commerce goods by HS code (10-digit Chinese export tariff codes; the first 6 digits are the HS).
HS_CODES = (
    "6109100021",  # T-shirts, cotton, knitted
    "6110200029",  # jerseys, pullovers, cotton
    "6204430090",  # women's dresses, synthetic
    "6104430000",  # women's dresses, knitted, synthetic
    "6404199000",  # footwear, textile uppers
    "6402999000",  # footwear, rubber or plastics
    "4202920000",  # bags, outer surface of textile or plastic sheeting
    "8517130000",  # smartphones
    "8518300000",  # headphones and earphones
    "8504409999",  # static converters (chargers)
    "8516320000",  # hair-dressing appliances
    "8543709990",  # electrical machines n.e.s.
    "8471300000",  # portable computers
    "9503008900",  # toys
    "9506919000",  # articles for physical exercise
    "3926909090",  # articles of plastics n.e.s.
    "7117190000",  # imitation jewellery
    "9405110000",  # lamps
    "6307909000",  # made-up textile articles
    "3304990099",  # beauty preparations
    "9102110000",  # wrist-watches
    "6505009900",  # hats
)
FIRST_NAMES = ("Anna", "Jan", "Marie", "Luca", "Sofia", "Lukas", "Emma", "Mateo", "Julia", "Noah", "Zofia", "Elias")
LAST_NAMES = ("Müller", "Kowalski", "Rossi", "García", "Dubois", "Jansen", "Novák", "Nagy", "Silva", "Berg", "Popa")


@dataclass(frozen=True)
class GeneratedOrders:
    """A year of orders as parallel columns (numpy arrays or lists of str), one entry per order."""

    columns: dict[str, Any]
    sellers: int
    allow_other_trains: np.ndarray  # per seller index

    def __len__(self) -> int:
        return len(self.columns["seller_order_id"])


def _lognormal(rng: np.random.Generator, d: LogNormal, n: int) -> np.ndarray:
    return rng.lognormal(d.mu, d.sigma, n) if d.sigma > 0 else np.full(n, d.median)


def draw_parcels(
    flow: OrderFlow, rng: np.random.Generator, n: int
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """The physical side of `n` orders: regime codes (sorted) and each order's index into them, and columns
    weight_kg, length_cm, width_cm, height_cm (whole cm), volume_m3, items, lines (tariff lines), value_eur,
    b2b. Parcels are boxes of ratio 1.6 : 1.2 : 1 of 0.05-30 kg; B2B consignments (9710, 9810) of 5-1000 kg
    stand on a 120 x 100 cm pallet base, at most 220 cm high."""
    codes = sorted(flow.regime_share)
    share = np.array([flow.regime_share[c] for c in codes])
    regime_idx = rng.choice(len(codes), size=n, p=share / share.sum())
    weight = np.empty(n)
    density = np.empty(n)
    items = np.empty(n, dtype=np.int64)
    value = np.empty(n)
    lines = np.empty(n, dtype=np.int64)
    for k, code in enumerate(codes):
        m = regime_idx == k
        c = int(m.sum())
        if not c:
            continue
        g = flow.regimes[code]
        weight[m] = _lognormal(rng, g.weight_kg, c)
        density[m] = _lognormal(rng, g.density_kg_m3, c)
        items[m] = 1 + rng.poisson(g.extra_items_mean, c)
        value[m] = items[m] * _lognormal(rng, g.value_eur_per_item, c)
        lines[m] = np.minimum(1 + rng.poisson(g.extra_lines_mean, c), np.minimum(items[m], 10))
    b2b = np.isin(regime_idx, [codes.index(c) for c in ("9710", "9810") if c in codes])
    weight = np.where(b2b, np.clip(weight, 5.0, 1000.0), np.clip(weight, 0.05, 30.0))
    volume = np.clip(weight / density, 0.0005, None)
    unit = np.cbrt(volume / (1.6 * 1.2)) * 100
    length = np.where(b2b, 120.0, unit * 1.6)
    width = np.where(b2b, 100.0, unit * 1.2)
    height = np.where(b2b, np.clip(volume / 1.2 * 100, 10.0, 220.0), unit)
    length, width, height = (np.maximum(np.round(x, 0), 1.0) for x in (length, width, height))
    return (
        codes,
        regime_idx,
        {
            "weight_kg": np.round(weight, 3),
            "length_cm": length,
            "width_cm": width,
            "height_cm": height,
            "volume_m3": length * width * height / 1e6,
            "items": items,
            "lines": lines,
            "value_eur": np.round(value, 2),
            "b2b": b2b,
        },
    )


def generate_orders(flow: OrderFlow, year: int, n: int | None = None, seed: int = 42) -> GeneratedOrders:
    """Draw `n` orders (default: the flow's orders per year) with sale times spread over `year` (UTC) by the
    flow's daily factors. Same flow, year, n and seed: same orders. Columns, one entry per order:
    seller (index), seller_order_id, order_date (ISO 8601 UTC), regime, weight_kg, length_cm, width_cm,
    height_cm, items, declared_value, currency (EUR), hs_codes (';'-separated), destination_country,
    destination_city, destination_postcode, consignee_name, consignee_type, ioss_number and bonded_account
    ('' when none)."""
    n = flow.orders_per_year if n is None else n
    if n < 0:
        raise ValueError("the number of orders must not be negative")
    rng = np.random.default_rng(np.random.SeedSequence([seed, year, n]))
    # sale times, sorted
    daily = flow.daily_factors(year)
    per_day = rng.multinomial(n, daily)
    day_index = np.repeat(np.arange(len(daily)), per_day)
    t0 = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    epoch = np.sort(t0 + day_index * 86_400 + rng.integers(0, 86_400, n))
    # sellers (Zipf sizes)
    ranks = np.arange(1, flow.sellers + 1, dtype=float)
    w = ranks**-flow.seller_zipf_exponent
    seller = rng.choice(flow.sellers, size=n, p=w / w.sum())
    allow = rng.random(flow.sellers) < flow.sellers_allowing_other_trains
    codes, regime_idx, p = draw_parcels(flow, rng, n)
    b2b = p["b2b"]
    # destinations
    countries = sorted(flow.destinations)
    cp = np.array([flow.destinations[c].share for c in countries])
    country_idx = rng.choice(len(countries), size=n, p=cp / cp.sum())
    hs_pick = rng.integers(0, len(HS_CODES), size=(n, 10))
    postcode = rng.integers(10_000, 99_999, n)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    regime_col = [codes[i] for i in regime_idx.tolist()]
    consignee_type = ["warehouse" if r == "9810" else "business" if r == "9710" else "individual" for r in regime_col]
    ioss_seller = np.array([f"IM{1560000000 + s:010d}" for s in range(flow.sellers)])
    value_eur = p["value_eur"]
    with_ioss = (~b2b) & (value_eur <= 150) & (rng.random(n) < 0.9)
    order_no = np.empty(n, dtype=np.int64)
    # per-seller running numbers (vectorised: rank of each order within its seller, in time order)
    order = np.argsort(seller, kind="stable")
    sorted_sellers = seller[order]
    starts = np.searchsorted(sorted_sellers, np.arange(flow.sellers))
    order_no[order] = np.arange(n) - starts[sorted_sellers]
    iso = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    cols: dict[str, Any] = {
        "seller": seller,
        "seller_order_id": [f"{year}-S{s:03d}-{k:07d}" for s, k in zip(seller.tolist(), order_no.tolist())],
        "order_date": [f"{t}Z" for t in iso.tolist()],
        "regime": regime_col,
        "weight_kg": p["weight_kg"],
        "length_cm": p["length_cm"],
        "width_cm": p["width_cm"],
        "height_cm": p["height_cm"],
        "items": p["items"],
        "declared_value": value_eur,
        "currency": ["EUR"] * n,
        "hs_codes": [
            ";".join(dict.fromkeys(HS_CODES[j] for j in row[:k]))
            for row, k in zip(hs_pick.tolist(), p["lines"].tolist())
        ],
        "destination_country": [countries[i] for i in country_idx.tolist()],
        "destination_city": [f"City {c}" for c in (postcode // 1000).tolist()],
        "destination_postcode": [str(x) for x in postcode.tolist()],
        "consignee_name": [
            f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" if t == "individual" else f"{LAST_NAMES[b]} Trading GmbH"
            for a, b, t in zip(first.tolist(), last.tolist(), consignee_type)
        ],
        "consignee_type": consignee_type,
        "ioss_number": np.where(with_ioss, ioss_seller[seller], "").tolist(),
        # bonded-zone account book of the goods (regime 1210 only)
        "bonded_account": [f"T7901W{s:06d}" if r == "1210" else "" for s, r in zip(seller.tolist(), regime_col)],
    }
    return GeneratedOrders(cols, flow.sellers, allow)


__all__ = [
    "FLOW",
    "REGIMES",
    "GeneratedOrders",
    "LogNormal",
    "OrderFlow",
    "generate_orders",
    "load_order_flow",
    "order_flow",
]
