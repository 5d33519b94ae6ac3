"""The compiled world cache (landbridge.worldcache): same inputs, same world; any other input, or a damaged
file, and the world is built again."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from landbridge import worldcache
from landbridge.datafiles import DEFAULT_DATA_DIR
from landbridge.planner import QuoteRequest
from landbridge.scenarios import BASELINE
from landbridge.world import World, build_world


def _fresh(data_dir: str | None) -> World:
    return build_world(data_dir, BASELINE)


def quote_dict(w: World, origin: str = "Chongqing", dest: str = "Duisburg") -> dict:
    ready = date.today() + timedelta(days=21)
    return w.planner.quote(QuoteRequest(origin, dest, ready)).to_dict()


def cached(folder: Path, data_dir: str | None, monkeypatch: pytest.MonkeyPatch) -> tuple[World, list[int]]:
    monkeypatch.setenv(worldcache.CACHE_ENV, str(folder))
    builds: list[int] = []

    def counting() -> World:
        builds.append(1)
        return _fresh(data_dir)

    return worldcache.cached_world(data_dir, counting, World), builds


def test_a_cached_world_quotes_as_a_fresh_build(tmp_path, monkeypatch):
    first, builds = cached(tmp_path, None, monkeypatch)
    assert builds == [1] and len(list(tmp_path.glob("world-*.pickle"))) == 1
    again, builds = cached(tmp_path, None, monkeypatch)
    assert builds == [] and again is not first  # read back from the file
    fresh = _fresh(None)
    assert quote_dict(again) == quote_dict(fresh)
    assert quote_dict(again, "Xi'an", "Hamburg") == quote_dict(fresh, "Xi'an", "Hamburg")
    assert again.planner.simulated_bands == fresh.planner.simulated_bands


def test_a_changed_data_file_is_not_answered_from_the_cache(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DEFAULT_DATA_DIR / "tariffs.yaml", data / "tariffs.yaml")
    _, builds = cached(tmp_path / "cache", str(data), monkeypatch)
    assert builds == [1]
    text = (data / "tariffs.yaml").read_text(encoding="utf-8")
    (data / "tariffs.yaml").write_text(text + "\n# a comment changes the bytes, so the key\n", encoding="utf-8")
    _, builds = cached(tmp_path / "cache", str(data), monkeypatch)
    assert builds == [1]
    (data / "extra.txt").write_text("any new file in the data folder counts", encoding="utf-8")
    _, builds = cached(tmp_path / "cache", str(data), monkeypatch)
    assert builds == [1]
    _, builds = cached(tmp_path / "cache", str(data), monkeypatch)
    assert builds == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-10] + b"0123456789",  # payload changed: its digest no longer matches
        lambda b: b"not a cache file",
        lambda b: b"",
    ],
)
def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path, monkeypatch, damage):
    cached(tmp_path, None, monkeypatch)
    (path,) = tmp_path.glob("world-*.pickle")
    path.write_bytes(damage(path.read_bytes()))
    w, builds = cached(tmp_path, None, monkeypatch)
    assert builds == [1] and isinstance(w, World)
    _, builds = cached(tmp_path, None, monkeypatch)
    assert builds == []  # written again, whole


def test_the_cache_can_be_turned_off_and_an_unwritable_folder_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv(worldcache.CACHE_ENV, "off")
    assert worldcache.cache_dir() is None
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    w, builds = cached(blocker / "cache", None, monkeypatch)
    assert builds == [1] and isinstance(w, World)


def test_the_same_folder_named_otherwise_is_another_world(tmp_path, monkeypatch):
    """The world names its files as the user named the folder, so a relative and an absolute name of the same
    folder must not share a cached world."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DEFAULT_DATA_DIR / "tariffs.yaml", data / "tariffs.yaml")
    monkeypatch.chdir(tmp_path)
    assert worldcache.input_key("data") != worldcache.input_key(str(data))
    cached(tmp_path / "cache", "data", monkeypatch)
    _, builds = cached(tmp_path / "cache", str(data), monkeypatch)
    assert builds == [1]


def test_the_cache_folder_keeps_the_latest_worlds_only(tmp_path):
    for k in range(worldcache.KEEP + 3):
        worldcache.write(tmp_path / f"world-{k:016x}.pickle", f"{k:064x}", {"k": k})
    kept = sorted(p.name for p in tmp_path.glob("world-*.pickle"))
    assert len(kept) == worldcache.KEEP
    assert f"world-{worldcache.KEEP + 2:016x}.pickle" in kept  # the newest stays
