"""Skyfuse behind the harness's `BenchTracker` shape: the tracker alone (`SkyfuseRunner`) and
the whole default pipeline (`SkyfusePipelineRunner`)."""

from __future__ import annotations

from typing import Final

from bench.tracks import TrackStates
from skyfuse.core.picture import TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.outputs.tracks import PictureRows
from skyfuse.pipeline import Pipeline, PipelineConfig
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Context
from skyfuse.tracking import Tracker, TrackerConfig, track_rows


class SkyfuseRunner:
    """Steps `skyfuse.tracking.Tracker` one batch (one report time) at a time.

    `step` is `Tracker.process` (the timed work, including building its `Picture`); `picture`
    turns the last picture into the operator's rows (confirmed and coasting tracks, scenario
    frame, local ENU velocity and position covariance).
    """

    name: Final = "skyfuse"

    def __init__(self, catalog: SensorCatalog, config: TrackerConfig | None = None) -> None:
        self.tracker = Tracker(catalog, config)
        self._out: TrackerOutput | None = None

    @property
    def variant(self) -> str:
        """Association scheme of the configuration (``gnn`` or ``nnjpda``)."""
        return str(self.tracker.config.association)

    def prepare(self, batch: Reports) -> Reports:
        """Skyfuse consumes `Reports` as they are."""
        return batch

    def step(self, time: float, prepared: Reports) -> None:
        """Process one batch of reports at ``time`` (s)."""
        self._out = self.tracker.process(prepared)

    def picture(self, time: float) -> TrackStates:
        """Confirmed and coasting tracks after the last step."""
        if self._out is None:
            return TrackStates.empty(time)
        rows = track_rows(self._out.picture)
        return TrackStates(time, rows.track_id, rows.pos, rows.vel, rows.cov_columns())


class SkyfusePipelineRunner:
    """Steps the default `skyfuse.pipeline.Pipeline` one batch at a time.

    The timed `step` is everything an operator's picture needs: tracking with passive and
    cooperative fusion, the Bayesian classifier with the shipped learned model, threat assessment
    and alerts (the scenario's context: sites, borders), and the output rows. `picture` reads the
    rows the pipeline made (confirmed and coasting tracks, scenario frame).
    """

    name: Final = "pipeline"

    def __init__(self, catalog: SensorCatalog, context: Context) -> None:
        self.pipeline = Pipeline(catalog, context, PipelineConfig())
        self._rows: PictureRows | None = None

    @property
    def variant(self) -> str:
        """Association scheme and the stages that run."""
        learned = "+learned" if self.pipeline.config.learned_model else ""
        return f"{self.pipeline.config.tracker.association}{learned}"

    def prepare(self, batch: Reports) -> Reports:
        """The pipeline consumes `Reports` as they are."""
        return batch

    def step(self, time: float, prepared: Reports) -> None:
        """Process one batch of reports at ``time`` (s) through every stage."""
        self._rows = self.pipeline.step(prepared).rows

    def picture(self, time: float) -> TrackStates:
        """Confirmed and coasting tracks after the last step, as the pipeline wrote them."""
        r = self._rows
        if r is None or r.track_id.size == 0:
            return TrackStates.empty(time)
        return TrackStates(time, r.track_id, r.pos, r.vel, r.cov_enu)
