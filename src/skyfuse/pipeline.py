"""Composition root: builds the stages and runs reports through them.

    reports -> Tracker -> Classifier -> ThreatAssessor -> AlertManager -> outputs

`Pipeline` is the live form (feed it batches as they arrive); `run_folder` runs a scenario folder
and writes `tracks.csv` (and `alerts.jsonl`). Each stage is a component with explicit state and
plain-message inputs/outputs, so each could later run in its own process.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from skyfuse.alerting import Alert, AlertLog, AlertManager
from skyfuse.classify import Classifier, load_default_model
from skyfuse.core.errors import InputError
from skyfuse.core.picture import ClassBeliefs, TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.outputs.tracks import TRACK_EXTRA_COLUMNS, PictureRows, picture_rows
from skyfuse.scenario import TrackWriter, check_output_file, read_tracker_inputs
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.detections import ReadStats
from skyfuse.scenario.model import Context
from skyfuse.threat import ThreatAssessor, ThreatPicture
from skyfuse.tracking import Tracker, TrackerConfig
from skyfuse.tracking.passive import register_passive


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Which stages run and how.

    ``passive``: fuse bearings (acoustic, RF-DF, EO/IR) and cooperative reports through
    `skyfuse.tracking.passive`; without it the tracker sees radar and cooperative positions only.
    ``learned_model``: use the shipped learned classifier next to the Bayesian rules.
    ``assess_threats``: run threat assessment and alerts.
    ``threat_period_s``: assess threats at most this often (s of scenario time); the picture and
    class beliefs still update on every batch. 1 s keeps alert latency well inside the 2.5 s
    measurement-to-device budget while staggered sensors deliver many batches a second.
    """

    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    passive: bool = True
    classify: bool = True
    learned_model: bool = True
    assess_threats: bool = True
    threat_period_s: float = 1.0


@dataclass(frozen=True, slots=True)
class StepResult:
    """Everything one batch produced."""

    tracker: TrackerOutput
    beliefs: ClassBeliefs
    threat: ThreatPicture | None
    alerts: list[Alert]
    rows: PictureRows
    seconds: float
    """Wall time the stages took for this batch (s)."""


class Pipeline:
    """The whole engine for one region: feed batches of reports, get pictures and alerts."""

    def __init__(
        self, catalog: SensorCatalog, context: Context, config: PipelineConfig | None = None
    ) -> None:
        self.config = config or PipelineConfig()
        self.catalog = catalog
        self.tracker = Tracker(catalog, self.config.tracker)
        # Passive and cooperative fusion wraps the tracker: bearings (acoustic, RF, EO/IR) with
        # propagation delay and late reports, bearing-only initiation, static emitters, and
        # cooperative identities with spoof screening.
        self.fusion = register_passive(self.tracker) if self.config.passive else None
        self.classifier = (
            Classifier(catalog, model=load_default_model() if self.config.learned_model else None)
            if self.config.classify
            else None
        )
        # Raids, launch areas and relays need no context; site and border threats need sites
        # and borders, and are simply empty without them.
        self.threat = ThreatAssessor(catalog.frame, context) if self.config.assess_threats else None
        self.alerts = AlertManager() if self.threat is not None else None
        self._next_threat_time = -float("inf")

    def step(self, batch: Reports) -> StepResult:
        """Process one batch of reports sharing one time."""
        t0 = _time.perf_counter()
        out = (self.fusion or self.tracker).process(batch)
        pic = out.picture
        if self.classifier is not None:
            beliefs = self.classifier.update(out, batch)
        else:
            beliefs = ClassBeliefs.uniform(pic.time, pic.track_id)
        threat = None
        alerts: list[Alert] = []
        if self.threat is not None and pic.time >= self._next_threat_time:
            self._next_threat_time = pic.time + self.config.threat_period_s
            threat = self.threat.assess(pic, beliefs)
            if self.alerts is not None:
                alerts = self.alerts.update(threat)
        rows = picture_rows(pic, beliefs, time=float(batch.time[-1]) if len(batch) else None)
        return StepResult(out, beliefs, threat, alerts, rows, _time.perf_counter() - t0)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a folder run did: counts, timings (s) and where the outputs went."""

    batches: int
    reports: int
    track_rows: int
    alerts: int
    scenario_seconds: float
    processing_seconds: float
    batch_ms_mean: float
    batch_ms_p95: float
    read: ReadStats
    tracks_path: Path
    alerts_path: Path | None

    @property
    def x_real_time(self) -> float:
        """Scenario time covered by the processed batches / processing time
        (`skyfuse.eval.realtime`)."""
        from skyfuse.eval.realtime import real_time_factor

        return real_time_factor(self.scenario_seconds, self.processing_seconds)


def run_folder(
    folder: Path,
    tracks_path: Path,
    *,
    alerts_path: Path | None = None,
    config: PipelineConfig | None = None,
    skip_bad: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
) -> RunSummary:
    """Run a scenario folder through the pipeline; write `tracks.csv` (and `alerts.jsonl`).

    The picture at every distinct report time is written after all reports up to that time.
    Output paths are checked before anything is read (`check_output_file`); every input error
    is an `InputError` naming file, line and field.
    """
    check_output_file(tracks_path, "tracks file")
    if alerts_path is not None:
        check_output_file(alerts_path, "alerts file")
        if Path(alerts_path).resolve() == Path(tracks_path).resolve():
            raise InputError(str(alerts_path), "alerts file is the same path as the tracks file")
    inputs = read_tracker_inputs(folder, skip_bad=skip_bad)
    cfg = config or PipelineConfig()
    if alerts_path is None:
        cfg = replace(cfg, assess_threats=False)
    pipe = Pipeline(inputs.catalog, inputs.context, cfg)
    times: list[float] = []
    n_alerts = 0
    batches = 0
    log = AlertLog(alerts_path) if alerts_path is not None else None
    try:
        with TrackWriter(
            tracks_path, geodetic=inputs.catalog.frame.geodetic, extra=TRACK_EXTRA_COLUMNS
        ) as writer:
            for batch in inputs.reports.batches_by_time():
                res = pipe.step(batch)
                batches += 1
                times.append(res.seconds)
                r = res.rows
                writer.write(r.time, r.track_id, r.pos, r.vel, r.cls, r.class_prob, r.cov_enu)
                if log is not None and res.alerts:
                    log.write(res.alerts)
                    n_alerts += len(res.alerts)
                if on_step is not None:
                    on_step(res)
            rows = writer.rows
    finally:
        if log is not None:
            log.close()
    from skyfuse.eval.realtime import covered_duration

    span = covered_duration(inputs.reports.time)
    ms = np.asarray(times) * 1e3 if times else np.zeros(1)
    return RunSummary(
        batches=batches,
        reports=len(inputs.reports),
        track_rows=rows,
        alerts=n_alerts,
        scenario_seconds=span,
        processing_seconds=float(np.sum(times)),
        batch_ms_mean=float(ms.mean()),
        batch_ms_p95=float(np.percentile(ms, 95)),
        read=inputs.stats,
        tracks_path=tracks_path,
        alerts_path=alerts_path,
    )
