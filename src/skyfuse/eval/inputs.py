"""Evaluator-side readers: report times from `detections.jsonl` and `alerts.jsonl`.

The evaluator needs only ``det_id`` and ``time`` (seconds from scenario start) of each report, so
it decodes just those two keys (the full reader in `skyfuse.scenario` builds every field).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec
import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import ScenarioError

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class _DetTime(msgspec.Struct):
    det_id: int
    time: float


T = TypeVar("T", bound=msgspec.Struct)


def _decode_lines(path: Path, typ: type[T]) -> tuple[list[T], list[int]]:
    """Decode a JSONL file in one call; on failure re-decode line by line to name the line.

    Returns the records and their 1-based line numbers (blank lines skipped).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise ScenarioError(str(path), "file not found") from e
    lines = raw.splitlines()
    numbers = [i for i, ln in enumerate(lines, start=1) if ln.strip()]
    body = [lines[i - 1] for i in numbers]
    try:
        whole = b"[" + b",".join(body) + b"]"
        recs: list[T] = msgspec.json.decode(whole, type=list[typ])  # type: ignore[valid-type]
        return recs, numbers
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    dec = msgspec.json.Decoder(typ)
    for ln in numbers:
        try:
            dec.decode(lines[ln - 1])
        except msgspec.ValidationError as e:
            msg = str(e)
            field = msg.rsplit("`$.", 1)[1].rstrip("`") if "`$." in msg else None
            raise ScenarioError(str(path), msg, line=ln, field=field) from e
        except msgspec.DecodeError as e:
            raise ScenarioError(str(path), f"not valid JSON ({e})", line=ln) from e
    raise ScenarioError(str(path), "could not decode the file")  # pragma: no cover


def read_detection_times(path: Path) -> tuple[I64, F64]:
    """(det_id, time s) of every report in a `detections.jsonl`, in file order."""
    path = Path(path)
    recs, numbers = _decode_lines(path, _DetTime)
    det_id = np.fromiter((r.det_id for r in recs), np.int64, len(recs))
    time = np.fromiter((r.time for r in recs), np.float64, len(recs))
    if not np.all(np.isfinite(time)):
        bad = int(np.flatnonzero(~np.isfinite(time))[0])
        raise ScenarioError(str(path), "time must be finite", line=numbers[bad], field="time")
    return det_id, time


class AlertRecord(msgspec.Struct, kw_only=True):
    """One line of `alerts.jsonl` (extra keys ignored). Times in s, ``eta_s`` in s."""

    time: float
    alert_id: str | int
    kind: str
    track_id: int | str | None = None
    site_id: str | None = None
    border_id: str | None = None
    eta_s: float | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Alerts:
    """Distinct alerts (one per ``alert_id``, at its first time), columns.

    ``track_id`` is -1 where the alert names no track; ``site_id`` / ``border_id`` are '' where
    absent. ``n_lines`` counts every line, lifecycle updates included.
    """

    time: F64
    alert_id: NDArray[np.str_]
    kind: NDArray[np.str_]
    track_id: I64
    site_id: NDArray[np.str_]
    border_id: NDArray[np.str_]
    n_lines: int

    def __len__(self) -> int:
        return int(self.time.shape[0])


def read_alerts(path: Path) -> Alerts:
    """Read `alerts.jsonl`; an ``alert_id`` seen again (lifecycle ``state``) counts once.

    Raises `ScenarioError` naming the line and field for an unusable line.
    """
    path = Path(path)
    recs, numbers = _decode_lines(path, AlertRecord)
    first: dict[str, AlertRecord] = {}
    for ln, r in zip(numbers, recs, strict=True):
        if not np.isfinite(r.time):
            raise ScenarioError(str(path), "time must be finite", line=ln, field="time")
        if isinstance(r.track_id, str) and not r.track_id.lstrip("-").isdigit():
            raise ScenarioError(
                str(path), f"track_id {r.track_id!r} is not an integer", line=ln, field="track_id"
            )
        key = str(r.alert_id)
        if key not in first or r.time < first[key].time:
            first[key] = r
    rows = sorted(first.values(), key=lambda r: (r.time, str(r.alert_id)))
    return Alerts(
        time=np.array([r.time for r in rows], dtype=np.float64),
        alert_id=np.array([str(r.alert_id) for r in rows], dtype=str),
        kind=np.array([r.kind for r in rows], dtype=str),
        track_id=np.array(
            [int(r.track_id) if r.track_id is not None else -1 for r in rows], dtype=np.int64
        ),
        site_id=np.array([r.site_id or "" for r in rows], dtype=str),
        border_id=np.array([r.border_id or "" for r in rows], dtype=str),
        n_lines=len(recs),
    )
