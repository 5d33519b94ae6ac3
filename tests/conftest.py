"""Shared fixtures: the default world, and ready dates that move with the calendar."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date, timedelta

import pytest

# The compiled-world cache (landbridge.worldcache) goes to a folder of this test process, not the user's.
if "LANDBRIDGE_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="landbridge-test-cache-")
    os.environ["LANDBRIDGE_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)


@pytest.fixture(scope="session")
def world():
    from landbridge.world import load_world

    return load_world()


@pytest.fixture(scope="session")
def ready_date() -> date:
    """A Monday about three weeks ahead: quotes reject past dates, so tests move with the calendar."""
    d = date.today() + timedelta(days=21)
    return d - timedelta(days=d.weekday())


def world_for(*specs: str):
    from landbridge.world import load_world, scenario_from_specs

    return load_world(scenario_from_specs(list(specs)))
