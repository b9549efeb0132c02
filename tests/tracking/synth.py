"""Small in-memory radar scenarios for tracker tests: targets, staggered radars, clutter.

Targets fly near-constant velocity (with a little white acceleration noise) in a scenario ENU
plane; with ``geodetic=True`` the same plane is placed on the WGS-84 ellipsoid far from the
origin (tangent at ``origin``), the sensors get geodetic positions and every plot is measured in
its sensor's own local ENU frame, as the scenario format requires. ``group_size > 1`` makes
raids: groups flying line abreast ``spacing_m`` apart with one common velocity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.reports import Reports
from skyfuse.eval.timeline import Rows, score_over_time
from skyfuse.geo.frames import aer_from_enu, ecef_from_geodetic, enu_rotation, geodetic_from_ecef
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Coverage, Frame, SensorsFile, SensorSpec
from skyfuse.tracking import Tracker, TrackerConfig

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Synth:
    """A generated scenario: catalogue, reports (sorted by time), truth in the working frame."""

    catalog: SensorCatalog
    reports: Reports
    truth_time: F64
    truth_id: I64
    truth_pos: F64  # working frame, m
    det_target: I64  # target of each report, -1 for clutter


def radar_scenario(
    *,
    n_targets: int = 10,
    n_radars: int = 3,
    n_scans: int = 60,
    seed: int = 0,
    group_size: int = 1,
    spacing_m: float = 100.0,
    clutter: float = 10.0,
    pd: float = 0.9,
    geodetic: bool = False,
    origin: tuple[float, float] = (48.0, 35.0),
    area_m: float = 15_000.0,
    q: float = 0.05,
    start: F64 | None = None,
    velocity: F64 | None = None,
) -> Synth:
    """Generate a radar scenario (see module docstring). ``start``/``velocity`` (n, 3) override
    the random initial states (scenario ENU, m and m/s)."""
    rng = np.random.default_rng(seed)
    ring = 8000.0
    ang = np.radians(90.0 + 120.0 * np.arange(n_radars))
    radar_enu = np.stack([ring * np.cos(ang), ring * np.sin(ang), np.full(n_radars, 10.0)], 1)
    if n_radars == 1:
        radar_enu[0] = (0.0, 0.0, 10.0)
    sig = {"range_m": 10.0, "azimuth_deg": 0.2, "elevation_deg": 0.2}
    cover = Coverage(
        min_range_m=250.0, max_range_m=30_000.0, min_elevation_deg=-2.0, max_elevation_deg=30.0
    )
    if geodetic:
        o_ecef = ecef_from_geodetic(origin[0], origin[1], 0.0)
        R0 = enu_rotation(origin[0], origin[1])

        def to_work(p: F64) -> F64:
            return np.asarray(o_ecef + p @ R0)

    else:

        def to_work(p: F64) -> F64:
            return np.asarray(p, dtype=np.float64)

    specs = []
    for i in range(n_radars):
        common = dict(
            sensor_id=f"radar-{i}",
            kind="radar",
            noise_sigma=sig,
            pd=pd,
            clutter_rate_per_scan=clutter,
            coverage=cover,
            scan_period_s=1.0,
            first_scan_time_s=round(i / n_radars, 6),
            n_scans=n_scans,
        )
        if geodetic:
            lat, lon, alt = geodetic_from_ecef(to_work(radar_enu[i]))
            specs.append(SensorSpec(position_wgs84=(float(lat), float(lon), float(alt)), **common))  # type: ignore[arg-type]
        else:
            specs.append(SensorSpec(position_enu_m=tuple(radar_enu[i]), **common))  # type: ignore[arg-type]
    frame = Frame(type="WGS84") if geodetic else Frame(type="ENU")
    catalog = SensorCatalog.build(SensorsFile(frame=frame, sensors=specs))

    n_groups = -(-n_targets // group_size)
    if start is None or velocity is None:
        centre = rng.uniform(-area_m, area_m, (n_groups, 2))
        alt = rng.uniform(200.0, 2000.0, n_groups)
        speed = rng.uniform(20.0, 60.0, n_groups)
        head = rng.uniform(0.0, 2 * np.pi, n_groups)
        gv = np.stack([speed * np.sin(head), speed * np.cos(head), np.zeros(n_groups)], 1)
        k = np.arange(n_targets)
        g = k // group_size
        slot = k % group_size - (group_size - 1) / 2.0
        across = np.stack([np.cos(head), -np.sin(head)], 1)[g]  # perpendicular to heading
        p0 = np.zeros((n_targets, 3))
        p0[:, :2] = centre[g] + slot[:, None] * spacing_m * across
        p0[:, 2] = alt[g]
        v0 = gv[g].copy()
    else:
        p0, v0 = np.asarray(start, float), np.asarray(velocity, float)
    times = np.unique(
        np.round(
            np.concatenate(
                [s.first_scan_time_s + np.arange(n_scans) for s in specs]  # type: ignore[operator]
            ),
            6,
        )
    )
    nt = p0.shape[0]
    pos = np.zeros((times.size, nt, 3))
    p, v = p0.copy(), v0.copy()
    prev = 0.0
    for step, t in enumerate(times):
        dt = t - prev
        prev = t
        if dt > 0:
            a = (
                rng.normal(0.0, np.sqrt(q / dt), (nt, 3))
                if group_size == 1
                else np.repeat(rng.normal(0.0, np.sqrt(q / dt), (n_groups, 3)), group_size, axis=0)[
                    :nt
                ]
            )
            a[:, 2] *= 0.1
            v = v + a * dt
            p = p + v * dt
        pos[step] = p
    work = to_work(pos.reshape(-1, 3)).reshape(pos.shape)

    det_time, det_sensor, det_vals, det_tgt = [], [], [], []
    for s in range(n_radars):
        for t in specs[s].report_times():
            ti = int(np.flatnonzero(np.abs(times - t) < 1e-6)[0])
            local = (work[ti] - catalog.position[s]) @ catalog.rotation[s].T
            az, el, r = aer_from_enu(local)
            seen = (r > 250) & (r < 30_000) & (np.degrees(el) > -2) & (np.degrees(el) < 30)
            seen &= rng.random(nt) < pd
            ids = np.flatnonzero(seen)
            z = np.stack([r[ids], np.degrees(az[ids]), np.degrees(el[ids])], 1)
            z += rng.normal(0.0, 1.0, z.shape) * [10.0, 0.2, 0.2]
            nc = rng.poisson(clutter)
            zc = np.stack(
                [rng.uniform(250, 30_000, nc), rng.uniform(0, 360, nc), rng.uniform(-2, 30, nc)], 1
            )
            zz = np.concatenate([z, zc])
            det_vals.append(zz)
            det_time.append(np.full(len(zz), times[ti]))
            det_sensor.append(np.full(len(zz), s, np.int32))
            det_tgt.append(np.concatenate([ids, np.full(nc, -1)]))
    tm = np.concatenate(det_time)
    order = np.argsort(tm, kind="stable")
    vals = np.concatenate(det_vals)[order]
    vals[:, 1] %= 360.0
    reports = Reports(
        det_id=np.arange(tm.size, dtype=np.int64),
        time=tm[order],
        sensor=np.concatenate(det_sensor)[order],
        values={"range_m": vals[:, 0], "azimuth_deg": vals[:, 1], "elevation_deg": vals[:, 2]},
    )
    return Synth(
        catalog=catalog,
        reports=reports,
        truth_time=np.repeat(times, nt),
        truth_id=np.tile(np.arange(nt, dtype=np.int64), times.size),
        truth_pos=work.reshape(-1, 3),
        det_target=np.concatenate(det_tgt)[order].astype(np.int64),
    )


@dataclass(frozen=True)
class Score:
    """Mean GOSPA parts (c 100 m, p 1) per report time, CLEAR-MOT ID switches (eval's rule),
    distinct track ids paired with truths, the most tracks within 50 m of one target at once,
    and the tracker's statistics."""

    gospa: float
    localisation: float
    missed: float
    false: float
    id_switches: int
    track_ids: int
    max_tracks_per_target: int
    mean_nis: float


def run_and_score(synth: Synth, config: TrackerConfig | None = None) -> Score:
    """Run a tracker over the scenario's reports, scoring confirmed tracks at every report time."""
    tracker = Tracker(synth.catalog, config)
    t_step, t_obj, t_pos, k_step, k_obj, k_pos = [], [], [], [], [], []
    dup = 0
    step = 0
    for batch in synth.reports.batches_by_time():
        pic = tracker.process(batch).picture
        shown = pic.take(pic.confirmed())
        rows = np.flatnonzero(np.abs(synth.truth_time - float(batch.time[0])) < 1e-6)
        x = synth.truth_pos[rows]
        t_step.append(np.full(rows.size, step))
        t_obj.append(synth.truth_id[rows])
        t_pos.append(x)
        k_step.append(np.full(len(shown), step))
        k_obj.append(shown.track_id)
        k_pos.append(shown.state[:, :3])
        if len(x) and len(shown):
            d = np.linalg.norm(x[:, None] - shown.state[None, :, :3], axis=2)
            dup = max(dup, int((d < 50.0).sum(axis=1).max()))
        step += 1
    kid = np.concatenate(k_obj)
    uniq, dense = np.unique(kid, return_inverse=True)
    truths = Rows(np.concatenate(t_step), np.concatenate(t_obj), np.concatenate(t_pos))
    tracks = Rows(np.concatenate(k_step), dense.astype(np.int64), np.concatenate(k_pos))
    sc, pairs = score_over_time(
        step,
        truths,
        tracks,
        n_truth_objects=int(synth.truth_id.max()) + 1,
        n_track_objects=max(uniq.size, 1),
    )
    return Score(
        float(sc.gospa.mean()),
        float(sc.localisation.mean()),
        float(sc.missed.mean()),
        float(sc.false.mean()),
        int(pairs.switch.sum()),
        int(np.unique(tracks.obj[pairs.track_row]).size),
        dup,
        tracker.stats.mean_nis,
    )
