"""Real-data benchmark cases (issue 9): straight flights and real trajectories through the
whole pipeline, scored with `skyfuse.eval`.

Cases are scenario folders built by `skyfuse.sim.flights` (straight flights 60-340 m/s,
crossing and radial, ADS-B alone / one radar alone / both) and `skyfuse.sim.realtracks` (real
ADS-B trajectories of `shared/data/real-tracks` seen by simulated radars and/or as their real
ADS-B feed). Each folder goes through `skyfuse.pipeline.run_folder` (the `skyfuse track` path:
tracker, passive/cooperative fusion, classifier, threat assessment and alerts) and is scored by
`skyfuse.eval.prepare` (GOSPA c = 100 m, p = 1, CLEAR-MOT pairing).

**Observable time.** A truth row (target, scoring time t) is observable when the target had a
labelled report (any sensor of the folder) in [t - hold, t], hold = 3 x the longest sensor
period (at least 3 s): a tracker cannot be asked to hold a target nobody sees. The *tracked
fraction* is the share of observable rows paired (d < c) with a confirmed track.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import msgspec
import numpy as np
from numpy.typing import NDArray

from skyfuse.eval.inputs import read_alerts
from skyfuse.eval.metrics import ScoringRun, clear_mot_summary, gospa_summary, prepare
from skyfuse.pipeline import PipelineConfig, StepResult, run_folder
from skyfuse.scenario import read_sensors, read_tracks
from skyfuse.sim.flights import FlightsConfig, build_flights
from skyfuse.sim.realtracks import (
    ORLY_SITE,
    AdsbSite,
    RadarSite,
    RealWorldConfig,
    TruthRules,
    accepted_fixes,
    build_real_world,
    parse_utc,
    read_real_tracks,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
REAL_TRACKS: Final = REPO_ROOT.parent / "shared" / "data" / "real-tracks"
DEFAULT_CACHE: Final = REPO_ROOT / "bench" / ".cache" / "real"

ORLY_FULL: Final = ("2021-10-07T13:10:00Z", "2021-10-07T13:59:00Z")
ORLY_QUICK: Final = ("2021-10-07T13:26:00Z", "2021-10-07T13:38:00Z")
AR5_FULL: Final = ("2020-04-17T03:40:50Z", "2020-04-17T05:10:50Z")
AR5_QUICK: Final = ("2020-04-17T04:00:00Z", "2020-04-17T04:20:00Z")
SPOOF_START: Final = "2024-09-17T09:24:25Z"
SPOOF_END: Final = "2024-09-17T09:58:10Z"
SPOOF_FULL: Final = ("2024-09-17T09:12:00Z", "2024-09-17T10:10:00Z")
SPOOF_QUICK: Final = ("2024-09-17T09:22:00Z", "2024-09-17T09:40:00Z")

ORLY_RADAR: Final = RadarSite(
    sensor_id="radar-lfpo",
    position=(ORLY_SITE.lat_deg or 0.0, ORLY_SITE.lon_deg or 0.0, 15.0),
    max_range_m=80_000.0,
    max_elevation_deg=45.0,
)
"""Airport surveillance radar at Orly: 1 s scans, 80 km, sigma 10 m / 0.2 deg, Pd 0.9, 10
clutter plots a scan, RCS reported."""


# -- cases --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealCase:
    """One benchmark folder: how to build it and what to report.

    ``group``: ``flights``, ``orly``, ``uav``, ``spoof``. ``mix``: sensors seen (``adsb``,
    ``radar``, ``radar+doppler``, ``both``). ``build``: writes the folder.
    """

    name: str
    group: str
    mix: str
    build: Callable[[Path], object]
    quick: bool = True
    params: dict[str, Any] = field(default_factory=dict)


def _flights_case(geometry: str, mix: str, quick: bool) -> RealCase:
    sensors = "radar" if mix == "radar+doppler" else mix
    radar = RadarSite(max_range_m=80_000.0, doppler=mix == "radar+doppler")
    cfg = FlightsConfig(
        geometry=geometry,  # type: ignore[arg-type]
        sensors=sensors,  # type: ignore[arg-type]
        duration_s=120.0,
        radar=radar,
        seed=11,
    )
    return RealCase(
        name=f"flights-{geometry}-{mix}",
        group="flights",
        mix=mix,
        build=lambda folder: build_flights(folder, cfg),
        quick=quick,
        params={"geometry": geometry, "speeds_mps": list(cfg.speeds_mps), "duration_s": 120.0},
    )


def _orly_case(mix: str, window: tuple[str, str], quick: bool, name: str) -> RealCase:
    radars = (ORLY_RADAR,) if mix in ("radar", "both") else ()
    adsb = AdsbSite(position=ORLY_RADAR.position) if mix in ("adsb", "both") else None
    cfg = RealWorldConfig(
        start_utc=window[0],
        end_utc=window[1],
        radars=radars,
        adsb=adsb,
        sites=(ORLY_SITE,),
        seed=7,
    )
    return RealCase(
        name=name,
        group="orly",
        mix=mix,
        build=lambda folder: build_real_world(REAL_TRACKS / "orly_flights.csv.gz", folder, cfg),
        quick=quick,
        params={"window_utc": list(window), "site": ORLY_SITE.site_id},
    )


def _uav_case(window: tuple[str, str], quick: bool, name: str, rcs: bool = True) -> RealCase:
    cfg = RealWorldConfig(
        start_utc=window[0],
        end_utc=window[1],
        classes={"407918": "fixed_wing_uav"},
        radars=(RadarSite(sensor_id="radar-0", max_range_m=60_000.0, rcs=rcs),),
        adsb=None,
        seed=5,
    )
    return RealCase(
        name=name,
        group="uav",
        mix="radar" if rcs else "radar, no RCS",
        build=lambda folder: build_real_world(REAL_TRACKS / "border_control.csv", folder, cfg),
        quick=quick,
        params={
            "window_utc": list(window),
            "rcs_dbsm": "U(-10, 0) mean, Swerling 1" if rcs else "not reported",
        },
    )


def spoof_radar_position() -> tuple[float, float, float]:
    """Where the spoof case's radar stands: on the aircraft's (bridged) true route at the middle
    of the spoofed stretch, so the radar sees the aircraft throughout it."""
    tr = read_real_tracks(REAL_TRACKS / "spoofed_thy9bp.csv.gz")[0]
    fx = accepted_fixes(tr, TruthRules(bridge_rejected=True))
    mid = 0.5 * (parse_utc(SPOOF_START) + parse_utc(SPOOF_END))
    lat = float(np.interp(mid, fx.time, fx.lat_deg))
    lon = float(np.interp(mid, fx.time, fx.lon_deg))
    return (round(lat, 5), round(lon, 5), 100.0)


def _spoof_case(window: tuple[str, str], quick: bool, name: str) -> RealCase:
    def build(folder: Path) -> object:
        pos = spoof_radar_position()
        cfg = RealWorldConfig(
            start_utc=window[0],
            end_utc=window[1],
            radars=(
                RadarSite(
                    sensor_id="radar-lr",
                    position=pos,
                    max_range_m=200_000.0,
                    scan_period_s=2.0,
                    sigma_range_m=30.0,
                    sigma_azimuth_deg=0.1,
                    sigma_elevation_deg=0.2,
                    max_elevation_deg=60.0,
                ),
            ),
            adsb=AdsbSite(position=pos, max_range_m=600_000.0),
            rules=TruthRules(bridge_rejected=True),
            seed=9,
        )
        return build_real_world(REAL_TRACKS / "spoofed_thy9bp.csv.gz", folder, cfg)

    return RealCase(
        name=name,
        group="spoof",
        mix="both",
        build=build,
        quick=quick,
        params={
            "window_utc": list(window),
            "spoof_utc": [SPOOF_START, SPOOF_END],
            "radar": "200 km, 2 s scans, 30 m / 0.1 deg, on the true route mid-spoof",
        },
    )


def all_cases() -> list[RealCase]:
    """Every case; ``quick`` marks the ones `make bench-quick` runs (with shorter windows)."""
    out: list[RealCase] = []
    for g in ("crossing", "radial"):
        out.extend(_flights_case(g, mix, quick=True) for mix in ("adsb", "radar", "both"))
        out.append(_flights_case(g, "radar+doppler", quick=False))
    for mix in ("radar", "adsb", "both"):
        out.append(_orly_case(mix, ORLY_FULL, False, f"orly-{mix}"))
        out.append(_orly_case(mix, ORLY_QUICK, True, f"orly-quick-{mix}"))
    out.append(_uav_case(AR5_FULL, False, "ar5-radar"))
    out.append(_uav_case(AR5_QUICK, True, "ar5-quick-radar"))
    out.append(_uav_case(AR5_QUICK, False, "ar5-radar-no-rcs", rcs=False))
    out.append(_spoof_case(SPOOF_FULL, False, "thy9bp-spoof"))
    out.append(_spoof_case(SPOOF_QUICK, True, "thy9bp-quick-spoof"))
    return out


def select(quick: bool, only: list[str] | None) -> list[RealCase]:
    """The cases of a run: ``only`` names (exact), else the quick or the full set."""
    cases = all_cases()
    if only:
        names = {c.name for c in cases}
        bad = [n for n in only if n not in names]
        if bad:
            raise KeyError(f"unknown case(s) {bad}; known: {sorted(names)}")
        return [c for c in cases if c.name in only]
    if quick:
        return [c for c in cases if c.quick]
    return [c for c in cases if not c.quick or c.group == "flights"]


# -- scoring --------------------------------------------------------------------------------------


class TargetFigures(msgspec.Struct, kw_only=True):
    """One target of a case. Times in s; fractions of observable scoring times."""

    target_id: int
    name: str
    cls: str
    observable_s: float
    tracked_fraction: float | None
    track_ids: int
    id_switches: int
    class_shares: dict[str, float]
    """Share of tracked (paired) time per class label of the paired track."""


class CaseResult(msgspec.Struct, kw_only=True):
    """Figures of one case (GOSPA c = 100 m, p = 1, mean over scoring times, m)."""

    name: str
    group: str
    mix: str
    params: dict[str, Any]
    n_targets: int
    duration_s: float
    reports: int
    gospa: float
    gospa_localisation: float
    gospa_missed: float
    gospa_false: float
    id_switches: int
    track_ids_per_target: float | None
    distinct_tracks: int
    tracked_fraction: float | None
    """Over all observable rows of all targets."""
    min_tracked_fraction: float | None
    targets: list[TargetFigures]
    class_shares: dict[str, float]
    alerts: dict[str, int]
    """Distinct alerts by kind (``site_threat`` etc.)."""
    site_alerts: int
    spoof: dict[str, Any] | None = None
    pipeline_s: float = 0.0
    build_s: float = 0.0
    score_s: float = 0.0
    error: str | None = None


def _sensor_hold_s(folder: Path) -> float:
    periods = [s.period_s for s in read_sensors(folder).sensors if s.period_s]
    return max(3.0, 3.0 * max(periods, default=1.0))


def observable_rows(
    run: ScoringRun, hold_s: float, sensors: set[int] | None = None
) -> NDArray[np.bool_]:
    """Per truth row of ``run``: True if its target had a labelled report (of ``sensors``, by
    index; None = any) within ``hold_s`` before (or at) the row's time."""
    gt = run.ground
    out = np.zeros(len(run.truth), bool)
    if gt.labels is None or run.detections is None:
        return out
    det_id, target = (np.asarray(a, dtype=np.int64) for a in gt.labels)
    d_id, d_time = run.detections
    order = np.argsort(d_id)
    pos = np.searchsorted(d_id[order], det_id)
    ok = (target >= 0) & (pos < len(d_id))
    t_rep = np.where(ok, d_time[order][np.minimum(pos, len(d_id) - 1)], np.nan)
    if sensors is not None:
        from skyfuse.scenario import read_tracker_inputs

        rep = read_tracker_inputs(run.folder).reports
        s_of = dict(zip(rep.det_id.tolist(), rep.sensor.tolist(), strict=True))
        ok &= np.array([s_of.get(int(d), -1) in sensors for d in det_id], bool)
    row_t = run.times[run.truth.step]
    row_target = run.target_ids[run.truth.obj]
    for tid in np.unique(row_target).tolist():
        rt = np.sort(t_rep[ok & (target == tid)])
        rows = np.flatnonzero(row_target == tid)
        if not len(rt):
            continue
        k = np.searchsorted(rt, row_t[rows] + 1e-6, side="right") - 1
        last = np.where(k >= 0, rt[np.maximum(k, 0)], -np.inf)
        out[rows] = row_t[rows] - last <= hold_s
    return out


