"""Scoring over time: GOSPA / OSPA per scoring time and the CLEAR-MOT pairing of truths to tracks.

Inputs are columnar rows (truth rows and track rows), each tagged with the index of its scoring
time and a dense object index (truth target or track id mapped to 0..U-1 / 0..K-1). Positions are
metres in one Cartesian frame (scenario ENU, or ECEF for WGS84 scenarios).

CLEAR-MOT pairing (Bernardin & Stiefelhagen 2008): at each time, keep the previous time's
(truth, track) pairs while both still exist and are closer than ``c``; pair the remaining truths
and tracks by the GOSPA-optimal assignment. A truth's pairing is an ID switch when its track
differs from the last track it was paired with (gaps in between allowed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.eval.gospa import close_pairs, gospa_parts, match_edges

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with scoring-time counts."""


@dataclass(frozen=True, slots=True)
class Rows:
    """Objects (truths or tracks) at scoring times, sorted by ``step``.

    ``step``: scoring-time index; ``obj``: dense object index; ``pos``: (n, 3) metres.
    """

    step: I64
    obj: I64
    pos: F64

    def __len__(self) -> int:
        return int(self.step.shape[0])

    def bounds(self, n_steps: int) -> I64:
        """Row offsets: rows of step k are ``[b[k], b[k+1])``."""
        return np.searchsorted(self.step, np.arange(n_steps + 1)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class StepScores:
    """Per scoring time: counts, GOSPA at ``p`` (total and parts, m^p), GOSPA at p = 2, OSPA."""

    n_truths: I64
    n_tracks: I64
    gospa: F64
    localisation: F64
    missed: F64
    false: F64
    gospa_p2: F64
    ospa: F64


@dataclass(frozen=True, slots=True)
class PairTable:
    """CLEAR-MOT pairs over all times, sorted by step.

    ``truth_row`` / ``track_row`` index the `Rows` given; ``distance`` metres; ``switch`` marks
    an ID switch; ``kept`` marks a pair carried over from the previous time.
    """

    step: I64
    truth_row: I64
    track_row: I64
    distance: F64
    switch: NDArray[np.bool_]
    kept: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.step.shape[0])


def _ospa(m: int, n: int, loc_p: float, k: int, c: float, p: float) -> float:
    big = max(m, n)
    if big == 0:
        return 0.0
    return float(((loc_p + c**p * (big - k)) / big) ** (1.0 / p))


