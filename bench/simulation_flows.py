"""Run time of one simulated year before and after the flow calibration (issue 10): the same code, the timetable
of main before the calibration (services.yaml and border_crossings.yaml of commit 809984c, as a --data folder)
against the calibrated one. CPU time (time.process_time) of prepare + engine + KPIs (with the tables, as
`landbridge simulate --out` does), alternating, median of the repeats. No test asserts a timing.

    .venv/bin/python bench/simulation_flows.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from landbridge.simulation.runner import RunSpec, run_one  # noqa: E402

BEFORE = "809984c"


def _year(data_dir: str | None) -> tuple[float, int]:
    t = time.process_time()
    r = run_one(RunSpec(days=365, seed=42, data_dir=data_dir), tables=True)
    return time.process_time() - t, r.kpis["summary"]["cr_express_trains"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as before:
        for name in ("services.yaml", "border_crossings.yaml"):
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{BEFORE}:src/landbridge/data/{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            Path(before, name).write_text(text, encoding="utf-8")
        _year(None), _year(before)  # warm the loaders' caches
        times: dict[str, list[float]] = {"before": [], "after": []}
        trains = {}
        for _ in range(a.repeats):
            for label, d in (("before", before), ("after", None)):
                s, n = _year(d)
                times[label].append(s)
                trains[label] = n
    b, f = statistics.median(times["before"]), statistics.median(times["after"])
    print(f"load average {os.getloadavg()[0]:.2f}; repeats {a.repeats}")
    print(f"before ({BEFORE} timetable): {b:.2f} s CPU, {trains['before']:,} trains")
    print(f"after (calibrated):          {f:.2f} s CPU, {trains['after']:,} trains; ratio after/before {f / b:.2f}")


if __name__ == "__main__":
    main()
