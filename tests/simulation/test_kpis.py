"""KPIs say what period they cover, and count what did not arrive: rates per 30 days for any run length,
transit quantiles that count boxes on stranded trains (censored), demand not served."""

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.scenarios import BASELINE
from landbridge.simulation.engine import run_fast
from landbridge.simulation.kpis import censored_quantiles, compute, weighted_quantiles
from landbridge.simulation.model import prepare

samples = st.lists(
    st.tuples(st.floats(0.5, 60, allow_nan=False), st.integers(1, 55), st.booleans()), min_size=1, max_size=40
)


@given(samples)
def test_censored_quantiles_are_the_kaplan_meier_ones(rows):
    values = np.array([v for v, _, _ in rows])
    weights = np.array([w for _, w, _ in rows], dtype=float)
    censored = np.array([c for _, _, c in rows])
    out = censored_quantiles(values, weights, censored, (0.5, 0.9))
    if not censored.any():
        assert [x for x, _ in out] == weighted_quantiles(values, weights, (0.5, 0.9))
        return
    # Kaplan-Meier by its definition: at each observed value, survival times (1 - observed there / at risk)
    times = sorted(set(values[~censored]))
    surv, curve = 1.0, []
    for t in times:
        at_risk = weights[values >= t].sum()
        died = weights[(values == t) & ~censored].sum()
        surv *= 1 - died / at_risk
        curve.append((t, 1 - surv))
    for q, (x, is_bound) in zip((0.5, 0.9), out):
        reached = [t for t, share in curve if share >= q - 1e-9]
        if reached:
            assert not is_bound and x == pytest.approx(reached[0])
        else:
            assert is_bound
            # a lower bound: no box at or below it was seen arriving after the curve stopped
            assert x >= (times[-1] if times else -math.inf)


@given(st.lists(st.floats(0.5, 60, allow_nan=False), min_size=1, max_size=30), st.integers(1, 30))
@settings(max_examples=50)
def test_stranded_boxes_only_ever_lengthen_the_quantiles(delivered, n_stranded):
    """Counting boxes that never arrived can only make p50/p90 longer, never shorter (the defect: a closed
    border made China -> Germany look faster, because only the trains that got through were counted)."""
    d = np.array(delivered)
    base = weighted_quantiles(d, np.ones(len(d)), (0.5, 0.9))
    values = np.concatenate((d, np.full(n_stranded, 90.0)))
    censored = np.concatenate((np.zeros(len(d), bool), np.ones(n_stranded, bool)))
    with_stranded = censored_quantiles(values, np.ones(len(values)), censored, (0.5, 0.9))
    for plain, (x, _) in zip(base, with_stranded):
        assert x >= plain


@pytest.mark.parametrize("start, days", [(date(2026, 1, 1), 1), (date(2026, 3, 10), 17), (date(2026, 2, 1), 28)])
def test_rates_are_per_30_days_of_the_simulated_period(start, days):
    m = prepare(BASELINE, start, days, seed=4)
    k = compute(m, run_fast(m), tables=False).kpis
    s = k["summary"]
    assert s["simulated_days"] == days and sum(k["month_days"]) == days
    assert s["trains_per_30_days"] == round(s["cr_express_trains"] * 30 / days, 1)
    assert s["teu_per_30_days"] == round(s["teu"] * 30 / days)
    # the flows are per year: the window's counts x 365 / days (every CR Express train has a Chinese end)
    hubs = k["trains_per_year_by_hub"]
    assert abs(sum(hubs.values()) - s["cr_express_trains"] * 365 / days) <= len(hubs)
    for c, n in k["timetable_only_trains_per_year_by_gateway"].items():
        assert k["trains_per_year_by_gateway"][c] >= n
    assert k["teu_per_train"] == s["teu_per_train"]
    trains = s["cr_express_trains"]
    assert k["westbound_train_share"] == round(sum(k["westbound_trains_per_month"]) / trains, 4)
    assert set(k["teu_per_year_by_region"]) == {"eu", "russia_belarus_central_asia", "others"}
    full_month = start.day == 1 and days == 28  # February 2026
    assert (s["trains_per_month_mean"] is not None) == full_month
    if full_month:
        assert s["trains_per_month_mean"] == s["cr_express_trains"]


def test_a_border_closing_under_running_trains_strands_them_in_the_kpis():
    m = prepare(BASELINE, date(2026, 3, 1), 30, seed=7)
    brest = next(c for c in m.crossings if c.id == "brest-malaszewicze")
    brest.tracks = 0  # closed while trains are on their way (a 0 % scenario takes them out of the timetable)
    k = compute(m, run_fast(m), tables=False).kpis
    normal = prepare(BASELINE, date(2026, 3, 1), 30, seed=7)
    s, b = k["summary"], compute(normal, run_fast(normal), tables=False).kpis["summary"]
    assert s["trains_stranded"] > 100 and s["feu_stranded"] > 1000
    assert k["borders"]["brest-malaszewicze"]["stranded_trains"] > 100
    # China -> Germany no longer looks faster: the stranded boxes count, and the quantiles say they are bounds
    g = k["transit_groups"]["China → Germany"]
    assert g["stranded_feu"] > 0 and g["p90_censored"]
    assert s["china_germany_p90_days"] >= b["china_germany_p90_days"]
    assert s["china_germany_p50_days"] >= b["china_germany_p50_days"]
    assert b["trains_stranded"] == 0 and not b["china_germany_p90_censored"]


def test_demand_not_served_counts_pairs_without_trains_and_boxes_left_behind():
    from landbridge.world import scenario_from_specs

    m = prepare(scenario_from_specs(["avoid-corridor:trans-siberian"]), date(2026, 4, 1), 30, seed=3)
    d = compute(m, run_fast(m), tables=False).kpis["demand"]
    assert d["unserved_feu"] > 0
    assert d["not_served_feu"] == d["unserved_feu"] + d["backlog_feu_at_end"]
