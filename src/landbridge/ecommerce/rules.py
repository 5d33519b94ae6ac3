"""The rules the platform applies, read from data files: China's export regimes (ecommerce_regimes.yaml), the EU
import rules by date (eu_import_rules.yaml) and the consolidation's operating choices (ecommerce_operations.yaml).

`Rules.customs(...)` computes, in columns (numpy), what each order needs and owes on a given date: its value in
EUR, the Chinese export declaration (list or declaration), the EU import declaration (H7 or H1), the customs duty
and the import VAT (and whether VAT went through IOSS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from landbridge.datafiles import DataSource
from landbridge.errors import DataError

REGIMES_FILE = "ecommerce_regimes.yaml"
EU_FILE = "eu_import_rules.yaml"
OPS_FILE = "ecommerce_operations.yaml"
# EU member states (ISO 3166-1 alpha-2; Greece is GR here, EL in EU VAT usage)
# fmt: off
EU27 = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
        "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
# fmt: on


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Regime(_Strict):
    code: str = Field(pattern=r"^[0-9]{4}$")
    name: str
    model: Literal["B2C", "B2B"]
    consignee_types: tuple[Literal["individual", "business", "warehouse"], ...] = Field(min_length=1)
    declaration: Literal["per_parcel_list", "per_consignment"]
    list_declaration_max_value_cny: float | None = None
    requires_bonded_stock: bool = False
    destinations: Literal["eu"]
    max_parcel_weight_kg: float = Field(gt=0, le=30_000)
    description: str = ""


class RegimesFile(_Strict):
    source: str = Field(min_length=3)
    retrieved: str | None = None
    regimes: tuple[Regime, ...]

    @field_validator("retrieved", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if v is not None else v


class Dated(_Strict):
    valid_from: date
    rate: float = Field(gt=0)


class DutyPeriod(_Strict):
    valid_from: date
    valid_to: date | None
    kind: Literal["relief", "flat_per_item", "tariff"]
    flat_eur: float | None = None
    applies_to: Literal["ioss_b2c"] | None = None


class Ics2(_Strict):
    from_: date = Field(alias="from")
    mandatory_from: date
    ens_hours_before_arrival: float = Field(gt=0)
    short_journey_ens_hours_before_arrival: float = Field(gt=0)
    min_hs_digits: int = Field(ge=4, le=10)


class EuFile(_Strict):
    source: str = Field(min_length=3)
    retrieved: str | None = None
    low_value_threshold_eur: float = Field(gt=0)
    ioss_from: date
    ioss_number_pattern: str
    low_value_duty: tuple[DutyPeriod, ...] = Field(min_length=1)
    default_duty_rate: float = Field(ge=0, le=1)
    duty_rate_by_chapter: dict[str, float]
    vat_standard_rate: dict[str, tuple[Dated, ...]]
    ics2_rail: Ics2
    currency_per_eur: dict[str, tuple[Dated, ...]]

    @field_validator("retrieved", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if v is not None else v

    @field_validator("vat_standard_rate", "currency_per_eur")
    @classmethod
    def _sorted(cls, v: dict[str, tuple[Dated, ...]]) -> dict[str, tuple[Dated, ...]]:
        for key, periods in v.items():
            if not periods or list(periods) != sorted(periods, key=lambda p: p.valid_from):
                raise ValueError(f"{key}: give at least one period, oldest first")
        return v


class Operations(_Strict):
    source: str = Field(min_length=3)
    retrieved: str | None = None
    inner_cm: dict[Literal["length", "width", "height"], float]
    door_cm: dict[Literal["width", "height"], float]
    cutoff_hours: float = Field(ge=0, le=24 * 14)
    other_trains_max_containers: int = Field(ge=0, le=100)
    hold_below_fill: float = Field(ge=0, lt=1)
    refused_hs: dict[str, str]

    @field_validator("retrieved", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if v is not None else v


def _load(src: DataSource, name: str, model: type[BaseModel]) -> Any:
    doc = src.yaml(name)
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        raise DataError(
            src.display(name), err["msg"], entry=loc[0] if loc else None, field=".".join(loc[1:]) or None
        ) from None


def _dated_lookup(table: dict[str, tuple[Dated, ...]], keys: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The rate in force for each (key, day); NaN where the key is unknown or the day before its first period."""
    out = np.full(len(keys), np.nan)
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pa.array(keys, pa.string()))
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False))
    for j, key in enumerate(enc.dictionary.to_pylist()):
        periods = table.get(str(key))
        if not periods:
            continue
        m = idx == j
        starts = np.array([np.datetime64(p.valid_from, "D") for p in periods])
        rates = np.array([p.rate for p in periods])
        k = np.searchsorted(starts, days[m], side="right") - 1
        vals = np.where(k >= 0, rates[np.maximum(k, 0)], np.nan)
        out[m] = vals
    return out


