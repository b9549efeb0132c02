"""picture_rows: confirmed tracks only, scenario coordinates, classes joined by track id."""

from __future__ import annotations

import numpy as np

from skyfuse.core.picture import ClassBeliefs, Picture, TrackStatus
from skyfuse.geo import WorkFrame
from skyfuse.outputs import picture_rows


def _picture() -> Picture:
    n = 3
    state = np.array([[0, 0, 100, 10, 0, 0], [1000, 0, 200, 0, 5, 0], [5, 5, 5, 0, 0, 0]], float)
    cov = np.broadcast_to(np.diag([4.0, 9.0, 16.0, 1, 1, 1]), (n, 6, 6)).copy()
    return Picture(
        time=2.5, frame=WorkFrame(False), track_id=np.array([7, 3, 9]), state=state, cov=cov,
        status=np.array([TrackStatus.CONFIRMED, TrackStatus.COASTING, TrackStatus.TENTATIVE],
                        np.int8),
        first_time=np.zeros(n), last_update_time=np.zeros(n), n_updates=np.ones(n, np.int32),
        mode_prob=np.full((n, 2), 0.5), static=np.zeros(n, bool),
        coop_id=np.full(n, None, object), spoof_suspect=np.zeros(n, bool),
        sensor_mask=np.zeros(n, np.int32),
    )  # fmt: skip


def test_rows_keep_confirmed_and_coasting_with_classes() -> None:
    probs = np.zeros((2, 8))
    probs[0, 4] = 0.9  # track 3: bird
    probs[0, 0] = 0.1
    probs[1, 0] = 0.6  # track 9 (tentative, not shown): attack_drone
    probs[1, 7] = 0.4
    rows = picture_rows(_picture(), ClassBeliefs(2.5, np.array([3, 9]), probs))
    assert rows.track_id.tolist() == [7, 3]
    np.testing.assert_allclose(rows.pos, [[0, 0, 100], [1000, 0, 200]])
    np.testing.assert_allclose(rows.vel, [[10, 0, 0], [0, 5, 0]])
    np.testing.assert_allclose(rows.cov_enu[0], [4, 0, 0, 9, 0, 16])
    # Track 7 has no belief: unknown with probability 1; track 3 is a bird at 0.9.
    assert rows.cls == ["unknown", "bird"]
    np.testing.assert_allclose(rows.class_prob, [1.0, 0.9])


def test_rows_without_beliefs() -> None:
    rows = picture_rows(_picture())
    assert rows.cls == ["unknown", "unknown"]
