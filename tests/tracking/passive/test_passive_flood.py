"""A flooding acoustic array (thousands of false bearings a second) must not take the passive
picture down: its excess bearings are shed from seeding and counted, the drone heard by the
other arrays is still confirmed and held, and the work per batch stays bounded."""

from __future__ import annotations

import dataclasses

import numpy as np
from passive_synth import Drones, acoustic_grid, acoustic_reports, to_work

from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking.passive.bearings import Bearings, BearingSensors, bearings_from_reports
from skyfuse.tracking.passive.initiate import BearingTracker, InitiatorConfig, first_per_group


def test_first_per_group_keeps_the_first_of_each_group_in_order() -> None:
    g = np.array([3, 1, 3, 3, 2, 1, 3])
    keep = first_per_group(g, 2)
    assert keep.tolist() == [True, True, True, False, True, True, False]
    assert first_per_group(g, 10).all()
    assert not first_per_group(g, 0).any()


def _flood(b: Bearings, sensor: int, n: int, t: float, rng: np.random.Generator) -> Bearings:
    """``n`` uniformly random bearings of ``sensor`` at time ``t`` (shaped like ``b``'s rows)."""
    row = np.flatnonzero(b.sensor == sensor)[0]
    rows = np.full(n, row)
    f = b.take(rows)
    return dataclasses.replace(
        f,
        det_id=np.arange(10**7, 10**7 + n, dtype=np.int64),
        time=np.full(n, t),
        az=rng.uniform(0.0, 2.0 * np.pi, n),
        frequency=rng.uniform(80.0, 160.0, n),
    )


def test_flooding_array_is_shed_and_the_drone_is_still_tracked() -> None:
    sensors = acoustic_grid(3, 2, 3000.0)
    cat = SensorCatalog.build(sensors)
    dr = Drones(
        np.array([[-1000.0, 1500.0, 700.0]]), np.array([[50.0, 0.0, 0.0]]), np.array([115.0])
    )
    times = np.arange(0.0, 60.0, 1.0)
    rep, _ = acoustic_reports(sensors, dr, times, seed=1)
    bs = BearingSensors.build(cat)
    b = bearings_from_reports(rep, bs)
    cap = 32
    trk = BearingTracker(bs, InitiatorConfig(max_seed_bearings_per_sensor=cap))
    rng = np.random.default_rng(5)
    flooder = int(np.unique(b.sensor)[0])
    n_flood = 5_000
    errs = []
    for t in times:
        batch = Bearings.concat([b.take(b.time == t), _flood(b, flooder, n_flood, t, rng)])
        trk.process(batch.take(np.argsort(batch.time, kind="stable")))
        pic = trk.picture(t)
        truth = to_work(cat, dr.at(t)[0])
        if len(pic):
            d = np.linalg.norm(pic.state[:, :3] - truth, axis=1)
            errs.append(float(d.min()))
        assert len(trk.buffer) <= 10 * cap * len(cat)  # pool bounded despite the flood
    # Nearly all of the flood was shed (at most `cap` a batch reach seeding), and counted.
    assert trk.shed_bearings >= times.size * (n_flood - cap - 5)
    late = np.array(errs[-20:])
    assert late.size == 20 and np.median(late) < 200.0
