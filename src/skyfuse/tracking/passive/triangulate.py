"""Least-squares intersection of bearing rays in 3-D, with covariance, batched over groups.

A bearing (az, el) from a sensor at ``o`` is a ray; a point ``x`` on it satisfies
``n_j . (x - o) = 0`` for the ray's two unit normals, the horizontal one ``n_az`` (always) and
the vertical one ``n_el`` (only when the report has an elevation; an azimuth-only bearing is a
vertical half-plane). Perpendicular miss distance ``n . (x - o)`` has 1-sigma ``sigma_az * r_h``
(horizontal range) or ``sigma_el * r`` (slant range), so the weighted least-squares point solves

    (sum_j w_j n_j n_j' + w_h u u') x = sum_j w_j n_j n_j' o_j + w_h u (u . o_ref + h0)

iterating the range-dependent weights a few times. ``u`` is the local up at the group and the
height prior ``h0 +- sigma_h`` (above the first sensor) keeps azimuth-only fixes finite in height.
The covariance is the inverse of the normal matrix (Cramer-Rao for the linearised problem); the
weighted residual sum ``chi2`` (prior included) tests whether the rays agree on one point.

Shapes: G groups of up to K rays, padded, with a ``valid (G, K)`` mask. Working frame (ENU or
ECEF) metres; angles radians.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]

MIN_RANGE_M = 50.0
"""Floor on ranges used in the weights (a fix on top of a sensor is not infinitely precise)."""


def ray_directions(az: F64, el: F64, rotation: F64) -> F64:
    """Unit line-of-sight vectors (..., 3) in the working frame; NaN elevation counts as 0."""
    e = np.where(np.isfinite(el), el, 0.0)
    local = np.stack([np.sin(az) * np.cos(e), np.cos(az) * np.cos(e), np.sin(e)], axis=-1)
    return np.asarray(np.einsum("...ji,...j->...i", rotation, local), dtype=np.float64)


def ray_normals(az: F64, el: F64, rotation: F64) -> tuple[F64, F64]:
    """Unit normals (..., 3) of bearing rays in the working frame: (horizontal, vertical).

    Local ENU forms: ``n_az = (cos az, -sin az, 0)``,
    ``n_el = (-sin az sin el, -cos az sin el, cos el)``; both are orthogonal to the ray.
    """
    e = np.where(np.isfinite(el), el, 0.0)
    zero = np.zeros_like(az)
    n_az = np.stack([np.cos(az), -np.sin(az), zero], axis=-1)
    n_el = np.stack([-np.sin(az) * np.sin(e), -np.cos(az) * np.sin(e), np.cos(e)], axis=-1)
    rt = "...ji,...j->...i"
    return (
        np.asarray(np.einsum(rt, rotation, n_az), dtype=np.float64),
        np.asarray(np.einsum(rt, rotation, n_el), dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class RayFix:
    """Least-squares points of G ray groups.

    Attributes:
        point: (G, 3) working-frame position, m.
        cov: (G, 3, 3) its covariance, m^2.
        chi2: (G,) weighted residual sum (prior included).
        dof: (G,) degrees of freedom of ``chi2`` (constraints + 1 prior - 3).
        range: (G, K) slant range from each ray's sensor to the point, m (NaN for padding).
        along: (G, K) signed distance of the point along each ray, m (negative: behind).
    """

    point: F64
    cov: F64
    chi2: F64
    dof: NDArray[np.int64]
    range: F64
    along: F64


def intersect_rays(
    origin: F64,
    az: F64,
    el: F64,
    sigma_az: F64,
    sigma_el: F64,
    rotation: F64,
    valid: BOOL,
    up: F64,
    *,
    height_m: float = 1000.0,
    sigma_height_m: float = 2000.0,
    iterations: int = 4,
    initial_range_m: float = 1500.0,
) -> RayFix:
    """Weighted least-squares intersection of G groups of up to K bearing rays.

    Args:
        origin: (G, K, 3) sensor positions, m. az, el, sigma_az, sigma_el: (G, K) radians
            (``el``/``sigma_el`` NaN for azimuth-only rays).
        rotation: (G, K, 3, 3) working frame -> each sensor's local ENU.
        valid: (G, K) which rays take part (padding is False).
        up: (G, 3) local up unit vector at the group (for the height prior).
        height_m, sigma_height_m: prior target height above the group's first valid sensor.
        iterations: re-weighting passes (weights depend on the ranges).
    """
    G, K = valid.shape
    n_az, n_el = ray_normals(az, el, rotation)
    has_el = valid & np.isfinite(el)
    first = np.argmax(valid, axis=1)
    o_ref = origin[np.arange(G), first]
    w_h = 1.0 / sigma_height_m**2
    b_h = np.einsum("gi,gi->g", up, o_ref) + height_m
    Nh = w_h * up[:, :, None] * up[:, None, :]
    r_h = np.full((G, K), initial_range_m)
    r = np.full((G, K), initial_range_m)
    sa = np.where(valid, sigma_az, 1.0)
    se = np.where(has_el, sigma_el, 1.0)
    for _ in range(iterations):
        w_a = np.where(valid, 1.0 / (sa * np.maximum(r_h, MIN_RANGE_M)) ** 2, 0.0)
        w_e = np.where(has_el, 1.0 / (se * np.maximum(r, MIN_RANGE_M)) ** 2, 0.0)
        Aa = np.einsum("gk,gki,gkj->gkij", w_a, n_az, n_az)
        Ae = np.einsum("gk,gki,gkj->gkij", w_e, n_el, n_el)
        Ak = Aa + Ae
        N = Ak.sum(axis=1) + Nh
        rhs = np.einsum("gkij,gkj->gi", Ak, origin) + w_h * up * b_h[:, None]
        x = np.linalg.solve(N, rhs[:, :, None])[:, :, 0]
        d = x[:, None, :] - origin
        r = np.linalg.norm(d, axis=2)
        d_local = np.einsum("gkij,gkj->gki", rotation, d)
        r_h = np.hypot(d_local[..., 0], d_local[..., 1])
    cov = np.linalg.inv(N)
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    d = x[:, None, :] - origin
    res_a = np.einsum("gki,gki->gk", n_az, d)
    res_e = np.einsum("gki,gki->gk", n_el, d)
    res_h = np.einsum("gi,gi->g", up, x) - b_h
    chi2 = (w_a * res_a**2).sum(axis=1) + (w_e * res_e**2).sum(axis=1) + w_h * res_h**2
    dof = (valid.sum(axis=1) + has_el.sum(axis=1) + 1 - 3).astype(np.int64)
    along = np.einsum("gki,gki->gk", ray_directions(az, el, rotation), d)
    rng = np.where(valid, r, np.nan)
    return RayFix(x, cov, chi2, dof, rng, np.where(valid, along, np.nan))
