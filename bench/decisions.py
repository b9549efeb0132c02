"""Issue 5 benchmark figures: classification, site and border warnings, learned model vs rules.

For one pipeline run (tracker with passive fusion, classifier, threat assessment, alerts: the
`bench.fusion` worker) on a scenario with truth, `score_decisions` computes from one evaluator
pairing (`skyfuse.eval.prepare`, GOSPA cut-off 100 m):

- class accuracy and the confusion matrix over (truth, track) pairs (rows truth, columns
  declared), and over pairs whose track is at least 10 s old;
- attack drone vs bird: pairs whose true class is attack_drone or bird, track >= 10 s old
  (target >= 99%); decoy vs attack drone: the same over attack_drone and decoy;
- false site alerts per hour (target < 1/h) and site warning lead times (median, worst), plus
  the issue's criterion: every attack drone that reaches a site and was detected (first
  labelled report) at least 60 s before arriving must be warned >= 60 s ahead;
- border warnings' lead time (target >= 60 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import msgspec
import numpy as np
from numpy.typing import NDArray

from bench.fusion import GOSPA_C_M, classes_of
from bench.measure import RunStats
from skyfuse.eval import Alerts, ScoringRun, prepare, read_alerts
from skyfuse.eval.alerts import majority_target
from skyfuse.eval.metrics import (
    alert_summary,
    classification_summary,
    first_detection_time,
    gospa_summary,
)
from skyfuse.scenario import read_tracks

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CLASS_AGE_S: Final = 10.0
"""Track age from which the class targets apply (issue 5), s."""
LEAD_TARGET_S: Final = 60.0
"""Warning lead time the issue asks for (sites and borders), s."""
TIME_TOL: Final = 1e-6


class PairAccuracy(msgspec.Struct, kw_only=True):
    """Accuracy over (truth, track) pairs whose true class is one of ``classes``, track at least
    ``min_age_s`` old; ``confused`` counts pairs declared as the other class of the two."""

    classes: list[str]
    min_age_s: float
    n_pairs: int
    accuracy: float | None
    confused: int


def pair_classes(run: ScoringRun) -> tuple[NDArray[np.str_], NDArray[np.str_], F64]:
    """Per CLEAR-MOT pair of ``run``: (true class, declared class, track age s)."""
    pr = run.pairs
    true = classes_of(run)[run.truth.obj[pr.truth_row]]
    pred = run.track_cls[pr.track_row]
    age = run.times[pr.step] - run.track_first_time[run.tracks.obj[pr.track_row]]
    return true, pred, age


def two_class_accuracy(
    true: NDArray[np.str_],
    pred: NDArray[np.str_],
    age: F64,
    classes: tuple[str, str],
    min_age_s: float = CLASS_AGE_S,
) -> PairAccuracy:
    """`PairAccuracy` over pairs whose true class is one of ``classes`` (see there)."""
    a, b = classes
    sel = ((true == a) | (true == b)) & (age >= min_age_s - TIME_TOL)
    t, p = true[sel], pred[sel]
    confused = int(np.sum(((t == a) & (p == b)) | ((t == b) & (p == a))))
    return PairAccuracy(
        classes=[a, b],
        min_age_s=min_age_s,
        n_pairs=int(sel.sum()),
        accuracy=float(np.mean(t == p)) if t.size else None,
        confused=confused,
    )


class EligibleLead(msgspec.Struct, kw_only=True):
    """Site warnings of attack drones that reach their site within the run and were detected at
    least ``min_cover_s`` before arriving. Lead times s (negative = warned after arrival)."""

    min_cover_s: float
    n_eligible: int
    n_warned_in_time: int
    """Warned at least ``min_cover_s`` before arrival."""
    n_unwarned: int
    """Never warned before arrival."""
    worst_s: float | None
    median_s: float | None


def alert_targets(run: ScoringRun, alerts: Alerts) -> I64:
    """Per alert: the target most often paired with its track up to the alert time (-1: none),
    the evaluator's rule (`skyfuse.eval.alerts.majority_target`)."""
    pr = run.pairs
    return majority_target(
        run.track_ids[run.tracks.obj[pr.track_row]],
        run.times[pr.step],
        run.target_ids[run.truth.obj[pr.truth_row]],
        alerts.track_id,
        alerts.time,
    )


