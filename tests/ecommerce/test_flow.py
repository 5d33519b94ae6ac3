"""The order flow shared by the twin and the platform: a generated year is valid, reproducible, has its peaks,
and gives the twin its containers a week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest


def test_peaks_and_trough_are_where_the_calendar_puts_them():
    from landbridge.ecommerce_flow import order_flow

    f = order_flow()
    d = f.daily_factors(2026)
    med = np.median(d)
    singles = (date(2026, 11, 11) - date(2026, 1, 1)).days
    black_friday = (date(2026, 11, 27) - date(2026, 1, 1)).days  # fourth Friday of November 2026
    cny = (date(2026, 2, 17) - date(2026, 1, 1)).days
    assert d[singles] > 2.5 * med and d[black_friday] > 2 * med
    assert d[cny + 3] < 0.5 * med
    assert abs(d.sum() - 1) < 1e-9 and len(d) == 365


def test_generated_orders_are_reproducible_and_all_valid():
    import pyarrow as pa

    from landbridge.ecommerce.rules import rules
    from landbridge.ecommerce.validate import validate
    from landbridge.ecommerce_flow import generate_orders, order_flow

    f = order_flow()
    a = generate_orders(f, 2026, 3000, seed=7)
    b = generate_orders(f, 2026, 3000, seed=7)
    assert a.columns["seller_order_id"] == b.columns["seller_order_id"]
    assert np.array_equal(a.columns["weight_kg"], b.columns["weight_kg"])
    cols = {k: v for k, v in a.columns.items() if k != "seller"}
    c = validate(pa.table(cols), rules(), f, seller_id="cus_x", now=datetime(2026, 11, 30, tzinfo=UTC))
    assert c.errors == [], c.errors[:5]
    shares = {r: cols["regime"].count(r) / 3000 for r in f.regime_share}
    for r, share in f.regime_share.items():
        assert abs(shares[r] - share) < 0.04


def test_the_twin_and_the_platform_read_one_flow():
    """The twin's demand on the dedicated e-commerce train is the flow's volume in containers a week per hub (no
    second definition), and follows the flow's day profile (Singles' Day peak)."""
    from landbridge.ecommerce_flow import order_flow
    from landbridge.simulation.model import prepare
    from landbridge.world import load_world

    f = order_flow()
    box = load_world().catalog.container(f.container_type)
    per_hub = f.feu_per_week(box.volume_m3, box.feu)
    assert set(per_hub) == set(f.hubs) and all(v > 0 for v in per_hub.values())
    m = prepare(start=date(2026, 10, 1), days=70, seed=3)
    ecom = {
        o.destination: o.dedicated_feu_per_week[0]
        for o in m.ods
        if o.origin == f.origin and o.dedicated_feu_per_week[0]
    }
    assert ecom.keys() == per_hub.keys()
    for hub, feu in per_hub.items():
        assert ecom[hub] == pytest.approx(feu)
    assert f.day_factor(date(2026, 11, 11)) > 2.5 * f.day_factor(date(2026, 10, 14))
