"""Physical bounds every scenario value is checked against at the edge (the readers).

Nothing outside these bounds reaches the tracker, so no single report or sensor parameter can
overflow a computation downstream (a squared 1e308 range, a 1e-300 sigma inverted, a 1e300 s
time step). The bounds are physical, not tuned to any scenario: they reject what no air
surveillance sensor can report, and accept everything a real one can.

Decisions (documented in `shared/spec/scenario-format.md` terms):

- Angles: azimuth is accepted in [-360, 720) degrees and wrapped into [0, 360) on reading
  (sensors that report in (-180, 180] or slightly past North stay usable); elevation in
  [-90, 90]. Latitude in [-90, 90]; longitude in [-180, 360], values above 180 wrapped into
  (-180, 180] on reading.
- Ranges: > 0 and <= `MAX_RANGE_M` (1e7 m, beyond any sensor on earth), and for a sensor whose
  `coverage.max_range_m` is finite, <= `RANGE_COVERAGE_FACTOR` (2) times it.
- Positions: ENU `x`, `y` within +-`MAX_HORIZONTAL_M` (1e7 m), heights (`z`, `alt_m`) in
  [`MIN_HEIGHT_M`, `MAX_HEIGHT_M`] = [-1e4, 1e5] m.
- Velocities: each component and the speed (norm of the given components) <= `MAX_SPEED_MPS`
  (2,000 m/s, Mach 6).
- Sigmas: finite, >= `SIGMA_FLOOR` (1e-6 of the field's unit) and <= a per-unit ceiling.
- Times: finite, in [0, `MAX_TIME_S`] = [0, 1e9] s from scenario start (31 years).
- Ids: `det_id` an integer in [0, 2^63 - 1]; strings at most `MAX_STRING_CHARS` (256)
  characters; a line at most `MAX_LINE_BYTES` (64 KiB); `class_scores` at most 64 entries.
- Sensor parameters: `pd` in (0, 1]; scan/report periods in (0, 1e6] s; schedule counts
  <= 1e8; clutter rate in [0, 1e6] per scan; speed of sound in [100, 1000] m/s.
"""

from __future__ import annotations

from typing import Final

MAX_LINE_BYTES: Final = 65_536
"""Longest accepted `detections.jsonl` line (bytes, newline excluded)."""
MAX_STRING_CHARS: Final = 256
"""Longest accepted identity string (`sensor_id`, `uas_id`, `icao24`, `callsign`, ids)."""
MAX_CLASS_SCORES: Final = 64
"""Most entries accepted in one report's `class_scores` object."""
MAX_DET_ID: Final = 2**63 - 1
"""Largest `det_id` (int64)."""
MAX_TIME_S: Final = 1e9
"""Latest accepted time, seconds from scenario start (times are in [0, MAX_TIME_S])."""
MAX_RANGE_M: Final = 1e7
"""Hard cap on any range or distance, metres (a quarter of the earth's circumference)."""
RANGE_COVERAGE_FACTOR: Final = 2.0
"""A report's range may be at most this many times its sensor's finite `max_range_m`."""
MAX_HORIZONTAL_M: Final = 1e7
"""Largest |x| or |y| of an ENU position, metres."""
MIN_HEIGHT_M: Final = -1e4
"""Lowest accepted height (`z`, `alt_m`, sensor height), metres."""
MAX_HEIGHT_M: Final = 1e5
"""Highest accepted height, metres (the Karman line)."""
MAX_SPEED_MPS: Final = 2000.0
"""Largest accepted speed or velocity component, m/s (Mach 6)."""
SIGMA_FLOOR: Final = 1e-6
"""Smallest accepted 1-sigma noise, in the field's own unit."""
MAX_PERIOD_S: Final = 1e6
"""Longest accepted scan or report period, seconds."""
MAX_SCHEDULE_COUNT: Final = 100_000_000
"""Most scans or reports a sensor schedule may announce."""
MAX_CLUTTER_RATE: Final = 1e6
"""Largest mean number of false reports per scan."""
MAX_SITE_RADIUS_M: Final = 1e6
"""Largest protected-site radius, metres."""

