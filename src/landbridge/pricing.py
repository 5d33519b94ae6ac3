"""Tariffs (dated, editable data) and the prices they give for legs and surcharges."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from landbridge.datafiles import DataSource
from landbridge.errors import DataError

TARIFFS = "tariffs.yaml"


class RailTariff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    usd_per_feu_km: dict[str, float]
    gauge_change_usd_per_container: float = Field(ge=0)
    ferry_usd_per_container: float = Field(ge=0)
    terminal_handling_usd_per_container: float = Field(ge=0)
    transfer_handling_usd_per_container: float = Field(ge=0)
    dangerous_goods_usd_per_container: float = Field(ge=0)
    winter_protection_usd_per_container: float = Field(ge=0)


class SeaTariff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    usd_per_feu_km: float = Field(gt=0)
    terminal_handling_usd_per_container: float = Field(ge=0)
    dangerous_goods_usd_per_container: float = Field(ge=0)
    cape_routing_surcharge_usd_per_feu: float = Field(ge=0)


class AirTariff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    usd_per_kg: float = Field(gt=0)
    volumetric_kg_per_m3: float = Field(gt=0)
    dangerous_goods_surcharge_share: float = Field(ge=0)
    handling_usd_per_kg: float = Field(ge=0)


class RoadTariff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    usd_per_feu_km: float = Field(gt=0)
    minimum_usd_per_container: float = Field(ge=0)


class Tariff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=3)
    valid_from: date
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rail: RailTariff
    sea: SeaTariff
    air: AirTariff
    road: RoadTariff
    container_price_factor: dict[str, float]

    def container_factor(self, container_id: str) -> float:
        return self.container_price_factor.get(container_id, 1.0)

    def road_usd_per_container(self, distance_km: float, container_id: str) -> float:
        if distance_km <= 0:
            return 0.0
        return max(
            self.road.minimum_usd_per_container,
            distance_km * self.road.usd_per_feu_km * self.container_factor(container_id),
        )


def money(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def load_tariff(src: DataSource) -> Tariff:
    from pydantic import ValidationError

    doc = src.yaml(TARIFFS)
    try:
        return Tariff.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DataError(src.display(TARIFFS), err["msg"], field=".".join(map(str, err["loc"]))) from None


@lru_cache(maxsize=4)
def tariff(user_dir: str | None = None) -> Tariff:
    return load_tariff(DataSource(user_dir))
