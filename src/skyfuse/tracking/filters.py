"""Kalman-filter maths over stacked tracks: constant-velocity motion, predict, (E)KF update, IMM.

Pure functions over NumPy arrays with leading batch dimensions: states ``x (..., 6)`` and
covariances ``P (..., 6, 6)`` in the working frame (metres, m/s; see `skyfuse.geo.WorkFrame`).
Nothing here mutates its arguments. Symbols follow Bar-Shalom, Li & Kirubarajan, *Estimation
with Applications to Tracking and Navigation* (2001): ``F`` transition, ``Q`` process noise,
``H`` measurement Jacobian, ``R`` measurement noise, ``S = H P H' + R`` innovation covariance,
``K = P H' S^-1`` gain.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

LOG_2PI = float(np.log(2.0 * np.pi))


def cv_transition(dt: float) -> F64:
    """Constant-velocity transition matrix F (6, 6) over ``dt`` seconds: p' = p + dt v."""
    F = np.eye(6)
    F[0, 3] = F[1, 4] = F[2, 5] = dt
    return F


def acceleration_density(up: F64, q_h: float, q_v: float) -> F64:
    """Spectral density (..., 3, 3) of white acceleration noise, m^2/s^3, in the working frame.

    ``q_h`` applies to the local horizontal plane and ``q_v`` along the local up unit vectors
    ``up (..., 3)``: ``Qa = q_h (I - u u') + q_v u u'``.
    """
    uu = up[..., :, None] * up[..., None, :]
    return np.asarray(q_h * (np.eye(3) - uu) + q_v * uu)


def cv_process_noise(dt: float, qa: F64) -> F64:
    """Discretised continuous white-noise-acceleration process noise Q (..., 6, 6).

    ``qa (..., 3, 3)`` is the acceleration spectral density (m^2/s^3, see
    `acceleration_density`); blocks are ``[[dt^3/3, dt^2/2], [dt^2/2, dt]] (x) Qa``
    (Bar-Shalom et al. 2001, section 6.2.2).
    """
    Q = np.empty((*qa.shape[:-2], 6, 6))
    Q[..., :3, :3] = qa * (dt**3 / 3.0)
    Q[..., :3, 3:] = qa * (dt**2 / 2.0)
    Q[..., 3:, :3] = qa * (dt**2 / 2.0)
    Q[..., 3:, 3:] = qa * dt
    return Q


def predict(x: F64, P: F64, F: F64, Q: F64) -> tuple[F64, F64]:
    """Kalman prediction ``x' = F x``, ``P' = F P F' + Q`` over stacked tracks."""
    xp = np.einsum("ij,...j->...i", F, x)
    Pp = F @ P @ F.T + Q
    return xp, 0.5 * (Pp + np.swapaxes(Pp, -1, -2))


def innovation_cov(P: F64, H: F64, R: F64) -> F64:
    """Innovation covariance ``S = H P H' + R`` (..., d, d)."""
    S = H @ P @ np.swapaxes(H, -1, -2) + R
    return np.asarray(0.5 * (S + np.swapaxes(S, -1, -2)))


def inv_logdet(S: F64) -> tuple[F64, F64]:
    """Inverses and log-determinants of symmetric positive-definite matrices ``S (..., d, d)``.

    For d = 3 (every 3-D position or polar measurement) the closed-form adjugate over stacked
    arrays replaces one LAPACK call per matrix, which dominates for thousands of small matrices.
    """
    if S.shape[-1] != 3:
        _, logdet = np.linalg.slogdet(S)
        return np.asarray(np.linalg.inv(S)), np.asarray(logdet)
    a, b, c = S[..., 0, 0], S[..., 0, 1], S[..., 0, 2]
    d, e, f = S[..., 1, 1], S[..., 1, 2], S[..., 2, 2]
    A = d * f - e * e
    B = c * e - b * f
    C = b * e - c * d
    det = a * A + b * B + c * C
    inv = np.empty_like(S)
    inv[..., 0, 0] = A
    inv[..., 0, 1] = inv[..., 1, 0] = B
    inv[..., 0, 2] = inv[..., 2, 0] = C
    inv[..., 1, 1] = a * f - c * c
    inv[..., 1, 2] = inv[..., 2, 1] = b * c - a * e
    inv[..., 2, 2] = a * d - b * b
    inv /= det[..., None, None]
    return inv, np.asarray(np.log(det))


