"""Pure, vectorised geometry of threat assessment.

Everything here works in a local horizontal plane (East, North metres): the working frame of a flat
`ENU` scenario, or the tangent plane at each track for a `WGS84` scenario (see
`track_local_frames`). Tracks fly straight lines at constant velocity over the prediction horizon
(the constant-velocity prediction the tracker itself uses), so every question is closed-form:
closest point of approach to a site, crossing of a border polyline, convergence of backward rays.

Shapes: ``n`` tracks, ``m`` sites, ``s`` border segments, ``k`` rays. Times in seconds, distances
in metres, velocities in m/s. No function mutates its inputs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, ndtr

from skyfuse.geo.workframe import WorkFrame

F64 = NDArray[np.float64]

_XY = np.array([0, 1])
_VXY = np.array([3, 4])


def track_local_frames(frame: WorkFrame, state: F64, cov: F64) -> tuple[F64, F64, F64]:
    """Rotate track states into each track's local East-North-Up frame.

    Args:
        frame: the working frame of ``state``.
        state: (n, 6) working-frame position (m) and velocity (m/s).
        cov: (n, 6, 6) working-frame state covariance.

    Returns:
        ``R`` (n, 3, 3) working frame -> local ENU rotation at each track, ``vel`` (n, 3) local
        ENU velocity (m/s) and ``P`` (n, 6, 6) covariance of (local position, local velocity).
        In an `ENU` scenario ``R`` is the identity and the outputs equal the inputs.
    """
    R = frame.local_rotation(state[:, :3])
    vel = np.einsum("nij,nj->ni", R, state[:, 3:])
    return R, vel, local_covariance(R, cov)


def local_covariance(R: F64, cov: F64) -> F64:
    """Rotate (n, 6, 6) working-frame state covariances by (n, 3, 3) rotations ``R`` applied to
    both the position and the velocity block: ``T P T'`` with ``T = diag(R, R)``."""
    T = np.zeros((len(R), 6, 6))
    T[:, :3, :3] = R
    T[:, 3:, 3:] = R
    return np.asarray(T @ cov @ np.swapaxes(T, 1, 2))


def points_relative(R: F64, origin: F64, points: F64) -> F64:
    """Points (m, 3) as seen from each track: local ENU offsets (n, m, 3), metres.

    ``R`` (n, 3, 3) and ``origin`` (n, 3) are the tracks' rotations and working-frame positions.
    """
    d = points[None, :, :] - origin[:, None, :]
    return np.asarray(np.einsum("nij,nmj->nmi", R, d))


def left_normal(d: F64) -> F64:
    """The 2-D vectors ``d`` (..., 2) turned 90 degrees anticlockwise (to the left)."""
    return np.stack((-d[..., 1], d[..., 0]), axis=-1)


def cross2(a: F64, b: F64) -> F64:
    """z component of the 2-D cross product ``a x b`` (...,)."""
    return np.asarray(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])


def closest_approach(rel: F64, vel: F64, min_speed_mps: float = 1.0) -> tuple[F64, F64]:
    """Closest point of approach of straight tracks to points.

    Args:
        rel: (n, m, 2) horizontal offsets point - track, metres.
        vel: (n, 2) horizontal track velocities, m/s.
        min_speed_mps: slower tracks are treated as hovering (time 0, miss = current distance).

    Returns:
        ``t_cpa`` (n, m): time of closest approach, s, clipped at 0 (a track moving away is
        closest now). ``miss`` (n, m): signed cross-track distance at closest approach, metres,
        positive when the point lies to the left of the course; for hovering tracks and tracks
        moving away it is the current distance.
    """
    speed2 = np.einsum("ni,ni->n", vel, vel)
    moving = speed2 >= min_speed_mps**2
    safe2 = np.where(moving, speed2, 1.0)
    along = np.einsum("nmi,ni->nm", rel, vel) / safe2[:, None]
    t_cpa = np.where(moving[:, None], np.maximum(along, 0.0), 0.0)
    ahead = moving[:, None] & (along > 0.0)
    unit = vel / np.sqrt(safe2)[:, None]
    cross = cross2(unit[:, None, :], rel)
    dist = np.linalg.norm(rel, axis=-1)
    miss = np.where(ahead, cross, dist)
    return t_cpa, miss


