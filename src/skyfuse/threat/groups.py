"""Raids (groups of hostile tracks flying together) and launch areas (where their courses meet).

`dbscan` clusters tracks on scaled position/velocity features with a k-d tree; `RaidGrouper`
keeps raid numbers stable from one picture to the next by member overlap. `find_launch_areas`
back-projects hostile tracks along their course and finds the points where many backward rays
converge (sequential RANSAC on ray-pair intersections, refined by least squares);
`LaunchAreaTracker` remembers rays of tracks that have gone and keeps area numbers stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from skyfuse.geo.workframe import WorkFrame
from skyfuse.threat.geometry import ray_distance, ray_pair_intersections, rays_convergence

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def dbscan(features: F64, eps: float, min_samples: int) -> I64:
    """DBSCAN clustering (Ester et al. 1996) of points (n, d) with Euclidean radius ``eps``.

    A core point has at least ``min_samples`` points (itself included) within ``eps``; clusters
    are the connected components of core points, and each border point joins the cluster of its
    first core neighbour. Returns labels (n,): 0, 1, ... in order of each cluster's first point,
    -1 for noise.
    """
    n = len(features)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    pairs = cKDTree(features).query_pairs(eps, output_type="ndarray").astype(np.intp)
    i, j = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (np.zeros(0, np.intp),) * 2
    count = 1 + np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    core = count >= min_samples
    cc = core[i] & core[j]
    graph = coo_matrix((np.ones(int(cc.sum())), (i[cc], j[cc])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    labels[core] = comp[core]
    # border points: attach to a core neighbour's component
    for a, b in ((i, j), (j, i)):
        m = ~core[a] & core[b] & (labels[a] < 0)
        labels[a[m]] = comp[b[m]]
    # renumber 0.. in order of first appearance
    valid = labels >= 0
    if valid.any():
        _, first, inv = np.unique(labels[valid], return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first))
        labels[valid] = order[inv]
    return labels


def match_by_overlap(new_labels: I64, old_labels: I64) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Greedy matching of new clusters to old ones by the number of shared members.

    ``new_labels`` and ``old_labels`` (n,) give each track's new cluster (0..n_new-1 or -1) and
    its old cluster id (any int >= 0, or -1). Returns matched pairs (new cluster, old id), each
    used at most once, best overlap first.
    """
    both = (new_labels >= 0) & (old_labels >= 0)
    if not both.any():
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    pairs, counts = np.unique(
        np.stack((new_labels[both], old_labels[both]), axis=1), axis=0, return_counts=True
    )
    order = np.argsort(-counts, kind="stable")
    used_new: set[int] = set()
    used_old: set[int] = set()
    out_new: list[int] = []
    out_old: list[int] = []
    for a, b in pairs[order]:
        if int(a) in used_new or int(b) in used_old:
            continue
        used_new.add(int(a))
        used_old.add(int(b))
        out_new.append(int(a))
        out_old.append(int(b))
    return np.array(out_new, dtype=np.intp), np.array(out_old, dtype=np.intp)


