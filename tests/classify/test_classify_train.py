"""Training-data helpers: track truth by majority of associated reports, sample bookkeeping."""

from __future__ import annotations

import numpy as np

from skyfuse.classify.train import Samples, _majority_target


def test_majority_target_per_track() -> None:
    track = np.array([1, 1, 1, 2, 2, 3], np.int64)
    target = np.array([5, 5, 6, -1, -1, 7], np.int64)
    np.testing.assert_array_equal(
        _majority_target(track, target, np.array([3, 1, 2, 9], np.int64)), [7, 5, -1, -1]
    )
    np.testing.assert_array_equal(
        _majority_target(np.zeros(0, np.int64), np.zeros(0, np.int64), np.array([1])), [-1]
    )


def test_samples_concat_and_take() -> None:
    empty = Samples.concat([])
    assert len(empty) == 0 and empty.X.shape[1] > 0
    s = Samples(
        np.ones((3, empty.X.shape[1])),
        np.full((3, 8), 1 / 8),
        np.full((3, 8), 1 / 8),
        np.array([0, 4, 5]),
        np.array([1.0, 12.0, 30.0]),
        np.zeros(3),
        np.array([7, 8, 9]),
    )
    both = Samples.concat([s, s])
    assert len(both) == 6
    old = both.take(both.age_s >= 10.0)
    np.testing.assert_array_equal(old.y, [4, 5, 4, 5])
