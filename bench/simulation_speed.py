"""Simulation speed: one simulated year of the default network with the fast engine against a lean SimPy
model of the same algorithm (the baseline), in the same process, on one core; the straightforward SimPy
model (the correctness reference) for context; then replications across cores.

    .venv/bin/python bench/simulation_speed.py            # print the results
    .venv/bin/python bench/simulation_speed.py --write    # also update docs/benchmarks.md

All engines run the same prepared model (same trains, same draws) with the cyclic garbage collector
paused; CPU time (time.process_time) is measured so that other work on the machine disturbs the ratio
less. Repeats alternate the engines and the medians are reported. To show where the limit is, both the
fast engine and the lean SimPy model are also run with the rules at stops replaced by no-ops (what is
left is the event machinery alone). No test asserts a timing.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from landbridge.scenarios import BASELINE  # noqa: E402
from landbridge.simulation.engine import run_fast  # noqa: E402
from landbridge.simulation.kpis import compute  # noqa: E402
from landbridge.simulation.model import prepare  # noqa: E402
from landbridge.simulation.runner import RunSpec, run_one, run_replications  # noqa: E402
from landbridge.simulation.simpy_model import count_simpy_events, run_simpy, run_simpy_lean  # noqa: E402
from landbridge.simulation.state import NetworkState, Train  # noqa: E402

MARK = "<!-- simulation: filled by bench/simulation_speed.py -->"
END = "<!-- /simulation -->"
SUMMARY_KEYS = ("trains_per_month_mean", "teu_per_month_mean", "china_germany_p50_days", "xian_speed_train_p50_days")
CROSSINGS = ("brest-malaszewicze", "khorgos-altynkol", "alashankou-dostyk")


class NoRules(NetworkState):
    """Rules at stops that do nothing: what an engine costs without them (trains run empty)."""

    def depart(self, train: Train, t: float) -> tuple[bool, float | None]:
        return True, None

    def at_stop(self, train: Train, stop: int, t: float) -> list[Train]:
        return []

    def finish(self, train: Train, stop: int, t: float) -> None:
        self.trains.append(train)

    def flush_yards(self, t: float) -> list[Train]:
        return []


def _paused(run: Callable[[], Any]) -> float:
    """CPU seconds of `run()` with the cyclic garbage collector paused (as run_fast does itself)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        t = time.process_time()
        run()
        return time.process_time() - t
    finally:
        if enabled:
            gc.enable()


def _burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def _compare(fast: dict[str, Any], other: dict[str, Any], rel_tol: float, wait_tol_h: float) -> tuple[list, bool]:
    rows, ok = [], True
    for key in SUMMARY_KEYS:
        f, r = fast["summary"][key], other["summary"][key]
        diff = abs(f - r) / abs(r)
        ok &= diff <= rel_tol
        rows.append((key, f, r, f"{diff:.2%}", f"{rel_tol:.1%}"))
    for cid in CROSSINGS:
        f, r = fast["borders"][cid]["mean_wait_hours"], other["borders"][cid]["mean_wait_hours"]
        ok &= abs(f - r) <= wait_tol_h
        rows.append((f"{cid} mean wait h", f, r, f"{abs(f - r):.2f} h", f"{wait_tol_h} h"))
    return rows, ok


