"""Target motion: coordinated turns, climbs and waypoint guidance, integrated for all targets.

Each step of ``dt`` seconds holds the turn rate ``omega`` (rad/s), speed ``v`` and climb rate
constant, and moves every target exactly along its circular arc (coordinated turn)::

    psi_m = psi + omega dt / 2
    dE = v dt sin(psi_m) sinc(omega dt / 2),   dN = v dt cos(psi_m) sinc(omega dt / 2)

(heading psi clockwise from North). States are stored on the step grid in *slots* (a slot is
reused after its target dies), so memory is (steps x simultaneous targets), flat over an hour.
States between grid points come from cubic Hermite interpolation of position and velocity,
which is continuous and differentiable: every sensor model, the acoustic retarded-time solver
and `truth.csv` query the same trajectory through `Trajectories.state_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.geo.frames import wrap_angle_rad
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.population import Behaviour, TargetPlan

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
IDX = NDArray[np.intp]

HEADING_GAIN_PER_S = 0.5
"""Heading-error gain of waypoint guidance (turn rate = gain x error, capped by turn_max)."""
ALTITUDE_TIME_CONSTANT_S = 10.0
"""Altitude-hold time constant (climb rate = error / tau, capped by climb_max)."""
DIVE_SLOPE = 0.5
"""Terminal dive starts when horizontal distance to the impact point < altitude / slope."""


@dataclass(frozen=True, slots=True)
class Trajectories:
    """Continuous trajectories of all targets, queried at any time inside their lives.

    Attributes:
        dt: grid step, s. kb, kd: (N,) first and last grid index alive (life = [kb dt, kd dt]).
        slot: (N,) column of ``pos``/``vel`` holding the target. pos: (K+1, S, 3) map-plane
        metres. vel: (K+1, S, 3) true local East-North-Up velocity, m/s.
        arrival_time: (N,) time the target reached the end of its route (s), NaN if not.
        proj: the map projection (for scale factors and the working frame).
    """

    dt: float
    kb: I64
    kd: I64
    slot: I64
    pos: F64
    vel: F64
    arrival_time: F64
    proj: MapProjection

    @property
    def t_birth(self) -> F64:
        """(N,) first time alive, s."""
        return np.asarray(self.kb * self.dt, dtype=np.float64)

    @property
    def t_death(self) -> F64:
        """(N,) last time alive, s (the scenario end for targets still flying)."""
        return np.asarray(self.kd * self.dt, dtype=np.float64)

    def alive_at(self, t: float) -> IDX:
        """Ids of the targets alive at time t (s)."""
        eps = 1e-9
        return np.flatnonzero((self.t_birth <= t + eps) & (self.t_death >= t - eps))

    def state_at(self, idx: NDArray[np.integer], t: F64 | float) -> tuple[F64, F64]:
        """Map-plane positions (n, 3) m and local ENU velocities (n, 3) m/s of targets ``idx``
        at times ``t`` (scalar or (n,)); times are clamped into each target's life."""
        i = np.asarray(idx, dtype=np.intp)
        tt = np.broadcast_to(np.asarray(t, dtype=np.float64), i.shape)
        kb = self.kb[i]
        kd = self.kd[i]
        u = np.clip(tt / self.dt, kb, kd)
        k = np.minimum(np.floor(u).astype(np.int64), np.maximum(kd - 1, kb))
        s = np.clip(u - k, 0.0, 1.0)[:, None]
        k1 = np.minimum(k + 1, kd)
        sl = self.slot[i]
        p0 = self.pos[k, sl]
        p1 = self.pos[k1, sl]
        m0 = self._map_velocity(p0, self.vel[k, sl]) * self.dt
        m1 = self._map_velocity(p1, self.vel[k1, sl]) * self.dt
        s2 = s * s
        s3 = s2 * s
        pos = (
            (2 * s3 - 3 * s2 + 1) * p0
            + (s3 - 2 * s2 + s) * m0
            + (-2 * s3 + 3 * s2) * p1
            + (s3 - s2) * m1
        )
        dpos = (
            (6 * s2 - 6 * s) * p0
            + (3 * s2 - 4 * s + 1) * m0
            + (-6 * s2 + 6 * s) * p1
            + (3 * s2 - 2 * s) * m1
        ) / self.dt
        kx, ky = self.proj.scale(pos[:, 1], pos[:, 2])
        vel = np.column_stack([dpos[:, 0] / kx, dpos[:, 1] / ky, dpos[:, 2]])
        return pos, vel

    def _map_velocity(self, pos: F64, vel: F64) -> F64:
        kx, ky = self.proj.scale(pos[:, 1], pos[:, 2])
        return np.column_stack([vel[:, 0] * kx, vel[:, 1] * ky, vel[:, 2]])

    def work_state_at(self, idx: NDArray[np.integer], t: F64 | float) -> tuple[F64, F64]:
        """Like `state_at` but in the working frame (ENU, or ECEF for WGS84), metres, m/s."""
        pos, vel = self.state_at(idx, t)
        return self.proj.to_work(pos), self.proj.velocity_to_work(pos, vel)


