"""One vectorised update for all sensors of a batch equals handling the sensors one by one."""

from __future__ import annotations

import numpy as np
import pytest

from skyfuse.core.picture import Associations
from skyfuse.core.reports import Reports
from skyfuse.tracking import Tracker
from skyfuse.tracking import association as association_module
from skyfuse.tracking.association import close_pairs, spatial_gate

from .synth import radar_scenario


class SensorBySensor(Tracker):
    """Reference: the batch's sensors updated one after the other, in index order."""

    def _step(self, t: float, batch: Reports) -> tuple[Associations, np.ndarray]:
        self._predict_to(t)
        parts = []
        for s in np.unique(batch.sensor):
            parts += self._update(t, self._measure(batch.take(batch.sensor == s)))
        deleted = self._manage(t)
        if not parts:
            return Associations.empty(), deleted
        return (
            Associations(
                np.concatenate([p.det_id for p in parts]),
                np.concatenate([p.track_id for p in parts]),
                np.concatenate([p.weight for p in parts]),
            ),
            deleted,
        )


def _simultaneous(reports: Reports) -> Reports:
    """The same plots with every radar's scan stamped on the whole second (all radars report
    in one batch, overlapping coverage)."""
    t = np.floor(reports.time + 1e-9)
    order = np.argsort(t, kind="stable")
    r = reports.take(order)
    return Reports(r.det_id, t[order], r.sensor, r.values, r.sigmas, r.text, r.class_scores, r.line)


@pytest.mark.parametrize("geodetic", [False, True])
@pytest.mark.parametrize("group_size", [1, 5])
def test_joint_batch_update_equals_sensor_by_sensor(geodetic: bool, group_size: int) -> None:
    s = radar_scenario(
        n_targets=10, n_radars=3, n_scans=25, seed=7, geodetic=geodetic, group_size=group_size
    )
    reports = _simultaneous(s.reports)
    joint, ref = Tracker(s.catalog), SensorBySensor(s.catalog)
    n_multi = 0
    for b in reports.batches_by_time():
        n_multi += np.unique(b.sensor).size > 1
        pa, pb = joint.process(b), ref.process(b)
        np.testing.assert_array_equal(pa.picture.track_id, pb.picture.track_id)
        np.testing.assert_array_equal(pa.picture.status, pb.picture.status)
        np.testing.assert_allclose(pa.picture.state, pb.picture.state, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(np.sort(pa.deleted), np.sort(pb.deleted))
        assert sorted(pa.associations.det_id.tolist()) == sorted(pb.associations.det_id.tolist())
    assert n_multi >= 20
    live = joint.live()
    np.testing.assert_allclose(joint.score[live], ref.score[ref.live()], atol=1e-9)
    np.testing.assert_allclose(joint.max_score[live], ref.max_score[ref.live()], atol=1e-9)
    assert joint.stats.associated == ref.stats.associated > 0


def test_spatial_gate_brute_force_and_tree_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    tracks = rng.uniform(0, 5000, (120, 3)) + np.array([3.2e6, 1.5e6, 5.0e6])
    radius = rng.uniform(50, 400, 120)
    points = rng.uniform(0, 5000, (90, 3)) + np.array([3.2e6, 1.5e6, 5.0e6])
    points[5] = np.nan  # unknown position: pairs with every track
    a = spatial_gate(tracks, radius, points, 10**6)
    monkeypatch.setattr(association_module, "BRUTE_FORCE_PAIRS", 0)
    b = spatial_gate(tracks, radius, points, 10**6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert (a[1] == 5).sum() == 120


@pytest.mark.parametrize("stacked", [False, True])
def test_close_pairs_equal_brute_force(stacked: bool) -> None:
    rng = np.random.default_rng(2)
    pts = rng.uniform(0, 400, (300, 3))
    if stacked:  # all on one sweep coordinate: the k-d tree fallback
        pts[:, 0] = 7.0
    a, b = close_pairs(pts, 30.0)
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    want = {(i, j) for i, j in zip(*np.nonzero(d <= 30.0), strict=True) if i < j}
    got = {(min(i, j), max(i, j)) for i, j in zip(a.tolist(), b.tolist(), strict=True)}
    assert got == want and len(got) == a.size and len(want) > 0
    e = close_pairs(pts[:1], 30.0)
    assert e[0].size == 0
