"""Trajectories: coordinated turns, Hermite interpolation, slots, routes (closed forms)."""

from __future__ import annotations

import numpy as np
import pytest

from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import plan_geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.motion import arc_step, propagate
from skyfuse.sim.population import plan_targets


@pytest.mark.parametrize("omega", [0.0, 0.05, -0.2, 1.5])
def test_arc_step_matches_the_circle(omega: float) -> None:
    psi0, v, dt = np.array([0.7]), np.array([50.0]), 0.5
    de, dn, psi1 = arc_step(psi0, v, np.array([omega]), dt)
    if omega == 0.0:
        expect = (v * dt * np.sin(psi0), v * dt * np.cos(psi0))
    else:
        p1 = psi0 + omega * dt
        expect = (
            (v / omega) * (np.cos(psi0) - np.cos(p1)),
            (v / omega) * (np.sin(p1) - np.sin(psi0)),
        )
    assert de == pytest.approx(expect[0], abs=1e-9)
    assert dn == pytest.approx(expect[1], abs=1e-9)
    assert psi1 == pytest.approx(np.mod(psi0 + omega * dt, 2 * np.pi))


def test_turning_trajectory_keeps_speed_and_radius() -> None:
    """Wanderers fly legs of constant turn: within a leg the path is a circle of radius v/w."""
    cfg = SimConfig(
        targets=40,
        radars=0,
        duration_s=20.0,
        alive_at_start=1.0,
        min_lifetime_frac=1.0,
        mean_leg_s=1e6,
    )
    rng = np.random.default_rng(7)
    plan = plan_targets(cfg, plan_geography(cfg, rng), rng)
    traj = propagate(plan, duration_s=20.0, dt=0.5, proj=MapProjection(False), rng=rng)
    t = np.linspace(0.0, 20.0, 81)
    checked = 0
    for i in range(len(plan)):
        pos, vel = traj.state_at(np.full(len(t), i), t)
        heading = np.unwrap(np.arctan2(vel[:, 0], vel[:, 1]))
        rate = np.diff(heading) / np.diff(t)
        w = float(np.median(rate))
        if abs(w) < 1e-2 or np.ptp(vel[:, 2]) > 0 or traj.kd[i] < 40:
            continue  # straight, climbing or short-lived: other tests cover those
        assert np.allclose(np.hypot(vel[:, 0], vel[:, 1]), plan.speed[i], rtol=1e-3)
        r = plan.speed[i] / w
        psi0 = plan.heading0[i]
        centre = pos[0, :2] + r * np.array([np.cos(psi0), -np.sin(psi0)])
        d = np.hypot(pos[:, 0] - centre[0], pos[:, 1] - centre[1])
        assert np.allclose(d, abs(r), rtol=1e-3)
        checked += 1
    assert checked >= 3


def test_state_at_grid_points_returns_stored_states() -> None:
    cfg = SimConfig(targets=20, radars=0, duration_s=30.0)
    rng = np.random.default_rng(1)
    plan = plan_targets(cfg, plan_geography(cfg, rng), rng)
    traj = propagate(plan, duration_s=30.0, dt=0.5, proj=MapProjection(False), rng=rng)
    i = np.flatnonzero(traj.kd > traj.kb + 2)
    k = traj.kb[i] + 1
    pos, vel = traj.state_at(i, k * 0.5)
    assert np.allclose(pos, traj.pos[k, traj.slot[i]])
    assert np.allclose(vel, traj.vel[k, traj.slot[i]])


def test_velocity_is_the_derivative_of_position() -> None:
    cfg = SimConfig(targets=30, radars=0, duration_s=40.0, birds=10, multirotors=3)
    rng = np.random.default_rng(2)
    plan = plan_targets(cfg, plan_geography(cfg, rng), rng)
    traj = propagate(plan, duration_s=40.0, dt=0.5, proj=MapProjection(False), rng=rng)
    alive = traj.alive_at(20.0)
    h = 1e-4
    p0, _ = traj.state_at(alive, 20.123 - h)
    p1, _ = traj.state_at(alive, 20.123 + h)
    _, v = traj.state_at(alive, 20.123)
    assert np.allclose((p1 - p0) / (2 * h), v, atol=1e-3)


def test_slots_are_reused_and_lives_respected() -> None:
    cfg = SimConfig(targets=30, radars=0, duration_s=600.0, turnover=True, lifetime_s=(50.0, 100.0))
    rng = np.random.default_rng(4)
    plan = plan_targets(cfg, plan_geography(cfg, rng), rng)
    traj = propagate(plan, duration_s=600.0, dt=1.0, proj=MapProjection(False), rng=rng)
    assert len(plan) > 100
    assert traj.pos.shape[1] < len(plan)  # fewer slots than targets: memory flat in time
    # No two targets share a slot at the same grid index.
    for s in range(traj.pos.shape[1]):
        lives = sorted(
            (int(a), int(b))
            for a, b, sl in zip(traj.kb, traj.kd, traj.slot, strict=True)
            if sl == s
        )
        for (a0, b0), (a1, _) in zip(lives, lives[1:], strict=False):
            assert a1 > b0 >= a0
    alive = np.array([len(traj.alive_at(t)) for t in np.arange(100.0, 600.0, 25.0)])
    assert 15 <= alive.mean() <= 45


def test_hostiles_reach_their_goal_site() -> None:
    cfg = SimConfig(
        targets=0,
        radars=0,
        attack_drones=10,
        sites=2,
        launch_distance_m=6000.0,
        duration_s=400.0,
        wave_spread_s=5.0,
    )
    rng = np.random.default_rng(5)
    geo = plan_geography(cfg, rng)
    plan = plan_targets(cfg, geo, rng)
    traj = propagate(plan, duration_s=400.0, dt=0.5, proj=MapProjection(False), rng=rng)
    arrived = np.isfinite(traj.arrival_time)
    assert arrived.all()
    end, _ = traj.state_at(np.arange(10), traj.t_death)
    goal = geo.site_xy[plan.goal_site]
    dist = np.hypot(end[:, 0] - goal[:, 0], end[:, 1] - goal[:, 1])
    assert (dist < geo.site_radius_m[plan.goal_site] + 60.0).all()
    assert (end[:, 2] < 60.0).all()  # dived onto the site
    speed = np.hypot(traj.vel[:, :, 0], traj.vel[:, :, 1])
    assert speed.max() <= 51.0 + 1e-9


def test_formation_keeps_its_spacing() -> None:
    cfg = SimConfig(
        targets=0,
        radars=0,
        attack_drones=10,
        raid_group_size=10,
        raid_spacing_m=100.0,
        sites=1,
        duration_s=60.0,
        wave_spread_s=0.0,
        launch_area_radius_m=0.0,
    )
    rng = np.random.default_rng(6)
    plan = plan_targets(cfg, plan_geography(cfg, rng), rng)
    traj = propagate(plan, duration_s=60.0, dt=0.5, proj=MapProjection(False), rng=rng)
    pos, _ = traj.state_at(np.arange(10), np.full(10, 30.0))
    gaps = np.hypot(*np.diff(pos[:, :2], axis=0).T)
    assert gaps == pytest.approx(np.full(9, 100.0), abs=15.0)
