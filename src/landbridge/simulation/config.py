"""Parameters of the digital twin, loaded and validated from data/simulation.yaml (or a user's copy)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from landbridge.cargo import CargoCatalog
from landbridge.datafiles import DataSource
from landbridge.errors import DataError
from landbridge.network.models import Network

SIMULATION = "simulation.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Horizon(_Strict):
    """Simulated days before the reported window (trains already on the line, queues formed)."""

    warmup_days: int = Field(default=28, ge=0, le=120)


class Seasonality(_Strict):
    """Monthly demand factors (January first, mean about 1) by direction."""

    westbound: tuple[float, ...] = Field(min_length=12, max_length=12)
    eastbound: tuple[float, ...] = Field(min_length=12, max_length=12)

    @field_validator("westbound", "eastbound")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(x <= 0 for x in v):
            raise ValueError("monthly factors must be positive")
        return v


class CargoMix(_Strict):
    """Shares of loaded FEU by cargo type (catalogue ids) by direction, each summing to 1."""

    westbound: dict[str, float]
    eastbound: dict[str, float]

    @field_validator("westbound", "eastbound")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(x < 0 for x in v.values()):
            raise ValueError("give non-negative shares per cargo type")
        if abs(sum(v.values()) - 1) > 0.01:
            raise ValueError(f"shares must sum to 1 (they sum to {sum(v.values()):.3f})")
        return v


class Demand(_Strict):
    """Loaded FEU offered: load factors on the timetable's capacity, explicit pairs, cut-off hours,
    seasonality, cargo mix and the sea trade a sea-to-rail scenario shifts (TEU a year)."""

    westbound_load_factor: float = Field(gt=0, le=1.5)
    eastbound_load_factor: float = Field(gt=0, le=1.5)
    od_feu_per_week: dict[str, float] = {}
    loading_cutoff_hours: float = Field(default=12, ge=0, le=240)
    seasonality: Seasonality
    cargo_mix: CargoMix
    sea_teu_per_year: dict[Literal["westbound", "eastbound"], float]
    red_sea_closed_sea_to_rail_share: float = Field(default=0.0, ge=0, le=1)

    @field_validator("od_feu_per_week")
    @classmethod
    def _pairs(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if "->" not in k:
                raise ValueError(f"{k!r}: write pairs as 'origin->destination'")
            if x < 0:
                raise ValueError(f"{k!r}: FEU per week must not be negative")
        return v


class Operations(_Strict):
    """Operating rules: cancellation below a minimum load, extra trains, re-forming yards, dwell spread."""

    min_departure_load_feu: int = Field(ge=0)
    extra_train_max_share: float = Field(ge=0, le=2)
    extra_train_delay_hours: float = Field(ge=0, le=48)
    reform_train_load_feu: int = Field(gt=0)
    reform_max_hold_hours: float = Field(gt=0)
    reform_min_hold_load_feu: int = Field(ge=1)
    dwell_p90_factor: float = Field(ge=1, le=5)


class Band(_Strict):
    """A log-normal factor on scheduled running time: its median and 90th percentile."""

    median: float = Field(gt=0.3, le=3)
    p90: float = Field(gt=0.3, le=5)

    @model_validator(mode="after")
    def _order(self) -> Band:
        if self.p90 < self.median:
            raise ValueError("p90 must be at least the median")
        return self


class Winter(_Strict):
    """Winter months (1-12) and the running-time factor by region in them."""

    months: tuple[int, ...]
    factor: dict[Literal["china", "broad_gauge", "europe"], float]

    @field_validator("months")
    @classmethod
    def _months(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(m < 1 or m > 12 for m in v):
            raise ValueError("months are 1-12")
        return v


class RunningTime(_Strict):
    """Running-time variability by region, the priority trains' share of it, and the winter slow-down."""

    regions: dict[Literal["china", "broad_gauge", "europe"], Band]
    priority_delay_share: float = Field(ge=0, le=1)
    winter: Winter


class Shortage(_Strict):
    """Rolling-stock shortages at a crossing (wagons of the other gauge, locomotives): episodes that arrive
    at random (a Poisson process per crossing, `episodes_per_year`), last `days` each, and make processing
    `processing_factor` times slower while they last. 0 episodes: none."""

    episodes_per_year: float = Field(default=0.0, ge=0, le=52)
    days: float = Field(default=7.0, gt=0, le=90)
    processing_factor: float = Field(default=1.5, ge=1, le=10)


class Crossings(_Strict):
    """Crossing processing spread (p90 over median), the share of it on a transshipment track, the
    capacity basis, fixed track counts by crossing id, the queue (in days of a crossing's capacity) beyond
    which trains bound for it are held at their origin (0: never), and the winter slow-down of processing."""

    processing_p90_factor: float = Field(ge=1, le=5)
    transshipment_share: float = Field(default=0.4, gt=0, le=1)
    capacity_basis: Literal["timetable-or-data", "data"] = "data"
    tracks: dict[str, int] = {}
    hold_back_queue_days: float = Field(default=0.0, ge=0, le=60)
    winter_processing_factor: float = Field(default=1.0, ge=1, le=3)
    shortage: Shortage = Field(default_factory=Shortage)


