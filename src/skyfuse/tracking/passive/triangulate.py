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


def _rotate_to_frame(rotation: F64, local: F64) -> F64:
    """``rotation' @ local`` for (..., 3, 3) rotations and (..., 3) vectors, elementwise."""
    return np.asarray(
        rotation[..., 0, :] * local[..., 0:1]
        + rotation[..., 1, :] * local[..., 1:2]
        + rotation[..., 2, :] * local[..., 2:3],
        dtype=np.float64,
    )


def intersect_ray_pairs(
    origin: F64,
    az: F64,
    el: F64,
    sigma_az: F64,
    sigma_el: F64,
    rotation: F64,
    up: F64,
    *,
    height_m: float = 1000.0,
    sigma_height_m: float = 2000.0,
    iterations: int = 4,
    initial_range_m: float = 1500.0,
) -> RayFix:
    """`intersect_rays` for G groups of exactly two rays, in closed form.

    The same weighted least squares and re-weighting as `intersect_rays` (all rays valid), but
    the 3x3 normal matrix is built from its six distinct entries as (G,) columns and inverted
    by its adjugate (it is symmetric positive definite: the height prior alone makes it so),
    with no (G, K, 3, 3) temporaries, no batched LAPACK calls and no einsum: the cost of
    pairing many clutter bearings is a few dozen vector operations per pair.

    Args:
        origin: (G, 2, 3) sensor positions, working frame, m. az, el, sigma_az, sigma_el:
            (G, 2) radians (``el``/``sigma_el`` NaN for azimuth-only rays).
        rotation: (G, 2, 3, 3) working frame -> each sensor's local ENU.
        up: (G, 3) local up unit vector at the group (for the height prior).
        height_m, sigma_height_m: prior target height above the first sensor, m.
        iterations: re-weighting passes (weights depend on the ranges).

    Returns:
        A `RayFix` with K = 2.
    """
    G = az.shape[0]
    has_el = np.isfinite(el)
    e = np.where(has_el, el, 0.0)
    sin_a, cos_a, sin_e, cos_e = np.sin(az), np.cos(az), np.sin(e), np.cos(e)
    zero = np.zeros_like(az)
    n_az = _rotate_to_frame(rotation, np.stack([cos_a, -sin_a, zero], axis=-1))
    n_el = _rotate_to_frame(rotation, np.stack([-sin_a * sin_e, -cos_a * sin_e, cos_e], axis=-1))
    direction = _rotate_to_frame(rotation, np.stack([sin_a * cos_e, cos_a * cos_e, sin_e], axis=-1))
    o_ref = origin[:, 0]
    w_h = 1.0 / sigma_height_m**2
    b_h = (up * o_ref).sum(axis=1) + height_m
    # Projections n . o of each ray's normals on its own origin (rhs of the normal equations).
    p_az = (n_az * origin).sum(axis=2)
    p_el = (n_el * origin).sum(axis=2)
    # Local-frame rows 0 and 1 of each rotation (horizontal range in the sensor's frame).
    r0, r1 = rotation[..., 0, :], rotation[..., 1, :]
    sa = sigma_az
    se = np.where(has_el, sigma_el, 1.0)
    r_h = np.full((G, 2), initial_range_m)
    r = np.full((G, 2), initial_range_m)
    ii = (0, 1, 2, 0, 0, 1)
    jj = (0, 1, 2, 1, 2, 2)
    # Per constraint row (2 azimuth, 2 elevation): the six distinct entries of n n' and the
    # three of n (n . o); one weighted sum over the rows gives N and the rhs each pass.
    normals = np.concatenate([n_az, n_el], axis=1)  # (G, 4, 3)
    proj = np.concatenate([p_az, p_el], axis=1)  # (G, 4)
    terms = np.concatenate(
        [normals[..., ii] * normals[..., jj], normals * proj[..., None]], axis=2
    )  # (G, 4, 9)
    prior = np.concatenate(
        [w_h * up[:, ii] * up[:, jj], (w_h * b_h)[:, None] * up], axis=1
    )  # (G, 9)
    x = np.zeros((G, 3))
    inv_cols: list[F64] = []
    w_a = w_e = np.zeros((G, 2))
    for _ in range(iterations):
        w_a = 1.0 / (sa * np.maximum(r_h, MIN_RANGE_M)) ** 2
        w_e = np.where(has_el, 1.0 / (se * np.maximum(r, MIN_RANGE_M)) ** 2, 0.0)
        sums = np.einsum("gk,gkm->gm", np.concatenate([w_a, w_e], axis=1), terms) + prior
        a, b, c, d, f, g = (sums[:, m] for m in range(6))
        rhs = sums[:, 6:]
        # Adjugate of the symmetric [[a d f] [d b g] [f g c]].
        A00 = b * c - g * g
        A11 = a * c - f * f
        A22 = a * b - d * d
        A01 = f * g - d * c
        A02 = d * g - b * f
        A12 = d * f - a * g
        det = a * A00 + d * A01 + f * A02
        inv_cols = [A00 / det, A11 / det, A22 / det, A01 / det, A02 / det, A12 / det]
        i00, i11, i22, i01, i02, i12 = inv_cols
        x = np.stack(
            [
                i00 * rhs[:, 0] + i01 * rhs[:, 1] + i02 * rhs[:, 2],
                i01 * rhs[:, 0] + i11 * rhs[:, 1] + i12 * rhs[:, 2],
                i02 * rhs[:, 0] + i12 * rhs[:, 1] + i22 * rhs[:, 2],
            ],
            axis=1,
        )
        dvec = x[:, None, :] - origin
        r = np.sqrt((dvec * dvec).sum(axis=2))
        r_h = np.hypot((r0 * dvec).sum(axis=2), (r1 * dvec).sum(axis=2))
    i00, i11, i22, i01, i02, i12 = inv_cols
    cov = np.stack(
        [
            np.stack([i00, i01, i02], axis=1),
            np.stack([i01, i11, i12], axis=1),
            np.stack([i02, i12, i22], axis=1),
        ],
        axis=1,
    )
    dvec = x[:, None, :] - origin
    res_a = (n_az * dvec).sum(axis=2)
    res_e = (n_el * dvec).sum(axis=2)
    res_h = (up * x).sum(axis=1) - b_h
    chi2 = (w_a * res_a**2).sum(axis=1) + (w_e * res_e**2).sum(axis=1) + w_h * res_h**2
    dof = (2 + has_el.sum(axis=1) + 1 - 3).astype(np.int64)
    along = (direction * dvec).sum(axis=2)
    return RayFix(x, cov, chi2, dof, r, along)


