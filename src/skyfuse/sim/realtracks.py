"""Real motion seen by simulated sensors: scenario folders from real trajectory CSVs.

The input is a decoded ADS-B trajectory table (`shared/data/real-tracks/README.md`: one row per
report, columns ``flight_id, timestamp, icao24, callsign, lat, lon, altitude_m, groundspeed_kt,
track_deg, vertical_rate_fpm`` and optionally ``onground`` and ``last_position``; gzip or plain).
`build_real_world` turns it into a WGS84 scenario folder (`shared/spec/scenario-format.md`):

- **truth** from the real positions: rows on the ground or without a position/altitude are
  dropped, rows that repeat the previous position are dropped (a feed writes its last known
  position every second), the position fix time is ``last_position`` where given, implausible
  jumps (faster than ``max_speed_mps``, e.g. a spoofed broadcast) are rejected, and the fixes are
  linearly interpolated onto a grid of ``truth_dt_s``. A gap longer than ``max_gap_s`` between
  accepted fixes ends the truth segment and the next fix starts a new one, so no motion is
  invented across it; the one exception, ``bridge_rejected``, joins the two ends of a gap
  filled only with rejected (implausible) fixes of a still-broadcasting aircraft, for spoofing
  studies where a radar must see the aircraft where it really was.
- **targets** with classes (``aircraft``, ``fixed_wing_uav``, ...) and a mean RCS each, drawn
  per target from a class range (`RCS_RANGE_DBSM`).
- **simulated radars** (`RadarSite`) that see the truth exactly like the simulator's radar model
  (`skyfuse.sim.sensors.radar`: coverage, Pd, Gaussian noise, Swerling-1 RCS, Poisson clutter
  uniform in range/azimuth/elevation), with per-radar parameters and optional radial velocity.
- a **real ADS-B feed** (`AdsbSite`): every airborne row of the table as broadcast, with its
  irregular timing and its repeated (stale) positions, ``icao24`` and ``callsign``, and the
  broadcast ground speed / track / vertical rate converted to local East-North-Up ``vx, vy, vz``
  (m/s).
- a ``context.json`` with the caller's protected sites and borders (e.g. `ORLY_SITE`).

Everything is deterministic from the seed. The same machinery (`Motion`, `write_world`) writes
the synthetic straight-flight worlds of `skyfuse.sim.flights`.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from skyfuse import __version__
from skyfuse.core.errors import InputError
from skyfuse.core.kinds import KNOWN_CLASSES
from skyfuse.core.reports import Reports
from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.folder import write_scenario
from skyfuse.scenario.model import (
    Border,
    Context,
    Coverage,
    Frame,
    Origin,
    SensorsFile,
    SensorSpec,
    Site,
)
from skyfuse.scenario.tables import Targets, Truth
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.motion import Trajectories
from skyfuse.sim.sensors.base import Batch, pair_aer
from skyfuse.sim.simulate import scenario_frame

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
OBJ = NDArray[np.object_]

KT_TO_MPS: Final = 1852.0 / 3600.0
FPM_TO_MPS: Final = 0.3048 / 60.0

RCS_RANGE_DBSM: Final[dict[str, tuple[float, float]]] = {
    "aircraft": (10.0, 30.0),
    "fixed_wing_uav": (-10.0, 0.0),
    "attack_drone": (-10.0, -3.0),
    "decoy": (-14.0, -7.0),
    "multirotor": (-20.0, -10.0),
    "bird": (-30.0, -20.0),
}
"""Mean radar cross-section range per class, dBsm (each target draws its mean uniformly from its
class range; each plot is Swerling 1 around it). Airliners 10-30 dBsm, a small fixed-wing UAV
such as the Tekever AR5 -10..0 dBsm; the drone and bird ranges are the simulator's."""

ORLY_SITE: Final = Site(
    site_id="lfpo",
    name="Paris-Orly airport (LFPO)",
    lat_deg=48.7233,
    lon_deg=2.3794,
    radius_m=2000.0,
    priority=1,
)
"""A protected site at Paris-Orly airport (aerodrome reference point 48.7233 N 2.3794 E)."""


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealTrack:
    """One trajectory of a real trajectory table, rows in time order.

    ``time`` row time (s since the Unix epoch, UTC); ``fix_time`` time of the position the row
    carries (``last_position`` where the table has it, else ``time``); ``lat_deg``, ``lon_deg``,
    ``alt_m`` (NaN where empty); ``groundspeed_mps``, ``track_deg`` (clockwise from true North),
    ``vertical_rate_mps`` (NaN where empty); ``onground`` True for rows flagged on the ground.
    """

    flight_id: str
    icao24: str
    callsign: str
    time: F64
    fix_time: F64
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    groundspeed_mps: F64
    track_deg: F64
    vertical_rate_mps: F64
    onground: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def airborne(self) -> NDArray[np.bool_]:
        """Rows with a finite position and altitude that are not flagged on the ground."""
        return (
            np.isfinite(self.lat_deg)
            & np.isfinite(self.lon_deg)
            & np.isfinite(self.alt_m)
            & ~self.onground
        )

    def velocity_enu(self) -> F64:
        """(n, 3) broadcast velocity as local East, North, Up m/s (NaN where not given)."""
        trk = np.radians(self.track_deg)
        return np.column_stack(
            [
                self.groundspeed_mps * np.sin(trk),
                self.groundspeed_mps * np.cos(trk),
                self.vertical_rate_mps,
            ]
        )


