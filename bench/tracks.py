"""What a tracker under test hands the harness after each batch, and how it reaches tracks.csv."""

from __future__ import annotations

from dataclasses import dataclass
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
    """

    time: float
    track_id: I64
    pos: F64
    vel: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


class BenchTracker(Protocol[P]):
    """A tracker the harness can time: `prepare` (untimed input conversion), `step` (timed
    tracking of one batch), `picture` (untimed read-out of confirmed tracks)."""

    name: str

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


def write_picture(writer: TrackWriter, states: TrackStates) -> None:
    """Append one picture to a `tracks.csv` (class ``unknown``, probability 1: no classifier)."""
    n = len(states)
    writer.write(states.time, states.track_id, states.pos, states.vel, ["unknown"] * n, np.ones(n))