def mahalanobis2(nu: F64, S: F64) -> F64:
    """Squared Mahalanobis distances ``nu' S^-1 nu`` (...,) of innovations ``nu (..., d)``."""
    Si, _ = inv_logdet(S)
    return np.asarray(np.einsum("...i,...ij,...j->...", nu, Si, nu))


def gaussian_loglik(nu: F64, S: F64) -> F64:
    """Log of the Gaussian density N(nu; 0, S) (...,), for innovations ``nu (..., d)``."""
    d = nu.shape[-1]
    Si, logdet = inv_logdet(S)
    m2 = np.einsum("...i,...ij,...j->...", nu, Si, nu)
    return np.asarray(-0.5 * (m2 + logdet + d * LOG_2PI))


def kalman_update(x: F64, P: F64, nu: F64, H: F64, R: F64) -> tuple[F64, F64, F64]:
    """(E)KF update with innovation ``nu = z - h(x)`` (angles already wrapped by the model).

    Returns the updated ``x``, ``P`` and the Gaussian log-likelihood ``ln N(nu; 0, S)``.
    The covariance uses the Joseph form ``(I - K H) P (I - K H)' + K R K'``, which stays
    symmetric positive definite under round-off (Bar-Shalom et al. 2001, eq. 5.2.3-18); with a
    linear ``H`` this is exactly the Kalman filter.
    """
    S = innovation_cov(P, H, R)
    Si, logdet = inv_logdet(S)
    K = P @ np.swapaxes(H, -1, -2) @ Si
    Sinu = np.einsum("...ij,...j->...i", Si, nu)
    xn = x + np.einsum("...ij,...j->...i", K, nu)
    IKH = np.eye(x.shape[-1]) - K @ H
    Pn = IKH @ P @ np.swapaxes(IKH, -1, -2) + K @ R @ np.swapaxes(K, -1, -2)
    Pn = 0.5 * (Pn + np.swapaxes(Pn, -1, -2))
    ll = -0.5 * (np.einsum("...i,...i->...", nu, Sinu) + logdet + nu.shape[-1] * LOG_2PI)
    return np.asarray(xn), np.asarray(Pn), np.asarray(ll)


# -- IMM ---------------------------------------------------------------------------------------


def mode_transition(dt: float, sojourn_s: F64) -> F64:
    """IMM Markov matrix ``Pi[i, j] = P(mode j at t + dt | mode i at t)`` (M, M).

    Mode i is kept with probability ``exp(-dt / sojourn_s[i])`` (mean sojourn time, s); the rest
    is spread evenly over the other modes. ``dt = 0`` gives the identity.
    """
    m = sojourn_s.shape[0]
    stay = np.exp(-dt / sojourn_s)
    if m == 1:
        return np.ones((1, 1))
    Pi = np.repeat(((1.0 - stay) / (m - 1))[:, None], m, axis=1)
    Pi[np.arange(m), np.arange(m)] = stay
    return Pi


def imm_mix(xm: F64, Pm: F64, mu: F64, Pi: F64) -> tuple[F64, F64, F64]:
    """IMM interaction step over stacked tracks.

    Args:
        xm: (n, M, 6) mode-conditioned states; Pm: (n, M, 6, 6) their covariances.
        mu: (n, M) mode probabilities; Pi: (M, M) mode transition matrix.

    Returns:
        x0 (n, M, 6), P0 (n, M, 6, 6) mixed initial conditions for each mode, and the predicted
        mode probabilities ``c (n, M) = mu @ Pi``.
    """
    n, m = mu.shape
    c = mu @ Pi
    w = mu[:, :, None] * Pi[None, :, :] / np.maximum(c[:, None, :], 1e-300)  # w[n, i, j]
    if m == 2:
        # Two modes: x0_j = w_0j x_0 + w_1j x_1 and the spread term is w_0j w_1j dd',
        # d = x_0 - x_1 (closed form of sum_i w_ij (x_i - x0_j)(x_i - x0_j)').
        w0, w1 = w[:, 0, :, None], w[:, 1, :, None]  # (n, j, 1)
        x0 = w0 * xm[:, None, 0] + w1 * xm[:, None, 1]
        d = xm[:, 0] - xm[:, 1]
        dd = d[:, :, None] * d[:, None, :]
        P0 = (
            w0[..., None] * Pm[:, None, 0]
            + w1[..., None] * Pm[:, None, 1]
            + (w0 * w1)[..., None] * dd[:, None]
        )
        return x0, P0, c
    wt = np.swapaxes(w, 1, 2)  # [n, j, i]
    x0 = wt @ xm  # (n, j, 6)
    dm = xm[:, None, :, :] - x0[:, :, None, :]  # (n, j, i, 6)
    # Stacked small matrix products: sum_i w_ij (P_i + d_ij d_ij').
    P0 = (wt @ Pm.reshape(n, m, -1)).reshape(Pm.shape) + np.swapaxes(
        wt[..., None] * dm, -1, -2
    ) @ dm
    return x0, P0, c