def parse_utc(text: str) -> float:
    """ISO 8601 time (``Z`` or an offset; naive means UTC) -> seconds since the Unix epoch."""
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def _float(text: str | None) -> float:
    if text is None:
        return math.nan
    s = text.strip()
    if not s:
        return math.nan
    v = float(s)
    return v if math.isfinite(v) else math.nan


REQUIRED_COLUMNS: Final = ("flight_id", "timestamp", "lat", "lon")
NUMERIC_COLUMNS: Final = (
    "lat",
    "lon",
    "altitude_m",
    "altitude_ft",
    "groundspeed_kt",
    "track_deg",
    "vertical_rate_fpm",
)


def _open_text(path: Path) -> io.TextIOBase:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return io.StringIO(raw.decode("utf-8"))


def read_real_tracks(path: Path) -> list[RealTrack]:
    """Read a real trajectory CSV (gzip or plain) into one `RealTrack` per ``flight_id``.

    Altitude comes from ``altitude_m`` (or ``altitude_ft`` x 0.3048). Rows are sorted by time
    within each flight. Raises `InputError` naming the line and field of an unusable row.
    """
    path = Path(path)
    try:
        fh = _open_text(path)
    except FileNotFoundError as e:
        raise InputError(str(path), "file not found") from e
    except (UnicodeDecodeError, OSError) as e:
        raise InputError(str(path), f"cannot read ({e})") from e
    reader = csv.DictReader(fh)
    cols = reader.fieldnames or []
    for c in REQUIRED_COLUMNS:
        if c not in cols:
            raise InputError(str(path), f"missing column (header has {cols})", line=1, field=c)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    ident: dict[str, tuple[str, str]] = {}
    for ln, r in enumerate(reader, start=2):
        fid = (r.get("flight_id") or "").strip()
        if not fid:
            raise InputError(str(path), "empty flight_id", line=ln, field="flight_id")
        key = "timestamp"
        try:
            t = parse_utc(r["timestamp"] or "")
            key = "last_position"
            lp = (r.get("last_position") or "").strip()
            fix = parse_utc(lp) if lp else t
            vals: dict[str, float] = {}
            for key in NUMERIC_COLUMNS:
                vals[key] = _float(r.get(key))
        except (ValueError, TypeError) as e:
            raise InputError(str(path), f"bad value ({e})", line=ln, field=key) from e
        alt = vals["altitude_m"]
        if not math.isfinite(alt):
            alt = vals["altitude_ft"] * 0.3048
        vr = vals["vertical_rate_fpm"]
        vals_l = [vals["lat"], vals["lon"], alt, vals["groundspeed_kt"], vals["track_deg"]]
        lat, lon = vals_l[0], vals_l[1]
        if math.isfinite(lat) and not -90.0 <= lat <= 90.0:
            raise InputError(str(path), f"latitude {lat} outside [-90, 90]", line=ln, field="lat")
        if math.isfinite(lon) and not -180.0 <= lon <= 360.0:
            raise InputError(str(path), f"longitude {lon} out of range", line=ln, field="lon")
        ground = (r.get("onground") or "").strip().lower() in ("true", "1", "yes")
        rows.setdefault(fid, []).append(
            (t, fix, lat, lon, alt, vals_l[3] * KT_TO_MPS, vals_l[4], vr * FPM_TO_MPS, ground)
        )
        ident.setdefault(fid, ((r.get("icao24") or "").strip(), (r.get("callsign") or "").strip()))
    out = []
    for fid, rr in rows.items():
        a = np.array([x[:8] for x in rr], dtype=np.float64)
        g = np.array([x[8] for x in rr], dtype=bool)
        order = np.argsort(a[:, 0], kind="stable")
        a, g = a[order], g[order]
        out.append(
            RealTrack(
                flight_id=fid,
                icao24=ident[fid][0],
                callsign=ident[fid][1],
                time=a[:, 0].copy(),
                fix_time=a[:, 1].copy(),
                lat_deg=a[:, 2].copy(),
                lon_deg=a[:, 3].copy(),
                alt_m=a[:, 4].copy(),
                groundspeed_mps=a[:, 5].copy(),
                track_deg=a[:, 6].copy(),
                vertical_rate_mps=a[:, 7].copy(),
                onground=g,
            )
        )
    out.sort(key=lambda tr: (float(tr.time[0]) if len(tr) else 0.0, tr.flight_id))
    return out


# -- truth segments ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TruthRules:
    """How a real trajectory becomes truth.

    ``max_gap_s``: longest gap between accepted fixes inside one truth segment (s).
    ``max_speed_mps`` / ``max_climb_mps``: two fixes are consistent when the aircraft can fly
    between them at no more than these speeds (plus ``jump_slack_m`` of position noise).
    ``bridge_rejected`` / ``max_bridge_s``: join a gap of up to ``max_bridge_s`` that holds
    rejected fixes (the aircraft kept broadcasting, wrongly) with a straight line at constant
    rate; runs more than ``max_bridge_s`` apart are not tested against each other.
    ``min_segment_s``: shorter segments are dropped.
    """

    max_gap_s: float = 30.0
    max_speed_mps: float = 400.0
    max_climb_mps: float = 60.0
    jump_slack_m: float = 300.0
    bridge_rejected: bool = False
    max_bridge_s: float = 3600.0
    min_segment_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Fixes:
    """Accepted position fixes of one trajectory, split into truth segments.

    ``time`` s since epoch, ``lat_deg``, ``lon_deg``, ``alt_m``; ``segment`` index per fix
    (0, 1, ...); ``rejected`` number of implausible fixes dropped; ``repeated`` number of rows
    dropped because they repeated the previous position.
    """

    time: F64
    lat_deg: F64
    lon_deg: F64
    alt_m: F64
    segment: I64
    rejected: int
    repeated: int


