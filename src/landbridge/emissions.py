"""Greenhouse-gas emissions per ISO 14083:2023 / GLEC Framework: for each leg, the distance travelled
on the real network x the mass of the goods x a well-to-wheel intensity for that mode, summed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from landbridge.datafiles import DataSource, validate_entries
from landbridge.errors import DataError

FACTORS = "emission_factors.yaml"


class EmissionFactor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    mode: str
    description: str
    wtw_gco2e_per_tkm: float = Field(gt=0)
    source: str = Field(min_length=3)


@dataclass(frozen=True)
class EmissionFactors:
    factors: dict[str, EmissionFactor]
    air_add_km: float
    source: str

    def g_per_tkm(self, factor_id: str) -> float:
        try:
            return self.factors[factor_id].wtw_gco2e_per_tkm
        except KeyError:
            raise DataError(FACTORS, f"no emission factor {factor_id!r}; parameters.yaml refers to it") from None

    def co2e_kg(self, factor_id: str, distance_km: float, mass_kg: float) -> float:
        """distance (km) x mass (t) x intensity (g/tkm), in kg."""
        return distance_km * (mass_kg / 1000.0) * self.g_per_tkm(factor_id) / 1000.0

    def air_distance_km(self, great_circle_km: float) -> float:
        """ISO 14083 / EN 16258: air distance is great-circle distance plus 95 km."""
        return great_circle_km + self.air_add_km


def load_emission_factors(src: DataSource) -> EmissionFactors:
    doc = src.yaml(FACTORS)
    file = src.display(FACTORS)
    items = validate_entries(file, doc.get("factors"), EmissionFactor, section="factors")
    rule = doc.get("air_distance_rule") or {}
    return EmissionFactors({f.id: f for f in items}, float(rule.get("add_km", 95)), str(doc.get("source", "")))


@lru_cache(maxsize=4)
def emission_factors(user_dir: str | None = None) -> EmissionFactors:
    return load_emission_factors(DataSource(user_dir))
