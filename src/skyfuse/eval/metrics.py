"""`evaluate`: score a tracker's `tracks.csv` against a scenario folder's truth.

Scores the picture an operator saw (`shared/notes/metrics.md`, spec "Scoring"): at every scoring
time (each distinct report time of `detections.jsonl`), the confirmed tracks written in tracks.csv
against the truth rows at the same time; times match within 1e-6 s. Positions are compared in
metres: in the scenario's ENU plane, or in ECEF for WGS84 scenarios (both sets converted with
`skyfuse.geo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES, KNOWN_CLASSES
from skyfuse.eval.alerts import TargetFacts, majority_target, score_alerts
from skyfuse.eval.inputs import read_alerts, read_detection_times
from skyfuse.eval.report import (
    AlertSummary,
    ClassificationSummary,
    ClassRow,
    ClearMotSummary,
    DetectabilitySummary,
    EvalReport,
    GospaSummary,
    LatencySummary,
    MixScore,
    NeesSummary,
)
from skyfuse.eval.timeline import PairTable, Progress, Rows, StepScores, score_over_time
from skyfuse.geo.frames import aer_from_enu, ecef_from_geodetic, enu_rotation
from skyfuse.scenario import (
    GroundTruth,
    SensorCatalog,
    Targets,
    TrackTable,
    read_context,
    read_ground_truth,
    read_sensors,
)
from skyfuse.scenario.model import Context

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
TIME_TOL = 1e-6
"""Scoring times match within this tolerance, seconds."""
COV_COLUMNS = ("cxx", "cxy", "cxz", "cyy", "cyz", "czz")
"""Optional tracks.csv position covariance columns, local ENU, m^2."""
CLASS_AGE_S = 10.0
DETECTABLE_MIN_REPORTS = 3
"""A target counts as detectable (and so as 'never tracked' when no confirmed track ever
paired it) after this many reports of it: labelled reports (labels.csv) when the folder has
them, else scoring times inside some sensor's coverage. Three is the usual 3-hit confirmation:
fewer reports cannot be asked to give a confirmed track."""


# -- small pure helpers ------------------------------------------------------------------------


def merge_times(times: F64, tol: float = TIME_TOL) -> F64:
    """Sorted distinct times (s), values closer than ``tol`` merged into the first of them."""
    t = np.unique(np.asarray(times, dtype=np.float64))
    if t.size < 2:
        return t
    keep = np.concatenate([np.ones(1, bool), np.diff(t) > tol])
    out: F64 = t[keep]
    return out


def step_index(times: F64, grid: F64, tol: float = TIME_TOL) -> I64:
    """Index of each time (s) in the sorted ``grid`` of scoring times, -1 if none within ``tol``."""
    if grid.size == 0:
        return np.full(times.shape[0], -1, np.int64)
    hi = np.clip(np.searchsorted(grid, times), 1, grid.size - 1) if grid.size > 1 else None
    if hi is None:
        cand = np.zeros(times.shape[0], np.int64)
    else:
        lo = hi - 1
        cand = np.where(np.abs(grid[lo] - times) <= np.abs(grid[hi] - times), lo, hi)
    ok = np.abs(grid[cand] - times) <= tol
    return np.where(ok, cand, -1).astype(np.int64)


def label_index(labels: NDArray[np.str_], vocabulary: tuple[str, ...]) -> I64:
    """Index of each label in ``vocabulary`` (labels must all be in it)."""
    uniq, inv = np.unique(labels, return_inverse=True)
    where = {v: i for i, v in enumerate(vocabulary)}
    return np.array([where[str(u)] for u in uniq.tolist()], dtype=np.int64)[inv].reshape(-1)


def quantiles(x: F64) -> tuple[float | None, float | None]:
    """(median, 90th percentile) of a sample, or (None, None) when empty."""
    if x.size == 0:
        return None, None
    return float(np.median(x)), float(np.percentile(x, 90))


def nees_chi2_interval(n: int, dof: int = 3, level: float = 0.95) -> tuple[float, float]:
    """Two-sided interval for the mean of ``n`` independent chi-square(dof) NEES samples."""
    a = (1.0 - level) / 2.0
    return float(chi2.ppf(a, dof * n) / n), float(chi2.ppf(1.0 - a, dof * n) / n)


def position_nees(err_enu: F64, cov6: F64) -> tuple[F64, NDArray[np.bool_]]:
    """NEES ``e' P^-1 e`` per sample from local-ENU errors (n, 3) m and covariance columns
    (n, 6) = cxx, cxy, cxz, cyy, cyz, czz (m^2). Returns (nees, usable) where ``usable`` is False
    for missing (NaN) or non-positive-definite covariances (their nees is NaN).
    """
    n = err_enu.shape[0]
    P = np.empty((n, 3, 3))
    iu = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
    for k, (a, b) in enumerate(iu):
        P[:, a, b] = cov6[:, k]
        P[:, b, a] = cov6[:, k]
    usable = np.all(np.isfinite(cov6), axis=1)
    if usable.any():
        ev = np.linalg.eigvalsh(np.where(usable[:, None, None], P, np.eye(3)))
        usable &= ev[:, 0] > 0.0
    out = np.full(n, np.nan)
    if usable.any():
        sol = np.linalg.solve(P[usable], err_enu[usable][..., None])[..., 0]
        out[usable] = np.einsum("ij,ij->i", err_enu[usable], sol)
    return out, usable


# -- the prepared run ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoringRun:
    """A tracker run lined up with truth on the scoring-time grid, and its CLEAR-MOT pairing.

    Truth rows and track rows at scoring times only, sorted by step; ``*_obj`` are dense ids
    into ``target_ids`` / ``track_ids``; positions in the working frame (ENU or ECEF), metres.
    """

    folder: Path
    geodetic: bool
    times: F64
    target_ids: I64
    track_ids: I64
    truth: Rows
    truth_time: F64
    truth_geo: F64
    """(n, 3) truth position columns as in truth.csv (x,y,z or lat,lon,alt)."""
    tracks: Rows
    track_cls: NDArray[np.str_]
    track_cov: F64 | None
    track_first_time: F64
    """Per dense track id: time of its first tracks.csv row, s."""
    birth_time: F64
    """Per dense target id: first truth row time, s."""
    ground: GroundTruth
    detections: tuple[I64, F64] | None
    """(det_id, time s) of every report in detections.jsonl, None if the folder has none."""
    scores: StepScores
    pairs: PairTable
    unscored_track_rows: int
    c: float
    p: float


def _detections(folder: Path) -> tuple[I64, F64] | None:
    """(det_id, time s) of the folder's detections.jsonl, None if it has none."""
    det = folder / "detections.jsonl"
    return read_detection_times(det) if det.exists() else None


