"""The `landbridge` command end to end: JSON shapes, exports, and clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landbridge.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_network_stats_json():
    r = run("network", "stats", "--json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["european_cities"] >= 200 and s["european_countries"] >= 25
    assert {"hub", "terminal", "border", "port", "airport", "city"} <= set(s["places"])
    assert {"rail", "border_crossing", "ferry", "road", "sea", "air"} <= set(s["links"])


def test_network_export_geojson(tmp_path: Path):
    f = tmp_path / "net.geojson"
    r = run("network", "export", "--geojson", str(f))
    assert r.exit_code == 0
    doc = json.loads(f.read_text())
    assert doc["type"] == "FeatureCollection"
    modes = {ft["properties"].get("mode") for ft in doc["features"] if ft["geometry"]["type"] == "LineString"}
    assert {"rail", "border_crossing", "ferry", "sea", "air"} <= modes
    rail = [ft for ft in doc["features"] if ft["properties"].get("mode") == "rail"]
    assert all(len(ft["geometry"]["coordinates"]) >= 2 for ft in rail)


def test_timetable_json_for_a_month(ready_date):
    month = ready_date.strftime("%Y-%m")
    r = run("timetable", "--from", "Chongqing", "--to", "Duisburg", "--month", month, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    deps = doc["departures"]
    # the Yuxinou lines to Duisburg (and the Milan and Middle Corridor lines through it): about five trains a week
    # since the timetable follows the published 2024 EU share of TEU (services.yaml, published_flows.yaml)
    assert len(deps) >= 18
    for d in deps:
        for k in ("service", "origin", "destination", "departure", "arrival", "capacity_feu"):
            assert k in d
        assert d["origin"] == "chongqing" and d["destination"] == "duisburg-rail"
        assert d["departure_local"][:7] == month  # the month is the origin's local calendar
    assert [d["departure"] for d in deps] == sorted(d["departure"] for d in deps)


def test_whole_network_runs_over_a_thousand_trains_a_month(ready_date):
    r = run("timetable", "--month", ready_date.strftime("%Y-%m"), "--json")
    deps = json.loads(r.output)["departures"]
    cr = [d for d in deps if not d["service"].startswith("shuttle-")]
    assert len(cr) > 1000


def test_quote_json(ready_date):
    r = run(
        "quote",
        "Chongqing",
        "Duisburg",
        "--ready",
        ready_date.isoformat(),
        "--containers",
        "2",
        "--container-type",
        "40HC",
        "--cargo",
        "electronics",
        "--json",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["options"] and {"rail", "sea", "air"} <= {o["mode"] for o in doc["options"]}


def test_quote_table_output(ready_date):
    r = run("quote", "Xian", "Hamburg", "--ready", ready_date.isoformat(), "--scenario", "red-sea-closed")
    assert r.exit_code == 0
    assert "faste" in r.output and "Red Sea closed" in r.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["quote", "Chongqin", "Duisburg", "--ready", "{ready}"], "Did you mean: Chongqing"),
        (["quote", "Chongqing", "Duisburg", "--ready", "2020-01-01"], "in the past"),
        (["quote", "Chongqing", "Duisburg", "--ready", "tomorrow"], "not a date"),
        (["quote", "Chongqing", "Duisburg", "--ready", "{ready}", "--mass-kg", "90000"], "can carry"),
        (["quote", "Chongqing", "Duisburg", "--ready", "{ready}", "--scenario", "red-sea-clsoed"], "Valid forms"),
        (
            ["quote", "Chongqing", "Duisburg", "--ready", "{ready}", "--scenario", "border:khorgoss=50%"],
            "Did you mean khorgos",
        ),
        (["timetable", "--month", "2026-13"], "YYYY-MM"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(ready_date, args, message):
    args = [a.replace("{ready}", ready_date.isoformat()) for a in args]
    p = subprocess.run([sys.executable, "-m", "landbridge.cli", *args], capture_output=True, text=True)
    assert p.returncode == 2, p.stdout + p.stderr
    assert message in " ".join(p.stderr.split())
    assert "Traceback" not in p.stderr


def test_maps_are_drawn(tmp_path: Path, ready_date):
    net = tmp_path / "network.png"
    assert run("network", "map", str(net)).exit_code == 0
    q = tmp_path / "quote.svg"
    r = run("quote", "Chengdu", "Lyon", "--ready", ready_date.isoformat(), "--map", str(q))
    assert r.exit_code == 0
    assert net.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and net.stat().st_size > 50_000
    assert b"<svg" in q.read_bytes()[:500]
    bad = runner.invoke(app, ["network", "map", str(tmp_path / "network.gif")])
    assert bad.exit_code != 0 and "choose a file ending in .png" in str(bad.exception)


def _shape(cmd) -> object:
    """What a user sees of a command: its help, parameters (names, flags, required, help, default) and
    sub-commands, recursively."""
    params = [(p.name, tuple(p.opts), p.required, getattr(p, "help", None), repr(p.default)) for p in cmd.params]
    subs = {name: _shape(sub) for name, sub in getattr(cmd, "commands", {}).items()}
    return (cmd.help, cmd.no_args_is_help if hasattr(cmd, "no_args_is_help") else None, params, subs)


def test_a_command_built_alone_is_the_command_of_the_whole_app():
    """main() builds only the command named on the command line; it must be the very command of the whole app."""
    from typer.main import get_command

    from landbridge.cli import COMMANDS, build_app

    whole = get_command(app)
    assert sorted(whole.commands) == sorted(name for name, _, _ in COMMANDS)  # type: ignore[attr-defined]
    for name, _, _ in COMMANDS:
        alone = get_command(build_app([name]))
        assert list(alone.commands) == [name]  # type: ignore[attr-defined]
        assert _shape(alone.commands[name]) == _shape(whole.commands[name])  # type: ignore[attr-defined]
        assert [p.name for p in alone.params] == [p.name for p in whole.params]


_PROBE = """
import gc, json, sys
from landbridge.cli import main
sys.argv = ["landbridge", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
collector_on = gc.isenabled()
from landbridge.cargo import CargoType, ContainerType
from landbridge.network.models import Place
from landbridge.pricing import TariffFile, TariffPeriod
models = [CargoType, ContainerType, Place, TariffFile, TariffPeriod]
report = {
    "modules": sorted(sys.modules),
    "validators_built": [m.__name__ for m in models if m.__pydantic_complete__],
    "collector_on": collector_on,
}
sys.stderr.write(json.dumps(report))
"""


_GC_PROBE = """
import functools, gc, json, sys
import landbridge.cli.quote
from landbridge.cli import main
if sys.argv[1] == "off":
    gc.disable()
entered = []  # the collector's state when the command itself starts
command = landbridge.cli.quote.quote_cmd
@functools.wraps(command)
def probe(*args, **kwargs):
    entered.append(gc.isenabled())
    return command(*args, **kwargs)
landbridge.cli.quote.quote_cmd = probe
sys.argv = ["landbridge", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps({"entered": entered, "after": gc.isenabled()}))
"""


@pytest.mark.parametrize("before", ["on", "off"])
@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["quote", "--help"],
        ["quote", "Chongqing"],
        ["quote", "Nowhereville", "Duisburg", "--ready", "2030-01-01", "--json"],
    ],
)
def test_main_leaves_the_garbage_collector_as_it_found_it(before: str, args: list[str]):
    """main() pauses the cyclic collector while the command starts; the command runs with it as the caller left
    it, and so does whatever follows (help, a usage error, a command that fails)."""
    import os

    env = {**os.environ, "LANDBRIDGE_CACHE_DIR": "off"}
    p = subprocess.run([sys.executable, "-c", _GC_PROBE, before, *args], capture_output=True, text=True, env=env)
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen["after"] == (before == "on"), p.stderr
    runs_the_command = "--help" not in args and len(args) > 2
    assert seen["entered"] == ([before == "on"] if runs_the_command else []), p.stderr


def test_a_cached_quote_imports_only_what_it_uses(tmp_path: Path, ready_date):
    """`landbridge quote --json` answered from the compiled world: no other command's module, no database, no
    Rich, no YAML, and no data-file model builds its validator (they are built when a file is validated)."""
    import os

    env = {**os.environ, "LANDBRIDGE_CACHE_DIR": str(tmp_path)}
    args = ["quote", "Chongqing", "Duisburg", "--ready", ready_date.isoformat(), "--json"]
    runs = [
        subprocess.run([sys.executable, "-c", _PROBE, *args], env=env, capture_output=True, text=True)
        for _ in range(2)  # the first writes the compiled world, the second reads it
    ]
    for p in runs:
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["options"]
    first, second = (json.loads(p.stderr) for p in runs)
    assert first["collector_on"] and second["collector_on"]  # paused while starting, then running again
    assert first["validators_built"]  # built from the files: validated
    assert second["validators_built"] == []
    mods = set(second["modules"])
    # the models of what the files hold as written are not even imported
    for entries in ("landbridge.network.entries", "landbridge.timetable.entries", "landbridge.emissions.entries"):
        assert entries in set(first["modules"]) and entries not in mods, entries
    assert {m for m in mods if m.startswith("landbridge.cli.")} == {"landbridge.cli.common", "landbridge.cli.quote"}
    for heavy in ("sqlalchemy", "rich", "yaml", "landbridge.booking", "landbridge.simulation", "landbridge.db"):
        assert heavy not in mods, heavy
