"""Simulator configuration: every parameter with its unit, as frozen msgspec Structs.

`SimConfig` is the whole scenario recipe; the per-sensor-kind blocks (`RadarParams`, ...) hold
what one kind of sensor needs. Everything is plain data, so a config round-trips through JSON
(`meta.json` records it) and `msgspec.structs.replace` derives variants (presets, CLI overrides).

Units: metres, seconds, m/s, degrees (fields ending ``_deg``), dB / dBsm / dBm, Hz / MHz.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import KNOWN_CLASSES

Range = tuple[float, float]
"""A closed interval (low, high) in the unit of the field's name."""


class RadarParams(msgspec.Struct, frozen=True, kw_only=True):
    """Surveillance radars (defaults: the bench model of `shared/notes/domain.md` section 2:
    1 s scan, sigma 10 m range and 0.2 deg az/el, Pd 0.9, 10 clutter plots a scan,
    250 m-30 km, elevation -2..30 deg, i.e. a cone of silence above 30 deg)."""

    pd: float = 0.9
    """Detection probability of a target inside the coverage, per scan."""
    clutter_rate_per_scan: float = 10.0
    """Mean number of false plots a scan (Poisson), uniform in (range, azimuth, elevation)."""
    sigma_range_m: float = 10.0
    sigma_azimuth_deg: float = 0.2
    sigma_elevation_deg: float = 0.2
    scan_period_s: float = 1.0
    min_range_m: float = 250.0
    max_range_m: float = 30_000.0
    min_elevation_deg: float = -2.0
    max_elevation_deg: float = 30.0
    height_m: float = 10.0
    """Antenna height above the ground reference (ENU z or ellipsoidal height)."""
    doppler: bool = False
    """Report `radial_velocity_mps` (positive away from the radar)."""
    sigma_radial_velocity_mps: float = 0.5
    rcs: bool = False
    """Report `rcs_dbsm`: Swerling 1 around the target's mean RCS; clutter U(-35, 5) dBsm."""
    stagger: bool = True
    """Stagger first scans across radars (radar i starts at i * period / slots)."""
    stagger_slots: int = 0
    """Number of distinct scan phases; 0 = one per radar (fewer slots = fewer report times)."""
    layout: Literal["ring", "grid"] = "ring"
    """`ring`: on a circle of `ring_radius_m` (radar 0 due North); `grid`: spread over the area."""
    ring_radius_m: float = 8_000.0


class AcousticParams(msgspec.Struct, frozen=True, kw_only=True):
    """Acoustic arrays (Sky Fortress style: a phone and a microphone on a pole, bearings only).

    Ranges by class follow `shared/notes/domain.md` section 2: Shahed 1-5 km at low altitude
    (3 km here), small quadcopters 100-300 m (uses 600 m for larger multirotors), gasoline
    fixed-wing 678 m measured (1.5 km for bigger engines), birds unheard, airliners far.
    """

    pd: float = 0.8
    """Detection probability at zero range; falls as 1 - (r / max_range)^2."""
    clutter_rate_per_scan: float = 0.2
    """Mean false bearings a report interval (Poisson)."""
    sigma_azimuth_deg: float = 3.0
    sigma_elevation_deg: float = 5.0
    sigma_snr_db: float = 2.0
    elevation: bool = True
    """Report `elevation_deg` as well as `azimuth_deg`."""
    report_period_s: float = 1.0
    first_report_time_s: float = 0.2
    layout: Literal["grid", "random"] = "grid"
    """`grid`: nodes on a square grid (nearest the centre first); `random`: uniform in the area."""
    spacing_m: float = 3_000.0
    """Grid spacing, metres (`grid` layout)."""
    height_m: float = 2.0
    speed_of_sound_mps: float = 343.0
    max_range_m_by_class: dict[str, float] = msgspec.field(
        default_factory=lambda: {
            "attack_drone": 3000.0,
            "decoy": 2500.0,
            "multirotor": 600.0,
            "fixed_wing_uav": 1500.0,
            "aircraft": 8000.0,
        }
    )
    """Slant range (m) at which each class is just heard; a class not listed is never heard."""
    fundamental_sigma_hz_by_class: dict[str, float] = msgspec.field(
        default_factory=lambda: {
            "attack_drone": 1.5,
            "decoy": 2.0,
            "multirotor": 8.0,
            "fixed_wing_uav": 2.0,
            "aircraft": 2.0,
        }
    )
    """1-sigma error of the reported engine fundamental frequency, Hz, by class."""


