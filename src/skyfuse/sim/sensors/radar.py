"""Surveillance radar: range, azimuth, elevation plots, optional radial velocity and RCS.

Each scan sees every airborne target inside the coverage (min/max range, elevation limits, so a
cone of silence above ``max_elevation_deg``) with probability ``pd``, adds Gaussian noise
(sigma per quantity, written in `noise_sigma` and per plot), and adds Poisson(``clutter``)
false plots uniform in (range, azimuth, elevation) over the coverage, like the reference
generator of `shared/scenarios`. RCS is Swerling 1: exponential power around the target's
mean (dBsm in `targets.csv`); clutter RCS is U(-35, 5) dBsm.
"""

from __future__ import annotations

import numpy as np

from skyfuse.core.kinds import TargetClass
from skyfuse.scenario.model import Coverage, SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.sensors.base import (
    IDX,
    Batch,
    World,
    enu_position,
    grid_points,
    n_reports,
    pair_aer,
    pairs,
    visible,
    wgs84_position,
)

SEEN = tuple(
    int(c) for c in TargetClass if c not in (TargetClass.GROUND_EMITTER, TargetClass.UNKNOWN)
)
"""Classes a radar sees (everything airborne)."""


def place(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """Radars on a ring (radar 0 due North, then counter-clockwise as in the reference) or a
    grid; scans staggered over ``stagger_slots`` phases of one period."""
    p = cfg.radar
    n = cfg.radars
    if p.layout == "ring":
        ang = -2.0 * np.pi * np.arange(n) / max(n, 1)
        xy = p.ring_radius_m * np.column_stack([np.sin(ang), np.cos(ang)])
    else:
        xy = grid_points(n, cfg.area_radius_m)
    slots = p.stagger_slots if p.stagger_slots > 0 else max(n, 1)
    n_scans = n_reports(0.0, p.scan_period_s, cfg.duration_s)
    out = []
    for i in range(n):
        first = round((i % slots) * p.scan_period_s / slots, 6) if p.stagger else 0.0
        sigma = {
            "range_m": p.sigma_range_m,
            "azimuth_deg": p.sigma_azimuth_deg,
            "elevation_deg": p.sigma_elevation_deg,
        }
        if p.doppler:
            sigma["radial_velocity_mps"] = p.sigma_radial_velocity_mps
        out.append(
            SensorSpec(
                sensor_id=f"radar-{i}",
                kind="radar",
                position_enu_m=enu_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
                position_wgs84=wgs84_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
                noise_sigma=sigma,
                scan_period_s=p.scan_period_s,
                first_scan_time_s=first,
                n_scans=n_reports(first, p.scan_period_s, cfg.duration_s) if first else n_scans,
                pd=p.pd,
                clutter_rate_per_scan=p.clutter_rate_per_scan,
                clutter_model=(
                    "Poisson number per scan, uniform in (range, azimuth, elevation) over the "
                    "coverage below"
                ),
                rcs_model="Swerling 1 around the target's mean RCS; clutter U(-35, 5)"
                if p.rcs
                else None,
                coverage=Coverage(
                    min_range_m=p.min_range_m,
                    max_range_m=p.max_range_m,
                    azimuth_deg=(0.0, 360.0),
                    min_elevation_deg=p.min_elevation_deg,
                    max_elevation_deg=p.max_elevation_deg,
                ),
            )
        )
    return out


def observe(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """One scan of each radar in ``sensors`` at time t (s)."""
    p = world.config.radar
    alive = world.traj.alive_at(t)
    tgt = alive[visible(world, SEEN)[alive]]
    pos, vel = world.traj.work_state_at(tgt, t)
    si, ti = pairs(len(sensors), len(tgt))
    s = sensors[si]
    az, el, r = pair_aer(world.catalog, s, pos[ti])
    el_deg = np.degrees(el)
    cover = (
        (r >= p.min_range_m)
        & (r <= p.max_range_m)
        & (el_deg >= p.min_elevation_deg)
        & (el_deg <= p.max_elevation_deg)
    )
    hit = cover & (rng.uniform(0.0, 1.0, len(r)) < p.pd)
    s, ti, az, el, r = s[hit], ti[hit], az[hit], el[hit], r[hit]
    m = len(s)
    values = {
        "range_m": r + rng.normal(0.0, p.sigma_range_m, m),
        "azimuth_deg": np.degrees(az) + rng.normal(0.0, p.sigma_azimuth_deg, m),
        "elevation_deg": np.degrees(el) + rng.normal(0.0, p.sigma_elevation_deg, m),
    }
    if p.doppler:
        los = pos[ti] - world.catalog.position[s]
        rr = np.einsum("ij,ij->i", los, vel[ti]) / np.maximum(r, 1e-9)
        values["radial_velocity_mps"] = rr + rng.normal(0.0, p.sigma_radial_velocity_mps, m)
    if p.rcs:
        mean_lin = 10.0 ** (world.plan.rcs_dbsm[tgt[ti]] / 10.0)
        values["rcs_dbsm"] = 10.0 * np.log10(np.maximum(rng.exponential(mean_lin), 1e-12))
    target = tgt[ti]

    # Clutter: Poisson per radar, uniform in range, azimuth and elevation over the coverage.
    n_false = rng.poisson(p.clutter_rate_per_scan, len(sensors))
    fs = np.repeat(sensors, n_false)
    k = len(fs)
    false_vals = {
        "range_m": rng.uniform(p.min_range_m, p.max_range_m, k),
        "azimuth_deg": rng.uniform(0.0, 360.0, k),
        "elevation_deg": rng.uniform(p.min_elevation_deg, p.max_elevation_deg, k),
    }
    if p.doppler:
        false_vals["radial_velocity_mps"] = rng.normal(0.0, 3.0, k)
    if p.rcs:
        false_vals["rcs_dbsm"] = rng.uniform(-35.0, 5.0, k)
    all_s = np.concatenate([s, fs])
    vals = {key: np.concatenate([values[key], false_vals[key]]) for key in values}
    vals["azimuth_deg"] = np.mod(vals["azimuth_deg"], 360.0)
    vals["elevation_deg"] = np.clip(vals["elevation_deg"], -90.0, 90.0)
    vals["range_m"] = np.maximum(vals["range_m"], 1.0)
    n = len(all_s)
    sigmas = {
        "range_m": np.full(n, p.sigma_range_m),
        "azimuth_deg": np.full(n, p.sigma_azimuth_deg),
        "elevation_deg": np.full(n, p.sigma_elevation_deg),
    }
    return Batch.make(
        t,
        all_s,
        np.concatenate([target, np.full(k, -1)]),
        vals,
        sigmas=sigmas,
    )
