"""The tracker's working frame: flat ENU for `ENU` scenarios, ECEF for `WGS84` scenarios.

A scenario in the `ENU` frame is flat by definition (no curvature, no refraction), so the working
frame is that ENU plane and every sensor's local frame is the same plane (identity rotation).
A `WGS84` scenario may span 1,000 km; its working frame is ECEF (metres), and every sensor,
site and cooperative report is converted into it with the WGS-84 ellipsoid. Sensor angles are
measured in the sensor's own local tangent plane, so each sensor carries its own rotation
``R_s`` (ECEF -> local ENU). With ``local = R_s @ (x - p_s)`` one measurement function serves
both kinds of scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation_at, geodetic_from_ecef, up_at

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class WorkFrame:
    """Conversion between scenario coordinates and the tracker's working frame.

    ``geodetic`` is False for flat `ENU` scenarios (working frame = scenario ENU, metres) and True
    for `WGS84` scenarios (working frame = ECEF, metres). ``origin_*`` is the reference used for
    maps (ENU) or for a display ENU plane (WGS84; the centroid of the sensors).
    """

    geodetic: bool
    origin_lat_deg: float = 0.0
    origin_lon_deg: float = 0.0
    origin_alt_m: float = 0.0

    # -- positions -------------------------------------------------------------------------
    def to_work(self, a: ArrayLike, b: ArrayLike, c: ArrayLike) -> F64:
        """Scenario position columns -> working-frame points (..., 3).

        ENU scenarios: (x, y, z) metres. WGS84 scenarios: (lat_deg, lon_deg, alt_m).
        """
        if self.geodetic:
            return ecef_from_geodetic(a, b, c)
        return np.stack(
            np.broadcast_arrays(
                np.asarray(a, dtype=np.float64),
                np.asarray(b, dtype=np.float64),
                np.asarray(c, dtype=np.float64),
            ),
            axis=-1,
        )

    def from_work(self, p: ArrayLike) -> tuple[F64, F64, F64]:
        """Working-frame points (..., 3) -> scenario columns (x, y, z) or (lat, lon, alt)."""
        q = np.asarray(p, dtype=np.float64)
        if self.geodetic:
            return geodetic_from_ecef(q)
        return q[..., 0].copy(), q[..., 1].copy(), q[..., 2].copy()

    def local_rotation(self, p: ArrayLike) -> F64:
        """Rotation (..., 3, 3) from working-frame vectors to local ENU at points ``p`` (..., 3)."""
        q = np.asarray(p, dtype=np.float64)
        if not self.geodetic:
            return np.broadcast_to(np.eye(3), (*q.shape[:-1], 3, 3)).copy()
        return enu_rotation_at(q)

    def up(self, p: ArrayLike) -> F64:
        """Local up unit vectors (..., 3) at working-frame points ``p``."""
        q = np.asarray(p, dtype=np.float64)
        if not self.geodetic:
            u = np.zeros_like(q)
            u[..., 2] = 1.0
            return u
        return up_at(q)

    def velocity_to_local(self, p: ArrayLike, v: ArrayLike) -> F64:
        """Working-frame velocities -> local East, North, Up velocities at the same points."""
        r = self.local_rotation(p)
        return np.asarray(np.einsum("...ij,...j->...i", r, np.asarray(v, dtype=np.float64)))

    def velocity_from_local(self, p: ArrayLike, v_enu: ArrayLike) -> F64:
        """Local East, North, Up velocities at ``p`` -> working-frame velocities."""
        r = self.local_rotation(p)
        return np.asarray(np.einsum("...ji,...j->...i", r, np.asarray(v_enu, dtype=np.float64)))

    def height(self, p: ArrayLike) -> F64:
        """Height above the ground reference (ENU z, or ellipsoidal height), metres."""
        q = np.asarray(p, dtype=np.float64)
        if not self.geodetic:
            return q[..., 2].copy()
        return geodetic_from_ecef(q)[2]

    def horizontal_distance(self, p: ArrayLike, q: ArrayLike) -> F64:
        """Approximate horizontal distance (m) between working-frame points (local plane at p)."""
        d = np.asarray(q, dtype=np.float64) - np.asarray(p, dtype=np.float64)
        if not self.geodetic:
            return np.asarray(np.hypot(d[..., 0], d[..., 1]))
        u = self.up(p)
        along_up = np.einsum("...i,...i->...", d, u)
        return np.asarray(np.sqrt(np.maximum(np.einsum("...i,...i->...", d, d) - along_up**2, 0.0)))
