"""Read and write a whole scenario folder (format version 2)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from skyfuse.core.errors import InputError, ScenarioError
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.detections import (
    ReadStats,
    describe_decode_error,
    read_detections,
    write_detections,
)
from skyfuse.scenario.model import (
    Context,
    SensorsFile,
    sensors_json,
    validate_context,
    validate_sensors,
)
from skyfuse.scenario.tables import (
    Targets,
    Truth,
    read_labels,
    read_targets,
    read_truth,
    write_labels,
    write_targets,
    write_truth,
)


def _read_bytes(path: Path) -> bytes:
    """A file's bytes, or `ScenarioError` naming it (missing, a directory, unreadable)."""
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ScenarioError(str(path), "file not found") from e
    except IsADirectoryError as e:
        raise ScenarioError(str(path), "is a directory, not a file") from e
    except OSError as e:
        raise ScenarioError(str(path), f"cannot be read ({e.strerror or e})") from e


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, max(pos, 0)) + 1


def _decode_json(path: Path, typ: type[Any]) -> Any:
    """Decode a JSON file into a schema type; every failure is a `ScenarioError` naming the
    file, and the line and field where the decoder can tell (NaN/Infinity literals, stray
    characters, invalid UTF-8, too deep nesting; for a wrong value, its JSON path)."""
    data = _read_bytes(path)
    if len(data) > MAX_JSON_BYTES:
        raise ScenarioError(str(path), f"larger than {MAX_JSON_BYTES} bytes")
    if not data.strip():
        raise ScenarioError(str(path), "file is empty")
    try:
        return msgspec.json.decode(data, type=typ)
    except msgspec.ValidationError as e:
        msg = str(e)
        fld = msg.split("at `$.", 1)[1].split("`", 1)[0] if "at `$." in msg else None
        if fld is None and "required field `" in msg:
            fld = msg.split("required field `", 1)[1].split("`", 1)[0]
        raise ScenarioError(str(path), msg, field=fld) from e
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as e:
        fld, reason, pos = describe_decode_error(data, e)
        line = None if pos is None else _line_of(data, pos)
        raise ScenarioError(str(path), reason, line=line, field=fld) from e


MAX_JSON_BYTES = 256 * 1024 * 1024
"""Largest accepted `sensors.json` / `context.json` (a country of 10,000 sensors is ~10 MB)."""


def read_sensors(folder: Path) -> SensorsFile:
    """Read and validate `sensors.json` (see `validate_sensors`)."""
    path = Path(folder) / "sensors.json"
    doc: SensorsFile = _decode_json(path, SensorsFile)
    validate_sensors(doc, str(path))
    return doc


def read_context(folder: Path, *, geodetic: bool | None = None) -> Context:
    """Read `context.json` if present (an empty context otherwise).

    With ``geodetic`` given (the frame of `sensors.json`), its values are checked too.
    """
    path = Path(folder) / "context.json"
    if not path.exists():
        return Context()
    ctx: Context = _decode_json(path, Context)
    if geodetic is not None:
        validate_context(ctx, str(path), geodetic=geodetic)
    return ctx


def check_output_file(path: Path, what: str = "output file") -> None:
    """Make sure ``path`` can be written as a file before any long computation.

    Missing parent folders are created (as ``mkdir -p``). Raises `InputError` naming the path
    when it is a folder, a part of its parent path is a file, the parent cannot be created, or
    the parent folder is not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(str(path), f"{what} is a directory, expected a file path")
    parent = path.parent
    for p in (parent, *parent.parents):
        if p.exists():
            if not p.is_dir():
                raise InputError(str(path), f"{what}: {p} is a file, not a directory")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(
            str(path), f"{what}: cannot create directory {parent} ({e.strerror or e})"
        ) from e
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(str(path), f"{what}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(str(path), f"{what} exists and is not writable")


@dataclass(frozen=True, slots=True)
class TrackerInputs:
    """What a tracker under test may read: sensors, reports, context."""

    sensors: SensorsFile
    catalog: SensorCatalog
    reports: Reports
    context: Context
    stats: ReadStats


def read_tracker_inputs(folder: Path, *, skip_bad: bool = False) -> TrackerInputs:
    """Read `sensors.json`, `detections.jsonl` and `context.json` of a scenario folder.

    Raises `ScenarioError` (naming file, line, field) for anything unusable, including a
    missing folder or file, an empty sensor list and a `detections.jsonl` without a usable
    report (empty, or every line rejected under ``skip_bad``).
    """
    folder = Path(folder)
    if not folder.exists():
        raise ScenarioError(str(folder), "scenario folder not found")
    if not folder.is_dir():
        raise ScenarioError(str(folder), "not a scenario folder (not a directory)")
    sensors = read_sensors(folder)
    catalog = SensorCatalog.build(sensors)
    context = read_context(folder, geodetic=catalog.frame.geodetic)
    path = folder / "detections.jsonl"
    reports, stats = read_detections(path, catalog, skip_bad=skip_bad)
    if not len(reports):
        if stats.skipped:
            raise ScenarioError(
                str(path), f"no usable report: every line was rejected; {stats.warning()}"
            )
        raise ScenarioError(str(path), "no reports: the file is empty")
    return TrackerInputs(sensors, catalog, reports, context, stats)


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What only the evaluator reads: truth, targets (optional), labels (optional)."""

    truth: Truth
    targets: Targets | None
    labels: tuple[Any, Any] | None


def read_ground_truth(folder: Path) -> GroundTruth:
    """Read `truth.csv`, and `targets.csv` / `labels.csv` when present."""
    folder = Path(folder)
    truth = read_truth(folder / "truth.csv")
    tp = folder / "targets.csv"
    lp = folder / "labels.csv"
    return GroundTruth(
        truth,
        read_targets(tp) if tp.exists() else None,
        read_labels(lp) if lp.exists() else None,
    )


def write_scenario(
    folder: Path,
    *,
    sensors: SensorsFile,
    reports: Reports,
    truth: Truth,
    labels: tuple[Any, Any],
    targets: Targets | None = None,
    context: Context | None = None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Write every file of a scenario folder (creating the folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    catalog = SensorCatalog.build(sensors)
    (folder / "sensors.json").write_bytes(sensors_json(sensors))
    write_detections(folder / "detections.jsonl", reports, catalog)
    write_truth(folder / "truth.csv", truth)
    write_labels(folder / "labels.csv", labels[0], labels[1])
    if targets is not None:
        write_targets(folder / "targets.csv", targets)
    if context is not None:
        (folder / "context.json").write_bytes(msgspec.json.format(msgspec.json.encode(context)))
    if meta is not None:
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
