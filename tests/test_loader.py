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
        "unlocodes.yaml",
    ):
        doc = yaml.safe_load((DEFAULT_DATA_DIR / name).read_text())
        assert doc.get("source"), name
        assert doc.get("retrieved") or doc.get("valid_from"), name
    for f in yaml.safe_load((DEFAULT_DATA_DIR / "emission_factors.yaml").read_text())["factors"]:
        assert f["source"] and f["ttw_kgco2e_per_tkm"] >= 0 and f["wtt_kgco2e_per_tkm"] >= 0


# --- UN/LOCODEs (unlocodes.yaml) -------------------------------------------------------------------
def test_every_hub_terminal_border_port_and_airport_has_a_unlocode_or_a_reason():
    """Tracking events carry UN/LOCODEs (DCSA Track & Trace): each such place has a code checked against the
    UNECE code list (its entry recorded) or says why the list has none."""
    from landbridge.network.models import LOCODE_KINDS

    net = load_network(DataSource())
    doc = yaml.safe_load((DEFAULT_DATA_DIR / "unlocodes.yaml").read_text(encoding="utf-8"))
    assert doc["list_issue"] and doc["verified_by"]
    places = [p for p in net.places.values() if p.kind in LOCODE_KINDS]
    assert len(places) >= 150
    for p in places:
        assert p.id in doc["codes"], p.id
        assert p.unlocode_note, p.id
        if p.unlocode is None:
            assert len(doc["codes"][p.id]["reason"]) >= 15, p.id
        else:
            assert p.unlocode[:2] == p.country, (p.id, p.unlocode)
            assert doc["codes"][p.id]["entry"], p.id
    coded = [p for p in places if p.unlocode]
    assert len(coded) / len(places) >= 0.8


def test_every_unlocode_in_the_data_matches_its_place_country():
    """Cities (CSV files) and places alike: a code's first two letters are the place's ISO 3166-1 country."""
    net = load_network(DataSource())
    for p in net.places.values():
        if p.unlocode:
            assert p.unlocode[:2] == p.country, (p.id, p.unlocode)


@pytest.mark.parametrize(
    "place_id, code, entry",
    [
        # UNECE UN/LOCODE issue 2018-1 (see unlocodes.yaml): border stations and terminals beyond the EU
        ("zabaykalsk", "RUZBK", "Zabaykal'sk"),
        ("alashankou", "CNAKL", "Alatawshankou"),
        ("kuznica", "PLKUB", "Kuznica Bialostocka"),
        ("minsk-kolyadichi", "BYKDC", "Kolyadichi"),
        ("tashkent-rail", "UZCHU", "Chukur-Say"),
        ("vorsino-rail", "RUVRS", "Vorsino"),
        ("shanghai-port", "CNSHG", "Shanghai Pt"),
    ],
)
def test_unlocodes_of_named_places(place_id, code, entry):
    p = load_network(DataSource()).places[place_id]
    assert p.unlocode == code and entry in (p.unlocode_note or "")


def test_carrier_codes_resolve_to_the_port():
    """Carriers write CNSHA for the port of Shanghai; UN/LOCODE gives that code to Hongqiao airport."""
    from landbridge.network.search import PlaceIndex

    ix = PlaceIndex(load_network(DataSource()))
    assert ix.find("CNSHA").id == "shanghai-port"
    assert ix.find("RUZBK").id == "zabaykalsk"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"code": "RUZBK", "entry": "Zabaykal'sk"}, "is a code of RU, but dostyk lies in KZ"),
        ({"code": None, "reason": None}, "needs a reason"),
        ({"code": "KZDOS", "reason": None}, "needs the code list entry"),
    ],
)
def test_bad_unlocode_entries_are_refused(tmp_path, change, message):
    d = user_copy(tmp_path, "unlocodes.yaml")
    edit_yaml(d / "unlocodes.yaml", lambda doc: doc["codes"]["dostyk"].update(change))
    with pytest.raises(DataError, match=message):
        load_network(DataSource(d))


def test_unlocode_for_an_unknown_place_suggests(tmp_path):
    d = user_copy(tmp_path, "unlocodes.yaml")
    edit_yaml(d / "unlocodes.yaml", lambda doc: doc["codes"].update({"dostik": {"code": None, "reason": "x" * 20}}))
    with pytest.raises(DataError, match="did you mean dostyk"):
        load_network(DataSource(d))


def test_a_file_is_parsed_once_per_content_and_again_when_it_changes(tmp_path):
    """DataSource.yaml shares one parse of the same bytes (reliability.data_hash re-reads what the loaders
    read); a rewrite of the same size in the same clock tick is still seen (keyed by content, not mtime)."""
    d = tmp_path / "mynet"
    d.mkdir()
    f = d / "cargo.yaml"
    f.write_text("a: 1\n")
    src = DataSource(d)
    first = src.yaml("cargo.yaml")
    assert first == {"a": 1} and src.yaml("cargo.yaml") is first and DataSource(d).yaml("cargo.yaml") is first
    f.write_text("a: 2\n")  # same size, likely the same mtime
    assert src.yaml("cargo.yaml") == {"a": 2}
    f.write_text("a: [\n")
    with pytest.raises(DataError, match="not valid YAML"):
        src.yaml("cargo.yaml")
    f.write_bytes(b"a: \xff\n")
    with pytest.raises(DataError, match="not valid UTF-8"):
        src.yaml("cargo.yaml")


def test_loading_the_world_leaves_the_parsed_documents_as_in_the_files():
    """The loaders must not mutate the shared documents: after a world is built, each is what a fresh parse
    of its file gives (else data_hash would hash an edited document and mark the twin's bands stale)."""
    from landbridge.reliability import TWIN_INPUTS, data_hash
    from landbridge.world import load_world

    load_world()
    src = DataSource(None)
    data_hash(src)
    names = {n.partition("#")[0] for n in TWIN_INPUTS} | {p.name for p in DEFAULT_DATA_DIR.glob("*.yaml")}
    for name in sorted(n for n in names if n.endswith(".yaml")):
        assert src.yaml(name) == yaml.safe_load((DEFAULT_DATA_DIR / name).read_text(encoding="utf-8")), name
