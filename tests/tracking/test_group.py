"""Group (formation) model: joint prediction, update and velocity ties; raids in the tracker."""

from __future__ import annotations

import numpy as np
import pytest

from skyfuse.tracking import Tracker, TrackerConfig
from skyfuse.tracking.filters import acceleration_density, cv_predict, kalman_update
from skyfuse.tracking.group import GroupParams, joint_update, predict_group, tie_velocities

from .synth import radar_scenario, run_and_score

UP = np.array([0.0, 0.0, 1.0])


def _random_spd(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n))
    return np.asarray(a @ a.T + n * np.eye(n))


def test_one_member_prediction_is_the_constant_velocity_prediction() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=6) * 100.0
    P = _random_spd(rng, 6)
    qa_c = acceleration_density(UP, 2.0, 0.3)
    qa_o = acceleration_density(UP, 0.1, 0.02)
    xg, Pg = predict_group(x, P, 1.5, qa_c, qa_o)
    xr, Pr = cv_predict(x, P, 1.5, qa_c + qa_o)
    np.testing.assert_allclose(xg, xr)
    np.testing.assert_allclose(Pg, Pr, rtol=1e-12, atol=1e-9)


def test_common_acceleration_leaves_relative_motion_to_own_noise() -> None:
    # Two members known exactly: after dt, Var(v1 - v2) = 2 q_own dt per horizontal axis, while
    # each member's own velocity variance also holds the (large) common part.
    qa_c = acceleration_density(UP, 40.0, 4.0)
    qa_o = acceleration_density(UP, 0.1, 0.02)
    x = np.zeros(12)
    x[3:6] = x[9:12] = [30.0, 40.0, 0.0]
    _, P = predict_group(x, np.zeros((12, 12)), 2.0, qa_c, qa_o)
    D = np.zeros((3, 12))
    D[:, 3:6] = np.eye(3)
    D[:, 9:12] = -np.eye(3)
    rel = D @ P @ D.T
    np.testing.assert_allclose(np.diag(rel), [0.4, 0.4, 0.08], rtol=1e-12)
    np.testing.assert_allclose(P[3, 3], (40.0 + 0.1) * 2.0, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(P) > -1e-9)


