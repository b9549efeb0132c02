"""The simulator: config -> geography, targets, trajectories, sensors, reports, truth, files.

Deterministic from ``SimConfig.seed``: one `numpy.random.SeedSequence` is split into independent
streams (geography, targets, motion, one per sensor kind, report order), so adding sensors of
one kind leaves every other stream, and so the other kinds' reports, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from numpy.typing import NDArray

from skyfuse import __version__
from skyfuse.core.kinds import KNOWN_CLASSES, SensorKind
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.folder import write_scenario
from skyfuse.scenario.model import Context, Frame, Origin, SensorsFile, SensorSpec
from skyfuse.scenario.tables import Targets, Truth
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography, plan_geography, to_context
from skyfuse.sim.geometry import MapProjection, polyline_crossing
from skyfuse.sim.motion import Trajectories, propagate
from skyfuse.sim.population import TargetPlan, plan_targets
from skyfuse.sim.sensors import MODELS, Batch, World

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ProgressFn = Callable[[str, float], None]
"""Progress callback: (stage name, fraction done in [0, 1])."""

TRUTH_CHUNK_ROWS = 500_000


@dataclass(frozen=True, slots=True)
class SimResult:
    """A simulated scenario in memory: everything `write_result` writes, plus the trajectories.

    Attributes:
        sensors: `sensors.json`. reports: all reports sorted by time then sensor id (det_id =
        row). truth: `truth.csv`. labels: (det_id, target_id) with -1 for false reports.
        targets: `targets.csv`. context: `context.json`. meta: `meta.json`.
        world: the truth as continuous trajectories (`World.traj.state_at`), for tests/demos.
    """

    sensors: SensorsFile
    reports: Reports
    truth: Truth
    labels: tuple[I64, I64]
    targets: Targets
    context: Context
    meta: dict[str, Any]
    world: World


def _frame(cfg: SimConfig) -> Frame:
    origin = Origin(lat_deg=cfg.origin_lat_deg, lon_deg=cfg.origin_lon_deg, alt_m=cfg.origin_alt_m)
    return scenario_frame(origin, geodetic=cfg.frame == "wgs84")


def scenario_frame(origin: Origin, *, geodetic: bool) -> Frame:
    """`sensors.json` frame around ``origin``: WGS84 (ECEF inside) or flat ENU metres."""
    common = {
        "azimuth": "degrees clockwise from North (0 = N, 90 = E), [0, 360)",
        "elevation": "degrees above the sensor's local horizontal plane",
        "range": "slant range from the sensor position, metres",
    }
    if geodetic:
        return Frame(
            type="WGS84",
            origin_wgs84=origin,
            units="degrees, metres above the WGS-84 ellipsoid, seconds",
            earth_model="WGS-84 ellipsoid; angles in each sensor's local ENU tangent plane",
            **common,
        )
    return Frame(
        type="ENU",
        origin_wgs84=origin,
        units="metres, seconds",
        earth_model="flat (local tangent plane), no refraction",
        **common,
    )


def _schedules(catalog: SensorCatalog, kind: SensorKind) -> list[tuple[NDArray[np.intp], F64]]:
    """Sensors of one kind grouped by identical schedule: (sensor indices, report times s)."""
    groups: dict[tuple[float, float, int], list[int]] = {}
    for i in catalog.sensors_of(kind):
        spec = catalog.specs[int(i)]
        first = (
            spec.first_scan_time_s if spec.scan_period_s is not None else spec.first_report_time_s
        )
        n = spec.n_scans if spec.scan_period_s is not None else spec.n_reports
        period = spec.period_s
        if period is None or n is None:
            continue
        groups.setdefault((first or 0.0, period, n), []).append(int(i))
    out = []
    for (first, period, n), idx in sorted(groups.items()):
        times = np.round(first + period * np.arange(n), 6)
        out.append((np.asarray(idx, dtype=np.intp), times))
    return out


def _truth(world: World, times: F64) -> Truth:
    """Truth rows: every alive target at every scheduled report time, sorted by time then id."""
    traj = world.traj
    n = len(traj.kb)
    eps = 1e-9
    lo = np.searchsorted(times, traj.t_birth - eps, side="left")
    hi = np.searchsorted(times, traj.t_death + eps, side="right")
    count = np.maximum(hi - lo, 0)
    tid = np.repeat(np.arange(n), count)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    ti = starts + np.arange(len(tid))
    order = np.lexsort((tid, ti))
    tid, ti = tid[order], ti[order]
    pos = np.empty((len(tid), 3))
    vel = np.empty((len(tid), 3))
    for a in range(0, len(tid), TRUTH_CHUNK_ROWS):
        b = a + TRUTH_CHUNK_ROWS
        p, v = traj.state_at(tid[a:b], times[ti[a:b]])
        pos[a:b] = world.proj.scenario_position(p)
        vel[a:b] = v
    return Truth(
        time=times[ti],
        target_id=tid.astype(np.int64),
        pos=pos,
        vel=vel,
        geodetic=world.proj.geodetic,
    )


def _border_crossings(world: World, t_end: float) -> F64:
    """First time each border-crossing target crosses into the partner's side (s), NaN if never;
    extrapolated along the straight line to its final waypoint if it is still flying at the end."""
    plan, traj, geo = world.plan, world.traj, world.geo
    out = np.full(len(plan), np.nan)
    if len(geo.border_xy) == 0:
        return out
    for i in np.flatnonzero(plan.crosses_border):
        kb, kd, s = int(traj.kb[i]), int(traj.kd[i]), int(traj.slot[i])
        path = traj.pos[kb : kd + 1, s, :2]
        if len(path) >= 2:
            hit, frac = polyline_crossing(path[:-1], path[1:], geo.border_xy)
            if hit.any():
                j = int(np.argmax(hit))
                out[i] = (kb + j + frac[j]) * traj.dt
                continue
        if kd * traj.dt >= t_end - 1e-9:
            goal = plan.waypoints[i, plan.n_wp[i] - 1]
            last = path[-1]
            hit, frac = polyline_crossing(last[None], goal[None], geo.border_xy)
            if hit[0]:
                dist = float(np.linalg.norm(goal - last)) * float(frac[0])
                out[i] = t_end + dist / max(float(plan.speed[i]), 1e-6)
    return out


def _arrivals(world: World, t_end: float) -> F64:
    """Impact time at the goal site (s): simulated, or extrapolated straight to the goal at the
    cruise speed for hostiles still flying at the end; NaN for targets without a goal site."""
    plan, traj = world.plan, world.traj
    out = np.where(plan.goal_site >= 0, traj.arrival_time, np.nan)
    flying = (plan.goal_site >= 0) & np.isnan(out) & (traj.t_death >= t_end - 1e-9)
    idx = np.flatnonzero(flying)
    if len(idx):
        pos, _ = traj.state_at(idx, t_end)
        goal = plan.waypoints[idx, plan.n_wp[idx] - 1]
        kx, ky = world.proj.scale(pos[:, 1], pos[:, 2])
        d = np.hypot((goal[:, 0] - pos[:, 0]) / kx, (goal[:, 1] - pos[:, 1]) / ky)
        out[idx] = t_end + d / np.maximum(plan.speed[idx], 1e-6)
    return out


def _fmt(a: F64, decimals: int) -> NDArray[np.str_]:
    return np.array(["" if not np.isfinite(v) else f"{v:.{decimals}f}" for v in a], dtype=str)


def _targets_table(world: World, t_end: float) -> Targets:
    plan, geo, proj = world.plan, world.geo, world.proj
    n = len(plan)
    site_ids = np.array([*geo.site_id, ""], dtype=str)
    launch = plan.pos0.copy()
    extra: dict[str, NDArray[np.str_]] = {}
    if proj.geodetic:
        lat, lon, _ = proj.geodetic_of(launch)
        extra["launch_lat_deg"] = _fmt(lat, 7)
        extra["launch_lon_deg"] = _fmt(lon, 7)
    else:
        extra["launch_x"] = _fmt(launch[:, 0], 1)
        extra["launch_y"] = _fmt(launch[:, 1], 1)
    cross = _border_crossings(world, t_end)
    extra["t_birth_s"] = _fmt(world.traj.t_birth, 1)
    extra["wave"] = np.array([str(w) if w >= 0 else "" for w in plan.wave], dtype=str)
    extra["group"] = np.array([str(g) if g >= 0 else "" for g in plan.group], dtype=str)
    extra["arrival_time_s"] = _fmt(_arrivals(world, t_end), 1)
    extra["border_id"] = np.where(plan.crosses_border, geo.border_id, "").astype(str)
    extra["border_cross_time_s"] = _fmt(cross, 1)
    extra["rcs_dbsm"] = _fmt(plan.rcs_dbsm, 1)
    extra["rf_mhz"] = _fmt(plan.rf_mhz, 3)
    extra["acoustic_hz"] = _fmt(plan.acoustic_hz, 1)
    extra["coop_id"] = plan.coop_id.astype(str)
    spoof = np.hypot(plan.spoof_offset[:, 0], plan.spoof_offset[:, 1])
    extra["spoof_offset_m"] = _fmt(np.where(spoof > 0, spoof, np.nan), 1)
    extra["operator_id"] = np.array([str(o) if o >= 0 else "" for o in plan.operator], dtype=str)
    return Targets(
        target_id=np.arange(n, dtype=np.int64),
        cls=np.array([KNOWN_CLASSES[c] for c in plan.cls], dtype=str),
        hostile=plan.hostile.copy(),
        goal_site=site_ids[plan.goal_site],
        extra=extra,
    )


def _meta(
    cfg: SimConfig,
    preset_name: str | None,
    times: F64,
    truth: Truth,
    batch: Batch,
    catalog: SensorCatalog,
    targets: Targets,
    world: World,
) -> dict[str, Any]:
    per_time = np.bincount(np.searchsorted(times, truth.time), minlength=len(times))
    kinds = catalog.kind[batch.sensor]
    by_kind = {}
    for k in SensorKind:
        sel = kinds == int(k)
        if sel.any() or len(catalog.sensors_of(k)):
            by_kind[k.label] = {
                "reports": int(sel.sum()),
                "false": int((sel & (batch.target < 0)).sum()),
            }
    arrival = targets.float_col("arrival_time_s")
    cross = targets.float_col("border_cross_time_s")
    classes, counts = np.unique(targets.cls, return_counts=True)
    return {
        "generator": "skyfuse.sim",
        "generator_version": __version__,
        "preset": preset_name,
        "seed": cfg.seed,
        "params": msgspec.to_builtins(cfg),
        "duration_s": float(cfg.duration_s),
        "n_scan_times": len(times),
        "targets_ever_alive": len(np.unique(truth.target_id)),
        "alive_per_time": {
            "min": int(per_time.min()) if len(per_time) else 0,
            "mean": float(per_time.mean()) if len(per_time) else 0.0,
            "max": int(per_time.max()) if len(per_time) else 0,
        },
        "truth_rows": len(truth),
        "detections": len(batch),
        "target_detections": int((batch.target >= 0).sum()),
        "clutter_detections": int((batch.target < 0).sum()),
        "reports_by_kind": by_kind,
        "classes": {str(c): int(n) for c, n in zip(classes, counts, strict=True)},
        "sensors_by_kind": {
            k.label: len(catalog.sensors_of(k)) for k in SensorKind if len(catalog.sensors_of(k))
        },
        "impacts_within_run": int((arrival <= cfg.duration_s).sum()),
        "border_crossings_within_run": int((cross <= cfg.duration_s).sum()),
    }


def simulate(
    config: SimConfig, *, progress: ProgressFn | None = None, preset_name: str | None = None
) -> SimResult:
    """Simulate a scenario in memory (deterministic from ``config.seed``).

    ``progress`` is called with (stage, fraction) as sensors report over time.
    """
    cfg = config
    seeds = np.random.SeedSequence(cfg.seed).spawn(4 + len(MODELS))
    rngs = [np.random.default_rng(s) for s in seeds]
    rng_geo, rng_pop, rng_motion, rng_order = rngs[:4]
    proj = MapProjection(cfg.frame == "wgs84", cfg.origin_lat_deg, cfg.origin_lon_deg)
    geo: Geography = plan_geography(cfg, rng_geo)
    plan: TargetPlan = plan_targets(cfg, geo, rng_pop)
    if progress:
        progress("trajectories", 0.0)
    traj: Trajectories = propagate(
        plan, duration_s=cfg.duration_s, dt=cfg.motion_step_s, proj=proj, rng=rng_motion
    )
    specs: list[SensorSpec] = [s for m in MODELS for s in m.place(cfg, geo, proj)]
    sensors = SensorsFile(frame=_frame(cfg), sensors=specs)
    catalog = SensorCatalog.build(sensors)
    world = World(cfg, plan, traj, proj, geo, catalog)

    work: list[tuple[int, NDArray[np.intp], F64]] = []
    for mi, model in enumerate(MODELS):
        for idx, times in _schedules(catalog, model.kind):
            work.append((mi, idx, times))
    total = sum(len(times) for _, _, times in work) or 1
    done = 0
    batches: list[Batch] = []
    all_times: list[F64] = []
    for mi, idx, times in work:
        model = MODELS[mi]
        rng = rngs[4 + mi]
        all_times.append(times)
        for t in times.tolist():
            batches.append(model.observe(world, idx, float(t), rng))
            done += 1
            if progress and done % 50 == 0:
                progress("sensors", done / total)
    if progress:
        progress("sensors", 1.0)
    batch = Batch.concat(batches)

    # Sort by time, then sensor_id (as text), random within a (time, sensor).
    ids = np.array([s.sensor_id for s in specs], dtype=str)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    shuffle = rng_order.permutation(len(batch))
    order = np.lexsort((shuffle, rank[batch.sensor] if len(batch) else shuffle, batch.time))
    batch = Batch(
        time=batch.time[order],
        sensor=batch.sensor[order],
        target=batch.target[order],
        values={k: v[order] for k, v in batch.values.items()},
        text={k: v[order] for k, v in batch.text.items()},
        sigmas={k: v[order] for k, v in batch.sigmas.items()},
        class_scores=None if batch.class_scores is None else batch.class_scores[order],
    )
    det_id = np.arange(len(batch), dtype=np.int64)
    reports = Reports(
        det_id=det_id,
        time=batch.time,
        sensor=batch.sensor,
        values=batch.values,
        sigmas=batch.sigmas,
        text=batch.text,
        class_scores=batch.class_scores,
    )
    times = np.unique(np.concatenate(all_times)) if all_times else np.zeros(0)
    if progress:
        progress("truth", 0.0)
    truth = _truth(world, times)
    targets = _targets_table(world, cfg.duration_s)
    context = to_context(geo, cfg, proj)
    meta = _meta(cfg, preset_name, times, truth, batch, catalog, targets, world)
    return SimResult(
        sensors=sensors,
        reports=reports,
        truth=truth,
        labels=(det_id, batch.target.copy()),
        targets=targets,
        context=context,
        meta=meta,
        world=world,
    )


def write_result(result: SimResult, folder: Path) -> None:
    """Write the scenario folder: sensors.json, detections.jsonl, context.json, truth.csv,
    targets.csv, labels.csv, meta.json (through `skyfuse.scenario.write_scenario`)."""
    write_scenario(
        Path(folder),
        sensors=result.sensors,
        reports=result.reports,
        truth=result.truth,
        labels=result.labels,
        targets=result.targets,
        context=result.context,
        meta=result.meta,
    )