@dataclass(frozen=True)
class Rules:
    """Regimes, EU import rules and operations, validated; see the three data files for meanings and sources."""

    regimes: dict[str, Regime]
    eu: EuFile
    ops: Operations
    sources: dict[str, str]

    @property
    def ioss_re(self) -> re.Pattern[str]:
        return re.compile(self.eu.ioss_number_pattern)

    @property
    def first_rules_day(self) -> date:
        return min(p.valid_from for p in self.eu.low_value_duty)

    def eur_rate(self, currency: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Units of each currency per EUR on each day (NaN when the file has no rate)."""
        return _dated_lookup(self.eu.currency_per_eur, currency, days)

    def vat_rate(self, country: np.ndarray, days: np.ndarray) -> np.ndarray:
        return _dated_lookup(self.eu.vat_standard_rate, country, days)

    def duty_rate_of_chapter(self, chapters: np.ndarray) -> np.ndarray:
        """Indicative duty rate per 2-digit HS chapter (the file's default where not listed)."""
        out = np.full(len(chapters), self.eu.default_duty_rate)
        for ch, rate in self.eu.duty_rate_by_chapter.items():
            out[chapters == ch] = rate
        return out

    def duty_kind(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Low-value duty regime in force per day: (kind index 0 relief / 1 flat per item / 2 tariff / -1 none,
        flat EUR per tariff line)."""
        kind = np.full(len(days), -1, dtype=np.int8)
        flat = np.zeros(len(days))
        names = {"relief": 0, "flat_per_item": 1, "tariff": 2}
        for p in self.eu.low_value_duty:
            m = days >= np.datetime64(p.valid_from, "D")
            if p.valid_to is not None:
                m &= days < np.datetime64(p.valid_to, "D")
            kind[m] = names[p.kind]
            flat[m] = p.flat_eur or 0.0
        return kind, flat

    def customs(
        self,
        *,
        regime: np.ndarray,
        consignee_type: np.ndarray,
        declared_value: np.ndarray,
        currency: np.ndarray,
        country: np.ndarray,
        has_ioss: np.ndarray,
        tariff_lines: np.ndarray,
        duty_rate: np.ndarray,
        days: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """What each order needs and owes under the rules in force on `days` (datetime64[D]): value_eur,
        export_declaration ('list' / 'declaration'), import_declaration ('H7' / 'H1'), duty_eur, vat_eur,
        vat_via ('ioss' / 'import'). Amounts rounded to cents. Orders whose currency has no rate get NaN."""
        rate = self.eur_rate(currency, days)
        value_eur = np.round(declared_value / rate, 2)
        low = value_eur <= self.eu.low_value_threshold_eur
        kind, flat = self.duty_kind(days)
        b2c = consignee_type == "individual"
        ioss = has_ioss & b2c & low & (days >= np.datetime64(self.eu.ioss_from, "D"))
        tariff_duty = np.round(value_eur * duty_rate, 2)
        duty = np.where(
            low & (kind == 0),
            0.0,
            np.where(low & (kind == 1), np.where(ioss, flat * tariff_lines, 0.0), tariff_duty),
        )
        h7 = low & ((kind == 0) | (kind == 1))
        vat = self.vat_rate(country, days)
        vat_eur = np.round(np.where(ioss, value_eur * vat, (value_eur + duty) * vat), 2)
        cny = self.eur_rate(np.full(len(days), "CNY"), days)
        value_cny = value_eur * cny
        list_max = np.full(len(regime), np.inf)
        per_list = np.zeros(len(regime), dtype=bool)
        for code, r in self.regimes.items():
            m = regime == code
            per_list[m] = r.declaration == "per_parcel_list"
            if r.list_declaration_max_value_cny is not None:
                list_max[m] = r.list_declaration_max_value_cny
        export = np.where(per_list | (value_cny <= list_max), "list", "declaration")
        return {
            "value_eur": value_eur,
            "export_declaration": export,
            "import_declaration": np.where(h7, "H7", "H1"),
            "duty_eur": duty,
            "vat_eur": vat_eur,
            "vat_via": np.where(ioss, "ioss", "import"),
        }


def load_rules(src: DataSource) -> Rules:
    """Read and validate the three files (DataError names the file, block and field)."""
    reg: RegimesFile = _load(src, REGIMES_FILE, RegimesFile)
    eu: EuFile = _load(src, EU_FILE, EuFile)
    ops: Operations = _load(src, OPS_FILE, Operations)
    for country in eu.vat_standard_rate:
        if country not in EU27:
            raise DataError(src.display(EU_FILE), f"{country!r} is not an EU member state", entry="vat_standard_rate")
    try:
        re.compile(eu.ioss_number_pattern)
    except re.error as exc:
        raise DataError(src.display(EU_FILE), f"not a regular expression: {exc}", entry="ioss_number_pattern") from None
    return Rules(
        {r.code: r for r in reg.regimes},
        eu,
        ops,
        {"regimes": reg.source, "eu": eu.source, "operations": ops.source},
    )


@lru_cache(maxsize=4)
def rules(user_dir: str | None = None) -> Rules:
    """The rules of the shipped data (or a user's data folder), loaded once per process."""
    return load_rules(DataSource(user_dir))
