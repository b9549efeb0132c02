"""Threat assessment (issue 5, section 2): site threats, engagement order, border crossings,
raids, launch areas and relay emitters, from the air picture and the class beliefs."""

from skyfuse.threat.assessor import (
    BorderCrossings,
    CoopState,
    Raids,
    Relays,
    SiteThreats,
    ThreatAssessor,
    ThreatConfig,
    ThreatPicture,
    TrackThreats,
    cooperative_state,
    hostile_probability,
)
from skyfuse.threat.context import ThreatContext
from skyfuse.threat.groups import LaunchArea
from skyfuse.threat.replay import picture_from_states, track_pictures, truth_pictures

__all__ = [
    "BorderCrossings",
    "CoopState",
    "LaunchArea",
    "Raids",
    "Relays",
    "SiteThreats",
    "ThreatAssessor",
    "ThreatConfig",
    "ThreatContext",
    "ThreatPicture",
    "TrackThreats",
    "cooperative_state",
    "hostile_probability",
    "picture_from_states",
    "track_pictures",
    "truth_pictures",
]
