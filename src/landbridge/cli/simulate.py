"""`landbridge simulate`: the digital twin from the command line: runs, replications, comparisons, charts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from landbridge.cli.common import err, out
from landbridge.errors import InvalidRequestError
from landbridge.timefmt import parse_date

if TYPE_CHECKING:
    from landbridge.simulation.runner import ScenarioRun


def _fmt(v: object, nd: int) -> str:
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v:,.{nd}f}"
    return str(v)


def _digits(x: float) -> int:
    """Decimals to show: shares with three, small figures with one, counts with none."""
    return 3 if abs(x) < 1 else 1 if abs(x) < 1000 and x != int(x) else 0


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n:,} days"


def _bound(summary: dict[str, Any], key: str) -> str:
    """A transit quantile; "≥ x" when boxes on stranded trains put it beyond what was observed."""
    text = _fmt(summary.get(f"{key}_days"), 1)
    return f"≥ {text}" if summary.get(f"{key}_censored") else text


def _delta(v: float | None, nd: int) -> str:
    if v is None:
        return ""
    if abs(v) < 0.5 * 10**-nd:
        return "[dim]±0[/]"
    colour = "green" if v > 0 else "red"
    return f"[{colour}]{v:+,.{nd}f}[/]"


def _summary(kpis: dict[str, Any], folder: Path | None, files: list[str]) -> None:
    s = kpis["summary"]
    t = Table(
        title=f"Digital twin: {kpis['scenario']['description']} — {kpis['start']}, {_days(kpis['days'])}, "
        f"seed {kpis['seed']}"
        + (f", {kpis['replications']['count']} replications" if kpis["replications"]["count"] > 1 else ""),
        show_header=True,
    )
    t.add_column("KPI")
    t.add_column("simulated", justify="right")
    t.add_column("reference (2024)", justify="right", style="dim")
    days = _days(kpis["days"])
    t.add_row(f"CR Express trains in the {days}", _fmt(s["cr_express_trains"], 0), "")
    t.add_row(f"  per 30 days (from the {days})", _fmt(s["trains_per_30_days"], 0), "about 1,600 (19,392 a year)")
    t.add_row(f"TEU per 30 days (from the {days})", _fmt(s["teu_per_30_days"], 0), "about 171,000 (2.08 m a year)")
    if s.get("trains_per_month_mean") is not None:
        t.add_row("CR Express trains per calendar month (full months)", _fmt(s["trains_per_month_mean"], 0), "")
    t.add_row("TEU per train", _fmt(s["teu_per_train"], 1), "about 107")
    if kpis.get("teu_share_by_region"):
        eu = kpis["teu_share_by_region"].get("eu")
        t.add_row("EU share of TEU (to or from the EU)", _fmt((eu or 0) * 100, 0) + " %", "about 23 % (0.47 of 2.08 m)")
        t.add_row("westbound share of trains", _fmt((kpis["westbound_train_share"] or 0) * 100, 0) + " %", "54 %")
    t.add_row(
        "China → Germany transit p50 / p90 (days)",
        f"{_bound(s, 'china_germany_p50')} / {_bound(s, 'china_germany_p90')}",
        "18–21",
    )
    t.add_row("Xi'an speed train to Duisburg p50 (days)", _fmt(s["xian_speed_train_p50_days"], 1), "about 13")
    t.add_row(
        "westbound share of loaded boxes",
        _fmt((s["westbound_share_of_loaded_feu"] or 0) * 100, 0) + " %",
        "over two-thirds",
    )
    e = kpis["empties"]
    t.add_row("empties repositioned by rail / sea (FEU)", f"{e['by_rail_feu']:,} / {e['by_sea_feu']:,}", "")
    t.add_row("empty repositioning cost", f"USD {e['cost_usd'] / 1e6:,.1f} m", "")
    if "soc_feu" in e:
        t.add_row("loaded boxes SOC (one-way lease) / COC (FEU)", f"{e['soc_feu']:,} / {e['coc_feu']:,}", "")
        t.add_row("one-way lease cost (SOC boxes)", f"USD {e['one_way_lease_cost_usd'] / 1e6:,.1f} m", "")
    hubs = kpis.get("hubs", {})
    if "xian" in hubs and hubs["xian"].get("capacity_mt_per_year"):
        h = hubs["xian"]
        t.add_row(
            "Xi'an CR Express tonnes vs capacity",
            f"{h['mt_per_year']:.1f} Mt/yr ({h['utilisation']:.0%} of {h['capacity_mt_per_year']:.0f})",
            "66 Mt/yr",
        )
    d = kpis["demand"]
    t.add_row("boxes left waiting at the end (FEU)", f"{d['backlog_feu_at_end']:,}", "")
    if s.get("trains_stranded") or s.get("demand_not_served_feu"):
        t.add_row(
            "trains stranded (never arrived) / their FEU", f"{s['trains_stranded']:,} / {s['feu_stranded']:,}", ""
        )
        t.add_row("demand not served (FEU: no train, or left waiting)", f"{s['demand_not_served_feu']:,}", "")
    out.print(t)
    out.print(_borders_table(kpis["borders"]))
    if (congestion := _congestion_table(kpis["borders"])) is not None:
        out.print(congestion)
    if folder is not None:
        out.print(f"[green]Wrote[/] {folder}: {', '.join(files)}")


def _borders_table(borders: dict[str, Any]) -> Table:
    """Per crossing: load, capacity, queueing."""
    b = Table(title="Border crossings (queues for transshipment tracks)", show_header=True)
    for col in ("crossing", "trains/d", "cap/d", "tracks", "util", "wait h", "p90 h", "max q"):
        b.add_column(col, justify="left" if col == "crossing" else "right")
    for cid, v in sorted(borders.items(), key=lambda kv: -(kv[1]["trains"] or 0)):
        b.add_row(
            cid,
            _fmt(v["trains_per_day"], 1),
            _fmt(v["capacity_trains_per_day"], 1),
            str(v["tracks"]),
            _fmt((v["utilisation"] or 0) * 100, 0) + " %",
            _fmt(v["mean_wait_hours"], 1),
            _fmt(v["p90_wait_hours"], 1),
            str(v.get("max_queue_trains", "")),
        )
    return b


def _congestion_table(borders: dict[str, Any]) -> Table | None:
    """Crossings where trains were stranded (at the crossing while it was closed, or held at their origins
    meanwhile) or held at their origins by its queue."""
    rows = {k: v for k, v in borders.items() if v.get("stranded_trains") or v.get("held_at_origin_trains")}
    if not rows:
        return None
    t = Table(title="Congestion and closures", show_header=True)
    for col in (
        "crossing",
        "stranded trains = at it + at origins",
        "FEU on those at it",
        "their delay days mean / max",
        "held at origin (all)",
        "FEU not served",
    ):
        t.add_column(col, justify="left" if col == "crossing" else "right")
    for cid, v in rows.items():
        at_it, at_origin = v.get("stranded_at_crossing_trains", 0), v.get("stranded_at_origin_trains", 0)
        t.add_row(
            cid,
            f"{v.get('stranded_trains', 0):,} = {at_it:,} + {at_origin:,}",
            f"{v.get('stranded_feu', 0):,}",
            f"{_fmt(v.get('stranded_delay_days_mean'), 1)} / {_fmt(v.get('stranded_delay_days_max'), 1)}",
            f"{v.get('held_at_origin_trains', 0):,}",
            f"{v.get('demand_not_served_feu', 0):,}",
        )
    return t


def _compare_table(runs: list[ScenarioRun], rows: list[dict[str, Any]]) -> None:
    t = Table(title="Scenario comparison (differences against the first)", show_header=True)
    t.add_column("KPI")
    for k, r in enumerate(runs):
        t.add_column(r.label, justify="right")
        if k:
            t.add_column("Δ", justify="right")
    for row in rows:
        cells = [row["kpi"]]
        for k, (v, dv) in enumerate(zip(row["values"], row["deltas"])):
            cells.append(_fmt(v, row["digits"]))
            if k:
                cells.append(_delta(dv, row["digits"]))
        t.add_row(*cells)
    out.print(t)


def simulate_cmd(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for kpis.json, CSV tables and charts (new, empty, or an earlier simulation output).",
        ),
    ] = None,
    start: Annotated[str, typer.Option("--start", help="First simulated day, YYYY-MM-DD.")] = "2026-01-01",
    days: Annotated[int, typer.Option("--days", help="Days to simulate (1-3660).")] = 365,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; replication k uses seed+k.")] = 42,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Scenario spec (repeatable): baseline, red-sea-closed, border:khorgos=50%, avoid:RU, "
            "avoid-corridor:NAME, sea-to-rail:10%.",
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", help="Independent runs, in parallel across cores.")
    ] = 1,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", help="Run each scenario and compare side by side: --compare baseline red-sea-closed."
        ),
    ] = None,
    more: Annotated[list[str] | None, typer.Argument(help="More scenarios for --compare.", show_default=False)] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://HOST:PORT) to run replications on a cluster."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes for replications (default: all cores).")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="fast (default) or simpy (the slower reference model).")
    ] = "fast",
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Write PNG and HTML charts.")] = True,
    write_bands: Annotated[
        Path | None,
        typer.Option(
            "--write-bands",
            help="Also write the planner's reliability bands (p50/p90 per service) to this JSON file; a baseline "
            "run of 365 days or more. The shipped ones: src/landbridge/data/derived/transit_bands.json; "
            "your data folder's: DIR/derived/transit_bands.json.",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder with your own data files (overrides the shipped ones file by file)."),
    ] = None,
) -> None:
    """Simulate the CR Express network (the digital twin): trains, TEU, transit times, border queues, empties."""
    from landbridge.simulation.outputs import check_target
    from landbridge.simulation.runner import aggregate, comparison, run_replications, transit_bands_document

    runs = _planned_runs(
        out_dir, write_bands, scenario, compare, more, start, days, seed, replications, workers, data, engine
    )
    if out_dir is not None:
        check_target(out_dir)

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        for r in runs:
            task = progress.add_task(f"simulating {r.label}", total=1.0)

            def cb(done: float, total: float, task: TaskID = task) -> None:
                progress.update(task, completed=done / total if total else 1.0)

            r.results = run_replications(r.spec, replications, workers, scheduler, cb)
            r.kpis = aggregate(r.results)
            progress.update(task, completed=1.0)
        progress.add_task("writing outputs", total=None)
        if write_bands is not None:
            from landbridge.reliability import write_bands as write_bands_file

            write_bands_file(
                str(write_bands), transit_bands_document(runs[0].results, runs[0].spec, runs[0].spec.scenario())
            )
        files: list[str] = []
        if out_dir is not None:
            files = _write_outputs(out_dir, runs, charts)
    if len(runs) == 1:
        _summary(runs[0].kpis, out_dir, files)
    else:
        _compare_table(runs, comparison(runs))
        out.print(f"[green]Wrote[/] {out_dir}: {', '.join(files)}")
    if write_bands is not None:
        out.print(
            f"[green]Wrote[/] reliability bands for {len(runs[0].results[0].service_bands)} services to {write_bands}"
            " (quotes read them from data/derived/transit_bands.json or your --data folder's derived/)"
        )


def _planned_runs(
    out_dir: Path | None,
    write_bands: Path | None,
    scenario: list[str] | None,
    compare: list[str] | None,
    more: list[str] | None,
    start: str,
    days: int,
    seed: int,
    replications: int,
    workers: int | None,
    data: Path | None,
    engine: str,
) -> list[ScenarioRun]:
    """The runs `simulate` was asked for, every option checked (and every scenario parsed) before any work or
    any file; InvalidRequestError saying what to change otherwise."""
    from landbridge.simulation.runner import RunSpec, ScenarioRun

    if out_dir is None and write_bands is None:
        raise InvalidRequestError(
            "Give an output folder with --out DIR (new, empty, or an earlier simulation output), "
            "or a bands file with --write-bands FILE."
        )
    if more and not compare:
        raise InvalidRequestError(
            f"Unexpected argument {more[0]!r}. To compare scenarios write "
            f"--compare baseline {' '.join(more)}; for one scenario use --scenario SPEC."
        )
    if compare and scenario:
        raise InvalidRequestError("Use either --scenario (one scenario) or --compare (several), not both.")
    labels = [*(compare or []), *(more or [])]
    data_dir = str(data) if data else None
    base = RunSpec((), parse_date(start, "--start"), days, seed, data_dir, engine)
    base.check()
    if not 1 <= replications <= 1000:
        raise InvalidRequestError(f"--replications {replications} is out of range; give a whole number from 1 to 1000.")
    if workers is not None and workers < 1:
        raise InvalidRequestError(f"--workers {workers} must be 1 or more.")
    runs = (
        [
            ScenarioRun(label, RunSpec(tuple(label.split("+")), base.start, days, seed, data_dir, engine))
            for label in labels
        ]
        if labels
        else [ScenarioRun("run", RunSpec(tuple(scenario or ()), base.start, days, seed, data_dir, engine))]
    )
    for r in runs:  # bad scenarios fail here, before any work or any file
        sc = r.spec.scenario()
        if not labels:
            r.label = sc.name
    if write_bands is not None and (labels or not runs[0].spec.scenario().is_baseline or days < 365):
        raise InvalidRequestError(
            "--write-bands needs a baseline run of a year or more (the bands are the normal spread of every "
            "service): drop --scenario/--compare and give --days 365 or more."
        )
    return runs


def _write_outputs(out_dir: Path, runs: list[ScenarioRun], charts: bool) -> list[str]:
    """kpis.json, tables and charts of each run (a sub-folder each with --compare, and comparison.json), into
    a folder that appears whole or not at all."""
    from landbridge.simulation.outputs import staged_dir, write_json, write_run
    from landbridge.simulation.runner import comparison

    with staged_dir(out_dir) as tmp:
        if len(runs) == 1:
            return write_run(tmp, runs[0].kpis, runs[0].results, charts)
        files = []
        for r in runs:
            sub = r.label.replace(":", "_").replace("=", "_").replace("%", "pct").replace("/", "_")
            write_run(tmp / sub, r.kpis, r.results, charts)
            files.append(sub + "/")
        rows = comparison(runs)
        write_json(
            tmp / "comparison.json",
            {
                "generator": "landbridge simulate --compare",
                "scenarios": [r.label for r in runs],
                "rows": [{"kpi": x["kpi"], "values": x["values"], "deltas": x["deltas"]} for x in rows],
            },
        )
        files.append("comparison.json")
        if charts:
            from landbridge.simulation.charts import write_comparison_chart

            files.append(write_comparison_chart(tmp, [r.label for r in runs], [r.kpis for r in runs]))
        return files


def calibration_cmd(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the table as Markdown to this file (the shipped one: docs/calibration.md)."),
    ] = None,
    start: Annotated[str, typer.Option("--start", help="First simulated day, YYYY-MM-DD.")] = "2026-01-01",
    days: Annotated[int, typer.Option("--days", help="Days to simulate (1-3660); counts are scaled to a year.")] = 365,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the same seed gives the same table).")] = 42,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder with your own data files (overrides the shipped ones file by file)."),
    ] = None,
) -> None:
    """The digital twin against the published 2024 flows: trains by hub and gateway, direction, TEU per train,
    EU share (model, published, deviation, source), from one simulated baseline year."""
    from landbridge.simulation.calibration import TOLERANCE, calibration_markdown, calibration_rows, published_flows
    from landbridge.simulation.runner import RunSpec, run_one

    spec = RunSpec((), parse_date(start, "--start"), days, seed, str(data) if data else None)
    spec.check()
    published = published_flows(spec.data_dir)
    if out_file is not None and out_file.is_dir():
        raise InvalidRequestError(f"--out {out_file} is a folder; give a file name such as docs/calibration.md.")
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"simulating {_days(days)} from {spec.start}", total=1.0)

        def cb(done: float, total: float) -> None:
            progress.update(task, completed=done / total if total else 1.0)

        result = run_one(spec, progress=cb, tables=False)
        progress.update(task, completed=1.0)
    rows = calibration_rows(result.kpis, published)
    t = Table(title=f"Calibration against the published {published.get('year', '')} flows (seed {seed}, {_days(days)})")
    for col in ("figure", "model", "published", "deviation"):
        t.add_column(col, justify="left" if col == "figure" else "right")
    for r in rows:
        colour = "green" if r.within_tolerance else "red"
        t.add_row(
            r.figure,
            _fmt(r.model, _digits(r.model)),
            _fmt(r.published, _digits(r.published)),
            f"[{colour}]{r.deviation:+.1%}[/]",
        )
    out.print(t)
    within = sum(r.within_tolerance for r in rows)
    out.print(f"{within} of {len(rows)} figures within {TOLERANCE:.0%}.")
    if out_file is not None:
        command = f"landbridge calibration --start {spec.start} --days {days} --seed {seed} --out {out_file}"
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(calibration_markdown(rows, result.kpis, command), encoding="utf-8")
        out.print(f"[green]Wrote[/] {out_file}")