def ray_pair_screen(
    az: F64,
    baseline_az: F64,
    baseline_m: F64,
    half_width: F64,
    reach: F64,
    *,
    near_m: float = 100.0,
) -> BOOL:
    """Necessary condition for two bearing rays to have a common point in front of both
    sensors within their reach: a cheap, conservative pre-screen before `intersect_ray_pairs`.

    Each sensor sees the other along the baseline: ``baseline_az[:, 0]`` is the azimuth of
    sensor 2 in sensor 1's local frame, ``baseline_az[:, 1]`` that of sensor 1 in sensor 2's
    (precomputed per sensor pair, so a pair of bearings costs a few scalar operations). Each
    ray is widened to a wedge of half-angle ``half_width`` (its angular gate plus slack)
    truncated at ``reach``; a pair passes when (a) the two wedges head to the same side of the
    baseline with ``phi1 + phi2 < pi`` for some angles in the wedges (they cross in front of
    both), or either ray passes within ``near_m`` of the other sensor (a fix on top of a sensor
    has no meaningful bearing from it), and (b) each wedge comes within the other sensor's
    reach. Slant ranges are at least horizontal ones, so a pair rejected here has no point
    within reach, in front of both sensors and within both angular gates.

    Args:
        az: (G, 2) azimuths of the two bearings, each in its own sensor's local frame, rad.
        baseline_az: (G, 2) azimuth of the other sensor from each sensor, rad.
        baseline_m: (G,) horizontal sensor separation, m (the smaller of the two local ones).
        half_width: (G, 2) wedge half-angles, radians.
        reach: (G, 2) horizontal reach of each sensor, m.
        near_m: distance from a sensor within which any crossing angle is accepted, m.

    Returns:
        (G,) True where the pair may intersect.
    """
    # Ray 1's angle from the baseline o1 -> o2 and ray 2's from o2 -> o1, in mirrored senses:
    # same sign when the rays head to the same side of the baseline.
    th1 = (az[:, 0] - baseline_az[:, 0] + np.pi) % (2.0 * np.pi) - np.pi
    th2 = (baseline_az[:, 1] - az[:, 1] + np.pi) % (2.0 * np.pi) - np.pi
    d1, d2 = half_width[:, 0], half_width[:, 1]
    lo1, hi1, lo2, hi2 = th1 - d1, th1 + d1, th2 - d2, th2 + d2
    left = (hi1 > 0) & (hi2 > 0) & (np.maximum(lo1, 0.0) + np.maximum(lo2, 0.0) < np.pi)
    right = (lo1 < 0) & (lo2 < 0) & (np.maximum(-hi1, 0.0) + np.maximum(-hi2, 0.0) < np.pi)
    D = baseline_m
    near_angle = near_m / np.maximum(D, 1e-9)
    near = (np.abs(th1) <= d1 + near_angle) | (np.abs(th2) <= d2 + near_angle)
    near |= near_m >= D
    ok = left | right | near
    # Reach test only where the wedges cross (most clutter pairs do not).
    c = np.flatnonzero(ok)
    reaches = _sector_reaches(th1[c], d1[c], D[c], reach[c, 0], reach[c, 1])
    reaches &= _sector_reaches(th2[c], d2[c], D[c], reach[c, 1], reach[c, 0])
    ok[c] = reaches
    return np.asarray(ok, dtype=bool)


