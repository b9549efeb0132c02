"""Small geometric fixtures: acoustic/RF bearing scenarios with exact propagation delay.

Independent of the code under test: emission times come from a fixed-point iteration of
``tau = t - |x(tau) - p| / c`` on straight-line truth, Doppler from ``f0 c / (c + v_r)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyfuse.core.reports import Reports
from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Coverage, Frame, Origin, SensorsFile, SensorSpec


@dataclass(frozen=True)
class Drones:
    """Straight-line targets: position at t = 0 (n, 3), velocity (n, 3), fundamental (n,)."""

    p0: np.ndarray
    v: np.ndarray
    f0: np.ndarray

    def at(self, t: float) -> np.ndarray:
        return self.p0 + self.v * t


def acoustic_grid(
    nx: int,
    ny: int,
    spacing: float,
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    max_range: float = 3000.0,
    sigma_az: float = 3.0,
    sigma_el: float = 5.0,
    geodetic_at: tuple[float, float] | None = None,
) -> SensorsFile:
    """A grid of acoustic arrays (ENU metres, or WGS84 around ``geodetic_at`` lat/lon)."""
    specs = []
    for i in range(nx):
        for j in range(ny):
            e, n = origin[0] + i * spacing, origin[1] + j * spacing
            kw: dict[str, object] = {}
            if geodetic_at is None:
                kw["position_enu_m"] = (e, n, 2.0)
            else:
                lat = geodetic_at[0] + n / 111_320.0
                lon = geodetic_at[1] + e / (111_320.0 * np.cos(np.radians(geodetic_at[0])))
                kw["position_wgs84"] = (lat, lon, 2.0)
            specs.append(
                SensorSpec(
                    sensor_id=f"ac-{i}-{j}",
                    kind="acoustic",
                    noise_sigma={
                        "azimuth_deg": sigma_az,
                        "elevation_deg": sigma_el,
                        "fundamental_hz": 1.5,
                    },
                    pd=0.8,
                    report_period_s=1.0,
                    speed_of_sound_mps=343.0,
                    coverage=Coverage(max_range_m=max_range),
                    **kw,  # type: ignore[arg-type]
                )
            )
    frame = (
        Frame(type="ENU")
        if geodetic_at is None
        else Frame(
            type="WGS84", origin_wgs84=Origin(lat_deg=geodetic_at[0], lon_deg=geodetic_at[1])
        )
    )
    return SensorsFile(frame=frame, sensors=specs)


def to_work(cat: SensorCatalog, enu: np.ndarray) -> np.ndarray:
    """Scenario ENU metres -> working frame (WGS84 grids: same spherical map as the grid)."""
    if not cat.frame.geodetic:
        return enu
    lat0, lon0 = cat.frame.origin_lat_deg, cat.frame.origin_lon_deg
    lat = lat0 + enu[..., 1] / 111_320.0
    lon = lon0 + enu[..., 0] / (111_320.0 * np.cos(np.radians(lat0)))
    return ecef_from_geodetic(lat, lon, enu[..., 2])


def emission_state(
    drones: Drones, t_arrival: float, sensor: np.ndarray, c: float, cat: SensorCatalog
) -> tuple[np.ndarray, np.ndarray]:
    """Emission time (n,) and working-frame emission point (n, 3) of sound arriving at t."""
    tau = np.full(drones.p0.shape[0], t_arrival)
    for _ in range(60):
        pos = to_work(cat, drones.p0 + drones.v * tau[:, None])
        tau = t_arrival - np.linalg.norm(pos - sensor, axis=1) / c
    return tau, to_work(cat, drones.p0 + drones.v * tau[:, None])


def acoustic_reports(
    sensors: SensorsFile,
    drones: Drones,
    times: np.ndarray,
    *,
    seed: int = 0,
    clutter_per_report: float = 0.1,
    pd: float = 0.8,
) -> tuple[Reports, np.ndarray]:
    """Bearing reports of every array at every time; returns reports and true target per row
    (-1 = clutter). Reports are sorted by time."""
    rng = np.random.default_rng(seed)
    cat = SensorCatalog.build(sensors)
    rows: list[tuple[float, int, float, float, float, int]] = []
    c = 343.0
    for t in times:
        for s in range(len(cat)):
            p, R = cat.position[s], cat.rotation[s]
            spec = sensors.sensors[s]
            tau, emit = emission_state(drones, t, p, c, cat)
            local = (emit - p) @ R.T
            rng_m = np.linalg.norm(local, axis=1)
            heard = (
                (tau >= 0.0) & (rng_m <= spec.coverage.max_range_m) & (rng.random(len(tau)) < pd)
            )
            for k in np.flatnonzero(heard):
                az = np.degrees(np.arctan2(local[k, 0], local[k, 1])) % 360.0
                el = np.degrees(np.arctan2(local[k, 2], np.hypot(local[k, 0], local[k, 1])))
                u = local[k] / rng_m[k]  # local ENU ~ scenario ENU over a few km
                f = drones.f0[k] * c / (c + u @ drones.v[k])
                rows.append(
                    (
                        t,
                        s,
                        (az + rng.normal(0, spec.noise_sigma["azimuth_deg"])) % 360.0,
                        float(
                            np.clip(el + rng.normal(0, spec.noise_sigma["elevation_deg"]), -90, 90)
                        ),
                        f + rng.normal(0, 1.5),
                        int(k),
                    )
                )
            rows.extend(
                (t, s, rng.uniform(0, 360), rng.uniform(0, 60), rng.uniform(80, 300), -1)
                for _ in range(rng.poisson(clutter_per_report))
            )
    rows.sort(key=lambda r: (r[0], r[1]))
    a = np.array([r[:5] for r in rows], dtype=float).reshape(-1, 5)
    rep = Reports(
        det_id=np.arange(len(rows), dtype=np.int64),
        time=a[:, 0],
        sensor=a[:, 1].astype(np.int32),
        values={"azimuth_deg": a[:, 2], "elevation_deg": a[:, 3], "fundamental_hz": a[:, 4]},
    )
    return rep, np.array([r[5] for r in rows], dtype=np.int64)


def raid(
    n: int,
    *,
    start: tuple[float, float],
    heading_deg: float,
    spacing: float,
    speed: float = 50.0,
    height: float = 800.0,
    seed: int = 0,
) -> Drones:
    """n drones abreast (``spacing`` m apart across the heading), same speed and heading."""
    rng = np.random.default_rng(seed)
    h = np.radians(heading_deg)
    fwd = np.array([np.sin(h), np.cos(h), 0.0])
    side = np.array([np.cos(h), -np.sin(h), 0.0])
    offs = (np.arange(n) - (n - 1) / 2.0) * spacing
    p0 = np.array([start[0], start[1], 0.0]) + offs[:, None] * side
    p0[:, 2] = height + rng.uniform(-300, 300, n)
    p0 += fwd * rng.uniform(-150, 150, n)[:, None]
    return Drones(p0, np.tile(fwd * speed, (n, 1)), rng.uniform(104.0, 125.0, n))
