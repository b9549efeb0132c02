"""Formation memory: long-memory offsets between neighbouring tracks, for association only.

Drones of a raid group fly in formation (line abreast, ~100 m apart) while one plot's
cross-range sigma at 17 km is ~60 m. A nearest-neighbour assignment then hands a track its
neighbour's plot about a third of the time, each wrong plot drags the track, and the dragged track
takes more wrong plots: tracks wander across the formation and swap identities.

The relative offset of two members of a formation persists, while each track wanders with the
plots it is handed. `FormationMemory` keeps, for every pair of confirmed tracks whose gates share
a plot, an exponentially smoothed offset ``x_b - x_a`` in the pair's heading-aligned frame (along
track, cross track, up; heading of the pair's mean velocity), so a rigid formation may turn. Each
neighbour b then predicts where a should be (``x_b - offset``); the average of these predictions
and a's own prediction, `formation_anchor`, wanders much less than a's own estimate (the
neighbours' independent errors average out) and is used for the assignment cost only (`Tracker`
re-ranks the plots by their distance from the anchor; the state update still uses a's own
prediction and the chosen plot, so covariances stay those of the filter). A memory of a few
seconds works best on the simulator's raids (`TrackerConfig.formation_time_constant_s`).

Units: metres, seconds, working frame (`skyfuse.geo.WorkFrame`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
IDX = NDArray[np.intp]

_KEY_BASE = np.int64(1) << np.int64(31)
_MIN_SPEED_MPS = 5.0
"""Below this horizontal speed a track has no heading and takes no part in formation memory."""


def sharing_pairs(ti: IDX, pj: IDX, n: int, m: int) -> tuple[IDX, IDX]:
    """Track pairs ``(a, b)``, ``a < b``, whose gates share at least one plot.

    Args:
        ti, pj: (k,) distinct gated (track, plot) pairs, track index < n, plot index < m.

    Returns:
        Two (p,) arrays of track indices, sorted by ``(a, b)``, each pair once. Work grows
        with the number of pairs of tracks per shared plot (nothing when no plot is shared).
    """
    e = np.zeros(0, np.intp)
    if ti.size == 0:
        return e, e
    count = np.bincount(pj, minlength=m)
    if count.max() < 2:
        return e, e
    shared = count[pj] >= 2
    t, p = ti[shared], pj[shared]
    order = np.lexsort((t, p))
    t, p = t[order], p[order]
    # Within each plot's run of tracks (sorted), pair every track with each one after it.
    start = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    size = np.diff(np.r_[start, p.size])
    rank = np.arange(p.size) - np.repeat(start, size)
    after = np.repeat(size, size) - rank - 1
    first = np.repeat(np.arange(p.size), after)
    step = np.arange(first.size) - np.repeat(np.cumsum(after) - after, after)
    a, b = t[first], t[first + 1 + step]
    key = np.unique(a.astype(np.int64) * max(n, 1) + b)
    return (key // max(n, 1)).astype(np.intp), (key % max(n, 1)).astype(np.intp)


def heading_frames(v: F64, up: F64) -> tuple[F64, NDArray[np.bool_]]:
    """Rows (k, 3, 3) of unit vectors (along track, cross track to the left, up) per velocity.

    ``v (k, 3)`` velocities (m/s) and ``up (k, 3)`` local up unit vectors, working frame. Also
    returns a (k,) mask of the velocities whose horizontal speed reaches 5 m/s (others have no
    meaningful heading; their frame rows are arbitrary but finite).
    """
    vh = v - np.einsum("ki,ki->k", v, up)[:, None] * up
    speed = np.linalg.norm(vh, axis=1)
    ok = speed >= _MIN_SPEED_MPS
    along = vh / np.maximum(speed, 1e-9)[:, None]
    along[~ok] = np.array([1.0, 0.0, 0.0])
    cross = np.cross(up, along)
    return np.stack([along, cross, up], axis=1), ok


def formation_anchor(x: F64, pa: IDX, pb: IDX, pred_a: F64, pred_b: F64, w: F64) -> F64:
    """Formation-predicted positions (n, 3): own position and the neighbours' predictions averaged.

    Args:
        x: (n, 3) predicted track positions (m).
        pa, pb: (p,) pairs of track indices.
        pred_a: (p, 3) where pair partner b puts track a (``x_b - offset``), m.
        pred_b: (p, 3) where pair partner a puts track b (``x_a + offset``), m.
        w: (p,) confidence of each pair's offset in [0, 1] (own position weighs 1).

    Returns:
        ``(x_a + sum_b w_ab pred_a) / (1 + sum_b w_ab)`` per track.
    """
    n = x.shape[0]
    num = x.copy()
    den = np.ones(n)
    for k in range(3):
        num[:, k] += np.bincount(pa, weights=w * pred_a[:, k], minlength=n)
        num[:, k] += np.bincount(pb, weights=w * pred_b[:, k], minlength=n)
    den += np.bincount(pa, weights=w, minlength=n) + np.bincount(pb, weights=w, minlength=n)
    return np.asarray(num / den[:, None])


class FormationMemory:
    """Smoothed offsets between pairs of neighbouring tracks, keyed by their track ids.

    State (sorted by ``key = id_a * 2^31 + id_b``, ``id_a < id_b``): ``offset (p, 3)`` of b
    relative to a in the pair's heading frame (along, cross, up; m), ``weight (p,)`` confidence in
    [0, 1] that grows as ``1 - exp(-age / time_constant_s)``, ``last (p,)`` time (s) the pair was
    last seen sharing a plot. Pairs unseen for ``max_gap_s`` are forgotten.
    """

    def __init__(self, time_constant_s: float, max_gap_s: float) -> None:
        if not time_constant_s > 0.0:
            raise ValueError(f"time_constant_s must be > 0, got {time_constant_s!r}")
        if not max_gap_s > 0.0:
            raise ValueError(f"max_gap_s must be > 0, got {max_gap_s!r}")
        self.time_constant_s = time_constant_s
        self.max_gap_s = max_gap_s
        self.key: I64 = np.zeros(0, np.int64)
        self.offset: F64 = np.zeros((0, 3))
        self.weight: F64 = np.zeros(0)
        self.last: F64 = np.zeros(0)

    def __len__(self) -> int:
        return int(self.key.size)

    def state(self) -> dict[str, NDArray[np.generic]]:
        """A copy of the memory's arrays (for `Tracker.snapshot`)."""
        return {
            "key": self.key.copy(),
            "offset": self.offset.copy(),
            "weight": self.weight.copy(),
            "last": self.last.copy(),
        }

    def load(self, state: Mapping[str, object]) -> None:
        """Restore arrays produced by `state`."""
        self.key = np.asarray(state["key"], dtype=np.int64).copy()
        self.offset = np.asarray(state["offset"], dtype=np.float64).reshape(-1, 3).copy()
        self.weight = np.asarray(state["weight"], dtype=np.float64).copy()
        self.last = np.asarray(state["last"], dtype=np.float64).copy()

    @staticmethod
    def pair_keys(id_a: I64, id_b: I64) -> I64:
        """Keys of unordered track-id pairs (ids below 2^31)."""
        lo, hi = np.minimum(id_a, id_b), np.maximum(id_a, id_b)
        return np.asarray(lo * _KEY_BASE + hi, dtype=np.int64)

    def _find(self, keys: I64) -> tuple[IDX, NDArray[np.bool_]]:
        pos = np.searchsorted(self.key, keys)
        pos_c = np.minimum(pos, max(self.key.size - 1, 0))
        found = (pos < self.key.size) & (self.key[pos_c] == keys) if self.key.size else pos < 0
        return pos_c.astype(np.intp), np.asarray(found)

    def anchors(self, ids: I64, x: F64, v: F64, up: F64, pa: IDX, pb: IDX) -> F64:
        """Formation-predicted positions (n, 3) of tracks with ids ``ids (n,)``.

        ``x``, ``v`` (n, 3): predicted positions (m) and velocities (m/s); ``up`` (n, 3) local up;
        ``pa``, ``pb``: neighbouring pairs (`sharing_pairs`). Tracks without remembered pairs
        keep their own ``x``.
        """
        if pa.size == 0 or self.key.size == 0:
            return x.copy()
        sw = ids[pa] > ids[pb]
        a = np.where(sw, pb, pa)
        b = np.where(sw, pa, pb)
        pos, found = self._find(self.pair_keys(ids[a], ids[b]))
        frames, ok = heading_frames(0.5 * (v[a] + v[b]), up[a])
        use = found & ok
        if not use.any():
            return x.copy()
        a, b, pos, frames = a[use], b[use], pos[use], frames[use]
        off = np.einsum("kji,kj->ki", frames, self.offset[pos])  # back to the working frame
        return formation_anchor(x, a, b, x[b] - off, x[a] + off, self.weight[pos])

    def update(self, t: float, ids: I64, x: F64, v: F64, up: F64, pa: IDX, pb: IDX) -> None:
        """Blend the pairs' current offsets (from updated states) into memory at time t (s)."""
        if self.key.size:
            keep = (t - self.last) <= self.max_gap_s
            if not keep.all():
                self.key, self.offset = self.key[keep], self.offset[keep]
                self.weight, self.last = self.weight[keep], self.last[keep]
        if pa.size == 0:
            return
        sw = ids[pa] > ids[pb]
        a = np.where(sw, pb, pa)
        b = np.where(sw, pa, pb)
        frames, ok = heading_frames(0.5 * (v[a] + v[b]), up[a])
        a, b, frames = a[ok], b[ok], frames[ok]
        keys = self.pair_keys(ids[a], ids[b])
        keys, first = np.unique(keys, return_index=True)
        a, b, frames = a[first], b[first], frames[first]
        d = np.einsum("kij,kj->ki", frames, x[b] - x[a])
        pos, found = self._find(keys)
        dt = np.where(found, t - self.last[pos] if self.key.size else 0.0, 0.0)
        alpha = -np.expm1(-np.maximum(dt, 0.0) / self.time_constant_s)
        if found.any():
            p, al = pos[found], alpha[found][:, None]
            self.offset[p] += al * (d[found] - self.offset[p])
            self.weight[p] += al[:, 0] * (1.0 - self.weight[p])
            self.last[p] = t
        new = ~found
        if new.any():
            key = np.concatenate([self.key, keys[new]])
            order = np.argsort(key, kind="stable")
            self.key = key[order]
            self.offset = np.concatenate([self.offset, d[new]])[order]
            self.weight = np.concatenate([self.weight, np.zeros(int(new.sum()))])[order]
            self.last = np.concatenate([self.last, np.full(int(new.sum()), t)])[order]
