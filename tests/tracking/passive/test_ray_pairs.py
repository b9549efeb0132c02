"""Closed-form two-ray fixes and the pair pre-screen against the general N-ray least squares."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from scipy.stats import chi2

from skyfuse.tracking.passive.triangulate import (
    baseline_geometry,
    intersect_ray_pairs,
    intersect_rays,
    ray_normals,
    ray_pair_screen,
)


def _random_pairs(g: int, seed: int, *, tilt: float = 0.002) -> dict[str, np.ndarray]:
    """G pairs of acoustic-like rays from sensors up to ~18 km apart, half azimuth-only."""
    rng = np.random.default_rng(seed)
    origin = np.zeros((g, 2, 3))
    origin[:, 1, :2] = rng.uniform(-12_000.0, 12_000.0, (g, 2))
    origin[..., 2] = rng.normal(0.0, 30.0, (g, 2))
    az = rng.uniform(0.0, 2.0 * np.pi, (g, 2))
    el = rng.uniform(0.0, 0.8, (g, 2))
    el[rng.random((g, 2)) < 0.3] = np.nan
    sigma_az = rng.uniform(0.01, 0.06, (g, 2))
    sigma_el = np.where(np.isfinite(el), rng.uniform(0.02, 0.08, (g, 2)), np.nan)
    # Each sensor's local frame slightly tilted (earth curvature over ~10 km is ~0.0016 rad).
    rotation = Rotation.from_rotvec(rng.normal(0.0, tilt, (g * 2, 3))).as_matrix()
    rotation = rotation.reshape(g, 2, 3, 3)
    up = rotation[:, 0, 2, :].copy()
    return {
        "origin": origin,
        "az": az,
        "el": el,
        "sigma_az": sigma_az,
        "sigma_el": sigma_el,
        "rotation": rotation,
        "up": up,
    }


def test_pair_fix_equals_general_least_squares() -> None:
    p = _random_pairs(20_000, 1)
    general = intersect_rays(
        p["origin"],
        p["az"],
        p["el"],
        p["sigma_az"],
        p["sigma_el"],
        p["rotation"],
        np.ones(p["az"].shape, bool),
        p["up"],
    )
    pair = intersect_ray_pairs(
        p["origin"], p["az"], p["el"], p["sigma_az"], p["sigma_el"], p["rotation"], p["up"]
    )
    # Compare where the problem is well conditioned (near-parallel rays give fixes at 1e8 m).
    sane = np.all(general.range < 50_000.0, axis=1)
    assert sane.mean() > 0.5
    np.testing.assert_allclose(pair.point[sane], general.point[sane], rtol=1e-7, atol=1e-4)
    np.testing.assert_allclose(pair.cov[sane], general.cov[sane], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(pair.chi2[sane], general.chi2[sane], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pair.range[sane], general.range[sane], rtol=1e-7, atol=1e-4)
    np.testing.assert_allclose(pair.along[sane], general.along[sane], rtol=1e-7, atol=1e-4)
    np.testing.assert_array_equal(pair.dof, general.dof)


@pytest.mark.parametrize("seed", [2, 3])
def test_screen_keeps_every_acceptable_pair(seed: int) -> None:
    """Every pair whose fix is in front of both sensors, within reach, passes the angle gate
    and misses each ray by at most 5 sigma at the fix also passes the screen; and the screen
    rejects a good share of random pairs.

    (The gate's weights use the ranges of the previous re-weighting pass, so a fix that has
    not converged can pass the gate with a ray missing it by 8+ sigma: such pairs are not
    consistent rays and the screen may drop them.)"""
    p = _random_pairs(50_000, seed)
    general = intersect_rays(
        p["origin"],
        p["az"],
        p["el"],
        p["sigma_az"],
        p["sigma_el"],
        p["rotation"],
        np.ones(p["az"].shape, bool),
        p["up"],
    )
    reach = np.full(p["az"].shape, 8_500.0)
    gate = chi2.ppf(0.997, np.maximum(general.dof, 1))
    good = np.all(general.along > 0.0, axis=1) & np.all(general.range <= reach, axis=1)
    good &= (general.dof <= 0) | (general.chi2 <= gate)
    n_az, _ = ray_normals(p["az"], p["el"], p["rotation"])
    d = general.point[:, None, :] - p["origin"]
    local = np.einsum("gkij,gkj->gki", p["rotation"], d)
    r_h = np.maximum(np.hypot(local[..., 0], local[..., 1]), 50.0)
    miss = np.abs(np.einsum("gki,gki->gk", n_az, d)) / (p["sigma_az"] * r_h)
    good &= np.all(miss <= 5.0, axis=1)
    base_az, base_m = baseline_geometry(
        p["origin"][:, 0], p["rotation"][:, 0], p["origin"][:, 1], p["rotation"][:, 1]
    )
    half = np.minimum(6.0 * p["sigma_az"] + 0.02, np.pi)
    screen = ray_pair_screen(p["az"], base_az, base_m, half, reach + 1.0)
    assert good.sum() > 1000
    assert not np.any(good & ~screen)
    assert screen.mean() < 0.5


def test_screen_geometry() -> None:
    """Two sensors 10 km apart on the x (east) axis, flat frame."""
    origin = np.array([[[0.0, 0.0, 0.0], [10_000.0, 0.0, 0.0]]] * 4)
    rotation = np.broadcast_to(np.eye(3), (4, 2, 3, 3)).copy()
    # Azimuths clockwise from north: (45, 315) cross at (5 km, 5 km); (45, 45) diverge;
    # (45, 315) with 3 km reach cannot reach the crossing; (135, 225) cross to the south.
    az = np.radians([[45.0, 315.0], [45.0, 45.0], [45.0, 315.0], [135.0, 225.0]])
    base_az, base_m = baseline_geometry(origin[:, 0], rotation[:, 0], origin[:, 1], rotation[:, 1])
    np.testing.assert_allclose(np.degrees(base_az[0]), [90.0, 270.0])
    np.testing.assert_allclose(base_m, 10_000.0)
    half = np.full((4, 2), 0.05)
    reach = np.array([[8_000.0] * 2, [8_000.0] * 2, [3_000.0] * 2, [8_000.0] * 2])
    got = ray_pair_screen(az, base_az, base_m, half, reach)
    np.testing.assert_array_equal(got, [True, False, False, True])
