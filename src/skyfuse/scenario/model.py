"""Typed schema of `sensors.json`, `context.json` and `meta.json` (scenario format version 2).

Readers ignore keys they do not know (the format allows extra keys); writers emit only the
fields that are set. Units are the format's: metres, seconds, degrees.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec

from skyfuse.core.errors import ScenarioError
from skyfuse.core.kinds import SENSOR_KINDS
from skyfuse.scenario import bounds as bd

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


def _finite(v: float) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


class _Checker:
    """Raises `ScenarioError` for the first value outside its bounds, naming source and field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, fld: str, reason: str) -> None:
        raise ScenarioError(self.source, f"{where}: {reason}", field=fld)

    def within(
        self,
        where: str,
        fld: str,
        v: float | None,
        lo: float,
        hi: float,
        *,
        lo_open: bool = False,
        unit: str = "",
    ) -> None:
        """Check lo <= v <= hi (lo < v when ``lo_open``); None passes (field not given)."""
        if v is None:
            return
        if not _finite(v):
            self.fail(where, fld, f"{v} is not a finite number")
        ok = (v > lo if lo_open else v >= lo) and v <= hi
        if not ok:
            br = "(" if lo_open else "["
            self.fail(where, fld, f"{v:g} outside {br}{lo:g}, {hi:g}] {unit}".rstrip())

    def text(self, where: str, fld: str, v: str | None, *, required: bool = False) -> None:
        """Identity strings: non-empty when required, at most `bd.MAX_STRING_CHARS` characters."""
        if v is None:
            return
        if required and not v.strip():
            self.fail(where, fld, "must not be empty")
        if len(v) > bd.MAX_STRING_CHARS:
            self.fail(where, fld, f"longer than {bd.MAX_STRING_CHARS} characters")

    def position(self, where: str, fld: str, pos: tuple[float, ...], geodetic: bool) -> None:
        """A sensor or site position: [x, y, z] m (ENU) or [lat, lon, alt] (WGS84)."""
        if geodetic:
            self.within(where, fld, pos[0], -90.0, 90.0, unit="deg (latitude)")
            self.within(where, fld, pos[1], -180.0, 360.0, unit="deg (longitude)")
        else:
            h = bd.MAX_HORIZONTAL_M
            self.within(where, fld, pos[0], -h, h, unit="m (x)")
            self.within(where, fld, pos[1], -h, h, unit="m (y)")
        if len(pos) > 2:
            self.within(where, fld, pos[2], bd.MIN_HEIGHT_M, bd.MAX_HEIGHT_M, unit="m (height)")


