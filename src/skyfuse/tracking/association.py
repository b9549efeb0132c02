"""Plot-to-track association for dense raids: spatial gate, components, GNN and JPDA marginals.

The pipeline for one sensor's batch (n predicted tracks, m plots):

1. `spatial_gate`: a cKDTree over the plots' working-frame positions, queried with a radius per
   track (a few sigma of track plus plot uncertainty), gives candidate pairs (all distances at
   once when tracks x plots is small); only those pairs
   get the Mahalanobis test in measurement space (done by the tracker). Work and memory grow
   with the number of close pairs, not with n x m, so 100k clutter plots stay cheap.
2. `components`: connected components of the bipartite gate graph (scipy.sparse.csgraph).
3. `assign`: hard assignment by `scipy.optimize.linear_sum_assignment` per component with more
   than one track or plot; one-track-one-plot components (the common case) are accepted
   vectorised.
4. `lbp_marginals`: JPDA association probabilities by loopy belief propagation (Williams & Lau,
   IEEE TAES 2014) over the whole sparse graph at once; the "nnjpda" association assigns on these
   marginals and abstains where the best marginal is too ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

F64 = NDArray[np.float64]
IDX = NDArray[np.intp]


BRUTE_FORCE_PAIRS = 15_000
"""Up to this many track x plot combinations, `spatial_gate` computes all distances (cheaper
than building two k-d trees); above it, a dual-tree query."""


def spatial_gate(track_pos: F64, radius: F64, points: F64, max_pairs: int) -> tuple[IDX, IDX]:
    """Candidate (track, plot) pairs with ``|track_pos[i] - points[j]| <= radius[i]``.

    Args:
        track_pos: (n, 3) predicted track positions, working frame, m.
        radius: (n,) gate radius per track, m.
        points: (m, 3) plot positions, working frame, m; NaN rows (unknown position, e.g.
            bearings) pair with every track.
        max_pairs: cap on the number of pairs returned (the closest are kept when exceeded, so
            a flooding sensor cannot exhaust memory).

    Returns:
        ``(ti, pj)`` index arrays of equal length, sorted by track then plot.
    """
    n, m = track_pos.shape[0], points.shape[0]
    if n == 0 or m == 0:
        e = np.zeros(0, np.intp)
        return e, e
    known = np.isfinite(points).all(axis=1)
    ti_parts: list[IDX] = []
    pj_parts: list[IDX] = []
    kidx = np.flatnonzero(known)
    if kidx.size and n * kidx.size <= BRUTE_FORCE_PAIRS:
        # Few tracks x plots: all squared distances by one matrix product (centred, so the
        # ECEF magnitudes cancel), then the exact test on the candidates.
        centre = track_pos.mean(axis=0)
        a, b = track_pos - centre, points[kidx] - centre
        d2 = np.einsum("ij,ij->i", a, a)[:, None] + np.einsum("ij,ij->i", b, b)[None, :]
        d2 -= 2.0 * (a @ b.T)
        r2 = radius * radius
        i, j = np.nonzero(d2 <= r2[:, None] * (1.0 + 1e-9) + 1.0)
        diff = a[i] - b[j]
        ok = np.einsum("ij,ij->i", diff, diff) <= r2[i]
        ti_parts.append(i[ok].astype(np.intp))
        pj_parts.append(kidx[j[ok]])
    elif kidx.size:
        # One dual-tree query at the largest radius (all in C), then the per-track radius.
        rmax = float(radius.max())
        near = cKDTree(track_pos).sparse_distance_matrix(
            cKDTree(points[kidx]), rmax, output_type="ndarray"
        )
        ok = near["v"] <= radius[near["i"]]
        ti_parts.append(near["i"][ok].astype(np.intp))
        pj_parts.append(kidx[near["j"][ok]])
    uidx = np.flatnonzero(~known)
    if uidx.size:
        ti_parts.append(np.repeat(np.arange(n, dtype=np.intp), uidx.size))
        pj_parts.append(np.tile(uidx, n))
    if not ti_parts:
        e = np.zeros(0, np.intp)
        return e, e
    ti = np.concatenate(ti_parts)
    pj = np.concatenate(pj_parts)
    if ti.size > max_pairs:
        d = np.linalg.norm(np.nan_to_num(points[pj]) - track_pos[ti], axis=1)
        keep = np.argpartition(d, max_pairs - 1)[:max_pairs]
        ti, pj = ti[keep], pj[keep]
    order = np.lexsort((pj, ti))
    return ti[order], pj[order]


def close_pairs(points: F64, radius: float, max_candidates_per_point: int = 16) -> tuple[IDX, IDX]:
    """All pairs ``(a, b)``, ``a != b`` unordered, of points (n, 3) at most ``radius`` apart (m).

    Sweep along the first axis (sort, then candidates within ``radius`` in that coordinate,
    exact distance test): no tree to build for the usual sparse case. Falls back to a k-d
    tree when the sweep would test more than ``max_candidates_per_point`` candidates per point
    (points stacked along the sweep axis).
    """
    n = points.shape[0]
    e = np.zeros(0, np.intp)
    if n < 2:
        return e, e
    order = np.argsort(points[:, 0], kind="stable")
    xs = points[order, 0]
    count = np.searchsorted(xs, xs + radius, side="right") - np.arange(n) - 1
    total = int(count.sum())
    if total > max_candidates_per_point * n:
        pairs = cKDTree(points).query_pairs(radius, output_type="ndarray")
        return pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    if total == 0:
        return e, e
    first = np.repeat(np.arange(n), count)
    second = first + 1 + np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    a, b = order[first], order[second]
    d = points[a] - points[b]
    near = np.einsum("ij,ij->i", d, d) <= radius * radius
    return a[near].astype(np.intp), b[near].astype(np.intp)


def components(ti: IDX, pj: IDX, n: int, m: int) -> tuple[int, IDX]:
    """Connected components of the bipartite gate graph.

    Returns the number of components and the label (k,) of each pair's component.
    """
    if ti.size == 0:
        return 0, np.zeros(0, np.intp)
    if np.bincount(ti).max() == 1 and np.bincount(pj).max() == 1:
        # Every track gates at most one plot and vice versa (the common sparse case): each
        # pair is its own component, no graph needed.
        return int(ti.size), np.arange(ti.size, dtype=np.intp)
    g = coo_matrix((np.ones(ti.size), (ti, n + pj)), shape=(n + m, n + m))
    ncomp, labels = connected_components(g, directed=False)
    return int(ncomp), np.asarray(labels[ti], dtype=np.intp)


def assign(ti: IDX, pj: IDX, cost: F64, n: int, m: int) -> NDArray[np.bool_]:
    """Best one-to-one assignment on the gated pairs: minimise the summed ``cost``.

    Only pairs with negative cost are worth taking (cost 0 = leave the track unassigned and the
    plot as clutter / new target), which equals the usual augmented assignment matrix with dummy
    rows and columns. Components with one pair are decided vectorised; the others each get one
    `scipy.optimize.linear_sum_assignment` call.

    Returns:
        (k,) mask of the chosen pairs.
    """
    k = ti.size
    chosen = np.zeros(k, dtype=bool)
    if k == 0:
        return chosen
    ncomp, lab = components(ti, pj, n, m)
    size = np.bincount(lab, minlength=ncomp)
    single = size[lab] == 1
    chosen[single] = cost[single] < 0.0
    multi = np.flatnonzero(~single)
    if multi.size == 0:
        return chosen
    order = multi[np.argsort(lab[multi], kind="stable")]
    cuts = np.flatnonzero(np.diff(lab[order])) + 1
    for grp in np.split(order, cuts):
        rows, r_inv = np.unique(ti[grp], return_inverse=True)
        cols, c_inv = np.unique(pj[grp], return_inverse=True)
        C = np.zeros((rows.size, cols.size))
        C[r_inv, c_inv] = np.minimum(cost[grp], 0.0)
        r, c = linear_sum_assignment(C)
        pos = np.full((rows.size, cols.size), -1, dtype=np.intp)
        pos[r_inv, c_inv] = grp
        sel = pos[r, c]
        sel = sel[sel >= 0]
        chosen[sel[cost[sel] < 0.0]] = True
    return chosen


def lbp_marginals(
    ti: IDX, pj: IDX, w: F64, n: int, m: int, iterations: int = 30, tol: float = 1e-7
) -> tuple[F64, F64]:
    """JPDA marginal association probabilities by loopy belief propagation.

    ``w (k,)`` are the pairs' likelihood ratios normalised by missed detection and clutter:
    ``w_ij = Pd N(nu_ij; 0, S_ij) / ((1 - Pd) lambda)``, so that "track i not detected" and "plot j
    is clutter or new" both weigh 1. Messages (Williams & Lau 2014, eqs. 30-31):
    ``nu_ij = w_ij / (1 + sum_{j' != j} w_ij' mu_ij')`` and
    ``mu_ij = 1 / (1 + sum_{i' != i} nu_i'j)``.
    Exact on trees (in particular for one-track or one-plot components).

    Returns:
        p (k,) probability that plot ``pj`` belongs to track ``ti``, and p0 (n,) probability that
        each track was not detected.
    """
    mu = np.ones_like(w)
    s: F64 = np.ones(n)
    for _ in range(iterations):
        s = np.asarray(1.0 + np.bincount(ti, weights=w * mu, minlength=n), np.float64)
        nu = w / np.maximum(s[ti] - w * mu, 1e-300)
        t = 1.0 + np.bincount(pj, weights=nu, minlength=m)
        mu_new = 1.0 / (t[pj] - nu)
        delta = float(np.max(np.abs(mu_new - mu))) if mu.size else 0.0
        mu = mu_new
        if delta < tol:
            break
    s = np.asarray(1.0 + np.bincount(ti, weights=w * mu, minlength=n), np.float64)
    return np.asarray(w * mu / s[ti]), np.asarray(1.0 / s)


def association_spread(
    ti: IDX,
    pj: IDX,
    chosen: NDArray[np.bool_],
    log_w: F64,
    z: F64,
    residual: Callable[[F64, F64], F64],
    n: int,
    m: int,
) -> F64:
    """Measurement-noise inflation (k, d, d) for the chosen pairs from association ambiguity.

    A hard assignment in a dense group (formation flight, plots ~ 1 sigma apart) takes a
    neighbour's plot with probability ``p_ij`` (JPDA marginals, `lbp_marginals` on the likelihood
    ratios ``exp(log_w)``). Treating the chosen plot ``z_c`` as the measurement, its error then
    includes ``z_j - z_c`` with probability ``p_ij``, so the chosen pair's noise grows by
    ``sum_j p_ij (z_j - z_c)(z_j - z_c)'`` over the other gated plots j of the track (the PDA
    spread term, centred on the chosen plot). Isolated tracks get zero; contested tracks get a
    smaller gain, so one wrong plot pulls them less, and an honest covariance.

    Args:
        ti, pj: (k,) gated pairs (track index < n, plot index < m).
        chosen: (k,) mask of the pairs the assignment chose (at most one per track).
        log_w: (k,) log likelihood ratios of the pairs (missed detection and clutter weigh 1).
        z: (m, d) plot measurement vectors (model units).
        residual: the model's ``residual(z, zhat)`` (wraps angles).
        n, m: numbers of tracks and plots.

    Returns:
        (number of chosen pairs, d, d) extra noise covariances, in the order of ``chosen``.
    """
    d = z.shape[1]
    sel_chosen = np.flatnonzero(chosen)
    out = np.zeros((n, d, d))
    if sel_chosen.size == 0:
        return out[:0]
    chosen_plot = np.full(n, -1, dtype=np.intp)
    chosen_plot[ti[sel_chosen]] = pj[sel_chosen]
    cp = chosen_plot[ti]
    # Only tracks with more than one gated plot can be wrong.
    many = np.bincount(ti, minlength=n) > 1
    other = (cp >= 0) & (cp != pj) & many[ti]
    if other.any():
        p, _ = lbp_marginals(ti, pj, np.exp(np.minimum(log_w, 600.0)), n, m)
        k = np.flatnonzero(other)
        diff = residual(z[pj[k]], z[cp[k]])
        np.add.at(out, ti[k], p[k, None, None] * diff[:, :, None] * diff[:, None, :])
    return out[ti[sel_chosen]]
