"""The planner's compiled modules (mypyc, landbridge/native.py): the same answers as the pure-Python modules,
byte for byte, and never run when their sources changed since the build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from landbridge import native as native_build

SRC = Path(native_build.PACKAGE_DIR).parent
COMPILED = bool(native_build.extension_files())
needs_build = pytest.mark.skipif(
    not COMPILED, reason="no compiled build here (make setup compiles the planner when a C compiler is there)"
)

# A child process quotes these (with the options of landbridge quote) and prints the JSON of each, as the CLI does.
QUOTES = r"""
import json, random, sys
from datetime import UTC, date, datetime, timedelta
import landbridge
from landbridge.errors import LandbridgeError
from landbridge.planner import QuoteRequest
from landbridge.planner.baseline import ConnectionScan
from landbridge.world import load_world

w = load_world()
now = datetime(2026, 6, 1, tzinfo=UTC)
rng = random.Random(11)
hubs = sorted((p for p in w.network.places.values() if p.kind == "hub"), key=lambda p: p.id)
cities = sorted((p for p in w.network.places.values() if p.kind == "city"), key=lambda p: p.id)
variants = [
    {}, {"modes": ("rail",)}, {"cargo": "batteries"}, {"cargo": "wine"}, {"containers": 3},
    {"containers": 2, "container_type": "20GP"}, {"currency": "EUR"}, {"modes": ("sea", "air")}, {"mass_kg": 9000},
    {"containers": 2, "cargo": "ev", "mass_kg": 14001}, {"containers": 4, "modes": ("rail", "sea")},
]
start = datetime(2026, 7, 1, tzinfo=UTC).timestamp()
csa = ConnectionScan(w.planner, start - 3 * 86400, start + 430 * 86400)
out = [landbridge.native.MODE]
for n in range(int(sys.argv[1])):
    cn, eu = rng.choice(hubs), rng.choice(cities)
    o, d = (cn, eu) if rng.random() < 0.67 else (eu, cn)
    ready = date(2026, 7, 1) + timedelta(days=rng.randrange(365))
    opts = variants[n % len(variants)]
    try:
        q = w.planner.quote(QuoteRequest(o.id, d.id, ready, **opts), now=now)
        out.append(json.dumps(q.to_dict(), indent=2, ensure_ascii=False, default=str))
    except LandbridgeError as e:
        out.append(f"{type(e).__name__}: {e}")
    fastest = w.planner.earliest_arrival(QuoteRequest(o.id, d.id, ready, modes=("rail",)), now=now)
    ready_e = datetime.combine(ready, datetime.min.time(), UTC).timestamp() + 8 * 3600
    out.append(f"{fastest and fastest.isoformat()} {csa.earliest_arrival(o, d, ready_e)}")
