"""RF direction finders: bearings to emitters, with carrier frequency, bandwidth and RSSI.

Emitters (`shared/notes/domain.md` section 2: RF-DF cannot prove a signal is a drone and is
blind to autonomous satnav Shaheds, but sees video links, cellular modems and ground relays):
attack drones with a datalink, decoys carrying a relay, multirotor video downlinks and their
ground controllers, static relays. Received power from free-space loss::

    RSSI = EIRP - FSPL + N(0, sigma),   FSPL(dB) = 20 log10(r / m) + 20 log10(f / MHz) - 27.55

A report needs the carrier inside one of the sensor's bands, RSSI above the sensitivity,
range within ``max_range_m``, and a draw under ``pd``.
"""

from __future__ import annotations

import numpy as np

from skyfuse.scenario.model import Coverage, SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.sensors.base import (
    F64,
    IDX,
    Batch,
    World,
    enu_position,
    grid_points,
    n_reports,
    pair_aer,
    pairs,
    wgs84_position,
)


def free_space_loss_db(range_m: F64, freq_mhz: F64) -> F64:
    """Free-space path loss, dB, for range in metres and frequency in MHz."""
    return np.asarray(20.0 * np.log10(np.maximum(range_m, 1.0)) + 20.0 * np.log10(freq_mhz) - 27.55)


def in_bands(freq_mhz: F64, bands: list[tuple[float, float]]) -> np.ndarray:
    """True where a frequency lies in any of the bands (MHz)."""
    out = np.zeros(np.shape(freq_mhz), dtype=bool)
    for lo, hi in bands:
        out |= (freq_mhz >= lo) & (freq_mhz <= hi)
    return out


def place(cfg: SimConfig, geo: Geography, proj: MapProjection) -> list[SensorSpec]:
    """RF-DF sensors on a ring of ``ring_radius_m`` starting at 45 deg, or a grid over the area."""
    p = cfg.rf
    n = cfg.rf_sensors
    if p.layout == "ring":
        ang = np.radians(45.0) + 2.0 * np.pi * np.arange(n) / max(n, 1)
        xy = p.ring_radius_m * np.column_stack([np.sin(ang), np.cos(ang)])
    else:
        xy = grid_points(n, cfg.area_radius_m)
    nrep = n_reports(p.first_report_time_s, p.report_period_s, cfg.duration_s)
    return [
        SensorSpec(
            sensor_id=f"rf-{i}",
            kind="rf_df",
            position_enu_m=enu_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
            position_wgs84=wgs84_position(proj, float(xy[i, 0]), float(xy[i, 1]), p.height_m),
            noise_sigma={
                "azimuth_deg": p.sigma_azimuth_deg,
                "frequency_mhz": p.sigma_frequency_mhz,
                "rssi_dbm": p.sigma_rssi_db,
            },
            report_period_s=p.report_period_s,
            first_report_time_s=p.first_report_time_s,
            n_reports=nrep,
            pd=p.pd,
            clutter_rate_per_scan=p.clutter_rate_per_scan,
            rssi_model="EIRP - free-space path loss + N(0, sigma_rssi dB)",
            coverage=Coverage(min_range_m=0.0, max_range_m=p.max_range_m, bands_mhz=p.bands_mhz),
        )
        for i in range(n)
    ]


def observe(world: World, sensors: IDX, t: float, rng: np.random.Generator) -> Batch:
    """Bearings of every emitter each sensor in ``sensors`` hears at time t (s)."""
    p = world.config.rf
    plan = world.plan
    alive = world.traj.alive_at(t)
    tgt = alive[np.isfinite(plan.rf_mhz[alive])]
    pos, _ = world.traj.work_state_at(tgt, t)
    si, ti = pairs(len(sensors), len(tgt))
    s = sensors[si]
    az, _, r = pair_aer(world.catalog, s, pos[ti])
    f = plan.rf_mhz[tgt[ti]]
    rssi = plan.rf_eirp_dbm[tgt[ti]] - free_space_loss_db(r, f)
    rssi = rssi + rng.normal(0.0, p.sigma_rssi_db, len(r))
    hit = (
        in_bands(f, p.bands_mhz)
        & (r <= p.max_range_m)
        & (rssi >= p.sensitivity_dbm)
        & (rng.uniform(0.0, 1.0, len(r)) < p.pd)
    )
    s, ti, az, f, rssi = s[hit], ti[hit], az[hit], f[hit], rssi[hit]
    m = len(s)
    vals = {
        "azimuth_deg": np.mod(np.degrees(az) + rng.normal(0.0, p.sigma_azimuth_deg, m), 360.0),
        "frequency_mhz": f + rng.normal(0.0, p.sigma_frequency_mhz, m),
        "bandwidth_mhz": plan.rf_bw_mhz[tgt[ti]],
        "rssi_dbm": rssi,
    }
    n_false = rng.poisson(p.clutter_rate_per_scan, len(sensors))
    fs = np.repeat(sensors, n_false)
    k = len(fs)
    bands = np.asarray(p.bands_mhz, dtype=np.float64).reshape(-1, 2)
    if k and len(bands):
        b = rng.integers(0, len(bands), k)
        ff = rng.uniform(bands[b, 0], bands[b, 1])
    else:
        ff = rng.uniform(400.0, 6000.0, k)
    fv = {
        "azimuth_deg": rng.uniform(0.0, 360.0, k),
        "frequency_mhz": ff,
        "bandwidth_mhz": np.asarray([0.5, 2.0, 20.0])[rng.integers(0, 3, k)],
        "rssi_dbm": rng.uniform(p.sensitivity_dbm, p.sensitivity_dbm + 15.0, k),
    }
    return Batch.make(
        t,
        np.concatenate([s, fs]),
        np.concatenate([tgt[ti], np.full(k, -1)]),
        {key: np.concatenate([vals[key], fv[key]]) for key in vals},
    )
