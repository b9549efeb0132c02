"""Sensor statistics against the model: noise, Pd, clutter, retarded time, RSSI, sectors."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from scipy.optimize import brentq

from skyfuse.core.kinds import KNOWN_CLASSES, SensorKind
from skyfuse.sim import (
    AcousticParams,
    CoopParams,
    EoParams,
    RadarParams,
    RfParams,
    SimConfig,
    SimResult,
    simulate,
)
from skyfuse.sim.geometry import in_sector_deg
from skyfuse.sim.sensors.acoustic import solve_emission_time
from skyfuse.sim.sensors.base import pair_aer
from skyfuse.sim.sensors.rf_df import free_space_loss_db


def _rows(res: SimResult, kind: SensorKind) -> tuple[np.ndarray, np.ndarray]:
    """(row indices of reports of a kind, their target ids)."""
    cat = res.world.catalog
    rows = np.flatnonzero(cat.kind[res.reports.sensor] == int(kind))
    return rows, res.labels[1][rows]


@pytest.fixture(scope="module")
def radar_run() -> SimResult:
    return simulate(SimConfig(seed=11, targets=100, radars=1, duration_s=60.0))


def test_radar_noise_matches_sigma(radar_run: SimResult) -> None:
    res = radar_run
    rows, tgt = _rows(res, SensorKind.RADAR)
    true = tgt >= 0
    rows, tgt = rows[true], tgt[true]
    rep = res.reports
    pos, _ = res.world.traj.work_state_at(tgt, rep.time[rows])
    az, el, r = pair_aer(res.world.catalog, rep.sensor[rows], pos)
    d_r = rep.col("range_m")[rows] - r
    d_az = (rep.col("azimuth_deg")[rows] - np.degrees(az) + 180.0) % 360.0 - 180.0
    d_el = rep.col("elevation_deg")[rows] - np.degrees(el)
    n = len(rows)
    assert n > 2000
    tol = 4.0 / np.sqrt(2 * n)  # 4 sigma of a sample standard deviation
    assert np.std(d_r) == pytest.approx(10.0, rel=tol)
    assert np.std(d_az) == pytest.approx(0.2, rel=tol)
    assert np.std(d_el) == pytest.approx(0.2, rel=tol)
    assert abs(np.mean(d_r)) < 4 * 10.0 / np.sqrt(n)


def test_radar_pd_and_clutter_rate(radar_run: SimResult) -> None:
    res = radar_run
    p = RadarParams()
    rows, tgt = _rows(res, SensorKind.RADAR)
    times = np.unique(res.reports.time[rows])
    assert len(times) == 60
    # Opportunities: every visible target inside the coverage at every scan.
    opp = 0
    for t in times:
        alive = res.world.traj.alive_at(float(t))
        alive = alive[res.world.plan.cls[alive] != KNOWN_CLASSES.index("ground_emitter")]
        pos, _ = res.world.traj.work_state_at(alive, float(t))
        _, el, r = pair_aer(res.world.catalog, np.zeros(len(alive), dtype=np.intp), pos)
        el_deg = np.degrees(el)
        opp += int(
            (
                (r >= p.min_range_m)
                & (r <= p.max_range_m)
                & (el_deg >= p.min_elevation_deg)
                & (el_deg <= p.max_elevation_deg)
            ).sum()
        )
    hits = int((tgt >= 0).sum())
    pd = hits / opp
    assert pd == pytest.approx(0.9, abs=4 * np.sqrt(0.09 / opp))
    n_false = int((tgt < 0).sum())
    assert n_false / len(times) == pytest.approx(10.0, abs=4 * np.sqrt(10.0 / len(times)))
    rng_false = res.reports.col("range_m")[rows[tgt < 0]]
    assert rng_false.min() >= p.min_range_m and rng_false.max() <= p.max_range_m
    assert np.mean(rng_false) == pytest.approx((p.min_range_m + p.max_range_m) / 2, rel=0.1)


def test_radar_cone_of_silence_stagger_and_doppler() -> None:
    res = simulate(
        SimConfig(
            seed=2,
            targets=60,
            radars=3,
            duration_s=20.0,
            altitude_m=(1500.0, 2000.0),
            radar=RadarParams(doppler=True, sigma_radial_velocity_mps=1e-6),
        )
    )
    firsts = [s.first_scan_time_s for s in res.sensors.sensors]
    assert firsts == [0.0, 0.333333, 0.666667]
    rows, tgt = _rows(res, SensorKind.RADAR)
    true_rows = rows[tgt >= 0]
    el = res.reports.col("elevation_deg")[true_rows]
    assert el.max() < 30.0 + 4 * 0.2  # nothing from inside the cone of silence
    # Radial velocity (positive away) = d(range)/dt of the truth.
    i = tgt[tgt >= 0]
    tm = res.reports.time[true_rows]
    s = res.reports.sensor[true_rows]
    h = 1e-3
    p0, _ = res.world.traj.work_state_at(i, tm - h)
    p1, _ = res.world.traj.work_state_at(i, tm + h)
    r0 = np.linalg.norm(p0 - res.world.catalog.position[s], axis=1)
    r1 = np.linalg.norm(p1 - res.world.catalog.position[s], axis=1)
    rv = res.reports.col("radial_velocity_mps")[true_rows]
    inside = (tm - h >= res.world.traj.t_birth[i]) & (tm + h <= res.world.traj.t_death[i])
    assert inside.sum() > 500
    assert np.allclose(rv[inside], ((r1 - r0) / (2 * h))[inside], atol=5e-3)


@pytest.fixture(scope="module")
def acoustic_run() -> SimResult:
    cfg = SimConfig(
        seed=5,
        targets=0,
        radars=0,
        attack_drones=12,
        multirotors=3,
        aircraft=2,
        low_share=1.0,
        low_altitude_m=(100.0, 300.0),
        sites=2,
        launch_distance_m=5000.0,
        wave_spread_s=10.0,
        duration_s=120.0,
        acoustic_arrays=25,
        acoustic=AcousticParams(
            spacing_m=2000.0,
            sigma_azimuth_deg=1e-6,
            sigma_elevation_deg=1e-6,
            clutter_rate_per_scan=0.0,
            pd=1.0,
            fundamental_sigma_hz_by_class=dict.fromkeys(
                ("attack_drone", "decoy", "multirotor", "fixed_wing_uav", "aircraft"), 1e-6
            ),
        ),
    )
    return simulate(cfg)


def test_acoustic_angles_point_at_the_emission_point(acoustic_run: SimResult) -> None:
    res = acoustic_run
    rows, tgt = _rows(res, SensorKind.ACOUSTIC)
    assert (tgt >= 0).all() and len(rows) > 50
    traj, cat = res.world.traj, res.world.catalog
    c = 343.0
    checked = 0
    step = max(1, len(rows) // 150)
    for row, i in zip(rows[::step], tgt[::step], strict=True):
        t = float(res.reports.time[row])
        s = int(res.reports.sensor[row])
        p = cat.position[s]

        def f(tau: float, i: int = int(i), t: float = t, p: np.ndarray = p) -> float:
            x, _ = traj.work_state_at(np.array([i]), tau)
            return float(np.linalg.norm(x[0] - p) - c * (t - tau))

        lo = max(float(traj.t_birth[i]), t - 40.0)
        hi = min(float(traj.t_death[i]), t)
        tau = brentq(f, lo, hi, xtol=1e-10)
        x, _ = traj.work_state_at(np.array([i]), tau)
        az, el, r = pair_aer(cat, np.array([s]), x)
        assert r[0] / c == pytest.approx(t - tau, abs=1e-6)  # delay = range / c
        assert res.reports.col("azimuth_deg")[row] == pytest.approx(np.degrees(az[0]), abs=1e-4)
        assert res.reports.col("elevation_deg")[row] == pytest.approx(np.degrees(el[0]), abs=1e-4)
        # Not where the target is at arrival time (the sound is late).
        now, _ = traj.work_state_at(np.array([i]), t)
        if traj.t_death[i] >= t and np.linalg.norm(now - x) > 50.0:
            az_now, _, _ = pair_aer(cat, np.array([s]), now)
            assert abs(np.degrees(az_now[0] - az[0])) > 1e-3
        checked += 1
    assert checked > 30


def test_acoustic_pd_falls_with_range(acoustic_run: SimResult) -> None:
    """Detections per opportunity follow pd (1 - (r / R_class)^2) (pd = 1 in this run)."""
    res = acoustic_run
    traj, cat, plan = res.world.traj, res.world.catalog, res.world.plan
    sensors = cat.sensors_of(SensorKind.ACOUSTIC)
    rows, tgt = _rows(res, SensorKind.ACOUSTIC)
    heard = {
        (float(res.reports.time[r]), int(res.reports.sensor[r]), int(i))
        for r, i in zip(rows, tgt, strict=True)
    }
    max_r = AcousticParams().max_range_m_by_class
    r_cls = np.array([max_r.get(c, 0.0) for c in np.array(KNOWN_CLASSES)[plan.cls]])
    frac_r, detected = [], []
    for t in np.unique(res.reports.time[rows])[::3]:
        cand = np.flatnonzero((r_cls > 0) & (traj.t_birth <= t))
        si = np.repeat(sensors, len(cand))
        ti = np.tile(cand, len(sensors))
        tau, resid = solve_emission_time(traj, ti, cat.position[si], float(t), 343.0)
        r = 343.0 * (t - tau)
        ok = (np.abs(resid) < 1e-3) & (r <= r_cls[ti]) & (r > 0)
        frac_r.extend((r[ok] / r_cls[ti[ok]]).tolist())
        detected.extend(
            (float(t), int(s), int(i)) in heard for s, i in zip(si[ok], ti[ok], strict=True)
        )
    x = np.asarray(frac_r)
    d = np.asarray(detected, dtype=float)
    assert len(x) > 300
    for lo, hi in ((0.0, 0.5), (0.5, 0.8), (0.8, 1.0)):
        sel = (x >= lo) & (x < hi)
        if sel.sum() < 30:
            continue
        expect = float(np.mean(1.0 - x[sel] ** 2))
        sd = np.sqrt(expect * (1 - expect) / sel.sum()) + 1e-3
        assert d[sel].mean() == pytest.approx(expect, abs=4 * sd), (lo, hi)


def test_acoustic_doppler_and_range_limits(acoustic_run: SimResult) -> None:
    res = acoustic_run
    rows, tgt = _rows(res, SensorKind.ACOUSTIC)
    plan = res.world.plan
    cls = np.array(KNOWN_CLASSES)[plan.cls[tgt]]
    assert "bird" not in cls
    f = res.reports.col("fundamental_hz")[rows]
    f0 = plan.acoustic_hz[tgt]
    ratio = f / f0
    # Shift bounded by the target's speed: c / (c + v) <= ratio <= c / (c - v).
    v = np.maximum(plan.speed[tgt], plan.speed_range[tgt, 1])
    assert (ratio >= 343.0 / (343.0 + v) - 1e-3).all()
    assert (ratio <= 343.0 / (343.0 - v) + 1e-3).all()
    assert np.ptp(ratio) > 0.01  # approaching and receding targets both heard
    assert (res.reports.col("snr_db")[rows] >= 0.0).all()


def test_rf_rssi_is_free_space() -> None:
    cfg = SimConfig(
        seed=3,
        targets=0,
        radars=0,
        multirotors=4,
        relays=2,
        attack_drones=10,
        datalink_share=1.0,
        sites=1,
        duration_s=20.0,
        rf_sensors=3,
        rf=RfParams(sigma_rssi_db=1e-6, sigma_azimuth_deg=1e-6, clutter_rate_per_scan=0.0),
    )
    res = simulate(cfg)
    rows, tgt = _rows(res, SensorKind.RF_DF)
    assert len(rows) > 50 and (tgt >= 0).all()
    pos, _ = res.world.traj.work_state_at(tgt, res.reports.time[rows])
    az, _, r = pair_aer(res.world.catalog, res.reports.sensor[rows], pos)
    plan = res.world.plan
    expect = plan.rf_eirp_dbm[tgt] - free_space_loss_db(r, plan.rf_mhz[tgt])
    assert np.allclose(res.reports.col("rssi_dbm")[rows], expect, atol=0.051)
    assert np.allclose(res.reports.col("azimuth_deg")[rows], np.degrees(az), atol=1e-4)
    assert np.isfinite(plan.rf_mhz[tgt]).all()
    # 1 km at 2.4 GHz: 100.1 dB (closed form).
    assert free_space_loss_db(np.array([1000.0]), np.array([2400.0]))[0] == pytest.approx(
        100.05, abs=0.01
    )


def test_eo_sector_across_north_and_class_scores() -> None:
    cfg = SimConfig(
        seed=4,
        targets=200,
        radars=0,
        area_radius_m=8000.0,
        altitude_m=(100.0, 800.0),
        launch_bearing_deg=0.0,
        sites=0,
        eo_cameras=1,
        duration_s=30.0,
        eo=EoParams(fov_deg=40.0, max_range_m=8000.0),
    )
    res = simulate(cfg)
    spec = res.sensors.sensors[0]
    a, b = spec.coverage.azimuth_deg
    assert b < a  # spans North
    rows, tgt = _rows(res, SensorKind.EO_IR)
    az = res.reports.col("azimuth_deg")[rows]
    # Inside the sector up to the angle noise (0.05 deg): 6 sigma margin at the edges.
    assert in_sector_deg(az, a - 0.3, b + 0.3).all()
    assert not in_sector_deg(az, b + 0.3, a - 0.3).any()
    assert (az > 350.0).any() and (az < 10.0).any()
    scores = res.reports.class_scores
    assert scores is not None
    s = scores[rows]
    assert np.allclose(s.sum(axis=1), 1.0, atol=2e-3)
    true = tgt >= 0
    assert true.sum() > 100
    # Generic targets are attack drones: that class wins on average, decoy second.
    mean = s[true].mean(axis=0)
    order = np.argsort(mean)[::-1]
    assert KNOWN_CLASSES[order[0]] == "attack_drone"
    assert KNOWN_CLASSES[order[1]] == "decoy"


def test_cooperative_reports_and_spoofing() -> None:
    cfg = SimConfig(
        seed=9,
        targets=0,
        radars=0,
        multirotors=6,
        aircraft=4,
        duration_s=30.0,
        adsb=True,
        remote_id=True,
        coop=CoopParams(spoof_share=0.5, spoof_offset_m=(500.0, 500.0)),
    )
    res = simulate(cfg)
    plan = res.world.plan
    rows, tgt = _rows(res, SensorKind.REMOTE_ID)
    assert len(rows) > 50
    rep = res.reports
    pos, _ = res.world.traj.state_at(tgt, rep.time[rows])
    err = np.hypot(rep.col("x")[rows] - pos[:, 0], rep.col("y")[rows] - pos[:, 1])
    spoofed = np.hypot(*plan.spoof_offset[tgt].T) > 0
    assert spoofed.any() and (~spoofed).any()
    assert np.all(np.abs(err[spoofed] - 500.0) < 30.0)
    assert np.all(err[~spoofed] < 30.0)
    ids = rep.text_col("uas_id")[rows]
    assert all(ids[k] == plan.coop_id[tgt[k]] for k in range(len(rows)))
    op = plan.operator[tgt]
    assert np.allclose(rep.col("operator_x")[rows], plan.pos0[op, 0], atol=0.01)
    rows_a, tgt_a = _rows(res, SensorKind.ADSB)
    assert len(rows_a) > 20
    assert set(rep.text_col("icao24")[rows_a]) <= set(plan.coop_id[tgt_a])


def test_wgs84_radar_geometry_against_pymap3d() -> None:
    """Radar plots in a WGS84 scenario agree with pymap3d's AER of the truth."""
    cfg = SimConfig(
        seed=8,
        frame="wgs84",
        targets=60,
        radars=1,
        duration_s=20.0,
        radar=RadarParams(
            layout="grid",
            sigma_range_m=1e-3,
            sigma_azimuth_deg=1e-6,
            sigma_elevation_deg=1e-6,
            clutter_rate_per_scan=0.0,
            max_range_m=30_000.0,
        ),
        area_radius_m=20_000.0,
        origin_lat_deg=60.0,
        origin_lon_deg=25.0,
    )
    res = simulate(cfg)
    rows, tgt = _rows(res, SensorKind.RADAR)
    assert len(rows) > 100
    lat0, lon0, h0 = res.sensors.sensors[0].position_wgs84 or (0.0, 0.0, 0.0)
    proj = res.world.proj
    pos, _ = res.world.traj.state_at(tgt, res.reports.time[rows])
    lat, lon, alt = proj.geodetic_of(pos)
    az, el, rng = pymap3d.geodetic2aer(lat, lon, alt, lat0, lon0, h0)
    rep = res.reports
    assert np.allclose(rep.col("range_m")[rows], rng, atol=0.01)
    assert np.allclose(rep.col("azimuth_deg")[rows], az, atol=1e-4)
    assert np.allclose(rep.col("elevation_deg")[rows], el, atol=1e-4)