def _names(run: ScoringRun) -> tuple[list[str], list[str]]:
    tg = run.ground.targets
    names, classes = [], []
    for tid in run.target_ids.tolist():
        if tg is None:
            names.append(str(tid))
            classes.append("")
            continue
        i = int(np.flatnonzero(tg.target_id == tid)[0])
        n = tg.extra.get("speed_mps", tg.extra.get("callsign"))
        names.append(str(n[i]) if n is not None else str(tid))
        classes.append(str(tg.cls[i]))
    return names, classes


def _shares(labels: NDArray[np.str_]) -> dict[str, float]:
    if not len(labels):
        return {}
    u, c = np.unique(labels, return_counts=True)
    return {str(a): round(float(b) / len(labels), 4) for a, b in zip(u, c, strict=True)}


def score_case(
    case: RealCase, folder: Path, tracks_path: Path, alerts_path: Path, hold_s: float
) -> CaseResult:
    """Score a case's run (tracks.csv, alerts.jsonl) against its folder."""
    run = prepare(folder, read_tracks(tracks_path))
    g = gospa_summary(run)
    cm = clear_mot_summary(run)
    obs = observable_rows(run, hold_s)
    paired = np.zeros(len(run.truth), bool)
    paired[run.pairs.truth_row] = True
    pair_of_row = np.full(len(run.truth), -1, np.int64)
    pair_of_row[run.pairs.truth_row] = np.arange(len(run.pairs))
    step_dt = np.diff(run.times, append=run.times[-1] if len(run.times) else 0.0)
    names, classes = _names(run)
    targets = []
    for obj, tid in enumerate(run.target_ids.tolist()):
        rows = run.truth.obj == obj
        o = rows & obs
        pr = pair_of_row[rows & paired]
        trk = np.unique(run.tracks.obj[run.pairs.track_row[pr]])
        targets.append(
            TargetFigures(
                target_id=int(tid),
                name=names[obj],
                cls=classes[obj],
                observable_s=round(float(step_dt[run.truth.step[o]].sum()), 1),
                tracked_fraction=round(float((o & paired).sum() / o.sum()), 4) if o.any() else None,
                track_ids=len(trk),
                id_switches=int(run.pairs.switch[pr].sum()),
                class_shares=_shares(run.track_cls[run.pairs.track_row[pr]]),
            )
        )
    fr = [t.tracked_fraction for t in targets if t.tracked_fraction is not None]
    alerts: dict[str, int] = {}
    site_alerts = 0
    if alerts_path.exists() and alerts_path.stat().st_size:
        al = read_alerts(alerts_path)
        for k in al.kind.tolist():
            alerts[k] = alerts.get(k, 0) + 1
        site_alerts = int(np.sum(al.kind == "site_threat"))
    spoof = _spoof_figures(run, case, tracks_path) if case.group == "spoof" else None
    return CaseResult(
        name=case.name,
        group=case.group,
        mix=case.mix,
        params=case.params,
        n_targets=len(run.target_ids),
        duration_s=float(run.times[-1] - run.times[0]) if len(run.times) else 0.0,
        reports=len(run.detections[0]) if run.detections is not None else 0,
        gospa=round(g.mean, 2),
        gospa_localisation=round(g.localisation, 2),
        gospa_missed=round(g.missed, 2),
        gospa_false=round(g.false, 2),
        id_switches=cm.id_switches,
        track_ids_per_target=cm.track_ids_per_target,
        distinct_tracks=cm.distinct_track_ids,
        tracked_fraction=round(float((obs & paired).sum() / obs.sum()), 4) if obs.any() else None,
        min_tracked_fraction=min(fr) if fr else None,
        targets=targets,
        class_shares=_shares(run.track_cls[run.pairs.track_row]),
        alerts=alerts,
        site_alerts=site_alerts,
        spoof=spoof,
    )