class RfParams(msgspec.Struct, frozen=True, kw_only=True):
    """RF direction finders: bearings to emitting drones, controllers and ground relays."""

    pd: float = 0.9
    """Probability of reporting an emitter above sensitivity in one report interval."""
    clutter_rate_per_scan: float = 0.3
    sigma_azimuth_deg: float = 2.0
    sigma_frequency_mhz: float = 0.05
    sigma_rssi_db: float = 3.0
    report_period_s: float = 1.0
    first_report_time_s: float = 0.4
    max_range_m: float = 40_000.0
    sensitivity_dbm: float = -110.0
    """Weakest received power reported (RSSI = EIRP - free-space loss + noise)."""
    layout: Literal["ring", "grid"] = "ring"
    """`ring`: on a circle of `ring_radius_m` from 45 deg; `grid`: spread over the area."""
    ring_radius_m: float = 5_000.0
    height_m: float = 20.0
    bands_mhz: list[tuple[float, float]] = msgspec.field(
        default_factory=lambda: [
            (433.05, 434.79),
            (868.0, 868.6),
            (902.0, 928.0),
            (2400.0, 2483.5),
            (5725.0, 5875.0),
        ]
    )
    """Bands the receiver scans, MHz."""


class EoParams(msgspec.Struct, frozen=True, kw_only=True):
    """EO/IR cameras: a narrow fixed sector, precise angles and a noisy on-board classifier."""

    pd: float = 0.7
    clutter_rate_per_scan: float = 0.1
    sigma_azimuth_deg: float = 0.05
    sigma_elevation_deg: float = 0.05
    report_period_s: float = 1.0
    first_report_time_s: float = 0.6
    fov_deg: float = 30.0
    """Width of the azimuth sector, degrees, centred on the boresight."""
    min_range_m: float = 50.0
    max_range_m: float = 5_000.0
    min_elevation_deg: float = -5.0
    max_elevation_deg: float = 45.0
    height_m: float = 10.0
    classifier_concentration: float = 20.0
    """Dirichlet concentration of the class scores around the confusion row (higher = surer)."""


class CoopParams(msgspec.Struct, frozen=True, kw_only=True):
    """Cooperative self-reports: ADS-B (manned aircraft) and Remote ID (small UAS)."""

    adsb_pd: float = 0.98
    adsb_sigma_pos_m: float = 10.0
    adsb_sigma_vel_mps: float = 0.5
    adsb_max_range_m: float = 250_000.0
    adsb_first_report_time_s: float = 0.8
    rid_pd: float = 0.95
    rid_sigma_pos_m: float = 5.0
    rid_sigma_vel_mps: float = 0.3
    rid_max_range_m: float = 20_000.0
    rid_first_report_time_s: float = 0.9
    report_period_s: float = 1.0
    height_m: float = 15.0
    spoof_share: float = 0.0
    """Share of cooperative targets whose self-reports lie by a fixed offset."""
    spoof_offset_m: Range = (300.0, 1500.0)
    """Horizontal size of a spoofing offset, metres (drawn per spoofing target)."""


