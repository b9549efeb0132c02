"""The operator's picture as scenario-frame rows with classes: what `tracks.csv` holds at a time.

Geometry (scenario coordinates, local ENU velocity and covariance) comes from
`skyfuse.tracking.track_rows`; this module joins the class beliefs by track id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import CLASSES
from skyfuse.core.picture import ClassBeliefs, Picture
from skyfuse.tracking.output import COV_COLUMNS, track_rows

F64 = NDArray[np.float64]

TRACK_EXTRA_COLUMNS: Final = COV_COLUMNS
"""Position covariance in local East-North-Up, m^2 (for NEES), after the standard columns."""


@dataclass(frozen=True, slots=True)
class PictureRows:
    """Confirmed tracks at one time in scenario coordinates, with their class.

    ``pos``: x, y, z metres (ENU scenarios) or lat_deg, lon_deg, alt_m (WGS84);
    ``vel``: local East, North, Up m/s; ``cov_enu``: the six unique entries of the 3x3 position
    covariance in local ENU, m^2, in `TRACK_EXTRA_COLUMNS` order; ``cls``/``class_prob``: the most
    probable class and its probability (`unknown`, 0 where no belief exists).
    """

    time: float
    track_id: NDArray[np.int64]
    pos: F64
    vel: F64
    cov_enu: F64
    cls: list[str]
    class_prob: F64


def at_time(picture: Picture, time: float) -> Picture:
    """The picture extrapolated at constant velocity to ``time`` (s).

    A batch of delayed reports (e.g. acoustic, stamped at arrival) can leave the tracker's state
    time behind the batch's report time; the picture an operator sees at that report time is the
    tracks predicted to it. Covariances are left as they are (the gap is a fraction of a second).
    """
    dt = float(time) - picture.time
    if dt == 0.0 or len(picture) == 0:
        return replace(picture, time=float(time))
    state = picture.state.copy()
    state[:, :3] += state[:, 3:] * dt
    static = picture.static
    state[static, :3] = picture.state[static, :3]
    return replace(picture, time=float(time), state=state)


def picture_rows(
    picture: Picture, beliefs: ClassBeliefs | None = None, *, time: float | None = None
) -> PictureRows:
    """Select confirmed (and coasting) tracks, convert them, and attach their class.

    With ``time``, the rows are the picture extrapolated to that time (see `at_time`).
    """
    rows = track_rows(picture if time is None else at_time(picture, time))
    n = len(rows)
    probs = np.zeros((n, len(CLASSES)))
    probs[:, -1] = 1.0
    if beliefs is not None and len(beliefs) and n:
        order = np.argsort(beliefs.track_id, kind="stable")
        sorted_ids = beliefs.track_id[order]
        pos = np.clip(np.searchsorted(sorted_ids, rows.track_id), 0, len(sorted_ids) - 1)
        found = sorted_ids[pos] == rows.track_id
        probs[found] = beliefs.probs[order[pos[found]]]
    best = np.argmax(probs, axis=1)
    return PictureRows(
        rows.time,
        rows.track_id,
        rows.pos,
        rows.vel,
        rows.cov_columns(),
        [CLASSES[i] for i in best.tolist()],
        probs[np.arange(n), best],
    )
