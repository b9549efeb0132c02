"""Typed schema of `sensors.json`, `context.json` and `meta.json` (scenario format version 2).

Readers ignore keys they do not know (the format allows extra keys); writers emit only the
fields that are set. Units are the format's: metres, seconds, degrees.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from skyfuse.core.kinds import SENSOR_KINDS

INF = math.inf


class Origin(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A geodetic reference point (degrees, metres above the WGS-84 ellipsoid)."""

    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0


class Frame(msgspec.Struct, kw_only=True, omit_defaults=True):
    """`sensors.json` frame: `ENU` (flat, metres) or `WGS84` (geodetic, ellipsoidal)."""

    type: Literal["ENU", "WGS84"] = "ENU"
    origin_wgs84: Origin | None = None
    units: str | None = None
    earth_model: str | None = None
    azimuth: str | None = None
    elevation: str | None = None
    range: str | None = None


class Coverage(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where a sensor can report: range (m), azimuth sector (deg, clockwise a -> b), elevation."""

    min_range_m: float = 0.0
    max_range_m: float = INF
    azimuth_deg: tuple[float, float] = (0.0, 360.0)
    min_elevation_deg: float = -90.0
    max_elevation_deg: float = 90.0
    max_range_m_by_class: dict[str, float] = msgspec.field(default_factory=dict)
    bands_mhz: list[tuple[float, float]] = msgspec.field(default_factory=list)


class SensorSpec(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One sensor of `sensors.json`. Exactly one of the two position fields is set."""

    sensor_id: str
    kind: str
    position_enu_m: tuple[float, float, float] | None = None
    position_wgs84: tuple[float, float, float] | None = None
    noise_sigma: dict[str, float] = msgspec.field(default_factory=dict)
    pd: float = 0.9
    clutter_rate_per_scan: float = 0.0
    coverage: Coverage = msgspec.field(default_factory=Coverage)
    scan_period_s: float | None = None
    first_scan_time_s: float | None = None
    n_scans: int | None = None
    report_period_s: float | None = None
    first_report_time_s: float | None = None
    n_reports: int | None = None
    speed_of_sound_mps: float | None = None
    boresight_azimuth_deg: float | None = None
    class_vocabulary: list[str] | None = None
    fundamental_hz_sigma_by_class: dict[str, float] | None = None
    clutter_model: str | None = None
    rcs_model: str | None = None
    rssi_model: str | None = None
    time_is: str | None = None

    @property
    def period_s(self) -> float | None:
        """Scan or report period, seconds (None if not given)."""
        return self.scan_period_s if self.scan_period_s is not None else self.report_period_s

    def report_times(self) -> list[float]:
        """Scheduled scan/report times, seconds (empty if the schedule is not given)."""
        if self.scan_period_s is not None and self.n_scans is not None:
            t0 = self.first_scan_time_s or 0.0
            return [t0 + i * self.scan_period_s for i in range(self.n_scans)]
        if self.report_period_s is not None and self.n_reports is not None:
            t0 = self.first_report_time_s or 0.0
            return [t0 + i * self.report_period_s for i in range(self.n_reports)]
        return []


class SensorsFile(msgspec.Struct, kw_only=True):
    """The whole `sensors.json`."""

    frame: Frame
    sensors: list[SensorSpec]


class Site(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A protected site: centre (x, y metres, or lat/lon degrees in WGS84), radius, priority.

    Priority 1 is the most important.
    """

    site_id: str
    name: str = ""
    x: float | None = None
    y: float | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    radius_m: float = 500.0
    priority: int = 1


class Border(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A border polyline; the partner's side is on the left walking from first to last point.

    Points are [x, y] metres (ENU) or [lat_deg, lon_deg] (WGS84).
    """

    border_id: str
    partner: str
    points: list[tuple[float, float]]


class Partner(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A partner that receives filtered warnings: which classes, and whether to hide our sites."""

    partner: str
    share: list[str] = msgspec.field(default_factory=list)
    redact_sensor_sites: bool = True


class Context(msgspec.Struct, kw_only=True, omit_defaults=True):
    """`context.json`: protected sites, borders and partners (all optional)."""

    sites: list[Site] = msgspec.field(default_factory=list)
    borders: list[Border] = msgspec.field(default_factory=list)
    partners: list[Partner] = msgspec.field(default_factory=list)


def validate_sensors(doc: SensorsFile, source: str) -> None:
    """Check what the schema cannot: known kinds, one position of the frame's kind, sane values.

    Raises `ScenarioError` naming the sensor and field.
    """
    from skyfuse.core.errors import ScenarioError

    seen: set[str] = set()
    geodetic = doc.frame.type == "WGS84"
    for i, s in enumerate(doc.sensors):
        where = f"sensors[{i}] ({s.sensor_id})"
        if s.sensor_id in seen:
            raise ScenarioError(source, f"{where}: duplicate sensor_id", field="sensor_id")
        seen.add(s.sensor_id)
        if s.kind not in SENSOR_KINDS:
            raise ScenarioError(
                source,
                f"{where}: unknown kind {s.kind!r} (expected one of {SENSOR_KINDS})",
                field="kind",
            )
        pos = s.position_wgs84 if geodetic else s.position_enu_m
        name = "position_wgs84" if geodetic else "position_enu_m"
        if pos is None:
            raise ScenarioError(
                source, f"{where}: missing {name} for a {doc.frame.type} frame", field=name
            )
        if not all(math.isfinite(v) for v in pos):
            raise ScenarioError(source, f"{where}: non-finite position", field=name)
        if geodetic and not (-90.0 <= pos[0] <= 90.0):
            raise ScenarioError(source, f"{where}: latitude {pos[0]} outside [-90, 90]", field=name)
        for k, v in s.noise_sigma.items():
            if not (math.isfinite(v) and v > 0.0):
                raise ScenarioError(
                    source, f"{where}: noise sigma must be > 0, got {v}", field=f"noise_sigma.{k}"
                )
        if not (0.0 <= s.pd <= 1.0):
            raise ScenarioError(source, f"{where}: pd {s.pd} outside [0, 1]", field="pd")


def to_builtins(obj: Any) -> Any:
    """Struct -> plain JSON-able builtins (unset optional fields omitted)."""
    return msgspec.to_builtins(obj)