def _ecef(lat: F64, lon: F64, alt: F64) -> F64:
    return ecef_from_geodetic(lat, lon, alt).reshape(-1, 3)


def _plausible(e: F64, alt: F64, t: F64, i: int, j: int, ru: TruthRules) -> bool:
    """Can the aircraft fly from fix i to fix j (ECEF metres, altitude m, times s)?"""
    gap = float(t[j] - t[i])
    d = float(np.linalg.norm(e[j] - e[i]))
    dz = abs(float(alt[j] - alt[i]))
    return d <= ru.max_speed_mps * gap + ru.jump_slack_m and (
        dz <= ru.max_climb_mps * gap + ru.jump_slack_m
    )


def accepted_fixes(track: RealTrack, rules: TruthRules | None = None) -> Fixes:
    """The trajectory's distinct airborne position fixes that form its most plausible path,
    each labelled with its truth segment (see `TruthRules`).

    1. Airborne rows, first occurrence of each position, fix times strictly increasing.
    2. *Runs*: split between consecutive fixes that are implausible (faster than
       ``max_speed_mps`` / ``max_climb_mps`` plus ``jump_slack_m``) or more than ``max_gap_s``
       apart; each run is a self-consistent piece of trajectory.
    3. The chain of runs with the most fixes in which each run can be reached from the previous
       one (plausible across the gap; runs more than ``max_bridge_s`` apart always chain), by
       dynamic programming: an isolated jump, a spoofed stretch shorter than the true path
       around it, or a wrong first fix are left out and counted as ``rejected``.
    4. Segments: the chain is split where consecutive fixes are more than ``max_gap_s`` apart,
       unless ``bridge_rejected`` and the gap holds rejected fixes (and is <= ``max_bridge_s``).
    """
    ru = rules or TruthRules()
    ok = track.airborne()
    t = track.fix_time[ok]
    lat, lon, alt = track.lat_deg[ok], track.lon_deg[ok], track.alt_m[ok]
    n0 = len(t)
    if n0:
        same = np.zeros(n0, bool)
        same[1:] = (lat[1:] == lat[:-1]) & (lon[1:] == lon[:-1])
        same[1:] |= t[1:] <= t[:-1]
        # A fix time that goes back (rows out of order) is dropped too.
        same[1:] |= t[1:] < np.maximum.accumulate(t)[:-1]
        keep = ~same
        t, lat, lon, alt = t[keep], lat[keep], lon[keep], alt[keep]
    repeated = n0 - len(t)
    n = len(t)
    e = _ecef(lat, lon, alt)
    # Runs.
    cut = [0]
    cut.extend(
        i
        for i in range(1, n)
        if t[i] - t[i - 1] > ru.max_gap_s or not _plausible(e, alt, t, i - 1, i, ru)
    )
    cut.append(n)
    starts = np.array(cut[:-1], dtype=np.int64) if n else np.zeros(0, np.int64)
    ends = np.array(cut[1:], dtype=np.int64) - 1 if n else np.zeros(0, np.int64)
    m = len(starts)
    size = (ends - starts + 1).astype(np.float64)
    best = np.zeros(m)
    prev = np.full(m, -1, np.int64)
    # prefix_best[k]: best chain value among runs 0..k, and which run.
    pbest_val = np.zeros(m)
    pbest_arg = np.full(m, -1, np.int64)
    for j in range(m):
        best[j], prev[j] = size[j], -1
        for i in range(j - 1, -1, -1):
            if t[starts[j]] - t[ends[i]] > ru.max_bridge_s:
                if pbest_arg[i] >= 0 and pbest_val[i] + size[j] > best[j]:
                    best[j], prev[j] = pbest_val[i] + size[j], pbest_arg[i]
                break
            if best[i] + size[j] > best[j] and _plausible(
                e, alt, t, int(ends[i]), int(starts[j]), ru
            ):
                best[j], prev[j] = best[i] + size[j], i
        if j == 0 or best[j] > pbest_val[j - 1]:
            pbest_val[j], pbest_arg[j] = best[j], j
        else:
            pbest_val[j], pbest_arg[j] = pbest_val[j - 1], pbest_arg[j - 1]
    chain: list[int] = []
    j = int(pbest_arg[m - 1]) if m else -1
    while j >= 0:
        chain.append(j)
        j = int(prev[j])
    chain.reverse()
    acc = np.zeros(n, bool)
    for r in chain:
        acc[starts[r] : ends[r] + 1] = True
    idx = np.flatnonzero(acc)
    seg = np.zeros(len(idx), np.int64)
    cur = 0
    for k in range(1, len(idx)):
        a, b = int(idx[k - 1]), int(idx[k])
        gap = float(t[b] - t[a])
        bridged = ru.bridge_rejected and b - a > 1 and gap <= ru.max_bridge_s
        if gap > ru.max_gap_s and not bridged:
            cur += 1
        seg[k] = cur
    return Fixes(
        time=t[idx],
        lat_deg=lat[idx],
        lon_deg=lon[idx],
        alt_m=alt[idx],
        segment=seg,
        rejected=int(n - len(idx)),
        repeated=repeated,
    )