print(json.dumps(out))
"""


def _run(code: str, *args: str, native: str | None, cwd: Path, pythonpath: Path = SRC) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), LANDBRIDGE_CACHE_DIR="off")
    env.pop(native_build.ENV, None)
    if native is not None:
        env[native_build.ENV] = native
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


@needs_build
def test_compiled_quotes_are_byte_identical_to_pure_python(tmp_path):
    compiled = _run(QUOTES, "300", native=None, cwd=tmp_path)
    pure = _run(QUOTES, "300", native="0", cwd=tmp_path)
    assert compiled.returncode == 0 and pure.returncode == 0, compiled.stderr + pure.stderr
    a, b = json.loads(compiled.stdout), json.loads(pure.stdout)
    assert (a[0], b[0]) == ("compiled", "pure")  # each ran the build it says
    assert sum(s.startswith("{") for s in a) > 200  # mostly quotes, not errors
    assert a[1:] == b[1:]
    assert compiled.stderr == pure.stderr == ""


def _package_copy(tmp_path: Path) -> Path:
    """src/ with the compiled build, copied (data and web assets left out: the guard needs only the code)."""
    root = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "data", "static", "migrations")
    shutil.copytree(SRC / "landbridge", root / "landbridge", ignore=skip)
    for lib in SRC.glob(f"{native_build.GROUP}__mypyc.*"):
        shutil.copy(lib, root)
    return root


WHICH = "import landbridge, landbridge.planner.search as s, landbridge.planner.core as c; " + (
    "print(landbridge.native.MODE, s.__file__.rsplit('.', 1)[-1], c.__file__.rsplit('.', 1)[-1])"
)


@needs_build
def test_an_edited_source_runs_as_pure_python_never_the_stale_build(tmp_path):
    root = _package_copy(tmp_path)
    fresh = _run(WHICH, native=None, cwd=tmp_path, pythonpath=root)
    assert fresh.stdout.split() == ["compiled", "so", "so"] and fresh.stderr == ""
    search = root / "landbridge" / "planner" / "search.py"
    search.write_text(search.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    stale = _run(WHICH + "; print(s.EDITED)", native=None, cwd=tmp_path, pythonpath=root)
    assert stale.returncode == 0, stale.stderr
    assert stale.stdout.split() == ["pure", "py", "py", "True"]  # every compiled module falls back, not just one
    assert "landbridge/planner/search.py" in stale.stderr and "make setup" in stale.stderr
    (root / "landbridge" / native_build.MANIFEST).unlink()
    search.write_text(search.read_text(encoding="utf-8").replace("\nEDITED = True\n", ""), encoding="utf-8")
    unsure = _run(WHICH, native=None, cwd=tmp_path, pythonpath=root)
    assert unsure.stdout.split() == ["pure", "py", "py"] and native_build.MANIFEST in unsure.stderr


def _fake_build(tmp_path: Path, modules: tuple[str, ...]) -> Path:
    """A package folder with every module's source and, for `modules`, an (empty) extension file and the manifest
    a build writes."""
    pkg = tmp_path / "landbridge"
    for m in native_build.MODULES:
        path = Path(native_build.source_path(m, str(pkg)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {m}\n", encoding="utf-8")
    exts = {}
    for m in modules:
        exts[m] = native_build.source_path(m, str(pkg))[: -len(".py")] + EXTENSION_SUFFIXES[0]
        Path(exts[m]).write_bytes(b"")
    (pkg / native_build.MANIFEST).write_text(native_build.manifest_text(str(pkg), exts), encoding="utf-8")
    return pkg


def test_the_guard_accepts_only_the_build_of_the_sources_there(tmp_path):
    pkg = _fake_build(tmp_path / "a", native_build.MODULES)
    found, reasons = native_build.stale_sources(str(pkg))
    assert set(found) == set(native_build.MODULES) and reasons == []
    core = Path(native_build.source_path("landbridge.planner.core", str(pkg)))
    core.write_text(core.read_text(encoding="utf-8") + "x = 1\n", encoding="utf-8")
    assert native_build.stale_sources(str(pkg))[1] == [os.path.join("landbridge", "planner", "core.py")]
    partial = _fake_build(tmp_path / "b", native_build.MODULES[:2])
    assert "only some modules compiled" in native_build.stale_sources(str(partial))[1]
    pure = tmp_path / "c" / "landbridge"
    shutil.copytree(pkg, pure, ignore=shutil.ignore_patterns("*" + EXTENSION_SUFFIXES[0]))
    assert native_build.stale_sources(str(pure)) == ({}, [])  # no build: plain Python, nothing to say


# The twin's engine and rules (compiled too): 150 days of the default network and a closure, fast engine and SimPy.
TWIN = r"""
import json, sys
from datetime import date
import landbridge
from landbridge.simulation.runner import RunSpec, run_one

out = [landbridge.native.MODE]
for specs, engine in (((), "fast"), ((), "simpy"), ((sys.argv[1],), "fast")):
    r = run_one(RunSpec(specs, date(2026, 1, 1), 150, 42, engine=engine), tables=True)
    doc = [r.kpis, r.tables, r.samples, r.service_bands, r.service_month_bands]
    out.append(json.dumps(doc, sort_keys=True, default=str))
print(json.dumps(out))
"""


@needs_build
def test_compiled_twin_gives_the_same_results_as_pure_python(tmp_path):
    closure = "closure:brest-malaszewicze=2026-03-01..2026-03-20"
    compiled = _run(TWIN, closure, native=None, cwd=tmp_path)
    pure = _run(TWIN, closure, native="0", cwd=tmp_path)
    assert compiled.returncode == 0 and pure.returncode == 0, compiled.stderr + pure.stderr
    a, b = json.loads(compiled.stdout), json.loads(pure.stdout)
    assert (a[0], b[0]) == ("compiled", "pure")
    assert a[1:] == b[1:]
