"""Cold start of `landbridge quote ... --json`: a fresh interpreter per run, as a user's shell starts it.

    .venv/bin/python bench/cold_start.py [--runs 10] [--baseline-ref COMMIT] [--baseline-cache]

Runs the command `--runs` times and reports wall time and CPU time (user + system, from the child's
rusage) as min / median; with --baseline-ref, the same runs with the code of that commit (checked out
into a temporary worktree and put first on PYTHONPATH, same interpreter and packages), alternating
run by run so both see the same machine load. The current code runs twice per round: with its compiled
world (landbridge.worldcache, in a temporary cache folder written by a first run) and without
(LANDBRIDGE_CACHE_DIR=off); the baseline runs with LANDBRIDGE_CACHE_DIR=off (ignored by code without
it), or with a world cache of its own with --baseline-cache (for a baseline that has one). Then the ten
slowest imports of one run of the current code (`python -X importtime`, self time, with the world cache), to
show where the rest goes.

Python's bytecode (`__pycache__`) is written by the first runs and used after, for both versions, as for an
installed package (pip compiles at install; an editable install compiles on first use), even when
PYTHONDONTWRITEBYTECODE is set around the bench: otherwise a fresh baseline worktree compiles its source on
every run (about 0.1-0.2 s more) while a tree that already holds `__pycache__` does not, which flatters the
newer code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command() -> list[str]:
    ready = (date.today() + timedelta(days=21)).isoformat()
    return [sys.executable, "-m", "landbridge.cli", "quote", "Chongqing", "Duisburg", "--ready", ready, "--json"]


def child_env(src: Path, cache: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src), "LANDBRIDGE_CACHE_DIR": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module's docstring
    return env


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def one_run(src: Path, cache: str = "off") -> tuple[float, float]:
    env = child_env(src, cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(command(), env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def summary(name: str, runs: list[tuple[float, float]]) -> None:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(
        f"{name:32s} wall min {min(walls):.3f} s median {statistics.median(walls):.3f} s | "
        f"CPU min {min(cpus):.3f} s median {statistics.median(cpus):.3f} s ({len(runs)} runs)"
    )


def top_imports(src: Path, cache: str, n: int = 10) -> None:
    env = child_env(src, cache)
    r = subprocess.run(
        [sys.executable, "-X", "importtime", *command()[1:]], env=env, capture_output=True, text=True, check=True
    )
    rows = []
    for line in r.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0].strip()), parts[2].strip()))
    rows.sort(reverse=True)
    print("slowest imports (self time, one run):")
    for us, name in rows[:n]:
        print(f"  {us / 1000:7.1f} ms  {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--baseline-ref", help="a commit to compare with (its code, this interpreter)")
    ap.add_argument("--baseline-cache", action="store_true", help="the baseline with a world cache of its own")
    args = ap.parse_args()
    print(f"command: {' '.join(command()[1:])}")
    print(f"load average at start: {load_average()}")
    here = ROOT / "src"
    cache = tempfile.mkdtemp(prefix="landbridge-cold-cache-")  # the compiled world (landbridge.worldcache)
    base_cache = tempfile.mkdtemp(prefix="landbridge-cold-cache-base-") if args.baseline_cache else "off"
    base_dir = None
    if args.baseline_ref:
        base_dir = Path(tempfile.mkdtemp(prefix="landbridge-cold-"))
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base_dir), args.baseline_ref],
            check=True,
            capture_output=True,
        )
    try:
        one_run(here, cache)  # warm the file cache, write the bytecode and the compiled world
        if base_dir is not None:
            one_run(base_dir / "src", base_cache)
        ours, cold, theirs = [], [], []
        for _ in range(args.runs):
            ours.append(one_run(here, cache))
            cold.append(one_run(here))
            if base_dir is not None:
                theirs.append(one_run(base_dir / "src", base_cache))
        print(f"load average at end: {load_average()}")
        if base_dir is not None:
            with_cache = ", its world cache" if args.baseline_cache else ""
            summary(f"baseline {args.baseline_ref[:10]}{with_cache}", theirs)
        summary("this code, no world cache", cold)
        summary("this code, world cache hit", ours)
        top_imports(here, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if args.baseline_cache:
            shutil.rmtree(base_cache, ignore_errors=True)
        if base_dir is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_dir)], check=False)


if __name__ == "__main__":
    main()
