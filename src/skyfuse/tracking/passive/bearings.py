"""Bearings-only measurement model for acoustic arrays, RF direction finders and EO/IR cameras.

A bearing sensor ``s`` at working-frame position ``p_s`` with rotation ``R_s`` (working frame ->
its local East-North-Up) sees a point ``x`` at

    local = R_s @ (x - p_s)
    az    = atan2(east, north)          (radians, clockwise from North)
    el    = atan2(up, hypot(east, north))

which is one code path for flat `ENU` scenarios (``R_s = I``) and `WGS84` scenarios (ECEF
working frame, ``R_s`` the sensor's own tangent plane). Everything here is vectorised over n
reports (or n track/report pairs); angles are radians inside, degrees only in `Reports` columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import BEARING_KINDS, SensorKind
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

TWO_PI = 2.0 * np.pi
_MIN_HORIZ_M = 1e-6


def to_local(points: F64, origin: F64, rotation: F64) -> F64:
    """Working-frame points (n, 3) m -> sensor-local ENU offsets (n, 3) m.

    ``origin`` (n, 3) and ``rotation`` (n, 3, 3) are each row's sensor position and
    working-frame -> local-ENU rotation.
    """
    return np.asarray(((rotation @ (points - origin)[..., None])[..., 0]), dtype=np.float64)


def bearing_from_local(local: F64) -> tuple[F64, F64]:
    """Local ENU offsets (n, 3) m -> (azimuth in [0, 2pi), elevation in [-pi/2, pi/2]) radians."""
    e, n, u = local[:, 0], local[:, 1], local[:, 2]
    az = np.arctan2(e, n) % TWO_PI
    el = np.arctan2(u, np.hypot(e, n))
    return az, el


def bearing_jacobian_local(local: F64) -> F64:
    """d(az, el)/d(local ENU offset), shape (n, 2, 3), radians per metre.

    ``d az = (n de - e dn) / h^2``, ``d el = (-u e de - u n dn) / (h r^2) + h du / r^2`` with
    ``h = hypot(e, n)`` and ``r = |local|``. Rows with ``h = 0`` (target overhead) get a finite
    Jacobian by flooring ``h`` at 1 micrometre.
    """
    e, n, u = local[:, 0], local[:, 1], local[:, 2]
    h2 = np.maximum(e * e + n * n, _MIN_HORIZ_M**2)
    h = np.sqrt(h2)
    r2 = h2 + u * u
    J = np.zeros((local.shape[0], 2, 3))
    J[:, 0, 0] = n / h2
    J[:, 0, 1] = -e / h2
    J[:, 1, 0] = -u * e / (h * r2)
    J[:, 1, 1] = -u * n / (h * r2)
    J[:, 1, 2] = h / r2
    return J


def bearing_predict(points: F64, origin: F64, rotation: F64) -> tuple[F64, F64]:
    """Predicted bearings of working-frame points (n, 3) from sensors (origin, rotation).

    Returns ``z (n, 2)`` = (az, el) radians and ``H (n, 2, 3)`` = d z / d point (working frame),
    so a 6-D state Jacobian is ``[H, 0]``.
    """
    local = to_local(points, origin, rotation)
    az, el = bearing_from_local(local)
    H = bearing_jacobian_local(local) @ rotation
    return np.stack([az, el], axis=1), H


def bearing_residual(z: F64, z_pred: F64) -> F64:
    """Innovation ``z - z_pred`` for (n, 2) (az, el) radians, azimuth wrapped to [-pi, pi).

    NaN elevations (azimuth-only reports) give a NaN elevation residual; callers mask them.
    """
    d = z - z_pred
    d[:, 0] = (d[:, 0] + np.pi) % TWO_PI - np.pi
    return d


@dataclass(frozen=True, slots=True)
class Bearings:
    """n bearing reports (acoustic, RF-DF, EO/IR) ready for the maths, as columns.

    Attributes:
        index: (n,) row of each bearing in the source `Reports`.
        det_id: (n,) report ids.
        time: (n,) report time, s (for acoustic reports: sound arrival time).
        sensor: (n,) sensor index in the `SensorCatalog`.
        kind: (n,) `SensorKind` code.
        az: (n,) azimuth, radians clockwise from North in the sensor's local ENU, [0, 2pi).
        el: (n,) elevation, radians, NaN where the report has none.
        sigma_az: (n,) 1-sigma azimuth noise, radians (report's own or the sensor default).
        sigma_el: (n,) 1-sigma elevation noise, radians, NaN where ``el`` is NaN.
        origin: (n, 3) sensor position, working frame, m.
        rotation: (n, 3, 3) working frame -> sensor local ENU.
        speed_of_sound: (n,) m/s for acoustic reports (propagation delay), +inf for the others
            (light-speed sensors: no delay).
        min_range: (n,) coverage minimum range, m.
        max_range: (n,) coverage maximum range, m (the largest per-class range if given).
        frequency: (n,) acoustic fundamental (Hz) or RF carrier (MHz), NaN if absent.
        sigma_frequency: (n,) its 1-sigma noise in the same unit, NaN if unknown.
        rssi: (n,) received signal strength (RF-DF), dBm, NaN if absent.
    """

    index: I64
    det_id: I64
    time: F64
    sensor: NDArray[np.int32]
    kind: NDArray[np.int8]
    az: F64
    el: F64
    sigma_az: F64
    sigma_el: F64
    origin: F64
    rotation: F64
    speed_of_sound: F64
    min_range: F64
    max_range: F64
    frequency: F64
    sigma_frequency: F64
    rssi: F64

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @property
    def has_el(self) -> NDArray[np.bool_]:
        """Mask of bearings that carry an elevation."""
        return np.asarray(np.isfinite(self.el), dtype=bool)

    def z(self) -> F64:
        """Measurements (n, 2) = (az, el) radians (el NaN where absent)."""
        return np.stack([self.az, self.el], axis=1)

    def noise_cov(self) -> F64:
        """Measurement noise (n, 2, 2), rad^2; an absent elevation gets variance 1 (unused)."""
        R = np.zeros((len(self), 2, 2))
        R[:, 0, 0] = self.sigma_az**2
        R[:, 1, 1] = np.where(self.has_el, self.sigma_el**2, 1.0)
        return R

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> Bearings:
        """The bearings at some rows."""
        return Bearings(
            self.index[idx],
            self.det_id[idx],
            self.time[idx],
            self.sensor[idx],
            self.kind[idx],
            self.az[idx],
            self.el[idx],
            self.sigma_az[idx],
            self.sigma_el[idx],
            self.origin[idx],
            self.rotation[idx],
            self.speed_of_sound[idx],
            self.min_range[idx],
            self.max_range[idx],
            self.frequency[idx],
            self.sigma_frequency[idx],
            self.rssi[idx],
        )

    @staticmethod
    def concat(parts: list[Bearings]) -> Bearings:
        """Row-wise concatenation."""
        if not parts:
            return Bearings.empty()
        return Bearings(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Bearings.__slots__)  # type: ignore[attr-defined]
        )

    @staticmethod
    def empty() -> Bearings:
        """No bearings."""
        z = np.zeros(0)
        return Bearings(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            z,
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            z,
            z,
            z,
            z,
            np.zeros((0, 3)),
            np.zeros((0, 3, 3)),
            z,
            z,
            z,
            z,
            z,
            z,
        )


@dataclass(frozen=True, slots=True)
class BearingSensors:
    """Per-sensor constants the bearing maths needs, built once from a `SensorCatalog`.

    Attributes:
        catalog: the catalogue (positions, rotations, kinds, speed of sound).
        min_range: (S,) coverage minimum range, m.
        max_range: (S,) largest coverage range, m (max over `max_range_m_by_class` too).
        sigma_az: (S,) default azimuth noise, radians (NaN if the sensor gives none).
        sigma_el: (S,) default elevation noise, radians (NaN if none).
        sigma_frequency: (S,) default noise of the frequency feature: ``fundamental_hz`` (Hz) for
            acoustic sensors, ``frequency_mhz`` (MHz) for the others; NaN if none.
    """

    catalog: SensorCatalog
    min_range: F64
    max_range: F64
    sigma_az: F64
    sigma_el: F64
    sigma_frequency: F64

    @staticmethod
    def build(catalog: SensorCatalog) -> BearingSensors:
        """Gather the constants (one pass over the sensor specs)."""
        max_range = np.array(
            [
                max([s.coverage.max_range_m, *s.coverage.max_range_m_by_class.values()])
                for s in catalog.specs
            ],
            dtype=np.float64,
        )
        return BearingSensors(
            catalog,
            np.array([s.coverage.min_range_m for s in catalog.specs], dtype=np.float64),
            max_range,
            np.radians(catalog.default_sigma("azimuth_deg")),
            np.radians(catalog.default_sigma("elevation_deg")),
            np.where(
                catalog.kind == int(SensorKind.ACOUSTIC),
                catalog.default_sigma("fundamental_hz"),
                catalog.default_sigma("frequency_mhz"),
            ),
        )


def bearings_from_reports(
    reports: Reports, sensors: BearingSensors, *, source: str = "reports"
) -> Bearings:
    """Select the bearing reports (acoustic, RF-DF, EO/IR) of a batch and convert to radians.

    Noise comes from the report's ``sigma_azimuth_deg`` / ``sigma_elevation_deg`` where given,
    else from the sensor's ``noise_sigma``. Raises `InputError` naming the source, line and field
    when a bearing report lacks an azimuth, has a non-finite or out-of-range angle, or has no
    noise from either place.
    """
    catalog = sensors.catalog
    kind_all = catalog.kind[reports.sensor] if len(reports) else np.zeros(0, np.int8)
    is_bearing = np.isin(kind_all, [int(k) for k in BEARING_KINDS])
    idx = np.flatnonzero(is_bearing)
    if idx.size == 0:
        return Bearings.empty()
    sensor = reports.sensor[idx]
    lines = reports.line[idx] if reports.line is not None else np.zeros(idx.size, np.int64)

    def fail(row: int, field: str, msg: str) -> InputError:
        return InputError(source, msg, line=int(lines[row]) or None, field=field)

    az_deg = reports.col("azimuth_deg")[idx]
    el_deg = reports.col("elevation_deg")[idx]
    bad = np.flatnonzero(~np.isfinite(az_deg))
    if bad.size:
        raise fail(int(bad[0]), "azimuth_deg", "bearing report without a finite azimuth")
    bad = np.flatnonzero(np.abs(el_deg) > 90.0)
    if bad.size:
        raise fail(int(bad[0]), "elevation_deg", f"elevation {el_deg[bad[0]]} outside [-90, 90]")
    sa = np.radians(reports.sigma("azimuth_deg")[idx])
    sa = np.where(np.isfinite(sa), sa, sensors.sigma_az[sensor])
    se = np.radians(reports.sigma("elevation_deg")[idx])
    se = np.where(np.isfinite(se), se, sensors.sigma_el[sensor])
    bad = np.flatnonzero(~(sa > 0.0))
    if bad.size:
        raise fail(int(bad[0]), "sigma_azimuth_deg", "no azimuth noise in report or sensor")
    has_el = np.isfinite(el_deg)
    bad = np.flatnonzero(has_el & ~(se > 0.0))
    if bad.size:
        raise fail(int(bad[0]), "sigma_elevation_deg", "no elevation noise in report or sensor")
    kind = kind_all[idx]
    c = np.where(kind == int(SensorKind.ACOUSTIC), catalog.speed_of_sound_mps[sensor], np.inf)
    acoustic = kind == int(SensorKind.ACOUSTIC)
    freq = np.where(acoustic, reports.col("fundamental_hz")[idx], reports.col("frequency_mhz")[idx])
    sf = np.where(
        acoustic, reports.sigma("fundamental_hz")[idx], reports.sigma("frequency_mhz")[idx]
    )
    sf = np.where(np.isfinite(sf), sf, sensors.sigma_frequency[sensor])
    return Bearings(
        index=idx.astype(np.int64),
        det_id=reports.det_id[idx],
        time=reports.time[idx],
        sensor=sensor,
        kind=kind,
        az=np.radians(az_deg) % TWO_PI,
        el=np.radians(el_deg),
        sigma_az=sa,
        sigma_el=np.where(has_el, se, np.nan),
        origin=catalog.position[sensor],
        rotation=catalog.rotation[sensor],
        speed_of_sound=c,
        min_range=sensors.min_range[sensor],
        max_range=sensors.max_range[sensor],
        frequency=freq,
        sigma_frequency=sf,
        rssi=reports.col("rssi_dbm")[idx],
    )