def test_joint_update_of_independent_members_equals_separate_kalman_updates() -> None:
    rng = np.random.default_rng(2)
    P1, P2 = _random_spd(rng, 6), _random_spd(rng, 6)
    x = rng.normal(size=12)
    P = np.zeros((12, 12))
    P[:6, :6], P[6:, 6:] = P1, P2
    H1 = rng.normal(size=(3, 6))
    R1 = _random_spd(rng, 3)
    nu1 = rng.normal(size=3)
    H = np.zeros((3, 12))
    H[:, :6] = H1
    xn, Pn, S = joint_update(x, P, nu1, H, R1)
    xr, Pr, _ = kalman_update(x[:6], P1, nu1, H1, R1)
    np.testing.assert_allclose(xn[:6], xr, rtol=1e-10)
    np.testing.assert_allclose(Pn[:6, :6], Pr, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(xn[6:], x[6:])  # the uncorrelated member is untouched
    np.testing.assert_allclose(Pn[6:, 6:], P2)
    np.testing.assert_allclose(S, H1 @ P1 @ H1.T + R1)


def test_correlated_member_moves_with_its_neighbours_plot() -> None:
    # Two members whose velocities are tied: a plot on member 0 alone corrects member 1 too.
    x = np.zeros(12)
    x[3:6] = [50.0, 0.0, 0.0]
    x[9:12] = [50.0, 0.0, 0.0]
    P = np.diag(np.tile([100.0, 100.0, 100.0, 25.0, 25.0, 25.0], 2))
    x, P = tie_velocities(x, P, np.array([0, 1]), 0.1)
    H = np.zeros((3, 12))
    H[:, 3:6] = np.eye(3)  # a velocity measurement of member 0
    xn, _, _ = joint_update(x, P, np.array([5.0, 0.0, 0.0]), H, np.eye(3))
    assert xn[3] > 54.0 and xn[9] > 54.0
    assert abs(xn[3] - xn[9]) < 0.5


def test_tie_velocities_pulls_blocks_to_a_common_velocity() -> None:
    x = np.zeros(18)
    x[3:6] = [40.0, 0.0, 0.0]
    x[9:12] = [50.0, 2.0, 0.0]
    x[15:18] = [45.0, -2.0, 0.0]
    P = np.diag(np.tile([400.0] * 3 + [16.0] * 3, 3))
    P[15:18, 15:18] = np.eye(3) * 1e6  # member 2's velocity unknown: it takes the others'
    xn, Pn = tie_velocities(x, P, np.array([0, 1, 2]), 0.01)
    v = xn.reshape(3, 6)[:, 3:]
    np.testing.assert_allclose(v[0], v[1], atol=0.01)
    np.testing.assert_allclose(v[0], v[2], atol=0.01)
    np.testing.assert_allclose(v[0], [45.0, 1.0, 0.0], atol=0.01)  # equal weights of 0 and 1
    np.testing.assert_allclose(xn.reshape(3, 6)[:, :3], 0.0, atol=1e-9)  # positions untouched
    assert np.all(np.linalg.eigvalsh(Pn) > 0.0)
    same, _ = tie_velocities(x, P, np.array([2]), 0.01)
    np.testing.assert_array_equal(same, x)


def _head_on_raid(n_groups: int, size: int, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Groups 15-17 km from a radar at the origin, flying at it line abreast: the line lies
    across the line of sight, so members are resolved by azimuth alone (0.2 deg ~ 55 m)."""
    bearing = np.radians(40.0 + 110.0 * np.arange(n_groups))
    rng_m = 15_000.0 + 1000.0 * np.arange(n_groups) / max(n_groups - 1, 1)
    radial = np.stack([np.sin(bearing), np.cos(bearing), np.zeros(n_groups)], 1)
    across = np.stack([np.cos(bearing), -np.sin(bearing), np.zeros(n_groups)], 1)
    slot = np.arange(size) - (size - 1) / 2.0
    start = (rng_m[:, None, None] * radial[:, None, :]) + spacing_m * slot[None, :, None] * across[
        :, None, :
    ]
    start[..., 2] = 800.0
    vel = np.repeat(-45.0 * radial[:, None, :], size, axis=1)
    return start.reshape(-1, 3), vel.reshape(-1, 3)


def test_group_model_keeps_line_abreast_identities_where_single_tracks_swap() -> None:
    # One radar, 3 groups of 8 drones 100 m apart flying line abreast at it: single tracks (GNN)
    # swap identities, the group model far less, with a lower GOSPA.
    start, vel = _head_on_raid(3, 8, 100.0)
    n_sw = {True: 0, False: 0}
    gospa = {True: 0.0, False: 0.0}
    for seed in (1, 2):
        s = radar_scenario(
            n_targets=24, n_radars=1, n_scans=80, seed=seed, group_size=8, start=start, velocity=vel
        )
        for on in (True, False):
            sc = run_and_score(s, TrackerConfig(group_model=on))
            n_sw[on] += sc.id_switches
            gospa[on] += sc.gospa
    assert n_sw[True] <= 0.6 * n_sw[False], (n_sw, gospa)
    assert gospa[True] < gospa[False], (n_sw, gospa)


def test_groups_form_in_a_raid_and_survive_snapshot_restore() -> None:
    s = radar_scenario(n_targets=10, n_radars=1, n_scans=30, seed=3, group_size=5)
    batches = list(s.reports.batches_by_time())
    a = Tracker(s.catalog, TrackerConfig())
    for b in batches[:20]:
        a.process(b)
    assert a.groups is not None and len(a.groups) > 0
    members = a.groups.member_ids()
    assert members.size >= 4
    b2 = Tracker(s.catalog, TrackerConfig())
    b2.restore(a.snapshot())
    for b in batches[20:]:
        pa, pb = a.process(b).picture, b2.process(b).picture
        np.testing.assert_array_equal(pa.track_id, pb.track_id)
        np.testing.assert_allclose(pa.state, pb.state)
    assert Tracker(s.catalog, TrackerConfig(group_model=False)).groups is None


def test_crossing_targets_are_not_grouped() -> None:
    # Two drones crossing at 60 deg, 50 m/s, passing 30 m apart: velocities disagree, no group.
    speed = 50.0
    h = np.radians([0.0, 60.0])
    v = np.stack([speed * np.sin(h), speed * np.cos(h), np.zeros(2)], 1)
    meet = np.array([2000.0, 9000.0, 800.0])
    start = meet - 30.0 * v + np.array([[0.0, 0.0, 0.0], [30.0, 0.0, 0.0]])
    s = radar_scenario(n_targets=2, n_radars=1, n_scans=60, seed=4, start=start, velocity=v)
    tr = Tracker(s.catalog, TrackerConfig())
    for b in s.reports.batches_by_time():
        tr.process(b)
        assert tr.groups is not None and len(tr.groups) == 0


def test_bad_group_parameters_are_refused() -> None:
    for bad in (
        {"min_weight": 1.5},
        {"q_own_h": -1.0},
        {"join_sigma_mps": 0.0},
        {"eject_chi2": float("nan")},
        {"max_members": 1},
    ):
        with pytest.raises(ValueError):
            GroupParams(**bad)  # type: ignore[arg-type]