def closing_score(
    rel: F64,
    vel: F64,
    radius: F64,
    horizon_s: float,
    max_angle_rad: float,
    min_speed_mps: float = 1.0,
) -> tuple[F64, F64]:
    """Soft indicator (0..1) that a track is closing on a point and could reach it soon.

    For routes with doglegs the straight-line course points at the target only on the last
    leg; a hostile track that is near a site and roughly closing on it is a threat before then.
    The score is ``expit((horizon - tau) / (0.1 horizon)) * expit((cos a - cos a_max) / 0.05)``
    with ``tau = (range - radius) / speed`` the time to reach the radius flying straight at it
    (s) and ``a`` the angle between course and bearing; 1 inside the radius.

    Args:
        rel: (n, m, 2) horizontal offsets point - track, m. ``vel``: (n, 2) velocity, m/s.
        radius: (m,) or (n, m) radii, m. ``horizon_s``: reach time scale, s.
        max_angle_rad: course-bearing angle beyond which the track is not closing.

    Returns the score (n, m) and ``tau`` (n, m), s (inf for tracks slower than min_speed).
    """
    dist = np.linalg.norm(rel, axis=-1)
    speed = np.linalg.norm(vel, axis=-1)
    moving = speed >= min_speed_mps
    safe = np.where(moving, speed, 1.0)
    cos_a = np.einsum("nmi,ni->nm", rel, vel) / np.maximum(dist * safe[:, None], 1e-9)
    tau = np.where(moving[:, None], np.maximum(dist - radius, 0.0) / safe[:, None], np.inf)
    reach = expit((horizon_s - tau) / (0.1 * horizon_s))
    aim = expit((cos_a - np.cos(max_angle_rad)) / 0.05)
    inside = dist <= radius
    score = np.where(inside, 1.0, np.where(moving[:, None], reach * aim, 0.0))
    return np.asarray(score), np.asarray(tau)


def aim_likelihood(
    rel: F64,
    vel: F64,
    radius: F64,
    heading_sigma_rad: F64,
    final_leg_share: float,
    dogleg_max_rad: float,
) -> F64:
    """Likelihood (n, m) of each track's current course if the track were flying to each site.

    A route to a site is straight legs through dogleg waypoints, then a final leg at the
    site. The course angle ``a`` from the bearing to the site is modelled as a mixture
    (density per radian): with weight ``q = final_leg_share`` the final leg,
    ``N(a; 0, sigma^2)`` with ``sigma^2 = heading_sigma^2 + (radius / range)^2 / 3`` (course
    error plus aim anywhere within the site's radius); otherwise a dogleg leg, uniform within
    ``+-dogleg_max_rad`` of the bearing. A site the course points straight at explains it
    far better than one it is merely closing on; a site behind the track explains nothing.

    Args:
        rel: (n, m, 2) horizontal offsets site - track, m. ``vel``: (n, 2) velocity, m/s.
        radius: (m,) or (n, m) site radii, m. ``heading_sigma_rad``: (n,) 1-sigma of each
            track's course, rad.
    """
    dist = np.maximum(np.linalg.norm(rel, axis=-1), 1e-9)
    speed = np.maximum(np.linalg.norm(vel, axis=-1), 1e-9)
    cos_a = np.einsum("nmi,ni->nm", rel, vel) / (dist * speed[:, None])
    sin_a = cross2(vel[:, None, :], rel) / (dist * speed[:, None])
    a = np.arctan2(sin_a, cos_a)
    half = np.arctan2(radius, dist)
    var = np.square(heading_sigma_rad)[:, None] + np.square(half) / 3.0
    final = np.exp(-0.5 * a * a / var) / np.sqrt(2.0 * np.pi * var)
    dogleg = np.where(np.abs(a) <= dogleg_max_rad, 0.5 / dogleg_max_rad, 0.0)
    return np.asarray(final_leg_share * final + (1.0 - final_leg_share) * dogleg)


def horizontal_cov_at(P: F64, t: F64) -> F64:
    """Horizontal position covariance (n, m, 2, 2), m^2, predicted ``t`` (n, m) seconds ahead.

    Constant-velocity prediction of the (n, 6, 6) local covariance ``P``:
    ``P_xy(t) = P_pp + t (P_pv + P_vp) + t^2 P_vv`` over the East/North components (no process
    noise: the spread of the course alone).
    """
    Ppp = P[:, _XY][:, :, _XY]
    Ppv = P[:, _XY][:, :, _VXY]
    Pvv = P[:, _VXY][:, :, _VXY]
    tt = t[..., None, None]
    out = Ppp[:, None] + tt * (Ppv + np.swapaxes(Ppv, -1, -2))[:, None] + tt**2 * Pvv[:, None]
    return np.asarray(out)


