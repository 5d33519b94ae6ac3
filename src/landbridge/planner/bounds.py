"""Lower bounds towards each gateway, for target pruning in the search.

For a gateway g and every other gateway b, the least time, freight, fixed fees and emissions with
which cargo at b can reach g with at least one more ride, whatever the date: scheduled ride times and
the shortest wait between rides, the cheapest tariff period, no waiting for departures. The search
combines them with the egress trucks of a request; a label that cannot beat a finished itinerary even
at these bounds is dropped. Computed on first use per gateway (a small label-correcting sweep over
the ride graph) and kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landbridge.planner.routes import MODE_AIR, RouteIndex

INF = float("inf")


@dataclass(frozen=True)
class GatewayBounds:
    """Per gateway index: least seconds (from arriving there to arriving at the target gateway), USD
    per FEU of freight, USD per container of fees, and g CO2e per tonne."""

    seconds: list[float]
    freight_usd_per_feu: list[float]
    fees_usd_per_container: list[float]
    co2e_g_per_t: list[float]


class LowerBounds:
    """Lower bounds towards gateways of one RouteIndex (air excluded: flights are never continued)."""

    def __init__(
        self,
        index: RouteIndex,
        min_gap_s: float,
        dray: Callable[[float], tuple[float, float, float]],
    ):
        """`min_gap_s`: the shortest time between arriving and leaving again (connection or cut-off);
        `dray(km)` -> (seconds, least USD per container, g CO2e per tonne) of a drayage."""
        self.index = index
        self.min_gap_s = min_gap_s
        n = len(index.gateways)
        best: dict[tuple[int, int], list[float]] = {}
        for route in index.routes:
            if route.mode_code == MODE_AIR:
                continue
            for rides in route.rides_from.values():
                for ride in rides:
                    b = index.stop_of[ride.board]
                    key = (b, ride.alight_stop)
                    freight = min(p.freight_usd_per_feu for p in ride.prices)
                    fees = min(p.fixed_usd_per_container for p in ride.prices)
                    cand = [min_gap_s + ride.arrive_offset_s - ride.depart_offset_s, freight, fees, ride.co2e_g_per_t]
                    old = best.get(key)
                    best[key] = cand if old is None else [min(x, y) for x, y in zip(old, cand)]
        self._into: list[list[tuple[int, float, float, float, float]]] = [[] for _ in range(n)]
        for (b, a), (s, f, c, g) in best.items():
            self._into[a].append((b, s, f, c, g))
        self._dray_into: list[list[tuple[int, float, float, float]]] = [[] for _ in range(n)]
        for a, links in enumerate(index.colocated):
            for q, km in links:
                s, usd, g = dray(km)
                self._dray_into[q].append((a, s, usd, g))
        self._cache: dict[int, GatewayBounds] = {}
        self._matrices: dict[int, np.ndarray] = {}

    def towards(self, target: int) -> GatewayBounds:
        """Bounds from every gateway to `target` (gateway index) with at least one ride; INF when unreachable."""
        hit = self._cache.get(target)
        if hit is not None:
            return hit
        n = len(self.index.gateways)
        arrays = [[INF] * n for _ in range(4)]
        queue: deque[int] = deque()
        queued = [False] * n
        # Rides straight into the target, then anything that leads to a gateway already bounded.
        for b, s, f, c, g in self._into[target]:
            self._improve(arrays, b, (s, f, c, g), queue, queued)
        while queue:
            a = queue.popleft()
            queued[a] = False
            here = (arrays[0][a], arrays[1][a], arrays[2][a], arrays[3][a])
            for b, s, f, c, g in self._into[a]:
                self._improve(arrays, b, (s + here[0], f + here[1], c + here[2], g + here[3]), queue, queued)
            for b, s, c, g in self._dray_into[a]:
                self._improve(arrays, b, (s + here[0], here[1], c + here[2], g + here[3]), queue, queued)
        out = GatewayBounds(arrays[0], arrays[1], arrays[2], arrays[3])
        self._cache[target] = out
        return out

    def matrix(self, target: int) -> np.ndarray:
        """`towards(target)` as one 4 x gateways array (seconds, freight, fees, g CO2e per tonne), kept: the
        search combines the bounds of several egress gateways at once."""
        hit = self._matrices.get(target)
        if hit is None:
            b = self.towards(target)
            hit = np.array([b.seconds, b.freight_usd_per_feu, b.fees_usd_per_container, b.co2e_g_per_t])
            hit.flags.writeable = False  # shared by every search
            self._matrices[target] = hit
        return hit

    @staticmethod
    def _improve(
        arrays: list[list[float]],
        b: int,
        cand: tuple[float, float, float, float],
        queue: deque[int],
        queued: list[bool],
    ) -> None:
        changed = False
        for k in range(4):
            if cand[k] < arrays[k][b]:
                arrays[k][b] = cand[k]
                changed = True
        if changed and not queued[b]:
            queue.append(b)
            queued[b] = True

    def prepare_all(self) -> None:
        """Compute the bounds towards every gateway now (a server does this at start)."""
        for g in range(len(self.index.gateways)):
            self.towards(g)
