"""tools/build_network_data.py: the plausibility check of routed rail lengths (the build exits 1 on a failure)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.network.loader import load_network
from landbridge.network.models import haversine_km

TOOL = Path(__file__).resolve().parent.parent / "tools" / "build_network_data.py"


def _tool():
    spec = importlib.util.spec_from_file_location("build_network_data", TOOL)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


tool = _tool()


@given(gc=st.floats(0.5, 5000), ratio=st.floats(0.5, 5))
def test_ratio_check_accepts_plausible_lengths_and_short_detours_only(gc, ratio):
    length = gc * ratio
    lo, hi = tool.RAIL_RATIO_HARD
    ok = tool.rail_ratio_ok(length, gc, tool.RAIL_RATIO_HARD)
    if lo <= ratio <= hi:
        assert ok
    elif ratio < lo:
        assert not ok  # shorter than the great circle: a routing or coordinate error, whatever the length
    else:
        assert ok == (length - gc <= tool.RAIL_SHORT_DETOUR_KM)


def test_izov_hrubieszow_passes_and_a_long_detour_fails():
    """The LHS border link: 17 km of track for 7 km as the crow flies (2.6x) is a short detour, not an error;
    a 1,000 km route between places 300 km apart is."""
    assert tool.rail_ratio_ok(17.0, 7.0, tool.RAIL_RATIO_HARD)
    assert not tool.rail_ratio_ok(1000.0, 300.0, tool.RAIL_RATIO_HARD)


def test_every_shipped_derived_link_passes_the_builders_hard_check():
    """So `python tools/build_network_data.py` exits 0 on the shipped data (it exited 1 on Izov-Hrubieszow)."""
    net = load_network(DataSource())
    doc = json.loads((DEFAULT_DATA_DIR / "derived" / "rail_geometry.json").read_text(encoding="utf-8"))
    for key, link in doc["links"].items():
        a, b = (net.places[p] for p in key.split("|"))
        gc = haversine_km(a.lat, a.lon, b.lat, b.lon)
        assert tool.rail_ratio_ok(link["distance_km"], gc, tool.RAIL_RATIO_HARD), (key, link["distance_km"], gc)
