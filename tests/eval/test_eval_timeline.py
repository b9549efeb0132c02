"""CLEAR-MOT pairing and ID-switch counting on crafted sequences (positions on the x axis, m)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from skyfuse.eval.timeline import PairTable, Rows, StepScores, score_over_time

Step = Sequence[tuple[int, float]]
"""(object id, x metres) of every object at one step."""


def _rows(steps: Sequence[Step]) -> Rows:
    step = [s for s, objs in enumerate(steps) for _ in objs]
    obj = [o for objs in steps for o, _ in objs]
    pos = [[x, 0.0, 0.0] for objs in steps for _, x in objs]
    return Rows(
        np.asarray(step, dtype=np.int64),
        np.asarray(obj, dtype=np.int64),
        np.asarray(pos, dtype=np.float64).reshape(-1, 3),
    )


def _score(truths: Sequence[Step], tracks: Sequence[Step]) -> tuple[StepScores, PairTable, Rows]:
    assert len(truths) == len(tracks)
    t, k = _rows(truths), _rows(tracks)
    scores, pairs = score_over_time(
        len(truths), t, k, n_truth_objects=10, n_track_objects=10, c=100.0, p=1.0
    )
    return scores, pairs, k


def _track_of(pairs: PairTable, tracks: Rows, truth_rows: Rows, step: int, truth: int) -> int:
    sel = (pairs.step == step) & (truth_rows.obj[pairs.truth_row] == truth)
    return int(tracks.obj[pairs.track_row[sel]][0]) if sel.any() else -1


def test_genuine_swap_counts_two_switches_once() -> None:
    # Truth 0 at x = 0, truth 1 at x = 1000; tracks 5 and 6 swap targets at step 2.
    truths = [[(0, 0.0), (1, 1000.0)]] * 5
    tracks = [
        [(5, 1.0), (6, 1001.0)],
        [(5, 2.0), (6, 1002.0)],
        [(5, 1003.0), (6, 3.0)],
        [(5, 1004.0), (6, 4.0)],
        [(5, 1005.0), (6, 5.0)],
    ]
    _, pairs, _ = _score(truths, tracks)
    assert int(pairs.switch.sum()) == 2
    assert pairs.step[pairs.switch].tolist() == [2, 2]


def test_gap_then_same_track_is_not_a_switch_but_a_new_track_is() -> None:
    truths = [[(0, 0.0)]] * 6
    tracks = [
        [(5, 1.0)],
        [(5, 2.0)],
        [],  # gap: no track at all
        [(5, 3.0)],  # same track back: no switch
        [],
        [(7, 4.0)],  # a new track after a gap: one switch
    ]
    scores, pairs, _ = _score(truths, tracks)
    assert pairs.switch.tolist() == [False, False, False, True]
    assert pairs.step.tolist() == [0, 1, 3, 5]
    assert scores.missed.tolist() == [0.0, 0.0, 50.0, 0.0, 50.0, 0.0]


def test_keeps_a_still_valid_pairing_even_when_fresh_assignment_would_swap() -> None:
    # Step 1: keeping (0, A) and (1, B) costs 30 + 30; the fresh optimum swaps for 20 + 20.
    truths = [[(0, 0.0), (1, 50.0)], [(0, 0.0), (1, 50.0)]]
    tracks = [[(5, 0.0), (6, 50.0)], [(5, 30.0), (6, 20.0)]]
    scores, pairs, k = _score(truths, tracks)
    t = _rows(truths)
    assert int(pairs.switch.sum()) == 0
    assert _track_of(pairs, k, t, 1, 0) == 5 and _track_of(pairs, k, t, 1, 1) == 6
    assert pairs.kept.tolist() == [False, False, True, True]
    # GOSPA itself uses the optimal assignment at each time.
    assert scores.gospa.tolist() == pytest.approx([0.0, 40.0])
    assert scores.localisation.tolist() == pytest.approx([0.0, 40.0])


def test_fresh_pairing_when_kept_pair_drifts_beyond_c() -> None:
    # Track 5 drifts 150 m from truth 0 (pair dropped), track 6 arrives on it: one switch.
    truths = [[(0, 0.0)]] * 3
    tracks = [[(5, 0.0)], [(5, 150.0), (6, 10.0)], [(5, 300.0), (6, 5.0)]]
    scores, pairs, _ = _score(truths, tracks)
    assert pairs.switch.tolist() == [False, True, False]
    assert scores.false.tolist() == [0.0, 50.0, 50.0]


def test_track_leaving_one_target_for_another_counts_for_the_new_target_only() -> None:
    # Truth 1 appears at step 2; track 5 moves from truth 0 to truth 1; truth 0 loses its track.
    truths = [[(0, 0.0)], [(0, 0.0)], [(0, 0.0), (1, 500.0)], [(0, 0.0), (1, 500.0)]]
    tracks = [[(5, 0.0)], [(5, 0.0)], [(5, 500.0)], [(5, 500.0), (6, 1.0)]]
    _, pairs, _ = _score(truths, tracks)
    # Truth 1's first pairing is not a switch; truth 0 getting track 6 is.
    assert int(pairs.switch.sum()) == 1
    assert pairs.step[pairs.switch].tolist() == [3]


def test_counts_and_ospa_per_step() -> None:
    truths = [[(0, 0.0), (1, 500.0)], []]
    tracks = [[(5, 10.0)], [(5, 10.0), (6, 20.0)]]
    scores, _, _ = _score(truths, tracks)
    assert scores.n_truths.tolist() == [2, 0]
    assert scores.n_tracks.tolist() == [1, 2]
    assert scores.gospa.tolist() == pytest.approx([60.0, 100.0])
    assert scores.ospa.tolist() == pytest.approx([(10.0 + 100.0) / 2, 100.0])
    # p = 2 at step 0: sqrt(10^2 + 100^2 / 2).
    assert scores.gospa_p2[0] == pytest.approx(np.sqrt(100.0 + 5000.0))


def test_rejects_unsorted_rows_and_bad_object_indices() -> None:
    ok = _rows([[(0, 0.0)], [(0, 0.0)]])
    unsorted = Rows(ok.step[::-1].copy(), ok.obj, ok.pos)
    with pytest.raises(ValueError, match=r"truths\.step"):
        score_over_time(2, unsorted, ok, n_truth_objects=1, n_track_objects=1)
    with pytest.raises(ValueError, match=r"tracks\.obj"):
        score_over_time(2, ok, _rows([[(3, 0.0)], []]), n_truth_objects=1, n_track_objects=2)