def arc_step(psi: F64, v: F64, omega: F64, dt: float) -> tuple[F64, F64, F64]:
    """One step of a coordinated turn: (East, North displacement m, new heading rad).

    Heading ``psi`` rad clockwise from North, speed ``v`` m/s, turn rate ``omega`` rad/s held
    over ``dt`` s. Closed form of the circular arc, written with sinc so omega = 0 is the
    straight line: with psi_m = psi + omega dt / 2 and S = sin(omega dt / 2) / (omega dt / 2),
    dE = v dt S sin(psi_m), dN = v dt S cos(psi_m).
    """
    psi_m = psi + 0.5 * omega * dt
    s = np.sinc(omega * dt / (2.0 * np.pi))
    step = v * dt * s
    return (
        np.asarray(step * np.sin(psi_m)),
        np.asarray(step * np.cos(psi_m)),
        np.asarray(np.mod(psi + omega * dt, 2.0 * np.pi)),
    )


def _max_alive(kb: I64, kend: I64, n_steps: int) -> int:
    """Upper bound of targets alive at once from planned lives [kb, kend] (grid indices)."""
    delta = np.zeros(n_steps + 2, dtype=np.int64)
    np.add.at(delta, np.clip(kb, 0, n_steps + 1), 1)
    np.add.at(delta, np.clip(kend + 1, 0, n_steps + 1), -1)
    return int(max(1, np.cumsum(delta).max()))


def propagate(
    plan: TargetPlan,
    *,
    duration_s: float,
    dt: float,
    proj: MapProjection,
    rng: np.random.Generator,
) -> Trajectories:
    """Fly every target of ``plan`` over [0, duration_s] on a grid of ``dt`` seconds.

    A Python loop runs over time steps only; each step is vectorised over live targets.
    """
    n = len(plan)
    n_steps = int(np.ceil(duration_s / dt))
    kb = np.ceil(plan.t_birth / dt - 1e-9).astype(np.int64)
    t_end = np.minimum(plan.t_end, duration_s)
    kend = np.minimum(np.maximum(np.floor(t_end / dt + 1e-9).astype(np.int64), kb + 1), n_steps)
    n_slots = _max_alive(kb, kend, n_steps) if n else 1
    pos_h = np.zeros((n_steps + 1, n_slots, 3))
    vel_h = np.zeros((n_steps + 1, n_slots, 3))

    slot_of = np.full(n, -1, dtype=np.int64)
    kd = np.full(n, n_steps, dtype=np.int64)
    arrival = np.full(n, np.nan)
    tid = np.full(n_slots, -1, dtype=np.int64)
    pos = np.zeros((n_slots, 3))
    psi = np.zeros(n_slots)
    v = np.zeros(n_slots)
    vz = np.zeros(n_slots)
    omega = np.zeros(n_slots)
    leg_end = np.zeros(n_slots)
    wp_i = np.zeros(n_slots, dtype=np.int64)
    done = np.zeros(n_slots, dtype=bool)
    free = list(range(n_slots - 1, -1, -1))
    order = np.argsort(kb, kind="stable")
    ptr = 0

    for k in range(n_steps + 1):
        t = k * dt
        # Births.
        start = ptr
        while ptr < n and kb[order[ptr]] == k:
            ptr += 1
        born = order[start:ptr]
        if len(born):
            if len(born) > len(free):
                raise RuntimeError("internal: more live targets than slots")
            s_new = np.array([free.pop() for _ in range(len(born))], dtype=np.int64)
            tid[s_new] = born
            slot_of[born] = s_new
            pos[s_new] = plan.pos0[born]
            psi[s_new] = plan.heading0[born]
            v[s_new] = plan.speed[born]
            vz[s_new] = 0.0
            omega[s_new] = 0.0
            leg_end[s_new] = t
            wp_i[s_new] = 0
            done[s_new] = False
        act = np.flatnonzero(tid >= 0)
        # Deaths at k: planned end, or the route's end reached during the previous step.
        tt = tid[act]
        dying = ((k >= kend[tt]) | done[act]) & (k > kb[tt])
        if k == n_steps:
            dying[:] = True
        if len(act):
            _control(
                plan,
                tt,
                act,
                t,
                dt,
                pos,
                psi,
                v,
                vz,
                omega,
                leg_end,
                wp_i,
                done,
                arrival,
                proj,
                rng,
            )
        pos_h[k] = pos
        vel_h[k, :, 0] = v * np.sin(psi)
        vel_h[k, :, 1] = v * np.cos(psi)
        vel_h[k, :, 2] = vz
        if len(act):
            gone = act[dying]
            kd[tid[gone]] = k
            tid[gone] = -1
            free.extend(gone.tolist()[::-1])
        if k == n_steps:
            break
        # Integrate the exact coordinated turn over the step.
        d_east, d_north, psi = arc_step(psi, v, omega, dt)
        kx, ky = proj.scale(pos[:, 1], pos[:, 2])
        pos[:, 0] += d_east * kx
        pos[:, 1] += d_north * ky
        pos[:, 2] = np.maximum(pos[:, 2] + vz * dt, 0.0)
    return Trajectories(
        dt=dt, kb=kb, kd=kd, slot=slot_of, pos=pos_h, vel=vel_h, arrival_time=arrival, proj=proj
    )


