"""The scenario folder format (`shared/spec/scenario-format.md`): schema, readers, writers."""

from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.detections import (
    DetectionReader,
    ReadStats,
    read_detections,
    write_detections,
)
from skyfuse.scenario.folder import (
    GroundTruth,
    TrackerInputs,
    check_output_file,
    read_context,
    read_ground_truth,
    read_sensors,
    read_tracker_inputs,
    write_scenario,
)
from skyfuse.scenario.model import (
    Border,
    Context,
    Coverage,
    Frame,
    Origin,
    Partner,
    SensorsFile,
    SensorSpec,
    Site,
)
from skyfuse.scenario.tables import (
    Targets,
    TrackTable,
    TrackWriter,
    Truth,
    read_labels,
    read_targets,
    read_tracks,
    read_truth,
)

__all__ = [
    "Border",
    "Context",
    "Coverage",
    "DetectionReader",
    "Frame",
    "GroundTruth",
    "Origin",
    "Partner",
    "ReadStats",
    "SensorCatalog",
    "SensorSpec",
    "SensorsFile",
    "Site",
    "Targets",
    "TrackTable",
    "TrackWriter",
    "TrackerInputs",
    "Truth",
    "check_output_file",
    "read_context",
    "read_detections",
    "read_ground_truth",
    "read_labels",
    "read_sensors",
    "read_targets",
    "read_tracker_inputs",
    "read_tracks",
    "read_truth",
    "write_detections",
    "write_scenario",
]
