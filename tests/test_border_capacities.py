"""Border crossing capacities (border_crossings.yaml) against the published figures (published_flows.yaml,
DOMAIN.md): every capacity is a cited published figure or a labelled assumption, and the twin uses them as
given, never fitted to the timetable."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from landbridge.datafiles import DEFAULT_DATA_DIR
from landbridge.scenarios import BASELINE
from landbridge.simulation.model import prepare

FLOWS = yaml.safe_load((DEFAULT_DATA_DIR / "published_flows.yaml").read_text(encoding="utf-8"))
CROSSINGS = yaml.safe_load((DEFAULT_DATA_DIR / "border_crossings.yaml").read_text(encoding="utf-8"))["crossings"]
BY_ID = {c["id"]: c for c in CROSSINGS}

# Published capacities or handling rates, trains a day both directions together (source per entry)
PUBLISHED = {
    # about 16 train pairs a day published for 2021 (DOMAIN.md; published_flows.yaml border_crossings)
    "brest-malaszewicze": 2 * 16,
    # Khorgos Gateway: 19-20 trains a day after the second set of 1435 mm tracks (DOMAIN.md, KTZ 2023)
    "khorgos-altynkol": 20,
    # Alashankou: peaks of 30 trains a day in 2024 (China Railway Urumqi Group via Xinhua; DOMAIN.md)
    "alashankou-dostyk": 30,
    # Naushki checkpoint: 18-20 trains a day after reconstruction (Far Eastern Customs via TASS, 2022-05-27)
    "sukhbaatar-naushki": 18,
}


@pytest.mark.parametrize("crossing", CROSSINGS, ids=lambda c: c["id"])
def test_every_capacity_is_published_and_cited_or_a_labelled_assumption(crossing):
    basis, source = crossing["capacity_basis"], crossing["capacity_source"]
    assert basis in ("published", "assumption")
    if basis == "published":
        assert crossing["id"] in PUBLISHED, "a published capacity needs its check in this file"
        assert crossing["trains_per_day"] == PUBLISHED[crossing["id"]]
        assert any(str(y) in source for y in range(2000, 2027)), "cite the figure's year"
    else:
        assert "no published" in source.lower() and "assum" in source.lower(), source


@pytest.mark.parametrize("crossing_id, per_day", PUBLISHED.items())
def test_published_figures_are_the_capacity_or_named_in_its_source(crossing_id, per_day):
    """A published figure is the capacity, or (where the data uses another basis, e.g. a whole port's flow
    rather than one yard's capacity) its source says why and names the figure."""
    c = BY_ID[crossing_id]
    if c["capacity_basis"] == "published":
        assert c["trains_per_day"] == per_day
    else:
        assert str(per_day) in c["capacity_source"] or f"{per_day - 1}-{per_day}" in c["capacity_source"]


def test_brest_is_the_published_sixteen_pairs_not_sixty():
    """Issue 10: Brest-Małaszewicze was 60 trains a day with "no published figure" against about 16 pairs a day
    published (published_flows.yaml, DOMAIN.md)."""
    published = FLOWS["border_crossings"]["brest-malaszewicze"]["trains_per_day"]
    assert BY_ID["brest-malaszewicze"]["trains_per_day"] == published == 32


@pytest.mark.parametrize(
    "gateway", ["alashankou-dostyk", "manzhouli-zabaykalsk", "erenhot-zamyn-uud", "suifenhe-grodekovo"]
)
def test_a_gateways_capacity_carries_its_published_flow(gateway):
    """Trains a year through the Chinese gateways (published_flows.yaml trains_by_gateway) fit within the
    capacity. Khorgos is left out: its 8,541 trains of 2024 count the whole railway port, part of them
    transshipped outside the Khorgos Gateway yard whose 20 a day the data holds (border_crossings.yaml)."""
    flow_per_day = FLOWS["trains_by_gateway"][gateway]["value"] / 365
    assert flow_per_day <= BY_ID[gateway]["trains_per_day"]


def test_the_twin_uses_the_data_capacities_not_the_timetables_load():
    m = prepare(BASELINE, date(2026, 3, 1), 1)
    assert m.config.crossings.capacity_basis == "data"
    for c in m.crossings:
        assert c.trains_per_day == pytest.approx(BY_ID[c.id]["trains_per_day"]), c.id
