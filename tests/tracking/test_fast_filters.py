"""Closed forms on the prediction hot path against the plain matrix definitions."""

from __future__ import annotations

import numpy as np
import pytest

from skyfuse.tracking.filters import (
    acceleration_density,
    cv_predict,
    cv_process_noise,
    cv_transition,
    imm_combine,
    imm_mix,
    mode_acceleration_density,
    mode_transition,
)


def _tracks(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xm = rng.normal(size=(n, m, 6)) * 50.0
    A = rng.normal(size=(n, m, 6, 6))
    Pm = A @ np.swapaxes(A, -1, -2) + np.eye(6)
    mu = rng.dirichlet(np.ones(m), n)
    return xm, Pm, mu


def _mix_by_definition(xm, Pm, mu, Pi):  # type: ignore[no-untyped-def]
    c = mu @ Pi
    w = mu[:, :, None] * Pi[None] / c[:, None, :]
    x0 = np.einsum("nij,nik->njk", w, xm)
    d = xm[:, :, None, :] - x0[:, None, :, :]
    P0 = np.einsum("nij,nikl->njkl", w, Pm) + np.einsum("nij,nijk,nijl->njkl", w, d, d)
    return x0, P0, c


@pytest.mark.parametrize("m", [2, 3])
def test_imm_mix_and_combine_equal_the_definitions(m: int) -> None:
    xm, Pm, mu = _tracks(40, m)
    Pi = mode_transition(0.7, np.linspace(30.0, 5.0, m))
    for got, want in zip(imm_mix(xm, Pm, mu, Pi), _mix_by_definition(xm, Pm, mu, Pi), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    x, P = imm_combine(xm, Pm, mu)
    xw = np.einsum("nm,nmk->nk", mu, xm)
    d = xm - xw[:, None]
    Pw = np.einsum("nm,nmkl->nkl", mu, Pm) + np.einsum("nm,nmk,nml->nkl", mu, d, d)
    np.testing.assert_allclose(x, xw, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(P, Pw, rtol=1e-12, atol=1e-9)


def test_cv_predict_equals_f_p_ft_plus_q() -> None:
    xm, Pm, _ = _tracks(30, 2, seed=4)
    rng = np.random.default_rng(5)
    up = rng.normal(size=(30, 3))
    up /= np.linalg.norm(up, axis=1)[:, None]
    q = np.array([[0.5, 0.05], [40.0, 4.0]])
    qa = mode_acceleration_density(up, q)
    want_qa = np.stack([acceleration_density(up, qh, qv) for qh, qv in q], axis=1)
    np.testing.assert_allclose(qa, want_qa, atol=1e-12)
    for dt in (0.1, 2.5):
        F = cv_transition(dt)
        x, P = cv_predict(xm, Pm, dt, qa)
        np.testing.assert_allclose(x, xm @ F.T, atol=1e-9)
        np.testing.assert_allclose(P, F @ Pm @ F.T + cv_process_noise(dt, want_qa), rtol=1e-12)
    # One shared density (flat frame) broadcasts over the tracks.
    _, P1 = cv_predict(xm, Pm, 1.0, mode_acceleration_density(np.array([0.0, 0.0, 1.0]), q))
    assert P1.shape == Pm.shape
