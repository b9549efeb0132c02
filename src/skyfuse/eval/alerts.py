"""Alert scoring: which target each alert was about, warning lead times, false alerts.

An alert's track is mapped to a target through the CLEAR-MOT pairing: the target most often
paired with that track at scoring times up to the alert time. Times in seconds from scenario
start; distances in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.eval.inputs import Alerts
from skyfuse.eval.report import AlertSummary, LeadTimes

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
TIME_TOL = 1e-6


def majority_target(
    pair_track: I64,
    pair_time: F64,
    pair_target: I64,
    query_track: I64,
    query_time: F64,
) -> I64:
    """For each query (track id, time s): the target most often paired with that track at times
    ``<= time`` (ties go to the smaller target id); -1 when the track was never paired by then.
    """
    order = np.lexsort((pair_time, pair_track))
    trk, tim, tgt = pair_track[order], pair_time[order], pair_target[order]
    lo = np.searchsorted(trk, query_track, side="left")
    hi = np.searchsorted(trk, query_track, side="right")
    out = np.full(query_track.shape[0], -1, np.int64)
    for q in range(query_track.shape[0]):  # one pass per alert, not per track report
        a, b = int(lo[q]), int(hi[q])
        b = a + int(np.searchsorted(tim[a:b], query_time[q] + TIME_TOL, side="right"))
        if b > a:
            ids, counts = np.unique(tgt[a:b], return_counts=True)
            out[q] = ids[int(np.argmax(counts))]
    return out


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """What alert scoring needs of each target (arrays over targets, aligned with ``target_id``).

    ``site_reach_s``: time the target reaches its goal site within the run (NaN if not);
    ``site_arrival_s``: targets.csv arrival_time_s (may lie after the run, NaN if absent);
    ``border_cross_s``: border crossing time within the run (NaN if none);
    ``border_cross_any_s``: targets.csv border_cross_time_s, even after the run (NaN if none).
    """

    target_id: I64
    cls: NDArray[np.str_]
    hostile: NDArray[np.bool_]
    goal_site: NDArray[np.str_]
    border_id: NDArray[np.str_]
    site_reach_s: F64
    site_arrival_s: F64
    border_cross_s: F64
    border_cross_any_s: F64


def _first_alert_time(
    alert_target: I64, alert_time: F64, mask: NDArray[np.bool_], target_id: I64
) -> F64:
    """Earliest alert time (s) per target among alerts where ``mask``; NaN if none."""
    first = np.full(target_id.shape[0], np.inf)
    pos = np.searchsorted(target_id, alert_target)
    pos = np.clip(pos, 0, max(target_id.shape[0] - 1, 0))
    hit = mask & (alert_target >= 0)
    if target_id.shape[0]:
        hit &= target_id[pos] == alert_target
        np.minimum.at(first, pos[hit], alert_time[hit])
    return np.where(np.isfinite(first), first, np.nan)


def _lead(
    event_s: F64, first_alert_s: F64, eligible: NDArray[np.bool_], cls: NDArray[np.str_]
) -> LeadTimes:
    """Lead-time statistics over targets with an event (finite ``event_s``) and ``eligible``."""
    ev = eligible & np.isfinite(event_s)
    warned = ev & np.isfinite(first_alert_s)
    lead = event_s[warned] - first_alert_s[warned]
    in_time = warned & (first_alert_s <= event_s + TIME_TOL)
    unwarned = ev & ~in_time & (cls == "attack_drone")
    return LeadTimes(
        n_events=int(ev.sum()),
        n_warned=int(warned.sum()),
        median_s=float(np.median(lead)) if lead.size else None,
        worst_s=float(np.min(lead)) if lead.size else None,
        unwarned_attack_drones=int(unwarned.sum()),
    )


def score_alerts(
    alerts: Alerts,
    alert_target: I64,
    facts: TargetFacts,
    duration_s: float,
) -> AlertSummary:
    """Score alerts already mapped to targets (``alert_target``, -1 = no target).

    Site alerts carry a ``site_id``, border alerts a ``border_id``. A site alert is false when its
    target is unknown, not hostile, or flies to another site; a border alert is false when its
    target is unknown or never crosses (that) border (targets.csv border_cross_time_s empty).
    ``facts.target_id`` must be sorted.
    """
    tid = facts.target_id
    pos = np.clip(np.searchsorted(tid, alert_target), 0, max(tid.shape[0] - 1, 0))
    known = (alert_target >= 0) & (tid.shape[0] > 0)
    if tid.shape[0]:
        known &= tid[pos] == alert_target
    hostile = known & facts.hostile[pos] if tid.shape[0] else known
    is_site = alerts.site_id != ""
    is_border = alerts.border_id != ""
    goal = facts.goal_site[pos] if tid.shape[0] else np.full(len(alerts), "")
    right_site = is_site & hostile & (goal == alerts.site_id)
    bid = facts.border_id[pos] if tid.shape[0] else np.full(len(alerts), "")
    crosses = (
        np.isfinite(facts.border_cross_any_s[pos]) if tid.shape[0] else np.zeros(len(alerts), bool)
    )
    right_border = is_border & known & crosses & ((bid == "") | (bid == alerts.border_id))

    hours = duration_s / 3600.0
    false_site = is_site & ~right_site
    false_border = is_border & ~right_border
    by_site: dict[str, int] = {}
    for s in np.unique(alerts.site_id[false_site]).tolist():
        by_site[str(s)] = int(np.sum(alerts.site_id[false_site] == s))
    kinds, kcounts = np.unique(alerts.kind, return_counts=True)

    # Site lead times: first correct-site alert per target.
    first_site = _first_alert_time(alert_target, alerts.time, right_site, tid)
    site_lead = _lead(
        facts.site_reach_s, first_site, facts.hostile & (facts.goal_site != ""), facts.cls
    )
    late = (
        facts.hostile
        & np.isfinite(first_site)
        & ~np.isfinite(facts.site_reach_s)
        & np.isfinite(facts.site_arrival_s)
    )
    expected = facts.site_arrival_s[late] - first_site[late]
    first_border = _first_alert_time(alert_target, alerts.time, right_border, tid)
    border_lead = _lead(facts.border_cross_s, first_border, np.ones(tid.shape[0], bool), facts.cls)

    return AlertSummary(
        n_lines=alerts.n_lines,
        n_alerts=len(alerts),
        by_kind={str(k): int(v) for k, v in zip(kinds.tolist(), kcounts.tolist(), strict=True)},
        unknown_track=int(np.sum((alerts.track_id >= 0) & ~known)),
        site=site_lead,
        site_expected_lead_median_s=float(np.median(expected)) if expected.size else None,
        false_site_alerts=int(false_site.sum()),
        false_site_alerts_per_hour=float(false_site.sum() / hours) if hours > 0 else None,
        false_site_alerts_by_site=by_site,
        border=border_lead,
        false_border_alerts=int(false_border.sum()),
        false_border_alerts_per_hour=float(false_border.sum() / hours) if hours > 0 else None,
    )
