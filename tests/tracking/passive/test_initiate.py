"""Bearing triangulation and track initiation from acoustic bearings alone."""

from __future__ import annotations

import numpy as np
import pytest
from passive_synth import Drones, acoustic_grid, acoustic_reports, raid, to_work

from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import SensorsFile
from skyfuse.tracking.passive.bearings import (
    BearingSensors,
    bearing_from_local,
    bearings_from_reports,
)
from skyfuse.tracking.passive.initiate import BearingTracker, doppler_free_frequency
from skyfuse.tracking.passive.triangulate import intersect_rays


def test_three_rays_meet_at_the_target_with_honest_covariance() -> None:
    """Noise-free rays (az + el) from three sites intersect at the target; with noise the
    error over many trials matches the returned covariance (mean NEES ~ 3)."""
    rng = np.random.default_rng(0)
    target = np.array([1200.0, 900.0, 700.0])
    sites = np.array([[0.0, 0.0, 2.0], [3000.0, 0.0, 2.0], [0.0, 3000.0, 2.0]])
    az, el = bearing_from_local(target - sites)
    rot = np.broadcast_to(np.eye(3), (1, 3, 3, 3))
    sa, se = np.radians(2.0), np.radians(4.0)
    fix = intersect_rays(
        sites[None],
        az[None],
        el[None],
        np.full((1, 3), sa),
        np.full((1, 3), se),
        rot,
        np.ones((1, 3), bool),
        np.array([[0.0, 0.0, 1.0]]),
        sigma_height_m=1e6,
    )
    np.testing.assert_allclose(fix.point[0], target, atol=1e-3)
    assert np.all(fix.along > 0) and fix.dof[0] == 4
    n = 400
    noisy = intersect_rays(
        np.broadcast_to(sites, (n, 3, 3)),
        az + rng.normal(0, sa, (n, 3)),
        el + rng.normal(0, se, (n, 3)),
        np.full((n, 3), sa),
        np.full((n, 3), se),
        np.broadcast_to(np.eye(3), (n, 3, 3, 3)),
        np.ones((n, 3), bool),
        np.tile([0.0, 0.0, 1.0], (n, 1)),
        sigma_height_m=1e6,
    )
    e = noisy.point - target
    nees = np.einsum("ni,nij,nj->n", e, np.linalg.inv(noisy.cov), e)
    assert 2.4 < nees.mean() < 3.8
    assert 3.0 < noisy.chi2.mean() < 5.5  # chi-square with 4 dof (+ weak prior)


def test_azimuth_only_rays_use_the_height_prior() -> None:
    sites = np.array([[0.0, 0.0, 0.0], [2000.0, 0.0, 0.0]])
    target = np.array([1000.0, 1000.0, 500.0])
    az, _ = bearing_from_local(target - sites)
    fix = intersect_rays(
        sites[None],
        az[None],
        np.full((1, 2), np.nan),
        np.full((1, 2), 0.01),
        np.full((1, 2), np.nan),
        np.broadcast_to(np.eye(3), (1, 2, 3, 3)),
        np.ones((1, 2), bool),
        np.array([[0.0, 0.0, 1.0]]),
        height_m=800.0,
        sigma_height_m=300.0,
    )
    np.testing.assert_allclose(fix.point[0, :2], target[:2], atol=1e-6)
    assert fix.point[0, 2] == pytest.approx(800.0)
    assert fix.cov[0, 2, 2] == pytest.approx(300.0**2, rel=1e-6)


def test_doppler_free_frequency_inverts_the_doppler_shift() -> None:
    c, f0, v = 343.0, 115.0, np.array([[50.0, 0.0, 0.0]])
    u = np.array([[1.0, 0.0, 0.0]])  # receding at 50 m/s
    f_obs = f0 * c / (c + 50.0)
    f, var = doppler_free_frequency(
        np.array([f_obs]), np.array([1.5]), np.array([c]), u, v, np.zeros((1, 3, 3))
    )
    assert f[0] == pytest.approx(f0)
    assert var[0] == pytest.approx((1.5 * (c + 50.0) / c) ** 2)


def _run(sensors: SensorsFile, drones: Drones, duration: float, seed: int = 1):  # type: ignore[no-untyped-def]
    cat = SensorCatalog.build(sensors)
    times = np.arange(0.0, duration, 1.0)
    rep, _ = acoustic_reports(sensors, drones, times, seed=seed)
    bs = BearingSensors.build(cat)
    b = bearings_from_reports(rep, bs)
    trk = BearingTracker(bs)
    pictures = []
    for t in times:
        trk.process(b.take(b.time == t))
        pictures.append(trk.picture(t))
    return cat, times, pictures


@pytest.mark.parametrize("geodetic_at", [None, (58.5, 40.0)])
def test_single_drone_confirmed_and_accurate(geodetic_at: tuple[float, float] | None) -> None:
    """A 50 m/s drone crossing a 3 km acoustic grid: confirmed within 20 s of entering the
    coverage of two arrays, then within 200 m (at ~1-2 km range). The WGS84 case runs in the
    ECEF working frame with each array's own tangent plane."""
    sensors = acoustic_grid(3, 2, 3000.0, geodetic_at=geodetic_at)
    dr = Drones(
        np.array([[-1000.0, 1500.0, 700.0]]), np.array([[50.0, 0.0, 0.0]]), np.array([115.0])
    )
    cat, times, pics = _run(sensors, dr, 90.0)
    errs = []
    for t, pic in zip(times, pics, strict=True):
        truth = to_work(cat, dr.at(t)[0])
        if len(pic):
            assert len(pic) == 1, f"extra track at t={t}"
            errs.append((t, float(np.linalg.norm(pic.state[0, :3] - truth))))
    assert errs and errs[0][0] <= 25.0  # in range of two arrays from t ~ 0
    late = np.array([e for t, e in errs if t >= 30.0])
    assert np.median(late) < 200.0 and np.percentile(late, 90) < 300.0
    if geodetic_at is not None:
        assert np.linalg.norm(cat.position[0]) > 6.3e6  # really ECEF


