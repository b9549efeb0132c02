"""Frame conversions against pymap3d (an independent implementation) and closed forms."""

from __future__ import annotations

import numpy as np
import pymap3d
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.geo import (
    WorkFrame,
    aer_from_enu,
    ecef_from_geodetic,
    enu_from_aer,
    enu_rotation,
    geodetic_from_ecef,
    wrap_angle_rad,
    wrap_azimuth_deg,
)

lat_s = st.floats(-89.9, 89.9)
lon_s = st.floats(-180.0, 180.0)
alt_s = st.floats(-500.0, 20000.0)


@settings(max_examples=200)
@given(lat_s, lon_s, alt_s)
def test_ecef_matches_pymap3d(lat: float, lon: float, alt: float) -> None:
    mine = ecef_from_geodetic(lat, lon, alt)
    ref = np.array(pymap3d.geodetic2ecef(lat, lon, alt))
    np.testing.assert_allclose(mine, ref, atol=1e-6)


@settings(max_examples=200)
@given(lat_s, lon_s, alt_s)
def test_geodetic_round_trip(lat: float, lon: float, alt: float) -> None:
    la, lo, h = geodetic_from_ecef(ecef_from_geodetic(lat, lon, alt))
    assert abs(float(la) - lat) < 1e-9
    dlon = (float(lo) - lon + 180.0) % 360.0 - 180.0
    assert abs(dlon) < 1e-9
    assert abs(float(h) - alt) < 1e-4


def test_enu_rotation_matches_pymap3d() -> None:
    rng = np.random.default_rng(1)
    lat0, lon0, h0 = 50.45, 30.52, 100.0
    pts = rng.uniform([-2, -3, 0], [2, 3, 5000], size=(50, 3)) + np.array([lat0, lon0, 0.0])
    ecef = ecef_from_geodetic(pts[:, 0], pts[:, 1], pts[:, 2])
    ref0 = ecef_from_geodetic(lat0, lon0, h0)
    enu = (enu_rotation(lat0, lon0) @ (ecef - ref0).T).T
    e, n, u = pymap3d.geodetic2enu(pts[:, 0], pts[:, 1], pts[:, 2], lat0, lon0, h0)
    np.testing.assert_allclose(enu, np.column_stack([e, n, u]), atol=1e-5)


def test_aer_round_trip_and_closed_form() -> None:
    az, el, r = aer_from_enu(np.array([[1000.0, 0.0, 0.0], [0.0, 1000.0, 1000.0]]))
    np.testing.assert_allclose(az, [np.pi / 2, 0.0])
    np.testing.assert_allclose(el, [0.0, np.pi / 4])
    np.testing.assert_allclose(r, [1000.0, 1000.0 * np.sqrt(2)])
    rng = np.random.default_rng(2)
    v = rng.normal(size=(100, 3)) * 5000
    back = enu_from_aer(*aer_from_enu(v))
    np.testing.assert_allclose(back, v, atol=1e-6)


def test_wrapping() -> None:
    np.testing.assert_allclose(
        wrap_angle_rad([np.pi + 0.1, -np.pi - 0.1, 0.2]), [-np.pi + 0.1, np.pi - 0.1, 0.2]
    )
    np.testing.assert_allclose(wrap_azimuth_deg([-10.0, 370.0, 360.0]), [350.0, 10.0, 0.0])


def test_workframe_flat_and_geodetic() -> None:
    flat = WorkFrame(False)
    p = flat.to_work([1.0], [2.0], [3.0])
    assert p.shape == (1, 3)
    np.testing.assert_allclose(flat.up(p), [[0, 0, 1]])
    geo = WorkFrame(True)
    q = geo.to_work([50.0], [30.0], [1000.0])
    lat, lon, alt = geo.from_work(q)
    np.testing.assert_allclose([lat[0], lon[0], alt[0]], [50.0, 30.0, 1000.0], atol=1e-6)
    # Up at a point is the ellipsoid normal: moving 100 m along it raises height by 100 m.
    _, _, alt2 = geo.from_work(q + 100.0 * geo.up(q))
    np.testing.assert_allclose(alt2, [1100.0], atol=1e-3)
    # A local-ENU velocity round-trips.
    v = geo.velocity_from_local(q, np.array([[10.0, 20.0, -1.0]]))
    np.testing.assert_allclose(geo.velocity_to_local(q, v), [[10.0, 20.0, -1.0]], atol=1e-9)
