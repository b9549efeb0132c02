"""Multi-target tracking: IMM-EKF tracks fed by per-kind measurement models (issue 3).

Public API: `Tracker` (process batches of reports, emit `TrackerOutput`), `TrackerConfig`,
`TrackerHooks` and `TrackerStats`, the measurement-model seam (`MeasurementModel`,
`Measurements`, `RadarModel`, `PositionModel`, `default_models`), and the `tracks.csv` helpers
(`track_rows`, `position_cov_enu`, `COV_COLUMNS`).
"""

from skyfuse.tracking.config import TrackerConfig
from skyfuse.tracking.models import (
    MeasurementModel,
    Measurements,
    PositionModel,
    RadarModel,
    default_models,
)
from skyfuse.tracking.output import COV_COLUMNS, TrackRows, position_cov_enu, track_rows
from skyfuse.tracking.tracker import Tracker, TrackerHooks, TrackerStats

__all__ = [
    "COV_COLUMNS",
    "MeasurementModel",
    "Measurements",
    "PositionModel",
    "RadarModel",
    "TrackRows",
    "Tracker",
    "TrackerConfig",
    "TrackerHooks",
    "TrackerStats",
    "default_models",
    "position_cov_enu",
    "track_rows",
]
