"""GOSPA / OSPA against hand-computed cases, brute force over permutations, and Stone Soup."""

from __future__ import annotations

import itertools
import math
import warnings
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skyfuse.eval import gospa, optimal_pairs, ospa
from skyfuse.eval.gospa import close_pairs

# -- hand-computed cases -------------------------------------------------------------------------


def test_empty_sets_score_zero() -> None:
    r = gospa(np.zeros((0, 3)), np.zeros((0, 3)))
    assert (r.total, r.localisation, r.missed, r.false) == (0.0, 0.0, 0.0, 0.0)
    assert ospa(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_all_missed_costs_c_over_2_each() -> None:
    truths = np.array([[0.0, 0, 0], [1000, 0, 0], [0, 1000, 0]])
    r = gospa(truths, np.zeros((0, 3)), c=100.0)
    assert r.total == pytest.approx(150.0)
    assert (r.localisation, r.missed, r.false) == (0.0, 150.0, 0.0)
    assert ospa(truths, np.zeros((0, 3)), c=100.0) == pytest.approx(100.0)


def test_all_false_costs_c_over_2_each() -> None:
    r = gospa(np.zeros((0, 3)), np.array([[5.0, 5, 5], [9, 9, 9]]), c=40.0)
    assert r.total == pytest.approx(40.0)
    assert (r.localisation, r.missed, r.false) == (0.0, 0.0, 40.0)


def test_pair_beyond_c_is_one_missed_plus_one_false() -> None:
    r = gospa(np.array([[0.0, 0, 0]]), np.array([[150.0, 0, 0]]), c=100.0)
    assert r.total == pytest.approx(100.0)
    assert (r.localisation, r.missed, r.false) == (0.0, 50.0, 50.0)
    assert len(r.pairs) == 0
    # OSPA: one assigned pair at the cut-off.
    assert ospa(np.array([[0.0, 0, 0]]), np.array([[150.0, 0, 0]])) == pytest.approx(100.0)


def test_exact_split_of_parts() -> None:
    # Truths: A at origin, B far away. Tracks: 3-4-12 m from A (d = 13), one stray.
    truths = np.array([[0.0, 0, 0], [5000, 0, 0]])
    tracks = np.array([[3.0, 4, 12], [-3000, 0, 0]])
    r = gospa(truths, tracks, c=100.0, p=1.0)
    assert r.localisation == pytest.approx(13.0)
    assert r.missed == pytest.approx(50.0)
    assert r.false == pytest.approx(50.0)
    assert r.total == pytest.approx(113.0)
    assert r.pairs.truth.tolist() == [0] and r.pairs.track.tolist() == [0]
    assert r.pairs.distance[0] == pytest.approx(13.0)
    # p = 2: total = sqrt(13^2 + 100^2/2 * 2).
    r2 = gospa(truths, tracks, c=100.0, p=2.0)
    assert r2.localisation == pytest.approx(169.0)
    assert r2.total == pytest.approx(math.sqrt(169.0 + 10000.0))


def test_assignment_minimises_the_sum_not_greedy() -> None:
    # Closest-pair-first would take (B, T1) = 4 m then (A, T2) = 15 m; the optimum is 6 + 5.
    truths = np.array([[0.0, 0, 0], [10.0, 0, 0]])
    tracks = np.array([[6.0, 0, 0], [15.0, 0, 0]])
    r = gospa(truths, tracks, c=100.0)
    assert r.total == pytest.approx(11.0)
    assert r.pairs.track.tolist() == [0, 1]
    truths = np.array([[0.0, 0, 0], [2.0, 0, 0]])
    tracks = np.array([[1.0, 0, 0], [60.0, 0, 0]])
    r = gospa(truths, tracks, c=100.0)
    assert r.localisation == pytest.approx(1.0 + 58.0)


def test_ospa_normalises_by_the_larger_set() -> None:
    # m = 1 at 10 m, n = 3: (10 + 2 * 100) / 3.
    v = ospa(np.array([[0.0, 0, 0]]), np.array([[10.0, 0, 0], [1e4, 0, 0], [0, 1e4, 0]]))
    assert v == pytest.approx(210.0 / 3.0)


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match="truth_pos"):
        gospa(np.array([[np.nan, 0, 0]]), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="c:"):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), c=0.0)
    with pytest.raises(ValueError, match="p:"):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), p=0.5)
    with pytest.raises(ValueError, match="alpha"):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), alpha=1.0)
    with pytest.raises(ValueError, match="track_pos"):
        gospa(np.zeros((1, 3)), np.zeros((1, 2)))


