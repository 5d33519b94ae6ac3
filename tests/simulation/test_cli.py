"""`landbridge simulate`: outputs, comparisons, bad input, and nothing left behind after a failure."""

import json
import os

import pytest
from typer.testing import CliRunner

from landbridge.cli import app

runner = CliRunner()


def _run(*args):
    return runner.invoke(app, ["simulate", *args])


def _main(args, capsys=None):
    """Run through landbridge.cli.main so errors print and exit 2 as for a user."""
    import sys

    from landbridge.cli import main

    old = sys.argv
    sys.argv = ["landbridge", "simulate", *args]
    try:
        with pytest.raises(SystemExit) as e:
            main()
        return e.value.code
    finally:
        sys.argv = old


def test_short_run_writes_kpis_tables_and_charts(tmp_path):
    out = tmp_path / "sim"
    r = _run("--start", "2026-01-01", "--days", "45", "--seed", "5", "--out", str(out))
    assert r.exit_code == 0, r.output
    k = json.loads((out / "kpis.json").read_text())
    assert len(k["trains_per_month"]) == 2 and len(k["teu_per_month"]) == 2
    assert k["seed"] == 5 and k["scenario"]["name"] == "baseline"
    assert "xian->duisburg-rail" in k["transit_days"]
    assert "brest-malaszewicze" in k["borders"]
    for name in (
        "trains.csv",
        "od_transit.csv",
        "border_queues.csv",
        "monthly.csv",
        "timeseries.png",
        "border_queues.png",
        "transit_times.png",
        "dashboard.html",
    ):
        assert (out / name).stat().st_size > 0, name
    assert (out / "timeseries.png").read_bytes()[:4] == b"\x89PNG"
    html = (out / "dashboard.html").read_text()
    assert len(html) > 1_000_000 and '<script src="http' not in html  # plotly.js inline: works offline
    assert "Digital twin" in r.output
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_compare_runs_both_and_shows_differences(tmp_path):
    out = tmp_path / "cmp"
    r = _run("--days", "40", "--compare", "baseline", "red-sea-closed", "--no-charts", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "Δ" in r.output and "red-sea-closed" in r.output
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["scenarios"] == ["baseline", "red-sea-closed"]
    row = next(x for x in doc["rows"] if x["kpi"] == "TEU / 30 days")
    assert row["values"][1] > row["values"][0] and row["deltas"][1] > 0
    assert (out / "baseline" / "kpis.json").exists() and (out / "red-sea-closed" / "kpis.json").exists()


def test_unknown_scenario_lists_valid_forms_and_leaves_nothing(tmp_path, capsys):
    out = tmp_path / "sim"
    code = _main(["--days", "10", "--scenario", "suez-blocked", "--out", str(out)])
    assert code == 2
    msg = capsys.readouterr().err
    assert "Unknown scenario" in msg and "red-sea-closed" in msg and "border:CROSSING=PCT%" in msg
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["--start", "2026-13-01"], "YYYY-MM-DD"),
        (["--days", "0"], "from 1 to"),
        (["--replications", "0"], "from 1 to"),
        (["--scenario", "border:khorgos=150%"], "between 0% and 100%"),
        (["--scenario", "border:nowhere=50%"], "Known crossings"),
        (["--compare", "baseline", "avoid-corridor:moon"], "Known:"),
    ],
)
def test_malformed_parameters_are_explained(tmp_path, capsys, args, words):
    out = tmp_path / "sim"
    assert _main([*args, "--out", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_out_folder_may_be_in_folders_that_do_not_exist_yet(tmp_path, monkeypatch):
    """The README's `simulate --out runs/2026` when runs/ does not exist; a failure leaves no empty folders."""
    out = tmp_path / "runs" / "2026"
    r = _run("--days", "10", "--no-charts", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert (out / "kpis.json").exists()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("landbridge.simulation.outputs.write_csv", boom)
    deep = tmp_path / "new" / "deeper" / "run"
    assert _run("--days", "10", "--no-charts", "--out", str(deep)).exit_code != 0
    assert not (tmp_path / "new").exists()


def test_out_below_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert _main(["--days", "10", "--out", str(tmp_path / "afile" / "run")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_failed_run_leaves_nothing_and_keeps_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "sim"
    assert _run("--days", "20", "--no-charts", "--out", str(out)).exit_code == 0
    before = (out / "kpis.json").read_text()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("landbridge.simulation.outputs.write_csv", boom)
    r = _run("--days", "25", "--no-charts", "--out", str(out))
    assert r.exit_code != 0
    assert (out / "kpis.json").read_text() == before  # the earlier output is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim"]  # no temporary folder left


def test_refuses_a_folder_with_other_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    assert _main(["--days", "10", "--out", str(out)]) == 2
    assert "other files" in capsys.readouterr().err
    assert os.listdir(out) == ["thesis.docx"]


def test_replaces_an_earlier_simulation_output(tmp_path):
    out = tmp_path / "sim"
    assert _run("--days", "15", "--no-charts", "--out", str(out)).exit_code == 0
    assert _run("--days", "15", "--seed", "9", "--no-charts", "--out", str(out)).exit_code == 0
    assert json.loads((out / "kpis.json").read_text())["seed"] == 9


def test_compare_arguments_need_compare(tmp_path, capsys):
    assert _main(["baseline", "red-sea-closed", "--out", str(tmp_path / "x")]) == 2
    assert "--compare" in capsys.readouterr().err


def test_calibration_writes_the_table(tmp_path):
    """`landbridge calibration` (short run, scaled to a year): every published flow figure in a Markdown table with
    model, published, deviation and source, and the command that made it."""
    out = tmp_path / "docs" / "calibration.md"
    r = runner.invoke(app, ["calibration", "--days", "20", "--seed", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "| figure | model | published | deviation | source |" in text
    assert "landbridge calibration --start 2026-01-01 --days 20 --seed 3" in text
    for figure in (
        "hub xian",
        "gateway khorgos-altynkol",
        "EU share of TEU",
        "westbound trains a year",
        "TEU per train",
    ):
        assert f"| trains a year, {figure} |" in text or f"| {figure} |" in text, figure
    assert "19,392" in text  # the published trains, read from published_flows.yaml
    again = tmp_path / "again.md"
    assert runner.invoke(app, ["calibration", "--days", "20", "--seed", "3", "--out", str(again)]).exit_code == 0
    assert again.read_text(encoding="utf-8").split("\n", 3)[3] == text.split("\n", 3)[3]  # same seed, same table


def test_calibration_bad_input_exits_2(tmp_path):
    assert _main_cmd(["calibration", "--days", "0"]) == 2
    assert _main_cmd(["calibration", "--out", str(tmp_path)]) == 2


def _main_cmd(args):
    import sys

    from landbridge.cli import main

    old = sys.argv
    sys.argv = ["landbridge", *args]
    try:
        with pytest.raises(SystemExit) as e:
            main()
        return e.value.code
    finally:
        sys.argv = old
