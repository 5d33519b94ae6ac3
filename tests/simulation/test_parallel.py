"""Replications run in parallel across cores, and on a Dask cluster (a local one here)."""

from datetime import date

import pytest

from landbridge.simulation.runner import RunSpec, aggregate, run_replications

SPEC = RunSpec((), date(2026, 5, 1), 30, 11)


def test_replications_across_processes():
    results = run_replications(SPEC, 2, workers=2)
    assert [r.seed for r in results] == [11, 12]
    assert results[0].kpis["teu_per_month"] != results[1].kpis["teu_per_month"]
    agg = aggregate(results)
    assert agg["replications"]["count"] == 2
    mean = (results[0].kpis["summary"]["teu_per_30_days"] + results[1].kpis["summary"]["teu_per_30_days"]) / 2
    assert abs(agg["summary"]["teu_per_30_days"] - mean) <= 1
    # the same seeds give the same numbers whether run in parallel or not
    again = run_replications(SPEC, 1)
    assert again[0].kpis["teu_per_month"] == results[0].kpis["teu_per_month"]


def test_replications_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        results = run_replications(SPEC, 2, scheduler=cluster.scheduler_address)
    assert [r.seed for r in results] == [11, 12]
    local = run_replications(SPEC, 1)
    assert results[0].kpis["teu_per_month"] == local[0].kpis["teu_per_month"]


def test_unreachable_scheduler_is_explained():
    pytest.importorskip("distributed")
    from landbridge.errors import LandbridgeError

    with pytest.raises(LandbridgeError, match="Dask scheduler"):
        run_replications(SPEC, 2, scheduler="tcp://127.0.0.1:1")


def test_cli_scheduler_option(tmp_path):
    distributed = pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from landbridge.cli import app

    out = tmp_path / "sim"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        r = CliRunner().invoke(
            app,
            [
                "simulate",
                "--days",
                "20",
                "--replications",
                "2",
                "--no-charts",
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(out),
            ],
        )
    assert r.exit_code == 0, r.output
    import json

    k = json.loads((out / "kpis.json").read_text())
    assert k["replications"]["count"] == 2 and k["replications"]["seeds"] == [42, 43]
    assert (out / "replications.csv").exists() and (out / "trains.csv").exists()