def _target_facts(run: ScoringRun) -> tuple[dict[int, str], dict[int, str], dict[int, bool]]:
    """(goal site, class, hostile) per target id from targets.csv (empty without it)."""
    tg = run.ground.targets
    if tg is None:
        return {}, {}, {}
    ids = tg.target_id.tolist()
    return (
        dict(zip(ids, tg.goal_site.tolist(), strict=True)),
        dict(zip(ids, tg.cls.tolist(), strict=True)),
        dict(zip(ids, tg.hostile.astype(bool).tolist(), strict=True)),
    )


def site_alert_verdicts(run: ScoringRun, alerts: Alerts) -> list[str]:
    """Per alert: ``""`` when it is not a site alert, ``right`` for a hostile target flying to
    the named site, else why it is false: ``no target`` (track paired with no target),
    ``<class>`` (a target that is not hostile), ``wrong site`` (hostile, another goal)."""
    target = alert_targets(run, alerts)
    goal, cls, hostile = _target_facts(run)
    out: list[str] = []
    for t, site in zip(target.tolist(), alerts.site_id.tolist(), strict=True):
        if site == "":
            out.append("")
        elif t < 0 or t not in cls:
            out.append("no target")
        elif not hostile[t]:
            out.append(cls[t])
        elif goal[t] != site:
            out.append("wrong site")
        else:
            out.append("right")
    return out


def false_site_causes(verdicts: list[str]) -> dict[str, int]:
    """Counts of false site alerts by cause (see `site_alert_verdicts`)."""
    causes: dict[str, int] = {}
    for v in verdicts:
        if v not in ("", "right"):
            causes[v] = causes.get(v, 0) + 1
    return causes


def first_site_alert(run: ScoringRun, alerts: Alerts, verdicts: list[str]) -> tuple[I64, F64]:
    """(target ids, time s of their first right site alert), over targets with one."""
    right = np.array([v == "right" for v in verdicts], dtype=bool)
    if not right.any():
        return np.zeros(0, np.int64), np.zeros(0)
    target = alert_targets(run, alerts)
    ids = np.unique(target[right])
    first = np.full(ids.size, np.inf)
    np.minimum.at(first, np.searchsorted(ids, target[right]), alerts.time[right])
    return ids.astype(np.int64), first


def eligible_site_lead(
    run: ScoringRun, alerts: Alerts, verdicts: list[str], min_cover_s: float = LEAD_TARGET_S
) -> EligibleLead:
    """The issue's site-warning criterion (see `EligibleLead`). Arrival: targets.csv
    ``arrival_time_s`` within the run; detection: the first labelled report."""
    tg = run.ground.targets
    first_det = first_detection_time(run)
    empty = EligibleLead(
        min_cover_s=min_cover_s,
        n_eligible=0,
        n_warned_in_time=0,
        n_unwarned=0,
        worst_s=None,
        median_s=None,
    )
    if tg is None or first_det is None:
        return empty
    end = float(run.times[-1]) if run.times.size else 0.0
    arrival = tg.float_col("arrival_time_s")
    det_of = dict(zip(run.target_ids.tolist(), first_det.tolist(), strict=True))
    det = np.array([det_of.get(int(t), np.nan) for t in tg.target_id.tolist()])
    eligible = (
        (tg.cls == "attack_drone")
        & (tg.goal_site != "")
        & np.isfinite(arrival)
        & (arrival <= end + TIME_TOL)
        & np.isfinite(det)
        & (arrival - det >= min_cover_s - TIME_TOL)
    )
    if not eligible.any():
        return empty
    ids, first = first_site_alert(run, alerts, verdicts)
    pos = np.clip(np.searchsorted(ids, tg.target_id), 0, max(ids.size - 1, 0))
    alert_t = np.full(len(tg), np.nan)
    if ids.size:
        hit = ids[pos] == tg.target_id
        alert_t = np.where(hit, first[pos], np.nan)
    lead = arrival[eligible] - alert_t[eligible]
    warned = np.isfinite(lead) & (lead >= -TIME_TOL)
    return EligibleLead(
        min_cover_s=min_cover_s,
        n_eligible=int(eligible.sum()),
        n_warned_in_time=int(np.sum(np.isfinite(lead) & (lead >= min_cover_s - TIME_TOL))),
        n_unwarned=int(np.sum(~warned)),
        worst_s=float(np.min(lead[warned])) if warned.any() else None,
        median_s=float(np.median(lead[warned])) if warned.any() else None,
    )


