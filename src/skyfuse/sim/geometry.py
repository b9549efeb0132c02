"""Geometry of the simulator: the map plane, its projection onto the earth, sectors, polylines.

Targets move in a *map plane* (x East, y North, z up, metres). In an `ENU` scenario the map plane
is the scenario frame itself. In a `WGS84` scenario it is an equirectangular unrolling of the
WGS-84 ellipsoid around the origin::

    lat = lat0 + y / M0            lon = lon0 + x / (N0 cos lat0)         alt = z

(M0, N0: meridian and prime-vertical radii at the origin). Map metres are not true metres away
from the origin, so the motion integrator scales its steps by `MapProjection.scale`: a target
flying v m/s East covers v true metres a second at any latitude, and the local East-North-Up
velocity stored with every state is the true one. Sensor geometry then uses the exact
ellipsoid through `skyfuse.geo` (ECEF positions, each sensor's own ENU rotation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyfuse.geo.frames import WGS84_A, WGS84_F, ecef_from_geodetic, enu_rotation

F64 = NDArray[np.float64]
_E2 = WGS84_F * (2.0 - WGS84_F)


def meridian_radius_m(lat_rad: ArrayLike) -> F64:
    """WGS-84 meridian radius of curvature M(lat), metres."""
    s = np.sin(np.asarray(lat_rad, dtype=np.float64))
    return np.asarray(WGS84_A * (1.0 - _E2) / (1.0 - _E2 * s * s) ** 1.5)


def prime_vertical_radius_m(lat_rad: ArrayLike) -> F64:
    """WGS-84 prime-vertical radius of curvature N(lat), metres."""
    s = np.sin(np.asarray(lat_rad, dtype=np.float64))
    return np.asarray(WGS84_A / np.sqrt(1.0 - _E2 * s * s))


@dataclass(frozen=True, slots=True)
class MapProjection:
    """Map plane <-> scenario coordinates and the working frame of `skyfuse.geo.WorkFrame`.

    ``geodetic`` False: the map plane is the flat ENU scenario frame (identity everywhere).
    """

    geodetic: bool
    lat0_deg: float = 0.0
    lon0_deg: float = 0.0

    @property
    def _m0(self) -> float:
        return float(meridian_radius_m(np.radians(self.lat0_deg)))

    @property
    def _n0cos(self) -> float:
        lat0 = np.radians(self.lat0_deg)
        return float(prime_vertical_radius_m(lat0) * np.cos(lat0))

    def geodetic_of(self, pos: ArrayLike) -> tuple[F64, F64, F64]:
        """Map points (..., 3) -> (lat_deg, lon_deg, alt_m) (WGS84 scenarios only)."""
        p = np.asarray(pos, dtype=np.float64)
        lat = self.lat0_deg + np.degrees(p[..., 1] / self._m0)
        lon = self.lon0_deg + np.degrees(p[..., 0] / self._n0cos)
        return lat, lon, p[..., 2].copy()

    def map_of_geodetic(self, lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike) -> F64:
        """(lat_deg, lon_deg, alt_m) -> map points (..., 3)."""
        x = np.radians(np.asarray(lon_deg, dtype=np.float64) - self.lon0_deg) * self._n0cos
        y = np.radians(np.asarray(lat_deg, dtype=np.float64) - self.lat0_deg) * self._m0
        z = np.asarray(alt_m, dtype=np.float64)
        return np.stack(np.broadcast_arrays(x, y, z), axis=-1)

    def scale(self, y: ArrayLike, h: ArrayLike = 0.0) -> tuple[F64, F64]:
        """Map metres per true metre (East, North) at map northing ``y`` and height ``h`` (m).

        (1, 1) when flat. On the ellipsoid a degree of longitude is (N + h) cos(lat) long and a
        degree of latitude (M + h), so a target at height h keeps its true speed.
        """
        yy = np.asarray(y, dtype=np.float64)
        if not self.geodetic:
            one = np.ones_like(yy)
            return one, one
        hh = np.asarray(h, dtype=np.float64)
        lat = np.radians(self.lat0_deg) + yy / self._m0
        kx = self._n0cos / ((prime_vertical_radius_m(lat) + hh) * np.cos(lat))
        ky = self._m0 / (meridian_radius_m(lat) + hh)
        return np.asarray(kx), np.asarray(ky)

    def to_work(self, pos: ArrayLike) -> F64:
        """Map points (..., 3) -> working-frame points (ENU metres, or ECEF metres)."""
        p = np.asarray(pos, dtype=np.float64)
        if not self.geodetic:
            return p.copy()
        lat, lon, alt = self.geodetic_of(p)
        return ecef_from_geodetic(lat, lon, alt)

    def velocity_to_work(self, pos: ArrayLike, vel_enu: ArrayLike) -> F64:
        """Local East-North-Up velocities at map points -> working-frame velocities."""
        v = np.asarray(vel_enu, dtype=np.float64)
        if not self.geodetic:
            return v.copy()
        lat, lon, _ = self.geodetic_of(pos)
        r = enu_rotation(lat, lon)
        return np.asarray(np.einsum("...ji,...j->...i", r, v))

    def scenario_position(self, pos: ArrayLike) -> F64:
        """Map points (..., 3) -> the file's position columns: x, y, z or lat, lon, alt."""
        p = np.asarray(pos, dtype=np.float64)
        if not self.geodetic:
            return p.copy()
        return np.stack(self.geodetic_of(p), axis=-1)

    def planar_point(self, x: float, y: float) -> tuple[float, float]:
        """A context point: (x, y) metres, or [lat_deg, lon_deg] in WGS84 scenarios."""
        if not self.geodetic:
            return (round(x, 1), round(y, 1))
        lat, lon, _ = self.geodetic_of(np.array([x, y, 0.0]))
        return (round(float(lat), 7), round(float(lon), 7))


