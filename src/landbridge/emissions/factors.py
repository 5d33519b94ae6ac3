"""Emission factor sets: loading and validating `emission_factors.yaml` and answering "what intensity
applies here?" for a mode, a rail section (country and traction) or a hub.

Two file shapes load:
- the shipped shape (DESNZ units: `ttw_kgco2e_per_tkm` and `wtt_kgco2e_per_tkm` per factor, rail by
  energy x grid intensity and by fuel, hubs per container);
- a GLEC-shaped profile a user loads from their own data folder: factors with `wtw_gco2e_per_tkm` and
  `ttw_gco2e_per_tkm`, rail by factor ids per traction. Missing `modes`/`rail` sections fall back to the
  ids the project used before (`road-truck-40t`, `rail-electric`, ...).

Intensities are returned in g CO2e per tonne-km of goods; hub factors in kg CO2e per container.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from landbridge.datafiles import DataSource, validate_entries
from landbridge.errors import DataError, did_you_mean

if TYPE_CHECKING:  # the file's models load when the file is read (load_factor_set), not with the factors
    from landbridge.emissions.entries import DieselEntry, ElectricEntry

FACTORS = "emission_factors.yaml"

Mode = Literal["road", "rail", "sea", "air", "ferry"]
Traction = Literal["electric", "diesel", "average"]
HubKind = Literal["rail_terminal", "gauge_change", "sea_port", "ferry_port", "airport"]
DataQuality = Literal["default", "specific"]
MODES: tuple[str, ...] = ("road", "rail", "sea", "air", "ferry")
TRACTIONS: tuple[str, ...] = ("electric", "diesel", "average")
HUB_KINDS: tuple[str, ...] = ("rail_terminal", "gauge_change", "sea_port", "ferry_port", "airport")

# Factor ids of the earlier single-number file: a GLEC-shaped profile without `modes`/`rail` uses them.
LEGACY_MODES = {
    "road": "road-truck-40t",
    "sea": "sea-deep-sea-container",
    "air": "air-freighter-longhaul",
    "ferry": "sea-ferry",
}
LEGACY_RAIL = {"electric": "rail-electric", "diesel": "rail-diesel", "average": "rail-average"}


# ---- what the model uses --------------------------------------------------------------------------
@dataclass(frozen=True)
class Intensity:
    """Emissions per tonne of goods per km, split per ISO 14083 (g CO2e/tkm): TTW is what the vehicle
    emits, WTT what producing and delivering its energy emits. `factor_id` names the factor (or the
    energy x grid derivation) so a report can cite it; `source` says where the numbers come from."""

    factor_id: str
    description: str
    ttw_g_per_tkm: float
    wtt_g_per_tkm: float
    source: str
    data_quality: str = "default"

    @property
    def wtw_g_per_tkm(self) -> float:
        return self.ttw_g_per_tkm + self.wtt_g_per_tkm


@dataclass(frozen=True)
class HubFactor:
    """Emissions of handling one container at a hub (kg CO2e per container), TTW and WTT."""

    id: str
    kinds: tuple[str, ...]
    description: str
    ttw_kg_per_container: float
    wtt_kg_per_container: float
    source: str
    data_quality: str = "default"

    @property
    def wtw_kg_per_container(self) -> float:
        return self.ttw_kg_per_container + self.wtt_kg_per_container


@dataclass(frozen=True)
class Fuel:
    id: str
    description: str
    ttw_kg_per_l: float
    wtt_kg_per_l: float
    source: str


@dataclass(frozen=True)
class GridIntensity:
    country: str
    g_per_kwh: float
    year: int


@dataclass(frozen=True)
class SetInfo:
    """Which factor set a figure came from: what quotes and reports cite."""

    id: str
    name: str
    version: str
    licence: str
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "version": self.version, "licence": self.licence, "url": self.url}


@dataclass(frozen=True)
class FactorSet:
    """A validated emission factor set. Ask it for the intensity of a mode (`mode_intensity`), of a rail
    section (`rail_intensity`, by country and traction) or for a hub factor (`hub_factor`)."""

    info: SetInfo
    air_add_km: float
    factors: dict[str, Intensity]
    modes: dict[str, str]
    rail_factor_ids: dict[str, str]
    electric_kwh_per_tkm: float | None
    electric_source: str | None
    diesel_l_per_tkm: float | None
    diesel_fuel: Fuel | None
    diesel_source: str | None
    grid: dict[str, GridIntensity]
    grid_source: str | None
    hubs: dict[str, HubFactor]
    derived_quality: str = "default"  # data quality of the energy x grid and fuel derivations
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    _rail_cache: dict[tuple[str | None, str], Intensity] = field(default_factory=dict, repr=False, compare=False)

    def factor(self, factor_id: str) -> Intensity:
        """The factor with this id; DataError naming the file and close matches when absent."""
        try:
            return self.factors[factor_id]
        except KeyError:
            hint = did_you_mean(factor_id, self.factors)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise DataError(FACTORS, f"no emission factor {factor_id!r}{extra}") from None

    def mode_intensity(self, mode: str) -> Intensity:
        """The intensity for a whole leg of `mode` (road, sea, air, ferry; rail of unknown traction)."""
        if mode == "rail":
            return self.rail_intensity(None, "average")
        return self.factor(self.modes[mode])

    def rail_intensity(self, country: str | None, traction: str) -> Intensity:
        """The intensity of a rail section: electric = energy per tkm x the country's grid (TTW 0);
        diesel = fuel per tkm x the fuel's TTW and WTT factors; otherwise, and where the set lacks what
        the derivation needs (no grid figure for the country), the set's factor for that traction."""
        key = (country, traction)
        hit = self._rail_cache.get(key)
        if hit is None:
            hit = self._rail_intensity(country, traction)
            self._rail_cache[key] = hit
        return hit

    def _rail_intensity(self, country: str | None, traction: str) -> Intensity:
        if traction == "electric" and self.electric_kwh_per_tkm is not None:
            grid = self.grid.get(country or "")
            if grid is not None:
                kwh = self.electric_kwh_per_tkm
                return Intensity(
                    f"rail-electric-{grid.country}",
                    f"Electric freight train, {grid.country} grid {grid.year}: "
                    f"{kwh:g} kWh/tkm x {grid.g_per_kwh:g} g CO2e/kWh",
                    0.0,
                    kwh * grid.g_per_kwh,
                    f"{self.electric_source} x {self.grid_source}",
                    self.derived_quality,
                )
            fallback = self.factor(self.rail_factor_ids["average"])
            return Intensity(
                fallback.factor_id,
                f"{fallback.description} (no grid intensity for {country or 'unknown country'} in this set)",
                fallback.ttw_g_per_tkm,
                fallback.wtt_g_per_tkm,
                fallback.source,
                fallback.data_quality,
            )
        if traction == "diesel" and self.diesel_l_per_tkm is not None and self.diesel_fuel is not None:
            litres, fuel = self.diesel_l_per_tkm, self.diesel_fuel
            return Intensity(
                "rail-diesel",
                f"Diesel freight train: {litres:g} l/tkm x {fuel.id} ({fuel.ttw_kg_per_l:g} TTW + "
                f"{fuel.wtt_kg_per_l:g} WTT kg CO2e/l)",
                litres * fuel.ttw_kg_per_l * 1000.0,
                litres * fuel.wtt_kg_per_l * 1000.0,
                f"{self.diesel_source} x {fuel.source}",
                self.derived_quality,
            )
        return self.factor(self.rail_factor_ids.get(traction, self.rail_factor_ids["average"]))

    def hub_factor(self, kind: str) -> HubFactor | None:
        """The factor for handling a container at a hub of this kind; None when the set has none."""
        return self.hubs.get(kind)

    def air_distance_km(self, great_circle_km: float) -> float:
        """Distance an air leg is charged for: great-circle distance plus the set's adjustment (ISO 14083
        and GLEC add 95 km; the DESNZ factors include their own uplift, so that set adds 0)."""
        return great_circle_km + self.air_add_km


