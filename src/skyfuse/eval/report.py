"""The evaluator's result: msgspec Structs, JSON-able (``msgspec.json.encode(report)``).

Units: metres for distances and GOSPA at p = 1 (GOSPA parts at other p are m^p), seconds for
times and latencies. ``None`` marks a figure that cannot be computed for this run (no targets of
that kind, no covariance columns, no alerts file, ...).
"""

from __future__ import annotations

import msgspec


class GospaSummary(msgspec.Struct, kw_only=True):
    """GOSPA (alpha = 2) averaged over scoring times; parts at ``p`` (m at p = 1)."""

    c: float
    p: float
    mean: float
    localisation: float
    missed: float
    false: float
    per_target: float | None
    """``mean`` divided by the mean number of truths per time (m/target at p = 1)."""
    mean_p2: float
    """GOSPA at p = 2 (its own optimal assignment), mean over times, metres."""
    ospa: float
    """OSPA at (c, p), mean over times, metres."""


class ClearMotSummary(msgspec.Struct, kw_only=True):
    """CLEAR-MOT over the sticky pairing (kept pairs while d < c, the rest by GOSPA assignment)."""

    id_switches: int
    mota: float | None
    motp_m: float | None
    misses: int
    false_tracks: int
    truth_count: int
    """Sum over times of the number of truths (the GT of MOTA)."""
    track_ids_per_target: float | None
    """Mean distinct track ids paired with a target, over targets ever paired."""
    max_track_ids_per_target: int
    distinct_track_ids: int
    """Track ids in tracks.csv at scoring times."""


class LatencySummary(msgspec.Struct, kw_only=True):
    """Target birth (first truth row) -> first pairing with a confirmed track, seconds; and the
    detectable targets never tracked.

    A target is detectable when the scenario shows a tracker could see it (``detectable_rule``):
    ``labels``: at least ``min_reports`` reports that labels.csv gives it; ``coverage`` (no
    labels.csv): its true position inside some sensor's coverage at ``min_reports`` scoring
    times; ``all``: neither file, every scored target.
    """

    n_targets: int
    """Targets with truth rows at scoring times."""
    never_tracked: int
    """Detectable targets never paired with a confirmed track."""
    median_s: float | None
    p90_s: float | None
    n_detectable: int = 0
    """Of ``n_targets``, those detectable by ``detectable_rule``."""
    never_tracked_undetectable: int = 0
    """Targets never paired that were not detectable (not counted in ``never_tracked``)."""
    detectable_rule: str = "all"
    min_reports: int = 1


class DetectabilitySummary(msgspec.Struct, kw_only=True):
    """First labelled report of a target (labels.csv) -> first pairing, seconds, over the
    detectable targets (see `LatencySummary`)."""

    n_detectable: int
    never_tracked: int
    median_s: float | None
    p90_s: float | None


class NeesSummary(msgspec.Struct, kw_only=True):
    """Position NEES (dof 3) over paired tracks with covariance columns (local ENU, m^2)."""

    n_samples: int
    mean: float | None
    interval_low: float | None
    interval_high: float | None
    """Chi-square 95% interval for the mean of ``n_samples`` independent samples (optimistic:
    samples of one track over time are correlated)."""
    share_in_95: float | None
    """Share of single samples inside the dof-3 chi-square 95% interval (ideal 0.95)."""
    n_skipped: int
    """Pairs whose covariance is missing or not positive definite."""


class ClassRow(msgspec.Struct, kw_only=True):
    """Per target class: how many targets, how many tracked for >= 50% of their life, latency."""

    cls: str
    n_targets: int
    n_tracked: int
    share_tracked: float | None
    latency_median_s: float | None
    latency_p90_s: float | None
    never_tracked: int
    detect_to_track_median_s: float | None
    detect_to_track_p90_s: float | None
    n_detectable: int


class ClassificationSummary(msgspec.Struct, kw_only=True):
    """Class accuracy over paired (truth, track) samples, from targets.csv vs tracks.csv."""

    n_pairs: int
    accuracy: float | None
    accuracy_age_10s: float | None
    """Accuracy over pairs whose track is at least 10 s old (since its first row)."""
    n_pairs_age_10s: int
    attack_drone_vs_bird: float | None
    """Accuracy over pairs whose true class is attack_drone or bird."""
    true_labels: list[str]
    predicted_labels: list[str]
    confusion: list[list[int]]
    """Counts, rows = true class, columns = track class."""


class LeadTimes(msgspec.Struct, kw_only=True):
    """Warning lead times (s) before a target reaches a site or crosses a border."""

    n_events: int
    """Hostile targets reaching a site (crossing the border) within the run."""
    n_warned: int
    median_s: float | None
    worst_s: float | None
    """Smallest lead time (negative = alert after the event)."""
    unwarned_attack_drones: int
    """Attack drones that reach the event with no alert at or before it."""


class AlertSummary(msgspec.Struct, kw_only=True):
    """Alert quality from alerts.jsonl (one alert per alert_id, at its first time)."""

    n_lines: int
    n_alerts: int
    by_kind: dict[str, int]
    unknown_track: int
    """Alerts naming a track that was never paired to a target up to the alert time."""
    site: LeadTimes
    site_expected_lead_median_s: float | None
    """Alerted hostiles that arrive after the run: median of arrival_time_s - alert time."""
    false_site_alerts: int
    false_site_alerts_per_hour: float | None
    false_site_alerts_by_site: dict[str, int]
    border: LeadTimes
    false_border_alerts: int
    false_border_alerts_per_hour: float | None


class EvalReport(msgspec.Struct, kw_only=True):
    """Everything `skyfuse eval` computes for one tracker run on one scenario."""

    label: str
    scenario: str
    frame: str
    n_times: int
    duration_s: float
    mean_truths: float
    mean_tracks: float
    unscored_track_rows: int
    """tracks.csv rows whose time matches no scoring time (within 1e-6 s): ignored."""
    gospa: GospaSummary
    clear_mot: ClearMotSummary
    latency: LatencySummary
    detectability: DetectabilitySummary | None
    per_class: list[ClassRow]
    nees: NeesSummary | None
    classification: ClassificationSummary | None
    alerts: AlertSummary | None


class MixScore(msgspec.Struct, kw_only=True):
    """One sensor mix scored for one target class (or all targets when ``cls`` is 'all')."""

    label: str
    cls: str
    n_targets: int
    share_tracked: float | None
    detect_to_track_median_s: float | None
    detect_to_track_p90_s: float | None
    never_tracked: int
    gospa_per_target: float | None