def baseline_geometry(
    origin: F64, rotation: F64, other: F64, other_rotation: F64
) -> tuple[F64, F64]:
    """Baselines of sensor pairs for `ray_pair_screen`: (azimuth of the other sensor in each
    sensor's local frame, shape (E, 2), rad; horizontal separation (E,), m, the smaller of the
    two local ones). ``origin``/``other`` (E, 3) working-frame positions, ``rotation``/
    ``other_rotation`` (E, 3, 3) working frame -> local ENU."""
    d = other - origin
    fwd = np.einsum("eij,ej->ei", rotation, d)
    back = np.einsum("eij,ej->ei", other_rotation, -d)
    az = np.stack(
        [np.arctan2(fwd[:, 0], fwd[:, 1]), np.arctan2(back[:, 0], back[:, 1])], axis=1
    ) % (2.0 * np.pi)
    dist = np.minimum(np.hypot(fwd[:, 0], fwd[:, 1]), np.hypot(back[:, 0], back[:, 1]))
    return np.asarray(az, dtype=np.float64), np.asarray(dist, dtype=np.float64)


def _sector_reaches(th: F64, half: F64, D: F64, r_own: F64, r_other: F64) -> BOOL:
    """Whether the sector (apex at the origin, axis ``th`` from the +x axis, half-angle
    ``half``, radius ``r_own``) comes within ``r_other`` of the point (D, 0)."""
    # Angle from the sector's nearer edge to the other sensor (0 if the sensor is inside).
    off = np.maximum(np.abs(th) - half, 0.0)
    off = np.minimum(off, np.pi)
    c, s = np.cos(off), np.sin(off)
    t = D * c
    dist = np.where(
        t <= 0.0,
        D,
        np.where(t >= r_own, np.hypot(D - r_own * c, r_own * s), D * np.abs(s)),
    )
    return np.asarray(dist <= r_other, dtype=bool)
