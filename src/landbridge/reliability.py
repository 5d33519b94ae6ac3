"""Reliability bands (p50/p90 transit hours per rail service) from the digital twin, as versioned data.

The bands of the shipped network live in `data/derived/transit_bands.json`, written only by an explicit
command (`landbridge simulate --write-bands FILE`, see docs/simulation.md) with its generator, seed, date and a
hash of the data files it was made from. They are read through the one data loader, so a user's data folder
(`--data`, LANDBRIDGE_DATA_DIR) holding its own `derived/transit_bands.json` replaces them; nothing is read
from or written to a cache. Services without a band (or no bands file) keep the fixed bands of
parameters.yaml. Every quote option says which bands it used (`reliability.bands`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from landbridge.datafiles import DataSource
from landbridge.errors import DataError

BANDS_FILE = "derived/transit_bands.json"
FIXED_BANDS_FILE = "parameters.yaml"
# The data the bands are made from (the rail network, the timetable, the twin's parameters and demand): a
# change in any of it makes the bands stale. YAML files count by content (comments and layout do not), and
# of parameters.yaml only its `rail` block (the rest is for sea, air and road).
TWIN_INPUTS = (
    "places.yaml",
    "european_cities.csv",
    "eurasian_cities.csv",
    "rail_links.yaml",
    "border_crossings.yaml",
    "services.yaml",
    "parameters.yaml#rail",
    "cargo.yaml",
    "simulation.yaml",
    "ecommerce_flow.yaml",
    "derived/rail_geometry.json",
)


class MonthBand(BaseModel):
    """A service's simulated run time, end to end, for trains leaving in one calendar month."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    p50_hours: float = Field(gt=0)
    p90_hours: float = Field(gt=0)
    trains: int = Field(ge=1)


class ServiceBand(BaseModel):
    """One service's simulated door-to-door run time, end to end, in hours, and the scheduled run time of
    the baseline timetable it was simulated on (so that a scenario's longer schedule, e.g. a crossing at
    reduced capacity, adds to the twin's delay instead of being absorbed by it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    p50_hours: float = Field(gt=0)
    p90_hours: float = Field(gt=0)
    trains: int = Field(ge=1)
    scheduled_hours: float | None = Field(default=None, gt=0)
    by_month: dict[int, MonthBand] = {}  # calendar month of departure (1-12) -> its band, where enough trains ran

    @field_validator("by_month")
    @classmethod
    def _months(cls, v: dict[int, MonthBand]) -> dict[int, MonthBand]:
        if any(not 1 <= m <= 12 for m in v):
            raise ValueError("by_month keys are calendar months 1-12")
        return v


class BandsFile(BaseModel):
    """transit_bands.json: the bands and how they were made."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    generator: str = Field(min_length=1)
    generated: date
    data_hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    scenario: str
    start: date
    days: int = Field(ge=1)
    seed: int = Field(ge=0)
    replications: int = Field(ge=1)
    engine: str
    services: dict[str, ServiceBand]


@dataclass(frozen=True)
class TransitBands:
    """Simulated bands per service id, (p50 hours, p90 hours), with the file they come from (as a user
    would name it: data/... for the shipped file) and whether the data changed since they were made."""

    services: dict[str, tuple[float, float]]
    scheduled: dict[str, float]  # service id -> the baseline schedule (hours) the bands were simulated on
    monthly: dict[str, dict[int, tuple[float, float]]]  # service id -> month of departure -> (p50 h, p90 h)
    file: str
    generated: date
    generator: str
    data_hash: str
    stale: bool

    def source(self) -> dict[str, Any]:
        """What a quote option reports as the bands it used."""
        return {
            "file": self.file,
            "generated": self.generated.isoformat(),
            "generator": self.generator,
            "data_hash": self.data_hash,
            "stale": self.stale,
        }


class BandsTarget(Protocol):
    """What takes bands: the planner (its simulated bands and the sources it reports per kind of band)."""

    simulated_bands: dict[str, tuple[float, float]]
    simulated_schedule: dict[str, float]
    simulated_monthly_bands: dict[str, dict[int, tuple[float, float]]]
    bands_source: dict[str, dict[str, Any]]


def data_hash(src: DataSource) -> str:
    """sha256 over the twin's input data as `src` resolves it (a user's file replaces the shipped one)."""
    h = hashlib.sha256()
    for item in TWIN_INPUTS:
        name, _, block = item.partition("#")
        path = src.path(name)
        h.update(item.encode() + b"\0")
        if not path.exists():
            h.update(b"(missing)")
        elif name.endswith(".yaml"):
            doc = src.yaml(name)
            h.update(json.dumps(doc.get(block) if block else doc, sort_keys=True, default=str).encode())
        else:
            h.update(path.read_bytes())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def load_bands(src: DataSource) -> TransitBands | None:
    """The bands file `src` resolves (None when there is none). Raises DataError naming the file and the
    field when it is not valid."""
    path = src.path(BANDS_FILE)
    if not path.exists():
        return None
    file = src.display(BANDS_FILE)
    try:
        doc = BandsFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise DataError(file, f"not valid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValidationError as exc:
        e = exc.errors()[0]
        raise DataError(file, e["msg"], field=".".join(str(p) for p in e["loc"]) or None) from None
    return TransitBands(
        services={k: (v.p50_hours, v.p90_hours) for k, v in doc.services.items()},
        scheduled={k: v.scheduled_hours for k, v in doc.services.items() if v.scheduled_hours is not None},
        monthly={
            k: {m: (b.p50_hours, b.p90_hours) for m, b in v.by_month.items()}
            for k, v in doc.services.items()
            if v.by_month
        },
        file=file,
        generated=doc.generated,
        generator=doc.generator,
        data_hash=doc.data_hash,
        stale=doc.data_hash != data_hash(src),
    )


def apply_bands(planner: BandsTarget, src: DataSource) -> TransitBands | None:
    """Give the planner the bands `src` resolves and the sources its options report: the bands file for
    simulated bands, parameters.yaml for fixed ones. Returns the bands (None: fixed bands only)."""
    bands = load_bands(src)
    planner.bands_source["fixed"] = {"file": src.display(FIXED_BANDS_FILE)}
    if bands is not None:
        planner.simulated_bands.update(bands.services)
        planner.simulated_schedule.update(bands.scheduled)
        planner.simulated_monthly_bands.update(bands.monthly)
        planner.bands_source["simulated"] = bands.source()
    return bands


def write_bands(path: str, doc: dict[str, Any]) -> None:
    """Write a bands document (validated first) to `path`, whole or not at all."""
    from pathlib import Path

    BandsFile.model_validate(doc)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(target)
