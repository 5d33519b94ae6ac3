"""Planner latency against the strongest fair baseline we could build: a clean Connection Scan (CSA).

    .venv/bin/python bench/planner_latency.py [--pairs 1000] [--scales 1,2,4] [--years 1,2] [--networkx]

For random origin-destination pairs (Chinese hubs <-> European cities, two-thirds westbound) and random
ready dates spread over one (or two) years of departures, it times in the same process, on the same
data, pair by pair in turn:

* the planner, `Planner.quote` with all modes: the full Pareto set over arrival, cost, CO2e and
  transfers, with legs, cost lines, CO2e and reliability (what `landbridge quote --json` prints);
* the planner, rail only;
* the baseline: a textbook Connection Scan Algorithm (Dibbelt et al. 2013/2018) in pure Python, earliest
  rail arrival with any number of connections: every rail connection (one run between two consecutive
  stops) of the period in one array sorted by departure, scanned from the ready time until a connection
  leaves after the best arrival found at the destination. Same truck access and egress, cut-off,
  minimum connection time, drayage between gateways of one city and boardable stops as the planner. It
  returns one number (the earliest arrival), not options: it is a floor for what any search must do
  that looks at departures one by one, which the planner does not.
* optionally (`--networkx`) the earlier baseline: a time-expanded graph of every rail departure in
  networkx, Dijkstra stopped at the destination (a sink joined to every egress arrival).

With the planner compiled (mypyc, `make setup`; landbridge/native.py) the CSA is compiled the same way, and the
CSA's pure-Python module is timed too ("CSA, pure Python", loaded from baseline.py): both ratios are reported, so a
speed-up that is only the compiler's shows. LANDBRIDGE_NATIVE=0 runs everything as pure Python.

The planner's earliest rail arrival is checked against the CSA's on every pair (never later).
`--scales 1,2,4` repeats with every service cloned at shifted hours (2x, 4x the departures: same
stops, running times and prices, so RAPTOR's routes group them), `--years 1,2` spreads the ready
dates over one or two years of departures. Reports p50/p99 per method and the ratios.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import gc
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import landbridge
from landbridge.errors import LandbridgeError
from landbridge.planner import Planner, QuoteRequest
from landbridge.planner.baseline import ConnectionScan
from landbridge.timetable.builder import Timetable
from landbridge.world import World, load_world


def pure_connection_scan() -> type[ConnectionScan] | None:
    """The CSA's class from baseline.py itself when the running one is compiled (None when it is not)."""
    if landbridge.native.MODE != "compiled":
        return None
    import importlib.util

    path = landbridge.native.source_path("landbridge.planner.baseline")
    spec = importlib.util.spec_from_file_location("planner_baseline_pure_python", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ConnectionScan


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


class TimeExpandedBaseline:
    """The earlier baseline, fixed: every rail run as events in networkx; Dijkstra stops at a sink."""

    def __init__(self, planner: Planner, start_e: float, end_e: float):
        import networkx as nx

        self.nx = nx
        self.planner = planner
        st = planner.settings
        self.cutoff_s = st.rail_cutoff_hours * 3600
        self.connection_s = st.connection_hours * 3600
        g = nx.DiGraph()
        boards: dict[str, list[tuple[float, tuple]]] = {}
        self.arrivals: dict[str, list[tuple[float, tuple]]] = {}
        tt = planner.timetable
        for s in tt.services:
            if s.mode != "rail" or not ("*" in s.accepts or "general" in s.accepts):
                continue
            for year in range(datetime.fromtimestamp(start_e, UTC).year, datetime.fromtimestamp(end_e, UTC).year + 1):
                for e in tt.year_departure_epochs(s, year):
                    if not start_e <= e <= end_e:
                        continue
                    run = (s.id, e)
                    for k in range(len(s.stops)):
                        a_node, d_node = ("A", run, k), ("D", run, k)
                        if k:
                            g.add_edge(("D", run, k - 1), a_node, weight=(s.arrive_h[k] - s.depart_h[k - 1]) * 3600)
                        g.add_edge(a_node, d_node, weight=(s.depart_h[k] - s.arrive_h[k]) * 3600)
                        if s.boardable[k]:
                            boards.setdefault(s.stops[k], []).append((e + s.depart_h[k] * 3600, d_node))
                            self.arrivals.setdefault(s.stops[k], []).append((e + s.arrive_h[k] * 3600, a_node))
        self.board_times: dict[str, list[float]] = {}
        self.board_nodes: dict[str, list[tuple]] = {}
        for place, items in boards.items():
            items.sort()
            times, nodes = [], []
            for n, (t_dep, d_node) in enumerate(items):
                b = ("B", place, n)
                g.add_edge(b, d_node, weight=self.connection_s)
                if n:
                    g.add_edge(nodes[-1], b, weight=t_dep - items[n - 1][0])
                times.append(t_dep - self.connection_s)
                nodes.append(b)
            self.board_times[place], self.board_nodes[place] = times, nodes
        for place, items in self.arrivals.items():
            times = self.board_times.get(place)
            if not times:
                continue
            for t_arr, a_node in items:
                i = bisect.bisect_left(times, t_arr)
                if i < len(times):
                    g.add_edge(a_node, self.board_nodes[place][i], weight=times[i] - t_arr)
        self.graph = g

    def earliest_arrival(self, origin, destination, ready_e: float) -> float | None:
        st = self.planner.settings
        g = self.graph
        src, sink = ("SRC",), ("SINK",)
        for acc in self.planner.access_points(origin):
            times = self.board_times.get(acc.place)
            if not times:
                continue
            at = ready_e + st.truck_hours(acc.road_km) * 3600 + self.cutoff_s - self.connection_s
            i = bisect.bisect_left(times, at)
            if i < len(times):
                g.add_edge(src, self.board_nodes[acc.place][i], weight=times[i] - ready_e)
        added = []
        for acc in self.planner.access_points(destination):
            for t_arr, a_node in self.arrivals.get(acc.place, ()):
                if t_arr >= ready_e:
                    g.add_edge(a_node, sink, weight=st.truck_hours(acc.road_km) * 3600)
                    added.append(a_node)
        try:
            d = self.nx.dijkstra_path_length(g, src, sink, weight="weight")
            return ready_e + d
        except (self.nx.NetworkXNoPath, self.nx.NodeNotFound):
            return None
        finally:
            if src in g:
                g.remove_node(src)
            if sink in g:
                g.remove_node(sink)

    @property
    def size(self) -> str:
        return f"{self.graph.number_of_nodes():,} nodes, {self.graph.number_of_edges():,} edges"


# ---- scaled networks ---------------------------------------------------------------------------
def scaled_planner(world: World, scale: int) -> Planner:
    """The world's planner over a timetable where every service runs `scale` times: clones leave
    24/scale, 2x24/scale, ... hours later on the same weekdays (same stops, running times, prices)."""
    if scale == 1:
        return world.planner
    tt = world.timetable
    services = list(tt.services)
    for s in tt.services:
        for k in range(1, scale):
            shift = timedelta(hours=24 * k / scale)
            times = tuple(
                (datetime.combine(date(2000, 1, 1), t) + shift).time().replace(microsecond=0) for t in s.departure_times
            )
            services.append(dataclasses.replace(s, id=f"{s.id}~{k}", name=f"{s.name} ({k + 1})", departure_times=times))
    scaled = Timetable(world.network, services, tt.parameters, tt.scenario, tt.corridors)
    return Planner(world.network, scaled, world.catalog, world.tariffs, world.factors, world.rates)


def draw_pairs(world: World, n: int, start: date, days: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    hubs = sorted((p for p in world.network.places.values() if p.kind == "hub"), key=lambda p: p.id)
    cities = sorted((p for p in world.network.places.values() if p.kind == "city"), key=lambda p: p.id)
    pairs = []
    for _ in range(n):
        cn, eu = rng.choice(hubs), rng.choice(cities)
        o, d = (cn, eu) if rng.random() < 0.67 else (eu, cn)
        pairs.append((o, d, start + timedelta(days=rng.randrange(days))))
    return pairs


def prepare(planner: Planner, first_year: int, years: int) -> float:
    """Index departures of the years asked (and the next), compute the lower bounds; seconds taken."""
    t = time.perf_counter()
    start = datetime(first_year, 1, 1, tzinfo=UTC).timestamp() - 86400 * 60
    end = datetime(first_year + years + 1, 1, 1, tzinfo=UTC).timestamp()
    for route in planner.routes.routes:
        planner.routes.cover(route, start, end)
    planner.bounds.prepare_all()
    for p in planner.network.places.values():
        planner.access_points(p)
    return time.perf_counter() - t


def run_scale(world: World, scale: int, years: int, args, now: datetime) -> dict:
    t0 = time.perf_counter()
    planner = scaled_planner(world, scale)
    build_s = time.perf_counter() - t0
    first_year = now.year + 1
    start = date(first_year, 1, 1)
    days = 365 * years - 60
    prep_s = prepare(planner, first_year, years)
    horizon0 = datetime.combine(start, dtime(0), UTC).timestamp() - 3 * 86400
    horizon1 = horizon0 + (365 * years + 70) * 86400
    t0 = time.perf_counter()
    csa = ConnectionScan(planner, horizon0, horizon1)
    csa_build_s = time.perf_counter() - t0
    n_departures = len(
        [e for r in planner.routes.routes for e in r.epochs if horizon0 <= e <= horizon0 + 365 * years * 86400]
    )
    pure_class = pure_connection_scan()
    csa_py = pure_class(planner, horizon0, horizon1) if pure_class is not None else None
    pairs = draw_pairs(world, args.pairs, start, days, args.seed)
    keys = ["all", "rail", "raptor", "csa"] + (["csa_py"] if csa_py is not None else [])
    wall: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    csa_py_differs = 0
    no_route, compared, later, equal = 0, 0, [], 0
    options = 0
    gc.collect()
    gc.freeze()  # what a server does after loading: the collector no longer walks the network at every pass

    def timed(key: str, fn):
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn()
        finally:
            wall[key].append(time.perf_counter() - t)
            cpu[key].append(time.process_time() - c)

    for o, d, ready in pairs:
        ready_e = datetime.combine(ready, dtime(8), UTC).timestamp()
        all_modes = QuoteRequest(o.id, d.id, ready)
        rail_only = QuoteRequest(o.id, d.id, ready, modes=("rail",))
        try:
            q = timed("all", lambda r=all_modes: planner.quote(r, now=now))
            options += len(q.options)
        except LandbridgeError:
            no_route += 1
        try:
            qr = timed("rail", lambda r=rail_only: planner.quote(r, now=now))
            ours: float | None = min(x.arrival.timestamp() for x in qr.options)
        except LandbridgeError:
            ours = None
        fastest = timed("raptor", lambda r=rail_only: planner.earliest_arrival(r, now=now))
        base = timed("csa", lambda o=o, d=d, e=ready_e: csa.earliest_arrival(o, d, e))
        if csa_py is not None:
            base_py = timed("csa_py", lambda o=o, d=d, e=ready_e: csa_py.earliest_arrival(o, d, e))
            csa_py_differs += base_py != base
        if base is not None:
            compared += 1
            if ours is None or ours > base + 1 or fastest is None or fastest.timestamp() > base + 1:
                later.append((o.id, d.id, ready.isoformat(), base, ours))
            elif abs(ours - base) <= 1:
                equal += 1
    gc.unfreeze()
    out = {
        "scale": scale,
        "years": years,
        "departures": n_departures,
        "routes": len(planner.routes.routes),
        "services": len(planner.timetable.services),
        "connections": csa.connections,
        "build_s": build_s,
        "prepare_s": prep_s,
        "csa_build_s": csa_build_s,
        "pairs": len(pairs),
        "no_route": no_route,
        "options_per_quote": options / max(1, len(pairs) - no_route),
        **{k: (percentile(v, 0.5), percentile(v, 0.99)) for k, v in wall.items()},
        **{f"{k}_cpu": (percentile(v, 0.5), percentile(v, 0.99)) for k, v in cpu.items()},
        "compared": compared,
        "equal": equal,
        "later": later,
        "csa_py_differs": csa_py_differs,
    }
    if args.networkx and scale == 1 and years == 1:
        t0 = time.perf_counter()
        te = TimeExpandedBaseline(planner, horizon0, horizon1)
        out["nx_build_s"] = time.perf_counter() - t0
        out["nx_size"] = te.size
        lat_nx, lat_csa2 = [], []
        agree = 0
        for o, d, ready in pairs[: args.networkx_pairs]:
            ready_e = datetime.combine(ready, dtime(8), UTC).timestamp()
            t = time.perf_counter()
            b_nx = te.earliest_arrival(o, d, ready_e)
            lat_nx.append(time.perf_counter() - t)
            t = time.perf_counter()
            b_csa = csa.earliest_arrival(o, d, ready_e)
            lat_csa2.append(time.perf_counter() - t)
            agree += b_nx is not None and b_csa is not None and abs(b_nx - b_csa) < 1
        out["nx"] = (percentile(lat_nx, 0.5), percentile(lat_nx, 0.99))
        out["nx_csa"] = (percentile(lat_csa2, 0.5), percentile(lat_csa2, 0.99))
        out["nx_agree"] = (agree, len(lat_nx))
    return out


def report(r: dict) -> None:
    ms = lambda x: f"{x * 1000:.2f} ms"  # noqa: E731
    print(
        f"\n== {r['scale']}x services ({r['services']} services in {r['routes']} routes), ready dates over "
        f"{r['years']} year(s): {r['departures']:,} departures, {r['connections']:,} rail connections"
    )
    print(
        f"   planner built in {r['build_s']:.2f} s, departures and bounds prepared in {r['prepare_s']:.2f} s; "
        f"CSA connections sorted in {r['csa_build_s']:.2f} s"
    )
    for key, what in (
        ("all", "planner, all modes, Pareto options"),
        ("rail", "planner, rail only, Pareto options"),
        ("raptor", "planner, earliest rail arrival (RAPTOR)"),
        ("csa", "CSA, earliest rail arrival"),
        ("csa_py", "CSA, pure Python (planner compiled)"),
    ):
        if key not in r:
            continue
        p50, p99 = r[key]
        c50, c99 = r[f"{key}_cpu"]
        print(f"   {what:42s} wall p50 {ms(p50):>9s} p99 {ms(p99):>9s} | CPU p50 {ms(c50):>9s} p99 {ms(c99):>9s}")
    for suffix, what in (("", "wall"), ("_cpu", "CPU")):
        csa, a, rail, raptor = r["csa" + suffix], r["all" + suffix], r["rail" + suffix], r["raptor" + suffix]
        print(
            f"   {what}: CSA / planner all modes {csa[0] / a[0]:.2f}x at p50, {csa[1] / a[1]:.2f}x at p99; "
            f"CSA / rail only {csa[0] / rail[0]:.2f}x at p50; CSA / RAPTOR {csa[0] / raptor[0]:.1f}x at p50, "
            f"{csa[1] / raptor[1]:.1f}x at p99"
        )
        if "csa_py" + suffix in r:
            py = r["csa_py" + suffix]
            print(
                f"   {what}: CSA in pure Python / planner all modes (compiled) {py[0] / a[0]:.2f}x at p50, "
                f"{py[1] / a[1]:.2f}x at p99; compiled CSA / pure CSA {csa[0] / py[0]:.2f}x at p50"
            )
    if "csa_py" in r:
        print(f"   pure-Python CSA's arrival differs from the compiled CSA's on {r['csa_py_differs']} pairs")
    print(
        f"   {r['pairs']} pairs, {r['no_route']} without a route, {r['options_per_quote']:.1f} options per quote; "
        f"earliest rail arrival: planner equal to CSA on {r['equal']}/{r['compared']}, "
        f"later on {len(r['later'])}, earlier on {r['compared'] - r['equal'] - len(r['later'])}"
    )
    for case in r["later"][:5]:
        print("   LATER THAN CSA:", case)
    if "nx" in r:
        print(
            f"   networkx time-expanded graph ({r['nx_size']}, built in {r['nx_build_s']:.1f} s), Dijkstra stopped "
            f"at the destination: p50 {ms(r['nx'][0])}, p99 {ms(r['nx'][1])}; CSA on the same pairs p50 "
            f"{ms(r['nx_csa'][0])}; same arrival on {r['nx_agree'][0]}/{r['nx_agree'][1]}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--scales", default="1,2,4")
    ap.add_argument("--years", default="1,2")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--networkx", action="store_true", help="also run the networkx time-expanded baseline")
    ap.add_argument("--networkx-pairs", type=int, default=100)
    args = ap.parse_args()
    now = datetime.now(UTC)
    print(
        f"planner latency bench: {platform.machine()}, Python {platform.python_version()}, "
        f"{date.today().isoformat()}, seed {args.seed}; planner and CSA modules: {landbridge.native.MODE}"
    )
    t0 = time.perf_counter()
    world = load_world()
    print(f"world loaded in {time.perf_counter() - t0:.2f} s")
    for years in (int(y) for y in args.years.split(",")):
        for scale in (int(s) for s in args.scales.split(",")):
            report(run_scale(world, scale, years, args, now))


if __name__ == "__main__":
    main()