def _spoof_figures(run: ScoringRun, case: RealCase, tracks_path: Path) -> dict[str, Any]:
    """During the spoofed stretch, seen by the radar: share of time the aircraft's truth has a
    track within c (100 m) and within 1 km, and share of time a track is shown > 20 km from
    the truth (following the spoofed broadcast)."""
    meta = msgspec.json.decode((run.folder / "meta.json").read_bytes())
    t0 = float(meta["t0_epoch_s"])
    a, b = parse_utc(SPOOF_START) - t0, parse_utc(SPOOF_END) - t0
    radar_idx = {i for i, s in enumerate(read_sensors(run.folder).sensors) if s.kind == "radar"}
    seen = observable_rows(run, 3.0 * 2.0 * 3, radar_idx)
    row_t = run.times[run.truth.step]
    win = seen & (row_t >= a) & (row_t <= b)
    paired = np.zeros(len(run.truth), bool)
    paired[run.pairs.truth_row] = True
    bounds = run.tracks.bounds(len(run.times))
    near_1km = np.zeros(len(run.truth), bool)
    ghost_steps = 0
    steps = np.unique(run.truth.step[win])
    for k in steps.tolist():
        tp = run.tracks.pos[bounds[k] : bounds[k + 1]]
        rows = np.flatnonzero(win & (run.truth.step == k))
        if not len(tp):
            continue
        d = np.linalg.norm(tp[None, :, :] - run.truth.pos[rows][:, None, :], axis=2)
        near_1km[rows] = d.min(axis=1) < 1000.0
        if np.any(d.min(axis=0) > 20_000.0):
            ghost_steps += 1
    n = int(win.sum())
    return {
        "window_s": [round(a, 1), round(b, 1)],
        "radar_seen_s": n,
        "follows_radar_100m": round(float((win & paired).sum() / n), 4) if n else None,
        "follows_radar_1km": round(float(near_1km[win].sum() / n), 4) if n else None,
        "ghost_track_time_share": round(ghost_steps / len(steps), 4) if len(steps) else None,
    }


