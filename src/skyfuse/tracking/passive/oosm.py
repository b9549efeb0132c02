"""Out-of-sequence (delayed) measurement updates on constant-velocity tracks, vectorised.

A track holds ``x(k|k), P(k|k)`` at time ``t_k``; a report describes the target at
``tau = t_k + delta``. For ``delta >= 0`` the report is of a future state:
``x_tau = F(delta) x_k + w`` with ``w`` independent of the track. For ``delta < 0`` (a late
report, or an acoustic report whose sound left the target seconds before ``t_k``) the state is
retrodicted with Bar-Shalom's one-step-lag algorithm A1 (IEEE TAES 38(3), 2002):

    x_k   = F(k,d) x_d + w(k,d),          w ~ N(0, Q(k,d)),   F(d,k) = F(k,d)^-1
    E[w | Z^k]            = Q H_k' S_k^-1 nu_k                    = Q g
    P_ww = cov(w | Z^k)   = Q - Q H_k' S_k^-1 H_k Q               = Q - Q M Q
    P_xw = cov(x_k, w|Z^k)= Q - P(k|k-1) H_k' S_k^-1 H_k Q        = Q - A Q
    x(d|k) = F(d,k) [x(k|k) - Q g]
    P(d|k) = F(d,k) [P(k|k) + P_ww - P_xw - P_xw'] F(d,k)'
    C      = cov(x_k, x_d | Z^k) = [P(k|k) - P_xw] F(d,k)'

and the report ``z = h(x_d) + v`` updates the current state through the cross-covariance:
``S = H P(d|k) H' + R``, ``K = C H' S^-1``, ``x += K nu``, ``P -= K S K'``. ``g, M, A`` come from
the track's last update (`UpdateRecord`); with no update since ``tau`` they are zero and A1 is
exact; when the last update's record is missing or more than one update happened after ``tau``
the B1 approximation (``g = 0``, ``P_xw = 0``, ``P_ww = Q``) is used, which overstates
``P(d|k)`` rather than trusting the late report too much.

State ``[x, y, z, vx, vy, vz]`` in the working frame (m, m/s); time in s; ``q`` is the
continuous white-acceleration spectral density, m^2/s^3 (isotropic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.tracking.passive.bearings import Bearings, bearing_predict, bearing_residual
from skyfuse.tracking.passive.delay import emission_offset, emission_position_jacobian

F64 = NDArray[np.float64]


def cv_transition(dt: F64) -> F64:
    """Constant-velocity transition matrices F(dt) (n, 6, 6); ``dt`` (n,) s, may be negative."""
    F = np.broadcast_to(np.eye(6), (dt.shape[0], 6, 6)).copy()
    for i in range(3):
        F[:, i, i + 3] = dt
    return F


def cv_process_noise(dt: F64, q: F64 | float) -> F64:
    """White-acceleration process noise Q(|dt|) (n, 6, 6), m^2 ... m^2/s^2.

    ``Q = q [[T^3/3 I, T^2/2 I], [T^2/2 I, T I]]`` with ``T = |dt|``, ``q`` m^2/s^3 (scalar or
    (n,)).
    """
    T = np.abs(dt)
    qq = np.broadcast_to(np.asarray(q, dtype=np.float64), T.shape)
    Q = np.zeros((T.shape[0], 6, 6))
    for i in range(3):
        Q[:, i, i] = qq * T**3 / 3.0
        Q[:, i, i + 3] = Q[:, i + 3, i] = qq * T**2 / 2.0
        Q[:, i + 3, i + 3] = qq * T
    return Q


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    """What A1 needs from each track's last in-sequence update (n tracks).

    Attributes:
        time: (n,) time of that update, s (NaN: no record, use B1).
        prev_time: (n,) time of the update before it, s (the report must be newer than this for
            A1 to be exact; older reports use B1).
        g: (n, 6) ``H' S^-1 nu`` of that update.
        M: (n, 6, 6) ``H' S^-1 H``.
        A: (n, 6, 6) ``P(k|k-1) H' S^-1 H``.
    """

    time: F64
    prev_time: F64
    g: F64
    M: F64
    A: F64

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> UpdateRecord:
        """The records of some tracks."""
        return UpdateRecord(
            self.time[idx], self.prev_time[idx], self.g[idx], self.M[idx], self.A[idx]
        )

    @staticmethod
    def missing(n: int) -> UpdateRecord:
        """No records (every late report falls back to B1)."""
        nan = np.full(n, np.nan)
        return UpdateRecord(
            nan, nan.copy(), np.zeros((n, 6)), np.zeros((n, 6, 6)), np.zeros((n, 6, 6))
        )


def update_record(
    time: F64, prev_time: F64, P_prior: F64, H: F64, S_inv: F64, innovation: F64
) -> UpdateRecord:
    """The record of an in-sequence update ``z = H x + v`` made at ``time`` (n,).

    ``P_prior`` (n, 6, 6) is ``P(k|k-1)``, ``H`` (n, m, 6), ``S_inv`` (n, m, m), ``innovation``
    (n, m).
    """
    HtSi = np.swapaxes(H, -1, -2) @ S_inv
    g = (HtSi @ (innovation)[..., None])[..., 0]
    M = HtSi @ H
    A = P_prior @ M
    return UpdateRecord(time.copy(), prev_time.copy(), g, M, A)


def retrodict(
    x: F64, P: F64, t_state: F64, delta: F64, q: F64 | float, record: UpdateRecord | None
) -> tuple[F64, F64, F64]:
    """State at ``tau = t_state + delta`` given the track at ``t_state``.

    Returns ``x_tau (n, 6)``, ``P_tau (n, 6, 6)`` and ``C = cov(x_t, x_tau) (n, 6, 6)``.
    ``delta >= 0``: prediction (``C = P F'``); ``delta < 0``: A1 retrodiction with the
    record where it is exact or the conservative B1 form otherwise (see the module docstring).
    """
    n = x.shape[0]
    F = cv_transition(delta)
    Q = cv_process_noise(delta, q)
    tau = t_state + delta
    rec = record if record is not None else UpdateRecord.missing(n)
    past = delta < 0.0
    # Which rows may use A1: last update at the state time with the one before it no later
    # than tau (one-step lag), or no update at all after tau (pure prediction since tau).
    updated_at_state = rec.time == t_state
    one_step = past & updated_at_state & (rec.prev_time <= tau)
    predicted_since = past & np.isfinite(rec.time) & (rec.time <= tau)
    g = np.where(one_step[:, None], rec.g, 0.0)
    M = np.where(one_step[:, None, None], rec.M, 0.0)
    A = np.where(one_step[:, None, None], rec.A, 0.0)
    exact = one_step | predicted_since
    QM = Q @ M
    P_ww = np.where(exact[:, None, None], Q - (QM @ Q), Q)
    P_xw = np.where(exact[:, None, None], Q - (A @ Q), 0.0)
    # Past rows: x_d = F(d,k) (x_k - w); future rows: x_tau = F x_k + w (w independent).
    x_src = np.where(past[:, None], x - ((Q @ (g)[..., None])[..., 0]), x)
    x_tau = (F @ (x_src)[..., None])[..., 0]
    P_src = np.where(past[:, None, None], P + P_ww - P_xw - np.swapaxes(P_xw, 1, 2), P)
    P_tau = F @ P_src @ np.swapaxes(F, -1, -2)
    P_tau = np.where(past[:, None, None], P_tau, P_tau + Q)
    P_tau = 0.5 * (P_tau + np.swapaxes(P_tau, 1, 2))
    C = np.where(past[:, None, None], P - P_xw, P) @ np.swapaxes(F, -1, -2)
    return x_tau, P_tau, C


def cross_update(
    x: F64, P: F64, P_tau: F64, C: F64, H: F64, residual: F64, R: F64
) -> tuple[F64, F64, F64]:
    """Update the current state with a report of the state at another time.

    ``H`` (n, m, 6) linearises the report about ``x_tau``; ``residual`` (n, m) is
    ``z - h(x_tau)``; ``R`` (n, m, m). Returns the new ``x, P`` and the NIS ``nu' S^-1 nu``.
    """
    S = (H @ P_tau @ np.swapaxes(H, -1, -2)) + R
    S_inv = np.linalg.inv(S)
    K = C @ np.swapaxes(H, -1, -2) @ S_inv
    x_new = x + ((K @ (residual)[..., None])[..., 0])
    P_new = P - (K @ S @ np.swapaxes(K, -1, -2))
    P_new = 0.5 * (P_new + np.swapaxes(P_new, 1, 2))
    nis = np.sum((residual) * ((S_inv) @ (residual)[..., None])[..., 0], axis=-1)
    return x_new, P_new, nis


@dataclass(frozen=True, slots=True)
class BearingUpdate:
    """Result of `delayed_bearing_update` for n track/bearing pairs.

    Attributes:
        x, P: (n, 6), (n, 6, 6) updated states at the unchanged state times.
        nis: (n,) normalised innovation squared, chi-square with `dof` degrees of freedom.
        dof: (n,) 2 for az/el, 1 for azimuth-only.
        emission_time: (n,) time the report describes (arrival minus travel time), s.
        residual: (n, 2) innovation (az, el) radians (el 0 for azimuth-only).
    """

    x: F64
    P: F64
    nis: F64
    dof: NDArray[np.int64]
    emission_time: F64
    residual: F64


def bearing_innovation(
    x: F64, P: F64, t_state: F64, bearings: Bearings, q: F64 | float, record: UpdateRecord | None
) -> tuple[F64, F64, F64, F64, F64, F64]:
    """Linearise n bearing reports about the tracks' states at their emission times.

    Row i pairs track state ``x[i]`` (time ``t_state[i]``) with bearing ``i``. Returns
    ``(P_tau, C, H, residual, R, emission_time)`` for `cross_update`: the emission time solves
    the propagation delay on the track's CV motion (no delay for RF/EO), the state is retrodicted
    (or predicted) to it, and ``H`` includes the dependence of the emission time on the state.
    Azimuth-only rows get a zero elevation row in ``H`` and residual (so they update in 1-D).
    """
    delta = emission_offset(
        x[:, :3], x[:, 3:], t_state, bearings.time, bearings.origin, bearings.speed_of_sound
    )
    x_tau, P_tau, C = retrodict(x, P, t_state, delta, q, record)
    z_pred, Hb = bearing_predict(x_tau[:, :3], bearings.origin, bearings.rotation)
    Je = emission_position_jacobian(
        x_tau[:, :3], x_tau[:, 3:], bearings.origin, bearings.speed_of_sound
    )
    H = np.zeros((len(bearings), 2, 6))
    H[:, :, :3] = Hb @ Je
    residual = bearing_residual(bearings.z(), z_pred)
    no_el = ~bearings.has_el
    H[no_el, 1, :] = 0.0
    residual[no_el, 1] = 0.0
    return P_tau, C, H, residual, bearings.noise_cov(), t_state + delta


def delayed_bearing_update(
    x: F64,
    P: F64,
    t_state: F64,
    bearings: Bearings,
    q: F64 | float,
    record: UpdateRecord | None = None,
) -> BearingUpdate:
    """Update n tracks (state at ``t_state``) with one bearing each, at the emission time.

    Acoustic bearings are applied at ``tau = t_arrival - range / c`` (solved on the track's CV
    motion), late reports of any kind by retrodiction (A1/B1); the track's state time does not
    change. Inputs are not modified.
    """
    P_tau, C, H, residual, R, t_emit = bearing_innovation(x, P, t_state, bearings, q, record)
    x_new, P_new, nis = cross_update(x, P, P_tau, C, H, residual, R)
    dof = np.where(bearings.has_el, 2, 1).astype(np.int64)
    return BearingUpdate(x_new, P_new, nis, dof, t_emit, residual)


def record_norms(record: UpdateRecord) -> tuple[F64, F64, F64]:
    """Per-track sizes of an update record for `bearing_gate_prescreen`: (|g|, ||M||_F,
    ||A||_F), each (n,); zero where the record is missing (NaN entries count as infinite)."""
    g = np.sqrt(np.einsum("ni,ni->n", record.g, record.g))
    M = np.sqrt(np.einsum("nij,nij->n", record.M, record.M))
    A = np.sqrt(np.einsum("nij,nij->n", record.A, record.A))
    return (
        np.nan_to_num(g, nan=np.inf),
        np.nan_to_num(M, nan=np.inf),
        np.nan_to_num(A, nan=np.inf),
    )


def bearing_gate_prescreen(
    pos: F64,
    vel: F64,
    t_state: F64,
    pos_var: F64,
    vel_var: F64,
    norms: tuple[F64, F64, F64],
    bearings: Bearings,
    q: F64 | float,
    gate: float,
) -> NDArray[np.bool_]:
    """Track/bearing pairs that may pass a NIS gate ``gate`` of `bearing_innovation` (n,).

    A conservative bound from per-track scalars, with no 6x6 algebra: the NIS is at least the
    azimuth part ``res_az^2 / S_az``. The retrodicted position is within ``|v| |delta| + (1 +
    |delta|) tr(Q) |g|`` of the state's (``delta`` the emission offset), so the azimuth residual
    is at least the one to the state's position minus that shift's angle; ``S_az`` is at most
    ``sigma_az^2 + lambda / r_h^2 * (1 + |v| / (c - |v|))^2`` with ``lambda`` bounding the
    retrodicted position covariance from its traces (``(sqrt(tr P_pp) + |delta| sqrt(tr
    P_vv))^2`` plus the retrodiction's Q terms bounded by the record's norms) and ``r_h`` the
    smallest horizontal range the shift allows. Pairs the bound cannot decide (near the sensor,
    fast tracks) are kept; a safety factor of 1.5 on ``S_az`` covers rounding.

    Args:
        pos, vel: (n, 3) track position (m) and velocity (m/s) at ``t_state`` (n,) s.
        pos_var, vel_var: (n,) traces of the position and velocity covariance blocks.
        norms: `record_norms` of the tracks' update records, each (n,).
        bearings: the n bearings (row i pairs with track i).
        q: CV process noise density, m^2/s^3 (scalar or (n,)).
        gate: the largest NIS threshold that will be applied.
    """
    g_norm, M_norm, A_norm = norms
    c = bearings.speed_of_sound
    delta = emission_offset(pos, vel, t_state, bearings.time, bearings.origin, c)
    ad = np.abs(delta)
    trQ = np.asarray(q) * (ad**3 + 3.0 * ad)
    speed = np.sqrt(np.einsum("ni,ni->n", vel, vel))
    shift = speed * ad + (1.0 + ad) * trQ * g_norm
    extra = trQ * (2.0 + trQ * M_norm + 2.0 * A_norm)
    lam = (np.sqrt(pos_var) + ad * np.sqrt(vel_var)) ** 2 + (1.0 + ad**2) * extra
    d = pos - bearings.origin
    R = bearings.rotation
    east = np.einsum("ni,ni->n", R[:, 0, :], d)
    north = np.einsum("ni,ni->n", R[:, 1, :], d)
    r_h = np.hypot(east, north)
    r_low = r_h - shift
    finite_c = np.isfinite(c)
    cf = np.where(finite_c, c, 1.0)
    je = np.where(finite_c, 1.0 + speed / np.maximum(cf - speed, 1e-9), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_az = bearings.sigma_az**2 + lam * (je / r_low) ** 2
        ang_shift = np.arcsin(np.clip(shift / r_h, 0.0, 1.0))
        res = np.abs((bearings.az - np.arctan2(east, north) + np.pi) % (2.0 * np.pi) - np.pi)
        miss = np.maximum(res - ang_shift, 0.0)
        reject = miss**2 > 1.5 * gate * s_az
    undecided = (r_low <= 50.0) | (finite_c & (speed >= 0.5 * cf))
    return np.asarray(~reject | undecided, dtype=bool)