# -- motion: segments on a grid -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Motion:
    """Truth motion of a world: entities (truth segments) as `Trajectories` on one grid.

    ``traj`` holds one entity per segment (life [kb dt, kd dt], scenario seconds, map-plane
    metres); ``target`` (E,) the target id of each entity (a target may have several segments
    that never overlap in time). ``proj``: the map projection.
    """

    traj: Trajectories
    target: I64
    proj: MapProjection

    def alive_at(self, t: float) -> NDArray[np.intp]:
        """Entities alive at time t (s)."""
        return self.traj.alive_at(t)


def _allocate_slots(kb: I64, kd: I64) -> tuple[I64, int]:
    """Greedy interval colouring: a slot per entity, reused once its last user has ended."""
    order = np.argsort(kb, kind="stable")
    slot = np.zeros(len(kb), np.int64)
    free_at: list[int] = []
    for i in order.tolist():
        for s, end in enumerate(free_at):
            if end < kb[i]:
                slot[i] = s
                free_at[s] = int(kd[i])
                break
        else:
            slot[i] = len(free_at)
            free_at.append(int(kd[i]))
    return slot, max(len(free_at), 1)


def motion_from_grid(
    proj: MapProjection,
    dt_s: float,
    segments: Sequence[tuple[int, int, F64]],
    n_steps: int,
) -> Motion:
    """Build a `Motion` from segments (target id, first grid index, map positions (m, 3)).

    Node velocities (true local ENU, m/s) are central differences of the map positions (one-sided
    at the ends), divided by the projection's scale, so `Trajectories.state_at` (cubic Hermite)
    passes through every node and is smooth between them.
    """
    e = len(segments)
    kb = np.array([s[1] for s in segments], dtype=np.int64)
    kd = np.array([s[1] + len(s[2]) - 1 for s in segments], dtype=np.int64)
    slot, n_slots = _allocate_slots(kb, kd)
    pos = np.zeros((n_steps + 1, n_slots, 3))
    vel = np.zeros((n_steps + 1, n_slots, 3))
    for j, (_, k0, p) in enumerate(segments):
        m = len(p)
        v = np.gradient(p, dt_s, axis=0) if m >= 2 else np.zeros_like(p)
        kx, ky = proj.scale(p[:, 1], p[:, 2])
        v = np.column_stack([v[:, 0] / kx, v[:, 1] / ky, v[:, 2]])
        pos[k0 : k0 + m, slot[j]] = p
        vel[k0 : k0 + m, slot[j]] = v
    traj = Trajectories(
        dt=dt_s,
        kb=kb,
        kd=kd,
        slot=slot,
        pos=pos,
        vel=vel,
        arrival_time=np.full(e, np.nan),
        proj=proj,
    )
    return Motion(traj, np.array([s[0] for s in segments], dtype=np.int64), proj)


# -- sensors ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RadarSite:
    """A simulated surveillance radar (the simulator's radar model, per-radar parameters).

    ``position``: (lat_deg, lon_deg, alt_m) in a WGS84 world, (x, y, z) m in an ENU world;
    None = placed automatically (at the traffic's median position). Ranges m, angles deg,
    ``scan_period_s`` s, ``pd`` per scan, ``clutter_rate_per_scan`` mean false plots a scan.
    ``doppler``: report radial velocity (m/s, positive away). ``rcs``: report ``rcs_dbsm``.
    """

    sensor_id: str = "radar-0"
    position: tuple[float, float, float] | None = None
    height_m: float = 10.0
    min_range_m: float = 250.0
    max_range_m: float = 60_000.0
    min_elevation_deg: float = -2.0
    max_elevation_deg: float = 40.0
    scan_period_s: float = 1.0
    first_scan_time_s: float = 0.0
    sigma_range_m: float = 10.0
    sigma_azimuth_deg: float = 0.2
    sigma_elevation_deg: float = 0.2
    sigma_radial_velocity_mps: float = 1.0
    pd: float = 0.9
    clutter_rate_per_scan: float = 10.0
    doppler: bool = False
    rcs: bool = True


@dataclass(frozen=True, slots=True)
class AdsbSite:
    """An ADS-B receiver. ``position`` as for `RadarSite` (None: at the traffic's median).

    ``max_range_m``: reports of aircraft farther away are not received. ``sigma_pos_m`` /
    ``sigma_vel_mps``: the declared 1-sigma of broadcast positions / velocities (for a real feed
    this is the accuracy written in `sensors.json`; a simulated feed adds that noise).
    ``pd`` / ``report_period_s``: the simulated feed's chance of a report each period (s).
    """

    sensor_id: str = "adsb-0"
    position: tuple[float, float, float] | None = None
    height_m: float = 15.0
    max_range_m: float = 400_000.0
    sigma_pos_m: float = 30.0
    sigma_vel_mps: float = 2.0
    pd: float = 0.98
    report_period_s: float = 1.0
    first_report_time_s: float = 0.0


