"""Track handover: a new track that took over a lost shown track's plots continues its identity."""

from __future__ import annotations

import numpy as np

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import TrackStatus
from skyfuse.tracking import Tracker, TrackerConfig

from .synth import radar_scenario


def _lost_and_new(offset_m: float, old_updated_at: float, cfg: TrackerConfig) -> Tracker:
    """A tracker at t = 10 s holding a shown track (id 1, last updated ``old_updated_at``) and
    a tentative track (id 2, born at 10 s with 2 hits) ``offset_m`` east of it."""
    catalog = radar_scenario(n_targets=1, n_radars=1, n_scans=1, clutter=0.0).catalog
    tr = Tracker(catalog, cfg)
    tr.time = 10.0
    x = np.array([[3000.0, 4000.0, 500.0, 30.0, -20.0, 0.0]])
    P = np.diag([20.0**2] * 3 + [5.0**2] * 3)[None]
    a = tr._start(x, P, np.array([int(SensorKind.RADAR)]), confirmed=True)
    tr.first_time[a] = 0.0
    tr.last_update_time[a] = old_updated_at
    tr.score[a], tr.max_score[a], tr.n_updates[a] = 55.0, 60.0, 30
    xb = x.copy()
    xb[0, 0] += offset_m
    xb[0, 3:] = [25.0, -10.0, 0.0]
    Pb = np.diag([30.0**2] * 3 + [30.0**2] * 3)[None]
    b = tr.add_tracks(xb, Pb, SensorKind.RADAR)
    slot_b = int(np.flatnonzero(tr.track_id == b[0])[0])
    tr.score[slot_b], tr.n_updates[slot_b] = 12.0, 2
    return tr


def _manage(tr: Tracker) -> list[int]:
    return [int(i) for i in tr._manage(tr.time)]


def test_new_track_confirmed_near_a_lost_track_continues_its_identity() -> None:
    tr = _lost_and_new(60.0, 9.0, TrackerConfig())
    xb = tr.x[tr.track_id == 2][0].copy()
    deleted = _manage(tr)
    assert deleted == [2]  # the new track, never shown, is handed over
    (s,) = tr.live()
    assert tr.track_id[s] == 1
    assert tr.status[s] == TrackStatus.CONFIRMED
    np.testing.assert_array_equal(tr.x[s], xb)  # the old identity takes the new state
    assert tr.last_update_time[s] == 10.0
    assert tr.n_updates[s] == 32
    assert tr.score[s] == tr.max_score[s] == 72.0  # best score plus the new track's
    assert tr.stats.handed_over == 1
    assert tr.stats.merged == 0


def test_no_handover_when_the_old_track_was_updated_since_or_is_far() -> None:
    updated = _lost_and_new(60.0, 10.0, TrackerConfig())  # old track hit at the new one's birth
    far = _lost_and_new(400.0, 9.0, TrackerConfig())
    off = _lost_and_new(60.0, 9.0, TrackerConfig(handover_chi2=0.0))
    for tr in (updated, far, off):
        assert _manage(tr) == []
        assert sorted(tr.track_id[tr.live()].tolist()) == [1, 2]
        assert (tr.status[tr.live()] == TrackStatus.CONFIRMED).all()  # id 2 confirmed on its own


def test_handover_chi2_must_not_be_negative() -> None:
    try:
        TrackerConfig(handover_chi2=-1.0)
    except ValueError as e:
        assert "handover_chi2" in str(e)
    else:
        raise AssertionError("negative handover_chi2 accepted")


def test_delete_tracks_frees_slots_once_and_returns_ids() -> None:
    """`Tracker.delete_tracks`: each live slot deleted once, ids in the given order, dead slots
    ignored, deletions counted, and the freed slots no longer live."""
    tr = _lost_and_new(40.0, 9.0, TrackerConfig())
    slots = tr.live()
    assert slots.size == 2
    before = tr.stats.deleted
    ids = tr.delete_tracks(np.array([slots[1], slots[0], slots[1]]))
    assert ids.tolist() == [int(tr.track_id[slots[1]]), int(tr.track_id[slots[0]])]
    assert tr.live().size == 0
    assert tr.stats.deleted == before + 2
    assert tr.delete_tracks(slots).size == 0  # already deleted: nothing more
