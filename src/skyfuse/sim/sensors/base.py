"""What every sensor model shares: the world it observes, the batch it returns, its registry row.

A sensor kind is one module with two functions of fixed signature:

- ``place(cfg, geo, proj) -> list[SensorSpec]``: the sensors of that kind (`sensors.json` rows);
- ``observe(world, sensors, t, rng) -> Batch``: the reports of the given sensors (indices into
  the catalogue, all scheduled at time ``t``), vectorised over sensors and targets.

`skyfuse.sim.sensors.MODELS` lists them; adding a kind is one module and one line there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.geo.frames import aer_from_enu
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import SensorSpec
from skyfuse.sim.config import SimConfig
from skyfuse.sim.context import Geography
from skyfuse.sim.geometry import MapProjection
from skyfuse.sim.motion import Trajectories
from skyfuse.sim.population import TargetPlan

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
IDX = NDArray[np.intp]
OBJ = NDArray[np.object_]

DECIMALS: dict[str, int] = {
    "range_m": 3,
    "azimuth_deg": 6,
    "elevation_deg": 6,
    "radial_velocity_mps": 3,
    "rcs_dbsm": 1,
    "fundamental_hz": 1,
    "snr_db": 1,
    "frequency_mhz": 3,
    "bandwidth_mhz": 3,
    "rssi_dbm": 1,
    "x": 2,
    "y": 2,
    "z": 2,
    "vx": 2,
    "vy": 2,
    "vz": 2,
    "lat_deg": 8,
    "lon_deg": 8,
    "alt_m": 2,
    "operator_x": 2,
    "operator_y": 2,
    "operator_lat_deg": 8,
    "operator_lon_deg": 8,
}
"""Decimals written per field (well below every noise sigma; keeps files small)."""


@dataclass(frozen=True, slots=True)
class World:
    """Everything a sensor model may look at: the truth and the sensor catalogue.

    ``cache`` holds per-run helpers a model builds once (e.g. a KD-tree over its sensors).
    """

    config: SimConfig
    plan: TargetPlan
    traj: Trajectories
    proj: MapProjection
    geo: Geography
    catalog: SensorCatalog
    cache: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Batch:
    """Reports of one observation: columns in scenario-format names and units.

    ``target`` is the target id behind each report, -1 for a false report.
    """

    time: F64
    sensor: I32
    target: I64
    values: dict[str, F64]
    text: dict[str, OBJ] = field(default_factory=dict)
    sigmas: dict[str, F64] = field(default_factory=dict)
    class_scores: F64 | None = None

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @staticmethod
    def make(
        t: float,
        sensor: NDArray[np.integer],
        target: NDArray[np.integer],
        values: dict[str, F64],
        *,
        text: dict[str, OBJ] | None = None,
        sigmas: dict[str, F64] | None = None,
        class_scores: F64 | None = None,
    ) -> Batch:
        """A batch at one time, with values rounded to `DECIMALS`."""
        n = len(sensor)
        return Batch(
            time=np.full(n, t),
            sensor=np.asarray(sensor, dtype=np.int32),
            target=np.asarray(target, dtype=np.int64),
            values={k: np.round(v, DECIMALS.get(k, 6)) for k, v in values.items()},
            text=text or {},
            sigmas=sigmas or {},
            class_scores=class_scores,
        )

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        """Row-wise concatenation (missing columns NaN / None / NaN scores)."""
        from skyfuse.core.reports import CLASS_SCORE_LABELS

        parts = [p for p in parts if len(p)]
        if not parts:
            return Batch(np.zeros(0), np.zeros(0, np.int32), np.zeros(0, np.int64), {})

        def col(p: Batch, k: str) -> F64:
            return p.values.get(k, np.full(len(p), np.nan))

        def sig(p: Batch, k: str) -> F64:
            return p.sigmas.get(k, np.full(len(p), np.nan))

        def txt(p: Batch, k: str) -> OBJ:
            a = p.text.get(k)
            return a if a is not None else np.full(len(p), None, dtype=object)

        vk = sorted({k for p in parts for k in p.values})
        sk = sorted({k for p in parts for k in p.sigmas})
        tk = sorted({k for p in parts for k in p.text})
        scores = None
        if any(p.class_scores is not None for p in parts):
            nc = len(CLASS_SCORE_LABELS)
            scores = np.concatenate(
                [
                    p.class_scores if p.class_scores is not None else np.full((len(p), nc), np.nan)
                    for p in parts
                ]
            )
        return Batch(
            time=np.concatenate([p.time for p in parts]),
            sensor=np.concatenate([p.sensor for p in parts]),
            target=np.concatenate([p.target for p in parts]),
            values={k: np.concatenate([col(p, k) for p in parts]) for k in vk},
            text={k: np.concatenate([txt(p, k) for p in parts]) for k in tk},
            sigmas={k: np.concatenate([sig(p, k) for p in parts]) for k in sk},
            class_scores=scores,
        )


PlaceFn = Callable[[SimConfig, Geography, MapProjection], list[SensorSpec]]
ObserveFn = Callable[[World, IDX, float, np.random.Generator], Batch]


@dataclass(frozen=True, slots=True)
class SensorModel:
    """One registry row: a sensor kind, how its sensors are placed, how they observe."""

    kind: SensorKind
    place: PlaceFn
    observe: ObserveFn


def n_reports(first_s: float, period_s: float, duration_s: float) -> int:
    """Number of scheduled reports first + i * period inside [0, duration)."""
    if first_s >= duration_s:
        return 0
    return math.ceil((duration_s - first_s) / period_s - 1e-9)


Triple = tuple[float, float, float]


def enu_position(proj: MapProjection, x: float, y: float, z: float) -> Triple | None:
    """`position_enu_m` of a sensor at map point (x, y, z) metres; None in a WGS84 scenario."""
    if proj.geodetic:
        return None
    return (round(x, 3), round(y, 3), round(z, 3))


def wgs84_position(proj: MapProjection, x: float, y: float, z: float) -> Triple | None:
    """`position_wgs84` (lat_deg, lon_deg, alt_m) of a sensor at map point (x, y, z); None in an
    ENU scenario."""
    if not proj.geodetic:
        return None
    lat, lon, alt = proj.geodetic_of(np.array([x, y, z]))
    return (round(float(lat), 9), round(float(lon), 9), round(float(alt), 3))


def grid_points(n: int, half_width_m: float) -> F64:
    """n points on a near-square grid filling [-w, w]^2 (cell centres), (n, 2) metres."""
    if n == 0:
        return np.zeros((0, 2))
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    xs = (np.arange(cols) + 0.5) / cols * 2.0 * half_width_m - half_width_m
    ys = (np.arange(rows) + 0.5) / rows * 2.0 * half_width_m - half_width_m
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])[:n]


def pair_aer(
    catalog: SensorCatalog, sensor: NDArray[np.integer], pos_work: F64
) -> tuple[F64, F64, F64]:
    """(azimuth rad, elevation rad, slant range m) of points (m, 3) seen from sensors (m,).

    ``local = R_s @ (x - p_s)`` in each sensor's own ENU tangent plane (one path for ENU and
    WGS84 scenarios, as in `skyfuse.scenario.SensorCatalog`).
    """
    s = np.asarray(sensor, dtype=np.intp)
    d = pos_work - catalog.position[s]
    local = np.einsum("nij,nj->ni", catalog.rotation[s], d)
    az, el, r = aer_from_enu(local)
    return az, el, r


def pairs(n_sensors: int, n_targets: int) -> tuple[IDX, IDX]:
    """All (sensor position, target position) index pairs, sensor-major."""
    return (
        np.repeat(np.arange(n_sensors), n_targets),
        np.tile(np.arange(n_targets), n_sensors),
    )


def visible(world: World, classes: tuple[int, ...]) -> NDArray[np.bool_]:
    """(N,) True for targets whose class is in ``classes`` (TargetClass codes); cached."""
    key = f"visible-{classes}"
    mask = world.cache.get(key)
    if mask is None:
        mask = np.isin(world.plan.cls, np.asarray(classes, dtype=np.int8))
        world.cache[key] = mask
    return cast(NDArray[np.bool_], mask)