def variance_along(C: F64, u: F64) -> F64:
    """Variance ``u' C u`` (...,) of covariances C (..., 2, 2) along unit vectors u (..., 2)."""
    return np.asarray(np.einsum("...i,...ij,...j->...", u, C, u))


def pass_within_probability(miss: F64, sigma: F64, radius: F64) -> F64:
    """Probability that a Gaussian cross-track offset N(miss, sigma^2) lies within +-radius.

    ``Phi((r - d) / s) - Phi((-r - d) / s)``; ``sigma`` is floored at 1 mm so an exact track gives
    a step function.
    """
    s = np.maximum(sigma, 1e-3)
    return np.asarray(ndtr((radius - miss) / s) - ndtr((-radius - miss) / s))


def radius95(C: F64) -> F64:
    """Radius (m) of the circle holding the 95 % ellipse of 2-D covariances C (..., 2, 2).

    ``sqrt(chi2_2(0.95) * lambda_max)`` with chi2_2(0.95) = 5.991.
    """
    a = C[..., 0, 0]
    b = C[..., 0, 1]
    d = C[..., 1, 1]
    lam = 0.5 * (a + d) + np.sqrt(np.maximum(0.25 * (a - d) ** 2 + b * b, 0.0))
    return np.asarray(np.sqrt(5.991 * np.maximum(lam, 0.0)))


def first_leftward_crossing(
    pos: F64, vel: F64, a: F64, b: F64, horizon_s: float
) -> tuple[F64, NDArray[np.intp], F64]:
    """First crossing of straight tracks with a polyline, moving to its left side.

    The polyline's left side is the side on the left walking from its first point to its last
    (the partner's side of a border). Crossings to the right are ignored.

    Args:
        pos: (n, 2) horizontal track positions, metres.
        vel: (n, 2) horizontal velocities, m/s.
        a, b: (n, s, 2) segment start and end points as seen by each track (or (s, 2), broadcast).
        horizon_s: ignore crossings later than this, s.

    Returns:
        ``t`` (n,) time to the crossing (inf if none), ``seg`` (n,) index of the crossed segment
        (-1 if none), ``point`` (n, 2) the crossing point (NaN if none).
    """
    a3 = np.broadcast_to(a, (pos.shape[0], *a.shape[-2:]))
    b3 = np.broadcast_to(b, (pos.shape[0], *b.shape[-2:]))
    d = b3 - a3
    w = a3 - pos[:, None, :]
    v = vel[:, None, :]
    denom = cross2(v, d)
    leftward = denom < 0.0
    safe = np.where(leftward, denom, -1.0)
    t = cross2(w, d) / safe
    u = cross2(w, v) / safe
    ok = leftward & (t >= 0.0) & (t <= horizon_s) & (u >= 0.0) & (u <= 1.0)
    t = np.where(ok, t, np.inf)
    seg = np.argmin(t, axis=1)
    t_first = t[np.arange(len(t)), seg]
    hit = np.isfinite(t_first)
    point = np.where(hit[:, None], pos + vel * np.where(hit, t_first, 0.0)[:, None], np.nan)
    return t_first, np.where(hit, seg, -1).astype(np.intp), point


def side_of_polyline(p: F64, points: F64) -> F64:
    """Which side of an open polyline 2-D points lie on: +1 left, -1 right, 0 on it.

    Decided by the nearest segment (ties go to the first). ``p`` (n, 2), ``points`` (q, 2).
    """
    a = points[:-1][None]
    d = (points[1:] - points[:-1])[None]
    w = p[:, None, :] - a
    dd = np.maximum(np.einsum("nsi,nsi->ns", d, d), 1e-12)
    u = np.clip(np.einsum("nsi,nsi->ns", w, d) / dd, 0.0, 1.0)
    dist = np.linalg.norm(w - u[..., None] * d, axis=-1)
    j = np.argmin(dist, axis=1)
    rows = np.arange(len(p))
    c = cross2(d[0, j], w[rows, j])
    return np.asarray(np.sign(c))