def test_crossing_drones_make_no_ghosts() -> None:
    """Two drones crossing in front of a 3 x 3 grid: bearings cross all the time, but every
    confirmed track stays on a real drone and both drones get a track."""
    sensors = acoustic_grid(3, 3, 3000.0)
    dr = Drones(
        np.array([[-1000.0, 0.0, 800.0], [-1000.0, 6000.0, 1200.0]]),
        np.array([[45.0, 45.0, 0.0], [45.0, -45.0, 0.0]]),
        np.array([112.0, 121.0]),
    )
    _, times, pics = _run(sensors, dr, 100.0, seed=4)
    seen = np.zeros(2, bool)
    for t, pic in zip(times, pics, strict=True):
        if len(pic) == 0:
            continue
        d = np.linalg.norm(pic.state[:, None, :3] - dr.at(t)[None], axis=2)
        assert np.all(d.min(axis=1) < 500.0), f"ghost at t={t}: {d.min(axis=1)}"
        seen |= d.min(axis=0) < 200.0
    assert seen.all()


def test_dense_raid_few_ghost_track_seconds() -> None:
    """Ten drones 300 m abreast through a 4 x 3 grid: at most 10 % of confirmed track-seconds
    are away (> 500 m) from every drone (measured 4 %), and every drone gets a track."""
    sensors = acoustic_grid(4, 3, 3000.0)
    dr = raid(10, start=(-1500.0, 3000.0), heading_deg=90.0, spacing=300.0, seed=1)
    _, times, pics = _run(sensors, dr, 80.0, seed=2)
    far = total = 0
    seen = np.zeros(10, bool)
    for t, pic in zip(times, pics, strict=True):
        if len(pic):
            d = np.linalg.norm(pic.state[:, None, :3] - dr.at(t)[None], axis=2)
            far += int((d.min(axis=1) > 500.0).sum())
            total += len(pic)
            seen |= d.min(axis=0) < 200.0
    assert total > 0 and far / total <= 0.10
    assert seen.all()


def test_wide_area_two_regions_1000_km_apart() -> None:
    """One WGS84 scenario with two acoustic grids ~990 km apart (ECEF working frame, each array
    in its own tangent plane): a drone over each is tracked, and the initiator never pairs
    arrays of different regions (sensor adjacency is local)."""
    east, north = 700_000.0, 700_000.0
    a = acoustic_grid(3, 2, 3000.0, geodetic_at=(48.0, 24.0))
    b = acoustic_grid(3, 2, 3000.0, origin=(east, north), geodetic_at=(48.0, 24.0))
    for k, s in enumerate(b.sensors):
        s.sensor_id = f"b-{k}"
    sensors = SensorsFile(frame=a.frame, sensors=[*a.sensors, *b.sensors])
    cat = SensorCatalog.build(sensors)
    gap = np.linalg.norm(cat.position[0] - cat.position[-1])
    assert 950_000.0 < gap < 1_050_000.0
    dr = Drones(
        np.array([[-1000.0, 1500.0, 700.0], [east - 1000.0, north + 1500.0, 900.0]]),
        np.array([[50.0, 0.0, 0.0], [50.0, 0.0, 0.0]]),
        np.array([112.0, 121.0]),
    )
    times = np.arange(0.0, 70.0, 1.0)
    rep, _ = acoustic_reports(sensors, dr, times, seed=6)
    bs = BearingSensors.build(cat)
    trk = BearingTracker(bs)
    ptr, idx = trk._adj_ptr, trk._adj_idx
    src = np.repeat(np.arange(len(cat)), np.diff(ptr))
    assert np.all((src < 6) == (idx < 6))  # no edge between the regions
    bb = bearings_from_reports(rep, bs)
    late_err: list[float] = []
    for t in times:
        trk.process(bb.take(bb.time == t))
        pic = trk.picture(t)
        truth = to_work(cat, dr.at(t))
        if len(pic):
            d = np.linalg.norm(pic.state[:, None, :3] - truth[None], axis=2)
            assert np.all(d.min(axis=1) < 600.0)
            if t >= 40.0:
                assert len(pic) == 2
                late_err.extend(d.min(axis=0).tolist())
    assert np.median(late_err) < 250.0


def test_candidate_faster_than_a_drone_is_not_confirmed() -> None:
    """The same crossing at 120 m/s (above ``confirm_max_speed_mps``, 80): the bearings form a
    consistent candidate, but it is never confirmed; at 50 m/s it is (see above)."""
    sensors = acoustic_grid(3, 2, 3000.0)
    fast = Drones(
        np.array([[-1000.0, 1500.0, 700.0]]), np.array([[120.0, 0.0, 0.0]]), np.array([115.0])
    )
    _, _, pics = _run(sensors, fast, 60.0)
    assert all(len(p) == 0 for p in pics)