# -- running --------------------------------------------------------------------------------------


def run_case(
    case: RealCase,
    cache: Path,
    *,
    rebuild: bool = False,
    config: PipelineConfig | None = None,
) -> CaseResult:
    """Build the case's folder (cached by name), run the pipeline, score it.

    Spoof flags of the picture are collected on every step (first flag time after the spoof
    onset, share of steps with a flagged track while spoofed)."""
    folder = cache / "scenarios" / case.name
    out = cache / "runs" / case.name
    t_build = time.perf_counter()
    if rebuild or not (folder / "meta.json").exists():
        case.build(folder)
    build_s = time.perf_counter() - t_build
    hold = _sensor_hold_s(folder)
    flagged: list[tuple[float, bool]] = []

    def on_step(res: StepResult) -> None:
        pic = res.tracker.picture
        flagged.append((float(pic.time), bool(np.any(pic.spoof_suspect))))

    t_run = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tracks_path, alerts_path = out / "tracks.csv", out / "alerts.jsonl"
    run_folder(folder, tracks_path, alerts_path=alerts_path, config=config, on_step=on_step)
    pipeline_s = time.perf_counter() - t_run
    t_score = time.perf_counter()
    res = score_case(case, folder, tracks_path, alerts_path, hold)
    if res.spoof is not None:
        a, b = res.spoof["window_s"]
        fl = np.array([f for _, f in flagged], bool)
        ft = np.array([t for t, _ in flagged])
        inside = (ft >= a) & (ft <= b)
        first = ft[inside & fl]
        res.spoof["first_flag_after_onset_s"] = (
            round(float(first[0] - a), 1) if len(first) and a >= ft[0] else None
        )
        res.spoof["flagged_share_while_spoofed"] = (
            round(float(fl[inside].mean()), 4) if inside.any() else None
        )
        before = ft < a
        res.spoof["flagged_share_before"] = (
            round(float(fl[before].mean()), 4) if before.any() else None
        )
    res.pipeline_s = round(pipeline_s, 2)
    res.build_s = round(build_s, 2)
    res.score_s = round(time.perf_counter() - t_score, 2)
    return res


def failed(case: RealCase, err: BaseException) -> CaseResult:
    """A row for a case that could not run."""
    return CaseResult(
        name=case.name,
        group=case.group,
        mix=case.mix,
        params=case.params,
        n_targets=0,
        duration_s=0.0,
        reports=0,
        gospa=math.nan,
        gospa_localisation=math.nan,
        gospa_missed=math.nan,
        gospa_false=math.nan,
        id_switches=0,
        track_ids_per_target=None,
        distinct_tracks=0,
        tracked_fraction=None,
        min_tracked_fraction=None,
        targets=[],
        class_shares={},
        alerts={},
        site_alerts=0,
        error=f"{type(err).__name__}: {err}",
    )
