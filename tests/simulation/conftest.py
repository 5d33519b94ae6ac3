"""Fixtures for the digital-twin tests. Every test gets its own cache folder (the reliability bands)."""

import pytest

from landbridge.simulation import RunSpec, run_one


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDBRIDGE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def year_baseline():
    """One simulated year of the default network (the calibration run, a few seconds)."""
    return run_one(RunSpec(days=365, seed=42))