# ---- loading --------------------------------------------------------------------------------------
def _validate(file: str, model: type[BaseModel], raw: Any, entry: str) -> Any:
    if not isinstance(raw, dict):
        raise DataError(file, "expected a mapping", entry=entry)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld = ".".join(str(p) for p in err["loc"]) or None
        raise DataError(file, err["msg"], entry=entry, field=fld) from None


def _cite(src_id: str, ref: str | None, sources: dict[str, dict[str, Any]]) -> str:
    s = sources.get(src_id)
    base = src_id
    if s:
        base = f"{s.get('publisher')}, {s.get('title')}"
        if s.get("version"):
            base += f" ({s['version']})"
    return f"{base}: {ref}" if ref else base


def load_factor_set(src: DataSource) -> FactorSet:
    """Read and validate emission_factors.yaml (the user's data folder first, then the shipped file).
    Every error names the file, the entry and the field."""
    from landbridge.emissions.entries import SetEntry, SourceEntry

    doc = src.yaml(FACTORS)
    file = src.display(FACTORS)
    sources = {
        str(sid): _validate(file, SourceEntry, raw, f"sources.{sid}").model_dump(exclude_none=True)
        for sid, raw in (doc.get("sources") or {}).items()
    }
    info_entry = _validate(file, SetEntry, _set_block(doc), "set")
    info = SetInfo(info_entry.id, info_entry.name, info_entry.version, info_entry.licence, info_entry.url)
    factors = _load_factors(file, doc, sources)
    modes = _load_modes(file, doc, factors)
    rail_ids, electric, diesel = _load_rail(file, doc, factors)
    fuels = _load_fuels(file, doc, sources)
    diesel_fuel = None
    if diesel is not None:
        diesel_fuel = fuels.get(diesel.fuel)
        if diesel_fuel is None:
            raise DataError(
                file, f"fuel {diesel.fuel!r} is not listed under `fuels`", entry="rail.diesel", field="fuel"
            )
    grid_doc = doc.get("grid") or {}
    grid = _load_grid(file, grid_doc)
    if electric is not None and not grid:
        raise DataError(file, "electric rail by energy needs grid intensities under `grid.countries`", entry="grid")
    return FactorSet(
        info=info,
        air_add_km=info_entry.air_add_km,
        factors=factors,
        modes=modes,
        rail_factor_ids=rail_ids,
        electric_kwh_per_tkm=electric.energy_kwh_per_tkm if electric else None,
        electric_source=_cite(electric.source, electric.ref, sources) if electric else None,
        diesel_l_per_tkm=diesel.fuel_l_per_tkm if diesel else None,
        diesel_fuel=diesel_fuel,
        diesel_source=_cite(diesel.source, diesel.ref, sources) if diesel else None,
        grid=grid,
        grid_source=_cite(str(grid_doc.get("source")), None, sources) if grid_doc.get("source") else None,
        hubs=_load_hubs(file, doc, sources),
        derived_quality=info_entry.data_quality,
        sources=sources,
    )