def scan_times(site: RadarSite, duration_s: float) -> F64:
    """Scan times of a radar inside [0, duration) s."""
    n = max(0, math.ceil((duration_s - site.first_scan_time_s) / site.scan_period_s - 1e-9))
    return np.round(site.first_scan_time_s + site.scan_period_s * np.arange(n), 6)


def radar_spec(
    site: RadarSite, proj: MapProjection, position: tuple[float, float, float]
) -> SensorSpec:
    """The `sensors.json` row of a radar at a scenario position (lat, lon, alt or x, y, z)."""
    sigma = {
        "range_m": site.sigma_range_m,
        "azimuth_deg": site.sigma_azimuth_deg,
        "elevation_deg": site.sigma_elevation_deg,
    }
    if site.doppler:
        sigma["radial_velocity_mps"] = site.sigma_radial_velocity_mps
    return SensorSpec(
        sensor_id=site.sensor_id,
        kind="radar",
        position_enu_m=None if proj.geodetic else position,
        position_wgs84=position if proj.geodetic else None,
        noise_sigma=sigma,
        scan_period_s=site.scan_period_s,
        first_scan_time_s=site.first_scan_time_s,
        pd=site.pd,
        clutter_rate_per_scan=site.clutter_rate_per_scan,
        clutter_model="Poisson number per scan, uniform in (range, azimuth, elevation) over the "
        "coverage below",
        rcs_model="Swerling 1 around the target's mean RCS; clutter U(-35, 5)"
        if site.rcs
        else None,
        coverage=Coverage(
            min_range_m=site.min_range_m,
            max_range_m=site.max_range_m,
            azimuth_deg=(0.0, 360.0),
            min_elevation_deg=site.min_elevation_deg,
            max_elevation_deg=site.max_elevation_deg,
        ),
    )


def observe_radar(
    motion: Motion,
    catalog: SensorCatalog,
    sensor: int,
    site: RadarSite,
    rcs_mean_dbsm: F64,
    t: float,
    rng: np.random.Generator,
) -> Batch:
    """One scan of a radar at time t (s): the simulator's radar model
    (`skyfuse.sim.sensors.radar.observe`) with this radar's own parameters.

    ``rcs_mean_dbsm`` (N,) mean RCS per target id. Batch ``target`` holds target ids (-1 clutter).
    """
    ent = motion.alive_at(t)
    pos, vel = motion.traj.work_state_at(ent, t)
    s_all = np.full(len(ent), sensor, dtype=np.intp)
    az, el, r = pair_aer(catalog, s_all, pos)
    el_deg = np.degrees(el)
    cover = (
        (r >= site.min_range_m)
        & (r <= site.max_range_m)
        & (el_deg >= site.min_elevation_deg)
        & (el_deg <= site.max_elevation_deg)
    )
    hit = cover & (rng.uniform(0.0, 1.0, len(r)) < site.pd)
    ent_h, az, el, r = ent[hit], az[hit], el[hit], r[hit]
    m = len(ent_h)
    tgt = motion.target[ent_h]
    values = {
        "range_m": r + rng.normal(0.0, site.sigma_range_m, m),
        "azimuth_deg": np.degrees(az) + rng.normal(0.0, site.sigma_azimuth_deg, m),
        "elevation_deg": np.degrees(el) + rng.normal(0.0, site.sigma_elevation_deg, m),
    }
    if site.doppler:
        los = pos[hit] - catalog.position[sensor]
        rr = np.einsum("ij,ij->i", los, vel[hit]) / np.maximum(r, 1e-9)
        values["radial_velocity_mps"] = rr + rng.normal(0.0, site.sigma_radial_velocity_mps, m)
    if site.rcs:
        mean_lin = 10.0 ** (rcs_mean_dbsm[tgt] / 10.0)
        values["rcs_dbsm"] = 10.0 * np.log10(np.maximum(rng.exponential(mean_lin), 1e-12))
    k = int(rng.poisson(site.clutter_rate_per_scan))
    false_vals = {
        "range_m": rng.uniform(site.min_range_m, site.max_range_m, k),
        "azimuth_deg": rng.uniform(0.0, 360.0, k),
        "elevation_deg": rng.uniform(site.min_elevation_deg, site.max_elevation_deg, k),
    }
    if site.doppler:
        false_vals["radial_velocity_mps"] = rng.normal(0.0, 3.0, k)
    if site.rcs:
        false_vals["rcs_dbsm"] = rng.uniform(-35.0, 5.0, k)
    vals = {key: np.concatenate([values[key], false_vals[key]]) for key in values}
    vals["azimuth_deg"] = np.mod(vals["azimuth_deg"], 360.0)
    vals["elevation_deg"] = np.clip(vals["elevation_deg"], -90.0, 90.0)
    vals["range_m"] = np.maximum(vals["range_m"], 1.0)
    n = m + k
    sigmas = {
        "range_m": np.full(n, site.sigma_range_m),
        "azimuth_deg": np.full(n, site.sigma_azimuth_deg),
        "elevation_deg": np.full(n, site.sigma_elevation_deg),
    }
    return Batch.make(
        t,
        np.full(n, sensor, dtype=np.int32),
        np.concatenate([tgt, np.full(k, -1, np.int64)]),
        vals,
        sigmas=sigmas,
    )


