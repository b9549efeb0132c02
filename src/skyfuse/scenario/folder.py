"""Read and write a whole scenario folder (format version 2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from skyfuse.core.errors import ScenarioError
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.detections import ReadStats, read_detections, write_detections
from skyfuse.scenario.model import Context, SensorsFile, validate_sensors
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


def _decode_json(path: Path, typ: type[Any]) -> Any:
    try:
        return msgspec.json.decode(path.read_bytes(), type=typ)
    except msgspec.ValidationError as e:
        raise ScenarioError(str(path), str(e)) from e
    except msgspec.DecodeError as e:
        raise ScenarioError(str(path), f"not valid JSON ({e})") from e
    except FileNotFoundError as e:
        raise ScenarioError(str(path), "file not found") from e


def read_sensors(folder: Path) -> SensorsFile:
    """Read and validate `sensors.json`."""
    path = Path(folder) / "sensors.json"
    doc: SensorsFile = _decode_json(path, SensorsFile)
    validate_sensors(doc, str(path))
    return doc


def read_context(folder: Path) -> Context:
    """Read `context.json` if present (an empty context otherwise)."""
    path = Path(folder) / "context.json"
    if not path.exists():
        return Context()
    ctx: Context = _decode_json(path, Context)
    return ctx


@dataclass(frozen=True, slots=True)
class TrackerInputs:
    """What a tracker under test may read: sensors, reports, context."""

    sensors: SensorsFile
    catalog: SensorCatalog
    reports: Reports
    context: Context
    stats: ReadStats


def read_tracker_inputs(folder: Path, *, skip_bad: bool = False) -> TrackerInputs:
    """Read `sensors.json`, `detections.jsonl` and `context.json` of a scenario folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(str(folder), "not a scenario folder")
    sensors = read_sensors(folder)
    catalog = SensorCatalog.build(sensors)
    reports, stats = read_detections(folder / "detections.jsonl", catalog, skip_bad=skip_bad)
    return TrackerInputs(sensors, catalog, reports, read_context(folder), stats)


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
    (folder / "sensors.json").write_bytes(msgspec.json.format(msgspec.json.encode(sensors)))
    write_detections(folder / "detections.jsonl", reports, catalog)
    write_truth(folder / "truth.csv", truth)
    write_labels(folder / "labels.csv", labels[0], labels[1])
    if targets is not None:
        write_targets(folder / "targets.csv", targets)
    if context is not None:
        (folder / "context.json").write_bytes(msgspec.json.format(msgspec.json.encode(context)))
    if meta is not None:
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