def _kpi_table(title: str, rows: list, ok: bool) -> list[str]:
    lines = [
        f"{title} " + ("(all within tolerance):" if ok else "(**NOT all within tolerance**):"),
        "",
        "| KPI | fast | other | difference | tolerance |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {k} | {f:,.2f} | {r:,.2f} | {d} | {t} |" for k, f, r, d, t in rows]
    return [*lines, ""]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--write", action="store_true", help="update the section in docs/benchmarks.md")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    start, days, seed = date(2026, 1, 1), 365, 42
    t = time.perf_counter()
    model = prepare(BASELINE, start, days, seed)
    prep_s = time.perf_counter() - t
    runs: dict[str, list[float]] = {"fast": [], "lean": [], "fast-no-rules": [], "lean-no-rules": []}
    for _ in range(args.repeats):
        runs["fast"].append(_paused(lambda: run_fast(model)))
        runs["lean"].append(_paused(lambda: run_simpy_lean(model)))
        runs["fast-no-rules"].append(_paused(lambda: run_fast(model, state_class=NoRules)))
        runs["lean-no-rules"].append(_paused(lambda: run_simpy_lean(model, state_class=NoRules)))
    reference_s = _paused(lambda: run_simpy(model))
    med = {k: statistics.median(v) for k, v in runs.items()}

    fast_state = run_fast(model)
    fast_k = compute(model, fast_state).kpis
    lean_k = compute(model, run_simpy_lean(model)).kpis
    ref_k = compute(model, run_simpy(model)).kpis
    events = {
        "fast": fast_state.events or 0,
        "lean": count_simpy_events(model, lean=True),
        "reference": count_simpy_events(model, lean=False),
    }
    lean_rows, lean_ok = _compare(fast_k, lean_k, 0.001, 0.05)
    ref_rows, ref_ok = _compare(fast_k, ref_k, 0.01, 0.25)
    trains = fast_k["summary"]["cr_express_trains"]

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

    ratio = med["lean"] / med["fast"]
    machinery_ratio = med["lean-no-rules"] / med["fast-no-rules"]
    rules_s = med["fast"] - med["fast-no-rules"]

    def runs_text(key: str) -> str:
        return ", ".join(f"{x:.3f}" for x in runs[key])

    cpu = platform.processor() or platform.machine()
    lines = [
        MARK,
        "",
        "Command: `.venv/bin/python bench/simulation_speed.py --write` "
        f"(run {date.today().isoformat()}; Python {platform.python_version()}, {cpu}, {os.cpu_count()} cores, "
        f"load average {load:.1f} when it started: other jobs were running, so ratios move by about 10 % "
        "between runs).",
        "",
        f"One simulated year (2026) of the default network: {trains:,} CR Express trains. Every engine runs the "
        f"same prepared model (same trains and draws; preparing it took {prep_s:.2f} s) on one core with the "
        f"cyclic garbage collector paused; CPU seconds, median of {args.repeats} alternating repeats.",
        "",
        "| engine | events | CPU s per simulated year | runs |",
        "| --- | ---: | ---: | --- |",
        f"| fast (one heap, `engine.run_fast`) | {events['fast']:,} | **{med['fast']:.3f}** | {runs_text('fast')} |",
        f"| **baseline:** lean SimPy, same algorithm (`simpy_model.run_simpy_lean`) | {events['lean']:,} | "
        f"**{med['lean']:.3f}** | {runs_text('lean')} |",
        f"| straightforward SimPy, the correctness reference (`simpy_model.run_simpy`) | {events['reference']:,} | "
        f"{reference_s:.3f} | one run |",
        f"| fast, rules at stops replaced by no-ops | | {med['fast-no-rules']:.3f} | {runs_text('fast-no-rules')} |",
        f"| lean SimPy, rules at stops replaced by no-ops | | {med['lean-no-rules']:.3f} | "
        f"{runs_text('lean-no-rules')} |",
        "",
        f"**Fast engine: {ratio:.2f}x faster than the lean SimPy model (target: 5x, not met).** Where the limit "
        f"is: both run the same rules at stops (loading, re-forming, yards, empties; about {rules_s:.2f} s of "
        f"the fast engine's {med['fast']:.2f} s), so the ratio cannot exceed that of the event machinery alone, "
        f"which is {machinery_ratio:.2f}x (rows with no-op rules). Even with rules that cost nothing, the fast "
        "engine would be about that much faster than SimPy, not 5x: SimPy's events and generator processes "
        f"cost about {(med['lean-no-rules'] - med['fast-no-rules']) / max(1, events['lean']) * 1e6:.1f} µs more "
        "per event than the fast engine's heap entries, on a path of a few microseconds per train.",
        "",
        f"A whole `landbridge simulate` year (scenario, model, simulation, KPIs; no charts) took {e2e_s:.2f} s "
        f"wall (prepare {one.timings['prepare_s']:.2f} s, simulate {one.timings['simulate_s']:.2f} s, "
        f"KPIs {one.timings['kpis_s']:.2f} s).",
        "",
        *_kpi_table("Fast engine against the lean SimPy model", lean_rows, lean_ok),
        *_kpi_table("Fast engine against the straightforward SimPy model", ref_rows, ref_ok),
        f"Replications ({n} one-year runs, seeds {seed}..{seed + n - 1}, each preparing its own model): "
        f"{serial_s:.1f} s in one process, {parallel_s:.1f} s across 2 processes "
        f"(ProcessPoolExecutor), {serial_s / parallel_s:.2f}x. For reference, a memory-light arithmetic loop "
        f"ran {burn_serial / burn_parallel:.2f}x faster in 2 processes at the same time. Workers are forked "
        "with the parent's heap frozen for the garbage collector (`gc.freeze`). `--scheduler tcp://HOST:PORT` "
        "sends replications to a Dask cluster instead (tested with a local cluster).",
        "",
        "What the models are. The lean SimPy model is the fast engine's algorithm written as a SimPy program: a "
        "process per train with a timeout only where a train meets others (a border crossing, a stop where "
        "boxes are re-formed or loaded), running, dwelling and unloading worked out inline from pre-summed "
        "hours, crossings settled first come first served on arrival (a heap of track free times), demand read "
        "from cumulative arrays, the same rules at stops (`state.NetworkState`). The fast engine differs only in "
        "its event loop: one heap of (hour, sequence, train) entries, timetabled departures read from the "
        "sorted timetable instead of a dispatcher process, closures over local variables, and the event "
        "being processed replaced in place on the heap by the train's next one. The straightforward SimPy "
        "model has none of those shortcuts (a timeout per leg, a `simpy.Resource` per crossing, a daily "
        "demand process per pair); it checks that the shortcuts do not change the results.",
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
    return 0 if lean_ok and ref_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