def validate_sensors(doc: SensorsFile, source: str) -> None:
    """Check what the schema cannot: at least one sensor, known kinds, one position of the
    frame's kind, and every parameter within the physical bounds of `skyfuse.scenario.bounds`
    (noise sigmas, pd in (0, 1], periods > 0, schedules, coverage, speed of sound).

    Raises `ScenarioError` naming the sensor and field.
    """
    ck = _Checker(source)
    geodetic = doc.frame.type == "WGS84"
    if doc.frame.origin_wgs84 is not None:
        o = doc.frame.origin_wgs84
        ck.position("frame", "frame.origin_wgs84", (o.lat_deg, o.lon_deg, o.alt_m), True)
    if not doc.sensors:
        ck.fail("sensors", "sensors", "the sensor list is empty: a scenario needs a sensor")
    seen: set[str] = set()
    for i, s in enumerate(doc.sensors):
        where = f"sensors[{i}] ({s.sensor_id[:64]})"
        ck.text(where, "sensor_id", s.sensor_id, required=True)
        if s.sensor_id in seen:
            ck.fail(where, "sensor_id", "duplicate sensor_id")
        seen.add(s.sensor_id)
        if s.kind not in SENSOR_KINDS:
            ck.fail(where, "kind", f"unknown kind {s.kind[:64]!r} (expected one of {SENSOR_KINDS})")
        pos = s.position_wgs84 if geodetic else s.position_enu_m
        name = "position_wgs84" if geodetic else "position_enu_m"
        if pos is None:
            ck.fail(where, name, f"missing {name} for a {doc.frame.type} frame")
            return
        ck.position(where, name, pos, geodetic)
        for k, v in s.noise_sigma.items():
            lo, hi = bd.sigma_interval(k)
            if not (_finite(v) and lo <= v <= hi):
                ck.fail(
                    where,
                    f"noise_sigma.{k[:64]}",
                    f"noise sigma must be in [{lo:g}, {hi:g}], got {v}",
                )
        ck.within(where, "pd", s.pd, 0.0, 1.0, lo_open=True)
        ck.within(where, "clutter_rate_per_scan", s.clutter_rate_per_scan, 0.0, bd.MAX_CLUTTER_RATE)
        for f in ("scan_period_s", "report_period_s"):
            ck.within(where, f, getattr(s, f), 0.0, bd.MAX_PERIOD_S, lo_open=True, unit="s")
        for f in ("first_scan_time_s", "first_report_time_s"):
            ck.within(where, f, getattr(s, f), 0.0, bd.MAX_TIME_S, unit="s")
        for f in ("n_scans", "n_reports"):
            ck.within(where, f, getattr(s, f), 0, bd.MAX_SCHEDULE_COUNT)
        ck.within(where, "speed_of_sound_mps", s.speed_of_sound_mps, 100.0, 1000.0, unit="m/s")
        ck.within(where, "boresight_azimuth_deg", s.boresight_azimuth_deg, -360.0, 720.0)
        c = s.coverage
        ck.within(where, "coverage.min_range_m", c.min_range_m, 0.0, bd.MAX_RANGE_M, unit="m")
        if c.max_range_m != INF:
            ck.within(
                where,
                "coverage.max_range_m",
                c.max_range_m,
                c.min_range_m,
                bd.MAX_RANGE_M,
                lo_open=True,
                unit="m",
            )
        for a in c.azimuth_deg:
            ck.within(where, "coverage.azimuth_deg", a, -360.0, 720.0, unit="deg")
        ck.within(where, "coverage.min_elevation_deg", c.min_elevation_deg, -90.0, 90.0)
        ck.within(
            where, "coverage.max_elevation_deg", c.max_elevation_deg, c.min_elevation_deg, 90.0
        )
        for k, v in c.max_range_m_by_class.items():
            ck.within(
                where,
                f"coverage.max_range_m_by_class.{k[:64]}",
                v,
                0.0,
                bd.MAX_RANGE_M,
                lo_open=True,
            )
        for lo_f, hi_f in c.bands_mhz:
            ck.within(where, "coverage.bands_mhz", lo_f, 0.0, 3e5, unit="MHz")
            ck.within(where, "coverage.bands_mhz", hi_f, lo_f, 3e5, unit="MHz")


def validate_context(ctx: Context, source: str, *, geodetic: bool) -> None:
    """Check `context.json` values: site centres and radii, border points, ids (WGS84 points
    are [lat_deg, lon_deg]). Raises `ScenarioError` naming the entry and field."""
    ck = _Checker(source)
    for i, site in enumerate(ctx.sites):
        where = f"sites[{i}] ({site.site_id[:64]})"
        ck.text(where, "site_id", site.site_id, required=True)
        if geodetic:
            if site.lat_deg is None or site.lon_deg is None:
                ck.fail(where, "lat_deg", "a WGS84 site needs lat_deg and lon_deg")
            ck.within(where, "lat_deg", site.lat_deg, -90.0, 90.0, unit="deg")
            ck.within(where, "lon_deg", site.lon_deg, -180.0, 360.0, unit="deg")
        else:
            if site.x is None or site.y is None:
                ck.fail(where, "x", "an ENU site needs x and y")
            h = bd.MAX_HORIZONTAL_M
            ck.within(where, "x", site.x, -h, h, unit="m")
            ck.within(where, "y", site.y, -h, h, unit="m")
        ck.within(where, "radius_m", site.radius_m, 0.0, bd.MAX_SITE_RADIUS_M, lo_open=True)
    for i, border in enumerate(ctx.borders):
        where = f"borders[{i}] ({border.border_id[:64]})"
        ck.text(where, "border_id", border.border_id, required=True)
        if len(border.points) < 2:
            ck.fail(where, "points", "a border needs at least two points")
        for p in border.points:
            ck.position(where, "points", p, geodetic)


def sensors_json(doc: SensorsFile) -> bytes:
    """`sensors.json` bytes (indented), always carrying ``frame.type`` (the format requires it;
    `Frame` omits default fields, and ``"ENU"`` is the default)."""
    data = msgspec.to_builtins(doc)
    data["frame"] = {"type": doc.frame.type, **data.get("frame", {})}
    return msgspec.json.format(msgspec.json.encode(data))


def to_builtins(obj: Any) -> Any:
    """Struct -> plain JSON-able builtins (unset optional fields omitted)."""
    return msgspec.to_builtins(obj)