def ray_distance(x: F64, p: F64, b: F64) -> tuple[F64, F64]:
    """Distance from points to backward rays ``p + s b``, s >= 0.

    Args:
        x: (c, 2) candidate points.
        p: (k, 2) ray origins (track positions), b: (k, 2) unit ray directions.

    Returns:
        ``dist`` (c, k) perpendicular distance to the ray (distance to its origin when the point
        lies in front of it), metres; ``s`` (c, k) signed distance along the ray, metres.
    """
    w = x[:, None, :] - p[None, :, :]
    s = np.einsum("cki,ki->ck", w, b)
    perp = np.abs(cross2(b[None, :, :], w))
    dist = np.where(s >= 0.0, perp, np.linalg.norm(w, axis=-1))
    return np.asarray(dist), s


def rays_convergence(p: F64, b: F64, weights: F64 | None = None) -> tuple[F64, F64, F64]:
    """Least-squares point of closest approach of 2-D lines ``p_i + s b_i``.

    Minimises ``sum_i w_i |(I - b_i b_i') (x - p_i)|^2``:
    ``x = (sum w_i A_i)^-1 sum w_i A_i p_i`` with ``A_i = I - b_i b_i'``.

    Returns ``x`` (2,), its covariance (2, 2) ``sigma^2 (sum w A)^-1`` with the residual variance
    ``sigma^2 = sum w r^2 / (sum w - 2)`` (floored at 1 m^2), and the residuals ``r`` (k,), metres.
    Raises ValueError with fewer than two rays or parallel rays.
    """
    if len(p) < 2:
        raise ValueError(f"rays_convergence: need at least 2 rays, got {len(p)}")
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=np.float64)
    A = np.eye(2)[None] - b[:, :, None] * b[:, None, :]
    S = np.einsum("k,kij->ij", w, A)
    if np.linalg.cond(S) > 1e8:
        raise ValueError("rays_convergence: rays are (nearly) parallel")
    x = np.linalg.solve(S, np.einsum("k,kij,kj->i", w, A, p))
    r = np.abs(cross2(b, x[None, :] - p))
    dof = max(float(w.sum()) - 2.0, 1.0)
    sigma2 = max(float(np.sum(w * r**2)) / dof, 1.0)
    return x, sigma2 * np.linalg.inv(S), r


def ray_pair_intersections(p: F64, b: F64, i: NDArray[np.intp], j: NDArray[np.intp]) -> F64:
    """Intersections (q, 2) of ray pairs (i, j) behind both origins; NaN rows where the rays are
    near-parallel (sine of the angle under 0.02) or meet in front of either track."""
    bi, bj = b[i], b[j]
    w = p[j] - p[i]
    den = cross2(bi, bj)
    ok = np.abs(den) > 0.02
    safe = np.where(ok, den, 1.0)
    si = cross2(w, bj) / safe
    sj = cross2(w, bi) / safe
    ok &= (si >= 0.0) & (sj >= 0.0)
    x = p[i] + si[:, None] * bi
    return np.where(ok[:, None], x, np.nan)


def segment_distance(x: F64, a: F64, b: F64) -> tuple[F64, F64]:
    """Distance from points x (c, 2) to segments a -> b (k, 2); returns (dist (c, k), u (c, k))
    with ``u`` in [0, 1] the position of the nearest point along each segment."""
    d = b - a
    w = x[:, None, :] - a[None]
    dd = np.maximum(np.einsum("ki,ki->k", d, d), 1e-12)
    u = np.clip(np.einsum("cki,ki->ck", w, d) / dd[None], 0.0, 1.0)
    dist = np.linalg.norm(w - u[..., None] * d[None], axis=-1)
    return np.asarray(dist), u


def goal_posterior(likelihood: F64, elsewhere_weight: float, elsewhere_density: float) -> F64:
    """Posterior (n, m) that each track flies to each site, from course likelihoods.

    Hypotheses: "goal = site j" for every site (equal prior weight 1 each) and "goal
    elsewhere" (a transit, a border, a site we do not protect: prior weight
    ``elsewhere_weight``, course density ``elsewhere_density`` per radian, 1 / (2 pi) for a
    course unrelated to any site). ``likelihood`` (n, m): course density per radian under each
    site hypothesis (`aim_likelihood`, zero for sites out of reach). A course that only one
    site explains well gives that site most of the mass; two sites it explains alike share
    it, so neither is named as *the* goal.
    """
    lik = np.maximum(np.asarray(likelihood, dtype=np.float64), 0.0)
    den = lik.sum(axis=1, keepdims=True) + elsewhere_weight * elsewhere_density
    return np.asarray(lik / np.maximum(den, 1e-300))
