"""Who flies: every target's class, mission, birth, route and signatures, as columns.

Class-true kinematics and signatures (`shared/notes/domain.md` section 1 unless stated):

- `attack_drone` (Shahed-136 / Geran-2): cruise 150-185 km/h = 42-51 m/s; 50-4,000 m (since
  2025 many fly at 2-5 km, out of microphones' reach); two-stroke engine, fundamental 100-130 Hz;
  RCS ~0.1 m^2 [U] (mean -10..-3 dBsm here); a share carries a cellular/telemetry datalink.
- `decoy` (Gerbera): ~160 km/h (40-48 m/s), same routes, plywood and foam (smaller RCS,
  -14..-7 dBsm), a small rear engine (150-200 Hz); some carry a radio relay.
- `multirotor`: 0-20 m/s, 20-150 m, hovers and manoeuvres near its operator; blade-pass
  150-300 Hz; video downlink at 5.8 GHz and a controller on the ground uplinking at 2.4 GHz.
- `fixed_wing_uav`: 20-35 m/s, 100-1,500 m; gasoline engine 80-150 Hz; half with a 900 MHz link.
- `bird`: 8-20 m/s, 10-300 m, wandering with frequent turns, -30..-20 dBsm, silent, no RF.
- `aircraft` (airliners): 100-250 m/s, 3-11 km, straight transits, 10..25 dBsm, ADS-B.
- `ground_emitter`: a static radio relay on a mast (hostile) or a drone's ground controller
  (not hostile): RF only.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import HOSTILE_CLASSES, TargetClass
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
G_MPS2: Final = 9.80665
MAX_WAYPOINTS: Final = 5


class Behaviour(IntEnum):
    """How a target chooses its manoeuvres (see `skyfuse.sim.motion`)."""

    WANDER = 0
    """Random legs of turns and climbs, kept inside a disc around the centre."""
    ROUTE = 1
    """Fly through waypoints; the last one is an impact point (dive) or an exit point."""
    STATIC = 2
    """On the ground, not moving."""
    HOME = 3
    """Multirotor: hover or manoeuvre legs, kept within `home_radius_m` of its operator."""


class Coop(IntEnum):
    """Which cooperative self-report a target sends."""

    NONE = 0
    ADSB = 1
    REMOTE_ID = 2


@dataclass(frozen=True, slots=True)
class TargetPlan:
    """Every target as columns (index = target id). Map-plane metres, seconds, m/s, radians.

    Kinematics: ``pos0`` start (N, 3); ``heading0`` rad clockwise from North; ``speed`` cruise
    m/s; ``speed_range`` (N, 2) for leg speeds; ``alt_range`` (N, 2) wander band; ``cruise_alt``;
    ``turn_max`` rad/s (coordinated turn: g tan(bank) / v); ``climb_max`` m/s; ``leg_mean_s``;
    ``home`` (N, 2) and ``home_radius_m`` (wander / HOME disc); ``waypoints`` (N, W, 2) with
    ``n_wp`` used and ``waypoint_alt`` (N, W) the altitude flown toward each; ``dive`` true if
    the last waypoint is an impact point.
    Life: ``t_birth`` s, ``t_end`` planned end s (inf: until route end or scenario end).
    Signatures: ``rcs_dbsm`` mean RCS; ``acoustic_hz`` engine fundamental (NaN silent);
    ``rf_mhz``, ``rf_bw_mhz``, ``rf_eirp_dbm`` (NaN: no emitter); ``coop`` kind, ``coop_id``,
    ``callsign``; ``spoof_offset`` (N, 2) metres East/North added to self-reports (0 = honest);
    ``operator`` target id of a multirotor's controller (-1).
    Mission: ``goal_site`` index (-1), ``wave``, ``group`` (-1), ``crosses_border``.
    """

    cls: NDArray[np.int8]
    hostile: NDArray[np.bool_]
    behaviour: NDArray[np.int8]
    t_birth: F64
    t_end: F64
    pos0: F64
    heading0: F64
    speed: F64
    speed_range: F64
    alt_range: F64
    cruise_alt: F64
    turn_max: F64
    climb_max: F64
    leg_mean_s: F64
    home: F64
    home_radius_m: F64
    waypoints: F64
    waypoint_alt: F64
    n_wp: I64
    dive: NDArray[np.bool_]
    rcs_dbsm: F64
    acoustic_hz: F64
    rf_mhz: F64
    rf_bw_mhz: F64
    rf_eirp_dbm: F64
    coop: NDArray[np.int8]
    coop_id: NDArray[np.str_]
    callsign: NDArray[np.str_]
    spoof_offset: F64
    operator: I64
    goal_site: I64
    wave: I64
    group: I64
    crosses_border: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.cls.shape[0])


def _turn_rate(speed: F64, bank_deg: float, cap: float) -> F64:
    """Coordinated-turn rate g tan(bank) / v (rad/s), capped for slow or hovering targets."""
    return np.asarray(
        np.minimum(G_MPS2 * np.tan(np.radians(bank_deg)) / np.maximum(speed, 1.0), cap),
        dtype=np.float64,
    )


class _Builder:
    """Accumulates groups of targets column by column."""

    def __init__(self) -> None:
        self.cols: dict[str, list[NDArray[np.generic]]] = {}
        self.n = 0

    def add(self, n: int, **cols: object) -> int:
        """Add n targets; scalar columns broadcast; returns the first new target id."""
        first = self.n
        if n == 0:
            return first
        defaults: dict[str, object] = {
            "hostile": False,
            "t_end": np.inf,
            "heading0": 0.0,
            "speed": 0.0,
            "speed_range": np.zeros(2),
            "alt_range": np.zeros(2),
            "cruise_alt": 0.0,
            "turn_max": 0.0,
            "climb_max": 0.0,
            "leg_mean_s": 30.0,
            "home": np.zeros(2),
            "home_radius_m": np.inf,
            "waypoints": np.zeros((MAX_WAYPOINTS, 2)),
            "waypoint_alt": np.zeros(MAX_WAYPOINTS),
            "n_wp": 0,
            "dive": False,
            "rcs_dbsm": np.nan,
            "acoustic_hz": np.nan,
            "rf_mhz": np.nan,
            "rf_bw_mhz": np.nan,
            "rf_eirp_dbm": np.nan,
            "coop": int(Coop.NONE),
            "coop_id": "",
            "callsign": "",
            "spoof_offset": np.zeros(2),
            "operator": -1,
            "goal_site": -1,
            "wave": -1,
            "group": -1,
            "crosses_border": False,
        }
        merged = {**defaults, **cols}
        for k, v in merged.items():
            a = np.asarray(v)
            if a.ndim == 0 or (k in _VECTOR_COLS and a.ndim == _VECTOR_COLS[k]):
                a = np.broadcast_to(a, (n, *a.shape)).copy()
            if a.shape[0] != n:
                raise ValueError(f"column {k}: {a.shape[0]} rows for {n} targets")
            self.cols.setdefault(k, []).append(a)
        self.n += n
        return first

    def build(self) -> TargetPlan:
        def cat(k: str, dtype: type | None = None) -> NDArray[np.generic]:
            parts = self.cols.get(k, [])
            if not parts:
                shape = (0, *_VECTOR_SHAPES.get(k, ()))
                return np.zeros(shape, dtype=dtype or np.float64)
            out = np.concatenate(parts)
            return out.astype(dtype) if dtype is not None else out

        f = np.float64
        return TargetPlan(
            cls=cat("cls", np.int8).astype(np.int8),
            hostile=cat("hostile", bool).astype(bool),
            behaviour=cat("behaviour", np.int8).astype(np.int8),
            t_birth=cat("t_birth", f).astype(f),
            t_end=cat("t_end", f).astype(f),
            pos0=cat("pos0", f).astype(f).reshape(-1, 3),
            heading0=cat("heading0", f).astype(f),
            speed=cat("speed", f).astype(f),
            speed_range=cat("speed_range", f).astype(f).reshape(-1, 2),
            alt_range=cat("alt_range", f).astype(f).reshape(-1, 2),
            cruise_alt=cat("cruise_alt", f).astype(f),
            turn_max=cat("turn_max", f).astype(f),
            climb_max=cat("climb_max", f).astype(f),
            leg_mean_s=cat("leg_mean_s", f).astype(f),
            home=cat("home", f).astype(f).reshape(-1, 2),
            home_radius_m=cat("home_radius_m", f).astype(f),
            waypoints=cat("waypoints", f).astype(f).reshape(-1, MAX_WAYPOINTS, 2),
            waypoint_alt=cat("waypoint_alt", f).astype(f).reshape(-1, MAX_WAYPOINTS),
            n_wp=cat("n_wp", np.int64).astype(np.int64),
            dive=cat("dive", bool).astype(bool),
            rcs_dbsm=cat("rcs_dbsm", f).astype(f),
            acoustic_hz=cat("acoustic_hz", f).astype(f),
            rf_mhz=cat("rf_mhz", f).astype(f),
            rf_bw_mhz=cat("rf_bw_mhz", f).astype(f),
            rf_eirp_dbm=cat("rf_eirp_dbm", f).astype(f),
            coop=cat("coop", np.int8).astype(np.int8),
            coop_id=cat("coop_id", str).astype(str),
            callsign=cat("callsign", str).astype(str),
            spoof_offset=cat("spoof_offset", f).astype(f).reshape(-1, 2),
            operator=cat("operator", np.int64).astype(np.int64),
            goal_site=cat("goal_site", np.int64).astype(np.int64),
            wave=cat("wave", np.int64).astype(np.int64),
            group=cat("group", np.int64).astype(np.int64),
            crosses_border=cat("crosses_border", bool).astype(bool),
        )


_VECTOR_COLS: Final = {
    "pos0": 1,
    "speed_range": 1,
    "alt_range": 1,
    "home": 1,
    "waypoints": 2,
    "waypoint_alt": 1,
    "spoof_offset": 1,
}
"""Per-target vector columns and their per-target rank (a single value broadcasts)."""
_VECTOR_SHAPES: Final = {
    "pos0": (3,),
    "speed_range": (2,),
    "alt_range": (2,),
    "home": (2,),
    "waypoints": (MAX_WAYPOINTS, 2),
    "waypoint_alt": (MAX_WAYPOINTS,),
    "spoof_offset": (2,),
}
"""Per-target shape of each vector column (for empty plans)."""


def _disc(rng: np.random.Generator, n: int, radius: float) -> F64:
    """n points uniform in a disc of the given radius around the origin, (n, 2) metres."""
    ang = rng.uniform(0.0, 2.0 * np.pi, n)
    rad = radius * np.sqrt(rng.uniform(0.0, 1.0, n))
    return np.stack([rad * np.sin(ang), rad * np.cos(ang)], axis=-1)


def _ids(
    rng: np.random.Generator, n: int, alphabet: str, length: int, prefix: str = ""
) -> list[str]:
    """n random identifiers (ICAO 24-bit addresses, serial numbers, callsigns)."""
    chars = np.array(list(alphabet))
    picks = rng.integers(0, len(chars), (n, length))
    return [prefix + "".join(chars[row]) for row in picks]


def _band_freq(rng: np.random.Generator, band: tuple[float, float], n: int) -> F64:
    """Carrier frequencies uniform in a band (MHz), kept 10 % away from its edges."""
    lo, hi = band
    pad = 0.1 * (hi - lo)
    return rng.uniform(lo + pad, hi - pad, n)


def plan_targets(cfg: SimConfig, geo: Geography, rng: np.random.Generator) -> TargetPlan:
    """Draw every target of the scenario (deterministic given ``rng``)."""
    b = _Builder()
    _generic(b, cfg, rng)
    _hostiles(b, cfg, geo, rng)
    _relays(b, cfg, geo, rng)
    _multirotors(b, cfg, rng)
    _fixed_wing(b, cfg, rng)
    _birds(b, cfg, rng)
    _aircraft(b, cfg, rng)
    return b.build()


def _generic(b: _Builder, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Wandering targets in the disc, in the style of `shared/scenarios/n10-r3-s120`."""
    n = cfg.targets
    if n == 0:
        return
    d = cfg.duration_s
    if cfg.turnover:
        lo, hi = cfg.lifetime_s
        mean_life = 0.5 * (lo + hi)
        n_new = int(rng.poisson(n * d / mean_life))
        life0 = rng.uniform(lo, hi, n) * rng.uniform(0.0, 1.0, n)
        born_later = np.sort(rng.uniform(0.0, d, n_new))
        t_birth = np.concatenate([np.zeros(n), born_later])
        t_end = np.concatenate([life0, born_later + rng.uniform(lo, hi, n_new)])
        n = n + n_new
    else:
        n0 = round(cfg.alive_at_start * n)
        t_birth = np.concatenate([np.zeros(n0), rng.uniform(0.0, cfg.birth_window * d, n - n0)])
        t_end = t_birth + rng.uniform(cfg.min_lifetime_frac * d, d, n)
    speed = rng.uniform(*cfg.speed_mps, n)
    alt = rng.uniform(*cfg.altitude_m, n)
    xy = _disc(rng, n, cfg.area_radius_m)
    cls = TargetClass.from_label(cfg.target_class)
    b.add(
        n,
        cls=int(cls),
        hostile=cfg.target_class in HOSTILE_CLASSES,
        behaviour=int(Behaviour.WANDER),
        t_birth=t_birth,
        t_end=t_end,
        pos0=np.column_stack([xy, alt]),
        heading0=rng.uniform(0.0, 2.0 * np.pi, n),
        speed=speed,
        speed_range=np.column_stack([speed, speed]),
        alt_range=np.column_stack([np.full(n, cfg.altitude_m[0]), np.full(n, cfg.altitude_m[1])]),
        cruise_alt=alt,
        turn_max=_turn_rate(speed, 30.0, 0.3),
        climb_max=np.full(n, 3.0),
        leg_mean_s=cfg.mean_leg_s,
        home_radius_m=cfg.area_radius_m,
        rcs_dbsm=rng.uniform(-10.0, 0.0, n),
        acoustic_hz=rng.uniform(100.0, 130.0, n),
    )


