"""Acoustic propagation delay: when did the sound a sensor heard leave the target?

An acoustic report stamped with arrival time ``t_a`` at sensor ``p_s`` describes the target at the
emission time ``tau`` where

    |x(tau) - p_s| = c (t_a - tau).

On a constant-velocity track ``x(t_0 + delta) = p + v delta`` (state at ``t_0``) this is a
quadratic in the travel time ``s = t_a - tau`` with exactly one non-negative root when the target
is subsonic (``|v| < c``):

    (c^2 - |v|^2) s^2 + 2 (w . v) s - |w|^2 = 0,     w = p + v (t_a - t_0) - p_s,

solved here in closed form, vectorised over n track/report pairs. Units: metres, seconds, m/s, in
the working frame (ENU or ECEF).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def travel_time(pos: F64, vel: F64, t_state: F64, t_arrival: F64, sensor_pos: F64, c: F64) -> F64:
    """Sound travel time ``s = t_a - tau`` (n,), s, for CV states at ``t_state``.

    Args:
        pos, vel: (n, 3) position (m) and velocity (m/s) at ``t_state`` (n,) s.
        t_arrival: (n,) arrival times of the reports, s.
        sensor_pos: (n, 3) sensor positions, m.
        c: (n,) speed of sound, m/s; ``inf`` gives 0 (no delay).

    A track whose speed is not below ``0.9 c`` (a diverging tentative track: real targets are
    subsonic) has its velocity scaled to ``0.9 c`` for this computation, so the root stays unique.
    """
    finite = np.isfinite(c)
    c_f = np.where(finite, c, 1.0)
    speed = np.linalg.norm(vel, axis=1)
    scale = np.where(finite & (speed > 0.9 * c_f), 0.9 * c_f / np.maximum(speed, 1e-12), 1.0)
    vel = vel * scale[:, None]
    w = pos + vel * (t_arrival - t_state)[:, None] - sensor_pos
    w2 = np.einsum("ni,ni->n", w, w)
    v2 = np.einsum("ni,ni->n", vel, vel)
    A = np.where(finite, c_f * c_f - v2, 1.0)
    B = np.einsum("ni,ni->n", w, vel)
    root = np.sqrt(B * B + A * w2)
    # Two algebraically equal forms; pick the one without cancellation.
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(B >= 0.0, w2 / (B + root), (root - B) / A)
    s = np.where(w2 > 0.0, s, 0.0)
    return np.where(finite, s, 0.0)


def emission_offset(
    pos: F64, vel: F64, t_state: F64, t_arrival: F64, sensor_pos: F64, c: F64
) -> F64:
    """Emission time relative to the state time, ``delta = tau - t_state`` (n,), s.

    Negative when the sound left before the state's time (retrodiction needed).
    """
    return (t_arrival - t_state) - travel_time(pos, vel, t_state, t_arrival, sensor_pos, c)


def emission_jacobian(emit_pos: F64, vel: F64, delta: F64, sensor_pos: F64, c: F64) -> F64:
    """d x(tau) / d [p, v] (n, 3, 6) with ``tau`` itself a function of the state.

    Implicit differentiation of ``|p + v delta - p_s| = c (T - delta)`` gives

        d x(tau) / d [p, v] = (I - v u' / (c + u.v)) [I, delta I],   u = unit(x(tau) - p_s).

    With ``c = inf`` this is ``[I, delta I]`` (plain CV prediction).
    """
    n = emit_pos.shape[0]
    d = emit_pos - sensor_pos
    u = d / np.maximum(np.linalg.norm(d, axis=1), 1e-9)[:, None]
    finite = np.isfinite(c)
    denom = np.where(finite, c, 1.0) + np.einsum("ni,ni->n", u, vel)
    gain = np.where(finite, 1.0 / denom, 0.0)
    Pproj = np.eye(3)[None] - gain[:, None, None] * vel[:, :, None] * u[:, None, :]
    J = np.empty((n, 3, 6))
    J[:, :, :3] = Pproj
    J[:, :, 3:] = Pproj * delta[:, None, None]
    return J


def emission_position_jacobian(emit_pos: F64, vel: F64, sensor_pos: F64, c: F64) -> F64:
    """d x(tau) / d x(tau_hat) (n, 3, 3) for a position perturbed at the nominal emission time.

    A shift ``dx`` of the target at ``tau_hat`` moves the emission time by
    ``-u.dx / (c + u.v)``, so the heard position moves by ``(I - v u' / (c + u.v)) dx``.
    """
    J = emission_jacobian(emit_pos, vel, np.zeros(emit_pos.shape[0]), sensor_pos, c)
    return np.ascontiguousarray(J[:, :, :3])
