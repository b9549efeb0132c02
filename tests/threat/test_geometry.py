"""Threat geometry against closed forms: closest approach, covariance growth, crossings, rays."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.geo.workframe import WorkFrame
from skyfuse.threat.geometry import (
    aim_likelihood,
    closest_approach,
    closing_score,
    first_leftward_crossing,
    goal_posterior,
    horizontal_cov_at,
    pass_within_probability,
    radius95,
    ray_distance,
    ray_pair_intersections,
    rays_convergence,
    segment_distance,
    side_of_polyline,
    track_local_frames,
)


def test_closest_approach_head_on_and_offset() -> None:
    # track at origin flying east at 50 m/s; sites 5 km east (on course), 5 km east 300 m north
    rel = np.array([[[5000.0, 0.0], [5000.0, 300.0], [-2000.0, 0.0]]])
    vel = np.array([[50.0, 0.0]])
    t, miss = closest_approach(rel, vel)
    assert t[0, 0] == pytest.approx(100.0)  # ETA = distance / speed
    assert miss[0, 0] == pytest.approx(0.0)
    assert t[0, 1] == pytest.approx(100.0)
    assert miss[0, 1] == pytest.approx(300.0)  # site on the left: positive
    assert t[0, 2] == 0.0  # behind: closest now
    assert miss[0, 2] == pytest.approx(2000.0)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-20_000.0, 20_000.0),
    st.floats(-20_000.0, 20_000.0),
    st.floats(-300.0, 300.0),
    st.floats(-300.0, 300.0),
)
def test_closest_approach_matches_the_sampled_minimum(
    x: float, y: float, vx: float, vy: float
) -> None:
    """Closed form t* = max(r.v / |v|^2, 0), |miss| = distance at t*: equal to the minimum of
    |r - v t| over a fine time grid (and the signed miss is + when the point is on the left)."""
    speed = math.hypot(vx, vy)
    if speed < 1.0:
        return
    rel = np.array([[[x, y]]])
    vel = np.array([[vx, vy]])
    t, miss = closest_approach(rel, vel)
    t_star = max((x * vx + y * vy) / speed**2, 0.0)
    assert t[0, 0] == pytest.approx(t_star, rel=1e-9, abs=1e-9)
    grid = np.linspace(0.0, t_star * 2.0 + 10.0, 20_001)
    d = np.hypot(x - vx * grid, y - vy * grid)
    step = float(grid[1] - grid[0]) * speed  # metres flown between grid times
    assert abs(miss[0, 0]) == pytest.approx(d.min(), rel=1e-6, abs=step)
    assert abs(miss[0, 0]) <= d.min() + 1e-6 * max(1.0, d.min())
    if t_star > 0:
        left = vx * y - vy * x  # z of v x r: > 0 when the point is left of the course
        assert math.copysign(1.0, miss[0, 0]) == math.copysign(1.0, left) or abs(left) < 1e-6


def test_goal_posterior_sharing_and_elsewhere() -> None:
    # one site explains the course well, two alike, none at all
    lik = np.array([[3.0, 0.0], [0.24, 0.24], [0.0, 0.0]])
    w = 0.5
    e = 1.0 / (2.0 * math.pi)
    post = goal_posterior(lik, w, e)
    assert post[0, 0] == pytest.approx(3.0 / (3.0 + w * e))
    assert post[1, 0] == pytest.approx(post[1, 1]) and post[1].sum() < 1.0
    assert post[1, 0] < 0.5  # two sites alike: neither is *the* goal
    assert np.all(post[2] == 0.0)
    assert np.all(post.sum(axis=1) <= 1.0 + 1e-12)


def test_closest_approach_hovering_track_uses_current_distance() -> None:
    t, miss = closest_approach(np.array([[[300.0, 400.0]]]), np.array([[0.5, 0.0]]), 1.0)
    assert t[0, 0] == 0.0
    assert miss[0, 0] == pytest.approx(500.0)


def test_cross_track_covariance_grows_with_time_squared() -> None:
    P = np.diag([100.0**2, 50.0**2, 10.0, 3.0**2, 2.0**2, 1.0])[None]
    C = horizontal_cov_at(P, np.array([[0.0, 100.0]]))
    assert C[0, 0] == pytest.approx(np.diag([100.0**2, 50.0**2]))
    assert C[0, 1, 0, 0] == pytest.approx(100.0**2 + 100.0**2 * 3.0**2)
    assert C[0, 1, 1, 1] == pytest.approx(50.0**2 + 100.0**2 * 2.0**2)


def test_cross_covariance_term_enters_linearly() -> None:
    P = np.zeros((1, 6, 6))
    P[0, 0, 3] = P[0, 3, 0] = 5.0
    C = horizontal_cov_at(P, np.array([[2.0]]))
    assert C[0, 0, 0, 0] == pytest.approx(2 * 2.0 * 5.0)


def test_pass_within_probability_limits() -> None:
    p = pass_within_probability(np.array([0.0, 500.0, 2000.0]), np.array([1.0, 1.0, 1.0]), 500.0)
    assert p == pytest.approx([1.0, 0.5, 0.0], abs=1e-6)
    # wide uncertainty: ~ 2 r / (sigma sqrt(2 pi))
    wide = pass_within_probability(np.array([0.0]), np.array([10_000.0]), 100.0)
    assert wide[0] == pytest.approx(200.0 / (10_000.0 * math.sqrt(2 * math.pi)), rel=1e-3)


@given(st.floats(-3000, 3000), st.floats(1.0, 3000.0), st.floats(10.0, 2000.0))
@settings(max_examples=50, deadline=None)
def test_pass_within_probability_symmetric_and_bounded(
    miss: float, sigma: float, radius: float
) -> None:
    a = pass_within_probability(np.array([miss]), np.array([sigma]), radius)
    b = pass_within_probability(np.array([-miss]), np.array([sigma]), radius)
    assert 0.0 <= a[0] <= 1.0
    assert a[0] == pytest.approx(b[0], abs=1e-12)


def test_radius95_isotropic_and_elongated() -> None:
    C = np.array([np.eye(2) * 100.0**2, np.diag([10.0**2, 300.0**2])])
    r = radius95(C)
    assert r[0] == pytest.approx(math.sqrt(5.991) * 100.0)
    assert r[1] == pytest.approx(math.sqrt(5.991) * 300.0)


def test_leftward_crossing_of_a_polyline() -> None:
    # border along the x axis walking east: the partner's (left) side is north (y > 0)
    a = np.array([[-10_000.0, 0.0], [0.0, 0.0]])
    b = np.array([[0.0, 0.0], [10_000.0, 1000.0]])
    pos = np.array([[-5000.0, -2000.0], [5000.0, -2000.0], [-5000.0, 2000.0], [0.0, -100.0]])
    vel = np.array([[0.0, 50.0], [0.0, 50.0], [0.0, -50.0], [50.0, 0.0]])
    t, seg, pt = first_leftward_crossing(pos, vel, a, b, horizon_s=1000.0)
    assert t[0] == pytest.approx(40.0)  # 2 km at 50 m/s
    assert seg[0] == 0
    assert pt[0] == pytest.approx([-5000.0, 0.0])
    # second segment rises 1000 m over 10 km: at x = 5000 the border is at y = 500
    assert t[1] == pytest.approx(2500.0 / 50.0)
    assert seg[1] == 1
    assert pt[1] == pytest.approx([5000.0, 500.0])
    assert not np.isfinite(t[2]) and seg[2] == -1  # moving to our side: not a warning
    assert not np.isfinite(t[3])  # parallel, never crosses
    t2, _, _ = first_leftward_crossing(pos[:1], vel[:1], a, b, horizon_s=30.0)
    assert not np.isfinite(t2[0])  # beyond the horizon


def test_side_of_polyline() -> None:
    pts = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])
    s = side_of_polyline(np.array([[5.0, 1.0], [5.0, -1.0], [11.0, 5.0], [9.0, 5.0]]), pts)
    assert s.tolist() == [1.0, -1.0, -1.0, 1.0]


def test_rays_convergence_recovers_common_origin() -> None:
    origin = np.array([-14_000.0, -5000.0])
    ang = np.radians(np.linspace(10.0, 70.0, 8))
    dist = np.linspace(5000.0, 15_000.0, 8)
    p = origin + dist[:, None] * np.stack((np.cos(ang), np.sin(ang)), axis=1)
    b = (origin - p) / np.linalg.norm(origin - p, axis=1)[:, None]
    x, cov, r = rays_convergence(p, b)
    assert x == pytest.approx(origin, abs=1e-6)
    assert np.all(r < 1e-6)
    assert np.sqrt(np.linalg.eigvalsh(cov)[-1]) < 5.0  # floor sigma 1 m over 8 rays


def test_rays_convergence_rejects_parallel_and_single_rays() -> None:
    p = np.array([[0.0, 0.0], [0.0, 100.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="parallel"):
        rays_convergence(p, b)
    with pytest.raises(ValueError, match="at least 2"):
        rays_convergence(p[:1], b[:1])


def test_ray_pair_intersections_behind_only() -> None:
    p = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 5.0]])
    b = np.array([[1.0, 0.0], [0.0, -1.0], [-1.0, 0.0]])
    x = ray_pair_intersections(p, b, np.array([0, 0]), np.array([1, 2]))
    assert x[0] == pytest.approx([10.0, 0.0])
    assert np.all(np.isnan(x[1]))  # parallel


def test_ray_and_segment_distance() -> None:
    d, s = ray_distance(np.array([[5.0, 3.0], [-4.0, 3.0]]), np.zeros((1, 2)), np.array([[1.0, 0]]))
    assert d[:, 0] == pytest.approx([3.0, 5.0])  # perpendicular; in front -> to the origin
    assert s[:, 0] == pytest.approx([5.0, -4.0])
    dist, u = segment_distance(np.array([[5.0, 2.0]]), np.zeros((1, 2)), np.array([[10.0, 0.0]]))
    assert dist[0, 0] == pytest.approx(2.0) and u[0, 0] == pytest.approx(0.5)


def test_track_local_frames_identity_in_enu_and_rotates_in_ecef() -> None:
    state = np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 0.0]])
    cov = np.eye(6)[None] * 4.0
    R, v, P = track_local_frames(WorkFrame(False), state, cov)
    assert R[0] == pytest.approx(np.eye(3))
    assert v[0] == pytest.approx([10.0, 20.0, 0.0])
    assert P[0] == pytest.approx(cov[0])
    # on the equator at lon 0, ECEF +z is local north and ECEF +y local east
    p = ecef_from_geodetic(0.0, 0.0, 1000.0)
    s2 = np.concatenate((p, [0.0, 30.0, 40.0]))[None]
    R, v, P = track_local_frames(WorkFrame(True), s2, cov)
    assert v[0] == pytest.approx([30.0, 40.0, 0.0], abs=1e-9)
    assert P[0] == pytest.approx(cov[0])  # isotropic covariance is rotation invariant


def test_closing_score_reach_and_aim() -> None:
    # sites 3 km and 20 km east; track flying east at 50 m/s, another flying north
    rel = np.array([[[3000.0, 0.0], [20_000.0, 0.0]], [[3000.0, 0.0], [20_000.0, 0.0]]])
    vel = np.array([[50.0, 0.0], [0.0, 50.0]])
    score, tau = closing_score(rel, vel, np.array([500.0, 500.0]), 100.0, np.radians(75.0))
    assert tau[0] == pytest.approx([50.0, 390.0])  # (range - radius) / speed
    assert score[0, 0] > 0.99  # close and aimed
    assert score[0, 1] < 0.01  # aimed but far
    assert score[1, 0] < 0.01  # close but flying across (90 degrees off)
    inside, _ = closing_score(
        np.array([[[100.0, 0.0]]]), np.array([[0.0, -50.0]]), np.array([500.0]), 100.0, 1.0
    )
    assert inside[0, 0] == 1.0  # over the site: a threat whatever its course


def test_aim_likelihood_mixture_values() -> None:
    """Straight at a site: the final-leg normal plus the dogleg floor; 30 degrees off: the
    floor only; behind: nothing. The site's angular size widens the normal."""
    sig = math.radians(2.0)
    vel = np.array([[50.0, 0.0]])
    a30 = math.radians(30.0)
    rel = np.array([[[10_000.0, 0.0], [10_000.0 * math.cos(a30), 10_000.0 * math.sin(a30)]]])
    rel = np.concatenate((rel, [[[-5000.0, 0.0]]]), axis=1)
    like = aim_likelihood(rel, vel, np.array([0.0, 0.0, 0.0]), np.array([sig]), 0.5, np.pi / 3)
    floor = 0.5 * 0.5 / (np.pi / 3)
    assert like[0, 0] == pytest.approx(0.5 / math.sqrt(2 * math.pi * sig**2) + floor)
    assert like[0, 1] == pytest.approx(floor, rel=1e-6)
    assert like[0, 2] == 0.0
    # a 1 km radius at 2 km subtends +-26.6 degrees: aimed anywhere on it explains the course
    wide = aim_likelihood(
        np.array([[[2000.0, 1000.0]]]), vel, np.array([1000.0]), np.array([sig]), 0.5, np.pi / 3
    )
    narrow = aim_likelihood(
        np.array([[[2000.0, 1000.0]]]), vel, np.array([10.0]), np.array([sig]), 0.5, np.pi / 3
    )
    assert wide[0, 0] > 1.5 * narrow[0, 0]