class RaidGrouper:
    """Groups hostile tracks into raids with raid numbers that stay stable over time.

    Features are working-frame position / ``pos_scale_m`` and velocity / ``vel_scale_mps``, so
    two tracks are neighbours when their combined scaled offset is under 1: tracks a few km apart
    on the same course and speed (and so arriving at about the same time) group together. A
    track remembers its raid for ``memory_s`` after it last clustered, so a raid that fails to
    cluster for a moment keeps its number.
    """

    def __init__(
        self, pos_scale_m: float, vel_scale_mps: float, min_tracks: int, memory_s: float = 30.0
    ) -> None:
        if pos_scale_m <= 0 or vel_scale_mps <= 0 or min_tracks < 2:
            raise ValueError(
                "RaidGrouper: pos_scale_m and vel_scale_mps must be > 0 and min_tracks >= 2"
            )
        self.pos_scale_m = pos_scale_m
        self.vel_scale_mps = vel_scale_mps
        self.min_tracks = min_tracks
        self.memory_s = memory_s
        self._raid_of: dict[int, tuple[int, float]] = {}
        self._next_id = 1

    def update(self, time: float, track_id: I64, state: F64) -> I64:
        """Assign raid numbers (>= 1, or -1 for none) to tracks ``track_id`` with ``state`` (n, 6)
        at ``time`` (s). A raid keeps its number while it keeps most of its members; new raids
        get fresh numbers."""
        feats = np.concatenate(
            (state[:, :3] / self.pos_scale_m, state[:, 3:] / self.vel_scale_mps), axis=1
        )
        labels = dbscan(feats, 1.0, self.min_tracks)
        n_new = int(labels.max()) + 1 if len(labels) else 0
        old = np.array([self._raid_of.get(int(t), (-1, 0.0))[0] for t in track_id], dtype=np.int64)
        new_idx, old_idx = match_by_overlap(labels, old)
        ids = np.full(n_new, -1, dtype=np.int64)
        ids[new_idx] = old_idx
        for c in np.flatnonzero(ids < 0):
            ids[c] = self._next_id
            self._next_id += 1
        raid = np.full(len(labels), -1, dtype=np.int64)
        raid[labels >= 0] = ids[labels[labels >= 0]]
        for t, r in zip(track_id.tolist(), raid.tolist(), strict=True):
            if r >= 0:
                self._raid_of[t] = (r, time)
        self._raid_of = {t: v for t, v in self._raid_of.items() if time - v[1] <= self.memory_s}
        return raid


@dataclass(frozen=True, slots=True)
class LaunchFit:
    """One launch-area estimate in the 2-D plane it was fitted in (metres)."""

    point: F64
    cov: F64
    support: I64
    """Indices of the supporting rays."""


def find_launch_areas(
    p: F64,
    b: F64,
    *,
    min_rays: int,
    gate_m: float,
    gate_per_m: float,
    max_sigma_m: float,
    max_areas: int,
    n_pairs: int,
    rng: np.random.Generator,
) -> list[LaunchFit]:
    """Points where many backward rays ``p_i + s b_i`` (s >= 0) converge.

    Sequential RANSAC: sample ray pairs, intersect them behind both tracks, count rays passing
    within ``gate_m + gate_per_m * s`` of each intersection (s = distance back along the ray, so
    heading error is allowed to grow with distance), keep the best, refine by least squares on its
    inliers (twice), accept it if at least ``min_rays`` support it and its 1-sigma error (largest
    axis) is under ``max_sigma_m``, remove its rays and repeat.

    Args:
        p: (k, 2) ray origins (track positions), metres.
        b: (k, 2) unit backward directions (minus the course).
    """
    out: list[LaunchFit] = []
    left = np.arange(len(p))
    while len(left) >= min_rays and len(out) < max_areas:
        pl, bl = p[left], b[left]
        k = len(left)
        n_all = k * (k - 1) // 2
        if n_all <= n_pairs:
            i, j = np.triu_indices(k, 1)
        else:
            i = rng.integers(0, k, n_pairs)
            j = (i + rng.integers(1, k, n_pairs)) % k
        cand = ray_pair_intersections(pl, bl, i.astype(np.intp), j.astype(np.intp))
        cand = cand[np.all(np.isfinite(cand), axis=1)]
        if len(cand) == 0:
            break
        dist, s = ray_distance(cand, pl, bl)
        inl = dist <= gate_m + gate_per_m * np.maximum(s, 0.0)
        best = int(np.argmax(inl.sum(axis=1)))
        support = np.flatnonzero(inl[best])
        if len(support) < min_rays:
            break
        try:
            x = cand[best]
            for _ in range(2):
                x, cov, _r = rays_convergence(pl[support], bl[support])
                d, s1 = ray_distance(x[None], pl, bl)
                support = np.flatnonzero(d[0] <= gate_m + gate_per_m * np.maximum(s1[0], 0.0))
                if len(support) < 2:
                    break
        except ValueError:
            break
        if len(support) < min_rays:
            break
        lam = float(np.linalg.eigvalsh(cov)[-1])
        if np.sqrt(lam) <= max_sigma_m:
            out.append(LaunchFit(x, cov, left[support].astype(np.int64)))
        left = np.delete(left, support)
    return out


