"""What a tracker under test hands the harness after each batch, and how it reaches tracks.csv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.reports import Reports
from skyfuse.scenario.tables import TrackWriter

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class TrackStates:
    """The confirmed tracks an operator sees at one time (current states, never smoothed).

    Attributes:
        time: picture time, s from scenario start.
        track_id: (n,) track numbers, stable over a track's life.
        pos: (n, 3) x, y, z in the scenario's flat ENU frame, m.
        vel: (n, 3) East, North, Up velocity, m/s.
        cov: (n, 6) position covariance upper triangle ``cxx, cxy, cxz, cyy, cyz, czz`` in local
            ENU, m^2 (the evaluator's NEES columns), or None when the tracker gives none.
    """

    time: float
    track_id: I64
    pos: F64
    vel: F64
    cov: F64 | None = None

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @staticmethod
    def empty(time: float) -> TrackStates:
        """No confirmed track at ``time`` (s)."""
        return TrackStates(time, np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros((0, 3)))


class BenchTracker(Protocol[P]):
    """A tracker the harness can time: `prepare` (untimed input conversion), `step` (timed
    tracking of one batch), `picture` (untimed read-out of confirmed tracks)."""

    @property
    def name(self) -> str:
        """Tracker name for tables (``skyfuse``, ``stonesoup``)."""
        ...

    @property
    def variant(self) -> str:
        """Configuration label for the table (e.g. ``gnn-kd``)."""
        ...

    def prepare(self, batch: Reports) -> P:
        """Convert one batch of reports (one time) to the tracker's input."""
        ...

    def step(self, time: float, prepared: P) -> None:
        """Process one batch at ``time`` (s)."""
        ...

    def picture(self, time: float) -> TrackStates:
        """Confirmed tracks after the last step."""
        ...


COV_COLUMNS = ("cxx", "cxy", "cxz", "cyy", "cyz", "czz")
"""Extra `tracks.csv` columns: local ENU position covariance upper triangle, m^2."""

_UPPER = (np.array([0, 0, 0, 1, 1, 2]), np.array([0, 1, 2, 1, 2, 2]))


def cov_columns(cov3: F64) -> F64:
    """(n, 3, 3) position covariances -> (n, 6) upper triangles in `COV_COLUMNS` order."""
    return np.asarray(cov3[:, _UPPER[0], _UPPER[1]], dtype=np.float64)


def open_tracks(path: Path) -> TrackWriter:
    """A `tracks.csv` writer for flat-ENU pictures with the covariance columns."""
    return TrackWriter(path, geodetic=False, extra=COV_COLUMNS)


def write_picture(writer: TrackWriter, states: TrackStates) -> None:
    """Append one picture to a `tracks.csv` opened by `open_tracks` (class ``unknown``,
    probability 1: the benchmark runs no classifier; NaN covariance when the tracker has none)."""
    n = len(states)
    cov = states.cov if states.cov is not None else np.full((n, len(COV_COLUMNS)), np.nan)
    writer.write(
        states.time, states.track_id, states.pos, states.vel, ["unknown"] * n, np.ones(n), cov
    )
