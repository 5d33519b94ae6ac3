"""Fixtures for the digital-twin tests."""

import pytest

from landbridge.simulation import RunSpec, run_one


@pytest.fixture(scope="session")
def year_baseline():
    """One simulated year of the default network (the calibration run, a few seconds)."""
    return run_one(RunSpec(days=365, seed=42))