@dataclass(frozen=True, slots=True)
class LaunchArea:
    """A launch area: stable number, working-frame point on the ground (m), 2-D East/North
    covariance (m^2) and the track ids whose backward rays support it."""

    area_id: int
    position: F64
    cov: F64
    track_ids: I64

    @property
    def sigma_m(self) -> float:
        """1-sigma error along the worst axis, metres."""
        return float(np.sqrt(np.linalg.eigvalsh(self.cov)[-1]))


class LaunchAreaTracker:
    """Remembers the latest course (backward ray) of every hostile track for ``memory_s``,
    keeps launch-area numbers stable (an estimate within ``match_m`` of an old area keeps its
    number) and smooths each area's position over time.

    A launch area does not move, but its estimate wanders as the rays change (doglegs, new
    tracks): each new least-squares fit is fused with the area's previous estimate as a static
    Kalman update whose prior grows by ``drift_m2_per_s`` (m^2/s) of process noise.
    """

    def __init__(
        self,
        frame: WorkFrame,
        memory_s: float,
        match_m: float,
        drift_m2_per_s: float = 400.0,
    ) -> None:
        self.frame = frame
        self.memory_s = memory_s
        self.match_m = match_m
        self.drift_m2_per_s = drift_m2_per_s
        self._ids = np.zeros(0, np.int64)
        self._pos = np.zeros((0, 3))
        self._vel = np.zeros((0, 3))
        self._time = np.zeros(0)
        self._known: list[tuple[LaunchArea, float]] = []
        self._next_id = 1

    def remember(self, time: float, track_id: I64, pos: F64, vel: F64) -> None:
        """Store the latest working-frame position (m) and velocity (m/s) of hostile tracks."""
        keep = ~np.isin(self._ids, track_id) & (self._time >= time - self.memory_s)
        self._ids = np.concatenate((self._ids[keep], track_id))
        self._pos = np.concatenate((self._pos[keep], pos))
        self._vel = np.concatenate((self._vel[keep], vel))
        self._time = np.concatenate((self._time[keep], np.full(len(track_id), time)))

    def rays(self) -> tuple[I64, F64, F64]:
        """Remembered track ids, positions (k, 3) and velocities (k, 3), working frame."""
        return self._ids, self._pos, self._vel

    def assign(self, time: float, fits: list[tuple[F64, F64, I64]]) -> list[LaunchArea]:
        """Number new estimates (working-frame point, covariance, track ids) at ``time`` (s),
        keeping the number of the nearest area within ``match_m`` seen in the last
        ``memory_s`` (so an area missed for a moment keeps its number)."""
        known = [(a, t) for a, t in self._known if time - t <= self.memory_s]
        out: list[LaunchArea] = []
        taken: set[int] = set()
        for pos, cov, ids in fits:
            match: tuple[LaunchArea, float] | None = None
            best = self.match_m
            for old, t_old in known:
                d = float(np.linalg.norm(old.position - pos))
                if old.area_id not in taken and d <= best:
                    best, match = d, (old, t_old)
            if match is None:
                area = LaunchArea(self._next_id, pos, cov, ids)
                self._next_id += 1
            else:
                area = self._fuse(match[0], time - match[1], pos, cov, ids)
            taken.add(area.area_id)
            out.append(area)
        self._known = [(a, time) for a in out] + [
            (a, t) for a, t in known if a.area_id not in taken
        ]
        return out

    def _fuse(self, old: LaunchArea, dt: float, pos: F64, cov: F64, ids: I64) -> LaunchArea:
        """Static Kalman update of an area's ground point with a new fit (East/North plane)."""
        R = self.frame.local_rotation(old.position)
        d = (R @ (pos - old.position))[:2]
        prior = old.cov + np.eye(2) * self.drift_m2_per_s * max(dt, 0.0)
        K = prior @ np.linalg.inv(prior + cov)
        shift = np.array([*(K @ d), 0.0])
        post = (np.eye(2) - K) @ prior
        return LaunchArea(old.area_id, old.position + R.T @ shift, 0.5 * (post + post.T), ids)
