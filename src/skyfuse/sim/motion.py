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


class _Slots:
    """The live state of every slot during propagation (the simulator's own arrays).

    ``tid`` target in the slot (-1 free); ``pos`` map metres; ``psi`` heading rad clockwise from
    North; ``v`` horizontal speed m/s; ``vz`` climb rate m/s; ``omega`` turn rate rad/s;
    ``leg_end`` s; ``wp_i`` current waypoint; ``done`` route end reached.
    """

    def __init__(self, n_slots: int) -> None:
        self.tid = np.full(n_slots, -1, dtype=np.int64)
        self.pos = np.zeros((n_slots, 3))
        self.psi = np.zeros(n_slots)
        self.v = np.zeros(n_slots)
        self.vz = np.zeros(n_slots)
        self.omega = np.zeros(n_slots)
        self.leg_end = np.zeros(n_slots)
        self.wp_i = np.zeros(n_slots, dtype=np.int64)
        self.done = np.zeros(n_slots, dtype=bool)
        self.free = list(range(n_slots - 1, -1, -1))

    def admit(self, plan: TargetPlan, born: I64, t: float) -> I64:
        """Put newly born targets into free slots; returns their slots."""
        if len(born) > len(self.free):
            raise RuntimeError("internal: more live targets than slots")
        s = np.array([self.free.pop() for _ in range(len(born))], dtype=np.int64)
        self.tid[s] = born
        self.pos[s] = plan.pos0[born]
        self.psi[s] = plan.heading0[born]
        self.v[s] = plan.speed[born]
        self.vz[s] = 0.0
        self.omega[s] = 0.0
        self.leg_end[s] = t
        self.wp_i[s] = 0
        self.done[s] = False
        return s

    def release(self, slots: IDX) -> None:
        """Free the slots of targets that died."""
        self.tid[slots] = -1
        self.free.extend(slots.tolist()[::-1])

    def velocity(self) -> F64:
        """(S, 3) local East-North-Up velocity, m/s."""
        return np.column_stack([self.v * np.sin(self.psi), self.v * np.cos(self.psi), self.vz])

    def step(self, dt: float, proj: MapProjection) -> None:
        """Move every slot along its coordinated turn for ``dt`` seconds."""
        d_east, d_north, self.psi = arc_step(self.psi, self.v, self.omega, dt)
        kx, ky = proj.scale(self.pos[:, 1], self.pos[:, 2])
        self.pos[:, 0] += d_east * kx
        self.pos[:, 1] += d_north * ky
        self.pos[:, 2] = np.maximum(self.pos[:, 2] + self.vz * dt, 0.0)


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
    st = _Slots(n_slots)
    order = np.argsort(kb, kind="stable")
    first_born = np.searchsorted(kb[order], np.arange(n_steps + 2), side="left")

    for k in range(n_steps + 1):
        t = k * dt
        born = order[first_born[k] : first_born[k + 1]]
        if len(born):
            slot_of[born] = st.admit(plan, born, t)
        act = np.flatnonzero(st.tid >= 0)
        # Deaths at k: planned end, or the route's end reached during the previous step.
        tt = st.tid[act]
        dying = ((k >= kend[tt]) | st.done[act]) & (k > kb[tt])
        if k == n_steps:
            dying[:] = True
        if len(act):
            _control(plan, st, act, t, dt, arrival, proj, rng)
        pos_h[k] = st.pos
        vel_h[k] = st.velocity()
        gone = act[dying]
        kd[st.tid[gone]] = k
        st.release(gone)
        if k < n_steps:
            st.step(dt, proj)
    return Trajectories(
        dt=dt, kb=kb, kd=kd, slot=slot_of, pos=pos_h, vel=vel_h, arrival_time=arrival, proj=proj
    )


TURN_LEG_SHARE = 0.6
"""Share of wander legs that turn (the others fly straight)."""
CLIMB_LEG_SHARE = 0.3
"""Share of wander legs that climb or descend."""
HOVER_LEG_SHARE = 0.3
"""Share of multirotor legs spent hovering."""


def _control(
    plan: TargetPlan,
    st: _Slots,
    s: IDX,
    t: float,
    dt: float,
    arrival: F64,
    proj: MapProjection,
    rng: np.random.Generator,
) -> None:
    """Set turn rate, speed and climb rate of live slots ``s`` for the step starting at t (s).

    Wanderers draw random legs; route flyers steer to their waypoints (heading gain, turn-rate
    cap, altitude hold, terminal dive); static targets stay put. Records arrivals in ``arrival``.
    """
    tt = st.tid[s]
    pos, psi, v, vz, omega = st.pos, st.psi, st.v, st.vz, st.omega
    beh = plan.behaviour[tt]
    kx, ky = proj.scale(pos[s, 1], pos[s, 2])

    # Random legs for wanderers and multirotors.
    wander = (beh == Behaviour.WANDER) | (beh == Behaviour.HOME)
    new_leg = wander & (t >= st.leg_end[s])
    if new_leg.any():
        j = s[new_leg]
        tj = tt[new_leg]
        m = len(j)
        st.leg_end[j] = t + rng.exponential(plan.leg_mean_s[tj])
        turning = rng.uniform(0.0, 1.0, m) < TURN_LEG_SHARE
        omega[j] = np.where(turning, rng.uniform(-1.0, 1.0, m) * plan.turn_max[tj], 0.0)
        climbing = rng.uniform(0.0, 1.0, m) < CLIMB_LEG_SHARE
        vz[j] = np.where(climbing, rng.uniform(-1.0, 1.0, m) * plan.climb_max[tj], 0.0)
        lo, hi = plan.speed_range[tj, 0], plan.speed_range[tj, 1]
        hover = (plan.behaviour[tj] == Behaviour.HOME) & (
            rng.uniform(0.0, 1.0, m) < HOVER_LEG_SHARE
        )
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
            w = plan.waypoints[tj, st.wp_i[j]]
            de = (w[:, 0] - pos[j, 0]) / kx[route]
            dn = (w[:, 1] - pos[j, 1]) / ky[route]
            dist = np.hypot(de, dn)
            reach = np.maximum(2.0 * v[j] * dt, 300.0)
            adv = (st.wp_i[j] < last) & (dist < reach)
            st.wp_i[j] = st.wp_i[j] + adv
        w = plan.waypoints[tj, st.wp_i[j]]
        de = (w[:, 0] - pos[j, 0]) / kx[route]
        dn = (w[:, 1] - pos[j, 1]) / ky[route]
        dist = np.hypot(de, dn)
        err = wrap_angle_rad(np.arctan2(de, dn) - psi[j])
        omega[j] = np.clip(HEADING_GAIN_PER_S * err, -plan.turn_max[tj], plan.turn_max[tj])
        z = pos[j, 2]
        vz[j] = np.clip(
            (plan.waypoint_alt[tj, st.wp_i[j]] - z) / ALTITUDE_TIME_CONSTANT_S,
            -plan.climb_max[tj],
            plan.climb_max[tj],
        )
        final = st.wp_i[j] == last
        diving = final & plan.dive[tj] & (dist < z / DIVE_SLOPE)
        vz[j] = np.where(diving, -z * v[j] / np.maximum(dist, 1.0), vz[j])
        arrive = final & (dist <= v[j] * dt) & ~st.done[j]
        if arrive.any():
            a = j[arrive]
            st.done[a] = True
            arrival[tt[route][arrive]] = t + dist[arrive] / np.maximum(v[a], 1e-6)

    static = beh == Behaviour.STATIC
    if static.any():
        j = s[static]
        v[j] = 0.0
        vz[j] = 0.0
        omega[j] = 0.0
