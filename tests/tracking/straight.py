"""Straight flights at fixed speeds seen by one radar, an ADS-B feed, or both (in memory).

Each target flies at constant velocity on its own lane and altitude (map ENU plane, radar at
the origin). ``crossing``: the target passes the radar broadside at ``closest_m`` halfway
through the run (range rate ~0 there); ``radial``: inbound from ``start_m`` straight at the
radar. The radar scans every ``scan_s`` with detection probability ``pd``, Gaussian range /
azimuth / elevation noise, uniform clutter and (optionally) radial velocity. The ADS-B feed
reports position and velocity (noise ``adsb_pos_m``, ``adsb_vel_mps``) at irregular intervals
(uniform in ``adsb_gap_s``), with ``adsb_repeat`` of the extra rows repeating the previous
position exactly (as a network that re-sends the last known position every second does).

`score` measures each target's tracked fraction of its observable time (from its first to
its last report), the distinct track ids that held it and its ID switches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.geo.frames import aer_from_enu
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Coverage, Frame, SensorsFile, SensorSpec

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Mix = Literal["radar", "adsb", "both"]


@dataclass(frozen=True)
class Flights:
    """A generated world: catalogue, time-sorted reports, truth (target, time, position)."""

    catalog: SensorCatalog
    reports: Reports
    truth_time: F64
    truth_pos: F64  # (T, n, 3) m
    det_target: I64  # target of each report, -1 for clutter


def straight_flights(
    speeds: Sequence[float],
    *,
    geometry: Literal["crossing", "radial"] = "crossing",
    sensors: Mix = "radar",
    duration_s: float = 120.0,
    scan_s: float = 2.0,
    closest_m: float = 20_000.0,
    start_m: float = 45_000.0,
    pd: float = 0.9,
    clutter: float = 5.0,
    doppler: bool = False,
    adsb_gap_s: tuple[float, float] = (0.5, 4.0),
    adsb_repeat: float = 0.3,
    adsb_pos_m: float = 10.0,
    adsb_vel_mps: float = 1.0,
    seed: int = 0,
) -> Flights:
    """Generate the world (see module docstring). Units: m, s, m/s."""
    rng = np.random.default_rng(seed)
    n = len(speeds)
    speed = np.asarray(speeds, float)
    bearing = np.radians(rng.uniform(0.0, 360.0) + 360.0 * np.arange(n) / n)
    alt = 2000.0 + 400.0 * np.arange(n)
    los = np.stack([np.sin(bearing), np.cos(bearing), np.zeros(n)], 1)
    if geometry == "crossing":
        across = np.stack([np.cos(bearing), -np.sin(bearing), np.zeros(n)], 1)
        vel = speed[:, None] * across
        p0 = closest_m * los - vel * duration_s / 2.0
    else:
        vel = -speed[:, None] * los
        p0 = start_m * los
    p0[:, 2] = alt
    r_sig = {"range_m": 20.0, "azimuth_deg": 0.15, "elevation_deg": 0.3}
    if doppler:
        r_sig["radial_velocity_mps"] = 1.0
    max_range = 60_000.0
    specs: list[SensorSpec] = []
    if sensors in ("radar", "both"):
        specs.append(
            SensorSpec(
                sensor_id="radar-0",
                kind="radar",
                position_enu_m=(0.0, 0.0, 10.0),
                noise_sigma=r_sig,
                pd=pd,
                clutter_rate_per_scan=clutter,
                coverage=Coverage(
                    min_range_m=500.0,
                    max_range_m=max_range,
                    min_elevation_deg=-2.0,
                    max_elevation_deg=40.0,
                ),
                scan_period_s=scan_s,
                first_scan_time_s=0.0,
                n_scans=int(duration_s / scan_s),
            )
        )
    if sensors in ("adsb", "both"):
        specs.append(
            SensorSpec(
                sensor_id="adsb-0",
                kind="adsb",
                position_enu_m=(0.0, 0.0, 0.0),
                noise_sigma={"pos_m": adsb_pos_m, "vel_mps": adsb_vel_mps},
                pd=0.95,
                report_period_s=1.0,
                first_report_time_s=0.0,
                n_reports=int(duration_s),
            )
        )
    catalog = SensorCatalog.build(SensorsFile(frame=Frame(type="ENU"), sensors=specs))
    s_radar = 0
    s_adsb = len(specs) - 1

    def pos_at(t: F64) -> F64:
        return np.asarray(p0[None] + vel[None] * t[:, None, None])  # (T, n, 3)

    chunks: list[tuple[F64, int, I64, dict[str, F64], NDArray[np.object_]]] = []

    def add(t: F64, s: int, target: I64, v: dict[str, F64], ident: NDArray[np.object_]) -> None:
        chunks.append((t, s, target, v, ident))

    if sensors in ("radar", "both"):
        scans = np.arange(int(duration_s / scan_s)) * scan_s
        P = pos_at(scans)
        for i, t in enumerate(scans):
            local = P[i] - np.array([0.0, 0.0, 10.0])
            az, el, r = aer_from_enu(local)
            seen = (r > 500.0) & (r < max_range) & (np.degrees(el) > -2.0)
            seen &= np.degrees(el) < 40.0
            seen &= rng.random(n) < pd
            ids = np.flatnonzero(seen)
            k = ids.size
            nc = int(rng.poisson(clutter))
            v = {
                "range_m": np.r_[r[ids] + rng.normal(0, 20.0, k), rng.uniform(500, max_range, nc)],
                "azimuth_deg": np.r_[
                    np.degrees(az[ids]) + rng.normal(0, 0.15, k), rng.uniform(0, 360, nc)
                ]
                % 360.0,
                "elevation_deg": np.r_[
                    np.degrees(el[ids]) + rng.normal(0, 0.3, k), rng.uniform(-2, 40, nc)
                ],
            }
            if doppler:
                u = local[ids] / r[ids, None]
                rr = np.einsum("ij,ij->i", u, vel[ids])
                v["radial_velocity_mps"] = np.r_[rr + rng.normal(0, 1.0, k), rng.normal(0, 3, nc)]
            add(
                np.full(k + nc, t),
                s_radar,
                np.r_[ids, np.full(nc, -1)].astype(np.int64),
                v,
                np.full(k + nc, None, dtype=object),
            )
    if sensors in ("adsb", "both"):
        for j in range(n):
            gaps = rng.uniform(*adsb_gap_s, int(duration_s / adsb_gap_s[0]) + 2)
            t = np.cumsum(gaps) - gaps[0] * rng.random()
            t = np.round(t[(t >= 0.0) & (t < duration_s)], 3)
            p = pos_at(t)[:, j]
            z = p + rng.normal(0.0, adsb_pos_m, p.shape)
            vv = vel[j] + rng.normal(0.0, adsb_vel_mps, p.shape)
            # Extra rows that repeat the previous report exactly, half a gap later.
            rep = np.flatnonzero(rng.random(t.size - 1) < adsb_repeat)
            t_rep = np.round((t[rep] + t[rep + 1]) / 2.0, 3)
            t_all = np.r_[t, t_rep]
            z_all = np.r_[z, z[rep]]
            v_all = np.r_[vv, vv[rep]]
            o = np.argsort(t_all, kind="stable")
            add(
                t_all[o],
                s_adsb,
                np.full(t_all.size, j, np.int64),
                {
                    "x": z_all[o, 0],
                    "y": z_all[o, 1],
                    "z": z_all[o, 2],
                    "vx": v_all[o, 0],
                    "vy": v_all[o, 1],
                    "vz": v_all[o, 2],
                },
                np.full(t_all.size, f"a{j:05x}", dtype=object),
            )
    time = np.concatenate([c[0] for c in chunks])
    order = np.argsort(time, kind="stable")
    keys = sorted({k for c in chunks for k in c[3]})
    values = {
        k: np.concatenate([c[3].get(k, np.full(c[0].size, np.nan)) for c in chunks])[order]
        for k in keys
    }
    reports = Reports(
        det_id=np.arange(time.size, dtype=np.int64),
        time=time[order],
        sensor=np.concatenate([np.full(c[0].size, c[1], np.int32) for c in chunks])[order],
        values=values,
        text={"icao24": np.concatenate([c[4] for c in chunks])[order]},
    )
    tgt = np.concatenate([c[2] for c in chunks])[order]
    ts = np.unique(reports.time)
    return Flights(catalog, reports, ts, pos_at(ts), tgt)


@dataclass(frozen=True)
class FlightScore:
    """Per target: tracked fraction of its observable time, distinct track ids, ID switches."""

    tracked: F64
    n_ids: I64
    switches: I64


def score(
    world: Flights,
    step: Callable[[Reports], TrackerOutput],
    *,
    radius_m: float = 500.0,
) -> FlightScore:
    """Run ``step`` (a tracker's or a fusion's ``process``) over the world's batches.

    At each report time, every target is matched to the nearest confirmed or coasting track
    within ``radius_m`` (one track per target, nearest first). Observable time: the report
    times between a target's first and last report.
    """
    n = world.truth_pos.shape[1]
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    for j in range(n):
        tj = world.reports.time[world.det_target == j]
        if tj.size:
            first[j], last[j] = tj.min(), tj.max()
    held = np.zeros(n)
    seen = np.zeros(n)
    ids: list[set[int]] = [set() for _ in range(n)]
    prev = np.full(n, -1, np.int64)
    switches = np.zeros(n, np.int64)
    for batch in world.reports.batches_by_time():
        t = float(batch.time[0])
        pic = step(batch).picture
        shown = pic.take(pic.confirmed())
        k = int(np.flatnonzero(np.abs(world.truth_time - t) < 1e-9)[0])
        x = world.truth_pos[k]
        obs = (t >= first) & (t <= last)
        seen += obs
        if len(shown) == 0:
            continue
        d = np.linalg.norm(x[:, None] - shown.state[None, :, :3], axis=2)
        taken = np.zeros(len(shown), bool)
        for j in np.argsort(d.min(axis=1)):
            if not obs[j]:
                continue
            c = np.where(taken, np.inf, d[j])
            best = int(np.argmin(c))
            if c[best] <= radius_m:
                taken[best] = True
                held[j] += 1
                tid = int(shown.track_id[best])
                ids[j].add(tid)
                if prev[j] >= 0 and prev[j] != tid:
                    switches[j] += 1
                prev[j] = tid
    return FlightScore(
        held / np.maximum(seen, 1), np.array([len(s) for s in ids], np.int64), switches
    )


def is_kind(catalog: SensorCatalog, kind: SensorKind) -> bool:
    """Whether the catalogue has a sensor of ``kind``."""
    return bool((catalog.kind == int(kind)).any())
