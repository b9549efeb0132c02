"""Air pictures replayed from tables: ground truth (a perfect tracker and classifier) or a
`tracks.csv` written by `skyfuse track`.

These let the threat and alert stages run, be tested and be demonstrated without the live
tracker: each yields one (`Picture`, `ClassBeliefs`) per picture time, in the working frame.
Tables carry no covariance, so a diagonal one is assumed (``pos_sigma_m``, ``vel_sigma_mps``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES, SensorKind, TargetClass
from skyfuse.core.picture import ClassBeliefs, Picture, TrackStatus
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario.tables import Targets, TrackTable, Truth

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def picture_times(time: F64, step_s: float) -> F64:
    """Distinct times of ``time`` thinned so consecutive ones are at least ``step_s`` apart, s."""
    if step_s < 0:
        raise ValueError(f"picture_times: step_s must be >= 0, got {step_s}")
    uniq = np.unique(time)
    out: list[float] = []
    for t in uniq.tolist():
        if not out or t >= out[-1] + step_s - 1e-9:
            out.append(t)
    return np.array(out)


def picture_from_states(
    time: float,
    frame: WorkFrame,
    track_id: ArrayLike,
    state: ArrayLike,
    probs: ArrayLike | None = None,
    *,
    cov: ArrayLike | None = None,
    pos_sigma_m: float = 20.0,
    vel_sigma_mps: float = 2.0,
    static: ArrayLike | None = None,
    coop_id: Sequence[str | None] | None = None,
    first_time: ArrayLike | None = None,
    sensor_mask: int = 1 << int(SensorKind.RADAR),
) -> tuple[Picture, ClassBeliefs]:
    """A picture of confirmed tracks and their beliefs from plain arrays.

    Args:
        time: picture time, s.
        frame: working frame of ``state``.
        track_id: (n,) track numbers.
        state: (n, 6) working-frame position (m) and velocity (m/s).
        probs: (n, 8) class probabilities in `CLASSES` order (default: all `unknown`).
        cov: (n, 6, 6) covariance (default: diagonal from the two sigmas).
        static, coop_id, first_time: optional columns (default: moving, no identity, born now).
        sensor_mask: `SensorKind` bit mask given to every track.

    Raises ValueError naming the argument when shapes disagree.
    """
    tid = np.asarray(track_id, dtype=np.int64).reshape(-1)
    n = len(tid)
    x = np.asarray(state, dtype=np.float64).reshape(-1, 6) if n else np.zeros((0, 6))
    if x.shape != (n, 6):
        raise ValueError(f"picture_from_states: state must be ({n}, 6), got {x.shape}")
    if probs is None:
        p = np.zeros((n, len(CLASSES)))
        p[:, -1] = 1.0
    else:
        p = np.asarray(probs, dtype=np.float64).reshape(n, len(CLASSES))
    if cov is None:
        cov1 = np.diag([pos_sigma_m**2] * 3 + [vel_sigma_mps**2] * 3)
        P = np.broadcast_to(cov1, (n, 6, 6)).copy()
    else:
        P = np.asarray(cov, dtype=np.float64).reshape(n, 6, 6)
    coop = np.full(n, None, dtype=object)
    if coop_id is not None:
        if len(coop_id) != n:
            raise ValueError(f"picture_from_states: coop_id must have {n} entries")
        coop[:] = list(coop_id)
    pic = Picture(
        time=float(time),
        frame=frame,
        track_id=tid,
        state=x.copy(),
        cov=P,
        status=np.full(n, TrackStatus.CONFIRMED, dtype=np.int8),
        first_time=(
            np.full(n, float(time))
            if first_time is None
            else np.asarray(first_time, dtype=np.float64).reshape(n)
        ),
        last_update_time=np.full(n, float(time)),
        n_updates=np.ones(n, dtype=np.int32),
        mode_prob=np.tile([1.0, 0.0], (n, 1)),
        static=np.zeros(n, bool) if static is None else np.asarray(static, dtype=bool).reshape(n),
        coop_id=coop,
        spoof_suspect=np.zeros(n, dtype=bool),
        sensor_mask=np.full(n, sensor_mask, dtype=np.int32),
    )
    return pic, ClassBeliefs(float(time), tid.copy(), p)


def _pictures(
    frame: WorkFrame,
    time: F64,
    ids: I64,
    pos_scn: F64,
    vel_enu: F64,
    probs: F64,
    static: NDArray[np.bool_],
    coop: NDArray[np.object_],
    step_s: float,
    pos_sigma_m: float,
    vel_sigma_mps: float,
) -> Iterator[tuple[Picture, ClassBeliefs]]:
    """Shared body: rows (scenario coordinates, local ENU velocity) -> pictures per time."""
    pos = frame.to_work(pos_scn[:, 0], pos_scn[:, 1], pos_scn[:, 2]).reshape(-1, 3)
    vel = frame.velocity_from_local(pos, vel_enu)
    first_seen: dict[int, float] = {}
    order = np.argsort(time, kind="stable")
    st = time[order]
    for t in picture_times(time, step_s).tolist():
        lo = int(np.searchsorted(st, t, side="left"))
        hi = int(np.searchsorted(st, t, side="right"))
        rows = order[lo:hi]
        tid = ids[rows]
        for k in tid.tolist():
            first_seen.setdefault(int(k), t)
        yield picture_from_states(
            t,
            frame,
            tid,
            np.concatenate((pos[rows], vel[rows]), axis=1),
            probs[rows],
            pos_sigma_m=pos_sigma_m,
            vel_sigma_mps=vel_sigma_mps,
            static=static[rows],
            coop_id=list(coop[rows]),
            first_time=[first_seen[int(k)] for k in tid.tolist()],
        )


def truth_pictures(
    truth: Truth,
    targets: Targets | None,
    frame: WorkFrame,
    *,
    step_s: float = 1.0,
    class_prob: float = 0.9,
    pos_sigma_m: float = 20.0,
    vel_sigma_mps: float = 2.0,
) -> Iterator[tuple[Picture, ClassBeliefs]]:
    """Pictures of the true targets (one track per target, track id = target id).

    Beliefs put ``class_prob`` on the true class from ``targets`` and the rest on `unknown`
    (everything `unknown` without targets). Ground emitters are static; targets with a
    `coop_id` in `targets.csv` carry it as their cooperative identity.
    """
    if not 0.0 <= class_prob <= 1.0:
        raise ValueError(f"truth_pictures: class_prob must be in [0, 1], got {class_prob}")
    n = len(truth)
    probs = np.zeros((n, len(CLASSES)))
    static = np.zeros(n, dtype=bool)
    coop = np.full(n, None, dtype=object)
    if targets is None:
        probs[:, -1] = 1.0
    else:
        cls_of = targets.class_of()
        coop_col = targets.extra.get("coop_id")
        coop_of = (
            {int(t): str(c) for t, c in zip(targets.target_id, coop_col, strict=True) if c}
            if coop_col is not None
            else {}
        )
        missing = set(np.unique(truth.target_id).tolist()) - set(cls_of)
        if missing:
            raise InputError(
                "targets.csv", f"no row for target(s) {sorted(missing)[:5]}", field="target_id"
            )
        idx = np.array([CLASSES.index(cls_of[int(t)]) for t in truth.target_id], dtype=np.intp)
        probs[np.arange(n), idx] = class_prob
        probs[:, -1] += 1.0 - class_prob
        static = idx == int(TargetClass.GROUND_EMITTER)
        coop[:] = [coop_of.get(int(t)) for t in truth.target_id]
    yield from _pictures(
        frame,
        truth.time,
        truth.target_id,
        truth.pos,
        truth.vel,
        probs,
        static,
        coop,
        step_s,
        pos_sigma_m,
        vel_sigma_mps,
    )


def track_pictures(
    tracks: TrackTable,
    frame: WorkFrame,
    *,
    step_s: float = 0.0,
    pos_sigma_m: float = 30.0,
    vel_sigma_mps: float = 3.0,
) -> Iterator[tuple[Picture, ClassBeliefs]]:
    """Pictures of a `tracks.csv` table: ``class_prob`` on its class, the rest on `unknown`;
    `ground_emitter` tracks are static."""
    n = len(tracks)
    idx = np.array([CLASSES.index(c) for c in tracks.cls], dtype=np.intp).reshape(n)
    probs = np.zeros((n, len(CLASSES)))
    p = np.clip(np.nan_to_num(tracks.class_prob, nan=0.0), 0.0, 1.0)
    probs[np.arange(n), idx] = p
    probs[:, -1] += 1.0 - p
    static = idx == int(TargetClass.GROUND_EMITTER)
    coop = np.full(n, None, dtype=object)
    yield from _pictures(
        frame,
        tracks.time,
        tracks.track_id,
        tracks.pos,
        tracks.vel,
        probs,
        static,
        coop,
        step_s,
        pos_sigma_m,
        vel_sigma_mps,
    )
