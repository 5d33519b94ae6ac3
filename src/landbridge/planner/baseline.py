"""A reference search to check the planner against: the Connection Scan Algorithm (Dibbelt, Pajor,
Strasser and Wagner 2013/2018), earliest arrival by rail with any number of connections.

Every rail connection (one run between two consecutive stops) of a period sits in one array sorted by
departure; a query scans it from the ready time until a connection leaves after the best arrival found
at the destination. It follows the planner's rules (truck access and egress to the same gateways,
cut-off before the first train, minimum connection time, drayage between gateways of one city,
boardable stops, services that accept the cargo) and returns one number, the earliest door arrival.
Used by the tests (the planner's earliest rail arrival is never later) and by bench/planner_latency.py.
"""

from __future__ import annotations

import bisect

from landbridge.network.models import Place
from landbridge.planner.core import Planner


class ConnectionScan:
    """Earliest rail arrival over the connections leaving in [start_epoch, end_epoch] (seconds) for one cargo
    type, including runs that left their origin before start_epoch and are still on their way."""

    def __init__(self, planner: Planner, start_epoch: float, end_epoch: float, cargo: str = "general"):
        self.planner = planner
        tt = planner.timetable
        conns: list[tuple[float, float, str, str, int, bool, bool]] = []
        trip = 0
        for s in tt.services:
            if s.mode != "rail" or not ("*" in s.accepts or cargo in s.accepts):
                continue
            # A run that left its origin before the window may still be on its way: a train from Yiwu that
            # left 10 days before can be boarded in Duisburg inside the window.
            for e in tt.departure_epochs_between(s, start_epoch - s.arrive_h[-1] * 3600, end_epoch + 1):
                legs = [
                    (
                        e + s.depart_h[k] * 3600,
                        e + s.arrive_h[k + 1] * 3600,
                        s.stops[k],
                        s.stops[k + 1],
                        trip,
                        s.boardable[k],
                        s.boardable[k + 1],
                    )
                    for k in range(len(s.stops) - 1)
                ]
                legs = [c for c in legs if start_epoch <= c[0] <= end_epoch]
                if legs:
                    conns.extend(legs)
                    trip += 1
        conns.sort(key=lambda c: c[0])
        self.dep = [c[0] for c in conns]
        self.arr = [c[1] for c in conns]
        self.frm = [c[2] for c in conns]
        self.to = [c[3] for c in conns]
        self.trip = [c[4] for c in conns]
        self.board_ok = [c[5] for c in conns]
        self.alight_ok = [c[6] for c in conns]
        self.trips = trip
        st = planner.settings
        self.cutoff_s = st.rail_cutoff_hours * 3600
        self.connection_s = st.connection_hours * 3600
        gw = planner.routes.gateways
        self.colocated = {
            gw[a]: [(gw[q], st.truck_hours(km) * 3600) for q, km in links]
            for a, links in enumerate(planner.routes.colocated)
        }

    @property
    def connections(self) -> int:
        """How many connections the array holds."""
        return len(self.dep)

    def earliest_arrival(self, origin: Place, destination: Place, ready_epoch: float) -> float | None:
        """Earliest arrival at the destination's door (epoch s) by rail and trucks, or None."""
        st = self.planner.settings
        inf = float("inf")
        board: dict[str, float] = {}
        for a in self.planner.access_points(origin):
            t = ready_epoch + st.truck_hours(a.road_km) * 3600 + self.cutoff_s
            if t < board.get(a.place, inf):
                board[a.place] = t
        egress = {a.place: st.truck_hours(a.road_km) * 3600 for a in self.planner.access_points(destination)}
        if not board:
            return None
        best = inf
        on = bytearray(self.trips)
        dep, arr, frm, to, trip = self.dep, self.arr, self.frm, self.to, self.trip
        board_ok, alight_ok, colocated, conn = self.board_ok, self.alight_ok, self.colocated, self.connection_s
        i = bisect.bisect_left(dep, min(board.values()))
        n = len(dep)
        while i < n:
            d = dep[i]
            if d >= best:
                break
            tr = trip[i]
            if on[tr] or (board_ok[i] and board.get(frm[i], inf) <= d):
                on[tr] = 1
                if alight_ok[i]:
                    arrive, stop = arr[i], to[i]
                    out = egress.get(stop)
                    if out is not None and arrive + out < best:
                        best = arrive + out
                    ready = arrive + conn
                    if ready < board.get(stop, inf):
                        board[stop] = ready
                        for q, dray_s in colocated.get(stop, ()):
                            if ready + dray_s < board.get(q, inf):
                                board[q] = ready + dray_s
            i += 1
        return best if best < inf else None
