"""Cooperative self-reports: ADS-B from manned aircraft, Remote ID from small UAS.

A receiver hears every cooperative target of its kind within ``max_range_m`` with probability
``pd`` each report interval. The report carries the target's own position and velocity with
GNSS-like noise (sigma per axis, `noise_sigma` ``pos_m`` / ``vel_mps``) and its identity
(`icao24` + `callsign`, or `uas_id` + operator position). A spoofing target adds a fixed
horizontal offset (`spoof_offset_m` in `targets.csv`) to every position it reports
(`shared/notes/domain.md` section 2: Remote ID may be spoofed; check the ID against the track).
"""

from __future__ import annotations

import numpy as np

from skyfuse.scenario.model import Coverage, SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.population import Coop
from skyfuse.sim.sensors.base import (
    F64,
    IDX,
    OBJ,
    Batch,
    World,
    enu_position,
    n_reports,
    wgs84_position,
)


def _spec(
    cfg: SimConfig,
    proj: MapProjection,
    sensor_id: str,
    kind: str,
    first: float,
    pd: float,
    sigma_pos: float,
    sigma_vel: float,
    max_range: float,
) -> SensorSpec:
    p = cfg.coop
    return SensorSpec(
        sensor_id=sensor_id,
        kind=kind,
        position_enu_m=enu_position(proj, 0.0, 0.0, p.height_m),
        position_wgs84=wgs84_position(proj, 0.0, 0.0, p.height_m),
        noise_sigma={"pos_m": sigma_pos, "vel_mps": sigma_vel},
        report_period_s=p.report_period_s,
        first_report_time_s=first,
        n_reports=n_reports(first, p.report_period_s, cfg.duration_s),
        pd=pd,
        clutter_rate_per_scan=0.0,
        coverage=Coverage(max_range_m=max_range),
    )


def place_adsb(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """One ADS-B receiver at the centre (if enabled)."""
    if not cfg.adsb:
        return []
    p = cfg.coop
    return [
        _spec(
            cfg,
            proj,
            "adsb-0",
            "adsb",
            p.adsb_first_report_time_s,
            p.adsb_pd,
            p.adsb_sigma_pos_m,
            p.adsb_sigma_vel_mps,
            p.adsb_max_range_m,
        )
    ]


def place_remote_id(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """One Remote ID receiver at the centre (if enabled)."""
    if not cfg.remote_id:
        return []
    p = cfg.coop
    return [
        _spec(
            cfg,
            proj,
            "rid-0",
            "remote_id",
            p.rid_first_report_time_s,
            p.rid_pd,
            p.rid_sigma_pos_m,
            p.rid_sigma_vel_mps,
            p.rid_max_range_m,
        )
    ]


def _self_reports(
    world: World,
    sensors: IDX,
    t: float,
    rng: np.random.Generator,
    kind: Coop,
    pd: float,
    sigma_pos: float,
    sigma_vel: float,
    max_range: float,
) -> tuple[IDX, IDX, dict[str, F64]]:
    plan = world.plan
    proj = world.proj
    alive = world.traj.alive_at(t)
    tgt = alive[plan.coop[alive] == int(kind)]
    pos, vel = world.traj.state_at(tgt, t)
    work = proj.to_work(pos)
    si = np.repeat(np.arange(len(sensors)), len(tgt))
    ti = np.tile(np.arange(len(tgt)), len(sensors))
    r = np.linalg.norm(work[ti] - world.catalog.position[sensors[si]], axis=1)
    hit = (r <= max_range) & (rng.uniform(0.0, 1.0, len(r)) < pd)
    si, ti = si[hit], ti[hit]
    m = len(si)
    p = pos[ti]
    kx, ky = proj.scale(p[:, 1], p[:, 2])
    off = plan.spoof_offset[tgt[ti]] + rng.normal(0.0, sigma_pos, (m, 2))
    rep = np.column_stack(
        [p[:, 0] + off[:, 0] * kx, p[:, 1] + off[:, 1] * ky, p[:, 2] + rng.normal(0, sigma_pos, m)]
    )
    v = vel[ti] + rng.normal(0.0, sigma_vel, (m, 3))
    vals: dict[str, F64] = {"vx": v[:, 0], "vy": v[:, 1], "vz": v[:, 2]}
    if proj.geodetic:
        lat, lon, alt = proj.geodetic_of(rep)
        vals.update(lat_deg=lat, lon_deg=lon, alt_m=alt)
    else:
        vals.update(x=rep[:, 0], y=rep[:, 1], z=rep[:, 2])
    return sensors[si], tgt[ti], vals


def _text(a: np.ndarray) -> OBJ:
    out = np.empty(len(a), dtype=object)
    out[:] = [str(x) for x in a]
    return out


def observe_adsb(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """ADS-B position reports of aircraft at time t (s)."""
    p = world.config.coop
    s, tg, vals = _self_reports(
        world,
        sensors,
        t,
        rng,
        Coop.ADSB,
        p.adsb_pd,
        p.adsb_sigma_pos_m,
        p.adsb_sigma_vel_mps,
        p.adsb_max_range_m,
    )
    text = {"icao24": _text(world.plan.coop_id[tg]), "callsign": _text(world.plan.callsign[tg])}
    return Batch.make(t, s, tg, vals, text=text)


def observe_remote_id(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """Remote ID broadcasts of small UAS at time t (s), with the operator's position."""
    p = world.config.coop
    s, tg, vals = _self_reports(
        world,
        sensors,
        t,
        rng,
        Coop.REMOTE_ID,
        p.rid_pd,
        p.rid_sigma_pos_m,
        p.rid_sigma_vel_mps,
        p.rid_max_range_m,
    )
    op = world.plan.operator[tg]
    has_op = op >= 0
    op_pos = np.full((len(tg), 3), np.nan)
    if has_op.any():
        op_pos[has_op], _ = world.traj.state_at(op[has_op], t)
    if world.proj.geodetic:
        lat, lon, _ = world.proj.geodetic_of(op_pos)
        vals.update(operator_lat_deg=lat, operator_lon_deg=lon)
    else:
        vals.update(operator_x=op_pos[:, 0], operator_y=op_pos[:, 1])
    return Batch.make(t, s, tg, vals, text={"uas_id": _text(world.plan.coop_id[tg])})