def in_sector_deg(az_deg: ArrayLike, start_deg: ArrayLike, end_deg: ArrayLike) -> NDArray[np.bool_]:
    """True where azimuth lies in the clockwise sector start -> end (degrees).

    ``end < start`` means the sector spans North (e.g. [350, 10]); [0, 360] is everything.
    """
    a = np.asarray(az_deg, dtype=np.float64) % 360.0
    s = np.asarray(start_deg, dtype=np.float64)
    e = np.asarray(end_deg, dtype=np.float64)
    width = (e - s) % 360.0
    full = (e - s) >= 360.0
    return np.asarray(full | (((a - s % 360.0) % 360.0) <= width))


def polyline_crossing(p0: F64, p1: F64, border: F64) -> tuple[NDArray[np.bool_], F64]:
    """First crossing of segments p0 -> p1 (n, 2) with a polyline (m, 2).

    Returns (crossed (n,), fraction along p0 -> p1 of the first crossing in [0, 1], NaN if none).
    Only crossings from the right to the left side of the polyline (walking first -> last
    point) count: in `context.json` the partner's side is on the left.
    """
    a = border[:-1][None, :, :]
    b = border[1:][None, :, :]
    d = (p1 - p0)[:, None, :]
    e = b - a
    w = a - p0[:, None, :]
    denom = d[..., 0] * e[..., 1] - d[..., 1] * e[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (w[..., 0] * e[..., 1] - w[..., 1] * e[..., 0]) / denom
        u = (w[..., 0] * d[..., 1] - w[..., 1] * d[..., 0]) / denom
    # Moving right -> left of segment e means the cross product e x d > 0.
    leftward = (e[..., 0] * d[..., 1] - e[..., 1] * d[..., 0]) > 0.0
    hit = (denom != 0.0) & (s >= 0.0) & (s <= 1.0) & (u >= 0.0) & (u <= 1.0) & leftward
    frac = np.where(hit, s, np.inf).min(axis=1)
    crossed = np.isfinite(frac)
    return crossed, np.where(crossed, frac, np.nan)


def side_of_polyline(p: F64, border: F64) -> F64:
    """Signed side of points (n, 2) against a polyline (m, 2): > 0 left, < 0 right.

    Uses the nearest segment (by distance to the segment), which is exact for points closer to
    the polyline than its turns are sharp.
    """
    a = border[:-1][None, :, :]
    e = (border[1:] - border[:-1])[None, :, :]
    w = p[:, None, :] - a
    t = np.clip(np.einsum("nmk,nmk->nm", w, e) / np.einsum("nmk,nmk->nm", e, e), 0.0, 1.0)
    closest = a + t[..., None] * e
    dist = np.linalg.norm(p[:, None, :] - closest, axis=-1)
    j = np.argmin(dist, axis=1)
    rows = np.arange(p.shape[0])
    ej = e[0, j]
    wj = w[rows, j]
    return np.asarray(ej[:, 0] * wj[:, 1] - ej[:, 1] * wj[:, 0])
