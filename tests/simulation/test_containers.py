"""Container supply (issue 10): shipper-owned boxes (SOC) leased one way against carrier-owned boxes (COC)
repositioned empty; the empties' cost follows the timetable's loaded flows."""

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from landbridge.datafiles import DEFAULT_DATA_DIR
from landbridge.simulation import RunSpec, run_one
from landbridge.simulation.config import Empties, OneWayLease, SocShare
from landbridge.simulation.kpis import container_supply

SUPPLY_KEYS = {"soc_feu", "coc_feu", "one_way_lease_cost_usd"}
OLD_KEYS = {
    "by_rail_feu",
    "by_sea_feu",
    "cost_usd",
    "imbalance_feu",
    "boxes_supplied_in_china_feu",
    "cost_usd_per_month",
}


def _empties(west: float, east: float, fee_w: float = 1000, fee_e: float = 0) -> Empties:
    return Empties(
        reserve_days=7,
        sweep_days=7,
        rail_usd_per_feu=1200,
        sea_usd_per_feu=800,
        handling_usd_per_lift=100,
        soc_share=SocShare(westbound=west, eastbound=east),
        one_way_lease_usd_per_feu=OneWayLease(westbound=fee_w, eastbound=fee_e),
    )


share = st.floats(0, 1)


@given(share, share, st.integers(0, 10**6), st.integers(0, 10**6), st.floats(0, 5000), st.floats(0, 5000))
def test_split_sums_to_the_loaded_boxes(west, east, loaded_w, loaded_e, fee_w, fee_e):
    out = container_supply(_empties(west, east, fee_w, fee_e), loaded_w, loaded_e, 0)
    assert out["soc_feu"] + out["coc_feu"] == loaded_w + loaded_e
    assert 0 <= out["soc_feu"] <= loaded_w + loaded_e
    assert out["one_way_lease_cost_usd"] >= 0
    if west == east == 0:
        assert out["soc_feu"] == 0 and out["one_way_lease_cost_usd"] == 0


def test_default_year_keeps_the_keys_and_splits_the_loaded_boxes(year_baseline):
    k = year_baseline.kpis
    e = k["empties"]
    assert set(e) >= OLD_KEYS | SUPPLY_KEYS
    loaded = e["soc_feu"] + e["coc_feu"]
    # loaded westbound - loaded eastbound (imbalance) agrees with the split's total and the westbound share
    west_share = k["summary"]["westbound_share_of_loaded_feu"]
    assert e["imbalance_feu"] == pytest.approx(loaded * (2 * west_share - 1), rel=0.01)
    # the shipped shares (westbound 0.4, eastbound 0.2) lie between the direction shares of the split
    assert 0.2 * loaded < e["soc_feu"] < 0.4 * loaded
    assert e["one_way_lease_cost_usd"] > 0
    assert e["container_cost_usd"] == e["cost_usd"] + e["one_way_lease_cost_usd"]
    # the empties moved follow the COC boxes of the timetable's loaded flows: at least their net surplus in
    # Europe (terminals short of COC boxes add nothing, those with more send theirs east)
    west = (loaded + e["imbalance_feu"]) / 2
    coc_surplus = west * (1 - 0.4) - (loaded - west) * (1 - 0.2)
    assert coc_surplus > 0
    assert e["by_rail_feu"] + e["by_sea_feu"] >= 0.9 * coc_surplus


def _run_with_shares(tmp_path, west: float, east: float):
    doc = yaml.safe_load((DEFAULT_DATA_DIR / "simulation.yaml").read_text())
    doc["empties"]["soc_share"] = {"westbound": west, "eastbound": east}
    folder = tmp_path / f"soc-{west}-{east}"
    folder.mkdir()
    (folder / "simulation.yaml").write_text(yaml.safe_dump(doc))
    return run_one(RunSpec(days=120, seed=7, data_dir=str(folder))).kpis["empties"]


def test_more_soc_fewer_empties_repositioned_more_lease_cost(tmp_path):
    none = _run_with_shares(tmp_path, 0.0, 0.0)
    half = _run_with_shares(tmp_path, 0.5, 0.5)
    most = _run_with_shares(tmp_path, 0.9, 0.9)
    moved = [r["by_rail_feu"] + r["by_sea_feu"] for r in (none, half, most)]
    assert moved[0] > moved[1] > moved[2]
    assert none["cost_usd"] > half["cost_usd"] > most["cost_usd"]
    assert 0 == none["one_way_lease_cost_usd"] < half["one_way_lease_cost_usd"] < most["one_way_lease_cost_usd"]
    assert none["soc_feu"] == 0 < half["soc_feu"] < most["soc_feu"]
    # about the same boxes are loaded whoever owns them (fewer empties on eastbound trains change a few
    # cancellations and the space left at later stops)
    loaded = [r["soc_feu"] + r["coc_feu"] for r in (none, half, most)]
    assert loaded[1] == pytest.approx(loaded[0], rel=0.005) and loaded[2] == pytest.approx(loaded[0], rel=0.005)
    # COC boxes only: the repositioned empties follow the COC imbalance, (1 - share) x the loaded imbalance
    assert moved[1] == pytest.approx(0.5 * moved[0], rel=0.15)
