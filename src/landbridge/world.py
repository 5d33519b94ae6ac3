"""Everything the planner and the simulation need, loaded once per data folder and scenario."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from landbridge.cargo import CargoCatalog, cargo_catalog
from landbridge.datafiles import DataSource
from landbridge.emissions import EmissionFactors, emission_factors
from landbridge.network.loader import default_network
from landbridge.network.models import Network
from landbridge.planner.core import Planner
from landbridge.pricing import ExchangeRates, Tariffs, exchange_rates, tariffs
from landbridge.scenarios import BASELINE, Scenario, parse_scenario
from landbridge.timetable.builder import Timetable, timetable_for


@dataclass(frozen=True)
class World:
    network: Network
    timetable: Timetable
    catalog: CargoCatalog
    tariffs: Tariffs
    rates: ExchangeRates
    factors: EmissionFactors
    planner: Planner
    data_dir: str | None
    suspension_tags: frozenset[str] = frozenset()  # what the scenario reopen:TAG may name (services.yaml)

    @property
    def scenario(self) -> Scenario:
        return self.timetable.scenario


def _key(data_dir: str | Path | None) -> str | None:
    if data_dir is None:
        DataSource(None)  # validates LANDBRIDGE_DATA_DIR
        import os

        data_dir = os.environ.get("LANDBRIDGE_DATA_DIR") or None
    return str(data_dir) if data_dir else None


@lru_cache(maxsize=16)
def _world(data_dir: str | None, scenario: Scenario) -> World:
    if scenario != BASELINE:
        return build_world(data_dir, scenario)
    from landbridge.worldcache import cached_world

    return cached_world(data_dir, lambda: build_world(data_dir, scenario), World)


def build_world(data_dir: str | None, scenario: Scenario = BASELINE) -> World:
    """The world built from the data files now, bypassing every cache (what the caches must equal)."""
    network = default_network(data_dir)
    tt = timetable_for(scenario, data_dir)
    cat = cargo_catalog(data_dir)
    tar = tariffs(data_dir)
    rates = exchange_rates(data_dir)
    fac = emission_factors(data_dir)
    planner = Planner(network, tt, cat, tar, fac, rates)
    from landbridge.reliability import apply_bands

    apply_bands(planner, DataSource(data_dir))  # the twin's bands, versioned data (never a cache)
    return World(network, tt, cat, tar, rates, fac, planner, data_dir, suspension_tags(data_dir))


def load_world(scenario: Scenario = BASELINE, data_dir: str | Path | None = None) -> World:
    """The network, timetable, catalogue, tariffs, rates, factors and planner for a scenario and data folder
    (None: LANDBRIDGE_DATA_DIR or the shipped data), built once per process and reused. The baseline world is
    also kept compiled between processes (`landbridge.worldcache`), keyed by the bytes of every data file and
    of the code, so it is the same world as a fresh build."""
    return _world(_key(data_dir), scenario)


def scenario_from_specs(specs: Iterable[str] | str | None, data_dir: str | Path | None = None) -> Scenario:
    """Parse scenario specs, checking crossing and corridor names against the network."""
    base = load_world(BASELINE, data_dir)
    crossings = {c.id: (c.a, c.b) for c in base.network.crossings}
    return parse_scenario(specs, crossings, base.timetable.corridors, base.suspension_tags)


def suspension_tags(data_dir: str | Path | None = None) -> frozenset[str]:
    """Tags of the suspended services in services.yaml: what the scenario reopen:TAG may name."""
    from landbridge.datafiles import validate_entries
    from landbridge.timetable.builder import SERVICES
    from landbridge.timetable.entries import RailServiceEntry

    src = DataSource(data_dir)
    entries = validate_entries(
        src.display(SERVICES), src.yaml(SERVICES).get("services"), RailServiceEntry, section="services"
    )
    return frozenset(e.suspended.tag for e in entries if e.suspended is not None)