def imm_combine(xm: F64, Pm: F64, mu: F64) -> tuple[F64, F64]:
    """Moment-matched output of an IMM: x (n, 6), P (n, 6, 6) from modes (n, M, ...)."""
    n, m = mu.shape
    if m == 2:
        # x = mu_0 x_0 + mu_1 x_1, P = mu_0 P_0 + mu_1 P_1 + mu_0 mu_1 dd', d = x_0 - x_1.
        u0, u1 = mu[:, 0, None], mu[:, 1, None]
        x = u0 * xm[:, 0] + u1 * xm[:, 1]
        d = xm[:, 0] - xm[:, 1]
        u0, u1 = u0[..., None], u1[..., None]
        P = u0 * Pm[:, 0] + u1 * Pm[:, 1] + (u0 * u1) * (d[:, :, None] * d[:, None, :])
        return x, P
    x = (mu[:, None, :] @ xm)[:, 0]
    dm = xm - x[:, None, :]
    P = (mu[:, None, :] @ Pm.reshape(n, m, -1)).reshape(Pm.shape[0], *Pm.shape[2:])
    P += np.swapaxes(mu[..., None] * dm, 1, 2) @ dm
    return x, P


def cv_predict(x: F64, P: F64, dt: float, qa: F64) -> tuple[F64, F64]:
    """Constant-velocity prediction ``F x``, ``F P F' + Q`` over ``dt`` seconds, stacked.

    ``x (..., 6)``, ``P (..., 6, 6)``; ``qa (..., 3, 3)`` acceleration density
    (`acceleration_density`, broadcast against P's leading dimensions). The covariance goes
    through one matrix product on flattened rows, ``vec(F P F') = (F kron F) vec(P)``, and Q
    (`cv_process_noise`) is linear in ``qa`` the same way: a few large operations instead of
    thousands of 6x6 products.
    """
    F = cv_transition(dt)
    g = np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]])
    # K[(i, j), (a, k, b, l)] = g[a, b] if (k, l) == (i, j): Qa block (i, j) -> Q entries.
    K = np.einsum("ab,ik,jl->ijakbl", g, np.eye(3), np.eye(3)).reshape(9, 36)
    Pn = (P.reshape(-1, 36) @ np.kron(F, F).T).reshape(*P.shape[:-2], 36)
    Pn = Pn + qa.reshape(*qa.shape[:-2], 9) @ K
    return np.asarray(x @ F.T), np.asarray(Pn.reshape(*Pn.shape[:-1], 6, 6))


def mode_acceleration_density(up: F64, q: F64) -> F64:
    """Acceleration densities (..., M, 3, 3) of M modes at local up vectors ``up (..., 3)``:
    ``q_h I + (q_v - q_h) u u'`` with ``q (M, 2)`` horizontal and vertical densities, m^2/s^3."""
    uu = up[..., :, None] * up[..., None, :]
    q_h = q[:, 0, None, None]
    return np.asarray(q_h * np.eye(3) + (q[:, 1, None, None] - q_h) * uu[..., None, :, :])


def imm_mode_update(c: F64, loglik: F64) -> F64:
    """Posterior mode probabilities ``mu_j ~ c_j N_j`` (n, M) from mode log-likelihoods."""
    a = loglik - loglik.max(axis=1, keepdims=True)
    w = c * np.exp(a)
    return np.asarray(w / w.sum(axis=1, keepdims=True))
