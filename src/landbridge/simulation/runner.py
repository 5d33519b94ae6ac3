"""Running the twin: one run, replications across cores or on a Dask cluster, scenario comparisons,
and the transit-time bands the planner reads (written only on request, as versioned data)."""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from landbridge.errors import InvalidRequestError, LandbridgeError
from landbridge.scenarios import Scenario
from landbridge.simulation.kpis import RunResult, compute

MAX_DAYS = 3660
MAX_REPLICATIONS = 1000
ENGINES = ("fast", "simpy")


@dataclass(frozen=True)
class RunSpec:
    """What to simulate: scenario specs (as on the command line), horizon, seed, data folder, engine."""

    specs: tuple[str, ...] = ()
    start: date = date(2026, 1, 1)
    days: int = 365
    seed: int = 42
    data_dir: str | None = None
    engine: str = "fast"

    def check(self) -> None:
        """Raise InvalidRequestError (naming the option) when days, seed or engine are out of range."""
        if not 1 <= self.days <= MAX_DAYS:
            raise InvalidRequestError(
                f"--days {self.days} is out of range; give a whole number of days from 1 to {MAX_DAYS}."
            )
        if self.seed < 0:
            raise InvalidRequestError(f"--seed {self.seed} is negative; give a whole number 0 or larger.")
        if self.engine not in ENGINES:
            raise InvalidRequestError(f"Unknown engine {self.engine!r}; choose {' or '.join(ENGINES)}.")

    def scenario(self) -> Scenario:
        """The scenario of the specs; InvalidRequestError names a bad spec and the valid forms."""
        from landbridge.world import scenario_from_specs

        return scenario_from_specs(list(self.specs), self.data_dir)


def run_one(
    spec: RunSpec, seed: int | None = None, progress: Callable[[float, float], None] | None = None, tables: bool = True
) -> RunResult:
    """One replication (in this process). `progress(done_hours, total_hours)` is called as it runs;
    `tables=False` leaves out the per-train and per-day tables (only the first replication writes them)."""
    from landbridge.simulation.model import prepare

    spec.check()
    t0 = time.perf_counter()
    scenario = spec.scenario()
    model = prepare(scenario, spec.start, spec.days, spec.seed if seed is None else seed, spec.data_dir)
    t1 = time.perf_counter()
    cb = None
    if progress is not None:
        total = model.end_h

        def cb(hour: float) -> None:
            progress(min(hour, total), total)

    if spec.engine == "simpy":
        from landbridge.simulation.simpy_model import run_simpy

        state = run_simpy(model, cb)
    else:
        from landbridge.simulation.engine import run_fast

        state = run_fast(model, cb)
    t2 = time.perf_counter()
    result = compute(model, state, tables)
    t3 = time.perf_counter()
    result.timings = {"prepare_s": round(t1 - t0, 3), "simulate_s": round(t2 - t1, 3), "kpis_s": round(t3 - t2, 3)}
    return result


def _run_seed(spec: RunSpec, seed: int, tables: bool = False) -> RunResult:  # top level: picklable (pools, Dask)
    return run_one(spec, seed, tables=tables)


def run_replications(
    spec: RunSpec,
    n: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> list[RunResult]:
    """`n` replications with seeds seed, seed+1, ...: in this process (n = 1), across local cores
    (ProcessPoolExecutor), or on a Dask cluster when `scheduler` is its address."""
    if not 1 <= n <= MAX_REPLICATIONS:
        raise InvalidRequestError(
            f"--replications {n} is out of range; give a whole number from 1 to {MAX_REPLICATIONS}."
        )
    if workers is not None and workers < 1:
        raise InvalidRequestError(f"--workers {workers} must be 1 or more.")
    spec.check()
    spec.scenario()  # fail fast on a bad scenario before starting workers
    seeds = [spec.seed + i for i in range(n)]
    if scheduler:
        return _on_dask(spec, seeds, scheduler, progress)
    workers = min(n, workers or os.cpu_count() or 1)
    if n == 1 or workers == 1:
        out = []
        for k, s in enumerate(seeds):
            if n == 1:
                out.append(run_one(spec, s, progress))
            else:
                out.append(run_one(spec, s, tables=k == 0))
                if progress:
                    progress(k + 1, n)
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[int, RunResult] = {}
    # Forked workers share this process's heap copy-on-write; the garbage collector walking it in each
    # worker would copy it page by page (and run them half as fast), so it is frozen while they run.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_seed, spec, s, s == seeds[0]): s for s in seeds}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(len(results), n)
    finally:
        gc.unfreeze()
    return [results[s] for s in seeds]


def _on_dask(
    spec: RunSpec, seeds: list[int], scheduler: Any, progress: Callable[[float, float], None] | None
) -> list[RunResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise LandbridgeError("--scheduler needs Dask: pip install 'landbridge[dask]'.") from None
    try:
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise LandbridgeError(
            f"Cannot reach the Dask scheduler at {scheduler!r} ({exc}); give its address as "
            "tcp://HOST:PORT (see `dask scheduler`)."
        ) from None
    own = client is not scheduler
    try:
        futures = [client.submit(_run_seed, spec, s, s == seeds[0], pure=False) for s in seeds]
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[RunResult | None] = [None] * len(seeds)
        for done, fut in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            results[index[fut.key]] = fut.result()
            if progress:
                progress(done, len(seeds))
        return results  # type: ignore[return-value]
    finally:
        if own:
            client.close()  # type: ignore[no-untyped-call]


# ---- aggregation over replications ------------------------------------------------------------
def _mean(values: list[Any]) -> Any:
    nums = [
        v
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))
    ]
    if not nums:
        return values[0] if values else None
    m = sum(nums) / len(nums)
    return round(m, 3) if any(isinstance(v, float) for v in nums) or m != int(m) else int(m)