def _set_block(doc: dict[str, Any]) -> Any:
    """The `set` block; a profile written in the earlier shape (no `set`) gets one from its top-level keys."""
    raw_set = doc.get("set")
    if raw_set is not None:
        return raw_set
    return {
        "id": "user-profile",
        "name": str(doc.get("source") or "emission factor profile"),
        "version": str(doc.get("version") or doc.get("retrieved") or "not stated"),
        "licence": str(doc.get("licence") or "not stated in the file"),
        "air_add_km": float((doc.get("air_distance_rule") or {}).get("add_km", 95)),
    }


def _load_factors(file: str, doc: dict[str, Any], sources: dict[str, dict[str, Any]]) -> dict[str, Intensity]:
    """Per factor: TTW and WTT in g per tonne-km (from kg per tkm, or from g TTW and WTW as GLEC profiles give)."""
    from landbridge.emissions.entries import FactorEntry

    factors: dict[str, Intensity] = {}
    for f in validate_entries(file, doc.get("factors"), FactorEntry, section="factors"):
        if f.ttw_kgco2e_per_tkm is not None and f.wtt_kgco2e_per_tkm is not None:
            ttw, wtt = f.ttw_kgco2e_per_tkm * 1000.0, f.wtt_kgco2e_per_tkm * 1000.0
        else:
            assert f.ttw_gco2e_per_tkm is not None and f.wtw_gco2e_per_tkm is not None  # the validator's promise
            ttw, wtt = f.ttw_gco2e_per_tkm, f.wtw_gco2e_per_tkm - f.ttw_gco2e_per_tkm
        factors[f.id] = Intensity(f.id, f.description, ttw, wtt, _cite(f.source, f.ref, sources), f.data_quality)
    return factors


def _load_modes(file: str, doc: dict[str, Any], factors: dict[str, Intensity]) -> dict[str, str]:
    """Mode -> factor id for road, sea, air and ferry, each naming a listed factor."""
    modes = dict(LEGACY_MODES)
    modes.update({str(k): str(v) for k, v in (doc.get("modes") or {}).items()})
    for mode, fid in modes.items():
        if mode not in MODES or mode == "rail":
            raise DataError(file, f"unknown mode {mode!r}; modes are road, sea, air, ferry", entry="modes")
        if fid not in factors:
            hint = did_you_mean(fid, factors)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise DataError(file, f"no factor {fid!r} in `factors`{extra}", entry="modes", field=mode)
    return modes


