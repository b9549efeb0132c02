"""Messages between stages: the tracker's picture, its associations, class beliefs.

These are plain frozen containers of NumPy columns (one row per track), so a stage can run in
another process: they serialise to msgpack/JSON column by column. Positions and velocities are in
the working frame of `skyfuse.geo.WorkFrame` (flat ENU metres, or ECEF metres for WGS84
scenarios); time is seconds from scenario start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import CLASSES
from skyfuse.geo.workframe import WorkFrame

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class TrackStatus(IntEnum):
    """Track lifecycle: tentative -> confirmed -> coasting -> (deleted, never in a picture)."""

    TENTATIVE = 0
    CONFIRMED = 1
    COASTING = 2


@dataclass(frozen=True, slots=True)
class Picture:
    """All live tracks at one time (the air picture), as columns.

    Attributes:
        time: picture time, s.
        frame: the working frame the states are in.
        track_id: (n,) stable track numbers.
        state: (n, 6) position (m) and velocity (m/s) in the working frame.
        cov: (n, 6, 6) state covariance (m^2, m^2/s, m^2/s^2).
        status: (n,) `TrackStatus` codes.
        first_time: (n,) time the track was born, s.
        last_update_time: (n,) time of its last measurement update, s.
        n_updates: (n,) number of measurement updates.
        mode_prob: (n, M) motion-mode probabilities (IMM), rows sum to 1.
        static: (n,) True for stationary emitters (ground relays, controllers).
        coop_id: (n,) object: cooperative identity (ICAO 24-bit / Remote ID) bound to the track,
            or None.
        spoof_suspect: (n,) True where a cooperative self-report disagrees with the track.
        sensor_mask: (n,) bit mask of `SensorKind` codes that updated the track recently.
    """

    time: float
    frame: WorkFrame
    track_id: I64
    state: F64
    cov: F64
    status: NDArray[np.int8]
    first_time: F64
    last_update_time: F64
    n_updates: NDArray[np.int32]
    mode_prob: F64
    static: NDArray[np.bool_]
    coop_id: NDArray[np.object_]
    spoof_suspect: NDArray[np.bool_]
    sensor_mask: NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def confirmed(self) -> NDArray[np.bool_]:
        """Mask of tracks an operator sees (confirmed or coasting)."""
        return np.asarray(self.status != TrackStatus.TENTATIVE, dtype=bool)

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> Picture:
        """The picture restricted to some tracks."""
        return Picture(
            self.time,
            self.frame,
            self.track_id[idx],
            self.state[idx],
            self.cov[idx],
            self.status[idx],
            self.first_time[idx],
            self.last_update_time[idx],
            self.n_updates[idx],
            self.mode_prob[idx],
            self.static[idx],
            self.coop_id[idx],
            self.spoof_suspect[idx],
            self.sensor_mask[idx],
        )

    @staticmethod
    def empty(time: float, frame: WorkFrame, n_modes: int = 2) -> Picture:
        """A picture with no tracks."""
        return Picture(
            time,
            frame,
            np.zeros(0, np.int64),
            np.zeros((0, 6)),
            np.zeros((0, 6, 6)),
            np.zeros(0, np.int8),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0, np.int32),
            np.zeros((0, n_modes)),
            np.zeros(0, bool),
            np.zeros(0, object),
            np.zeros(0, bool),
            np.zeros(0, np.int32),
        )


@dataclass(frozen=True, slots=True)
class Associations:
    """Which reports updated which tracks in one tracker step (k pairs).

    ``weight`` is the association probability (1.0 for a hard GNN assignment).
    """

    det_id: I64
    track_id: I64
    weight: F64

    def __len__(self) -> int:
        return int(self.det_id.shape[0])

    @staticmethod
    def empty() -> Associations:
        """No associations."""
        return Associations(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


@dataclass(frozen=True, slots=True)
class TrackerOutput:
    """What one tracker step emits: the picture after the step, the associations it made, and
    the track ids deleted in the step (so downstream stages can drop their per-track state)."""

    picture: Picture
    associations: Associations
    deleted: I64


@dataclass(frozen=True, slots=True)
class ClassBeliefs:
    """Class probabilities per track, in `CLASSES` order (last column `unknown`)."""

    time: float
    track_id: I64
    probs: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def label(self) -> list[str]:
        """Most probable class per track."""
        return [CLASSES[i] for i in np.argmax(self.probs, axis=1)] if len(self) else []

    def confidence(self) -> F64:
        """Probability of the most probable class per track."""
        return self.probs.max(axis=1) if len(self) else np.zeros(0)

    @staticmethod
    def uniform(time: float, track_id: I64) -> ClassBeliefs:
        """Total ignorance: everything `unknown` with probability 1."""
        p = np.zeros((len(track_id), len(CLASSES)))
        p[:, -1] = 1.0
        return ClassBeliefs(time, track_id, p)
