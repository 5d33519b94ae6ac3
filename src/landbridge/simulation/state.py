"""What happens to containers when a train is at a stop: the model's rules, shared by both engines.

Demand is kept as cumulative counts per origin-destination pair and stream (boxes ready by day), so a
train takes boxes first-in first-out by moving a pointer; on a train, boxes travel as groups
(pair, FEU, departure hour from their origin). The engines only decide *when* things happen (trains
running, queueing at crossings); this module decides *what* happens at each stop.

Empty boxes freed in Europe by an arrival are credited to the terminal's pool at the arrival hour; a pool is
settled (credits up to now applied) whenever it is read, so an engine may report an arrival ahead of
time (the fast engine does, for stops where nothing else depends on the order of events).
"""

from __future__ import annotations

import heapq
import math
from collections import deque

from landbridge.simulation.model import PreparedModel

SCHEDULED, EXTRA, RELIEF = 0, 1, 2
KIND_NAMES = ("scheduled", "extra", "eu-reformed")


class Train:
    __slots__ = (
        "arr_h",
        "dep_h",
        "empties",
        "empties_feu",
        "end_pos",
        "groups",
        "id",
        "kind",
        "last_stop",
        "legs",
        "load",
        "loaded_feu",
        "noise",
        "pos",
        "prio",
        "route",
        "seg",
        "wait_h",
    )

    def __init__(
        self,
        tid: int,
        route,
        kind: int,
        dep_h: float,
        noise: list[float],
        seg: list[float],
        pos: int = 0,
        end_pos: int | None = None,
    ):
        self.id = tid
        self.route = route
        self.kind = kind
        self.dep_h = dep_h
        self.pos = pos
        self.legs = route.legs
        self.end_pos = len(route.legs) if end_pos is None else end_pos
        self.last_stop = self.legs[self.end_pos - 1][2]
        self.noise = noise  # per leg: hours (RUN, DWELL) or processing factor (CROSS)
        self.seg = seg  # per leg: hours of the inline legs from there to the next event
        self.groups: list[list] = []  # [od, feu, departure hour from origin, came through a yard]
        self.empties = 0
        self.load = 0
        self.loaded_feu = 0
        self.empties_feu = 0
        self.wait_h = 0.0
        self.arr_h = math.nan
        self.prio = route.priority


class Pools:
    """Empty boxes per place, with arrivals credited at their hour and settled when read."""

    def __init__(self):
        self.have: dict[str, float] = {}
        self.pending: dict[str, list[tuple[float, float]]] = {}

    def credit(self, place: str, t: float, n: float) -> None:
        heapq.heappush(self.pending.setdefault(place, []), (t, n))

    def get(self, place: str, t: float) -> float:
        p = self.pending.get(place)
        have = self.have.get(place, 0.0)
        if p:
            while p and p[0][0] <= t:
                have += heapq.heappop(p)[1]
            self.have[place] = have
        return have

    def set(self, place: str, value: float) -> None:
        self.have[place] = value

    def places(self) -> list[str]:
        return list(set(self.have) | set(self.pending))