class PopulationParams(msgspec.Struct, frozen=True, kw_only=True):
    """Per-class property ranges the population draws from (uniform in each range).

    The defaults are the class models of `skyfuse.sim.population` (and draw the same random
    numbers as before these fields existed); `skyfuse.sim.presets.varied_world` widens and
    shifts them so the classifier can be trained over many worlds rather than one. Shares are
    drawn per target; a share of 0 draws nothing (the random stream is unchanged).
    """

    attack_speed_mps: Range = (42.0, 51.0)
    """Cruise speed of piston attack drones (Shahed-136: 150-185 km/h)."""
    decoy_speed_mps: Range = (40.0, 48.0)
    jet_share: float = 0.0
    """Share of attack drones that are jet-powered (Geran-3 style), flying `jet_speed_mps`."""
    jet_speed_mps: Range = (100.0, 150.0)
    jet_hz: Range = (250.0, 400.0)
    """Acoustic 'fundamental' reported for a jet drone (turbine whine band), Hz."""
    attack_rcs_dbsm: Range = (-10.0, -3.0)
    decoy_rcs_dbsm: Range = (-14.0, -7.0)
    decoy_reflector_share: float = 0.0
    """Share of decoys carrying radar reflectors: their RCS is drawn from `reflector_rcs_dbsm`
    (that of the attack drones), as reported of real Gerbera decoys."""
    reflector_rcs_dbsm: Range = (-10.0, -3.0)
    attack_hz: Range = (100.0, 130.0)
    decoy_hz: Range = (150.0, 200.0)
    multirotor_speed_mps: Range = (0.0, 20.0)
    multirotor_altitude_m: Range = (20.0, 150.0)
    multirotor_rcs_dbsm: Range = (-20.0, -12.0)
    fixed_wing_speed_mps: Range = (20.0, 35.0)
    fixed_wing_altitude_m: Range = (100.0, 1500.0)
    fixed_wing_rcs_dbsm: Range = (-15.0, -5.0)
    fixed_wing_hz: Range = (80.0, 150.0)
    fixed_wing_leg_mean_s: float = 25.0
    """Mean manoeuvre-leg duration of fixed-wing UAVs (long legs: patrol / survey lines), s."""
    bird_speed_mps: Range = (8.0, 20.0)
    bird_altitude_m: Range = (10.0, 300.0)
    bird_rcs_dbsm: Range = (-30.0, -20.0)
    bird_leg_mean_s: float = 8.0
    aircraft_speed_mps: Range = (100.0, 250.0)
    aircraft_altitude_m: Range = (3000.0, 11000.0)
    aircraft_rcs_dbsm: Range = (10.0, 25.0)
    aircraft_climb_share: float = 0.0
    """Share of airliners climbing or descending (exit altitude drawn anew in the range)."""
    aircraft_climb_max_mps: float = 10.0


class SimConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A whole scenario recipe. Defaults give the `n10-r3` style radar scenario.

    Geometry lives in a map plane (x East, y North, z up, metres) centred on the origin; in a
    `wgs84` scenario the plane is unrolled onto the WGS-84 ellipsoid around the origin (see
    `skyfuse.sim.geometry.MapProjection`). Target counts are per class; `targets` are generic
    wandering targets in the style of `shared/scenarios/n10-r3-s120`.
    """

    seed: int = 1
    """Random seed: the same config and seed give identical files."""
    frame: Literal["enu", "wgs84"] = "enu"
    """`enu`: flat metres (x, y, z); `wgs84`: lat/lon/alt, angles in each sensor's tangent plane."""
    origin_lat_deg: float = 50.45
    """Geodetic origin of the map plane (degrees, metres above the ellipsoid)."""
    origin_lon_deg: float = 30.52
    origin_alt_m: float = 0.0
    duration_s: float = 120.0
    """Scenario length; sensors report over [0, duration_s)."""
    motion_step_s: float = 0.5
    """Integration step of the trajectories (states in between are Hermite-interpolated)."""
    area_radius_m: float = 20_000.0
    """Radius of the disc the targets fly in (half-width of the square for grid layouts)."""

    # Generic wandering targets (n-presets).
    targets: int = 10
    """Generic wandering targets (constant speed, random turn and climb legs, inside the disc)."""
    target_class: str = "attack_drone"
    """Class written for the generic targets in `targets.csv`."""
    speed_mps: Range = (20.0, 60.0)
    """Speed of each generic target, drawn uniformly, m/s."""
    altitude_m: Range = (100.0, 2000.0)
    """Altitude band of the generic targets, m."""
    alive_at_start: float = 0.5
    """Share of generic targets alive at t = 0; the others are born over `birth_window`."""
    birth_window: float = 0.7
    """Births of the others are uniform over [0, birth_window * duration_s]."""
    min_lifetime_frac: float = 0.3
    """Lifetimes are uniform over [min_lifetime_frac, 1] * duration_s (cut at the end)."""
    mean_leg_s: float = 30.0
    """Mean duration of a manoeuvre leg (turn, climb or straight), seconds (exponential)."""
    turnover: bool = False
    """Steady state: `targets` alive at every time, leaving and being replaced (hour runs)."""
    lifetime_s: Range = (300.0, 900.0)
    """Lifetime of generic targets when `turnover` is on."""

    # Hostile raid: attack drones and decoys launched in waves toward the protected sites.
    attack_drones: int = 0
    """Shahed-class one-way attack drones (42-51 m/s), flying to a site or across the border."""
    decoys: int = 0
    """Gerbera-class decoys (40-48 m/s, smaller RCS), mixed into the same waves and groups."""
    waves: int = 1
    """Number of launch waves (each group of hostiles belongs to one)."""
    wave_gap_s: float = 30.0
    """Time between the starts of successive waves."""
    wave_spread_s: float = 30.0
    """Launch times inside a wave are uniform over this window."""
    raid_group_size: int = 1
    """Targets per formation group (1 = no formations)."""
    raid_spacing_m: float = 300.0
    """Line-abreast spacing between neighbours in a formation group, metres."""
    launch_areas: int = 1
    """Launch (entry) areas, 25 deg apart clockwise from `launch_bearing_deg`."""
    launch_distance_m: float = 15_000.0
    """Distance of the launch (entry) areas from the centre, metres."""
    launch_bearing_deg: float = 250.0
    """Bearing of the first launch area from the centre, degrees clockwise from North."""
    launch_area_radius_m: float = 1_000.0
    """1-sigma scatter of the groups' launch points around their area, m."""
    hostile_altitude_m: Range = (1000.0, 4000.0)
    """Cruise altitude of the high flyers (since 2025 many fly at 2-5 km, out of earshot)."""
    low_share: float = 0.3
    """Share of hostiles cruising low, within hearing (`low_altitude_m`)."""
    low_altitude_m: Range = (50.0, 300.0)
    datalink_share: float = 0.3
    """Share of attack drones with a radio datalink (cellular/telemetry) visible to RF-DF."""
    decoy_relay_share: float = 0.2
    """Share of decoys carrying a radio relay for other drones."""
    border_share: float = 0.0
    """Share of hostiles straying across the border instead of flying to a site."""
    en_route_share: float = 0.0
    """Share of hostile groups already in flight at t = 0, somewhere along their first leg."""

    # Other traffic.
    birds: int = 0
    """Birds: 8-20 m/s, 10-300 m, wandering; silent, no RF, tiny RCS."""
    aircraft: int = 0
    """Airliners crossing the area at 100-250 m/s and 3-11 km, with ADS-B."""
    multirotors: int = 0
    """Multirotors near their operators (each with a ground controller emitter), Remote ID."""
    fixed_wing_uavs: int = 0
    """Fixed-wing UAVs, 20-35 m/s, 100-1,500 m, Remote ID."""
    relays: int = 0
    """Static hostile radio relays on the ground (class `ground_emitter`)."""
    cooperative_share: float = 1.0
    """Share of multirotors / fixed-wing UAVs broadcasting Remote ID."""

    # Context.
    sites: int = 0
    """Protected sites in the inner half of the area (the hostiles' goals)."""
    border: bool = False
    """Draw a border with a partner across the area, beside the launch axis."""
    partner: str = "PL"
    """The partner's name in `context.json`."""

    # Sensors.
    radars: int = 3
    acoustic_arrays: int = 0
    rf_sensors: int = 0
    eo_cameras: int = 0
    adsb: bool = False
    """One ADS-B receiver at the centre."""
    remote_id: bool = False
    """One Remote ID receiver at the centre."""
    radar: RadarParams = msgspec.field(default_factory=RadarParams)
    acoustic: AcousticParams = msgspec.field(default_factory=AcousticParams)
    rf: RfParams = msgspec.field(default_factory=RfParams)
    eo: EoParams = msgspec.field(default_factory=EoParams)
    coop: CoopParams = msgspec.field(default_factory=CoopParams)
    population: PopulationParams = msgspec.field(default_factory=PopulationParams)
    """Per-class property ranges (defaults: the class models above)."""

    def __post_init__(self) -> None:
        validate_config(self)