def _check_unique(step: I64, obj: I64, times: F64, source: str, what: str) -> None:
    """Raise if an object (dense id ``obj``) appears twice at one scoring step."""
    span = int(obj.max(initial=0)) + 1
    u, counts = np.unique(step * span + obj, return_counts=True)
    if np.any(counts > 1):
        k = int(u[np.argmax(counts > 1)])
        raise InputError(
            source, f"the same {what} appears twice at time {times[k // span]:.6f} s", field=what
        )


def prepare(
    folder: Path,
    tracks: TrackTable,
    *,
    c: float = 100.0,
    p: float = 1.0,
    progress: Progress | None = None,
    tracks_source: str = "tracks.csv",
) -> ScoringRun:
    """Read the folder's truth, line truth and tracks up on the scoring times, and pair them.

    ``tracks_source`` names the tracks in error messages.
    """
    folder = Path(folder)
    if not (np.isfinite(c) and c > 0):
        raise InputError("evaluate", f"c must be > 0, got {c}", field="c")
    if not (np.isfinite(p) and p >= 1):
        raise InputError("evaluate", f"p must be >= 1, got {p}", field="p")
    gt = read_ground_truth(folder)
    truth = gt.truth
    src_tracks = tracks_source
    if truth.geodetic != tracks.geodetic:
        raise InputError(
            src_tracks,
            "position columns are "
            + ("lat_deg,lon_deg,alt_m" if tracks.geodetic else "x,y,z")
            + " but the scenario truth is "
            + ("WGS84" if truth.geodetic else "ENU"),
            line=1,
            field="x" if truth.geodetic is False else "lat_deg",
        )
    bad = ~np.isfinite(tracks.pos).all(axis=1) | ~np.isfinite(tracks.time)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(src_tracks, "time and position must be finite", line=i + 2, field="pos")
    known = np.isin(tracks.cls, CLASSES)
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        raise InputError(
            src_tracks,
            f"unknown class {tracks.cls[i]!r} (expected one of {CLASSES})",
            line=i + 2,
            field="class",
        )
    cov: F64 | None = None
    if all(k in tracks.extra for k in COV_COLUMNS):
        cov = np.column_stack([tracks.extra[k] for k in COV_COLUMNS])

    def to_work(pos: F64) -> F64:
        if truth.geodetic:
            return ecef_from_geodetic(pos[:, 0], pos[:, 1], pos[:, 2]).reshape(-1, 3)
        return pos

    detections = _detections(folder)
    times = (
        merge_times(detections[1])
        if detections is not None
        else merge_times(np.concatenate([truth.time, tracks.time]))
    )
    target_ids, t_obj = np.unique(truth.target_id, return_inverse=True)
    birth = np.full(target_ids.size, np.inf)
    np.minimum.at(birth, t_obj, truth.time)
    track_ids, k_obj = np.unique(tracks.track_id, return_inverse=True)
    first_seen = np.full(track_ids.size, np.inf)
    np.minimum.at(first_seen, k_obj, tracks.time)

    t_step = step_index(truth.time, times)
    k_step = step_index(tracks.time, times)
    t_sel = np.flatnonzero(t_step >= 0)
    t_sel = t_sel[np.argsort(t_step[t_sel], kind="stable")]
    k_sel = np.flatnonzero(k_step >= 0)
    k_sel = k_sel[np.argsort(k_step[k_sel], kind="stable")]
    _check_unique(t_step[t_sel], t_obj[t_sel], times, "truth.csv", "target_id")
    _check_unique(k_step[k_sel], k_obj[k_sel], times, src_tracks, "track_id")

    truth_rows = Rows(t_step[t_sel], t_obj[t_sel].astype(np.int64), to_work(truth.pos[t_sel]))
    track_rows = Rows(k_step[k_sel], k_obj[k_sel].astype(np.int64), to_work(tracks.pos[k_sel]))
    scores, pairs = score_over_time(
        times.size,
        truth_rows,
        track_rows,
        n_truth_objects=target_ids.size,
        n_track_objects=track_ids.size,
        c=c,
        p=p,
        progress=progress,
    )
    return ScoringRun(
        folder=folder,
        geodetic=truth.geodetic,
        times=times,
        target_ids=target_ids.astype(np.int64),
        track_ids=track_ids.astype(np.int64),
        truth=truth_rows,
        truth_time=truth.time[t_sel],
        truth_geo=truth.pos[t_sel],
        tracks=track_rows,
        track_cls=tracks.cls[k_sel],
        track_cov=cov[k_sel] if cov is not None else None,
        track_first_time=first_seen,
        birth_time=birth,
        ground=gt,
        detections=detections,
        scores=scores,
        pairs=pairs,
        unscored_track_rows=int(np.sum(k_step < 0)),
        c=c,
        p=p,
    )


