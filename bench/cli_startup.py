"""`landbridge --help` wall time, now and at an earlier commit, in the same run (issue 8).

    python bench/cli_startup.py [--before COMMIT] [--runs N]

The earlier commit is checked out into a temporary git worktree and imported through PYTHONPATH with the same
interpreter and packages, so only Landbridge's own code differs. Prints min and median over N runs.
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


def wall_times(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="b5ded78", help="commit to compare with (default: before issue 8)")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "landbridge.cli", "--help"]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old), args.before], check=True)
        try:
            envs = {f"before ({args.before})": dict(os.environ, PYTHONPATH=str(old / "src")), "now": dict(os.environ)}
            results = {name: [] for name in envs}
            for _ in range(args.runs):  # interleaved: the machine's load hits both alike
                for name, env in envs.items():
                    results[name] += wall_times(cmd, env, 1)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=True)
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"landbridge --help, {args.runs} runs each, interleaved, load average {load}")
    for name, xs in results.items():
        print(f"  {name:24s} min {min(xs):.3f} s   median {statistics.median(xs):.3f} s")


if __name__ == "__main__":
    main()
