"""Packing: every order in exactly one container, no container over its volume or weight, and at most one
container above the lower bound per group; selection takes the oldest orders first."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

CAP_M3, CAP_KG = 64.855, 26_500.0

items = st.lists(st.tuples(st.floats(0.0005, CAP_M3), st.floats(0.05, CAP_KG)), min_size=0, max_size=300)


@settings(max_examples=200, deadline=None)
@given(items)
def test_limits_hold_and_count_stays_near_the_lower_bound(rows):
    from landbridge.ecommerce.packing import lower_bound, pack

    v = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    p = pack(v, w, CAP_M3, CAP_KG)
    assert len(p.bin_of) == len(rows)
    if rows:
        assert set(p.bin_of.tolist()) == set(range(p.containers))
        assert np.allclose(np.bincount(p.bin_of, weights=v, minlength=p.containers), p.volume_m3)
        assert np.allclose(np.bincount(p.bin_of, weights=w, minlength=p.containers), p.weight_kg)
    assert (p.volume_m3 <= CAP_M3 + 1e-6).all() and (p.weight_kg <= CAP_KG + 1e-6).all()
    lb = lower_bound(v, w, CAP_M3, CAP_KG)
    assert lb <= p.containers


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0005, 2.0), st.floats(0.05, 800.0)), min_size=1, max_size=2000))
def test_small_orders_pack_to_the_lower_bound_or_one_more(rows):
    """E-commerce orders are small against a container: the count is at most one above the bound."""
    from landbridge.ecommerce.packing import lower_bound, pack

    v = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    assert pack(v, w, CAP_M3, CAP_KG).containers <= lower_bound(v, w, CAP_M3, CAP_KG) + 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0.01, 5.0)), min_size=1, max_size=400), st.integers(0, 12))
def test_selection_is_a_prefix_in_age_order_within_the_budget(rows, budget):
    from landbridge.ecommerce.packing import lower_bound, select_oldest

    g = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    w = v * 100
    chosen = select_oldest(g, v, w, CAP_M3, CAP_KG, budget)
    k = int(chosen.sum())
    assert chosen[:k].all() and not chosen[k:].any()  # oldest first: a prefix
    need = sum(lower_bound(v[:k][g[:k] == x], w[:k][g[:k] == x], CAP_M3 * 0.99, CAP_KG * 0.99) for x in range(4))
    assert need <= budget


@given(
    st.lists(st.tuples(st.sampled_from(["lodz-rail", "duisburg-rail", "a", "ab"]), st.sampled_from(["9610", "1210"])))
)
def test_groups_are_numbered_in_the_order_of_their_keys(rows):
    hubs = np.array([r[0] for r in rows], dtype=object)
    regimes = np.array([r[1] for r in rows], dtype=object)
    from landbridge.ecommerce.packing import group_ids

    group, keys = group_ids(hubs, regimes)
    assert keys == sorted(set(rows))
    assert [keys[g] for g in group.tolist()] == rows
