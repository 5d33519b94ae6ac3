"""What emission_factors.yaml holds as written, validated. Imported when the file is read
(landbridge.emissions.factors.load_factor_set), not with the factors: a world answered from the compiled cache
never needs them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from landbridge.emissions.factors import DataQuality, HubKind


class FactorEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str = Field(min_length=1)
    mode: Literal["road", "rail", "sea", "air", "ferry"]
    description: str
    source: str = Field(min_length=3)
    ref: str | None = None
    data_quality: DataQuality = "default"
    ttw_kgco2e_per_tkm: float | None = Field(default=None, ge=0)
    wtt_kgco2e_per_tkm: float | None = Field(default=None, ge=0)
    wtw_gco2e_per_tkm: float | None = Field(default=None, gt=0)
    ttw_gco2e_per_tkm: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_shape(self) -> FactorEntry:
        desnz = self.ttw_kgco2e_per_tkm is not None or self.wtt_kgco2e_per_tkm is not None
        glec = self.wtw_gco2e_per_tkm is not None or self.ttw_gco2e_per_tkm is not None
        if desnz and glec:
            raise ValueError("give either ttw_/wtt_kgco2e_per_tkm or wtw_/ttw_gco2e_per_tkm, not both")
        if desnz and (self.ttw_kgco2e_per_tkm is None or self.wtt_kgco2e_per_tkm is None):
            raise ValueError("give both ttw_kgco2e_per_tkm and wtt_kgco2e_per_tkm")
        if glec and (self.wtw_gco2e_per_tkm is None or self.ttw_gco2e_per_tkm is None):
            raise ValueError(
                "give both wtw_gco2e_per_tkm and ttw_gco2e_per_tkm (GLEC tables list TTW next to WTW; "
                "ISO 14083 reports need both)"
            )
        if not desnz and not glec:
            raise ValueError("no intensity: give ttw_kgco2e_per_tkm and wtt_kgco2e_per_tkm")
        if glec and (self.ttw_gco2e_per_tkm or 0) > (self.wtw_gco2e_per_tkm or 0):
            raise ValueError("ttw_gco2e_per_tkm exceeds wtw_gco2e_per_tkm; WTW = TTW + WTT")
        return self


class HubEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str = Field(min_length=1)
    kinds: tuple[HubKind, ...] = Field(min_length=1)
    description: str
    ttw_kgco2e_per_container: float = Field(ge=0)
    wtt_kgco2e_per_container: float = Field(ge=0)
    source: str = Field(min_length=3)
    ref: str | None = None
    data_quality: DataQuality = "default"


class ElectricEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    energy_kwh_per_tkm: float = Field(gt=0, lt=1)
    source: str = Field(min_length=3)
    ref: str | None = None
    note: str | None = None


class DieselEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    fuel: str
    fuel_l_per_tkm: float = Field(gt=0, lt=1)
    source: str = Field(min_length=3)
    ref: str | None = None
    note: str | None = None


class FuelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    description: str = ""
    ttw_kgco2e_per_l: float = Field(gt=0)
    wtt_kgco2e_per_l: float = Field(ge=0)
    source: str = Field(min_length=3)
    ref: str | None = None


class GridEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    gco2e_per_kwh: float = Field(ge=0, lt=2000)
    year: int = Field(ge=1990, le=2100)


class SetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    url: str | None = None
    air_add_km: float = Field(default=95.0, ge=0, le=500)
    data_quality: DataQuality = "default"


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    title: str
    publisher: str
    version: str | None = None
    url: str | None = None
    licence: str | None = None
    basis: str | None = None