def _load_rail(
    file: str, doc: dict[str, Any], factors: dict[str, Intensity]
) -> tuple[dict[str, str], ElectricEntry | None, DieselEntry | None]:
    """Rail by traction: a factor id each, or an energy model for electric (kWh/tkm x grid) and diesel (l/tkm x
    fuel); whatever has no energy model must name a listed factor."""
    from landbridge.emissions.entries import DieselEntry, ElectricEntry

    rail = doc.get("rail") or {}
    if not isinstance(rail, dict):
        raise DataError(file, "expected a mapping of traction -> factor id or energy model", entry="rail")
    rail_ids = dict(LEGACY_RAIL)
    electric: ElectricEntry | None = None
    diesel: DieselEntry | None = None
    for traction, spec in rail.items():
        if traction not in TRACTIONS:
            raise DataError(file, f"unknown traction {traction!r}; use electric, diesel or average", entry="rail")
        if isinstance(spec, str):
            rail_ids[traction] = spec
        elif traction == "electric":
            electric = _validate(file, ElectricEntry, spec, "rail.electric")
        elif traction == "diesel":
            diesel = _validate(file, DieselEntry, spec, "rail.diesel")
        else:
            raise DataError(file, "give the id of a factor for unknown traction", entry="rail", field="average")
    needed = {"average"} | ({"electric"} if electric is None else set()) | ({"diesel"} if diesel is None else set())
    for traction in sorted(needed):
        fid = rail_ids[traction]
        if fid not in factors:
            raise DataError(file, f"no factor {fid!r} in `factors` for {traction} rail", entry="rail", field=traction)
    return rail_ids, electric, diesel


def _load_fuels(file: str, doc: dict[str, Any], sources: dict[str, dict[str, Any]]) -> dict[str, Fuel]:
    from landbridge.emissions.entries import FuelEntry

    fuels: dict[str, Fuel] = {}
    for fid, raw in (doc.get("fuels") or {}).items():
        e = _validate(file, FuelEntry, raw, f"fuels.{fid}")
        fuels[str(fid)] = Fuel(
            str(fid), e.description, e.ttw_kgco2e_per_l, e.wtt_kgco2e_per_l, _cite(e.source, e.ref, sources)
        )
    return fuels


def _load_grid(file: str, grid_doc: dict[str, Any]) -> dict[str, GridIntensity]:
    """Grid intensity per country (ISO 3166-1 alpha-2), g CO2e per kWh."""
    from landbridge.emissions.entries import GridEntry

    grid: dict[str, GridIntensity] = {}
    for country, raw in (grid_doc.get("countries") or {}).items():
        if not (isinstance(country, str) and len(country) == 2 and country.isupper()):
            raise DataError(file, "countries are ISO 3166-1 alpha-2 codes such as CN", entry=f"grid.{country}")
        g = _validate(file, GridEntry, raw, f"grid.{country}")
        grid[country] = GridIntensity(country, g.gco2e_per_kwh, g.year)
    return grid


def _load_hubs(file: str, doc: dict[str, Any], sources: dict[str, dict[str, Any]]) -> dict[str, HubFactor]:
    """Hub factor per kind of hub (terminal, gauge change, port...): each kind has at most one."""
    from landbridge.emissions.entries import HubEntry

    hubs: dict[str, HubFactor] = {}
    for h in validate_entries(file, doc.get("hubs") or [], HubEntry, section="hubs"):
        hf = HubFactor(
            h.id,
            h.kinds,
            h.description,
            h.ttw_kgco2e_per_container,
            h.wtt_kgco2e_per_container,
            _cite(h.source, h.ref, sources),
            h.data_quality,
        )
        for kind in h.kinds:
            if kind in hubs:
                raise DataError(file, f"hub kind {kind!r} has two factors", entry=h.id, field="kinds")
            hubs[kind] = hf
    return hubs


@lru_cache(maxsize=4)
def emission_factors(user_dir: str | None = None) -> FactorSet:
    """The factor set of a data folder (None: LANDBRIDGE_DATA_DIR or the shipped defaults), loaded once."""
    return load_factor_set(DataSource(user_dir))
