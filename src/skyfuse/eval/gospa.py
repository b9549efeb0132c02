"""GOSPA and OSPA between a set of true positions and a set of track positions.

GOSPA (Rahmathullah, Garcia-Fernandez, Svensson, FUSION 2017) with alpha = 2:

    GOSPA = ( min_g sum_{(i,j) in g} d(x_i, y_j)^p + (c^p / 2) (|X| + |Y| - 2|g|) )^(1/p)

where the assignment ``g`` pairs a truth with a track only when their distance ``d < c``.
Pairing a truth and a track at ``d >= c`` costs ``c^p``, exactly the price of leaving both
unpaired, so the optimum is a maximum-weight matching on the bipartite graph of pairs closer
than ``c`` with weights ``c^p - d^p > 0``. That matching decomposes over the connected components
of the graph: each component is solved with scipy's ``linear_sum_assignment`` on ``min(d, c)^p``
and one-to-one components (the usual case for separated targets) are paired without a solver.
This makes a 1,000-truth x 1,000-track step cost milliseconds instead of a dense 1,000^2 solve.

Distances are 3-D Euclidean, in metres, in whatever Cartesian frame both sets share (the
scenario's flat ENU plane, or ECEF for WGS84 scenarios).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Pairs:
    """An assignment between truths and tracks: only pairs closer than the cut-off ``c``.

    ``truth`` and ``track`` are row indices into the two position arrays; ``distance`` is the
    Euclidean distance of each pair, metres.
    """

    truth: I64
    track: I64
    distance: F64

    def __len__(self) -> int:
        return int(self.truth.shape[0])


@dataclass(frozen=True, slots=True)
class GospaResult:
    """GOSPA at one time (alpha = 2).

    ``localisation`` = sum of paired d^p, ``missed`` = (c^p / 2) x unpaired truths, ``false`` =
    (c^p / 2) x unpaired tracks; these parts are in m^p and add up to ``total^p``. At p = 1 they
    are metres and ``total = localisation + missed + false``. ``pairs`` is the optimal assignment.
    """

    total: float
    localisation: float
    missed: float
    false: float
    n_truths: int
    n_tracks: int
    pairs: Pairs


def _as_points(name: str, a: ArrayLike) -> F64:
    """Validate an (n, k) array of finite coordinates (an empty set may have shape (0,))."""
    x = np.asarray(a, dtype=np.float64)
    if x.size == 0:
        return x.reshape(0, x.shape[-1] if x.ndim == 2 else 3)
    if x.ndim != 2:
        raise ValueError(f"{name}: expected an (n, dims) array of positions, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: positions must be finite (found NaN or inf)")
    return x


def _check_params(c: float, p: float) -> None:
    if not (np.isfinite(c) and c > 0.0):
        raise ValueError(f"c: the cut-off distance must be a finite value > 0, got {c}")
    if not (np.isfinite(p) and p >= 1.0):
        raise ValueError(f"p: the GOSPA exponent must be finite and >= 1, got {p}")


def close_pairs(truth_pos: F64, track_pos: F64, c: float) -> tuple[I64, I64, F64]:
    """All (truth, track) pairs with Euclidean distance ``d < c`` (metres), by k-d tree.

    Returns row indices into ``truth_pos`` and ``track_pos`` and the distances.
    """
    m, n = truth_pos.shape[0], track_pos.shape[0]
    if m == 0 or n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    if m * n <= 4096:
        diff = truth_pos[:, None, :] - track_pos[None, :, :]
        d = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        i, j = np.nonzero(d < c)
        return i.astype(np.int64), j.astype(np.int64), d[i, j]
    sdm = cKDTree(truth_pos).sparse_distance_matrix(
        cKDTree(track_pos), max_distance=c, output_type="ndarray"
    )
    keep = sdm["v"] < c
    return (
        sdm["i"][keep].astype(np.int64),
        sdm["j"][keep].astype(np.int64),
        sdm["v"][keep].astype(np.float64),
    )


def match_edges(
    m: int, n: int, ti: I64, tj: I64, d: F64, c: float, p: float = 1.0
) -> tuple[I64, I64, F64]:
    """Optimal GOSPA assignment from the list of candidate pairs closer than ``c``.

    ``m`` truths and ``n`` tracks; candidate pair k joins truth ``ti[k]`` and track ``tj[k]`` at
    distance ``d[k] < c`` (metres). Minimises ``sum d^p + (c^p / 2)(unpaired truths + tracks)``,
    i.e. maximises ``sum (c^p - d^p)`` over a matching, solved per connected component with
    ``linear_sum_assignment``. Returns the chosen pairs (truth index, track index, distance).
    """
    if ti.shape[0] == 0:
        return ti, tj, d
    graph = coo_array((np.ones(ti.shape[0]), (ti, m + tj)), shape=(m + n, m + n))
    _, label = connected_components(graph, directed=False)
    comp = label[ti]
    size = np.bincount(comp)
    single = size[comp] == 1
    out_i = [ti[single]]
    out_j = [tj[single]]
    out_d = [d[single]]
    multi = np.flatnonzero(~single)
    if multi.size:
        order = multi[np.argsort(comp[multi], kind="stable")]
        cuts = np.flatnonzero(np.diff(comp[order])) + 1
        cp = c**p
        for group in np.split(order, cuts):
            rows, ri = np.unique(ti[group], return_inverse=True)
            cols, ci = np.unique(tj[group], return_inverse=True)
            cost = np.full((rows.size, cols.size), cp)
            cost[ri, ci] = d[group] ** p
            dist = np.full((rows.size, cols.size), np.inf)
            dist[ri, ci] = d[group]
            r, k = linear_sum_assignment(cost)
            ok = np.isfinite(dist[r, k])
            out_i.append(rows[r[ok]])
            out_j.append(cols[k[ok]])
            out_d.append(dist[r[ok], k[ok]])
    return (
        np.concatenate(out_i).astype(np.int64),
        np.concatenate(out_j).astype(np.int64),
        np.concatenate(out_d).astype(np.float64),
    )


def optimal_pairs(truth_pos: F64, track_pos: F64, c: float, p: float = 1.0) -> Pairs:
    """The GOSPA-optimal assignment between two position sets (metres), pairs with d < c only."""
    i, j, d = close_pairs(truth_pos, track_pos, c)
    i, j, d = match_edges(truth_pos.shape[0], track_pos.shape[0], i, j, d, c, p)
    order = np.argsort(i, kind="stable")
    return Pairs(i[order], j[order], d[order])


def gospa_parts(
    m: int, n: int, pair_distance: F64, c: float, p: float
) -> tuple[float, float, float, float]:
    """GOSPA (alpha = 2) from an assignment: (total, localisation, missed, false).

    ``pair_distance`` holds the distances (m) of the pairs, all ``< c``; parts are in m^p.
    """
    k = pair_distance.shape[0]
    loc = float(np.sum(pair_distance**p))
    missed = 0.5 * c**p * (m - k)
    false = 0.5 * c**p * (n - k)
    return float((loc + missed + false) ** (1.0 / p)), loc, missed, false


def gospa(
    truth_pos: ArrayLike,
    track_pos: ArrayLike,
    c: float = 100.0,
    p: float = 1.0,
    alpha: float = 2.0,
) -> GospaResult:
    """GOSPA between true positions ``truth_pos`` (m, dims) and track positions (n, dims).

    Positions in metres in one Cartesian frame (scenario ENU or ECEF); ``c`` is the cut-off
    distance (m), ``p`` the exponent (>= 1). Only ``alpha = 2`` is supported: it is the value
    for which GOSPA splits into localisation, missed and false parts.
    """
    if alpha != 2.0:
        raise ValueError(f"alpha: only alpha = 2 is supported (got {alpha})")
    _check_params(c, p)
    x = _as_points("truth_pos", truth_pos)
    y = _as_points("track_pos", track_pos)
    if x.shape[0] and y.shape[0] and x.shape[1] != y.shape[1]:
        raise ValueError(
            f"track_pos: {y.shape[1]}-D positions do not match truth_pos {x.shape[1]}-D"
        )
    pairs = optimal_pairs(x, y, c, p)
    total, loc, missed, false = gospa_parts(x.shape[0], y.shape[0], pairs.distance, c, p)
    return GospaResult(total, loc, missed, false, int(x.shape[0]), int(y.shape[0]), pairs)


def ospa(truth_pos: ArrayLike, track_pos: ArrayLike, c: float = 100.0, p: float = 1.0) -> float:
    """OSPA (Schuhmacher, Vo, Vo 2008) between two position sets, metres.

    With m <= n (swap otherwise): ``((1/n) (min_pi sum_i min(d, c)^p + c^p (n - m)))^(1/p)``;
    0 when both sets are empty, ``c`` when exactly one is.
    """
    _check_params(c, p)
    x = _as_points("truth_pos", truth_pos)
    y = _as_points("track_pos", track_pos)
    m, n = x.shape[0], y.shape[0]
    if m == 0 and n == 0:
        return 0.0
    if m > n:
        m, n = n, m
    pairs = optimal_pairs(x, y, c, p)
    # Every one of the m points of the smaller set is assigned; pairs at d >= c cost c^p.
    cost = float(np.sum(pairs.distance**p)) + c**p * (m - len(pairs)) + c**p * (n - m)
    return float((cost / n) ** (1.0 / p))
