"""EO/IR cameras: precise angles inside a narrow sector, with a noisy on-board classifier.

A camera watches the sector clockwise from ``boresight - fov/2`` to ``boresight + fov/2``
(`coverage.azimuth_deg: [a, b]`, b < a when it spans North). Its classifier's scores are drawn
from a Dirichlet around a row of a confusion matrix that mixes up what cameras really mix up:
attack drone vs decoy (same airframe shape and size class, `shared/notes/domain.md` section 1)
and bird vs multirotor (small, slow, low).
"""

from __future__ import annotations

import numpy as np

from skyfuse.core.kinds import KNOWN_CLASSES, TargetClass
from skyfuse.scenario.model import Coverage, SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection, in_sector_deg
from skyfuse.sim.sensors.base import (
    F64,
    IDX,
    Batch,
    World,
    enu_position,
    n_reports,
    pair_aer,
    pairs,
    visible,
    wgs84_position,
)

VOCABULARY = ("attack_drone", "decoy", "multirotor", "fixed_wing_uav", "bird", "aircraft")
"""Classes the camera's classifier knows (a ground relay is not an air target)."""

CONFUSION = np.array(
    [
        [0.70, 0.22, 0.01, 0.05, 0.01, 0.01],  # attack_drone
        [0.25, 0.65, 0.01, 0.07, 0.01, 0.01],  # decoy
        [0.01, 0.01, 0.75, 0.03, 0.19, 0.01],  # multirotor
        [0.06, 0.04, 0.03, 0.80, 0.05, 0.02],  # fixed_wing_uav
        [0.01, 0.01, 0.22, 0.03, 0.72, 0.01],  # bird
        [0.01, 0.01, 0.01, 0.03, 0.01, 0.93],  # aircraft
    ]
)
"""Mean class scores (columns: `VOCABULARY`) by true class (rows: `VOCABULARY`)."""

SEEN = tuple(int(TargetClass.from_label(c)) for c in VOCABULARY)
_VOCAB_COLS = np.array([KNOWN_CLASSES.index(c) for c in VOCABULARY])
_VOCAB_ROW = np.array(
    [VOCABULARY.index(c) if c in VOCABULARY else -1 for c in KNOWN_CLASSES], dtype=np.intp
)
"""Row of `CONFUSION` for each class code (-1: not in the camera's vocabulary)."""


def class_scores(true_row: IDX, concentration: float, rng: np.random.Generator) -> F64:
    """(n, 7) scores in `KNOWN_CLASSES` order: Dirichlet(concentration x CONFUSION[row]).

    ``true_row`` indexes `VOCABULARY`; -1 draws a flat Dirichlet (a false detection).
    """
    n = len(true_row)
    alpha = np.where(
        (true_row >= 0)[:, None], concentration * CONFUSION[np.maximum(true_row, 0)], 1.0
    )
    g = rng.gamma(alpha)
    p = g / np.maximum(g.sum(axis=1, keepdims=True), 1e-300)
    out = np.zeros((n, len(KNOWN_CLASSES)))
    out[:, _VOCAB_COLS] = p
    return out


def sector(boresight_deg: float, fov_deg: float) -> tuple[float, float]:
    """Clockwise sector [a, b] (deg, each in [0, 360)) of a camera; b < a spans North."""
    return (
        round((boresight_deg - fov_deg / 2.0) % 360.0, 3),
        round((boresight_deg + fov_deg / 2.0) % 360.0, 3),
    )


