"""Simulation speed: one simulated year of the default network with the fast engine against the
straightforward SimPy model of the same network, in the same process, on one core; then replications
across cores.

    .venv/bin/python bench/simulation_speed.py            # print the results
    .venv/bin/python bench/simulation_speed.py --write    # also update docs/benchmarks.md

Both engines run on the same prepared model (same trains, same draws); CPU time (time.process_time)
is measured so that other work on the machine disturbs the ratio less. Repeats alternate the two
engines and the medians are reported. No test asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from landbridge.scenarios import BASELINE  # noqa: E402
from landbridge.simulation.engine import run_fast  # noqa: E402
from landbridge.simulation.kpis import compute  # noqa: E402
from landbridge.simulation.model import prepare  # noqa: E402
from landbridge.simulation.runner import RunSpec, run_one, run_replications  # noqa: E402
from landbridge.simulation.simpy_model import run_simpy  # noqa: E402

MARK = "<!-- simulation: filled by bench/simulation_speed.py -->"
END = "<!-- /simulation -->"
TOLERANCE = {  # KPI: allowed relative difference between the engines
    "trains_per_month_mean": 0.01,
    "teu_per_month_mean": 0.01,
    "china_germany_p50_days": 0.01,
    "xian_speed_train_p50_days": 0.01,
}


def _burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--write", action="store_true", help="update the section in docs/benchmarks.md")
    args = ap.parse_args()
    os.environ.setdefault("LANDBRIDGE_CACHE_DIR", str(ROOT / ".bench-cache"))

    start, days, seed = date(2026, 1, 1), 365, 42
    t = time.perf_counter()
    model = prepare(BASELINE, start, days, seed)
    prep_s = time.perf_counter() - t
    fast_s, simpy_s = [], []
    fast_state = simpy_state = None
    for _ in range(args.repeats):
        t = time.process_time()
        fast_state = run_fast(model)
        fast_s.append(time.process_time() - t)
        t = time.process_time()
        simpy_state = run_simpy(model)
        simpy_s.append(time.process_time() - t)
    fast_k = compute(model, fast_state).kpis
    ref_k = compute(model, simpy_state).kpis
    trains = fast_k["summary"]["cr_express_trains"]
    fast_med, simpy_med = statistics.median(fast_s), statistics.median(simpy_s)

    rows = []
    ok = True
    for key, tol in TOLERANCE.items():
        f, r = fast_k["summary"][key], ref_k["summary"][key]
        diff = abs(f - r) / abs(r)
        ok &= diff <= tol
        rows.append((key, f, r, diff, tol))
    for cid in ("brest-malaszewicze", "khorgos-altynkol", "alashankou-dostyk"):
        f, r = fast_k["borders"][cid]["mean_wait_hours"], ref_k["borders"][cid]["mean_wait_hours"]
        ok &= abs(f - r) <= 0.25
        rows.append((f"{cid} mean wait h", f, r, abs(f - r), "0.25 h"))

    # end to end: scenario, model, simulation and KPIs of one year, as `landbridge simulate` runs it
    t = time.perf_counter()
    one = run_one(RunSpec((), start, days, seed))
    e2e_s = time.perf_counter() - t

    n = args.replications
    t = time.perf_counter()
    run_replications(RunSpec((), start, days, seed), n, workers=1)
    serial_s = time.perf_counter() - t
    t = time.perf_counter()
    run_replications(RunSpec((), start, days, seed), n, workers=2)
    parallel_s = time.perf_counter() - t

    # the machine's own parallel headroom at the same moment: a memory-light CPU loop in 2 processes
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    _burn(3_000_000)
    _burn(3_000_000)
    burn_serial = time.perf_counter() - t
    with ProcessPoolExecutor(2) as pool:
        t = time.perf_counter()
        list(pool.map(_burn, [3_000_000, 3_000_000]))
        burn_parallel = time.perf_counter() - t
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    cpu = platform.processor() or platform.machine()
    lines = [
        MARK,
        "",
        "Command: `.venv/bin/python bench/simulation_speed.py --write` "
        f"(run {date.today().isoformat()}; Python {platform.python_version()}, {cpu}, {os.cpu_count()} cores, "
        f"load average {load:.1f} when it started: other jobs were running, so the ratio moves by about 10 % "
        "between runs).",
        "",
        f"One simulated year (2026) of the default network: {trains:,} CR Express trains, "
        f"{one.kpis['summary']['simulated_events']:,} engine events. Both engines run the same prepared model "
        f"(same trains and draws; preparing it took {prep_s:.2f} s) on one core; CPU seconds, median of "
        f"{args.repeats} alternating repeats.",
        "",
        "| engine | CPU s per simulated year | runs |",
        "| --- | ---: | --- |",
        f"| fast (heap, `engine.run_fast`) | {fast_med:.2f} | {', '.join(f'{x:.2f}' for x in fast_s)} |",
        f"| straightforward SimPy (`simpy_model.run_simpy`) | {simpy_med:.2f} | {', '.join(f'{x:.2f}' for x in simpy_s)} |",
        "",
        f"**Fast engine: {simpy_med / fast_med:.1f}x faster than SimPy.** A whole `landbridge simulate` year "
        f"(scenario, model, simulation, KPIs; no charts) took {e2e_s:.2f} s wall "
        f"(prepare {one.timings['prepare_s']:.2f} s, simulate {one.timings['simulate_s']:.2f} s, "
        f"KPIs {one.timings['kpis_s']:.2f} s).",
        "",
        "Same KPIs within tolerance " + ("(all within)" if ok else "(**NOT all within**)") + ":",
        "",
        "| KPI | fast | SimPy | difference | tolerance |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, f, r, diff, tol in rows:
        tol_s = f"{tol:.0%}" if isinstance(tol, float) else tol
        diff_s = f"{diff:.2%}" if isinstance(tol, float) else f"{diff:.2f} h"
        lines.append(f"| {key} | {f:,.2f} | {r:,.2f} | {diff_s} | {tol_s} |")
    lines += [
        "",
        f"Replications ({n} one-year runs, seeds {seed}..{seed + n - 1}, each preparing its own model): "
        f"{serial_s:.1f} s in one process, {parallel_s:.1f} s across 2 processes "
        f"(ProcessPoolExecutor), {serial_s / parallel_s:.2f}x. For reference, a memory-light arithmetic loop "
        f"ran {burn_serial / burn_parallel:.2f}x faster in 2 processes at the same time (other jobs were "
        "running). Workers are forked with the parent's heap frozen for the garbage collector (`gc.freeze`); "
        "without it they ran at half speed, copying the shared heap page by page. `--scheduler tcp://HOST:PORT` "
        "sends replications to a Dask cluster instead (tested with a local cluster).",
        "",
        "The SimPy model is the straightforward one: a process per train yielding a timeout per section and "
        "dwell, a `simpy.Resource` per crossing with one slot per transshipment track, a demand process per "
        "origin-destination pair releasing each day's boxes, and the general stop rules (`NetworkState`). The "
        "fast engine settles a crossing's first-come first-served queue on arrival (a heap of track free "
        "times), reads demand from cumulative arrays, works out running, dwelling and unloading inline, uses "
        "flattened versions of the two hottest stop rules (tested to decide exactly as the general ones) and "
        "pauses the cyclic garbage collector while it runs.",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        doc_path = ROOT / "docs" / "benchmarks.md"
        doc = doc_path.read_text(encoding="utf-8")
        if END in doc:
            doc = re.sub(re.escape(MARK) + r".*?" + re.escape(END), lambda _: text, doc, flags=re.S)
        elif MARK in doc:
            doc = doc.replace(MARK, text)
        else:
            print("marker not found in docs/benchmarks.md", file=sys.stderr)
            return 1
        doc_path.write_text(doc, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
