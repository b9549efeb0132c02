"""Pure, vectorised frame helpers (WGS-84, ECEF, local ENU, sensor polar).

Every function takes and returns NumPy arrays (scalars broadcast), never mutates its inputs, and
states its units: metres, seconds, degrees only where the name says ``_deg``.
"""

from skyfuse.geo.frames import (
    WGS84_A,
    WGS84_F,
    aer_from_enu,
    ecef_from_geodetic,
    enu_from_aer,
    enu_rotation,
    enu_rotation_at,
    geodetic_from_ecef,
    up_at,
    wrap_angle_rad,
    wrap_azimuth_deg,
)
from skyfuse.geo.workframe import WorkFrame

__all__ = [
    "WGS84_A",
    "WGS84_F",
    "WorkFrame",
    "aer_from_enu",
    "ecef_from_geodetic",
    "enu_from_aer",
    "enu_rotation",
    "enu_rotation_at",
    "geodetic_from_ecef",
    "up_at",
    "wrap_angle_rad",
    "wrap_azimuth_deg",
]
