"""Algebraic local-ENU rotations at ECEF points against the iterative geodetic route."""

from __future__ import annotations

import numpy as np
import pymap3d
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.geo import (
    WorkFrame,
    ecef_from_geodetic,
    enu_rotation,
    enu_rotation_at,
    geodetic_from_ecef,
    up_at,
)


@settings(max_examples=200)
@given(st.floats(-89.99, 89.99), st.floats(-180.0, 180.0), st.floats(-10_000.0, 1_000_000.0))
def test_rotation_at_ecef_equals_geodetic_route(lat: float, lon: float, alt: float) -> None:
    p = ecef_from_geodetic(lat, lon, alt)
    la, lo, _ = geodetic_from_ecef(p)
    np.testing.assert_allclose(enu_rotation_at(p), enu_rotation(la, lo), atol=1e-10)
    np.testing.assert_allclose(up_at(p), enu_rotation(lat, lon)[2], atol=1e-10)


def test_rotation_at_ecef_stacks_poles_and_pymap3d() -> None:
    pts = np.array([[50.45, 30.52, 100.0], [-33.9, 151.2, 9000.0], [90.0, 0.0, 0.0]])
    ecef = ecef_from_geodetic(pts[:, 0], pts[:, 1], pts[:, 2])
    R = enu_rotation_at(ecef.reshape(3, 1, 3))
    assert R.shape == (3, 1, 3, 3)
    np.testing.assert_allclose(
        R[:, 0] @ np.swapaxes(R[:, 0], 1, 2), np.tile(np.eye(3), (3, 1, 1)), atol=1e-12
    )
    # North pole: up is +z, east/north follow longitude 0.
    np.testing.assert_allclose(R[2, 0], enu_rotation(90.0, 0.0), atol=1e-12)
    # A 1 km step east of a point, expressed with the rotation there, is (1000, 0, 0) ENU.
    e, n, u = pymap3d.enu2ecef(1000.0, 0.0, 0.0, 50.45, 30.52, 100.0)
    step = np.array([e, n, u]) - ecef[0]
    np.testing.assert_allclose(R[0, 0] @ step, [1000.0, 0.0, 0.0], atol=1e-6)


def test_workframe_uses_the_same_rotation() -> None:
    frame = WorkFrame(True, 50.0, 30.0, 0.0)
    p = ecef_from_geodetic(np.array([49.0, 51.0]), np.array([29.0, 31.0]), np.array([0.0, 3000.0]))
    np.testing.assert_allclose(frame.local_rotation(p), enu_rotation_at(p))
    np.testing.assert_allclose(frame.up(p), enu_rotation_at(p)[:, 2])