def _control(
    plan: TargetPlan,
    tt: I64,
    s: IDX,
    t: float,
    dt: float,
    pos: F64,
    psi: F64,
    v: F64,
    vz: F64,
    omega: F64,
    leg_end: F64,
    wp_i: I64,
    done: NDArray[np.bool_],
    arrival: F64,
    proj: MapProjection,
    rng: np.random.Generator,
) -> None:
    """Set turn rate, speed and climb rate of live slots ``s`` (targets ``tt``) for one step.

    Writes into the simulator's own state arrays (never a caller's input).
    """
    beh = plan.behaviour[tt]
    kx, ky = proj.scale(pos[s, 1], pos[s, 2])

    # Random legs for wanderers and multirotors.
    wander = (beh == Behaviour.WANDER) | (beh == Behaviour.HOME)
    new_leg = wander & (t >= leg_end[s])
    if new_leg.any():
        j = s[new_leg]
        tj = tt[new_leg]
        m = len(j)
        leg_end[j] = t + rng.exponential(plan.leg_mean_s[tj])
        turning = rng.uniform(0.0, 1.0, m) < 0.6
        omega[j] = np.where(turning, rng.uniform(-1.0, 1.0, m) * plan.turn_max[tj], 0.0)
        climbing = rng.uniform(0.0, 1.0, m) < 0.3
        vz[j] = np.where(climbing, rng.uniform(-1.0, 1.0, m) * plan.climb_max[tj], 0.0)
        lo, hi = plan.speed_range[tj, 0], plan.speed_range[tj, 1]
        hover = (plan.behaviour[tj] == Behaviour.HOME) & (rng.uniform(0.0, 1.0, m) < 0.3)
        v[j] = np.where(hover, 0.0, rng.uniform(lo, hi))
    if wander.any():
        j = s[wander]
        tj = tt[wander]
        z = pos[j, 2]
        alo, ahi = plan.alt_range[tj, 0], plan.alt_range[tj, 1]
        vz[j] = np.where(
            z < alo, np.abs(vz[j]) + 0.5, np.where(z > ahi, -np.abs(vz[j]) - 0.5, vz[j])
        )
        # Stay inside the home disc: turn back toward its centre.
        de = (plan.home[tj, 0] - pos[j, 0]) / kx[wander]
        dn = (plan.home[tj, 1] - pos[j, 1]) / ky[wander]
        out = np.hypot(de, dn) > plan.home_radius_m[tj]
        if out.any():
            err = wrap_angle_rad(np.arctan2(de, dn) - psi[j])
            back = np.clip(HEADING_GAIN_PER_S * err, -plan.turn_max[tj], plan.turn_max[tj])
            omega[j] = np.where(out, back, omega[j])
            v[j] = np.where(out & (v[j] < 1.0), plan.speed_range[tj, 1], v[j])

    route = beh == Behaviour.ROUTE
    if route.any():
        j = s[route]
        tj = tt[route]
        last = plan.n_wp[tj] - 1
        # Advance past waypoints already reached (fly-by).
        for _ in range(2):
            w = plan.waypoints[tj, wp_i[j]]
            de = (w[:, 0] - pos[j, 0]) / kx[route]
            dn = (w[:, 1] - pos[j, 1]) / ky[route]
            dist = np.hypot(de, dn)
            reach = np.maximum(2.0 * v[j] * dt, 300.0)
            adv = (wp_i[j] < last) & (dist < reach)
            wp_i[j] = wp_i[j] + adv
        w = plan.waypoints[tj, wp_i[j]]
        de = (w[:, 0] - pos[j, 0]) / kx[route]
        dn = (w[:, 1] - pos[j, 1]) / ky[route]
        dist = np.hypot(de, dn)
        err = wrap_angle_rad(np.arctan2(de, dn) - psi[j])
        omega[j] = np.clip(HEADING_GAIN_PER_S * err, -plan.turn_max[tj], plan.turn_max[tj])
        z = pos[j, 2]
        vz[j] = np.clip(
            (plan.waypoint_alt[tj, wp_i[j]] - z) / ALTITUDE_TIME_CONSTANT_S,
            -plan.climb_max[tj],
            plan.climb_max[tj],
        )
        final = wp_i[j] == last
        diving = final & plan.dive[tj] & (dist < z / DIVE_SLOPE)
        vz[j] = np.where(diving, -z * v[j] / np.maximum(dist, 1.0), vz[j])
        arrive = final & (dist <= v[j] * dt) & ~done[j]
        if arrive.any():
            a = j[arrive]
            done[a] = True
            arrival[tt[route][arrive]] = t + dist[arrive] / np.maximum(v[a], 1e-6)

    static = beh == Behaviour.STATIC
    if static.any():
        j = s[static]
        v[j] = 0.0
        vz[j] = 0.0
        omega[j] = 0.0
