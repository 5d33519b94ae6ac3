"""The compiled (mypyc) builds of the hot modules, and the guard that never runs one stale.

`make setup` / `pip install -e .` compiles MODULES with mypyc (setup.py) when mypyc and a C compiler are there,
else installs them as plain Python. Each compiled module is an extension file next to its `.py`, and Python's
import takes the extension first: a source edited (or checked out) after the build would silently keep running
the old code. So the build also writes MANIFEST (`landbridge/native_build.txt`): the sha256 of every source it
compiled and the extension files it made, and `import landbridge` checks, whenever a compiled module is present,
that every one of those sources still has that digest. If one differs, or the manifest is missing or names other
files, every module of MODULES is imported from its `.py` instead (all of them: compiled modules reach each
other's classes directly, so compiled and pure are never mixed) and one line on stderr names the changed sources
and says to rebuild (`make setup`). The choice depends on the files only, and both builds give the same results
(tests/test_native.py compares the JSON of quotes byte for byte).

LANDBRIDGE_NATIVE=0 imports the pure-Python modules even when a fresh build is there (to compare the two).

Pickling (the world cache holds a Planner): a compiled class's `__new__` runs `__init__`, so unpickling one the
default way fails; `Planner` and `FactorEmissions` pickle as their constructor's arguments (`__reduce__`), and no
other compiled class is pickled. (`@mypyc_attr(allow_interpreted_subclasses=True)` would allow the default way, but
cost the quote 12-15 % of its CPU time; mypyc 2.4.1's `serializable=True` leaves `tp_init` empty: `Planner(...)`
makes an object without attributes.) The world cache's key names the build that runs (MODE and the manifest).
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from typing import Any

# The modules setup.py compiles (the planner, the twin's engine and rules), in one mypyc group (their shared
# library: GROUP__mypyc at the top level).
MODULES = (
    "landbridge.planner.baseline",
    "landbridge.planner.bounds",
    "landbridge.planner.core",
    "landbridge.planner.emission_model",
    "landbridge.planner.options",
    "landbridge.planner.request",
    "landbridge.planner.routes",
    "landbridge.planner.search",
    "landbridge.simulation.engine",
    "landbridge.simulation.state",
)
GROUP = "landbridge_native"
MANIFEST = "native_build.txt"
ENV = "LANDBRIDGE_NATIVE"
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def source_path(module: str, package_dir: str = PACKAGE_DIR) -> str:
    """The `.py` of `module` (a name in MODULES) under `package_dir`."""
    return os.path.join(package_dir, *module.split(".")[1:]) + ".py"


def source_digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def extension_files(package_dir: str = PACKAGE_DIR) -> dict[str, str]:
    """The compiled extension file of each module of MODULES that has one, by module (for this interpreter)."""
    found: dict[str, str] = {}
    for module in MODULES:
        stem = source_path(module, package_dir)[: -len(".py")]
        for suffix in EXTENSION_SUFFIXES:
            if os.path.exists(stem + suffix):
                found[module] = stem + suffix
                break
    return found


def manifest_text(package_dir: str, extensions: dict[str, str]) -> str:
    """What the build writes to MANIFEST: one line per compiled module, `module sha256 extension-file-name`, the
    digest of its source under `package_dir`."""
    return "".join(
        f"{m} {source_digest(source_path(m, package_dir))} {os.path.basename(extensions[m])}\n"
        for m in sorted(extensions)
    )


def stale_sources(package_dir: str = PACKAGE_DIR) -> tuple[dict[str, str], list[str]]:
    """(compiled extension files present, the reasons they must not run: empty when they are the build of the
    sources there now)."""
    extensions = extension_files(package_dir)
    if not extensions:
        return extensions, []
    try:
        with open(os.path.join(package_dir, MANIFEST), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return extensions, [f"no {MANIFEST}, which a successful build writes"]
    built: dict[str, tuple[str, str]] = {}
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3:
            return extensions, [f"{MANIFEST} is damaged"]
        built[parts[0]] = (parts[1], parts[2])
    reasons = []
    for module in MODULES:
        ext = extensions.get(module)
        entry = built.get(module)
        if ext is None or entry is None:
            if ext is not None or entry is not None:
                reasons.append(f"{module}: extension and {MANIFEST} disagree")
            continue
        if entry[1] != os.path.basename(ext):
            reasons.append(f"{module}: extension {os.path.basename(ext)} is not the one built")
        elif source_digest(source_path(module, package_dir)) != entry[0]:
            reasons.append(os.path.relpath(source_path(module, package_dir), os.path.dirname(package_dir)))
    if set(extensions) != set(MODULES):
        reasons.append("only some modules compiled")
    return extensions, reasons


class _PureSource:
    """A meta path finder that imports the modules of MODULES from their `.py`, not their compiled extension."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname not in MODULES:
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, source_path(fullname))


def _select() -> str:
    """'compiled' (the fresh build's extensions run) or 'pure' (the `.py` files run), installing the finder."""
    extensions, reasons = stale_sources()
    if not extensions:
        return "pure"
    if os.environ.get(ENV, "") == "0":
        reasons = []  # asked for: no warning
    elif not reasons:
        return "compiled"
    else:
        print(
            "landbridge: the compiled modules are not the build of the sources here ("
            + ", ".join(reasons)
            + "); running the pure-Python modules. Rebuild them with `make setup` (or `pip install -e .`).",
            file=sys.stderr,
        )
    sys.meta_path.insert(0, _PureSource())
    return "pure"


MODE = _select() if __name__ == "landbridge.native" else "pure"  # (setup.py loads this file alone)
