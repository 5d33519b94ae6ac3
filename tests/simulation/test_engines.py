"""The fast engine against the SimPy reference model, and its optimised rules against the general ones."""

from datetime import date

import pytest

from landbridge.scenarios import BASELINE
from landbridge.simulation.engine import run_fast
from landbridge.simulation.kpis import compute
from landbridge.simulation.model import prepare
from landbridge.simulation.state import NetworkState


@pytest.fixture(scope="module")
def model():
    return prepare(BASELINE, date(2026, 3, 1), 90, seed=7)


def test_fast_rules_decide_as_the_general_rules(model):
    a = run_fast(model)
    b = run_fast(model, state_class=NetworkState)
    assert a.trains == b.trains
    assert a.deliveries == b.deliveries
    assert a.crossing_log == b.crossing_log
    assert a.empties_rail == b.empties_rail and a.empties_sea == b.empties_sea


def test_simpy_model_gives_the_same_kpis(model):
    pytest.importorskip("simpy")
    from landbridge.simulation.simpy_model import run_simpy

    fast = compute(model, run_fast(model)).kpis
    ref = compute(model, run_simpy(model)).kpis
    for key in ("trains_per_month_mean", "teu_per_month_mean", "china_germany_p50_days", "xian_speed_train_p50_days"):
        f, r = fast["summary"][key], ref["summary"][key]
        assert abs(f - r) <= 0.01 * abs(r), (key, f, r)
    for cid in ("brest-malaszewicze", "alashankou-dostyk", "khorgos-altynkol"):
        assert abs(fast["borders"][cid]["mean_wait_hours"] - ref["borders"][cid]["mean_wait_hours"]) <= 0.5
        assert abs(fast["borders"][cid]["utilisation"] - ref["borders"][cid]["utilisation"]) <= 0.02


def test_same_seed_same_run_other_seed_other_run(model):
    a = compute(model, run_fast(model)).kpis
    b = compute(model, run_fast(model)).kpis
    assert a == b
    other = prepare(BASELINE, date(2026, 3, 1), 90, seed=8)
    c = compute(other, run_fast(other)).kpis
    assert c["teu_per_month"] != a["teu_per_month"]
