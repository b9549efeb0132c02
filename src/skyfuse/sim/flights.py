"""Straight-flight worlds: one target per speed, crossing or radial to one radar.

The worlds the simulator does not make: targets at constant velocity from slow to fast
(default 60-340 m/s), each on its own lane and altitude, seen by an ADS-B receiver alone, one
radar alone, or both, written as scenario folders (ENU or WGS84) through
`skyfuse.sim.realtracks.write_world` (so the radar is the simulator's radar model).

Geometry (map plane, metres, the radar at the origin; lane i at bearing
``b_i = b_0 + i 360 / n`` clockwise from North, ``b_0`` from the seed):

- ``crossing``: the target passes the radar broadside at ``closest_m`` at mid-run, flying
  perpendicular to the line of sight (heading ``b_i + 90``): range rate ~0 at closest approach,
  the hardest case for Doppler and for a range-only gate.
- ``radial``: inbound from ``start_range_m`` along bearing ``b_i`` straight at the radar (or
  outbound from ``min_radial_range_m``), so the whole speed is range rate; an inbound target
  ends its life when it reaches ``min_radial_range_m``.

Altitudes are ``altitude_m + i altitude_step_m`` so lanes never meet in 3-D. The simulated
ADS-B feed reports every ``report_period_s`` with probability ``pd``, position and velocity with
the receiver's declared Gaussian noise, ``icao24`` and ``callsign``. Deterministic from ``seed``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import KNOWN_CLASSES
from skyfuse.scenario.model import Context, SensorSpec, Site
from skyfuse.scenario.tables import Targets
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.realtracks import (
    F64,
    RCS_RANGE_DBSM,
    AdsbSite,
    Motion,
    RadarSite,
    WorldResult,
    adsb_spec,
    motion_from_grid,
    radar_spec,
    text_array,
    write_world,
)
from skyfuse.sim.sensors.base import Batch

Geometry = Literal["crossing", "radial"]
SensorMix = Literal["adsb", "radar", "both"]

DEFAULT_SPEEDS_MPS: tuple[float, ...] = (60.0, 100.0, 140.0, 180.0, 220.0, 260.0, 300.0, 340.0)


@dataclass(frozen=True, slots=True)
class FlightsConfig:
    """A straight-flight world (metres, seconds, m/s, degrees).

    ``speeds_mps``: one target per speed. ``geometry``: ``crossing`` or ``radial``;
    ``outbound``: radial targets fly away from the radar. ``sensors``: ``adsb``, ``radar`` or
    ``both``. ``frame``: ``enu`` or ``wgs84`` (around ``origin_lat_deg``/``origin_lon_deg``).
    ``target_class``: class written in targets.csv. ``rcs_dbsm``: mean RCS per target (None:
    drawn from the class range of `RCS_RANGE_DBSM`). ``sites``: context (ENU x/y or lat/lon).
    """

    speeds_mps: Sequence[float] = DEFAULT_SPEEDS_MPS
    geometry: Geometry = "crossing"
    sensors: SensorMix = "both"
    duration_s: float = 120.0
    closest_m: float = 20_000.0
    start_range_m: float = 55_000.0
    min_radial_range_m: float = 3_000.0
    outbound: bool = False
    altitude_m: float = 2_000.0
    altitude_step_m: float = 500.0
    frame: Literal["enu", "wgs84"] = "enu"
    origin_lat_deg: float = 48.0
    origin_lon_deg: float = 2.0
    radar: RadarSite = field(default_factory=lambda: RadarSite(max_range_m=80_000.0))
    adsb: AdsbSite = field(default_factory=lambda: AdsbSite(sigma_pos_m=10.0, sigma_vel_mps=0.5))
    target_class: str = "aircraft"
    rcs_dbsm: float | None = None
    truth_dt_s: float = 0.5
    sites: Sequence[Site] = ()
    seed: int = 1


def _lanes(cfg: FlightsConfig, rng: np.random.Generator) -> tuple[F64, F64, F64]:
    """Per target: start position (n, 3) m, velocity (n, 3) m/s (map plane = ENU metres near
    the origin), and life end (n,) s."""
    v = np.asarray(cfg.speeds_mps, dtype=np.float64)
    n = len(v)
    b0 = rng.uniform(0.0, 2.0 * np.pi)
    b = b0 + 2.0 * np.pi * np.arange(n) / max(n, 1)
    los = np.column_stack([np.sin(b), np.cos(b)])
    alt = cfg.altitude_m + cfg.altitude_step_m * np.arange(n)
    end = np.full(n, cfg.duration_s)
    if cfg.geometry == "crossing":
        u = np.column_stack([np.cos(b), -np.sin(b)])  # heading b + 90 deg
        p0 = cfg.closest_m * los - (v * cfg.duration_s / 2.0)[:, None] * u
        vel = v[:, None] * u
    elif cfg.outbound:
        p0 = cfg.min_radial_range_m * los
        vel = v[:, None] * los
    else:
        p0 = cfg.start_range_m * los
        vel = -v[:, None] * los
        end = np.minimum(end, (cfg.start_range_m - cfg.min_radial_range_m) / np.maximum(v, 1e-9))
    pos0 = np.column_stack([p0, alt])
    vel3 = np.column_stack([vel, np.zeros(n)])
    return pos0, vel3, end


def build_flights(folder: Path, config: FlightsConfig | None = None) -> WorldResult:
    """Write a straight-flight scenario folder (module docstring)."""
    cfg = config or FlightsConfig()
    if cfg.target_class not in KNOWN_CLASSES:
        raise InputError("flights", f"unknown class {cfg.target_class!r}", field="target_class")
    if not cfg.speeds_mps:
        raise InputError("flights", "no speeds given", field="speeds_mps")
    if not (cfg.duration_s > 0 and cfg.truth_dt_s > 0):
        raise InputError("flights", "duration and truth step must be > 0", field="duration_s")
    seeds = np.random.SeedSequence(cfg.seed).spawn(3)
    rng_geo, rng_sensor, rng_adsb = (np.random.default_rng(s) for s in seeds)
    pos0, vel, end = _lanes(cfg, rng_geo)
    n = len(pos0)
    geodetic = cfg.frame == "wgs84"
    proj = MapProjection(geodetic, cfg.origin_lat_deg, cfg.origin_lon_deg)
    dt_s = cfg.truth_dt_s
    n_steps = math.floor(cfg.duration_s / dt_s + 1e-9)
    segs = []
    for i in range(n):
        k1 = min(math.floor(end[i] / dt_s + 1e-9), n_steps)
        t = np.arange(k1 + 1) * dt_s
        enu = pos0[i] + t[:, None] * vel[i]
        kx, ky = proj.scale(np.zeros(1), np.zeros(1))
        segs.append((i, 0, np.column_stack([enu[:, 0] * kx, enu[:, 1] * ky, enu[:, 2]])))
    motion: Motion = motion_from_grid(proj, dt_s, segs, n_steps)

    def scen_pos(x: float, y: float, z: float) -> tuple[float, float, float]:
        if not geodetic:
            return (x, y, z)
        lat, lon, alt = proj.geodetic_of(np.array([x, y, z]))
        return (round(float(lat), 9), round(float(lon), 9), round(float(alt), 3))

    specs: list[SensorSpec] = []
    radars: list[tuple[int, RadarSite]] = []
    extra: list[Batch] = []
    if cfg.sensors in ("radar", "both"):
        r = cfg.radar
        p = r.position or scen_pos(0.0, 0.0, r.height_m)
        radars.append((len(specs), r))
        specs.append(radar_spec(r, proj, p))
    if cfg.sensors in ("adsb", "both"):
        a = cfg.adsb
        p = a.position or scen_pos(0.0, 0.0, a.height_m)
        idx = len(specs)
        specs.append(adsb_spec(a, proj, p, duration_s=cfg.duration_s))
        extra.append(_adsb_reports(motion, idx, a, cfg.duration_s, rng_adsb))
    lo, hi = RCS_RANGE_DBSM.get(cfg.target_class, (-10.0, 0.0))
    rcs = (
        np.full(n, float(cfg.rcs_dbsm)) if cfg.rcs_dbsm is not None else rng_geo.uniform(lo, hi, n)
    )
    speeds = np.asarray(cfg.speeds_mps, dtype=np.float64)
    targets = Targets(
        target_id=np.arange(n, dtype=np.int64),
        cls=np.full(n, cfg.target_class, dtype=object).astype(str),
        hostile=np.zeros(n, bool),
        goal_site=np.full(n, "", dtype=object).astype(str),
        extra={
            "speed_mps": np.array([f"{s:.1f}" for s in speeds], dtype=str),
            "geometry": np.full(n, cfg.geometry, dtype=object).astype(str),
            "coop_id": np.array([_icao(i) for i in range(n)], dtype=str),
            "callsign": np.array([_callsign(i) for i in range(n)], dtype=str),
            "rcs_dbsm": np.array([f"{x:.1f}" for x in rcs], dtype=str),
            "t_end_s": np.array([f"{x:.1f}" for x in end], dtype=str),
        },
    )
    meta = {
        "generator": "skyfuse.sim.flights",
        "seed": cfg.seed,
        "geometry": cfg.geometry,
        "sensors": cfg.sensors,
        "outbound": cfg.outbound,
        "speeds_mps": [float(s) for s in speeds],
        "frame": cfg.frame,
    }
    return write_world(
        folder,
        motion=motion,
        specs=specs,
        radars=radars,
        extra_batches=extra,
        targets=targets,
        rcs_mean_dbsm=rcs,
        context=Context(sites=list(cfg.sites)),
        duration_s=cfg.duration_s,
        truth_dt_s=dt_s,
        rng=rng_sensor,
        meta=meta,
    )


def _icao(i: int) -> str:
    return f"{0xA00000 + i:06x}"


def _callsign(i: int) -> str:
    return f"TST{i:03d}"


def _adsb_reports(
    motion: Motion, sensor: int, site: AdsbSite, duration_s: float, rng: np.random.Generator
) -> Batch:
    """Simulated ADS-B: every report period each alive target within range reports with
    probability ``pd``: truth + Gaussian noise (``sigma_pos_m`` per axis, ``sigma_vel_mps``)."""
    proj = motion.proj
    parts = []
    n_rep = max(0, math.ceil((duration_s - site.first_report_time_s) / site.report_period_s - 1e-9))
    rx = None
    for k in range(n_rep):
        t = round(site.first_report_time_s + k * site.report_period_s, 6)
        ent = motion.alive_at(t)
        if not len(ent):
            continue
        pos, v = motion.traj.state_at(ent, t)
        if rx is None:
            rx = proj.to_work(np.zeros(3))
        dist = np.linalg.norm(proj.to_work(pos) - rx, axis=1)
        hit = (dist <= site.max_range_m) & (rng.uniform(0.0, 1.0, len(ent)) < site.pd)
        ent, pos, v = ent[hit], pos[hit], v[hit]
        m = len(ent)
        if not m:
            continue
        kx, ky = proj.scale(pos[:, 1], pos[:, 2])
        noise = rng.normal(0.0, site.sigma_pos_m, (m, 3))
        rep = pos + noise * np.column_stack([kx, ky, np.ones(m)])
        vv = v + rng.normal(0.0, site.sigma_vel_mps, (m, 3))
        vals: dict[str, F64] = {"vx": vv[:, 0], "vy": vv[:, 1], "vz": vv[:, 2]}
        if proj.geodetic:
            lat, lon, alt = proj.geodetic_of(rep)
            vals.update(lat_deg=lat, lon_deg=lon, alt_m=alt)
        else:
            vals.update(x=rep[:, 0], y=rep[:, 1], z=rep[:, 2])
        tgt = motion.target[ent]
        parts.append(
            Batch.make(
                t,
                np.full(m, sensor, np.int32),
                tgt,
                vals,
                text={
                    "icao24": text_array([_icao(int(i)) for i in tgt]),
                    "callsign": text_array([_callsign(int(i)) for i in tgt]),
                },
            )
        )
    return Batch.concat(parts)