def test_sparse_path_matches_one_dense_assignment() -> None:
    """Above 4,096 cells candidates come from a k-d tree and the matching is solved per connected
    component; it must equal one dense linear_sum_assignment on min(d, c)."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    truths = rng.uniform(0, 1500, (90, 3))
    noisy = truths[:70] + rng.normal(0, 40, (70, 3))
    tracks = np.concatenate([noisy, rng.uniform(0, 1500, (25, 3))])
    fast = gospa(truths, tracks)
    d = np.minimum(np.linalg.norm(truths[:, None] - tracks[None], axis=2), 100.0)
    r, k = linear_sum_assignment(d)
    assert fast.total == pytest.approx(float(d[r, k].sum()) + 50.0 * 5, abs=1e-9)
    assert len(fast.pairs) == int(np.sum(d[r, k] < 100.0))


# -- properties --------------------------------------------------------------------------------


def _sets(max_n: int) -> st.SearchStrategy[np.ndarray]:
    return st.integers(0, max_n).flatmap(
        lambda n: arrays(np.float64, (n, 3), elements=st.floats(-150.0, 150.0, width=32))
    )


def _brute_force(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    """min over all partial injections truths -> tracks of sum d_c^p + c^p/2 (unassigned)."""
    m, n = len(x), len(y)
    best = math.inf
    if m <= n:
        for perm in itertools.permutations(range(n), m):
            cost = sum(min(float(np.linalg.norm(x[i] - y[j])), c) ** p for i, j in enumerate(perm))
            best = min(best, cost + c**p / 2 * (n - m))
    else:
        for perm in itertools.permutations(range(m), n):
            cost = sum(min(float(np.linalg.norm(x[i] - y[j])), c) ** p for j, i in enumerate(perm))
            best = min(best, cost + c**p / 2 * (m - n))
    return best ** (1.0 / p)


@settings(max_examples=60, deadline=None)
@given(_sets(5), _sets(5), st.sampled_from([1.0, 2.0]))
def test_equals_brute_force_over_permutations(x: np.ndarray, y: np.ndarray, p: float) -> None:
    r = gospa(x, y, c=100.0, p=p)
    assert r.total == pytest.approx(_brute_force(x, y, 100.0, p), rel=1e-9, abs=1e-9)
    assert r.total**p == pytest.approx(r.localisation + r.missed + r.false, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(_sets(6), _sets(6))
def test_symmetric_with_missed_and_false_swapped(x: np.ndarray, y: np.ndarray) -> None:
    a, b = gospa(x, y), gospa(y, x)
    assert a.total == pytest.approx(b.total, abs=1e-9)
    assert a.localisation == pytest.approx(b.localisation, abs=1e-9)
    assert (a.missed, a.false) == pytest.approx((b.false, b.missed), abs=1e-9)
    assert ospa(x, y) == pytest.approx(ospa(y, x), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(_sets(5), _sets(5), _sets(5))
def test_non_negative_bounded_and_triangle(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    c = 100.0
    r = gospa(x, y, c=c)
    assert min(r.total, r.localisation, r.missed, r.false) >= 0.0
    # Never worse than calling everything missed and false: c/2 (|X| + |Y|).
    assert r.total <= c / 2 * (len(x) + len(y)) + 1e-9
    assert r.total >= c / 2 * abs(len(x) - len(y)) - 1e-9
    assert np.all(r.pairs.distance < c)
    # GOSPA is a metric for p >= 1 (alpha = 2).
    assert r.total <= gospa(x, z).total + gospa(z, y).total + 1e-6
    assert gospa(x, x).total == pytest.approx(0.0, abs=1e-9)
    o = ospa(x, y, c=c)
    assert 0.0 <= o <= c + 1e-9


# -- cross-check against Stone Soup ------------------------------------------------------------


def test_agrees_with_stone_soup_gospa() -> None:
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(11)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in (1.0, 2.0):
            metric = GOSPAMetric(c=100.0, p=p, measure=Euclidean(mapping=(0, 1, 2)))
            for _ in range(8):
                m, n = rng.integers(0, 12, 2)
                x = rng.uniform(0, 400, (m, 3))
                y = np.concatenate([x[: min(m, n)] + rng.normal(0, 40, (min(m, n), 3))])
                y = np.concatenate([y, rng.uniform(0, 400, (n - len(y), 3))])
                truths = [State(v.reshape(3, 1), timestamp=stamp) for v in x]
                tracks = [State(v.reshape(3, 1), timestamp=stamp) for v in y]
                ref = metric.compute_gospa_metric(tracks, truths)[0].value
                ours = gospa(x, y, c=100.0, p=p)
                assert ours.total == pytest.approx(ref["distance"], abs=1e-9)
                assert ours.localisation == pytest.approx(ref["localisation"], abs=1e-9)
                assert ours.missed == pytest.approx(ref["missed"], abs=1e-9)
                assert ours.false == pytest.approx(ref["false"], abs=1e-9)


def test_close_pairs_and_optimal_pairs_agree_on_indices() -> None:
    x = np.array([[0.0, 0, 0], [500, 0, 0]])
    y = np.array([[505.0, 0, 0], [1.0, 0, 0], [9000, 0, 0]])
    i, j, d = close_pairs(x, y, 100.0)
    found = sorted(zip(i.tolist(), j.tolist(), d.tolist(), strict=True))
    assert found == [(0, 1, 1.0), (1, 0, 5.0)]
    pr = optimal_pairs(x, y, 100.0)
    assert pr.truth.tolist() == [0, 1] and pr.track.tolist() == [1, 0]
    assert pr.distance.tolist() == pytest.approx([1.0, 5.0])
