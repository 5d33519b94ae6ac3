"""Optional parts (pyproject extras: postgres, charts, dask): without their packages, using them is a clear
error naming the extra to install (exit 2, HTTP 501), never an ImportError traceback."""

from __future__ import annotations

import sys

import pytest

from landbridge.errors import MissingExtraError, require
from tests.clirun import cli


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `import X` fail as if X were not installed (and forget modules that imported it)."""
    for name in list(sys.modules):
        if name.split(".")[0] in modules or name == "landbridge.maps":
            monkeypatch.delitem(sys.modules, name)
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def test_require_names_the_extra(monkeypatch):
    _without(monkeypatch, "plotly")
    with pytest.raises(MissingExtraError, match=r"pip install 'landbridge\[charts\]'"):
        require("plotly", "charts", "The dashboard")
    assert require("json", "none", "JSON").dumps([]) == "[]"


def test_a_missing_package_inside_an_installed_one_is_not_an_extra():
    with pytest.raises(ImportError) as exc:
        require("landbridge.no_such_module", "x", "y")
    assert not isinstance(exc.value, MissingExtraError)


def test_network_map_without_charts_says_what_to_install(monkeypatch, tmp_path):
    _without(monkeypatch, "matplotlib")
    r = cli("network", "map", str(tmp_path / "n.png"))
    assert r.exit_code == 2 and "landbridge[charts]" in r.output
    assert not (tmp_path / "n.png").exists()


def test_simulate_without_charts_points_to_no_charts(monkeypatch, tmp_path):
    _without(monkeypatch, "matplotlib")
    r = cli("simulate", "--start", "2026-01-05", "--days", "3", "--out", str(tmp_path / "run"))
    assert r.exit_code == 2 and "--no-charts" in r.output and "landbridge[charts]" in r.output
    r = cli("simulate", "--start", "2026-01-05", "--days", "3", "--no-charts", "--out", str(tmp_path / "run2"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "run2" / "kpis.json").exists()


def test_postgresql_without_its_driver_says_what_to_install(monkeypatch):
    _without(monkeypatch, "psycopg")
    r = cli("db", "upgrade", "--database", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert r.exit_code == 2 and "landbridge[postgres]" in r.output
