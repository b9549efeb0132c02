"""Test helpers: tiny scenario folders and track tables, written with the real scenario writers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from skyfuse.scenario import Targets, TrackTable, TrackWriter, Truth, read_tracks
from skyfuse.scenario.tables import write_labels, write_targets, write_truth

TruthRow = tuple[float, int, float, float, float]
"""time s, target_id, x, y, z (m)."""
TrackRow = tuple[float, int, float, float, float, str]
"""time s, track_id, x, y, z (m), class."""


def write_folder(
    folder: Path,
    truth: Sequence[TruthRow],
    *,
    det_times: Sequence[float] | None = None,
    targets: Targets | None = None,
    labels: tuple[Sequence[int], Sequence[int]] | None = None,
    context: dict[str, object] | None = None,
) -> Path:
    """Write truth.csv, detections.jsonl (det_id, time only; one per scoring time unless
    ``det_times`` is given), and optionally targets.csv, labels.csv, context.json."""
    folder.mkdir(parents=True, exist_ok=True)
    arr = np.array(truth, dtype=np.float64).reshape(-1, 5)
    write_truth(
        folder / "truth.csv",
        Truth(
            time=arr[:, 0],
            target_id=arr[:, 1].astype(np.int64),
            pos=arr[:, 2:5],
            vel=np.zeros((arr.shape[0], 3)),
            geodetic=False,
        ),
    )
    times = sorted(set(arr[:, 0].tolist())) if det_times is None else list(det_times)
    lines = [json.dumps({"det_id": i, "time": t, "sensor_id": "r"}) for i, t in enumerate(times)]
    (folder / "detections.jsonl").write_text("\n".join(lines) + "\n")
    if targets is not None:
        write_targets(folder / "targets.csv", targets)
    if labels is not None:
        write_labels(
            folder / "labels.csv",
            np.asarray(labels[0], dtype=np.int64),
            np.asarray(labels[1], dtype=np.int64),
        )
    if context is not None:
        (folder / "context.json").write_text(json.dumps(context))
    return folder


def write_tracks(
    path: Path, rows: Sequence[TrackRow], *, cov: Sequence[Sequence[float]] | None = None
) -> TrackTable:
    """Write rows with `TrackWriter` (grouped by time) and read them back with `read_tracks`."""
    extra = ("cxx", "cxy", "cxz", "cyy", "cyz", "czz") if cov is not None else ()
    with TrackWriter(path, geodetic=False, extra=extra) as w:
        times = sorted({r[0] for r in rows})
        for t in times:
            idx = [i for i, r in enumerate(rows) if r[0] == t]
            w.write(
                t,
                np.array([rows[i][1] for i in idx], dtype=np.int64),
                np.array([rows[i][2:5] for i in idx], dtype=np.float64),
                np.zeros((len(idx), 3)),
                [rows[i][5] for i in idx],
                np.full(len(idx), 0.9),
                np.array([cov[i] for i in idx], dtype=np.float64) if cov is not None else None,
            )
    return read_tracks(path)


def make_targets(
    ids: Sequence[int],
    classes: Sequence[str],
    *,
    hostile: Sequence[bool] | None = None,
    goal_site: Sequence[str] | None = None,
    extra: dict[str, Sequence[str]] | None = None,
) -> Targets:
    """A `Targets` table from columns."""
    n = len(ids)
    return Targets(
        target_id=np.asarray(ids, dtype=np.int64),
        cls=np.asarray(classes, dtype=str),
        hostile=np.asarray(hostile if hostile is not None else [False] * n, dtype=bool),
        goal_site=np.asarray(goal_site if goal_site is not None else [""] * n, dtype=str),
        extra={k: np.asarray(v, dtype=str) for k, v in (extra or {}).items()},
    )
