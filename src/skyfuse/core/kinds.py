"""Sensor kinds and target classes, in the scenario format's own words."""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class SensorKind(IntEnum):
    """Sensor kinds of the scenario format; the integer code is used in columnar report arrays."""

    RADAR = 0
    ACOUSTIC = 1
    RF_DF = 2
    EO_IR = 3
    REMOTE_ID = 4
    ADSB = 5

    @property
    def label(self) -> str:
        """The kind's name in `sensors.json` (`radar`, `acoustic`, `rf_df`, ...)."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> SensorKind:
        """Parse a `sensors.json` kind name; raises KeyError for an unknown kind."""
        return cls[label.upper()]


SENSOR_KINDS: Final[tuple[str, ...]] = tuple(k.label for k in SensorKind)
COOPERATIVE_KINDS: Final[frozenset[SensorKind]] = frozenset({SensorKind.REMOTE_ID, SensorKind.ADSB})
BEARING_KINDS: Final[frozenset[SensorKind]] = frozenset(
    {SensorKind.ACOUSTIC, SensorKind.RF_DF, SensorKind.EO_IR}
)


class TargetClass(IntEnum):
    """Target classes; the integer code indexes class-probability vectors."""

    ATTACK_DRONE = 0
    DECOY = 1
    MULTIROTOR = 2
    FIXED_WING_UAV = 3
    BIRD = 4
    AIRCRAFT = 5
    GROUND_EMITTER = 6
    UNKNOWN = 7

    @property
    def label(self) -> str:
        """The class name used in files (`attack_drone`, `decoy`, ...)."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> TargetClass:
        """Parse a class name; raises KeyError for an unknown class."""
        return cls[label.upper()]


CLASSES: Final[tuple[str, ...]] = tuple(c.label for c in TargetClass)
"""All class labels in code order, `unknown` last."""
KNOWN_CLASSES: Final[tuple[str, ...]] = CLASSES[:-1]
"""Class labels a target can truly have (everything but `unknown`)."""
HOSTILE_CLASSES: Final[frozenset[str]] = frozenset({"attack_drone", "decoy"})
