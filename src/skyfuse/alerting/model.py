"""The alert record (one line of `alerts.jsonl`) and the words operators read.

Every record carries the keys of the scenario format (`time`, `alert_id`, `kind`, `track_id`,
`site_id` / `border_id`, `eta_s`) plus the lifecycle `state`, `class`, `class_prob`, `priority`
and a `reason` sentence. Keys an alert kind does not use are written as null. Times in seconds
from scenario start; distances in metres; points in scenario coordinates (x, y metres in `ENU`
scenarios, lat, lon degrees in `WGS84` scenarios).
"""

from __future__ import annotations

import math
from typing import Final, Literal

import msgspec

from skyfuse.core.kinds import SensorKind

AlertKind = Literal["site_threat", "border_crossing", "raid", "launch_area", "relay"]
AlertState = Literal["new", "updated", "escalated", "cleared"]
ALERT_KINDS: Final[tuple[str, ...]] = (
    "site_threat",
    "border_crossing",
    "raid",
    "launch_area",
    "relay",
)
ALERT_STATES: Final[tuple[str, ...]] = ("new", "updated", "escalated", "cleared")


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert lifecycle event.

    Attributes:
        time: event time, s.
        alert_id: stable identifier of the alert across its events.
        kind: what the alert is about.
        state: `new`, `updated`, `escalated` or `cleared`.
        track_id: the track concerned (site, border and relay alerts), else None.
        site_id: protected site (site alerts only; raids name theirs in ``toward_site_id``).
        border_id, partner: border and partner (border alerts only).
        raid_id, area_id: raid / launch-area number (raid, launch-area alerts).
        eta_s: time to impact at the site, to the border crossing, or to the raid's first
            arrival, s (None if none).
        cls, class_prob: the class named and its probability (written as `class`).
        priority: 1 flash (escalated: imminent or confirmed), 2 immediate, 3 routine.
        rank: engagement order of the track across all site threats (1 = engage first).
        p_threat: probability behind the alert (hostile x passing within the radius, or the
            belief mass on classes shared with the partner).
        range_m: horizontal distance from the track to the site or crossing point, m.
        point: impact, crossing, launch or emitter point in scenario coordinates.
        point_sigma_m: its uncertainty, m (95 % radius for impacts, 1-sigma otherwise).
        n_tracks, track_ids: raid members / tracks supporting a launch area or a relay.
        toward_site_id: the site most of a raid is heading to.
        sensors: sensor kinds that updated the track (never sent to a redacting partner).
        reason: one sentence for the operator.
    """

    time: float
    alert_id: str
    kind: AlertKind
    state: AlertState
    track_id: int | None = None
    site_id: str | None = None
    border_id: str | None = None
    partner: str | None = None
    raid_id: int | None = None
    area_id: int | None = None
    eta_s: float | None = None
    cls: str | None = msgspec.field(default=None, name="class")
    class_prob: float | None = None
    priority: int = 3
    rank: int | None = None
    p_threat: float | None = None
    range_m: float | None = None
    point: tuple[float, float] | None = None
    point_sigma_m: float | None = None
    n_tracks: int | None = None
    track_ids: list[int] | None = None
    toward_site_id: str | None = None
    sensors: list[str] | None = None
    reason: str = ""


_CLASS_WORDS: Final[dict[str, str]] = {
    "attack_drone": "Attack drone",
    "decoy": "Decoy",
    "multirotor": "Multirotor",
    "fixed_wing_uav": "Fixed-wing UAV",
    "bird": "Bird",
    "aircraft": "Aircraft",
    "ground_emitter": "Ground emitter",
    "unknown": "Unknown fast track",
}


def class_words(label: str) -> str:
    """Operator wording of a class label (`attack_drone` -> 'Attack drone')."""
    return _CLASS_WORDS.get(label, label.replace("_", " ").capitalize())


def duration_words(seconds: float) -> str:
    """'45 s', '2 min 10 s', '1 h 05 min' (rounded to the second, negative as 0 s)."""
    if not math.isfinite(seconds):
        return "unknown"
    s = round(max(seconds, 0.0))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        m, r = divmod(s, 60)
        return f"{m} min {r} s" if r else f"{m} min"
    h, r = divmod(s, 3600)
    return f"{h} h {r // 60:02d} min"


def distance_words(metres: float) -> str:
    """'850 m' under 1 km (to 10 m), '4.1 km' under 100 km, '120 km' beyond."""
    if not math.isfinite(metres):
        return "unknown distance"
    if metres < 1000.0:
        return f"{round(metres, -1):.0f} m"
    if metres < 100_000.0:
        return f"{metres / 1000.0:.1f} km"
    return f"{metres / 1000.0:.0f} km"


_KIND_BITS: Final[tuple[tuple[int, str], ...]] = tuple((1 << int(k), k.label) for k in SensorKind)


def sensor_words(mask: int) -> list[str]:
    """Sensor kinds in a `Picture.sensor_mask` bit mask, in code order (`radar`, `acoustic`...)."""
    return [label for bit, label in _KIND_BITS if mask & bit]
