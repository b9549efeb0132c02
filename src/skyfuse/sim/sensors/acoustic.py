"""Acoustic arrays: bearings (and elevations) to engine noise, stamped when the sound ARRIVED.

Facts used (`shared/notes/domain.md` section 2): nodes send bearings, not audio; range by
class (Shahed ~1-5 km at low altitude, small quadcopters 100-300 m, gasoline fixed-wing 678 m
measured), birds unheard; sound travels at c ~ 343 m/s, so a report at time t describes the
target where it was at the emission time tau that solves the retarded-time equation::

    |x(tau) - p| = c (t - tau)

solved here by Newton's method on the continuous trajectory, f'(tau) = u . v(tau) + c > 0 for
any subsonic target (u: unit vector from the sensor to the target), to well under a millimetre.
The angles point at x(tau) (this is the aberration the domain notes warn of: up to asin(v/c)).
The reported engine fundamental is Doppler-shifted, f = f0 c / (c - v . u_toward_sensor).
Pd falls with range as pd (1 - (r / R_class)^2); SNR = 20 log10(R_class / r) + noise, dB.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from scipy.spatial import cKDTree

from skyfuse.core.kinds import KNOWN_CLASSES, TargetClass
from skyfuse.scenario.model import Coverage, SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.motion import Trajectories
from skyfuse.sim.sensors.base import (
    F64,
    IDX,
    Batch,
    World,
    enu_position,
    n_reports,
    pair_aer,
    wgs84_position,
)

NEWTON_ITERATIONS = 8
"""Newton steps of the retarded-time solver (quadratic convergence: 8 is far below 1 mm)."""
LAYOUT_STREAM = 101
"""Spawn key of the random-layout stream (independent of every other draw of the seed)."""


def grid_nodes(n: int, spacing_m: float) -> F64:
    """The n grid nodes (spacing metres) nearest the centre, nearest first, (n, 2) metres."""
    if n == 0:
        return np.zeros((0, 2))
    half = int(np.ceil(np.sqrt(n))) // 2 + 2
    g = np.arange(-half, half + 1) * spacing_m
    gx, gy = np.meshgrid(g, g)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    key = np.lexsort((np.arctan2(pts[:, 0], pts[:, 1]), np.round(np.hypot(pts[:, 0], pts[:, 1]))))
    return pts[key][:n]


def place(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """Acoustic nodes on a grid around the centre or uniform over the area."""
    p = cfg.acoustic
    n = cfg.acoustic_arrays
    if p.layout == "grid":
        xy = grid_nodes(n, p.spacing_m)
    else:
        r = cfg.area_radius_m
        layout_rng = np.random.default_rng(
            np.random.SeedSequence(cfg.seed, spawn_key=(LAYOUT_STREAM,))
        )
        xy = layout_rng.uniform(-r, r, (n, 2))
    sigma = {"azimuth_deg": p.sigma_azimuth_deg, "fundamental_hz": 1.5, "snr_db": p.sigma_snr_db}
    if p.elevation:
        sigma["elevation_deg"] = p.sigma_elevation_deg
    nrep = n_reports(p.first_report_time_s, p.report_period_s, cfg.duration_s)
    heard = {k: v for k, v in p.max_range_m_by_class.items() if v > 0}
    return [
        SensorSpec(
            sensor_id=f"acoustic-{i}",
            kind="acoustic",
            position_enu_m=enu_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
            position_wgs84=wgs84_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
            noise_sigma=dict(sigma),
            report_period_s=p.report_period_s,
            first_report_time_s=p.first_report_time_s,
            n_reports=nrep,
            pd=p.pd,
            clutter_rate_per_scan=p.clutter_rate_per_scan,
            speed_of_sound_mps=p.speed_of_sound_mps,
            time_is="arrival time of the sound; angles are to the emission point",
            fundamental_hz_sigma_by_class=dict(p.fundamental_sigma_hz_by_class),
            coverage=Coverage(
                min_range_m=0.0,
                max_range_m=max(heard.values(), default=0.0),
                max_range_m_by_class=heard,
            ),
        )
        for i in range(n)
    ]


def solve_emission_time(
    traj: Trajectories,
    target: IDX,
    sensor_pos: F64,
    t: float,
    c: float,
) -> tuple[F64, F64]:
    """Emission times tau (s) with |x(tau) - p| = c (t - tau), and the residual (m).

    ``target`` (m,) ids, ``sensor_pos`` (m, 3) working-frame metres. Newton iterations on the
    continuous trajectory; tau is clamped into each target's life, so a large residual means
    no sound from that target reaches the sensor at t.
    """
    lo = traj.t_birth[target]
    hi = np.minimum(traj.t_death[target], t)
    pos, _ = traj.work_state_at(target, np.clip(t, lo, hi))
    tau = np.clip(t - np.linalg.norm(pos - sensor_pos, axis=1) / c, lo, hi)
    for _ in range(NEWTON_ITERATIONS):
        pos, vel = traj.work_state_at(target, tau)
        d = pos - sensor_pos
        r = np.linalg.norm(d, axis=1)
        f = r - c * (t - tau)
        fp = np.einsum("ij,ij->i", d, vel) / np.maximum(r, 1e-9) + c
        tau = np.clip(tau - f / fp, lo, hi)
    pos, _ = traj.work_state_at(target, tau)
    resid = np.linalg.norm(pos - sensor_pos, axis=1) - c * (t - tau)
    return tau, resid


def _tree(world: World, sensors: IDX) -> cKDTree:
    key = f"acoustic-tree-{len(sensors)}-{int(sensors[0])}-{int(sensors[-1])}"
    tree = world.cache.get(key)
    if tree is None:
        tree = cKDTree(world.catalog.position[sensors])
        world.cache[key] = tree
    return cast(cKDTree, tree)


def observe(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """What each node in ``sensors`` hears at time t (s): sound emitted earlier, by range / c."""
    p = world.config.acoustic
    c = p.speed_of_sound_mps
    plan = world.plan
    traj = world.traj
    max_r = np.zeros(len(KNOWN_CLASSES))
    for name, rr in p.max_range_m_by_class.items():
        max_r[TargetClass.from_label(name)] = rr
    r_cls = max_r[plan.cls]
    delay = r_cls / c
    cand = np.flatnonzero(
        (r_cls > 0)
        & np.isfinite(plan.acoustic_hz)
        & (traj.t_birth <= t)
        & (traj.t_death >= t - delay)
    )
    parts: list[Batch] = []
    if len(cand):
        pos_now, _ = traj.work_state_at(cand, np.clip(t, traj.t_birth[cand], traj.t_death[cand]))
        speed_max = np.maximum(plan.speed[cand], plan.speed_range[cand, 1])
        radius = r_cls[cand] * (1.0 + speed_max / c) + 50.0
        near = cKDTree(pos_now).sparse_distance_matrix(
            _tree(world, sensors), float(radius.max()), output_type="ndarray"
        )
        keep = near["v"] <= radius[near["i"]]
        if keep.any():
            ti = cand[near["i"][keep]]
            si = sensors[near["j"][keep]]
            sp = world.catalog.position[si]
            tau, resid = solve_emission_time(traj, ti, sp, t, c)
            rng_m = c * (t - tau)
            ok = (np.abs(resid) < 1e-3) & (rng_m <= max_r[plan.cls[ti]]) & (rng_m > 0.0)
            ti, si, tau, rng_m = ti[ok], si[ok], tau[ok], rng_m[ok]
            rmax = max_r[plan.cls[ti]]
            pd = p.pd * (1.0 - (rng_m / rmax) ** 2)
            hit = rng.uniform(0.0, 1.0, len(ti)) < pd
            ti, si, tau, rng_m, rmax = ti[hit], si[hit], tau[hit], rng_m[hit], rmax[hit]
            pos, vel = traj.work_state_at(ti, tau)
            az, el, _ = pair_aer(world.catalog, si, pos)
            m = len(ti)
            toward = world.catalog.position[si] - pos
            v_toward = np.einsum("ij,ij->i", vel, toward) / np.maximum(rng_m, 1e-9)
            f0 = plan.acoustic_hz[ti] * c / (c - v_toward)
            f_sig = np.array(
                [p.fundamental_sigma_hz_by_class.get(KNOWN_CLASSES[k], 2.0) for k in range(7)]
            )[plan.cls[ti]]
            vals = {
                "azimuth_deg": np.mod(
                    np.degrees(az) + rng.normal(0.0, p.sigma_azimuth_deg, m), 360.0
                ),
                "fundamental_hz": f0 + rng.normal(0.0, 1.0, m) * f_sig,
                "snr_db": np.maximum(
                    20.0 * np.log10(rmax / np.maximum(rng_m, 1.0))
                    + rng.normal(0.0, p.sigma_snr_db, m),
                    0.0,
                ),
            }
            if p.elevation:
                vals["elevation_deg"] = np.clip(
                    np.degrees(el) + rng.normal(0.0, p.sigma_elevation_deg, m), -90.0, 90.0
                )
            parts.append(Batch.make(t, si, ti, vals))
    # False bearings: wind, traffic, machinery.
    n_false = rng.poisson(p.clutter_rate_per_scan, len(sensors))
    fs = np.repeat(sensors, n_false)
    k = len(fs)
    if k:
        fv = {
            "azimuth_deg": rng.uniform(0.0, 360.0, k),
            "fundamental_hz": rng.uniform(50.0, 400.0, k),
            "snr_db": rng.uniform(0.0, 6.0, k),
        }
        if p.elevation:
            fv["elevation_deg"] = rng.uniform(0.0, 60.0, k)
        parts.append(Batch.make(t, fs, np.full(k, -1), fv))
    return Batch.concat(parts)
