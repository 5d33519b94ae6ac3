"""The validated baseline world, compiled between processes: a pickle in the user's cache folder.

Reading and validating the data files and building the planner is most of a cold `landbridge quote` after
the imports. The pickle is keyed by the content of every input: the bytes of every file of the package (its
code and the shipped data) and of the user's data folder, where they are (as named: the world's messages and
sources name them), the package, Python and pydantic versions, the pickle protocol and whether the planner's
compiled modules run (landbridge/native.py). Any difference, a
missing or unreadable file, or a payload whose sha256 does not match its header is ignored and the world
built (and written) again, so the same data in gives the same world out;
nothing else is read from the cache folder. Written atomically (a temporary file then a rename), never
required: a cache folder that cannot be written is skipped silently.

LANDBRIDGE_CACHE_DIR names the folder (default: the platform's user cache folder, e.g. ~/.cache/landbridge);
LANDBRIDGE_CACHE_DIR=off turns the cache off.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pydantic

from landbridge import __version__, native

T = TypeVar("T")
CACHE_ENV = "LANDBRIDGE_CACHE_DIR"
MAGIC = b"landbridge-world 1\n"
PACKAGE_DIR = Path(__file__).resolve().parent
PROTOCOL = pickle.HIGHEST_PROTOCOL
KEEP = 8  # worlds kept in the cache folder (about 1.6 MB each)


def cache_dir() -> Path | None:
    """Where compiled worlds are kept (None: the cache is off)."""
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("landbridge", appauthor=False))


def _files(root: Path) -> list[tuple[str, str]]:
    """Every file under `root` but bytecode, `__pycache__` and hidden folders, as (path relative to `root` with
    `/`, path), in a fixed order: a folder's files by name, then its folders by name (symbolic links to folders
    are not followed). Strings, not Paths: this runs on every cold start (about 180 files)."""
    out: list[tuple[str, str]] = []

    def walk(folder: str, rel: str) -> None:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        folders = []
        for e in entries:
            if e.is_dir():
                if e.name != "__pycache__" and not e.name.startswith(".") and not e.is_symlink():
                    folders.append(e)
            elif not e.name.endswith((".pyc", ".pyo")):
                out.append((rel + e.name, e.path))
        for e in folders:
            walk(e.path, f"{rel}{e.name}/")

    walk(str(root), "")
    return out


def input_key(data_dir: str | None) -> str:
    """sha256 over everything a world is made from: versions, the package's files and the data folder's."""
    h = hashlib.sha256()
    h.update(f"{__version__}\0{sys.version}\0pydantic {pydantic.VERSION}\0pickle {PROTOCOL}\0".encode())
    # The planner's compiled classes or its Python ones (they pickle differently; the files below include the
    # build's manifest of the sources compiled).
    h.update(f"native {native.MODE}\0".encode())
    # Where the files are, as given: messages and sources in the world name them (data/..., or the folder's
    # path as the user wrote it), so the same files named otherwise are another world.
    h.update(f"{PACKAGE_DIR}\0{data_dir!r}\0{Path(data_dir).resolve() if data_dir else ''}\0".encode())
    roots = [("package", PACKAGE_DIR)] + ([("data", Path(data_dir))] if data_dir else [])
    for label, root in roots:
        h.update(f"\0{label}\0".encode())
        for rel, path in _files(root):
            h.update(f"{rel}\0".encode())
            with open(path, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def _path(folder: Path, data_dir: str | None) -> Path:
    named = f"{data_dir!r}\0{Path(data_dir).resolve() if data_dir else ''}"
    where = hashlib.sha256(named.encode()).hexdigest()[:16]
    return folder / f"world-{where}.pickle"  # one file per data folder, replaced when its inputs change


def read(path: Path, key: str, kind: type[T]) -> T | None:
    """The world stored at `path` for `key`, or None when absent, of other inputs, or damaged."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = MAGIC + key.encode() + b"\n"
    if not blob.startswith(head) or len(blob) < len(head) + 65:
        return None
    digest, payload = blob[len(head) : len(head) + 64], blob[len(head) + 65 :]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    collecting = gc.isenabled()
    gc.disable()  # a million small objects: the collector's passes would double the time of loading them
    try:
        obj = pickle.loads(payload)  # our own file, checked against its digest
    except Exception:  # a payload of another build of the classes: rebuild
        return None
    finally:
        if collecting:  # (a caller may have paused it already)
            gc.enable()
    return obj if isinstance(obj, kind) else None


def write(path: Path, key: str, obj: object) -> None:
    """Store `obj` for `key` at `path`, whole or not at all; a folder that cannot be written is skipped."""
    try:
        payload = pickle.dumps(obj, protocol=PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        prune(path.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return


def prune(folder: Path, keep: int = KEEP) -> None:
    """Keep the `keep` most recently written worlds (one per data folder; tests and users with many folders
    would otherwise fill the cache folder): the others are deleted, to be built again when next asked for."""
    worlds = []
    for f in folder.glob("world-*.pickle"):
        try:
            worlds.append((f.stat().st_mtime_ns, f))
        except OSError:
            continue
    for _, f in sorted(worlds, reverse=True)[keep:]:
        f.unlink(missing_ok=True)


def cached_world(data_dir: str | None, build: Callable[[], T], kind: type[T]) -> T:
    """The world of `data_dir` from the cache when it was made from the same inputs, else `build()` (stored)."""
    folder = cache_dir()
    try:
        key = input_key(data_dir) if folder is not None else None
    except OSError:
        key = None
    world = read(_path(folder, data_dir), key, kind) if folder is not None and key is not None else None
    if world is None:
        world = build()
        if folder is not None and key is not None:
            write(_path(folder, data_dir), key, world)
    # The world lives as long as the process (load_world keeps it): move its million objects, and whatever
    # else is alive now, out of the collector's sight, so that no later collection, nor the one at exit,
    # walks them again (about 40 ms of a cold quote). Reference counting still frees what is dropped.
    gc.freeze()
    return world
