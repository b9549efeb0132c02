"""The track/bearing gate's pre-screen never drops a pair the full retrodicted gate accepts."""

from __future__ import annotations

import numpy as np
import pytest
from passive_synth import acoustic_grid, acoustic_reports, raid

import skyfuse.tracking.passive.initiate as initiate
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking.passive.bearings import BearingSensors, bearings_from_reports
from skyfuse.tracking.passive.initiate import BearingTracker


def test_prescreen_keeps_every_gated_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """A raid over a 4x4 grid with heavy clutter (1 false bearing per array per second):
    at every step the pre-screened gate equals the full gate on all (track, bearing) pairs,
    and the pre-screen decides a good share of them."""
    monkeypatch.setattr(initiate, "PRESCREEN_MIN_PAIRS", 0)
    sensors = acoustic_grid(4, 4, 3000.0)
    cat = SensorCatalog.build(sensors)
    drones = raid(6, start=(-1500.0, 4500.0), heading_deg=90.0, spacing=400.0, seed=3)
    times = np.arange(0.0, 40.0, 1.0)
    rep, _ = acoustic_reports(sensors, drones, times, seed=4, clutter_per_report=1.0)
    bs = BearingSensors.build(cat)
    trk = BearingTracker(bs, handoff=False)
    bb = bearings_from_reports(rep, bs)
    checked = gated = skipped = 0
    for t in times:
        batch = bb.take(bb.time == t)
        ti, bi = trk._candidate_pairs(batch)
        if ti.size:
            ok, cost = trk._gate_pairs(ti, bi, batch)
            ok_full, cost_full = trk._gate_pairs_full(ti, bi, batch)
            np.testing.assert_array_equal(ok, ok_full)
            np.testing.assert_array_equal(cost[ok], cost_full[ok])
            checked += ti.size
            gated += int(ok_full.sum())
            skipped += int(np.isinf(cost).sum())
        trk.process(batch)
    assert gated > 100
    assert skipped > 0.3 * checked