class SocShare(_Strict):
    """Share (0..1) of a direction's loaded boxes that are shipper-owned (SOC: leased one way, returned to
    the lessor's depot at destination, never repositioned by the operator)."""

    westbound: float = Field(default=0.0, ge=0, le=1)
    eastbound: float = Field(default=0.0, ge=0, le=1)


class OneWayLease(_Strict):
    """One-way lease (pick-up / drop-off) charge in USD per SOC FEU, by direction."""

    westbound: float = Field(default=0.0, ge=0)
    eastbound: float = Field(default=0.0, ge=0)


class Empties(_Strict):
    """Empty-container rules and costs: reserve days kept per European terminal, the sweep interval
    (days), USD per FEU by rail and by sea, USD per lift; the container supply split (SOC share by
    direction, the rest carrier-owned COC boxes that are repositioned) and the one-way lease charge."""

    reserve_days: float = Field(ge=0)
    sweep_days: float = Field(gt=0)
    rail_usd_per_feu: float = Field(ge=0)
    sea_usd_per_feu: float = Field(ge=0)
    handling_usd_per_lift: float = Field(ge=0)
    soc_share: SocShare = SocShare()
    one_way_lease_usd_per_feu: OneWayLease = OneWayLease()


class Hubs(_Strict):
    """Capacities in million tonnes a year of Chinese hubs and crossings; tare kg per FEU."""

    capacity_mt_per_year: dict[str, float] = {}
    crossing_capacity_mt_per_year: dict[str, float] = {}
    tare_kg_per_feu: float = Field(ge=0)


class Flows(_Strict):
    """Destination regions of the flow KPIs: region name -> ISO country codes of a pair's far (non-Chinese)
    end; a country in no list counts under `others_region`."""

    regions: dict[str, tuple[str, ...]] = {}
    others_region: str = "others"

    @model_validator(mode="after")
    def _disjoint(self) -> Flows:
        seen: dict[str, str] = {}
        for region, countries in self.regions.items():
            if region == self.others_region:
                raise ValueError(f"region {region!r} is the name kept for the countries in no list")
            for c in countries:
                if c in seen:
                    raise ValueError(f"country {c!r} is in two regions ({seen[c]!r} and {region!r})")
                seen[c] = region
        return self

    def region_of(self, country: str) -> str:
        """The region a country belongs to."""
        for region, countries in self.regions.items():
            if country in countries:
                return region
        return self.others_region


class SimulationConfig(_Strict):
    """simulation.yaml: every parameter the twin adds to the network, timetable and cargo data."""

    source: str = Field(min_length=3)
    retrieved: str | None = None
    horizon: Horizon
    demand: Demand
    operations: Operations
    running_time: RunningTime
    crossings: Crossings
    empties: Empties
    hubs: Hubs
    flows: Flows = Flows()

    @field_validator("retrieved", mode="before")
    @classmethod
    def _date_text(cls, v: object) -> str | None:
        return str(v) if v is not None else v


def load_simulation_config(src: DataSource) -> SimulationConfig:
    """Validate simulation.yaml; errors name the file, the entry (top-level block) and the field."""
    doc = src.yaml(SIMULATION)
    file = src.display(SIMULATION)
    try:
        return SimulationConfig.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        entry = loc[0] if loc else None
        field = ".".join(loc[1:]) or None
        raise DataError(file, err["msg"], entry=entry, field=field) from None


def check_references(
    cfg: SimulationConfig, network: Network, catalog: CargoCatalog, file: str = f"data/{SIMULATION}"
) -> None:
    """Names in the file must exist in the network and cargo catalogue."""
    for direction, mix in (
        ("westbound", cfg.demand.cargo_mix.westbound),
        ("eastbound", cfg.demand.cargo_mix.eastbound),
    ):
        for cargo in mix:
            if cargo not in catalog.cargo_types:
                raise DataError(
                    file,
                    f"unknown cargo type {cargo!r}; known: {', '.join(catalog.cargo_types)}",
                    entry="demand",
                    field=f"cargo_mix.{direction}.{cargo}",
                )
    for key in cfg.demand.od_feu_per_week:
        for place in key.split("->", 1):
            if place.strip() not in network.places:
                raise DataError(
                    file, f"unknown place {place.strip()!r}", entry="demand", field=f"od_feu_per_week.{key}"
                )
    crossing_ids = {c.id for c in network.crossings}
    for cid in list(cfg.crossings.tracks) + list(cfg.hubs.crossing_capacity_mt_per_year):
        if cid not in crossing_ids:
            raise DataError(
                file,
                f"unknown border crossing {cid!r}; known: {', '.join(sorted(crossing_ids))}",
                entry="crossings" if cid in cfg.crossings.tracks else "hubs",
                field=cid,
            )
    for hub in cfg.hubs.capacity_mt_per_year:
        if hub not in network.places:
            raise DataError(file, f"unknown hub {hub!r}", entry="hubs", field=f"capacity_mt_per_year.{hub}")


@lru_cache(maxsize=8)
def simulation_config(user_dir: str | None = None) -> SimulationConfig:
    """The validated simulation.yaml of a data folder (the shipped one by default), loaded once."""
    return load_simulation_config(DataSource(user_dir))
