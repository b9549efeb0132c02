"""Turn a picture into `tracks.csv` rows: scenario-frame positions, local ENU velocities and
3x3 local-ENU position covariances (for NEES in the evaluator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.picture import Picture

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

COV_COLUMNS: Final[tuple[str, ...]] = ("cxx", "cxy", "cxz", "cyy", "cyz", "czz")
"""Extra `tracks.csv` columns: upper triangle of the local ENU position covariance, m^2."""

_UPPER = (np.array([0, 0, 0, 1, 1, 2]), np.array([0, 1, 2, 1, 2, 2]))


@dataclass(frozen=True, slots=True)
class TrackRows:
    """Rows of one picture for `tracks.csv` (confirmed and coasting tracks only).

    Attributes:
        time: picture time, s.
        track_id: (n,) track numbers.
        pos: (n, 3) x, y, z metres (ENU scenarios) or lat_deg, lon_deg, alt_m (WGS84).
        vel: (n, 3) velocity in local East, North, Up at the track, m/s.
        cov_enu: (n, 3, 3) position covariance in local ENU at the track, m^2.
    """

    time: float
    track_id: I64
    pos: F64
    vel: F64
    cov_enu: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def cov_columns(self) -> F64:
        """(n, 6) values for `COV_COLUMNS`."""
        return np.asarray(self.cov_enu[:, _UPPER[0], _UPPER[1]])


def position_cov_enu(picture: Picture) -> F64:
    """Each track's 3x3 position covariance rotated into local ENU at the track, m^2 (n, 3, 3)."""
    if len(picture) == 0:
        return np.zeros((0, 3, 3))
    rot = picture.frame.local_rotation(picture.state[:, :3]).reshape(len(picture), 3, 3)
    return _rotate_cov(rot, picture.cov[:, :3, :3])


def _rotate_cov(rot: F64, cov: F64) -> F64:
    """``R C R'`` symmetrised, (n, 3, 3)."""
    C = rot @ cov @ np.swapaxes(rot, 1, 2)
    return np.asarray(0.5 * (C + np.swapaxes(C, 1, 2)))


def track_rows(picture: Picture) -> TrackRows:
    """The operator's view of a picture: confirmed and coasting tracks in scenario terms.

    Positions via `WorkFrame.from_work` (x, y, z or lat, lon, alt); velocities (East, North,
    Up m/s) and covariances (`position_cov_enu`) with one `WorkFrame.local_rotation` per track.
    """
    shown = picture.take(np.flatnonzero(picture.confirmed()))
    n = len(shown)
    if n == 0:
        e = np.zeros((0, 3))
        return TrackRows(picture.time, np.zeros(0, np.int64), e, e.copy(), np.zeros((0, 3, 3)))
    a, b, c = shown.frame.from_work(shown.state[:, :3])
    pos = np.stack([a, b, c], axis=1).reshape(n, 3)
    rot = shown.frame.local_rotation(shown.state[:, :3]).reshape(n, 3, 3)
    vel = (rot @ shown.state[:, 3:, None])[:, :, 0]
    return TrackRows(
        picture.time, shown.track_id.copy(), pos, vel, _rotate_cov(rot, shown.cov[:, :3, :3])
    )
