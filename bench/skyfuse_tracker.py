"""Skyfuse's tracker (`skyfuse.tracking.Tracker`) behind the harness's `BenchTracker` shape."""

from __future__ import annotations

from typing import Final

from bench.tracks import TrackStates
from skyfuse.core.picture import TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
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
