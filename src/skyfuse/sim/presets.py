"""Named scenarios used by the benchmark, the demo and the tests.

All use 1 s radar scans, Pd 0.9, 10 clutter plots a scan, sigma 10 m / 0.2 deg unless stated.
`preset(name, **overrides)` returns a copy with top-level fields replaced.
"""

from __future__ import annotations

from typing import Any

import msgspec

from skyfuse.core.errors import InputError
from skyfuse.sim.config import (
    AcousticParams,
    CoopParams,
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


def preset(name: str, **overrides: object) -> SimConfig:
    """A named preset with top-level `SimConfig` fields replaced (e.g. ``seed=2, radars=1``).

    A dict for a sensor block (``radar={"pd": 0.8}``) changes only the keys it names; a
    `RadarParams` (etc.) replaces the whole block.

    Raises `InputError` naming the preset or the field.
    """
    base = PRESETS.get(name)
    if base is None:
        raise InputError(
            "preset", f"unknown preset {name!r} (one of {sorted(PRESETS)})", field="name"
        )
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