def _hostiles(b: _Builder, cfg: SimConfig, geo: Geography, rng: np.random.Generator) -> None:
    """Attack drones and decoys in waves and formation groups, from launch areas to sites."""
    n = cfg.attack_drones + cfg.decoys
    if n == 0:
        return
    is_decoy = np.zeros(n, dtype=bool)
    is_decoy[cfg.attack_drones :] = True
    rng.shuffle(is_decoy)
    m = cfg.raid_group_size
    group = np.arange(n) // m
    n_groups = int(group[-1]) + 1
    member = np.arange(n) % m
    size = np.bincount(group)[group]

    wave_g = rng.integers(0, cfg.waves, n_groups)
    t_birth_g = wave_g * cfg.wave_gap_s + rng.uniform(0.0, cfg.wave_spread_s, n_groups)
    t_birth_g = np.minimum(t_birth_g, 0.95 * cfg.duration_s)
    area_g = rng.integers(0, len(geo.launch_xy), n_groups)
    launch_g = geo.launch_xy[area_g] + rng.normal(0.0, cfg.launch_area_radius_m, (n_groups, 2))

    n_sites = len(geo.site_xy)
    has_border = len(geo.border_xy) > 0
    cross_g = (rng.uniform(0.0, 1.0, n_groups) < cfg.border_share) & has_border
    if n_sites == 0 and not has_border:
        cross_g[:] = False
    if n_sites:
        w = 1.0 / geo.site_priority.astype(np.float64)
        site_g = rng.choice(n_sites, n_groups, p=w / w.sum())
        ang = rng.uniform(0.0, 2.0 * np.pi, n_groups)
        rad = 0.3 * geo.site_radius_m[site_g] * np.sqrt(rng.uniform(0.0, 1.0, n_groups))
        goal_g = geo.site_xy[site_g] + np.column_stack([rad * np.sin(ang), rad * np.cos(ang)])
    else:
        # No sites: fly through the area and out the far side.
        site_g = np.full(n_groups, -1)
        goal_g = -launch_g * 1.2
    if has_border:
        seg = rng.integers(1, len(geo.border_xy) - 2, n_groups)
        frac = rng.uniform(0.0, 1.0, n_groups)
        on_border = geo.border_xy[seg] + frac[:, None] * (
            geo.border_xy[seg + 1] - geo.border_xy[seg]
        )
        beyond = on_border + geo.border_normal[None, :] * 0.4 * cfg.area_radius_m
        goal_g = np.where(cross_g[:, None], beyond, goal_g)
        site_g = np.where(cross_g, -1, site_g)
    dive_g = site_g >= 0

    # Doglegs: 0-2 intermediate waypoints off the direct line.
    direct = goal_g - launch_g
    dist = np.linalg.norm(direct, axis=1)
    unit = direct / np.maximum(dist, 1.0)[:, None]
    perp = np.column_stack([unit[:, 1], -unit[:, 0]])
    n_dog = rng.integers(0, 3, n_groups)
    fr = np.sort(rng.uniform(0.2, 0.8, (n_groups, 2)), axis=1)
    lat = rng.uniform(-0.2, 0.2, (n_groups, 2)) * dist[:, None]
    dog = (
        launch_g[:, None, :]
        + fr[..., None] * direct[:, None, :]
        + lat[..., None] * perp[:, None, :]
    )
    wps = np.zeros((n_groups, MAX_WAYPOINTS, 2))
    wps[:, 0:2] = dog
    # Move the goal to slot n_dog (the waypoints before it are the doglegs in use).
    wps[np.arange(n_groups), n_dog] = goal_g
    n_wp_g = n_dog + 1

    low_g = rng.uniform(0.0, 1.0, n_groups) < cfg.low_share
    alt_g = np.where(
        low_g,
        rng.uniform(*cfg.low_altitude_m, n_groups),
        rng.uniform(*cfg.hostile_altitude_m, n_groups),
    )
    # Altitude changes leg by leg (terrain masking low, step climbs high) around the cruise.
    band_lo = np.where(low_g, cfg.low_altitude_m[0], cfg.hostile_altitude_m[0])
    band_hi = np.where(low_g, cfg.low_altitude_m[1], cfg.hostile_altitude_m[1])
    leg_alt = np.clip(
        alt_g[:, None] * rng.uniform(0.7, 1.3, (n_groups, MAX_WAYPOINTS)),
        band_lo[:, None],
        band_hi[:, None],
    )
    pop = cfg.population
    speed_n = np.where(
        is_decoy, rng.uniform(*pop.decoy_speed_mps, n), rng.uniform(*pop.attack_speed_mps, n)
    )
    jet = np.zeros(n, dtype=bool)
    if pop.jet_share > 0.0:  # drawn only when used: default worlds keep their random stream
        jet = ~is_decoy & (rng.uniform(0.0, 1.0, n) < pop.jet_share)
        speed_n = np.where(jet, rng.uniform(*pop.jet_speed_mps, n), speed_n)
    # Formation groups fly at one speed (the slowest member's).
    speed_g = np.full(n_groups, np.inf)
    np.minimum.at(speed_g, group, speed_n)
    speed = np.where(size > 1, speed_g[group], speed_n)

    # Line-abreast offsets; every waypoint but an impact point is offset too.
    off = ((member - (size - 1) / 2.0) * cfg.raid_spacing_m)[:, None] * perp[group]
    wp = wps[group].copy()
    keep_goal = np.arange(MAX_WAYPOINTS)[None, :] == n_wp_g[group][:, None] - 1
    shift = np.where((keep_goal & dive_g[group][:, None])[..., None], 0.0, off[:, None, :])
    wp = wp + shift
    start = launch_g[group] + off
    en_route_g = rng.uniform(0.0, 1.0, n_groups) < cfg.en_route_share
    along = np.where(en_route_g, rng.uniform(0.0, 0.9, n_groups), 0.0)[group]
    start = start + along[:, None] * (wp[:, 0] - start)
    t_birth_g = np.where(en_route_g, 0.0, t_birth_g)
    first_leg = wp[:, 0] - start
    heading = np.arctan2(first_leg[:, 0], first_leg[:, 1])

    rcs = np.where(
        is_decoy, rng.uniform(*pop.decoy_rcs_dbsm, n), rng.uniform(*pop.attack_rcs_dbsm, n)
    )
    hz = np.where(is_decoy, rng.uniform(*pop.decoy_hz, n), rng.uniform(*pop.attack_hz, n))
    if pop.decoy_reflector_share > 0.0:
        reflector = is_decoy & (rng.uniform(0.0, 1.0, n) < pop.decoy_reflector_share)
        rcs = np.where(reflector, rng.uniform(*pop.reflector_rcs_dbsm, n), rcs)
    if jet.any():
        hz = np.where(jet, rng.uniform(*pop.jet_hz, n), hz)
    link = ~is_decoy & (rng.uniform(0.0, 1.0, n) < cfg.datalink_share)
    relay = is_decoy & (rng.uniform(0.0, 1.0, n) < cfg.decoy_relay_share)
    band_pick = rng.integers(0, 3, n)
    bands = [(868.0, 868.6), (902.0, 928.0), (2400.0, 2483.5)]
    f_link = np.choose(band_pick, [_band_freq(rng, bd, n) for bd in bands])
    rf = np.where(link, f_link, np.where(relay, _band_freq(rng, (868.0, 868.6), n), np.nan))
    bw = np.where(link, np.where(band_pick == 2, 2.0, 0.5), np.where(relay, 0.5, np.nan))
    eirp = np.where(link, 27.0, np.where(relay, 30.0, np.nan))
    cls = np.where(is_decoy, int(TargetClass.DECOY), int(TargetClass.ATTACK_DRONE))
    b.add(
        n,
        cls=cls,
        hostile=True,
        behaviour=int(Behaviour.ROUTE),
        t_birth=t_birth_g[group],
        pos0=np.column_stack([start, alt_g[group]]),
        heading0=heading,
        speed=speed,
        speed_range=np.column_stack([speed, speed]),
        alt_range=np.column_stack([alt_g[group], alt_g[group]]),
        cruise_alt=alt_g[group],
        turn_max=_turn_rate(speed, 30.0, 0.3),
        climb_max=np.where(jet, 15.0, 5.0),
        waypoints=wp,
        waypoint_alt=leg_alt[group],
        n_wp=n_wp_g[group],
        dive=dive_g[group],
        rcs_dbsm=rcs,
        acoustic_hz=hz,
        rf_mhz=rf,
        rf_bw_mhz=bw,
        rf_eirp_dbm=eirp,
        goal_site=site_g[group],
        wave=wave_g[group],
        group=np.where(size > 1, group, -1),
        crosses_border=cross_g[group],
    )