def adsb_spec(
    site: AdsbSite,
    proj: MapProjection,
    position: tuple[float, float, float],
    *,
    duration_s: float,
    time_is: str | None = None,
) -> SensorSpec:
    """The `sensors.json` row of an ADS-B receiver (nominal report schedule of ``duration_s``)."""
    n = max(0, math.ceil((duration_s - site.first_report_time_s) / site.report_period_s - 1e-9))
    return SensorSpec(
        sensor_id=site.sensor_id,
        kind="adsb",
        position_enu_m=None if proj.geodetic else position,
        position_wgs84=position if proj.geodetic else None,
        noise_sigma={"pos_m": site.sigma_pos_m, "vel_mps": site.sigma_vel_mps},
        report_period_s=site.report_period_s,
        first_report_time_s=site.first_report_time_s,
        n_reports=n,
        pd=site.pd,
        clutter_rate_per_scan=0.0,
        coverage=Coverage(max_range_m=site.max_range_m),
        time_is=time_is,
    )


def text_array(values: Sequence[str]) -> OBJ:
    """An object array of strings (identity columns of a `Batch`)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


# -- writing a world ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorldResult:
    """What `write_world` wrote: counts per sensor, truth rows, targets, where."""

    folder: Path
    n_targets: int
    n_reports: int
    reports_by_sensor: dict[str, int]
    truth_rows: int
    duration_s: float
    meta: dict[str, Any] = field(default_factory=dict)


def truth_table(motion: Motion, times: F64, *, dt_tol: float = 1e-6) -> Truth:
    """Truth rows of every alive entity at each time (s; sorted, distinct), sorted by time then
    target id; positions in the scenario's columns (x, y, z or lat, lon, alt), ENU velocity."""
    traj = motion.traj
    tb, td = traj.t_birth, traj.t_death
    lo = np.searchsorted(times, tb - dt_tol, side="left")
    hi = np.searchsorted(times, td + dt_tol, side="right")
    count = np.maximum(hi - lo, 0)
    ent = np.repeat(np.arange(len(tb)), count)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    ti = starts + np.arange(len(ent))
    tid = motion.target[ent]
    order = np.lexsort((tid, ti))
    ent, ti, tid = ent[order], ti[order], tid[order]
    p, v = traj.state_at(ent, times[ti])
    return Truth(
        time=times[ti],
        target_id=tid.astype(np.int64),
        pos=motion.proj.scenario_position(p),
        vel=v,
        geodetic=motion.proj.geodetic,
    )


def frame_of(proj: MapProjection, origin_alt_m: float = 0.0) -> Frame:
    """`sensors.json` frame of a world (WGS84 around the projection origin, or flat ENU)."""
    origin = Origin(lat_deg=proj.lat0_deg, lon_deg=proj.lon0_deg, alt_m=origin_alt_m)
    return scenario_frame(origin, geodetic=proj.geodetic)


def write_world(
    folder: Path,
    *,
    motion: Motion,
    specs: Sequence[SensorSpec],
    radars: Sequence[tuple[int, RadarSite]],
    extra_batches: Sequence[Batch],
    targets: Targets,
    rcs_mean_dbsm: F64,
    context: Context,
    duration_s: float,
    truth_dt_s: float,
    rng: np.random.Generator,
    meta: Mapping[str, Any],
) -> WorldResult:
    """Observe the motion with the radars, add the other sensors' batches, write the folder.

    ``radars``: (index into ``specs``, site). ``extra_batches``: ready reports (ADS-B, ...) with
    target ids. Reports are sorted by time, then sensor id, random within one (time, sensor);
    ``det_id`` = row. Truth rows at every grid time (``truth_dt_s``) and every report time.
    """
    sensors = SensorsFile(frame=frame_of(motion.proj), sensors=list(specs))
    catalog = SensorCatalog.build(sensors)
    parts: list[Batch] = []
    for idx, site in radars:
        parts.extend(
            observe_radar(motion, catalog, idx, site, rcs_mean_dbsm, t, rng)
            for t in scan_times(site, duration_s).tolist()
        )
    parts.extend(extra_batches)
    batch = Batch.concat(parts)
    ids = np.array([s.sensor_id for s in specs], dtype=str)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    shuffle = rng.permutation(len(batch))
    order = np.lexsort((shuffle, rank[batch.sensor] if len(batch) else shuffle, batch.time))
    det_id = np.arange(len(batch), dtype=np.int64)
    reports = Reports(
        det_id=det_id,
        time=batch.time[order],
        sensor=batch.sensor[order],
        values={k: v[order] for k, v in batch.values.items()},
        sigmas={k: v[order] for k, v in batch.sigmas.items()},
        text={k: v[order] for k, v in batch.text.items()},
    )
    grid = np.round(truth_dt_s * np.arange(math.floor(duration_s / truth_dt_s) + 1), 6)
    times = np.unique(np.concatenate([grid, reports.time]))
    truth = truth_table(motion, times)
    by_sensor = {
        str(ids[i]): int(c)
        for i, c in enumerate(np.bincount(reports.sensor, minlength=len(ids)).tolist())
    }
    full_meta = {
        "generator_version": __version__,
        "duration_s": duration_s,
        "truth_dt_s": truth_dt_s,
        "detections": len(reports),
        "target_detections": int((batch.target >= 0).sum()),
        "clutter_detections": int((batch.target < 0).sum()),
        "reports_by_sensor": by_sensor,
        "truth_rows": len(truth),
        **dict(meta),
    }
    write_scenario(
        Path(folder),
        sensors=sensors,
        reports=reports,
        truth=truth,
        labels=(det_id, batch.target[order].copy()),
        targets=targets,
        context=context,
        meta=full_meta,
    )
    return WorldResult(
        folder=Path(folder),
        n_targets=len(targets),
        n_reports=len(reports),
        reports_by_sensor=by_sensor,
        truth_rows=len(truth),
        duration_s=duration_s,
        meta=full_meta,
    )


