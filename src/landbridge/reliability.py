"""Reliability bands (p50/p90 transit) for rail from simulated distributions, when cached.

Until the digital twin has written its cache the planner uses the fixed bands in parameters.yaml.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_cache_dir


def bands_path() -> Path:
    base = os.environ.get("LANDBRIDGE_CACHE_DIR") or user_cache_dir("landbridge")
    return Path(base) / "transit_bands.json"


def apply_cached_bands(planner) -> None:
    p = bands_path()
    if not p.exists():
        return
    try:
        doc = json.loads(p.read_text())
        bands = {k: (float(v["p50_hours"]), float(v["p90_hours"])) for k, v in doc.get("services", {}).items()}
    except (ValueError, KeyError, TypeError):
        return  # a damaged cache is ignored; the next simulation rewrites it
    planner.simulated_bands.update(bands)