INTERVALS: Final[dict[str, tuple[float, float, bool]]] = {
    # field: (low, high, low bound exclusive). High bounds are inclusive, except azimuth's.
    "range_m": (0.0, MAX_RANGE_M, True),
    "azimuth_deg": (-360.0, 720.0, False),
    "elevation_deg": (-90.0, 90.0, False),
    "radial_velocity_mps": (-MAX_SPEED_MPS, MAX_SPEED_MPS, False),
    "rcs_dbsm": (-100.0, 100.0, False),
    "fundamental_hz": (0.0, 1e5, True),
    "snr_db": (-100.0, 200.0, False),
    "frequency_mhz": (0.0, 3e5, True),
    "bandwidth_mhz": (0.0, 3e5, False),
    "rssi_dbm": (-200.0, 100.0, False),
    "x": (-MAX_HORIZONTAL_M, MAX_HORIZONTAL_M, False),
    "y": (-MAX_HORIZONTAL_M, MAX_HORIZONTAL_M, False),
    "z": (MIN_HEIGHT_M, MAX_HEIGHT_M, False),
    "vx": (-MAX_SPEED_MPS, MAX_SPEED_MPS, False),
    "vy": (-MAX_SPEED_MPS, MAX_SPEED_MPS, False),
    "vz": (-MAX_SPEED_MPS, MAX_SPEED_MPS, False),
    "lat_deg": (-90.0, 90.0, False),
    "lon_deg": (-180.0, 360.0, False),
    "alt_m": (MIN_HEIGHT_M, MAX_HEIGHT_M, False),
    "operator_x": (-MAX_HORIZONTAL_M, MAX_HORIZONTAL_M, False),
    "operator_y": (-MAX_HORIZONTAL_M, MAX_HORIZONTAL_M, False),
    "operator_lat_deg": (-90.0, 90.0, False),
    "operator_lon_deg": (-180.0, 360.0, False),
}
"""Accepted interval of every measured report field (scenario units)."""

UNITS: Final[dict[str, str]] = {
    "range_m": "m",
    "azimuth_deg": "deg",
    "elevation_deg": "deg",
    "radial_velocity_mps": "m/s",
    "rcs_dbsm": "dBsm",
    "fundamental_hz": "Hz",
    "snr_db": "dB",
    "frequency_mhz": "MHz",
    "bandwidth_mhz": "MHz",
    "rssi_dbm": "dBm",
    "x": "m",
    "y": "m",
    "z": "m",
    "vx": "m/s",
    "vy": "m/s",
    "vz": "m/s",
    "lat_deg": "deg",
    "lon_deg": "deg",
    "alt_m": "m",
    "operator_x": "m",
    "operator_y": "m",
    "operator_lat_deg": "deg",
    "operator_lon_deg": "deg",
    "pos_m": "m",
    "vel_mps": "m/s",
}

SIGMA_CEILING: Final[dict[str, float]] = {
    "m": 1e5,
    "deg": 180.0,
    "m/s": 1e4,
    "dBsm": 100.0,
    "dB": 100.0,
    "dBm": 100.0,
    "Hz": 1e5,
    "MHz": 3e5,
}
"""Largest accepted 1-sigma noise per unit."""


def sigma_interval(quantity: str) -> tuple[float, float]:
    """Accepted [low, high] of a 1-sigma noise for a quantity (`noise_sigma` key or the name
    after ``sigma_``), in the quantity's unit. Unknown quantities get the widest ceiling."""
    unit = UNITS.get(quantity)
    high = SIGMA_CEILING.get(unit, max(SIGMA_CEILING.values())) if unit else 3e5
    return SIGMA_FLOOR, high


def interval_text(name: str) -> str:
    """Human form of a field's accepted interval, e.g. ``(0, 1e+07] m``."""
    lo, hi, lo_open = INTERVALS[name]
    hi_br = ")" if name == "azimuth_deg" else "]"
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{hi_br} {UNITS.get(name, '')}".rstrip()