# -- the real world ------------------------------------------------------------------------------


def default_class(track: RealTrack) -> str:
    """Class of a real trajectory when the caller gives none: ``aircraft`` (manned, ADS-B)."""
    return "aircraft"


@dataclass(frozen=True, slots=True)
class RealWorldConfig:
    """How to build a world from real trajectories.

    ``start_utc`` / ``end_utc``: time window (ISO 8601 or epoch s; None = the data's extent).
    ``classes``: flight_id, icao24 or callsign -> class (`KNOWN_CLASSES`); others ``aircraft``.
    ``radars``, ``adsb``: the sensors (empty / None = none); a radar or receiver without a
    position is put at the traffic's median airborne position. ``adsb_on_ground``: also feed
    rows flagged on the ground (they have no truth). ``sites`` / ``borders``: context.
    ``truth_dt_s``: truth grid step (s). ``rules``: `TruthRules`. ``rcs_range_dbsm``: per class
    mean-RCS ranges (default `RCS_RANGE_DBSM`). ``seed``: everything random.
    """

    start_utc: str | float | None = None
    end_utc: str | float | None = None
    classes: Mapping[str, str] = field(default_factory=dict)
    radars: Sequence[RadarSite] = (RadarSite(),)
    adsb: AdsbSite | None = AdsbSite()
    adsb_on_ground: bool = False
    sites: Sequence[Site] = ()
    borders: Sequence[Border] = ()
    truth_dt_s: float = 1.0
    rules: TruthRules = field(default_factory=TruthRules)
    rcs_range_dbsm: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: dict(RCS_RANGE_DBSM)
    )
    seed: int = 1


def _epoch(v: str | float | None) -> float | None:
    if v is None:
        return None
    if isinstance(v, str):
        return parse_utc(v)
    return float(v)


def _class_of(track: RealTrack, classes: Mapping[str, str]) -> str:
    for key in (track.flight_id, track.icao24, track.callsign):
        if key in classes:
            c = classes[key]
            if c not in KNOWN_CLASSES:
                raise InputError("classes", f"unknown class {c!r} for {key}", field=key)
            return c
    return default_class(track)