# -- summaries ------------------------------------------------------------------------------


def gospa_summary(run: ScoringRun) -> GospaSummary:
    """Means over scoring times of GOSPA, its parts, GOSPA at p = 2 and OSPA."""
    s = run.scores

    def mean(a: F64) -> float:
        return float(a.mean()) if a.size else 0.0

    mean_truths = mean(s.n_truths.astype(np.float64))
    g = mean(s.gospa)
    return GospaSummary(
        c=run.c,
        p=run.p,
        mean=g,
        localisation=mean(s.localisation),
        missed=mean(s.missed),
        false=mean(s.false),
        per_target=g / mean_truths if mean_truths > 0 else None,
        mean_p2=mean(s.gospa_p2),
        ospa=mean(s.ospa),
    )


def clear_mot_summary(run: ScoringRun) -> ClearMotSummary:
    """ID switches, MOTA, MOTP and track ids per target from the CLEAR-MOT pairing."""
    pr = run.pairs
    gt = int(run.scores.n_truths.sum())
    n_pairs = len(pr)
    misses = gt - n_pairs
    false_tracks = int(run.scores.n_tracks.sum()) - n_pairs
    switches = int(pr.switch.sum())
    tu = run.truth.obj[pr.truth_row]
    tk = run.tracks.obj[pr.track_row]
    combos = np.unique(tu * max(run.track_ids.size, 1) + tk)
    per_target = np.bincount(combos // max(run.track_ids.size, 1), minlength=run.target_ids.size)
    paired = per_target > 0
    return ClearMotSummary(
        id_switches=switches,
        mota=1.0 - (misses + false_tracks + switches) / gt if gt else None,
        motp_m=float(pr.distance.mean()) if n_pairs else None,
        misses=misses,
        false_tracks=false_tracks,
        truth_count=gt,
        track_ids_per_target=float(per_target[paired].mean()) if paired.any() else None,
        max_track_ids_per_target=int(per_target.max(initial=0)),
        distinct_track_ids=int(np.unique(run.tracks.obj).size),
    )


def first_pair_time(run: ScoringRun) -> F64:
    """Per dense target id: time (s) of its first pairing with a track, +inf if never."""
    out = np.full(run.target_ids.size, np.inf)
    np.minimum.at(out, run.truth.obj[run.pairs.truth_row], run.times[run.pairs.step])
    return out


def scored_targets(run: ScoringRun) -> NDArray[np.bool_]:
    """Per dense target id: True if it has truth rows at scoring times."""
    return np.bincount(run.truth.obj, minlength=run.target_ids.size) > 0


def latency_summary(
    run: ScoringRun,
    mask: NDArray[np.bool_] | None = None,
    detectable: Detectable | None = None,
) -> LatencySummary:
    """Birth (first truth row) -> first pairing, over targets with scored rows (and ``mask``).

    ``never_tracked`` counts only the detectable targets (``detectable``, by default
    `detectable_targets` with `DETECTABLE_MIN_REPORTS`) that no track ever paired.
    """
    sel = scored_targets(run) if mask is None else scored_targets(run) & mask
    det = detectable if detectable is not None else detectable_targets(run)
    first_all = first_pair_time(run)
    first = first_all[sel]
    lat = first[np.isfinite(first)] - run.birth_time[sel][np.isfinite(first)]
    med, p90 = quantiles(lat)
    can = sel & det.mask
    return LatencySummary(
        n_targets=int(sel.sum()),
        never_tracked=int(np.sum(can & ~np.isfinite(first_all))),
        median_s=med,
        p90_s=p90,
        n_detectable=int(can.sum()),
        never_tracked_undetectable=int(np.sum(sel & ~det.mask & ~np.isfinite(first_all))),
        detectable_rule=det.rule,
        min_reports=det.min_reports,
    )


def labelled_reports(run: ScoringRun) -> tuple[I64, F64] | None:
    """(dense target id, time s) of every report that labels.csv gives to a scored-or-not
    target and that detections.jsonl holds; None when the folder has no labels or no reports."""
    if run.ground.labels is None or run.detections is None:
        return None
    det_id, target = (np.asarray(a, dtype=np.int64) for a in run.ground.labels)
    d_id, d_time = run.detections
    order = np.argsort(d_id)
    pos = np.clip(np.searchsorted(d_id[order], det_id), 0, max(d_id.size - 1, 0))
    ok = (target >= 0) & (d_id.size > 0)
    if d_id.size:
        ok &= d_id[order][pos] == det_id
    tpos = np.clip(np.searchsorted(run.target_ids, target), 0, max(run.target_ids.size - 1, 0))
    if run.target_ids.size:
        ok &= run.target_ids[tpos] == target
    else:
        ok &= False
    return tpos[ok].astype(np.int64), d_time[order][pos[ok]]


def first_detection_time(run: ScoringRun) -> F64 | None:
    """Per dense target id: time (s) of its first labelled report (labels.csv + detections), NaN
    if never detected; None when the folder has no labels."""
    rep = labelled_reports(run)
    if rep is None:
        return None
    tpos, times = rep
    out = np.full(run.target_ids.size, np.inf)
    np.minimum.at(out, tpos, times)
    return np.where(np.isfinite(out), out, np.nan)


def coverage_counts(run: ScoringRun) -> I64 | None:
    """Per dense target id: scoring times at which its true position lies inside the coverage
    of at least one sensor of sensors.json (range, azimuth sector and elevation band in the
    sensor's local ENU frame); None when the folder has no readable sensors.json.

    Sensors without a range limit (cooperative receivers) cover every position: without
    labels.csv nothing tells which targets transmit, so they are not ruled out.
    """
    path = run.folder / "sensors.json"
    if not path.is_file():
        return None
    catalog = SensorCatalog.build(read_sensors(run.folder))
    pos = run.truth.pos
    inside = np.zeros(pos.shape[0], dtype=bool)
    for s, spec in enumerate(catalog.specs):
        cov = spec.coverage
        todo = np.flatnonzero(~inside)
        if todo.size == 0:
            break
        local = (pos[todo] - catalog.position[s]) @ catalog.rotation[s].T
        az, el, rng = aer_from_enu(local)
        ok = (rng >= cov.min_range_m) & (rng <= cov.max_range_m)
        ok &= (el >= np.radians(cov.min_elevation_deg)) & (el <= np.radians(cov.max_elevation_deg))
        a0, a1 = (float(np.radians(a)) % (2.0 * np.pi) for a in cov.azimuth_deg)
        span = (a1 - a0) % (2.0 * np.pi)
        if span > 0.0 and not np.isclose(abs(cov.azimuth_deg[1] - cov.azimuth_deg[0]), 360.0):
            ok &= (az - a0) % (2.0 * np.pi) <= span
        inside[todo[ok]] = True
    return np.bincount(run.truth.obj[inside], minlength=run.target_ids.size).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Detectable:
    """Which targets a tracker could be asked to track (see `detectable_targets`)."""

    mask: NDArray[np.bool_]
    """Per dense target id."""
    rule: str
    """How it was decided: 'labels', 'coverage' or 'all' (no information)."""
    min_reports: int


def detectable_targets(run: ScoringRun, min_reports: int = DETECTABLE_MIN_REPORTS) -> Detectable:
    """Per dense target id: detectable, by the first rule the folder allows.

    1. ``labels``: at least ``min_reports`` reports in detections.jsonl that labels.csv gives
       to the target (the scenario's detection-to-truth association).
    2. ``coverage`` (no labels.csv): true position inside some sensor's coverage at at least
       ``min_reports`` scoring times (`coverage_counts`).
    3. ``all`` (neither): every target with truth rows at scoring times.
    Targets need truth rows at scoring times in every rule.
    """
    if min_reports < 1:
        raise InputError("evaluate", f"min_reports must be >= 1, got {min_reports}", field="min")
    scored = scored_targets(run)
    rep = labelled_reports(run)
    if rep is not None:
        counts = np.bincount(rep[0], minlength=run.target_ids.size)
        return Detectable(scored & (counts >= min_reports), "labels", min_reports)
    cov = coverage_counts(run)
    if cov is not None:
        return Detectable(scored & (cov >= min_reports), "coverage", min_reports)
    return Detectable(scored, "all", min_reports)


def detectability_summary(
    run: ScoringRun,
    first_det: F64,
    mask: NDArray[np.bool_] | None = None,
    detectable: Detectable | None = None,
) -> DetectabilitySummary:
    """First labelled report -> first pairing, over detectable targets (`detectable_targets`,
    at least `DETECTABLE_MIN_REPORTS` labelled reports by default; and ``mask``)."""
    det = detectable if detectable is not None else detectable_targets(run)
    sel = np.isfinite(first_det) & scored_targets(run) & det.mask
    if mask is not None:
        sel &= mask
    first = first_pair_time(run)[sel]
    got = np.isfinite(first)
    lat = first[got] - first_det[sel][got]
    med, p90 = quantiles(lat)
    return DetectabilitySummary(
        n_detectable=int(sel.sum()), never_tracked=int(np.sum(~got)), median_s=med, p90_s=p90
    )


def tracked_mask(run: ScoringRun, share: float = 0.5) -> NDArray[np.bool_]:
    """Per dense target id: paired at >= ``share`` of its scoring times alive."""
    life = np.bincount(run.truth.obj, minlength=run.target_ids.size)
    paired = np.bincount(run.truth.obj[run.pairs.truth_row], minlength=run.target_ids.size)
    return (life > 0) & (paired >= share * life)


def target_classes(run: ScoringRun) -> NDArray[np.str_] | None:
    """Per dense target id: class from targets.csv ('' if the target is not listed)."""
    tg = run.ground.targets
    if tg is None:
        return None
    cls_of = tg.class_of()
    return np.array([cls_of.get(int(t), "") for t in run.target_ids.tolist()], dtype=str)


def per_class_rows(
    run: ScoringRun, first_det: F64 | None, detectable: Detectable | None = None
) -> list[ClassRow]:
    """Tracked share, latency and detect-to-track latency per target class (never tracked:
    detectable targets only, see `detectable_targets`)."""
    detectable = detectable if detectable is not None else detectable_targets(run)
    cls = target_classes(run)
    if cls is None:
        return []
    tracked = tracked_mask(run)
    scored = scored_targets(run)
    rows = []
    for name in KNOWN_CLASSES:
        m = (cls == name) & scored
        if not m.any():
            continue
        lat = latency_summary(run, m, detectable)
        det = (
            detectability_summary(run, first_det, m, detectable) if first_det is not None else None
        )
        rows.append(
            ClassRow(
                cls=name,
                n_targets=int(m.sum()),
                n_tracked=int((tracked & m).sum()),
                share_tracked=float((tracked & m).sum() / m.sum()),
                latency_median_s=lat.median_s,
                latency_p90_s=lat.p90_s,
                never_tracked=lat.never_tracked,
                detect_to_track_median_s=det.median_s if det else None,
                detect_to_track_p90_s=det.p90_s if det else None,
                n_detectable=det.n_detectable if det else lat.n_detectable,
            )
        )
    return rows


def nees_summary(run: ScoringRun) -> NeesSummary | None:
    """Position NEES over CLEAR-MOT pairs, when tracks.csv has the covariance columns."""
    if run.track_cov is None:
        return None
    pr = run.pairs
    err = run.tracks.pos[pr.track_row] - run.truth.pos[pr.truth_row]
    if run.geodetic:
        geo = run.truth_geo[pr.truth_row]
        R = enu_rotation(geo[:, 0], geo[:, 1]).reshape(-1, 3, 3)
        err = np.einsum("nij,nj->ni", R, err)
    e, usable = position_nees(err, run.track_cov[pr.track_row])
    e = e[usable]
    n = int(e.size)
    lo95, hi95 = chi2.ppf(0.025, 3), chi2.ppf(0.975, 3)
    lo, hi = nees_chi2_interval(n) if n else (None, None)
    return NeesSummary(
        n_samples=n,
        mean=float(e.mean()) if n else None,
        interval_low=lo,
        interval_high=hi,
        share_in_95=float(np.mean((e >= lo95) & (e <= hi95))) if n else None,
        n_skipped=int(np.sum(~usable)),
    )


def classification_summary(run: ScoringRun) -> ClassificationSummary | None:
    """Class accuracy and confusion over CLEAR-MOT pairs (targets.csv vs tracks.csv class)."""
    cls = target_classes(run)
    if cls is None:
        return None
    pr = run.pairs
    true = cls[run.truth.obj[pr.truth_row]]
    listed = true != ""
    true = true[listed]
    pred = run.track_cls[pr.track_row][listed]
    age = (run.times[pr.step] - run.track_first_time[run.tracks.obj[pr.track_row]])[listed]
    ok = true == pred
    old = age >= CLASS_AGE_S - TIME_TOL
    db = (true == "attack_drone") | (true == "bird")
    ti = label_index(true, KNOWN_CLASSES)
    pi = label_index(pred, CLASSES)
    conf = np.zeros((len(KNOWN_CLASSES), len(CLASSES)), np.int64)
    if true.size:
        np.add.at(conf, (ti, pi), 1)
    return ClassificationSummary(
        n_pairs=int(true.size),
        accuracy=float(ok.mean()) if true.size else None,
        accuracy_age_10s=float(ok[old].mean()) if old.any() else None,
        n_pairs_age_10s=int(old.sum()),
        attack_drone_vs_bird=float(ok[db].mean()) if db.any() else None,
        true_labels=list(KNOWN_CLASSES),
        predicted_labels=list(CLASSES),
        confusion=conf.tolist(),
    )


def _site_reach_times(run: ScoringRun, tg: Targets, context: Context, end_s: float) -> F64:
    """Per targets.csv row: time it reaches its goal site within the run (NaN if not).

    targets.csv ``arrival_time_s`` when given, else the first truth time within the site's radius
    (horizontal distance, metres).
    """
    arrival = tg.float_col("arrival_time_s")
    reach = np.where(arrival <= end_s + TIME_TOL, arrival, np.nan)
    need = np.flatnonzero(~np.isfinite(arrival) & (tg.goal_site != ""))
    if need.size == 0 or not context.sites:
        return reach
    truth = run.ground.truth
    by_id = np.argsort(tg.target_id)
    for site in context.sites:
        rows_t = need[tg.goal_site[need] == site.site_id]
        if rows_t.size == 0:
            continue
        in_rows = np.isin(truth.target_id, tg.target_id[rows_t])
        pos = truth.pos[in_rows]
        if truth.geodetic:
            if site.lat_deg is None or site.lon_deg is None:
                raise InputError("context.json", f"site {site.site_id} needs lat_deg, lon_deg")
            c0 = ecef_from_geodetic(site.lat_deg, site.lon_deg, 0.0)
            R = enu_rotation(site.lat_deg, site.lon_deg)
            local = (ecef_from_geodetic(pos[:, 0], pos[:, 1], pos[:, 2]) - c0) @ R.T
            dist = np.hypot(local[:, 0], local[:, 1])
        else:
            if site.x is None or site.y is None:
                raise InputError("context.json", f"site {site.site_id} needs x, y", field="x")
            dist = np.hypot(pos[:, 0] - site.x, pos[:, 1] - site.y)
        inside = dist <= site.radius_m
        first = np.full(tg.target_id.size, np.inf)
        row_of = by_id[np.searchsorted(tg.target_id[by_id], truth.target_id[in_rows])]
        np.minimum.at(first, row_of[inside], truth.time[in_rows][inside])
        hit = rows_t[np.isfinite(first[rows_t])]
        reach[hit] = first[hit]
    return reach


def alert_summary(run: ScoringRun, alerts_path: Path) -> AlertSummary:
    """Read alerts.jsonl and score it against targets.csv, context.json and the pairing."""
    alerts = read_alerts(alerts_path)
    tg = run.ground.targets
    if tg is None:
        raise InputError(str(run.folder / "targets.csv"), "alert scoring needs targets.csv")
    pr = run.pairs
    alert_target = majority_target(
        run.track_ids[run.tracks.obj[pr.track_row]],
        run.times[pr.step],
        run.target_ids[run.truth.obj[pr.truth_row]],
        alerts.track_id,
        alerts.time,
    )
    end_s = float(run.times[-1]) if run.times.size else 0.0
    reach = _site_reach_times(run, tg, read_context(run.folder), end_s)
    cross = tg.float_col("border_cross_time_s")
    order = np.argsort(tg.target_id)
    facts = TargetFacts(
        target_id=tg.target_id[order],
        cls=tg.cls[order],
        hostile=tg.hostile[order],
        goal_site=tg.goal_site[order],
        border_id=tg.extra.get("border_id", np.full(len(tg), ""))[order],
        site_reach_s=reach[order],
        site_arrival_s=tg.float_col("arrival_time_s")[order],
        border_cross_s=np.where(cross <= end_s + TIME_TOL, cross, np.nan)[order],
        border_cross_any_s=cross[order],
    )
    duration = float(run.times[-1] - run.times[0]) if run.times.size else 0.0
    return score_alerts(alerts, alert_target, facts, duration)


def evaluate(
    folder: Path,
    tracks: TrackTable,
    *,
    alerts: Path | None = None,
    c: float = 100.0,
    p: float = 1.0,
    label: str = "",
    progress: Progress | None = None,
    tracks_source: str = "tracks.csv",
    min_reports: int = DETECTABLE_MIN_REPORTS,
) -> EvalReport:
    """Score ``tracks`` (a tracks.csv) against the scenario ``folder``'s truth.

    ``c`` (m) and ``p`` are the GOSPA cut-off and exponent; ``alerts`` an optional alerts.jsonl;
    ``label`` names the run (e.g. a sensor mix); ``progress(done, total)`` reports scoring times;
    ``tracks_source`` names the tracks in error messages (e.g. the tracks.csv path);
    ``min_reports``: reports a target needs to count as detectable (`detectable_targets`).
    """
    if min_reports < 1:
        raise InputError("evaluate", f"min_reports must be >= 1, got {min_reports}", field="min")
    run = prepare(folder, tracks, c=c, p=p, progress=progress, tracks_source=tracks_source)
    first_det = first_detection_time(run)
    detectable = detectable_targets(run, min_reports)
    s = run.scores
    return EvalReport(
        label=label,
        scenario=str(Path(folder)),
        frame="WGS84" if run.geodetic else "ENU",
        n_times=int(run.times.size),
        duration_s=float(run.times[-1] - run.times[0]) if run.times.size else 0.0,
        mean_truths=float(s.n_truths.mean()) if s.n_truths.size else 0.0,
        mean_tracks=float(s.n_tracks.mean()) if s.n_tracks.size else 0.0,
        unscored_track_rows=run.unscored_track_rows,
        gospa=gospa_summary(run),
        clear_mot=clear_mot_summary(run),
        latency=latency_summary(run, detectable=detectable),
        detectability=(
            detectability_summary(run, first_det, detectable=detectable)
            if first_det is not None
            else None
        ),
        per_class=per_class_rows(run, first_det, detectable),
        nees=nees_summary(run),
        classification=classification_summary(run),
        alerts=alert_summary(run, alerts) if alerts is not None else None,
    )


def mix_score(report: EvalReport, cls: str | None = None) -> MixScore:
    """One sensor mix's headline for a target class (``None`` = all targets) from its report:
    share tracked (>= 50% of life) and first detectability -> confirmed track latency."""
    if cls is None:
        rows = report.per_class
        n = sum(r.n_targets for r in rows)
        det = report.detectability
        return MixScore(
            label=report.label,
            cls="all",
            n_targets=n if rows else report.latency.n_targets,
            share_tracked=sum(r.n_tracked for r in rows) / n if rows and n else None,
            detect_to_track_median_s=det.median_s if det else None,
            detect_to_track_p90_s=det.p90_s if det else None,
            never_tracked=det.never_tracked if det else report.latency.never_tracked,
            gospa_per_target=report.gospa.per_target,
        )
    if cls not in KNOWN_CLASSES:
        raise InputError(
            "mix_score", f"unknown class {cls!r} (expected {KNOWN_CLASSES})", field="cls"
        )
    row = next((r for r in report.per_class if r.cls == cls), None)
    if row is None:
        return MixScore(
            label=report.label,
            cls=cls,
            n_targets=0,
            share_tracked=None,
            detect_to_track_median_s=None,
            detect_to_track_p90_s=None,
            never_tracked=0,
            gospa_per_target=report.gospa.per_target,
        )
    return MixScore(
        label=report.label,
        cls=cls,
        n_targets=row.n_targets,
        share_tracked=row.share_tracked,
        detect_to_track_median_s=row.detect_to_track_median_s,
        detect_to_track_p90_s=row.detect_to_track_p90_s,
        never_tracked=row.never_tracked,
        gospa_per_target=report.gospa.per_target,
    )


def score_sensor_mix(
    folder: Path,
    tracks: TrackTable,
    *,
    label: str,
    cls: str | None = None,
    c: float = 100.0,
    min_reports: int = DETECTABLE_MIN_REPORTS,
) -> MixScore:
    """Evaluate one sensor mix's tracks.csv and return its `mix_score` for ``cls``."""
    return mix_score(evaluate(folder, tracks, c=c, label=label, min_reports=min_reports), cls)
