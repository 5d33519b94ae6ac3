"""Cargo types, container types and their rules (dangerous goods, winter protection, payloads)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from landbridge.datafiles import DataSource, validate_entries
from landbridge.errors import InvalidRequestError, did_you_mean

CARGO = "cargo.yaml"


class ContainerType(BaseModel):
    """A container type: TEU and FEU equivalents, volume (m3), payload and tare (kg)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str
    name: str
    teu: float = Field(gt=0)
    feu: float = Field(gt=0)
    volume_m3: float = Field(gt=0)
    max_payload_kg: float = Field(gt=0)
    tare_kg: float = Field(gt=0)
    aliases: tuple[str, ...] = ()


class CargoType(BaseModel):
    """A cargo type: UN number and class for dangerous goods, a typical mass per FEU (kg), winter sensitivity."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    id: str
    name: str
    un_number: str | None = Field(default=None, pattern=r"^UN\d{4}$")
    dg_class: str | None = None
    typical_mass_kg_per_feu: float = Field(gt=0)
    winter_sensitive: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def is_dangerous(self) -> bool:
        return self.un_number is not None


@dataclass(frozen=True)
class CargoCatalog:
    """Containers and cargo types of cargo.yaml, and the winter rule (months, regions)."""

    containers: dict[str, ContainerType]
    cargo_types: dict[str, CargoType]
    winter_months: frozenset[int]
    winter_regions: frozenset[str]
    source: str

    def container(self, name: str) -> ContainerType:
        """The container type called `name` (id or alias, any case); InvalidRequestError with suggestions."""
        return _resolve(name, self.containers, "container type", case_upper=True)

    def cargo(self, name: str) -> CargoType:
        """The cargo type called `name` (id or alias, any case); InvalidRequestError with suggestions."""
        return _resolve(name, self.cargo_types, "cargo type")


class _Named(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


_Item = TypeVar("_Item", bound=_Named)


def _resolve(name: str, table: dict[str, _Item], what: str, case_upper: bool = False) -> _Item:
    """The entry whose id or alias is `name` (case-insensitive); InvalidRequestError with suggestions."""
    key = name.strip()
    norm = key.upper() if case_upper else key.lower()
    for entry in table.values():
        ids = [entry.id, *entry.aliases]
        if norm in [(i.upper() if case_upper else i.lower()) for i in ids]:
            return entry
    names = list(table)
    hint = did_you_mean(key, names + [a for i in table.values() for a in i.aliases])
    extra = f" Did you mean {', '.join(hint)}?" if hint else ""
    raise InvalidRequestError(f"Unknown {what} {name!r}.{extra} Choose one of: {', '.join(names)}.")


def load_cargo_catalog(src: DataSource) -> CargoCatalog:
    """Read and check cargo.yaml (DataError naming file, entry and field)."""
    doc = src.yaml(CARGO)
    file = src.display(CARGO)
    containers = {c.id: c for c in validate_entries(file, doc.get("containers"), ContainerType, section="containers")}
    cargo = {c.id: c for c in validate_entries(file, doc.get("cargo_types"), CargoType, section="cargo_types")}
    winter = doc.get("winter") or {}
    return CargoCatalog(
        containers,
        cargo,
        frozenset(winter.get("months", [])),
        frozenset(winter.get("regions", [])),
        str(doc.get("source", "")),
    )


@lru_cache(maxsize=4)
def cargo_catalog(user_dir: str | None = None) -> CargoCatalog:
    """The cargo catalog of a data folder (shipped data when None), loaded once."""
    return load_cargo_catalog(DataSource(user_dir))
