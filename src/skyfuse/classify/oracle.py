"""A truth-aligned stand-in for the tracker: replays a scenario folder as `TrackerOutput`s.

Used to train and test the classifier on its own, independent of tracker quality: each target
becomes one track (track id = target id) from its first labelled report; the track state is the
true state plus Gaussian noise of a tracker's size; associations are the labels (`labels.csv`).
A track is deleted when its target leaves `truth.csv` or has not been reported for
``coast_s`` seconds. Cooperative identity, static and spoof flags come from `targets.csv`.

This is evaluation tooling (it reads `truth.csv`, `labels.csv` and `targets.csv`); a tracker
under test never sees those files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import ScenarioError
from skyfuse.core.picture import Associations, Picture, TrackerOutput, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.folder import read_ground_truth, read_tracker_inputs

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class OracleScenario:
    """A scenario with what the oracle needs: catalogue, reports, truth and labels.

    Attributes:
        catalog: sensors in the working frame.
        reports: all reports, sorted by time.
        target_of_report: (n,) target id of each report (-1 = false report).
        truth_time: (T,) distinct truth sample times, s.
        truth_row_time: (R,) time of each truth row (rows sorted by time, then id).
        truth_id: (R,) target id per truth row.
        truth_pos, truth_vel: (R, 3) working-frame position (m) and velocity (m/s).
        target_ids: (N,) target ids of `targets.csv`; ``classes`` their class labels.
        coop_id: (N,) cooperative identity or None; ``spoofed``: (N,) spoofing targets.
    """

    catalog: SensorCatalog
    reports: Reports
    target_of_report: I64
    truth_time: F64
    truth_row_time: F64
    truth_id: I64
    truth_pos: F64
    truth_vel: F64
    target_ids: I64
    classes: tuple[str, ...]
    coop_id: NDArray[np.object_]
    spoofed: NDArray[np.bool_]


def load_oracle_scenario(folder: Path) -> OracleScenario:
    """Read a scenario folder with ground truth (`truth.csv`, `labels.csv`, `targets.csv`)."""
    folder = Path(folder)
    inputs = read_tracker_inputs(folder)
    gt = read_ground_truth(folder)
    if gt.labels is None:
        raise ScenarioError(str(folder / "labels.csv"), "missing: the oracle needs labels")
    if gt.targets is None:
        raise ScenarioError(str(folder / "targets.csv"), "missing: the oracle needs classes")
    det, tid = (np.asarray(x, dtype=np.int64) for x in gt.labels)
    order = np.argsort(det)
    r = inputs.reports
    pos = np.minimum(np.searchsorted(det[order], r.det_id), max(det.size - 1, 0))
    if det.size == 0 or np.any(det[order][pos] != r.det_id):
        raise ScenarioError(
            str(folder / "labels.csv"), "does not label every det_id", field="det_id"
        )
    frame = inputs.catalog.frame
    tr = gt.truth
    p = frame.to_work(tr.pos[:, 0], tr.pos[:, 1], tr.pos[:, 2])
    v = frame.velocity_from_local(p, tr.vel) if tr.geodetic else tr.vel.astype(np.float64)
    tg = gt.targets
    coop = tg.extra.get("coop_id", np.full(len(tg), "", dtype=str))
    spoof = tg.float_col("spoof_offset_m")
    return OracleScenario(
        catalog=inputs.catalog,
        reports=r,
        target_of_report=tid[order][pos],
        truth_time=np.unique(tr.time),
        truth_row_time=np.asarray(tr.time, dtype=np.float64),
        truth_id=tr.target_id,
        truth_pos=np.asarray(p, dtype=np.float64),
        truth_vel=np.asarray(v, dtype=np.float64),
        target_ids=tg.target_id,
        classes=tuple(tg.cls.tolist()),
        coop_id=np.array([c if c else None for c in coop.tolist()], dtype=object),
        spoofed=np.nan_to_num(spoof, nan=0.0) > 0,
    )


def oracle_outputs(
    sc: OracleScenario,
    *,
    seed: int = 0,
    pos_sigma_m: float = 15.0,
    vel_sigma_mps: float = 2.0,
    coast_s: float = 10.0,
) -> Iterator[tuple[TrackerOutput, Reports]]:
    """Yield (TrackerOutput, batch) per distinct report time, as a perfect-association tracker.

    The state is truth + N(0, sigma^2) per axis (seeded), the covariance diag(sigma^2).
    """
    rng = np.random.default_rng(seed)
    all_times = sc.truth_time
    bounds = np.append(np.searchsorted(sc.truth_row_time, all_times), sc.truth_row_time.size)
    tid_all = sc.target_ids
    coop_lut = dict(zip(tid_all.tolist(), sc.coop_id.tolist(), strict=True))
    spoof_lut = dict(zip(tid_all.tolist(), sc.spoofed.tolist(), strict=True))
    first: dict[int, float] = {}
    last_rep: dict[int, float] = {}
    n_upd: dict[int, int] = {}
    live: set[int] = set()
    i0 = 0
    r = sc.reports
    for batch in r.batches_by_time():
        t = float(batch.time[0])
        tgt = sc.target_of_report[i0 : i0 + len(batch)]
        i0 += len(batch)
        k = min(int(np.searchsorted(all_times, t, side="right")) - 1, all_times.size - 1)
        k = max(k, 0)
        a, b = bounds[k], bounds[k + 1]
        alive_ids = sc.truth_id[a:b]
        hit = tgt >= 0
        for tt in np.unique(tgt[hit]).tolist():  # per target *seen this batch*
            first.setdefault(tt, t)
            last_rep[tt] = t
            n_upd[tt] = n_upd.get(tt, 0) + 1
        alive_set = set(alive_ids.tolist())
        now = {i for i in (live | set(first)) if i in alive_set and t - last_rep[i] <= coast_s}
        deleted = np.array(sorted(live - now), dtype=np.int64)
        live = now
        ids = np.array(sorted(live), dtype=np.int64)
        order = np.argsort(alive_ids, kind="stable")
        sel = order[np.searchsorted(alive_ids[order], ids)]
        pos = sc.truth_pos[a:b][sel] + rng.normal(0.0, pos_sigma_m, (ids.size, 3))
        vel = sc.truth_vel[a:b][sel] + rng.normal(0.0, vel_sigma_mps, (ids.size, 3))
        cov = np.zeros((ids.size, 6, 6))
        cov[:, [0, 1, 2], [0, 1, 2]] = pos_sigma_m**2
        cov[:, [3, 4, 5], [3, 4, 5]] = vel_sigma_mps**2
        speed = np.linalg.norm(sc.truth_vel[a:b][sel], axis=1)
        il = ids.tolist()
        pic = Picture(
            time=t,
            frame=sc.catalog.frame,
            track_id=ids,
            state=np.concatenate([pos, vel], axis=1),
            cov=cov,
            status=np.full(ids.size, TrackStatus.CONFIRMED, np.int8),
            first_time=np.array([first[i] for i in il], dtype=np.float64),
            last_update_time=np.array([last_rep[i] for i in il], dtype=np.float64),
            n_updates=np.array([n_upd[i] for i in il], dtype=np.int32),
            mode_prob=np.ones((ids.size, 1)),
            static=speed < 0.1,
            coop_id=np.array([coop_lut.get(i) for i in il], dtype=object),
            spoof_suspect=np.array([spoof_lut.get(i, False) for i in il], dtype=bool),
            sensor_mask=np.zeros(ids.size, np.int32),
        )
        keep = hit & np.isin(tgt, ids)
        assoc = Associations(
            batch.det_id[keep].astype(np.int64),
            tgt[keep].astype(np.int64),
            np.ones(int(keep.sum())),
        )
        yield TrackerOutput(pic, assoc, deleted), batch