def score_over_time(
    n_steps: int,
    truths: Rows,
    tracks: Rows,
    *,
    n_truth_objects: int,
    n_track_objects: int,
    c: float = 100.0,
    p: float = 1.0,
    progress: Progress | None = None,
) -> tuple[StepScores, PairTable]:
    """GOSPA (at ``p`` and at 2), OSPA at ``p`` and the CLEAR-MOT pairing at every scoring time.

    One assignment per time and pairing rule; candidate pairs (d < c, metres) come from one k-d
    tree query per time. Track objects must be unique within a time (so must truths).
    """
    for name, rows, n_obj in (
        ("truths", truths, n_truth_objects),
        ("tracks", tracks, n_track_objects),
    ):
        if np.any(np.diff(rows.step) < 0) or (
            len(rows) and (rows.step[0] < 0 or rows.step[-1] >= n_steps)
        ):
            raise ValueError(f"{name}.step: rows must be sorted by step, within [0, {n_steps})")
        if len(rows) and (rows.obj.min() < 0 or rows.obj.max() >= n_obj):
            raise ValueError(f"{name}.obj: object indices must lie in [0, {n_obj})")
    tb = truths.bounds(n_steps)
    kb = tracks.bounds(n_steps)
    out = {
        k: np.zeros(n_steps)
        for k in ("gospa", "localisation", "missed", "false", "gospa_p2", "ospa")
    }
    prev_pair = np.full(n_truth_objects, -1, np.int64)  # track paired at the previous step
    prev_truths = np.zeros(0, np.int64)
    last_track = np.full(n_truth_objects, -1, np.int64)  # last track ever paired (gaps allowed)
    local_of_track = np.full(n_track_objects, -1, np.int64)
    # Seeded with empty arrays so that concatenation is well typed even with no steps.
    steps: list[I64] = [np.zeros(0, np.int64)]
    t_rows: list[I64] = [np.zeros(0, np.int64)]
    k_rows: list[I64] = [np.zeros(0, np.int64)]
    dists: list[F64] = [np.zeros(0)]
    switches: list[NDArray[np.bool_]] = [np.zeros(0, bool)]
    kepts: list[NDArray[np.bool_]] = [np.zeros(0, bool)]
    for s in range(n_steps):
        t0, t1, k0, k1 = int(tb[s]), int(tb[s + 1]), int(kb[s]), int(kb[s + 1])
        m, n = t1 - t0, k1 - k0
        X = truths.pos[t0:t1]
        Y = tracks.pos[k0:k1]
        uid = truths.obj[t0:t1]
        kid = tracks.obj[k0:k1]
        ei, ej, ed = close_pairs(X, Y, c)

        # GOSPA / OSPA at p, and GOSPA at p = 2.
        _, _, gd = match_edges(m, n, ei, ej, ed, c, p)
        total, loc, missed, false = gospa_parts(m, n, gd, c, p)
        out["gospa"][s], out["localisation"][s] = total, loc
        out["missed"][s], out["false"][s] = missed, false
        out["ospa"][s] = _ospa(m, n, loc, gd.shape[0], c, p)
        if p == 2.0:
            out["gospa_p2"][s] = total
        else:
            _, _, gd2 = match_edges(m, n, ei, ej, ed, c, 2.0)
            out["gospa_p2"][s] = gospa_parts(m, n, gd2, c, 2.0)[0]

        # CLEAR-MOT: keep last step's pairs still valid, assign the rest.
        local_of_track[kid] = np.arange(n)
        cand = np.flatnonzero(prev_pair[uid] >= 0)
        cand_k = local_of_track[prev_pair[uid[cand]]]
        ok = cand_k >= 0
        cand, cand_k = cand[ok], cand_k[ok]
        dk = np.linalg.norm(X[cand] - Y[cand_k], axis=1) if cand.size else np.zeros(0)
        ok = dk < c
        keep_i, keep_j, keep_d = cand[ok], cand_k[ok], dk[ok]
        local_of_track[kid] = -1
        free_t = np.ones(m, bool)
        free_t[keep_i] = False
        free_k = np.ones(n, bool)
        free_k[keep_j] = False
        sel = free_t[ei] & free_k[ej]
        fi, fj, fd = match_edges(m, n, ei[sel], ej[sel], ed[sel], c, p)
        pi = np.concatenate([keep_i, fi])
        pj = np.concatenate([keep_j, fj])
        pd = np.concatenate([keep_d, fd])
        kept = np.concatenate([np.ones(keep_i.size, bool), np.zeros(fi.size, bool)])
        pu, pk = uid[pi], kid[pj]
        before = last_track[pu]
        switch = (before >= 0) & (before != pk)
        last_track[pu] = pk
        prev_pair[prev_truths] = -1
        prev_pair[pu] = pk
        prev_truths = pu

        steps.append(np.full(pi.size, s, np.int64))
        t_rows.append(t0 + pi)
        k_rows.append(k0 + pj)
        dists.append(pd)
        switches.append(switch)
        kepts.append(kept)
        if progress is not None:
            progress(s + 1, n_steps)

    scores = StepScores(
        n_truths=np.diff(tb),
        n_tracks=np.diff(kb),
        gospa=out["gospa"],
        localisation=out["localisation"],
        missed=out["missed"],
        false=out["false"],
        gospa_p2=out["gospa_p2"],
        ospa=out["ospa"],
    )

    pairs = PairTable(
        step=np.concatenate(steps),
        truth_row=np.concatenate(t_rows),
        track_row=np.concatenate(k_rows),
        distance=np.concatenate(dists),
        switch=np.concatenate(switches),
        kept=np.concatenate(kepts),
    )
    return scores, pairs
