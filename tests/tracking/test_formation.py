"""Formation memory: shared-plot pairs, heading frames, anchors, smoothing, forgetting, tracker."""

from __future__ import annotations

import numpy as np
import pytest

from skyfuse.tracking import Tracker, TrackerConfig
from skyfuse.tracking.formation import (
    FormationMemory,
    formation_anchor,
    heading_frames,
    sharing_pairs,
)

from .synth import radar_scenario

UP = np.array([0.0, 0.0, 1.0])


def test_sharing_pairs_are_tracks_gating_a_common_plot() -> None:
    # Tracks 0, 1 share plot 0; tracks 1, 2 share plot 2; track 3 is alone with plot 3.
    ti = np.array([0, 1, 1, 2, 3])
    pj = np.array([0, 0, 2, 2, 3])
    a, b = sharing_pairs(ti, pj, 4, 4)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (1, 2)]
    e = np.zeros(0, np.intp)
    assert sharing_pairs(e, e, 3, 3)[0].size == 0


def test_heading_frames_are_orthonormal_and_follow_the_horizontal_velocity() -> None:
    v = np.array([[30.0, 40.0, 7.0], [1.0, 1.0, 0.0]])
    frames, ok = heading_frames(v, np.tile(UP, (2, 1)))
    np.testing.assert_array_equal(ok, [True, False])
    np.testing.assert_allclose(frames[0, 0], [0.6, 0.8, 0.0])
    np.testing.assert_allclose(frames[0, 1], [-0.8, 0.6, 0.0])  # cross track, to the left
    np.testing.assert_allclose(frames[0] @ frames[0].T, np.eye(3), atol=1e-12)


def test_formation_anchor_closed_form() -> None:
    x = np.array([[0.0, 0.0, 0.0], [100.0, 0.0, 0.0], [500.0, 0.0, 0.0]])
    pa, pb = np.array([0]), np.array([1])
    pred_a = np.array([[10.0, 0.0, 0.0]])  # partner 1 puts track 0 at x = 10
    pred_b = np.array([[90.0, 0.0, 0.0]])  # partner 0 puts track 1 at x = 90
    out = formation_anchor(x, pa, pb, pred_a, pred_b, np.array([0.5]))
    np.testing.assert_allclose(out[0], [(0.0 + 0.5 * 10.0) / 1.5, 0.0, 0.0])
    np.testing.assert_allclose(out[1], [(100.0 + 0.5 * 90.0) / 1.5, 0.0, 0.0])
    np.testing.assert_array_equal(out[2], x[2])


def _line_abreast(heading_rad: float, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three drones 100 m apart, line abreast, flying at 50 m/s towards ``heading_rad`` (from x)."""
    along = np.array([np.cos(heading_rad), np.sin(heading_rad), 0.0])
    cross = np.cross(UP, along)
    x = centre + np.outer([-100.0, 0.0, 100.0], cross)
    v = np.tile(50.0 * along, (3, 1))
    return x, v


def test_memory_keeps_offsets_of_a_rigid_formation_through_a_turn() -> None:
    mem = FormationMemory(time_constant_s=5.0, max_gap_s=3.0)
    ids = np.array([7, 3, 11])
    pa, pb = np.array([0, 1]), np.array([1, 2])
    up = np.tile(UP, (3, 1))
    x, v = _line_abreast(0.0, np.zeros(3))
    mem.update(0.0, ids, x, v, up, pa, pb)
    assert len(mem) == 2
    np.testing.assert_array_equal(mem.weight, [0.0, 0.0])
    x1, v1 = _line_abreast(np.radians(30.0), np.array([50.0, 0.0, 0.0]))
    mem.update(1.0, ids, x1, v1, up, pa, pb)
    np.testing.assert_allclose(mem.weight, 1.0 - np.exp(-1.0 / 5.0))
    # The turned formation: offsets in the heading frame are unchanged, so the anchors are exact;
    # a track 40 m off its slot is pulled back by its neighbours' predictions.
    x2, v2 = _line_abreast(np.radians(60.0), np.array([90.0, 30.0, 0.0]))
    np.testing.assert_allclose(mem.anchors(ids, x2, v2, up, pa, pb), x2, atol=1e-9)
    off = x2.copy()
    off[1] += np.array([40.0, 0.0, 0.0])
    moved = mem.anchors(ids, off, v2, up, pa, pb)
    assert np.linalg.norm(moved[1] - x2[1]) < 40.0
    # A pair unseen for longer than max_gap_s is forgotten.
    mem.update(5.0, ids, x2, v2, up, pa[:1], pb[:1])
    assert len(mem) == 1


def test_memory_state_round_trip_and_bad_parameters() -> None:
    mem = FormationMemory(5.0, 3.0)
    x, v = _line_abreast(0.0, np.zeros(3))
    mem.update(0.0, np.array([1, 2, 3]), x, v, np.tile(UP, (3, 1)), np.array([0]), np.array([1]))
    other = FormationMemory(5.0, 3.0)
    other.load(mem.state())
    np.testing.assert_array_equal(other.key, mem.key)
    np.testing.assert_array_equal(other.offset, mem.offset)
    with pytest.raises(ValueError, match="time_constant_s"):
        FormationMemory(0.0, 3.0)
    with pytest.raises(ValueError, match="formation_time_constant_s"):
        TrackerConfig(formation_time_constant_s=-1.0)


def test_tracker_remembers_a_formation_and_restores_it() -> None:
    s = radar_scenario(n_targets=10, n_radars=1, n_scans=20, seed=3, group_size=5)
    batches = list(s.reports.batches_by_time())
    a = Tracker(s.catalog, TrackerConfig(formation_time_constant_s=5.0))
    for b in batches[:12]:
        a.process(b)
    assert a.formation is not None and len(a.formation) > 0
    b2 = Tracker(s.catalog, TrackerConfig(formation_time_constant_s=5.0))
    b2.restore(a.snapshot())
    for b in batches[12:]:
        pa, pb = a.process(b).picture, b2.process(b).picture
        np.testing.assert_array_equal(pa.track_id, pb.track_id)
        np.testing.assert_allclose(pa.state, pb.state)
    off = Tracker(s.catalog, TrackerConfig(formation_time_constant_s=0.0))
    assert off.formation is None