def build_real_world(
    tracks: Sequence[RealTrack] | Path, folder: Path, config: RealWorldConfig | None = None
) -> WorldResult:
    """Write a WGS84 scenario folder of real motion seen by simulated radars and a real ADS-B
    feed (module docstring). ``tracks``: read trajectories, or the path of a trajectory CSV."""
    cfg = config or RealWorldConfig()
    trs = read_real_tracks(tracks) if isinstance(tracks, Path) else list(tracks)
    start = _epoch(cfg.start_utc)
    end = _epoch(cfg.end_utc)
    fixes = [accepted_fixes(tr, cfg.rules) for tr in trs]
    # Window and targets: trajectories with accepted fixes or airborne rows inside the window.
    all_t = np.concatenate([f.time for f in fixes] + [np.zeros(0)])
    if start is None:
        start = float(all_t.min()) if all_t.size else 0.0
    if end is None:
        end = float(all_t.max()) if all_t.size else start
    t0 = float(math.floor(start))
    duration = float(end - t0)
    if not duration > 0:
        raise InputError("real world", "the time window holds no airborne position", field="window")
    dt_s = cfg.truth_dt_s
    n_steps = math.floor(duration / dt_s)
    lat_l, lon_l = [], []
    for f in fixes:
        for sg in np.unique(f.segment).tolist():
            sel = f.segment == sg
            lo, hi = max(float(f.time[sel][0]), start), min(float(f.time[sel][-1]), end)
            if hi < lo:
                continue
            # Positions of the segment inside the window, every 10 s (and its ends).
            g = np.append(np.arange(lo, hi, 10.0), hi)
            lat_l.append(np.interp(g, f.time[sel], f.lat_deg[sel]))
            lon_l.append(np.interp(g, f.time[sel], f.lon_deg[sel]))
    if not lat_l:
        raise InputError("real world", "the time window holds no airborne position", field="window")
    lat_all, lon_all = np.concatenate(lat_l), np.concatenate(lon_l)
    centre = (float(np.median(lat_all)), float(np.median(lon_all)))
    proj = MapProjection(True, round(centre[0], 6), round(centre[1], 6))

    # Truth segments on the grid.
    segs: list[tuple[int, int, F64]] = []
    tgt_tracks: list[RealTrack] = []
    fixes_used: list[Fixes] = []
    seg_count: list[int] = []
    for tr, fx in zip(trs, fixes, strict=True):
        tid = len(tgt_tracks)
        n_seg = 0
        for s in np.unique(fx.segment).tolist():
            sel = fx.segment == s
            ts = fx.time[sel] - t0
            k0 = max(math.ceil(ts[0] / dt_s - 1e-9), 0)
            k1 = min(math.floor(ts[-1] / dt_s + 1e-9), n_steps)
            if k1 <= k0 or (k1 - k0) * dt_s < cfg.rules.min_segment_s:
                continue
            g = np.arange(k0, k1 + 1) * dt_s
            lat = np.interp(g, ts, fx.lat_deg[sel])
            lon = np.interp(g, ts, fx.lon_deg[sel])
            alt = np.interp(g, ts, fx.alt_m[sel])
            segs.append((tid, k0, proj.map_of_geodetic(lat, lon, alt)))
            n_seg += 1
        if n_seg:
            tgt_tracks.append(tr)
            fixes_used.append(fx)
            seg_count.append(n_seg)
    if not segs:
        raise InputError("real world", "no truth segment inside the time window", field="window")
    motion = motion_from_grid(proj, dt_s, segs, n_steps)
    n = len(tgt_tracks)
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed))
    cls = [_class_of(tr, cfg.classes) for tr in tgt_tracks]
    rcs = np.array(
        [rng.uniform(*cfg.rcs_range_dbsm.get(c, (-10.0, 0.0))) for c in cls], dtype=np.float64
    )

    # Sensors.
    auto = (centre[0], centre[1])
    specs: list[SensorSpec] = []
    radars: list[tuple[int, RadarSite]] = []
    for site in cfg.radars:
        p = site.position or (auto[0], auto[1], site.height_m)
        radars.append((len(specs), site))
        specs.append(radar_spec(site, proj, p))
    extra: list[Batch] = []
    if cfg.adsb is not None:
        a = cfg.adsb
        p = a.position or (auto[0], auto[1], a.height_m)
        idx = len(specs)
        specs.append(
            adsb_spec(
                a,
                proj,
                p,
                duration_s=duration,
                time_is="real broadcast times (irregular; rows may repeat the last position)",
            )
        )
        rx = _ecef(np.array([p[0]]), np.array([p[1]]), np.array([p[2]]))[0]
        for tid, tr in enumerate(tgt_tracks):
            ok = np.isfinite(tr.lat_deg) & np.isfinite(tr.lon_deg) & np.isfinite(tr.alt_m)
            if not cfg.adsb_on_ground:
                ok &= ~tr.onground
            ok &= (tr.time >= start) & (tr.time <= end)
            if not ok.any():
                continue
            e = _ecef(tr.lat_deg[ok], tr.lon_deg[ok], tr.alt_m[ok])
            ok_idx = np.flatnonzero(ok)[np.linalg.norm(e - rx, axis=1) <= a.max_range_m]
            if not len(ok_idx):
                continue
            # Row times as scenario seconds (ms resolution, the feed's own).
            t_rep = np.round(tr.time[ok_idx] - t0, 3)
            v = tr.velocity_enu()[ok_idx]
            m = len(ok_idx)
            extra.append(
                Batch(
                    time=t_rep,
                    sensor=np.full(m, idx, np.int32),
                    target=np.full(m, tid, np.int64),
                    values={
                        "lat_deg": np.round(tr.lat_deg[ok_idx], 8),
                        "lon_deg": np.round(tr.lon_deg[ok_idx], 8),
                        "alt_m": np.round(tr.alt_m[ok_idx], 2),
                        "vx": np.round(v[:, 0], 2),
                        "vy": np.round(v[:, 1], 2),
                        "vz": np.round(v[:, 2], 2),
                    },
                    text={
                        "icao24": text_array([tr.icao24] * m),
                        "callsign": text_array([tr.callsign] * m),
                    },
                )
            )
    targets = Targets(
        target_id=np.arange(n, dtype=np.int64),
        cls=np.array(cls, dtype=str),
        hostile=np.zeros(n, bool),
        goal_site=np.full(n, "", dtype=str),
        extra={
            "flight_id": np.array([tr.flight_id for tr in tgt_tracks], dtype=str),
            "coop_id": np.array([tr.icao24 for tr in tgt_tracks], dtype=str),
            "callsign": np.array([tr.callsign for tr in tgt_tracks], dtype=str),
            "rcs_dbsm": np.array([f"{x:.1f}" for x in rcs], dtype=str),
            "truth_segments": np.array([str(c) for c in seg_count], dtype=str),
        },
    )
    context = Context(sites=list(cfg.sites), borders=list(cfg.borders))
    meta = {
        "generator": "skyfuse.sim.realtracks",
        "seed": cfg.seed,
        "start_utc": dt.datetime.fromtimestamp(t0, dt.UTC).isoformat(),
        "t0_epoch_s": t0,
        "classes": {c: cls.count(c) for c in sorted(set(cls))},
        "truth_segments": int(sum(seg_count)),
        "rejected_fixes": int(sum(f.rejected for f in fixes_used)),
        "repeated_rows_dropped": int(sum(f.repeated for f in fixes_used)),
        "rules": {k: getattr(cfg.rules, k) for k in cfg.rules.__dataclass_fields__},
    }
    return write_world(
        folder,
        motion=motion,
        specs=specs,
        radars=radars,
        extra_batches=extra,
        targets=targets,
        rcs_mean_dbsm=rcs,
        context=context,
        duration_s=duration,
        truth_dt_s=dt_s,
        rng=rng,
        meta=meta,
    )
