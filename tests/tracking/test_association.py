"""Association: spatial gate vs brute force, GNN vs exhaustive search, JPDA marginals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.tracking.association import (
    assign,
    association_spread,
    components,
    lbp_marginals,
    spatial_gate,
)


def _brute_best(ti: np.ndarray, pj: np.ndarray, cost: np.ndarray) -> float:
    """Minimum summed cost over all partial one-to-one matchings of the pairs."""
    best = 0.0
    k = ti.size
    for r in range(1, k + 1):
        for sub in itertools.combinations(range(k), r):
            s = list(sub)
            if len(set(ti[s])) < r or len(set(pj[s])) < r:
                continue
            best = min(best, float(cost[s].sum()))
    return best


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    mask = draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))
    costs = draw(
        st.lists(
            st.floats(-20.0, 5.0, allow_nan=False, allow_infinity=False),
            min_size=n * m,
            max_size=n * m,
        )
    )
    sel = np.flatnonzero(mask)
    ti = (sel // m).astype(np.intp)
    pj = (sel % m).astype(np.intp)
    return ti, pj, np.asarray(costs, float)[sel], n, m


@settings(max_examples=150, deadline=None)
@given(problems())
def test_gnn_per_component_equals_brute_force(p: tuple) -> None:  # type: ignore[type-arg]
    ti, pj, cost, n, m = p
    chosen = assign(ti, pj, cost, n, m)
    # A valid matching of pairs with negative cost ...
    assert len(set(ti[chosen])) == chosen.sum() == len(set(pj[chosen]))
    assert (cost[chosen] < 0).all()
    # ... whose total is the exhaustive optimum.
    assert float(cost[chosen].sum()) == pytest.approx(_brute_best(ti, pj, cost), abs=1e-9)


def test_spatial_gate_equals_brute_force_and_caps() -> None:
    rng = np.random.default_rng(3)
    tracks = rng.uniform(0, 1000, (50, 3))
    radius = rng.uniform(10, 150, 50)
    points = rng.uniform(0, 1000, (400, 3))
    ti, pj = spatial_gate(tracks, radius, points, max_pairs=10**6)
    d = np.linalg.norm(tracks[:, None] - points[None], axis=2)
    want = set(zip(*np.nonzero(d <= radius[:, None]), strict=True))
    assert set(zip(ti.tolist(), pj.tolist(), strict=True)) == want
    # Capped: the closest pairs are kept.
    ti2, pj2 = spatial_gate(tracks, radius, points, max_pairs=20)
    assert ti2.size == 20
    kept = np.linalg.norm(tracks[ti2] - points[pj2], axis=1)
    all_d = np.sort(np.linalg.norm(tracks[ti] - points[pj], axis=1))
    assert kept.max() <= all_d[19] + 1e-9


def test_spatial_gate_pairs_unknown_positions_with_every_track() -> None:
    tracks = np.zeros((3, 3))
    points = np.array([[np.nan] * 3, [1.0, 0.0, 0.0], [500.0, 0.0, 0.0]])
    ti, pj = spatial_gate(tracks, np.full(3, 10.0), points, max_pairs=100)
    assert sorted(zip(ti.tolist(), pj.tolist(), strict=True)) == [
        (i, j) for i in range(3) for j in (0, 1)
    ]


def test_components_split_the_gate_graph() -> None:
    ti = np.array([0, 0, 1, 2, 3], np.intp)
    pj = np.array([0, 1, 1, 2, 3], np.intp)
    n, lab = components(ti, pj, 4, 4)
    assert lab[0] == lab[1] == lab[2]
    assert len({lab[0], lab[3], lab[4]}) == 3
    assert n >= 3


def test_lbp_exact_for_one_track() -> None:
    ti = np.zeros(3, np.intp)
    pj = np.arange(3, dtype=np.intp)
    w = np.array([2.0, 5.0, 1.0])
    p, p0 = lbp_marginals(ti, pj, w, 1, 3)
    np.testing.assert_allclose(p, w / (1 + w.sum()))
    assert p0[0] == pytest.approx(1 / (1 + w.sum()))


def _jpda_exact(W: np.ndarray) -> np.ndarray:
    """Exact JPDA marginals (n, m) by enumerating joint events (w = 0 means not gated)."""
    n, m = W.shape
    P = np.zeros((n, m))
    total = 0.0
    for ev in itertools.product(range(-1, m), repeat=n):
        used = [j for j in ev if j >= 0]
        if len(used) != len(set(used)):
            continue
        wt = np.prod([W[i, j] if j >= 0 else 1.0 for i, j in enumerate(ev)])
        total += wt
        for i, j in enumerate(ev):
            if j >= 0:
                P[i, j] += wt
    return P / total


def test_lbp_exact_on_a_tree_shaped_cluster() -> None:
    # Track 0 gates plots 0 and 1, track 1 gates plots 1 and 2: no loop, so BP is exact.
    W = np.array([[8.0, 3.0, 0.0], [0.0, 6.0, 1.0]])
    ti, pj = np.nonzero(W)
    p, _ = lbp_marginals(ti.astype(np.intp), pj.astype(np.intp), W[ti, pj], 2, 3)
    np.testing.assert_allclose(p, _jpda_exact(W)[ti, pj], atol=1e-6)


def test_lbp_close_to_exact_jpda_on_a_loopy_cluster() -> None:
    W = np.array([[8.0, 3.0, 0.0], [4.0, 6.0, 1.0], [0.0, 2.0, 9.0]])
    ti, pj = np.nonzero(W)
    p, p0 = lbp_marginals(ti.astype(np.intp), pj.astype(np.intp), W[ti, pj], 3, 3)
    exact = _jpda_exact(W)[ti, pj]
    np.testing.assert_allclose(p, exact, atol=0.08)  # LBP is approximate on loops
    per_track = np.bincount(ti, weights=p, minlength=3) + p0
    np.testing.assert_allclose(per_track, 1.0)
    assert (np.bincount(pj, weights=p, minlength=3) <= 1.0 + 1e-9).all()


def _plain_residual(z: np.ndarray, zhat: np.ndarray) -> np.ndarray:
    return np.asarray(z - zhat)


def test_association_spread_closed_form_for_one_track_two_plots() -> None:
    # Track 0 gates plots 0 and 1 and takes plot 0; track 1 is alone with plot 2.
    ti = np.array([0, 0, 1])
    pj = np.array([0, 1, 2])
    log_w = np.log(np.array([4.0, 2.0, 3.0]))
    z = np.array([[0.0, 0.0], [3.0, -1.0], [50.0, 50.0]])
    chosen = np.array([True, False, True])
    extra = association_spread(ti, pj, chosen, log_w, z, _plain_residual, 2, 3)
    assert extra.shape == (2, 2, 2)
    p_other = 2.0 / (1.0 + 4.0 + 2.0)  # exact single-track JPDA marginal of plot 1
    diff = np.array([3.0, -1.0])
    np.testing.assert_allclose(extra[0], p_other * np.outer(diff, diff), rtol=1e-9)
    np.testing.assert_array_equal(extra[1], np.zeros((2, 2)))


def test_association_spread_is_zero_without_choices() -> None:
    ti = np.array([0, 0])
    pj = np.array([0, 1])
    z = np.zeros((2, 3))
    out = association_spread(ti, pj, np.zeros(2, bool), np.zeros(2), z, _plain_residual, 1, 2)
    assert out.shape == (0, 3, 3)