def _bad(field: str, reason: str) -> InputError:
    return InputError("SimConfig", reason, field=field)


def validate_config(c: SimConfig) -> None:
    """Reject impossible parameters with an `InputError` naming the field."""
    if c.duration_s <= 0.0:
        raise _bad("duration_s", f"must be > 0 s, got {c.duration_s}")
    if not 0.0 < c.motion_step_s <= 5.0:
        raise _bad("motion_step_s", f"must be in (0, 5] s, got {c.motion_step_s}")
    if c.area_radius_m <= 0.0:
        raise _bad("area_radius_m", f"must be > 0 m, got {c.area_radius_m}")
    if c.target_class not in KNOWN_CLASSES:
        raise _bad("target_class", f"unknown class {c.target_class!r} (one of {KNOWN_CLASSES})")
    counts = {
        "targets": c.targets,
        "attack_drones": c.attack_drones,
        "decoys": c.decoys,
        "birds": c.birds,
        "aircraft": c.aircraft,
        "multirotors": c.multirotors,
        "fixed_wing_uavs": c.fixed_wing_uavs,
        "relays": c.relays,
        "sites": c.sites,
        "radars": c.radars,
        "acoustic_arrays": c.acoustic_arrays,
        "rf_sensors": c.rf_sensors,
        "eo_cameras": c.eo_cameras,
    }
    for name, v in counts.items():
        if v < 0:
            raise _bad(name, f"must be >= 0, got {v}")
    if c.waves < 1:
        raise _bad("waves", f"must be >= 1, got {c.waves}")
    if c.raid_group_size < 1:
        raise _bad("raid_group_size", f"must be >= 1, got {c.raid_group_size}")
    if c.launch_areas < 1:
        raise _bad("launch_areas", f"must be >= 1, got {c.launch_areas}")
    shares = {
        "alive_at_start": c.alive_at_start,
        "birth_window": c.birth_window,
        "min_lifetime_frac": c.min_lifetime_frac,
        "low_share": c.low_share,
        "datalink_share": c.datalink_share,
        "decoy_relay_share": c.decoy_relay_share,
        "border_share": c.border_share,
        "en_route_share": c.en_route_share,
        "cooperative_share": c.cooperative_share,
        "coop.spoof_share": c.coop.spoof_share,
        "radar.pd": c.radar.pd,
        "acoustic.pd": c.acoustic.pd,
        "rf.pd": c.rf.pd,
        "eo.pd": c.eo.pd,
        "coop.adsb_pd": c.coop.adsb_pd,
        "coop.rid_pd": c.coop.rid_pd,
        "population.jet_share": c.population.jet_share,
        "population.decoy_reflector_share": c.population.decoy_reflector_share,
        "population.aircraft_climb_share": c.population.aircraft_climb_share,
    }
    for name, share in shares.items():
        if not 0.0 <= share <= 1.0:
            raise _bad(name, f"must be in [0, 1], got {share}")
    ranges = {
        "speed_mps": c.speed_mps,
        "altitude_m": c.altitude_m,
        "lifetime_s": c.lifetime_s,
        "hostile_altitude_m": c.hostile_altitude_m,
        "low_altitude_m": c.low_altitude_m,
        "coop.spoof_offset_m": c.coop.spoof_offset_m,
    }
    pop = c.population
    for name in PopulationParams.__struct_fields__:
        v = getattr(pop, name)
        if isinstance(v, tuple) and not name.endswith("_dbsm"):
            ranges[f"population.{name}"] = v
    for name, (lo, hi) in ranges.items():
        if not (0.0 <= lo <= hi < float("inf")):
            raise _bad(name, f"needs 0 <= low <= high (finite), got ({lo}, {hi})")
    for name in PopulationParams.__struct_fields__:
        v = getattr(pop, name)
        if name.endswith("_dbsm") and not (-80.0 <= v[0] <= v[1] <= 80.0):
            raise _bad(f"population.{name}", f"needs -80 <= low <= high <= 80 dBsm, got {v}")
    for name in ("fixed_wing_leg_mean_s", "bird_leg_mean_s", "aircraft_climb_max_mps"):
        v = getattr(pop, name)
        if not (0.0 < v < float("inf")):
            raise _bad(f"population.{name}", f"must be > 0 and finite, got {v}")
    sigmas = {
        "radar.sigma_range_m": c.radar.sigma_range_m,
        "radar.sigma_azimuth_deg": c.radar.sigma_azimuth_deg,
        "radar.sigma_elevation_deg": c.radar.sigma_elevation_deg,
        "radar.sigma_radial_velocity_mps": c.radar.sigma_radial_velocity_mps,
        "radar.scan_period_s": c.radar.scan_period_s,
        "acoustic.sigma_azimuth_deg": c.acoustic.sigma_azimuth_deg,
        "acoustic.sigma_elevation_deg": c.acoustic.sigma_elevation_deg,
        "acoustic.sigma_snr_db": c.acoustic.sigma_snr_db,
        "acoustic.report_period_s": c.acoustic.report_period_s,
        "acoustic.speed_of_sound_mps": c.acoustic.speed_of_sound_mps,
        "acoustic.spacing_m": c.acoustic.spacing_m,
        "rf.sigma_azimuth_deg": c.rf.sigma_azimuth_deg,
        "rf.sigma_frequency_mhz": c.rf.sigma_frequency_mhz,
        "rf.sigma_rssi_db": c.rf.sigma_rssi_db,
        "rf.report_period_s": c.rf.report_period_s,
        "eo.sigma_azimuth_deg": c.eo.sigma_azimuth_deg,
        "eo.sigma_elevation_deg": c.eo.sigma_elevation_deg,
        "eo.report_period_s": c.eo.report_period_s,
        "eo.fov_deg": c.eo.fov_deg,
        "eo.classifier_concentration": c.eo.classifier_concentration,
        "coop.adsb_sigma_pos_m": c.coop.adsb_sigma_pos_m,
        "coop.adsb_sigma_vel_mps": c.coop.adsb_sigma_vel_mps,
        "coop.rid_sigma_pos_m": c.coop.rid_sigma_pos_m,
        "coop.rid_sigma_vel_mps": c.coop.rid_sigma_vel_mps,
        "coop.report_period_s": c.coop.report_period_s,
    }
    for name, sigma in sigmas.items():
        if not sigma > 0.0:
            raise _bad(name, f"must be > 0, got {sigma}")
    rates = {
        "radar.clutter_rate_per_scan": c.radar.clutter_rate_per_scan,
        "acoustic.clutter_rate_per_scan": c.acoustic.clutter_rate_per_scan,
        "rf.clutter_rate_per_scan": c.rf.clutter_rate_per_scan,
        "eo.clutter_rate_per_scan": c.eo.clutter_rate_per_scan,
    }
    for name, rate in rates.items():
        if rate < 0.0:
            raise _bad(name, f"must be >= 0, got {rate}")
    if c.radar.min_range_m >= c.radar.max_range_m:
        raise _bad("radar.min_range_m", "must be below radar.max_range_m")
    if c.radar.min_elevation_deg >= c.radar.max_elevation_deg:
        raise _bad("radar.min_elevation_deg", "must be below radar.max_elevation_deg")
    if c.eo.fov_deg >= 360.0:
        raise _bad("eo.fov_deg", "must be < 360 deg")
    for cls in c.acoustic.max_range_m_by_class:
        if cls not in KNOWN_CLASSES:
            raise _bad("acoustic.max_range_m_by_class", f"unknown class {cls!r}")
    if c.frame == "wgs84" and not -80.0 <= c.origin_lat_deg <= 80.0:
        raise _bad("origin_lat_deg", f"must be in [-80, 80] deg, got {c.origin_lat_deg}")
