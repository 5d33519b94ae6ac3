"""Packing orders into containers within a volume and a weight limit (two-dimensional bin packing), in numpy.

`pack` sorts the orders by their size on the group's binding dimension (the one whose total is larger relative
to the container), then fills each container with the largest orders left while both limits hold, and tops it
up with the smallest orders left (from the other end of the sorted list) until nothing more fits. Each step is
a binary search on cumulative sums, so a group of n orders packs in O(n log n) plus O(containers x log n).
Every container then wastes less than one small order's size on its binding dimension, so the count stays at
or within a container of the lower bound max(ceil(V / V_cap), ceil(W / W_cap)) per group.

`lower_bound` is that bound; `select_oldest` picks the oldest orders that fit a number of containers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packed:
    """Container number (0, 1, ...) for each order of the group, and the containers' totals."""

    bin_of: np.ndarray
    volume_m3: np.ndarray
    weight_kg: np.ndarray

    @property
    def containers(self) -> int:
        return len(self.volume_m3)


def lower_bound(volume_m3: np.ndarray, weight_kg: np.ndarray, cap_m3: float, cap_kg: float) -> int:
    """The fewest containers that can hold the orders: the larger of total volume over the container's usable
    volume and total weight over its payload, rounded up."""
    if not len(volume_m3):
        return 0
    return max(math.ceil(float(volume_m3.sum()) / cap_m3 - 1e-9), math.ceil(float(weight_kg.sum()) / cap_kg - 1e-9))


def pack(volume_m3: np.ndarray, weight_kg: np.ndarray, cap_m3: float, cap_kg: float) -> Packed:
    """Pack one group (largest-first, topped up with the smallest). Every order must fit a container alone
    (ValueError otherwise)."""
    n = len(volume_m3)
    if n == 0:
        return Packed(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    v = np.asarray(volume_m3, dtype=float)
    w = np.asarray(weight_kg, dtype=float)
    if (v > cap_m3 + 1e-9).any() or (w > cap_kg + 1e-9).any():
        raise ValueError("an order is larger than a container")
    binding_is_volume = v.sum() / cap_m3 >= w.sum() / cap_kg
    size = v / cap_m3 if binding_is_volume else w / cap_kg
    order = np.argsort(-size, kind="stable")
    vs, ws = v[order], w[order]
    cv = np.concatenate(([0.0], np.cumsum(vs)))
    cw = np.concatenate(([0.0], np.cumsum(ws)))
    bin_sorted = np.empty(n, dtype=np.int64)
    bins_v: list[float] = []
    bins_w: list[float] = []
    lo, hi = 0, n  # orders lo..hi-1 (sorted) are still to pack
    eps = 1e-9
    while lo < hi:
        k = len(bins_v)
        # largest first: the longest run from lo that fits both limits
        end_v = np.searchsorted(cv, cv[lo] + cap_m3 + eps, side="right") - 1
        end_w = np.searchsorted(cw, cw[lo] + cap_kg + eps, side="right") - 1
        end = max(min(end_v, end_w, hi), lo + 1)
        used_v = cv[end] - cv[lo]
        used_w = cw[end] - cw[lo]
        bin_sorted[lo:end] = k
        lo = end
        # top up with the smallest: the longest run ending at hi that fits what is left
        if lo < hi:
            room_v = cap_m3 - used_v
            room_w = cap_kg - used_w
            start_v = np.searchsorted(cv, cv[hi] - room_v - eps, side="left")
            start_w = np.searchsorted(cw, cw[hi] - room_w - eps, side="left")
            start = max(start_v, start_w, lo)
            if start < hi:
                bin_sorted[start:hi] = k
                used_v += cv[hi] - cv[start]
                used_w += cw[hi] - cw[start]
                hi = start
        bins_v.append(used_v)
        bins_w.append(used_w)
    bin_of = np.empty(n, dtype=np.int64)
    bin_of[order] = bin_sorted
    return Packed(bin_of, np.array(bins_v), np.array(bins_w))


def group_ids(*keys: np.ndarray) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """A group number per row for the combination of key columns, and the key tuple of each group."""
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64), []
    # in columns: each key's distinct values (sorted), then one number per combination (first key first), so the
    # groups are numbered in the order of their key tuples
    code = np.zeros(len(keys[0]), dtype=np.int64)
    values = []
    for k in keys:
        uniq, inv = np.unique(np.asarray(k).astype(str), return_inverse=True)
        code = code * len(uniq) + inv.astype(np.int64)
        values.append(uniq.tolist())
    combos, group = np.unique(code, return_inverse=True)
    out = []
    for combo in combos.tolist():
        parts = []
        rest = combo
        for vs in reversed(values):
            rest, r = divmod(rest, len(vs))
            parts.append(vs[r])
        out.append(tuple(reversed(parts)))
    return group.astype(np.int64), out


def select_oldest(
    group: np.ndarray, volume_m3: np.ndarray, weight_kg: np.ndarray, cap_m3: float, cap_kg: float, budget: int
) -> np.ndarray:
    """Rows are in age order (oldest first). The longest prefix whose groups need at most `budget` containers
    by the lower bound (with a 1 % margin for packing loss); returns its mask."""
    n = len(group)
    if n == 0 or budget <= 0:
        return np.zeros(n, dtype=bool)
    idx = np.lexsort((np.arange(n), group))  # by group, age order inside
    g = group[idx]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    cv = np.cumsum(volume_m3[idx])
    cw = np.cumsum(weight_kg[idx])
    base_v = np.repeat(np.r_[0.0, cv[starts[1:] - 1]], np.diff(np.r_[starts, n]))
    base_w = np.repeat(np.r_[0.0, cw[starts[1:] - 1]], np.diff(np.r_[starts, n]))
    need = np.ceil(np.maximum((cv - base_v) / (cap_m3 * 0.99), (cw - base_w) / (cap_kg * 0.99)) - 1e-9)
    prev = np.r_[0.0, need[:-1]]
    prev[starts] = 0.0
    inc = np.empty(n)
    inc[idx] = need - prev
    total = np.cumsum(inc)
    return total <= budget
