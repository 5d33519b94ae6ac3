"""One validating loader for shipped and user network files: errors name file, entry and field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.errors import DataError
from landbridge.network.loader import load_network


def user_copy(tmp_path: Path, name: str) -> Path:
    d = tmp_path / "mynet"
    d.mkdir(exist_ok=True)
    shutil.copy(DEFAULT_DATA_DIR / name, d / name)
    return d


def edit_yaml(path: Path, fn) -> None:
    doc = yaml.safe_load(path.read_text())
    fn(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def test_default_data_loads():
    net = load_network(DataSource())
    assert len(net.places) > 400


def test_bad_field_names_file_entry_and_field(tmp_path):
    d = user_copy(tmp_path, "places.yaml")
    edit_yaml(d / "places.yaml", lambda doc: doc["places"][0].update(lat=123))
    with pytest.raises(DataError) as e:
        load_network(DataSource(d))
    msg = str(e.value)
    assert "places.yaml" in msg and "'chongqing'" in msg and "'lat'" in msg


def test_unknown_place_in_link_suggests(tmp_path):
    d = user_copy(tmp_path, "rail_links.yaml")
    edit_yaml(d / "rail_links.yaml", lambda doc: doc["links"].append({"from": "xian", "to": "lanzou"}))
    with pytest.raises(DataError, match="did you mean lanzhou"):
        load_network(DataSource(d))


def test_gauge_mismatch_must_be_a_crossing(tmp_path):
    d = user_copy(tmp_path, "rail_links.yaml")
    edit_yaml(
        d / "rail_links.yaml",
        lambda doc: doc["links"].append({"from": "brest", "to": "warsaw-rail", "distance_km": 200}),
    )
    with pytest.raises(DataError, match="must be a border crossing"):
        load_network(DataSource(d))


def test_user_network_adds_a_terminal_and_a_line(tmp_path, ready_date):
    """A user adds a terminal in Gothenburg, a link and a weekly train, and quotes on it."""
    d = user_copy(tmp_path, "places.yaml")
    shutil.copy(DEFAULT_DATA_DIR / "rail_links.yaml", d / "rail_links.yaml")
    shutil.copy(DEFAULT_DATA_DIR / "services.yaml", d / "services.yaml")
    edit_yaml(
        d / "places.yaml",
        lambda doc: doc["places"].append(
            {
                "id": "gothenburg-rail",
                "name": "Gothenburg rail terminal",
                "kind": "terminal",
                "country": "SE",
                "lat": 57.71,
                "lon": 11.97,
                "gauge_mm": 1435,
                "city": "gothenburg",
            }
        ),
    )
    edit_yaml(
        d / "rail_links.yaml",
        lambda doc: doc["links"].append({"from": "hamburg-rail", "to": "gothenburg-rail", "distance_km": 760}),
    )
    edit_yaml(
        d / "services.yaml",
        lambda doc: doc["services"].append(
            {
                "id": "xian-gothenburg",
                "name": "Xi'an–Gothenburg",
                "corridor": "northern-khorgos",
                "stops": ["xian", "khorgos", "altynkol", "brest", "malaszewicze", "gothenburg-rail"],
                "weekdays": ["mon"],
            }
        ),
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "landbridge.cli",
            "quote",
            "Xian",
            "Gothenburg",
            "--ready",
            ready_date.isoformat(),
            "--mode",
            "rail",
            "--json",
            "--data",
            str(d),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert "xian-gothenburg" in p.stdout


def test_validate_command_reports_problem(tmp_path):
    d = user_copy(tmp_path, "border_crossings.yaml")
    edit_yaml(d / "border_crossings.yaml", lambda doc: doc["crossings"][1].update(trains_per_day=-3))
    p = subprocess.run(
        [sys.executable, "-m", "landbridge.cli", "network", "validate", "--data", str(d)],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2
    err = " ".join(p.stderr.split())
    assert "border_crossings.yaml" in err and "khorgos-altynkol" in err and "trains_per_day" in err


def test_data_files_cite_sources():
    for name in (
        "places.yaml",
        "rail_links.yaml",
        "border_crossings.yaml",
        "services.yaml",
        "tariffs.yaml",
        "emission_factors.yaml",
        "cargo.yaml",
        "parameters.yaml",
        "sea_services.yaml",
        "air_services.yaml",
    ):
        doc = yaml.safe_load((DEFAULT_DATA_DIR / name).read_text())
        assert doc.get("source"), name
        assert doc.get("retrieved") or doc.get("valid_from"), name
    for f in yaml.safe_load((DEFAULT_DATA_DIR / "emission_factors.yaml").read_text())["factors"]:
        assert f["source"] and f["ttw_kgco2e_per_tkm"] >= 0 and f["wtt_kgco2e_per_tkm"] >= 0
