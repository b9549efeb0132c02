"""Core vocabulary shared by every stage: sensor kinds, target classes, reports, errors."""

from skyfuse.core.errors import InputError, ScenarioError
from skyfuse.core.kinds import CLASSES, COOPERATIVE_KINDS, SENSOR_KINDS, SensorKind, TargetClass
from skyfuse.core.reports import Reports

__all__ = [
    "CLASSES",
    "COOPERATIVE_KINDS",
    "SENSOR_KINDS",
    "InputError",
    "Reports",
    "ScenarioError",
    "SensorKind",
    "TargetClass",
]

from skyfuse.core.picture import Associations, ClassBeliefs, Picture, TrackerOutput, TrackStatus

__all__ += ["Associations", "ClassBeliefs", "Picture", "TrackStatus", "TrackerOutput"]