def _relays(b: _Builder, cfg: SimConfig, geo: Geography, rng: np.random.Generator) -> None:
    """Static hostile radio relays on masts between the launch areas and the centre."""
    n = cfg.relays
    if n == 0:
        return
    area = rng.integers(0, len(geo.launch_xy), n)
    xy = geo.launch_xy[area] * rng.uniform(0.3, 0.7, n)[:, None] + rng.normal(0.0, 1000.0, (n, 2))
    b.add(
        n,
        cls=int(TargetClass.GROUND_EMITTER),
        hostile=True,
        behaviour=int(Behaviour.STATIC),
        t_birth=np.zeros(n),
        pos0=np.column_stack([xy, np.full(n, 10.0)]),
        rf_mhz=_band_freq(rng, (868.0, 868.6), n),
        rf_bw_mhz=0.5,
        rf_eirp_dbm=33.0,
    )


def _multirotors(b: _Builder, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Multirotors near their operators, each with a ground controller (an RF emitter)."""
    n = cfg.multirotors
    if n == 0:
        return
    home = _disc(rng, n, 0.5 * cfg.area_radius_m)
    t_birth = np.where(
        rng.uniform(0.0, 1.0, n) < 0.5, 0.0, rng.uniform(0.0, 0.5, n) * cfg.duration_s
    )
    pop = cfg.population
    alt = rng.uniform(*pop.multirotor_altitude_m, n)
    coop = rng.uniform(0.0, 1.0, n) < cfg.cooperative_share
    ids = _ids(rng, n, string.ascii_uppercase + string.digits, 8, prefix="1581F")
    spoof = _spoof(rng, n, coop, cfg)
    first_ctrl = b.n + n
    b.add(
        n,
        cls=int(TargetClass.MULTIROTOR),
        behaviour=int(Behaviour.HOME),
        t_birth=t_birth,
        pos0=np.column_stack([home + rng.normal(0.0, 30.0, (n, 2)), alt]),
        heading0=rng.uniform(0.0, 2.0 * np.pi, n),
        speed_range=np.array(pop.multirotor_speed_mps),
        alt_range=np.array(pop.multirotor_altitude_m),
        cruise_alt=alt,
        turn_max=np.full(n, 0.8),
        climb_max=np.full(n, 3.0),
        leg_mean_s=15.0,
        home=home,
        home_radius_m=1500.0,
        rcs_dbsm=rng.uniform(*pop.multirotor_rcs_dbsm, n),
        acoustic_hz=rng.uniform(150.0, 300.0, n),
        rf_mhz=_band_freq(rng, (5725.0, 5875.0), n),
        rf_bw_mhz=20.0,
        rf_eirp_dbm=25.0,
        coop=np.where(coop, int(Coop.REMOTE_ID), int(Coop.NONE)),
        coop_id=np.where(coop, np.array(ids), ""),
        spoof_offset=spoof,
        operator=first_ctrl + np.arange(n),
    )
    b.add(
        n,
        cls=int(TargetClass.GROUND_EMITTER),
        behaviour=int(Behaviour.STATIC),
        t_birth=t_birth,
        pos0=np.column_stack([home, np.full(n, 1.5)]),
        rf_mhz=_band_freq(rng, (2400.0, 2483.5), n),
        rf_bw_mhz=2.0,
        rf_eirp_dbm=20.0,
    )


def _spoof(rng: np.random.Generator, n: int, coop: NDArray[np.bool_], cfg: SimConfig) -> F64:
    """Fixed East/North offsets (m) of lying self-reports; zero for honest targets."""
    lying = coop & (rng.uniform(0.0, 1.0, n) < cfg.coop.spoof_share)
    size = rng.uniform(*cfg.coop.spoof_offset_m, n)
    ang = rng.uniform(0.0, 2.0 * np.pi, n)
    off = np.column_stack([size * np.sin(ang), size * np.cos(ang)])
    return np.where(lying[:, None], off, 0.0)


def _fixed_wing(b: _Builder, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Fixed-wing UAVs wandering over the area (survey, hobby), most with Remote ID."""
    n = cfg.fixed_wing_uavs
    if n == 0:
        return
    pop = cfg.population
    speed = rng.uniform(*pop.fixed_wing_speed_mps, n)
    alt = rng.uniform(*pop.fixed_wing_altitude_m, n)
    coop = rng.uniform(0.0, 1.0, n) < cfg.cooperative_share
    ids = _ids(rng, n, string.ascii_uppercase + string.digits, 10, prefix="FW")
    link = rng.uniform(0.0, 1.0, n) < 0.5
    b.add(
        n,
        cls=int(TargetClass.FIXED_WING_UAV),
        behaviour=int(Behaviour.WANDER),
        t_birth=np.zeros(n),
        pos0=np.column_stack([_disc(rng, n, 0.8 * cfg.area_radius_m), alt]),
        heading0=rng.uniform(0.0, 2.0 * np.pi, n),
        speed=speed,
        speed_range=np.column_stack([speed, speed]),
        alt_range=np.array(pop.fixed_wing_altitude_m),
        cruise_alt=alt,
        turn_max=_turn_rate(speed, 30.0, 0.3),
        climb_max=np.full(n, 3.0),
        leg_mean_s=pop.fixed_wing_leg_mean_s,
        home_radius_m=cfg.area_radius_m,
        rcs_dbsm=rng.uniform(*pop.fixed_wing_rcs_dbsm, n),
        acoustic_hz=rng.uniform(*pop.fixed_wing_hz, n),
        rf_mhz=np.where(link, _band_freq(rng, (902.0, 928.0), n), np.nan),
        rf_bw_mhz=np.where(link, 0.5, np.nan),
        rf_eirp_dbm=np.where(link, 27.0, np.nan),
        coop=np.where(coop, int(Coop.REMOTE_ID), int(Coop.NONE)),
        coop_id=np.where(coop, np.array(ids), ""),
        spoof_offset=_spoof(rng, n, coop, cfg),
    )


def _birds(b: _Builder, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Birds: slow, low, wandering, tiny RCS, silent to microphones, no RF."""
    n = cfg.birds
    if n == 0:
        return
    pop = cfg.population
    speed = rng.uniform(*pop.bird_speed_mps, n)
    alt = rng.uniform(*pop.bird_altitude_m, n)
    b.add(
        n,
        cls=int(TargetClass.BIRD),
        behaviour=int(Behaviour.WANDER),
        t_birth=np.zeros(n),
        pos0=np.column_stack([_disc(rng, n, 0.6 * cfg.area_radius_m), alt]),
        heading0=rng.uniform(0.0, 2.0 * np.pi, n),
        speed=speed,
        speed_range=np.column_stack([0.8 * speed, 1.2 * speed]),
        alt_range=np.array(pop.bird_altitude_m),
        cruise_alt=alt,
        turn_max=np.full(n, 0.4),
        climb_max=np.full(n, 2.0),
        leg_mean_s=pop.bird_leg_mean_s,
        home_radius_m=0.7 * cfg.area_radius_m,
        rcs_dbsm=rng.uniform(*pop.bird_rcs_dbsm, n),
    )


def _aircraft(b: _Builder, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Airliners crossing the area on straight routes at altitude, with ADS-B."""
    n = cfg.aircraft
    if n == 0:
        return
    r = cfg.area_radius_m
    entry_b = rng.uniform(0.0, 2.0 * np.pi, n)
    exit_b = entry_b + np.pi + rng.uniform(-0.6, 0.6, n)
    entry = 1.05 * r * np.column_stack([np.sin(entry_b), np.cos(entry_b)])
    exit_ = 1.15 * r * np.column_stack([np.sin(exit_b), np.cos(exit_b)])
    in_flight = rng.uniform(0.0, 1.0, n) < 0.5
    frac = np.where(in_flight, rng.uniform(0.0, 0.8, n), 0.0)
    start = entry + frac[:, None] * (exit_ - entry)
    t_birth = np.where(in_flight, 0.0, rng.uniform(0.0, cfg.duration_s, n))
    pop = cfg.population
    speed = rng.uniform(*pop.aircraft_speed_mps, n)
    alt = rng.uniform(*pop.aircraft_altitude_m, n)
    leg = exit_ - start
    wps = np.zeros((n, MAX_WAYPOINTS, 2))
    wps[:, 0] = exit_
    icao = _ids(rng, n, "0123456789abcdef", 6)
    callsign = _ids(rng, n, string.digits, 4, prefix="")
    airline = np.array(["PLL", "WZZ", "RYR", "LOT", "AUA", "DLH"])[rng.integers(0, 6, n)]
    exit_alt = alt
    if pop.aircraft_climb_share > 0.0:  # climbing out / descending in: a new exit altitude
        climbing = rng.uniform(0.0, 1.0, n) < pop.aircraft_climb_share
        exit_alt = np.where(climbing, rng.uniform(*pop.aircraft_altitude_m, n), alt)
    b.add(
        n,
        cls=int(TargetClass.AIRCRAFT),
        behaviour=int(Behaviour.ROUTE),
        t_birth=t_birth,
        pos0=np.column_stack([start, alt]),
        heading0=np.arctan2(leg[:, 0], leg[:, 1]),
        speed=speed,
        speed_range=np.column_stack([speed, speed]),
        alt_range=np.column_stack([alt, alt]),
        cruise_alt=alt,
        turn_max=_turn_rate(speed, 25.0, 0.1),
        climb_max=np.full(n, pop.aircraft_climb_max_mps),
        waypoints=wps,
        waypoint_alt=np.repeat(exit_alt[:, None], MAX_WAYPOINTS, axis=1),
        n_wp=1,
        rcs_dbsm=rng.uniform(*pop.aircraft_rcs_dbsm, n),
        acoustic_hz=rng.uniform(50.0, 90.0, n),
        coop=int(Coop.ADSB),
        coop_id=np.array(icao),
        callsign=np.char.add(airline, np.array(callsign)),
    )
