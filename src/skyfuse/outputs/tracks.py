"""The operator's picture as scenario-frame rows: what `tracks.csv` holds at one time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import CLASSES
from skyfuse.core.picture import ClassBeliefs, Picture

F64 = NDArray[np.float64]

TRACK_EXTRA_COLUMNS: Final = ("cxx", "cxy", "cxz", "cyy", "cyz", "czz")
"""Position covariance in local East-North-Up, m^2 (for NEES), after the standard columns."""


@dataclass(frozen=True, slots=True)
class PictureRows:
    """Confirmed tracks at one time in scenario coordinates.

    ``pos``: x, y, z metres (ENU scenarios) or lat_deg, lon_deg, alt_m (WGS84);
    ``vel``: local East, North, Up m/s; ``cov_enu``: the six unique entries of the 3x3 position
    covariance in local ENU, m^2, in `TRACK_EXTRA_COLUMNS` order.
    """

    time: float
    track_id: NDArray[np.int64]
    pos: F64
    vel: F64
    cov_enu: F64
    cls: list[str]
    class_prob: F64


def picture_rows(picture: Picture, beliefs: ClassBeliefs | None = None) -> PictureRows:
    """Select confirmed (and coasting) tracks and convert them to scenario coordinates."""
    keep = picture.confirmed()
    pic = picture.take(keep)
    frame = pic.frame
    p = pic.state[:, :3]
    lat_or_x, lon_or_y, alt_or_z = frame.from_work(p)
    pos = np.column_stack([lat_or_x, lon_or_y, alt_or_z]) if len(pic) else np.zeros((0, 3))
    rot = frame.local_rotation(p) if len(pic) else np.zeros((0, 3, 3))
    vel = np.einsum("nij,nj->ni", rot, pic.state[:, 3:]) if len(pic) else np.zeros((0, 3))
    c = (
        np.einsum("nij,njk,nlk->nil", rot, pic.cov[:, :3, :3], rot)
        if len(pic)
        else np.zeros((0, 3, 3))
    )
    cov = (
        np.column_stack([c[:, 0, 0], c[:, 0, 1], c[:, 0, 2], c[:, 1, 1], c[:, 1, 2], c[:, 2, 2]])
        if len(pic)
        else np.zeros((0, 6))
    )
    if beliefs is not None and len(beliefs):
        order = {int(t): i for i, t in enumerate(beliefs.track_id)}
        idx = np.array([order.get(int(t), -1) for t in pic.track_id], dtype=np.int64)
        probs = np.where(idx[:, None] >= 0, beliefs.probs[np.maximum(idx, 0)], 0.0)
        if len(idx):
            probs[idx < 0, -1] = 1.0
        best = np.argmax(probs, axis=1) if len(idx) else np.zeros(0, np.int64)
        cls = [CLASSES[i] for i in best]
        prob = probs[np.arange(len(best)), best] if len(idx) else np.zeros(0)
    else:
        cls = ["unknown"] * len(pic)
        prob = np.zeros(len(pic))
    return PictureRows(picture.time, pic.track_id.copy(), pos, vel, cov, cls, prob)