class NetworkState:
    """Queues of boxes at origins and re-forming yards, empty-container pools, and what was recorded."""

    def __init__(self, model: PreparedModel):
        cfg = model.config
        self.m = model
        self.cum = model.cum
        self.taken = [[0, 0, 0] for _ in model.ods]
        self.cutoff = cfg.demand.loading_cutoff_hours
        self.last_day = model.demand_days
        self.od_dest = [o.destination for o in model.ods]
        self.od_origin = [o.origin for o in model.ods]
        self.od_west = [o.direction == "westbound" for o in model.ods]
        self.dest_places = set(self.od_dest)
        ops = cfg.operations
        self.min_load = ops.min_departure_load_feu
        self.extra_share = ops.extra_train_max_share
        self.extra_delay = ops.extra_train_delay_hours
        self.reform_load = ops.reform_train_load_feu
        self.max_hold = ops.reform_max_hold_hours
        self.min_hold = ops.reform_min_hold_load_feu
        self.end_h = model.end_h
        # re-forming yards: (place, destination) -> deque of [od, feu, departure hour, hour in yard]
        self.yards: dict[tuple[str, str], deque] = {}
        self.yard_total: dict[tuple[str, str], int] = {}
        self.yard_template: dict[tuple[str, str], tuple[int, int, int]] = {}
        self.yards_at: dict[str, list[tuple[str, str]]] = {}
        self.yard_hot: dict[str, set] = {}  # place -> destinations with a train-load waiting
        self.yard_next_hold: dict[str, float] = {}  # earliest hour a box there reaches max_hold
        # empty-container pools
        self.pool_eu = Pools()  # (boxes in China are balanced after the run, see kpis.china_box_supply)
        self.reserve = model.eu_reserve_feu
        self.extra_used: dict[tuple[int, int], int] = {}
        self.next_id = len(model.departures)
        # records
        self.trains: list[tuple] = []  # (route, kind, dep_h, arr_h, loaded_feu, empties_feu, wait_h, cancelled, id)
        self.deliveries: list[tuple] = []  # (od, feu, dep_h, arr_h, via_yard)
        self.origin_loads: list[tuple] = []  # (od, stream, first box index, feu, hour)
        self.crossing_log: list[list[tuple]] = [[] for _ in model.crossings]  # (arrive, start, end, westbound)
        self.empties_rail: list[tuple] = []  # (hour, place, feu)
        self.empties_sea: list[tuple] = []  # (hour, place, feu)
        self.empties_arrived: list[tuple] = []  # (hour, hub, feu) empties reaching China by rail
        self.yard_log: list[tuple] = []  # (hour in, hour out, feu)
        self.events: int | None = None

    # ---- demand ------------------------------------------------------------------------------
    def ready(self, od: int, s: int, t: float) -> int:
        """Boxes of a pair and stream at the terminal in time for a departure at hour t: each day's boxes
        arrive evenly over the day, and must be there `loading_cutoff_hours` before departure."""
        x = (t - self.cutoff) / 24
        if x <= 0:
            return 0
        d = int(x)
        c = self.cum[od][s]
        if d >= self.last_day:
            return c[self.last_day]
        return c[d] + int((c[d + 1] - c[d]) * (x - d))

    def eligible(self, route, stop: int, t: float) -> int:
        lst = route.board_ods.get(stop)
        if not lst:
            return 0
        taken, ready = self.taken, self.ready
        return sum(ready(od, s, t) - taken[od][s] for od, s in lst)

    def _allocate(self, route, stop: int, t: float, space: int) -> tuple[list[list], int]:
        lst = route.board_ods.get(stop)
        if not lst or space <= 0:
            return [], 0
        taken, ready = self.taken, self.ready
        if len(lst) == 1:
            od, s = lst[0]
            e = ready(od, s, t) - taken[od][s]
            if e <= 0:
                return [], 0
            n = e if e < space else space
            return [[od, s, n]], n
        el = []
        tot = 0
        for od, s in lst:
            e = ready(od, s, t) - taken[od][s]
            if e > 0:
                el.append([od, s, e])
                tot += e
        if tot <= space:
            return el, tot
        # more boxes wait than fit: share the space in proportion (largest remainder)
        frac = []
        given = 0
        for item in el:
            q = item[2] * space / tot
            n = int(q)
            frac.append(q - n)
            item[2] = n
            given += n
        for k in sorted(range(len(el)), key=frac.__getitem__, reverse=True)[: space - given]:
            el[k][2] += 1
        return el, space

    def _commit(self, train, alloc: list[list], t: float) -> None:
        taken = self.taken
        groups = train.groups
        for od, s, n in alloc:
            if n <= 0:
                continue
            self.origin_loads.append((od, s, taken[od][s], n, t))
            taken[od][s] += n
            groups.append([od, n, t, False])
            if not self.od_west[od]:  # an export box in Europe re-uses an empty there if one is free
                origin = self.od_origin[od]
                have = self.pool_eu.get(origin, t)
                self.pool_eu.set(origin, have - (n if have >= n else (have if have > 0 else 0)))
            train.load += n
            train.loaded_feu += n

    def _empties_for(self, place: str, space: int, t: float) -> int:
        if space <= 0:
            return 0
        avail = self.pool_eu.get(place, t) - self.reserve.get(place, 0.0)
        return int(min(avail, space)) if avail >= 1 else 0

    # ---- a train leaves its origin -------------------------------------------------------------
    def depart(self, train, t: float) -> tuple[bool, float | None]:
        """Load a train at its first stop. Returns whether it runs (a scheduled train with too few boxes
        is cancelled) and the departure hour of an extra train to run on the line, if one is due."""
        route = train.route
        cap = route.cap_out[0]
        alloc, n = self._allocate(route, 0, t, cap)
        empties = self._empties_for(route.stops[0], cap - n, t) if route.empties_stop == 0 else 0
        if (
            train.kind == SCHEDULED
            and n + empties < self.min_load
            and n + empties + self._expected_later(route, t, cap - n - empties) < self.min_load
        ):
            self.trains.append((route.index, train.kind, t, math.nan, 0, 0, 0.0, True, train.id))
            return False, None
        self._commit(train, alloc, t)
        if empties:
            self._load_empties(train, route.stops[0], empties, t)
        # an extra train when the boxes left behind would fill one and the line has paths left
        if n == cap and t < self.end_h and self.extra_share > 0 and self.eligible(route, 0, t) >= cap:
            month = self.m.month_of_day[int(t // 24)]
            key = (route.index, month)
            allowed = int(self.extra_share * self.m.scheduled_per_route_month.get(key, 0))
            used = self.extra_used.get(key, 0)
            if used < allowed:
                self.extra_used[key] = used + 1
                return True, t + self.extra_delay
        return True, None

    def _expected_later(self, route, t: float, space: int) -> int:
        """Boxes and empties the train would pick up further on, as things stand at its departure."""
        more = 0
        for stop in route.board_ods:
            if stop > 0:
                more += self.eligible(route, stop, t)
        if route.empties_stop > 0:
            more += self._empties_for(route.stops[route.empties_stop], space, t)
        return min(more, max(space, 0))

    def _load_empties(self, train, place: str, n: int, t: float) -> None:
        self.pool_eu.set(place, self.pool_eu.get(place, t) - n)
        train.empties += n
        train.empties_feu += n
        train.load += n
        self.empties_rail.append((t, place, n))

    # ---- a train at a stop on its way ------------------------------------------------------------
    def at_stop(self, train, stop: int, t: float) -> list:
        """Unload, re-form, pick up and load at an intermediate or final stop. Returns relief trains
        (extra EU trains formed from boxes waiting at a re-forming yard) to start now."""
        route = train.route
        place = route.stops[stop]
        groups = train.groups
        # unload boxes for this place; their boxes join the place's empty pool
        if groups and place in self.dest_places:
            od_dest = self.od_dest
            keep = None
            for k, g in enumerate(groups):
                if od_dest[g[0]] == place:
                    if keep is None:
                        keep = groups[:k]
                    od, n = g[0], g[1]
                    self.deliveries.append((od, n, g[2], t, g[3]))
                    train.load -= n
                    if self.od_west[od]:
                        self.pool_eu.credit(place, t, n)
                elif keep is not None:
                    keep.append(g)
            if keep is not None:
                train.groups = groups = keep
        if stop == train.last_stop:
            if train.empties:
                self.empties_arrived.append((t, place, train.empties))
                train.load -= train.empties
                train.empties = 0
            train.arr_h = t
            self.trains.append(
                (
                    route.index,
                    train.kind,
                    train.dep_h,
                    t,
                    train.loaded_feu,
                    train.empties_feu,
                    train.wait_h,
                    False,
                    train.id,
                )
            )
            return []
        if train.kind == RELIEF:
            return []
        cap = route.cap_out[stop]
        # re-form: what does not fit the next section waits at this yard
        if train.load > cap:
            over = train.load - cap
            while over > 0 and groups:
                g = groups[-1]
                take = g[1] if g[1] <= over else over
                self._to_yard(place, g, take, t, route, stop)
                g[1] -= take
                train.load -= take
                if g[1] == 0:
                    groups.pop()
                over -= take
            if over > 0 and train.empties:
                k = min(over, train.empties)
                train.empties -= k
                train.load -= k
                self.pool_eu.credit(place, t, k)
        # pick up boxes waiting at this yard for places further on
        keys = self.yards_at.get(place)
        if keys and train.load < cap:
            dest_index = route.dest_index
            for key in keys:
                j = dest_index.get(key[1], -1)
                if j > stop and self.yard_total[key]:
                    self._from_yard(key, train, cap - train.load, t)
                    if train.load >= cap:
                        break
        # load boxes starting here
        if stop in route.board_ods and train.load < cap:
            alloc, _ = self._allocate(route, stop, t, cap - train.load)
            self._commit(train, alloc, t)
        if stop == route.empties_stop:
            k = self._empties_for(place, cap - train.load, t)
            if k:
                self._load_empties(train, place, k, t)
        if keys and (self.yard_hot.get(place) or t >= self.yard_next_hold.get(place, math.inf)):
            return self.relief_due(place, t)
        return []

    # ---- re-forming yards -------------------------------------------------------------------------
    def _to_yard(self, place: str, g: list, n: int, t: float, route, stop: int) -> None:
        dest = self.od_dest[g[0]]
        key = (place, dest)
        q = self.yards.get(key)
        if q is None:
            q = self.yards[key] = deque()
            self.yard_total[key] = 0
            self.yard_template[key] = (route.index, stop, route.dest_index[dest])
            self.yards_at.setdefault(place, []).append(key)
        q.append([g[0], n, g[2], t])
        self.yard_total[key] += n
        if self.yard_total[key] >= self.reform_load:
            self.yard_hot.setdefault(place, set()).add(key)
        due = q[0][3] + self.max_hold  # when the oldest box of this destination has waited long enough
        if due < self.yard_next_hold.get(place, math.inf):
            self.yard_next_hold[place] = due

    def _from_yard(self, key, train, space: int, t: float) -> None:
        q = self.yards[key]
        while space > 0 and q:
            lot = q[0]
            take = lot[1] if lot[1] <= space else space
            train.groups.append([lot[0], take, lot[2], True])  # counted on the train that brought them
            self.yard_log.append((lot[3], t, take))
            train.load += take
            self.yard_total[key] -= take
            space -= take
            lot[1] -= take
            if lot[1] == 0:
                q.popleft()

    def relief_due(self, place: str, t: float, flush: bool = False) -> list:
        hot = self.yard_hot.pop(place, None)
        hold_due = t >= self.yard_next_hold.get(place, math.inf)
        if not (flush or hot or hold_due):
            return []
        if not (flush or hold_due):  # only destinations with a train-load waiting
            return [tr for key in sorted(hot) for tr in self._relieve(key, t, False)]
        out = []
        next_hold = math.inf
        for key in self.yards_at.get(place, ()):
            q = self.yards[key]
            out.extend(self._relieve(key, t, flush))
            # a destination with fewer than min_hold boxes waits for more, or three times max_hold at most
            if q:
                due = q[0][3] + self.max_hold * (1 if self.yard_total[key] >= self.min_hold else 3)
                next_hold = min(next_hold, due)
        self.yard_next_hold[place] = next_hold
        return out

    def _relieve(self, key, t: float, flush: bool) -> list:
        """Extra EU trains for one destination while a train-load waits, or the oldest box has waited
        max_hold_hours (with at least min_hold_load_feu waiting) or three times that (with any number), or
        everything must go (flush)."""
        out = []
        q = self.yards[key]
        while self.yard_total[key] > 0 and (
            flush
            or self.yard_total[key] >= self.reform_load
            or (self.yard_total[key] >= self.min_hold and q[0][3] <= t - self.max_hold)
            or q[0][3] <= t - 3 * self.max_hold
        ):
            ri, stop, dest_stop = self.yard_template[key]
            route = self.m.routes[ri]
            start = route.stop_leg[stop] + 1
            end = route.stop_leg[dest_stop] + 1
            tr = Train(
                self.next_id,
                route,
                RELIEF,
                t,
                *self.dynamic_noise(route, t, 2 + 16 * dest_stop + 1024 * stop, start),
                start,
                end,
            )
            self.next_id += 1
            self._from_yard(key, tr, route.cap_out[stop], t)
            out.append(tr)
        return out

    def flush_yards(self, t: float) -> list:
        out = []
        for place in list(self.yards_at):
            out.extend(self.relief_due(place, t, flush=True))
        return out

    # ---- draws for trains created during the run (independent of event order) ----------------------
    def dynamic_noise(self, route, t: float, salt: int = 0, first_leg: int = 0) -> tuple[list[float], list[float]]:
        # a tuple of ints hashes the same in every process (no string hash randomisation)
        table = self.m.noise_table
        z = table[hash((route.index, int(round(t * 60)), salt)) % len(table)]
        return route.draw_one(z, t, self.m.winter, first_leg)

    def new_extra(self, route, t: float) -> Train:
        tr = Train(self.next_id, route, EXTRA, t, *self.dynamic_noise(route, t, 1))
        self.next_id += 1
        return tr

    # ---- empties swept to sea -----------------------------------------------------------------------
    def sweep(self, t: float) -> None:
        for place in sorted(self.pool_eu.places()):
            have = self.pool_eu.get(place, t)
            excess = have - self.reserve.get(place, 0.0)
            if excess >= 1:
                n = int(excess)
                self.pool_eu.set(place, have - n)
                self.empties_sea.append((t, place, n))
