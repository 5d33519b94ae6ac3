"""Shared fixtures: the default world, and ready dates that move with the calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


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
