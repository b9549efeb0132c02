"""Filter maths against closed forms: CV prediction, Kalman update, polar Jacobian, IMM."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from skyfuse.core.reports import Reports
from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Frame, SensorsFile, SensorSpec
from skyfuse.tracking.filters import (
    acceleration_density,
    cv_process_noise,
    cv_transition,
    gaussian_loglik,
    imm_combine,
    imm_mix,
    imm_mode_update,
    kalman_update,
    mode_transition,
    predict,
)
from skyfuse.tracking.models import PositionModel, RadarModel, polar_jacobian_local

RNG = np.random.default_rng(7)


def _spd(n: int, k: int = 6) -> np.ndarray:
    A = RNG.normal(size=(n, k, k))
    return A @ np.swapaxes(A, 1, 2) + k * np.eye(k)


def _catalog(geodetic: bool) -> SensorCatalog:
    sig = {"range_m": 10.0, "azimuth_deg": 0.2, "elevation_deg": 0.2}
    if geodetic:
        spec = SensorSpec(
            sensor_id="r", kind="radar", position_wgs84=(48.0, 35.0, 120.0), noise_sigma=sig
        )
        return SensorCatalog.build(SensorsFile(frame=Frame(type="WGS84"), sensors=[spec]))
    spec = SensorSpec(
        sensor_id="r", kind="radar", position_enu_m=(100.0, -50.0, 10.0), noise_sigma=sig
    )
    return SensorCatalog.build(SensorsFile(frame=Frame(type="ENU"), sensors=[spec]))


def test_cv_predict_matches_closed_form() -> None:
    dt = 2.5
    x = np.array([[1.0, 2.0, 3.0, 10.0, -5.0, 0.5]])
    q_h, q_v = 4.0, 0.25
    qa = acceleration_density(np.array([0.0, 0.0, 1.0]), q_h, q_v)
    Q = cv_process_noise(dt, qa)
    P = _spd(1)
    xp, Pp = predict(x, P, cv_transition(dt), Q)
    assert xp[0] == pytest.approx([1.0 + 25.0, 2.0 - 12.5, 3.0 + 1.25, 10.0, -5.0, 0.5])
    # Closed-form blocks for the horizontal axis x (q_h) and the vertical axis z (q_v).
    assert Q[0, 0] == pytest.approx(q_h * dt**3 / 3)
    assert Q[0, 3] == pytest.approx(q_h * dt**2 / 2)
    assert Q[3, 3] == pytest.approx(q_h * dt)
    assert Q[2, 2] == pytest.approx(q_v * dt**3 / 3)
    assert Q[5, 5] == pytest.approx(q_v * dt)
    assert Q[0, 1] == 0.0 and Q[0, 2] == 0.0
    F = np.eye(6)
    F[:3, 3:] = dt * np.eye(3)
    np.testing.assert_allclose(Pp[0], F @ P[0] @ F.T + Q, rtol=1e-12)


def test_process_noise_split_follows_local_up() -> None:
    up = np.array([0.0, 0.6, 0.8])
    qa = acceleration_density(up, 9.0, 1.0)
    assert up @ qa @ up == pytest.approx(1.0)
    horiz = np.array([1.0, 0.0, 0.0])
    assert horiz @ qa @ horiz == pytest.approx(9.0)
    assert np.linalg.eigvalsh(qa) == pytest.approx([1.0, 9.0, 9.0])


def test_kalman_update_linear_equals_textbook_kalman_filter() -> None:
    n = 5
    x = RNG.normal(size=(n, 6))
    P = _spd(n)
    H = RNG.normal(size=(n, 3, 6))
    R = _spd(n, 3)
    z = RNG.normal(size=(n, 3))
    nu = z - np.einsum("nij,nj->ni", H, x)
    xn, Pn, ll = kalman_update(x, P, nu, H, R)
    for i in range(n):
        S = H[i] @ P[i] @ H[i].T + R[i]
        K = P[i] @ H[i].T @ np.linalg.inv(S)
        np.testing.assert_allclose(xn[i], x[i] + K @ nu[i], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(Pn[i], (np.eye(6) - K @ H[i]) @ P[i], rtol=1e-8, atol=1e-9)
        assert ll[i] == pytest.approx(multivariate_normal(np.zeros(3), S).logpdf(nu[i]))


def test_gaussian_loglik_matches_scipy() -> None:
    S = _spd(4, 3)
    nu = RNG.normal(size=(4, 3))
    got = gaussian_loglik(nu, S)
    want = [multivariate_normal(np.zeros(3), S[i]).logpdf(nu[i]) for i in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("geodetic", [False, True])
def test_radar_jacobian_matches_finite_differences(geodetic: bool) -> None:
    cat = _catalog(geodetic)
    model = RadarModel()
    base = cat.position[0]
    rot = cat.rotation[0]
    local = np.array([[3000.0, -4000.0, 800.0], [-200.0, 150.0, 60.0], [10.0, 9000.0, -100.0]])
    x = np.zeros((3, 6))
    x[:, :3] = base + local @ rot  # local -> working frame
    x[:, 3:] = RNG.normal(size=(3, 3))
    sensor = np.zeros(3, np.int32)
    zhat, H = model.predict(x, sensor, cat)
    np.testing.assert_allclose(zhat[:, 0], np.linalg.norm(local, axis=1), rtol=1e-9)
    for j in range(6):
        h = 1e-3
        xp, xm = x.copy(), x.copy()
        xp[:, j] += h
        xm[:, j] -= h
        num = model.residual(model.predict(xp, sensor, cat)[0], model.predict(xm, sensor, cat)[0])
        np.testing.assert_allclose(H[:, :, j], num / (2 * h), rtol=1e-5, atol=1e-10)


def test_polar_jacobian_closed_form_on_axes() -> None:
    # Target due North at range r, on the horizon: d(az)/d(east) = 1/r, d(el)/d(up) = 1/r.
    r = 5000.0
    J = polar_jacobian_local(np.array([[0.0, r, 0.0]]))[0]
    want = np.array([[0.0, 1.0, 0.0], [1 / r, 0.0, 0.0], [0.0, 0.0, 1 / r]])
    np.testing.assert_allclose(J, want, atol=1e-15)


def test_azimuth_residual_wraps_across_north() -> None:
    model = RadarModel()
    z = np.array([[1000.0, np.radians(0.1), 0.0]])
    zhat = np.array([[1000.0, np.radians(359.9), 0.0]])
    assert np.degrees(model.residual(z, zhat)[0, 1]) == pytest.approx(0.2)
    assert np.degrees(model.residual(zhat, z)[0, 1]) == pytest.approx(-0.2)


def test_radar_measure_points_and_position_model_geodetic() -> None:
    cat = _catalog(True)
    rep = Reports(
        det_id=np.array([1], np.int64),
        time=np.zeros(1),
        sensor=np.zeros(1, np.int32),
        values={"range_m": np.array([5000.0]), "azimuth_deg": [90.0], "elevation_deg": [0.0]},  # type: ignore[dict-item]
    )
    m = RadarModel().measure(rep, cat)
    # Round trip: the point predicts back to the measurement.
    zhat, _ = RadarModel().predict(np.concatenate([m.point, np.zeros((1, 3))], 1), m.sensor, cat)
    np.testing.assert_allclose(zhat[0], [5000.0, np.pi / 2, 0.0], atol=1e-7)
    # Position model: lat/lon/alt -> ECEF with an isotropic local covariance.
    cat_p = SensorCatalog.build(
        SensorsFile(
            frame=Frame(type="WGS84"),
            sensors=[
                SensorSpec(
                    sensor_id="a",
                    kind="adsb",
                    position_wgs84=(48.0, 35.0, 0.0),
                    noise_sigma={"pos_m": 20.0},
                )
            ],
        )
    )
    rp = Reports(
        det_id=np.array([1], np.int64),
        time=np.zeros(1),
        sensor=np.zeros(1, np.int32),
        values={
            "lat_deg": np.array([48.1]),
            "lon_deg": np.array([35.2]),
            "alt_m": np.array([900.0]),
        },
    )
    mp = PositionModel().measure(rp, cat_p)
    np.testing.assert_allclose(mp.z[0], ecef_from_geodetic(48.1, 35.2, 900.0), atol=1e-6)
    np.testing.assert_allclose(np.linalg.eigvalsh(mp.R[0]), [400.0] * 3, rtol=1e-9)


def test_mode_transition_rows_and_limits() -> None:
    soj = np.array([30.0, 5.0])
    assert mode_transition(0.0, soj) == pytest.approx(np.eye(2))
    Pi = mode_transition(1.0, soj)
    np.testing.assert_allclose(Pi.sum(axis=1), 1.0)
    assert Pi[0, 0] == pytest.approx(np.exp(-1 / 30))
    assert Pi[1, 1] == pytest.approx(np.exp(-1 / 5))


def test_imm_mix_and_combine_preserve_moments() -> None:
    n = 4
    xm = RNG.normal(size=(n, 2, 6))
    Pm = np.stack([_spd(n), _spd(n)], axis=1)
    mu = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [1.0, 0.0]])
    Pi = mode_transition(1.0, np.array([30.0, 5.0]))
    x0, P0, c = imm_mix(xm, Pm, mu, Pi)
    np.testing.assert_allclose(c.sum(axis=1), 1.0)
    # The c-weighted mixture of the mixed estimates equals the mu-weighted prior mixture.
    x_prior, P_prior = imm_combine(xm, Pm, mu)
    x_mixed, P_mixed = imm_combine(x0, P0, c)
    np.testing.assert_allclose(x_mixed, x_prior, atol=1e-12)
    np.testing.assert_allclose(P_mixed, P_prior, atol=1e-10)
    # Identical modes: combine returns that mode.
    same = np.repeat(xm[:, :1], 2, axis=1)
    Psame = np.repeat(Pm[:, :1], 2, axis=1)
    x, P = imm_combine(same, Psame, mu)
    np.testing.assert_allclose(x, xm[:, 0])
    np.testing.assert_allclose(P, Pm[:, 0])


def test_imm_mode_probabilities_follow_likelihoods() -> None:
    c = np.array([[0.8, 0.2], [0.8, 0.2]])
    ll = np.array([[0.0, 0.0], [-10.0, -1.0]])  # second track: manoeuvre mode fits far better
    mu = imm_mode_update(c, ll)
    np.testing.assert_allclose(mu.sum(axis=1), 1.0)
    np.testing.assert_allclose(mu[0], c[0])
    assert mu[1, 1] > 0.99
    w = c[1] * np.exp(ll[1])
    np.testing.assert_allclose(mu[1], w / w.sum())
