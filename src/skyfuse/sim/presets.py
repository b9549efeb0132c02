"""Named scenarios used by the benchmark, the demo and the tests.

All use 1 s radar scans, Pd 0.9, 10 clutter plots a scan, sigma 10 m / 0.2 deg unless stated.
`preset(name, **overrides)` returns a copy with top-level fields replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import numpy as np

from skyfuse.core.errors import InputError
from skyfuse.sim.config import (
    AcousticParams,
    CoopParams,
    PopulationParams,
    RadarParams,
    RfParams,
    SimConfig,
)


def _n_preset(n: int, radars: int) -> SimConfig:
    """N generic targets in a 20 km disc, 20-60 m/s, 100-2,000 m, radars on an 8 km ring,
    120 scans: the style of `shared/scenarios/n10-r3-s120`."""
    return SimConfig(targets=n, radars=radars, duration_s=120.0)


def _raid(spacing_m: float) -> SimConfig:
    """100 attack drones in 10-target line-abreast groups, `spacing_m` apart, one radar; every
    group already in flight at t = 0 somewhere along its first leg."""
    return SimConfig(
        targets=0,
        radars=1,
        duration_s=120.0,
        attack_drones=100,
        raid_group_size=10,
        raid_spacing_m=spacing_m,
        sites=3,
        waves=1,
        en_route_share=1.0,
        launch_distance_m=15_000.0,
        launch_area_radius_m=3_000.0,
        low_share=0.0,
        hostile_altitude_m=(300.0, 2000.0),
        datalink_share=0.0,
    )


PRESETS: dict[str, SimConfig] = {
    "n10-r1": _n_preset(10, 1),
    "n10-r3": _n_preset(10, 3),
    "n100-r1": _n_preset(100, 1),
    "n100-r3": _n_preset(100, 3),
    "n1000-r1": _n_preset(1000, 1),
    "n1000-r3": _n_preset(1000, 3),
    "raid-10x300": _raid(300.0),
    "raid-10x100": _raid(100.0),
    "hour-n100-r3": SimConfig(
        targets=100,
        radars=3,
        duration_s=3600.0,
        turnover=True,
        lifetime_s=(300.0, 900.0),
    ),
    "acoustic-region": SimConfig(
        targets=0,
        radars=0,
        acoustic_arrays=36,
        acoustic=AcousticParams(spacing_m=3_000.0),
        attack_drones=50,
        waves=3,
        wave_gap_s=60.0,
        wave_spread_s=30.0,
        low_share=0.5,
        sites=3,
        duration_s=300.0,
    ),
    "mixed-region": SimConfig(
        targets=0,
        area_radius_m=10_000.0,
        duration_s=90.0,
        radars=2,
        radar=RadarParams(rcs=True),
        attack_drones=20,
        decoys=12,
        multirotors=2,
        birds=4,
        aircraft=2,
        relays=1,
        waves=2,
        wave_gap_s=30.0,
        wave_spread_s=30.0,
        launch_distance_m=9_000.0,
        low_share=0.5,
        sites=2,
        border=True,
        border_share=0.2,
        acoustic_arrays=12,
        rf_sensors=2,
        eo_cameras=1,
        adsb=True,
        remote_id=True,
    ),
    "country": SimConfig(
        frame="wgs84",
        origin_lat_deg=49.0,
        origin_lon_deg=31.0,
        area_radius_m=500_000.0,
        duration_s=300.0,
        motion_step_s=1.0,
        targets=0,
        radars=30,
        radar=RadarParams(layout="grid", stagger_slots=3, rcs=True),
        acoustic_arrays=10_000,
        acoustic=AcousticParams(spacing_m=10_000.0, clutter_rate_per_scan=0.01),
        attack_drones=600,
        decoys=400,
        waves=3,
        wave_gap_s=60.0,
        en_route_share=1.0,
        launch_areas=3,
        launch_distance_m=520_000.0,
        launch_bearing_deg=60.0,
        launch_area_radius_m=20_000.0,
        sites=20,
        border=True,
        border_share=0.05,
        relays=20,
        aircraft=30,
        birds=0,
        rf_sensors=20,
        rf=RfParams(layout="grid"),
        eo_cameras=10,
        adsb=True,
        coop=CoopParams(adsb_max_range_m=800_000.0),
    ),
    "night-raid": SimConfig(
        targets=0,
        area_radius_m=15_000.0,
        duration_s=300.0,
        radars=2,
        radar=RadarParams(rcs=True, doppler=True),
        attack_drones=24,
        decoys=16,
        waves=2,
        wave_gap_s=40.0,
        wave_spread_s=30.0,
        launch_distance_m=11_000.0,
        low_share=0.4,
        hostile_altitude_m=(800.0, 3000.0),
        relays=1,
        birds=15,
        aircraft=2,
        multirotors=2,
        fixed_wing_uavs=1,
        sites=3,
        border=True,
        border_share=0.15,
        acoustic_arrays=16,
        rf_sensors=2,
        eo_cameras=2,
        adsb=True,
        remote_id=True,
        coop=CoopParams(spoof_share=0.0),
    ),
    "birds-500": SimConfig(
        targets=0,
        duration_s=120.0,
        radars=3,
        radar=RadarParams(rcs=True),
        birds=500,
        aircraft=50,
        attack_drones=10,
        sites=3,
        eo_cameras=2,
        adsb=True,
    ),
}
"""Named scenarios (see `shared`'s benchmark notes and the issues they serve)."""


def _span(rng: np.random.Generator, lo: tuple[float, float], width: tuple[float, float]) -> Any:
    """A random range (a, a + w): a ~ U(lo), w ~ U(width), rounded to 0.1."""
    a = float(rng.uniform(*lo))
    return (round(a, 1), round(a + float(rng.uniform(*width)), 1))


def varied_world(seed: int, *, duration_s: float = 240.0) -> SimConfig:
    """A night raid in a world drawn from ``seed``: class properties, sensor mix and traffic
    all vary, so a classifier trained over many such worlds does not learn one simulator's
    exact populations.

    What varies (all uniform unless stated), chosen to span what real sensors report of each
    class (`shared/notes/domain.md` section 1, the real trajectories in
    `shared/data/real-tracks`: airliners 60-230 m/s from the ground to 12 km, a patrol UAV at
    20-40 m/s around 300 m):

    - attack drones: piston cruise from 36-46 up to +6-16 m/s, 0-30 % jets at 90-160 m/s, mean
      RCS centred at -9..-3 dBsm; decoys: similar speeds, smaller RCS, and 0-100 % carry radar
      reflectors (RCS drawn like the attack drones'); engine notes shifted by +-15 Hz;
    - birds 4-8 to 14-26 m/s, up to 150-1,500 m; fixed-wing UAVs 14-25 to 35-60 m/s at
      60-400 to 800-4,000 m, steady (legs 20-120 s); airliners 60-110 to 200-300 m/s at
      200-1,500 to 8-13 km, half of them climbing or descending;
    - sensors: 1-3 radars (RCS reported in 70 % of worlds, Doppler in half), 0-24 acoustic
      arrays, 0-3 RF direction finders, 0-2 cameras, ADS-B and Remote ID receivers in most;
    - counts of every class, the low-flying share, hostile altitudes, datalink and relay shares.
    """
    rng = np.random.default_rng([int(seed), 0x5EED])

    def pick(options: list[int]) -> int:
        return int(rng.choice(options))

    jet = float(rng.choice([0.0, 0.0, rng.uniform(0.05, 0.3)]))
    shift_hz = float(rng.uniform(-15.0, 15.0))
    attack_rcs = _span(rng, (-10.0, -5.0), (3.0, 8.0))
    pop = PopulationParams(
        attack_speed_mps=_span(rng, (36.0, 46.0), (6.0, 16.0)),
        decoy_speed_mps=_span(rng, (34.0, 46.0), (6.0, 16.0)),
        jet_share=round(jet, 3),
        jet_speed_mps=_span(rng, (90.0, 120.0), (10.0, 40.0)),
        attack_rcs_dbsm=attack_rcs,
        decoy_rcs_dbsm=_span(rng, (-16.0, -11.0), (4.0, 8.0)),
        decoy_reflector_share=round(float(rng.uniform(0.0, 1.0)), 3),
        reflector_rcs_dbsm=attack_rcs,
        attack_hz=(100.0 + shift_hz, 130.0 + shift_hz),
        decoy_hz=_span(rng, (140.0, 165.0), (25.0, 50.0)),
        multirotor_speed_mps=(0.0, round(float(rng.uniform(10.0, 25.0)), 1)),
        multirotor_altitude_m=_span(rng, (10.0, 40.0), (80.0, 300.0)),
        multirotor_rcs_dbsm=_span(rng, (-24.0, -18.0), (5.0, 10.0)),
        fixed_wing_speed_mps=_span(rng, (14.0, 25.0), (15.0, 35.0)),
        fixed_wing_altitude_m=_span(rng, (60.0, 400.0), (700.0, 3600.0)),
        fixed_wing_rcs_dbsm=_span(rng, (-18.0, -10.0), (5.0, 12.0)),
        fixed_wing_hz=_span(rng, (70.0, 100.0), (30.0, 70.0)),
        fixed_wing_leg_mean_s=round(float(rng.uniform(20.0, 120.0)), 1),
        bird_speed_mps=_span(rng, (4.0, 8.0), (8.0, 18.0)),
        bird_altitude_m=_span(rng, (5.0, 30.0), (150.0, 1500.0)),
        bird_rcs_dbsm=_span(rng, (-35.0, -28.0), (6.0, 14.0)),
        bird_leg_mean_s=round(float(rng.uniform(4.0, 15.0)), 1),
        aircraft_speed_mps=_span(rng, (60.0, 110.0), (120.0, 220.0)),
        aircraft_altitude_m=_span(rng, (200.0, 1500.0), (7000.0, 11500.0)),
        aircraft_rcs_dbsm=_span(rng, (5.0, 15.0), (8.0, 15.0)),
        aircraft_climb_share=0.5,
        aircraft_climb_max_mps=round(float(rng.uniform(5.0, 18.0)), 1),
    )
    radar = RadarParams(
        rcs=bool(rng.uniform() < 0.7),
        doppler=bool(rng.uniform() < 0.5),
        pd=round(float(rng.uniform(0.75, 0.95)), 3),
    )
    return SimConfig(
        seed=int(seed),
        targets=0,
        area_radius_m=15_000.0,
        duration_s=duration_s,
        radars=pick([1, 2, 2, 3]),
        radar=radar,
        attack_drones=pick(list(range(10, 31))),
        decoys=pick(list(range(5, 26))),
        waves=pick([1, 2, 3]),
        wave_gap_s=40.0,
        wave_spread_s=30.0,
        launch_distance_m=float(rng.uniform(9_000.0, 13_000.0)),
        low_share=round(float(rng.uniform(0.1, 0.7)), 3),
        hostile_altitude_m=_span(rng, (300.0, 1200.0), (1500.0, 4000.0)),
        datalink_share=round(float(rng.uniform(0.0, 0.6)), 3),
        decoy_relay_share=round(float(rng.uniform(0.0, 0.4)), 3),
        relays=pick([0, 1, 2]),
        birds=pick(list(range(5, 31))),
        aircraft=pick([1, 2, 3, 4]),
        multirotors=pick([0, 1, 2, 3, 4]),
        fixed_wing_uavs=pick([1, 2, 3, 4, 5]),
        cooperative_share=round(float(rng.uniform(0.0, 1.0)), 3),
        sites=pick([2, 3, 4]),
        border=bool(rng.uniform() < 0.5),
        border_share=0.15,
        acoustic_arrays=pick([0, 0, 8, 16, 24]),
        rf_sensors=pick([0, 1, 2, 3]),
        eo_cameras=pick([0, 1, 2]),
        adsb=bool(rng.uniform() < 0.8),
        remote_id=bool(rng.uniform() < 0.7),
        coop=CoopParams(spoof_share=0.0),
        population=pop,
    )


VARIED_PRESETS: dict[str, Callable[[int], SimConfig]] = {
    "varied-night-raid": varied_world,
}
"""Presets whose whole world is drawn from the seed (`varied_world`): train on seeds 0..k,
hold out others (the benchmark and tests use seeds >= 1000)."""


def preset(name: str, **overrides: object) -> SimConfig:
    """A named preset with top-level `SimConfig` fields replaced (e.g. ``seed=2, radars=1``).

    A varied preset (`VARIED_PRESETS`) draws its whole world from ``seed`` first.

    A dict for a sensor block (``radar={"pd": 0.8}``) changes only the keys it names; a
    `RadarParams` (etc.) replaces the whole block.

    Raises `InputError` naming the preset or the field.
    """
    base = PRESETS.get(name)
    if name in VARIED_PRESETS:
        seed = overrides.get("seed", 1)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise InputError("preset", f"seed must be an integer, got {seed!r}", field="seed")
        base = VARIED_PRESETS[name](seed)
    if base is None:
        names = sorted([*PRESETS, *VARIED_PRESETS])
        raise InputError("preset", f"unknown preset {name!r} (one of {names})", field="name")
    fields = set(SimConfig.__struct_fields__)
    for k in overrides:
        if k not in fields:
            raise InputError("preset", f"unknown SimConfig field {k!r}", field=k)
    merged: dict[str, Any] = msgspec.to_builtins(base)
    for key, value in msgspec.to_builtins(overrides).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}  # a partial sensor block: merge
        else:
            merged[key] = value
    try:
        return msgspec.convert(merged, SimConfig)
    except msgspec.ValidationError as e:
        raise InputError("preset", f"{name}: {e}") from e