class DecisionRow(msgspec.Struct, kw_only=True):
    """One pipeline configuration on one scenario (see the module docstring for each figure).

    Shares in [0, 1]; times s; ``confusion`` rows = ``true_labels``, columns =
    ``predicted_labels`` (counts of pairs).
    """

    scenario: str
    classifier: str
    """``learned`` (Bayesian rules + learned model) or ``rules`` (Bayesian rules alone)."""
    folder: str
    duration_s: float = 0.0
    stats: RunStats | None = None
    gospa_per_target: float | None = None
    n_pairs: int = 0
    accuracy: float | None = None
    accuracy_10s: float | None = None
    attack_vs_bird: PairAccuracy | None = None
    decoy_vs_attack: PairAccuracy | None = None
    true_labels: list[str] = msgspec.field(default_factory=list)
    predicted_labels: list[str] = msgspec.field(default_factory=list)
    confusion: list[list[int]] = msgspec.field(default_factory=list)
    site_events: int = 0
    site_warned: int = 0
    site_lead_median_s: float | None = None
    site_lead_worst_s: float | None = None
    unwarned_attack_drones: int = 0
    site_eligible: EligibleLead | None = None
    false_site_alerts: int = 0
    false_site_alerts_per_h: float | None = None
    false_site_causes: dict[str, int] = msgspec.field(default_factory=dict)
    """False site alerts by cause: ``no target``, the class of a non-hostile target, ``wrong
    site``."""
    border_events: int = 0
    border_warned: int = 0
    border_lead_median_s: float | None = None
    border_lead_worst_s: float | None = None
    false_border_alerts_per_h: float | None = None
    alerts: int = 0
    error: str | None = None


def score_decisions(row: DecisionRow, folder: Path, out_dir: Path) -> DecisionRow:
    """Fill ``row`` from ``out_dir``'s ``tracks.csv`` and ``alerts.jsonl`` against ``folder``."""
    run = prepare(
        folder, read_tracks(out_dir / "tracks.csv"), c=GOSPA_C_M, tracks_source="tracks.csv"
    )
    cl = classification_summary(run)
    al = alert_summary(run, out_dir / "alerts.jsonl")
    true, pred, age = pair_classes(run)
    alerts = read_alerts(out_dir / "alerts.jsonl")
    verdicts = site_alert_verdicts(run, alerts)
    return msgspec.structs.replace(
        row,
        duration_s=float(run.times[-1] - run.times[0]) if run.times.size else 0.0,
        gospa_per_target=gospa_summary(run).per_target,
        n_pairs=cl.n_pairs if cl else 0,
        accuracy=cl.accuracy if cl else None,
        accuracy_10s=cl.accuracy_age_10s if cl else None,
        attack_vs_bird=two_class_accuracy(true, pred, age, ("attack_drone", "bird")),
        decoy_vs_attack=two_class_accuracy(true, pred, age, ("attack_drone", "decoy")),
        true_labels=cl.true_labels if cl else [],
        predicted_labels=cl.predicted_labels if cl else [],
        confusion=cl.confusion if cl else [],
        site_events=al.site.n_events,
        site_warned=al.site.n_warned,
        site_lead_median_s=al.site.median_s,
        site_lead_worst_s=al.site.worst_s,
        unwarned_attack_drones=al.site.unwarned_attack_drones,
        site_eligible=eligible_site_lead(run, alerts, verdicts),
        false_site_causes=false_site_causes(verdicts),
        false_site_alerts=al.false_site_alerts,
        false_site_alerts_per_h=al.false_site_alerts_per_hour,
        border_events=al.border.n_events,
        border_warned=al.border.n_warned,
        border_lead_median_s=al.border.median_s,
        border_lead_worst_s=al.border.worst_s,
        false_border_alerts_per_h=al.false_border_alerts_per_hour,
        alerts=al.n_alerts,
    )