def place(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """Cameras 500 m in front of the protected sites (or on a ring), looking at the threat axis
    (toward the first launch area)."""
    p = cfg.eo
    n = cfg.eo_cameras
    launch = geo.launch_xy[0]
    out = []
    for i in range(n):
        if len(geo.site_xy):
            base = geo.site_xy[i % len(geo.site_xy)]
        else:
            a = 2.0 * np.pi * i / max(n, 1)
            base = 0.3 * cfg.area_radius_m * np.array([np.sin(a), np.cos(a)])
        toward = launch - base
        u = toward / max(float(np.linalg.norm(toward)), 1.0)
        xy = base + 500.0 * u
        look = launch - xy
        bore = float(np.degrees(np.arctan2(look[0], look[1])) % 360.0)
        out.append(
            SensorSpec(
                sensor_id=f"eo-{i}",
                kind="eo_ir",
                position_enu_m=enu_position(proj, float(xy[0]), float(xy[1]), p.height_m),
                position_wgs84=wgs84_position(proj, float(xy[0]), float(xy[1]), p.height_m),
                noise_sigma={
                    "azimuth_deg": p.sigma_azimuth_deg,
                    "elevation_deg": p.sigma_elevation_deg,
                },
                report_period_s=p.report_period_s,
                first_report_time_s=p.first_report_time_s,
                n_reports=n_reports(p.first_report_time_s, p.report_period_s, cfg.duration_s),
                pd=p.pd,
                clutter_rate_per_scan=p.clutter_rate_per_scan,
                boresight_azimuth_deg=round(bore, 3),
                class_vocabulary=list(VOCABULARY),
                coverage=Coverage(
                    min_range_m=p.min_range_m,
                    max_range_m=p.max_range_m,
                    azimuth_deg=sector(bore, p.fov_deg),
                    min_elevation_deg=p.min_elevation_deg,
                    max_elevation_deg=p.max_elevation_deg,
                ),
            )
        )
    return out


def observe(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """Detections of each camera in ``sensors`` at time t (s), with class scores."""
    p = world.config.eo
    specs = world.catalog.specs
    alive = world.traj.alive_at(t)
    tgt = alive[visible(world, SEEN)[alive]]
    pos, _ = world.traj.work_state_at(tgt, t)
    si, ti = pairs(len(sensors), len(tgt))
    s = sensors[si]
    az, el, r = pair_aer(world.catalog, s, pos[ti])
    a0 = np.array([specs[i].coverage.azimuth_deg[0] for i in sensors])
    a1 = np.array([specs[i].coverage.azimuth_deg[1] for i in sensors])
    az_deg = np.degrees(az)
    el_deg = np.degrees(el)
    hit = (
        in_sector_deg(az_deg, a0[si], a1[si])
        & (r >= p.min_range_m)
        & (r <= p.max_range_m)
        & (el_deg >= p.min_elevation_deg)
        & (el_deg <= p.max_elevation_deg)
        & (rng.uniform(0.0, 1.0, len(r)) < p.pd)
    )
    s, si, ti, az_deg, el_deg = s[hit], si[hit], ti[hit], az_deg[hit], el_deg[hit]
    m = len(s)
    vocab_row = _VOCAB_ROW[world.plan.cls[tgt[ti]]]
    scores = class_scores(vocab_row, p.classifier_concentration, rng)
    vals = {
        "azimuth_deg": np.mod(az_deg + rng.normal(0.0, p.sigma_azimuth_deg, m), 360.0),
        "elevation_deg": el_deg + rng.normal(0.0, p.sigma_elevation_deg, m),
    }
    n_false = rng.poisson(p.clutter_rate_per_scan, len(sensors))
    fsi = np.repeat(np.arange(len(sensors)), n_false)
    k = len(fsi)
    width = (a1 - a0) % 360.0
    fv = {
        "azimuth_deg": np.mod(a0[fsi] + rng.uniform(0.0, 1.0, k) * width[fsi], 360.0),
        "elevation_deg": rng.uniform(p.min_elevation_deg, p.max_elevation_deg, k),
    }
    f_scores = class_scores(np.full(k, -1, dtype=np.intp), 1.0, rng)
    return Batch.make(
        t,
        np.concatenate([s, sensors[fsi]]),
        np.concatenate([tgt[ti], np.full(k, -1)]),
        {key: np.concatenate([vals[key], fv[key]]) for key in vals},
        class_scores=np.round(np.concatenate([scores, f_scores]), 4),
    )