def _merge(items: list[Any]) -> Any:
    first = items[0]
    if isinstance(first, dict):
        keys = list(dict.fromkeys(k for it in items if isinstance(it, dict) for k in it))
        return {k: _merge([it[k] for it in items if isinstance(it, dict) and k in it]) for k in keys}
    if (
        isinstance(first, list)
        and first
        and all(isinstance(it, list) and len(it) == len(first) for it in items)
        and not all(isinstance(x, str) for x in first)
    ):
        return [_merge([it[i] for it in items]) for i in range(len(first))]
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return _mean(items)
    return first


def aggregate(results: list[RunResult]) -> dict[str, Any]:
    """KPIs averaged over replications (numbers element-wise), with the spread of the main ones."""
    if len(results) == 1:
        one = dict(results[0].kpis)
        one["replications"] = {"count": 1, "seeds": [results[0].seed]}
        return one
    kpis: dict[str, Any] = _merge([r.kpis for r in results])
    kpis["seed"] = results[0].seed
    keys = (
        "trains_per_30_days",
        "teu_per_30_days",
        "trains_per_month_mean",
        "teu_per_month_mean",
        "china_germany_p50_days",
        "xian_speed_train_p50_days",
    )
    spread = {}
    for k in keys:
        xs = [r.kpis["summary"].get(k) for r in results if r.kpis["summary"].get(k) is not None]
        if xs:
            mu = sum(xs) / len(xs)
            sd = math.sqrt(sum((x - mu) ** 2 for x in xs) / max(1, len(xs) - 1))
            spread[k] = {"mean": round(mu, 2), "sd": round(sd, 3), "min": min(xs), "max": max(xs)}
    kpis["replications"] = {
        "count": len(results),
        "seeds": [r.seed for r in results],
        "spread": spread,
        "per_replication": [{"seed": r.seed, **{k: r.kpis["summary"].get(k) for k in keys}} for r in results],
    }
    return kpis


#: A month's band is written only when the replications ran at least this many trains of the service that month.
MIN_MONTH_TRAINS = 12


def _pooled(bands: list[tuple[float, float, int]]) -> dict[str, Any]:
    n = sum(b[2] for b in bands)
    return {
        "p50_hours": round(sum(b[0] * b[2] for b in bands) / n, 1),
        "p90_hours": round(sum(b[1] * b[2] for b in bands) / n, 1),
        "trains": n,
    }


def service_bands(results: list[RunResult]) -> dict[str, dict[str, Any]]:
    """Per service id: p50 and p90 transit hours (each replication's, weighted by its trains) and trains; and
    the same by calendar month of departure (`by_month`, months with at least MIN_MONTH_TRAINS trains)."""
    acc: dict[str, list[tuple[float, float, int]]] = {}
    by_month: dict[str, dict[int, list[tuple[float, float, int]]]] = {}
    for r in results:
        for sid, band in r.service_bands.items():
            acc.setdefault(sid, []).append(band)
        for sid, months in r.service_month_bands.items():
            for month, band in months.items():
                by_month.setdefault(sid, {}).setdefault(month, []).append(band)
    out = {}
    for sid, bands in sorted(acc.items()):
        out[sid] = _pooled(bands)
        pooled = {
            str(month): _pooled(mb)
            for month, mb in sorted(by_month.get(sid, {}).items())
            if sum(b[2] for b in mb) >= MIN_MONTH_TRAINS
        }
        if pooled:
            out[sid]["by_month"] = pooled
    return out


