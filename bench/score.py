"""Scoring a benchmark run with the project's evaluator (`skyfuse.eval.evaluate`).

A run stopped by its wall-time budget is scored over the scenario times it processed: the
scenario is cut at that time (`cut_scenario`) so truths after it count neither as missed nor
in the means.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import InputError
from skyfuse.eval import EvalReport, evaluate
from skyfuse.scenario import (
    Truth,
    read_ground_truth,
    read_sensors,
    read_tracker_inputs,
    read_tracks,
    write_scenario,
)

CUT_TOL_S = 1e-6
"""Rows up to ``until_s + CUT_TOL_S`` are kept by `cut_scenario`, s."""


class Score(msgspec.Struct, kw_only=True):
    """The benchmark's figures from one `EvalReport` (GOSPA c = 100 m, p = 1, alpha = 2).

    GOSPA and its parts are means over scoring times, metres; ``per_target`` divides the mean
    by the mean number of truths per time (m/target). ID switches follow the CLEAR-MOT rule;
    confirmation latency is target birth -> first pairing with a confirmed track, seconds.
    """

    scored_until_s: float
    n_times: int
    mean_truths: float
    mean_tracks: float
    gospa: float
    localisation: float
    missed: float
    false: float
    per_target: float | None
    id_switches: int
    track_ids_per_target: float | None
    mota: float | None
    motp_m: float | None
    confirm_median_s: float | None
    confirm_p90_s: float | None
    never_tracked: int
    nees_mean: float | None
    """Mean position NEES (ideal 3) over paired tracks, None without covariance columns."""


def score_from_report(report: EvalReport, scored_until_s: float) -> Score:
    """The benchmark's subset of an evaluator report."""
    g = report.gospa
    m = report.clear_mot
    lat = report.latency
    return Score(
        scored_until_s=scored_until_s,
        n_times=report.n_times,
        mean_truths=report.mean_truths,
        mean_tracks=report.mean_tracks,
        gospa=g.mean,
        localisation=g.localisation,
        missed=g.missed,
        false=g.false,
        per_target=g.per_target,
        id_switches=m.id_switches,
        track_ids_per_target=m.track_ids_per_target,
        mota=m.mota,
        motp_m=m.motp_m,
        confirm_median_s=lat.median_s,
        confirm_p90_s=lat.p90_s,
        never_tracked=lat.never_tracked,
        nees_mean=report.nees.mean if report.nees is not None else None,
    )


def _cut_truth(truth: Truth, keep: NDArray[np.bool_]) -> Truth:
    return Truth(
        truth.time[keep], truth.target_id[keep], truth.pos[keep], truth.vel[keep], truth.geodetic
    )


def cut_scenario(src: Path, dst: Path, until_s: float) -> Path:
    """Copy scenario ``src`` to ``dst`` keeping reports, truth and labels with time <= until_s
    (seconds from scenario start). Targets and context are copied whole. Returns ``dst``.

    Raises `InputError` if ``until_s`` is before the first report.
    """
    inputs = read_tracker_inputs(src)
    keep_rep = inputs.reports.time <= until_s + CUT_TOL_S
    if not keep_rep.any():
        raise InputError(str(src), f"no report at or before {until_s} s", field="until_s")
    gt = read_ground_truth(src)
    truth = gt.truth
    reports = inputs.reports.take(keep_rep)
    if gt.labels is not None:
        det, tgt = gt.labels
        kept = np.isin(det, reports.det_id)
        labels = (det[kept], tgt[kept])
    else:
        labels = (reports.det_id, np.full(len(reports), -1, np.int64))
    if dst.exists():
        shutil.rmtree(dst)
    write_scenario(
        dst,
        sensors=read_sensors(src),
        reports=reports,
        truth=_cut_truth(truth, truth.time <= until_s + CUT_TOL_S),
        labels=labels,
        targets=gt.targets,
        context=inputs.context,
        meta={"cut_from": str(src), "until_s": until_s},
    )
    if gt.labels is None:  # write_scenario always writes labels; the source had none
        (dst / "labels.csv").unlink()
    return dst


def score_run(
    folder: Path, tracks_csv: Path, scored_until_s: float, *, label: str = ""
) -> tuple[Score, EvalReport]:
    """Score a `tracks.csv` against scenario ``folder`` over all of the folder's report times
    (``scored_until_s``, s, is recorded with the score: the folder's last scored time)."""
    report = evaluate(folder, read_tracks(tracks_csv), label=label)
    return score_from_report(report, scored_until_s), report
