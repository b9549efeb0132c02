"""Map projection, sectors and polylines against closed forms and pymap3d."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyfuse.sim.geometry import MapProjection, in_sector_deg, polyline_crossing, side_of_polyline


def test_sector_wraps_across_north() -> None:
    a, b = 345.0, 15.0
    az = np.array([340.0, 345.0, 350.0, 359.9, 0.0, 5.0, 15.0, 16.0, 180.0])
    got = in_sector_deg(az, a, b)
    assert got.tolist() == [False, True, True, True, True, True, True, False, False]


def test_sector_full_circle_and_plain() -> None:
    assert in_sector_deg(np.array([0.0, 123.0, 359.0]), 0.0, 360.0).all()
    assert in_sector_deg(np.array([100.0, 120.0, 140.0]), 110.0, 130.0).tolist() == [
        False,
        True,
        False,
    ]


@given(
    start=st.floats(0.0, 359.9),
    width=st.floats(0.5, 359.0),
    offset=st.floats(0.0, 359.9),
)
def test_sector_matches_clockwise_offset(start: float, width: float, offset: float) -> None:
    end = (start + width) % 360.0
    az = (start + offset) % 360.0
    inside = bool(in_sector_deg(np.array([az]), start, end)[0])
    # Clockwise offset from the sector start, recomputed from the wrapped values.
    off = (az - start) % 360.0
    if abs(off - width) > 1e-6 and off > 1e-6:
        assert inside == (off <= width)


def test_crossing_right_to_left_only() -> None:
    # Border walking North along x = 0: the left (partner's) side is West (x < 0).
    border = np.array([[0.0, -10.0], [0.0, 10.0]])
    p0 = np.array([[5.0, 0.0], [-5.0, 0.0], [5.0, 20.0]])
    p1 = np.array([[-5.0, 0.0], [5.0, 0.0], [-5.0, 20.0]])
    hit, frac = polyline_crossing(p0, p1, border)
    assert hit.tolist() == [True, False, False]
    assert frac[0] == pytest.approx(0.5)
    side = side_of_polyline(np.array([[-1.0, 0.0], [1.0, 0.0]]), border)
    assert side[0] > 0 > side[1]


def test_projection_matches_pymap3d_and_round_trips() -> None:
    proj = MapProjection(True, 49.0, 31.0)
    pts = np.array([[0.0, 0.0, 100.0], [400_000.0, -300_000.0, 2000.0], [-5e5, 5e5, 0.0]])
    lat, lon, alt = proj.geodetic_of(pts)
    ecef = proj.to_work(pts)
    x, y, z = pymap3d.geodetic2ecef(lat, lon, alt)
    assert np.allclose(ecef, np.column_stack([x, y, z]), atol=1e-6)
    back = proj.map_of_geodetic(lat, lon, alt)
    assert np.allclose(back, pts, atol=1e-6)
    # Origin maps to the origin, 1 map metre North ~ 1 true metre there.
    assert lat[0] == pytest.approx(49.0) and lon[0] == pytest.approx(31.0)


def test_scale_gives_true_metres_far_from_origin() -> None:
    """A step of scale * 1 m in map metres covers 1 true metre East or North anywhere."""
    proj = MapProjection(True, 49.0, 31.0)
    p = np.array([200_000.0, 450_000.0, 1000.0])
    kx, ky = proj.scale(p[1], p[2])
    for step in (np.array([float(kx), 0.0, 0.0]), np.array([0.0, float(ky), 0.0])):
        lat0, lon0, h0 = proj.geodetic_of(p)
        lat1, lon1, h1 = proj.geodetic_of(p + 10.0 * step)
        e, n, _u = pymap3d.geodetic2enu(lat1, lon1, h1, lat0, lon0, h0)
        assert np.hypot(e, n) == pytest.approx(10.0, rel=1e-6)


def test_velocity_to_work_is_the_enu_rotation() -> None:
    proj = MapProjection(True, 49.0, 31.0)
    p = np.array([[100_000.0, -50_000.0, 500.0]])
    v_enu = np.array([[10.0, -3.0, 1.0]])
    v = proj.velocity_to_work(p, v_enu)[0]
    lat, lon, _ = proj.geodetic_of(p[0])
    ex, ey, ez = pymap3d.enu2uvw(10.0, -3.0, 1.0, float(lat), float(lon))
    assert np.allclose(v, [ex, ey, ez], atol=1e-9)


def test_flat_projection_is_identity() -> None:
    proj = MapProjection(False)
    p = np.array([[1.0, 2.0, 3.0]])
    assert np.array_equal(proj.to_work(p), p)
    assert np.array_equal(proj.scenario_position(p), p)
    kx, ky = proj.scale(np.array([5e5]))
    assert kx[0] == 1.0 and ky[0] == 1.0
