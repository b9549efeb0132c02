"""Bearing measurement model, propagation delay and OOSM retrodiction against closed forms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.core.errors import InputError
from skyfuse.core.reports import Reports
from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation
from skyfuse.scenario import read_tracker_inputs
from skyfuse.tracking.passive.bearings import (
    Bearings,
    BearingSensors,
    bearing_from_local,
    bearing_predict,
    bearing_residual,
    bearings_from_reports,
)
from skyfuse.tracking.passive.delay import emission_jacobian, emission_offset, travel_time
from skyfuse.tracking.passive.oosm import (
    cross_update,
    cv_process_noise,
    cv_transition,
    delayed_bearing_update,
    retrodict,
    update_record,
)


def _bearings(origin: np.ndarray, rot: np.ndarray, z: np.ndarray, c: float, t: float) -> Bearings:
    n = origin.shape[0]
    return Bearings(
        index=np.arange(n, dtype=np.int64),
        det_id=np.arange(n, dtype=np.int64),
        time=np.full(n, t),
        sensor=np.zeros(n, np.int32),
        kind=np.ones(n, np.int8),
        az=z[:, 0],
        el=z[:, 1],
        sigma_az=np.full(n, np.radians(2.0)),
        sigma_el=np.where(np.isfinite(z[:, 1]), np.radians(4.0), np.nan),
        origin=origin,
        rotation=rot,
        speed_of_sound=np.full(n, c),
        min_range=np.zeros(n),
        max_range=np.full(n, 5000.0),
        frequency=np.full(n, np.nan),
        sigma_frequency=np.full(n, np.nan),
        rssi=np.full(n, np.nan),
    )


def test_bearing_of_known_directions() -> None:
    local = np.array([[0.0, 100.0, 0.0], [100.0, 0.0, 100.0], [-1.0, -1.0, 0.0]])
    az, el = bearing_from_local(local)
    np.testing.assert_allclose(az, [0.0, np.pi / 2, 1.25 * np.pi])
    np.testing.assert_allclose(el, [0.0, np.pi / 4, 0.0])


def test_residual_wraps_azimuth_across_north() -> None:
    r = bearing_residual(np.array([[np.radians(1.0), 0.1]]), np.array([[np.radians(359.0), 0.0]]))
    np.testing.assert_allclose(r, [[np.radians(2.0), 0.1]])


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-5000, 5000),
    st.floats(-5000, 5000),
    st.floats(20, 4000),
    st.floats(-60, 60),
    st.floats(-170, 170),
)
def test_jacobian_matches_finite_differences(
    e: float, n: float, u: float, lat: float, lon: float
) -> None:
    """Working-frame Jacobian on a WGS-84 sensor (rotated local frame) vs central differences."""
    if np.hypot(e, n) < 50.0:
        return
    origin = ecef_from_geodetic(lat, lon, 100.0)[None]
    rot = enu_rotation(lat, lon)[None]
    x = origin + np.array([e, n, u]) @ rot[0]  # local ENU offset -> ECEF
    _, H = bearing_predict(x, origin, rot)
    eps = 1e-3
    num = np.zeros((2, 3))
    for k in range(3):
        d = np.zeros((1, 3))
        d[0, k] = eps
        zp, _ = bearing_predict(x + d, origin, rot)
        zm, _ = bearing_predict(x - d, origin, rot)
        num[:, k] = bearing_residual(zp, zm)[0] / (2 * eps)
    np.testing.assert_allclose(H[0], num, rtol=1e-5, atol=1e-10)


def test_bearings_from_mixed_demo(mixed_scenario: Path) -> None:
    inp = read_tracker_inputs(mixed_scenario)
    b = bearings_from_reports(inp.reports, BearingSensors.build(inp.catalog))
    assert len(b) == 247 + 1315 + 53  # acoustic + rf_df + eo_ir in meta.json
    ac = b.kind == 1
    np.testing.assert_allclose(b.sigma_az[ac], np.radians(3.0))
    assert np.all(np.isfinite(b.speed_of_sound[ac])) and np.all(np.isinf(b.speed_of_sound[~ac]))
    rf = b.kind == 2
    assert np.all(np.isnan(b.el[rf])) and np.all(b.frequency[rf] > 400.0)


def test_bearing_without_noise_is_rejected(mixed_scenario: Path) -> None:
    inp = read_tracker_inputs(mixed_scenario)
    rep = inp.reports.take(np.flatnonzero(inp.catalog.kind[inp.reports.sensor] == 1)[:3])
    bad = Reports(
        det_id=rep.det_id,
        time=rep.time,
        sensor=rep.sensor,
        values={**rep.values, "azimuth_deg": np.array([10.0, np.nan, 20.0])},
        line=np.array([5, 6, 7]),
    )
    with pytest.raises(InputError, match="azimuth_deg") as e:
        bearings_from_reports(bad, BearingSensors.build(inp.catalog), source="d.jsonl")
    assert e.value.line == 6


def _truth_travel(p: np.ndarray, v: np.ndarray, ta: float, ps: np.ndarray, c: float) -> float:
    """Brute-force root of |p + v s' - ps| = c (ta - s') on a fine grid then bisection."""
    f = lambda tau: np.linalg.norm(p + v * tau - ps) - c * (ta - tau)  # noqa: E731
    lo, hi = -100.0, ta
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid) > 0:
            hi = mid
        else:
            lo = mid
    return ta - 0.5 * (lo + hi)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(-4000, 4000),
    st.floats(-4000, 4000),
    st.floats(0, 3000),
    st.floats(-60, 60),
    st.floats(-60, 60),
    st.floats(0.0, 10.0),
)
def test_travel_time_solves_the_delay_equation(
    x: float, y: float, z: float, vx: float, vy: float, ta: float
) -> None:
    p = np.array([[x, y, z]])
    v = np.array([[vx, vy, 0.0]])
    ps = np.array([[100.0, -50.0, 2.0]])
    s = travel_time(p, v, np.zeros(1), np.array([ta]), ps, np.array([343.0]))
    assert s[0] == pytest.approx(_truth_travel(p[0], v[0], ta, ps[0], 343.0), abs=1e-7)
    emit = p + v * (ta - s)[:, None]
    assert np.linalg.norm(emit - ps) == pytest.approx(343.0 * s[0], rel=1e-9, abs=1e-6)


def test_stationary_target_delay_is_range_over_c() -> None:
    s = travel_time(
        np.array([[3430.0, 0, 0]]),
        np.zeros((1, 3)),
        np.zeros(1),
        np.array([20.0]),
        np.zeros((1, 3)),
        np.array([343.0]),
    )
    assert s[0] == pytest.approx(10.0)
    s_rf = travel_time(
        np.array([[3430.0, 0, 0]]),
        np.zeros((1, 3)),
        np.zeros(1),
        np.array([20.0]),
        np.zeros((1, 3)),
        np.array([np.inf]),
    )
    assert s_rf[0] == 0.0


def test_emission_jacobian_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-3000, 3000, 3), rng.uniform(-50, 50, 3)])[None]
    ps = np.array([[0.0, 0.0, 2.0]])
    c, ta = np.array([343.0]), np.array([4.0])

    def emit(s: np.ndarray) -> np.ndarray:
        d = emission_offset(s[:, :3], s[:, 3:], np.zeros(1), ta, ps, c)
        return np.asarray(s[:, :3] + s[:, 3:] * d[:, None])

    d0 = emission_offset(x[:, :3], x[:, 3:], np.zeros(1), ta, ps, c)
    J = emission_jacobian(emit(x), x[:, 3:], d0, ps, c)
    num = np.zeros((3, 6))
    for k in range(6):
        e = np.zeros((1, 6))
        e[0, k] = 1e-3
        num[:, k] = (emit(x + e) - emit(x - e))[0] / 2e-3
    np.testing.assert_allclose(J[0], num, rtol=1e-6, atol=1e-8)


def _kf(x: np.ndarray, P: np.ndarray, z: np.ndarray, H: np.ndarray, R: np.ndarray):  # type: ignore[no-untyped-def]
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    return x + K @ (z - H @ x), P - K @ S @ K.T, S, z - H @ x


def test_a1_equals_in_sequence_filtering() -> None:
    """One-step-lag OOSM with the update record reproduces the in-order Kalman filter exactly."""
    rng = np.random.default_rng(7)
    q = 2.0
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    R = np.eye(3) * 25.0
    x0 = np.array([0.0, 0, 500, 40, -10, 0])
    P0 = np.diag([100.0, 100, 100, 25, 25, 25])
    t1, td, t2 = 1.0, 1.6, 2.0
    z1, zd, z2 = (rng.normal(0, 5, 3) + x0[:3] + x0[3:] * t for t in (t1, td, t2))

    def pred(x: np.ndarray, P: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        F = cv_transition(np.array([dt]))[0]
        return F @ x, F @ P @ F.T + cv_process_noise(np.array([dt]), q)[0]

    # In order: t1, td, t2.
    x, P = pred(x0, P0, t1)
    x, P, _, _ = _kf(x, P, z1, H, R)
    xa, Pa = pred(x, P, td - t1)
    xa, Pa, _, _ = _kf(xa, Pa, zd, H, R)
    xa, Pa = pred(xa, Pa, t2 - td)
    xa, Pa, _, _ = _kf(xa, Pa, z2, H, R)
    # Out of order: t1, t2, then td late.
    xb, Pb_prior = pred(x, P, t2 - t1)
    xb, Pb, S, nu = _kf(xb, Pb_prior, z2, H, R)
    rec = update_record(
        np.array([t2]), np.array([t1]), Pb_prior[None], H[None], np.linalg.inv(S)[None], nu[None]
    )
    x_d, P_d, C = retrodict(xb[None], Pb[None], np.array([t2]), np.array([td - t2]), q, rec)
    xc, Pc, _ = cross_update(xb[None], Pb[None], P_d, C, H[None], (zd - H @ x_d[0])[None], R[None])
    np.testing.assert_allclose(xc[0], xa, atol=1e-8)
    np.testing.assert_allclose(Pc[0], Pa, atol=1e-8)


def test_late_acoustic_report_improves_track() -> None:
    """A bearing heard 8 s late (emission 9 s before the state) shrinks error and covariance."""
    rng = np.random.default_rng(3)
    truth0 = np.array([2000.0, 1500.0, 800.0, -50.0, 0.0, 0.0])  # at t = 0
    t_state = 12.0
    truth_t = truth0 + np.r_[truth0[3:] * t_state, np.zeros(3)]
    sensor = np.array([[0.0, -500.0, 2.0]])
    P = np.diag([300.0**2, 300.0**2, 200.0**2, 10.0**2, 10.0**2, 5.0**2])
    x = truth_t + rng.multivariate_normal(np.zeros(6), P)
    x[:3] = truth_t[:3] + np.array([250.0, -200.0, 100.0])  # a clearly wrong start
    # Sound emitted at tau = 3 s, arriving after range/c.
    tau = 3.0
    emit = truth0[:3] + truth0[3:] * tau
    ta = tau + np.linalg.norm(emit - sensor[0]) / 343.0
    az, el = bearing_from_local((emit - sensor[0])[None])
    errs, spreads = [], []
    xs, Ps = x[None], P[None]
    for _ in range(1):
        b = _bearings(sensor, np.eye(3)[None], np.c_[az, el], 343.0, ta)
        up = delayed_bearing_update(xs, Ps, np.array([t_state]), b, 0.5)
        assert up.emission_time[0] == pytest.approx(tau, abs=1.0)
        errs.append(np.linalg.norm(up.x[0, :3] - truth_t[:3]))
        spreads.append(np.trace(up.P[0, :3, :3]))
    assert errs[0] < np.linalg.norm(x[:3] - truth_t[:3])
    assert spreads[0] < np.trace(P[:3, :3])
    assert np.all(np.linalg.eigvalsh(up.P[0]) > 0)


def test_delay_matters_for_acoustic() -> None:
    """Treating the emission as instantaneous (c = inf) biases a 50 m/s target by ~r v / c."""
    sensor = np.array([[0.0, 0.0, 0.0]])
    truth = np.array([3000.0, 0.0, 0.0, 0.0, 50.0, 0.0])  # at t = 0, flying north
    s = 3000.0 / 343.0
    az, el = bearing_from_local(truth[None, :3])
    P = np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])
    x_now = truth + np.r_[truth[3:] * s, np.zeros(3)]  # state at arrival time
    for c, ok in ((343.0, True), (np.inf, False)):
        b = _bearings(sensor, np.eye(3)[None], np.c_[az, el], c, s)
        up = delayed_bearing_update(x_now[None], P[None], np.array([s]), b, 0.1)
        assert (abs(up.residual[0, 0]) < 1e-6) == ok