def transit_bands_document(results: list[RunResult], spec: RunSpec, scenario: Scenario) -> dict[str, Any]:
    """The reliability bands file (reliability.BandsFile) from the runs of `spec`: a baseline run of a year
    or more, so that every service's spread covers the seasons. Raises InvalidRequestError otherwise."""
    from landbridge.datafiles import DataSource
    from landbridge.reliability import data_hash

    if not scenario.is_baseline or spec.days < 365:
        raise InvalidRequestError(
            "--write-bands needs a baseline run of a year or more (the bands are the normal spread of every "
            f"service); this run is {scenario.name!r} over {spec.days} days. Drop --scenario/--compare and "
            "give --days 365 or more."
        )
    command = (
        f"landbridge simulate --start {spec.start.isoformat()} --days {spec.days} --seed {spec.seed} "
        f"--replications {len(results)} --engine {spec.engine}"
        + (" --data DIR" if spec.data_dir else "")
        + " --write-bands FILE"
    )
    return {
        "generator": command,
        "generated": date.today().isoformat(),
        "data_hash": data_hash(DataSource(spec.data_dir)),
        "scenario": scenario.name,
        "start": spec.start.isoformat(),
        "days": spec.days,
        "seed": spec.seed,
        "replications": len(results),
        "engine": spec.engine,
        "services": _with_schedule(service_bands(results), spec.data_dir),
    }


def _with_schedule(bands: dict[str, dict[str, float]], data_dir: str | None) -> dict[str, dict[str, float]]:
    """Each service's band with the baseline timetable's scheduled hours it was simulated on."""
    from landbridge.world import load_world

    by_id = load_world(data_dir=data_dir).timetable.by_id
    return {
        sid: {**band, "scheduled_hours": round(by_id[sid].transit_hours, 1)} if sid in by_id else band
        for sid, band in bands.items()
    }


@dataclass
class ScenarioRun:
    label: str
    spec: RunSpec
    results: list[RunResult] = field(default_factory=list)
    kpis: dict[str, Any] = field(default_factory=dict)


COMPARE_ROWS = (
    ("CR Express trains / 30 days", ("summary", "trains_per_30_days"), 0),
    ("TEU / 30 days", ("summary", "teu_per_30_days"), 0),
    ("TEU per train", ("summary", "teu_per_train"), 1),
    ("China → Germany p50 days", ("summary", "china_germany_p50_days"), 1),
    ("China → Germany p90 days", ("summary", "china_germany_p90_days"), 1),
    ("Xi'an speed train p50 days", ("summary", "xian_speed_train_p50_days"), 1),
    ("Brest–Małaszewicze mean wait h", ("borders", "brest-malaszewicze", "mean_wait_hours"), 1),
    ("Brest–Małaszewicze utilisation", ("borders", "brest-malaszewicze", "utilisation"), 2),
    ("Brest–Małaszewicze stranded trains", ("borders", "brest-malaszewicze", "stranded_trains"), 0),
    ("Brest–Małaszewicze held at origin", ("borders", "brest-malaszewicze", "held_at_origin_trains"), 0),
    ("Khorgos mean wait h", ("borders", "khorgos-altynkol", "mean_wait_hours"), 1),
    ("Khorgos utilisation", ("borders", "khorgos-altynkol", "utilisation"), 2),
    ("Alashankou mean wait h", ("borders", "alashankou-dostyk", "mean_wait_hours"), 1),
    ("Extra trains (whole run)", ("_sum", "extra_trains_per_month"), 0),
    ("EU re-formed trains (whole run)", ("_sum", "eu_reformed_trains_per_month"), 0),
    ("Trains stranded (never arrived)", ("summary", "trains_stranded"), 0),
    ("Demand not served (FEU)", ("summary", "demand_not_served_feu"), 0),
    ("Backlog at end (FEU)", ("demand", "backlog_feu_at_end"), 0),
    ("Empties by rail (FEU)", ("empties", "by_rail_feu"), 0),
    ("Empties by sea (FEU)", ("empties", "by_sea_feu"), 0),
    ("Empty repositioning cost (USD m)", ("_musd", "empties", "cost_usd"), 1),
    ("SOC boxes, leased one way (FEU)", ("empties", "soc_feu"), 0),
    ("One-way lease cost (USD m)", ("_musd", "empties", "one_way_lease_cost_usd"), 1),
)


def lookup(kpis: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The KPI at `path` (keys into kpis.json; "_sum" sums a monthly list, "_musd" divides by a million);
    None when it is missing."""
    if path[0] == "_sum":
        xs = kpis.get(path[1]) or []
        return sum(x for x in xs if isinstance(x, (int, float)))
    if path[0] == "_musd":
        v = lookup(kpis, path[1:])
        return None if v is None else v / 1e6
    node = kpis
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node


def comparison(runs: list[ScenarioRun]) -> list[dict[str, Any]]:
    """The comparison table: per KPI of COMPARE_ROWS, each run's value and its difference to the first."""
    rows = []
    for label, path, nd in COMPARE_ROWS:
        values = [lookup(r.kpis, path) for r in runs]
        base = values[0]
        row = {
            "kpi": label,
            "values": values,
            "digits": nd,
            "deltas": [None if v is None or base is None else v - base for v in values],
        }
        rows.append(row)
    return rows
