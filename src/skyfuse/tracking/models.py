"""Measurement models: the seam through which every sensor kind reaches the tracker.

A report is dispatched by its sensor's kind (`SensorCatalog.kind`) to a `MeasurementModel` from a
registry (`default_models()`, or the ``models`` argument of `Tracker`). A model turns a batch of
reports of one sensor into measurement vectors ``z (m, d)`` with noise ``R (m, d, d)``, predicts
them from track states (``h(x)`` and its Jacobian ``H``), and forms residuals (angles wrapped).
A model may also give each report's position in the working frame (for the spatial gate and for
one-point initiation); models that cannot (bearings) return NaN points and set
``can_initiate = False``: their unassociated reports go to the tracker's ``on_unassociated`` hook.

Adding a kind (e.g. bearings, in `skyfuse.tracking.passive`) is one class implementing
`MeasurementModel` plus one registry entry: ``models[SensorKind.ACOUSTIC] = BearingModel()``.

Every angle is taken in the sensor's local ENU frame: ``local = R_s @ (x - p_s)`` with
``R_s = catalog.rotation[s]`` and ``p_s = catalog.position[s]``; azimuth is clockwise from North,
elevation above the local horizontal, radians inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import SensorKind
from skyfuse.core.reports import Reports
from skyfuse.geo.frames import enu_from_aer, wrap_angle_rad
from skyfuse.scenario.catalog import SensorCatalog

F64 = NDArray[np.float64]
IDX = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Measurements:
    """A batch of m reports of one sensor in a model's measurement space.

    Attributes:
        z: (m, d) measurement vectors (model units: metres, radians, m/s).
        R: (m, d, d) measurement noise covariances.
        point: (m, 3) report positions in the working frame (m), NaN rows if unknown.
        point_cov: (m, 3, 3) covariance of ``point`` in the working frame (m^2), NaN if unknown.
        sensor: (m,) sensor index of each report.
        vel: (m, 3) the report's own velocity in the working frame (m/s; cooperative
            self-reports), NaN rows where absent; None if the model has none.
        vel_cov: (m, 3, 3) noise covariance of ``vel`` (m^2/s^2); None with ``vel``.
        radial: (m,) radial velocity w.r.t. the sensor (m/s, positive away; radar Doppler),
            NaN where absent; None if the model has none.
        radial_var: (m,) its variance (m^2/s^2); None with ``radial``.
        ident: (m,) cooperative identity (``icao24`` / ``uas_id``; "" where absent); None for
            kinds without identity.
    """

    z: F64
    R: F64
    point: F64
    point_cov: F64
    sensor: NDArray[np.int32]
    vel: F64 | None = None
    vel_cov: F64 | None = None
    radial: F64 | None = None
    radial_var: F64 | None = None
    ident: NDArray[np.str_] | None = None

    def __len__(self) -> int:
        return int(self.z.shape[0])

    def take(self, idx: IDX) -> Measurements:
        """The measurements at rows ``idx``."""
        return Measurements(
            self.z[idx],
            self.R[idx],
            self.point[idx],
            self.point_cov[idx],
            self.sensor[idx],
            None if self.vel is None else self.vel[idx],
            None if self.vel_cov is None else self.vel_cov[idx],
            None if self.radial is None else self.radial[idx],
            None if self.radial_var is None else self.radial_var[idx],
            None if self.ident is None else self.ident[idx],
        )

    def velocity_information(self, catalog: SensorCatalog) -> tuple[F64, F64]:
        """What the reports say about the target's velocity, in information form.

        Returns ``(Y (m, 3, 3), y (m, 3))`` in the working frame (s^2/m^2 and s/m): a full
        self-reported velocity ``v`` with noise ``R`` gives ``Y = R^-1, y = R^-1 v``; a radial
        velocity ``r`` with variance ``s2`` along the unit line of sight ``u`` (sensor to
        ``point``) gives ``Y = u u' / s2, y = u r / s2``; no velocity gives zeros. Adding
        ``Y`` to a prior's information matrix fuses the report into it (`filters`-free,
        closed form)."""
        m = len(self)
        Y = np.zeros((m, 3, 3))
        y = np.zeros((m, 3))
        if self.vel is not None and self.vel_cov is not None:
            ok = np.flatnonzero(
                np.isfinite(self.vel).all(axis=1) & np.isfinite(self.vel_cov).all(axis=(1, 2))
            )
            if ok.size:
                Ri = np.linalg.inv(self.vel_cov[ok])
                Y[ok] = Ri
                y[ok] = np.einsum("kij,kj->ki", Ri, self.vel[ok])
        if self.radial is not None and self.radial_var is not None:
            d = self.point - catalog.position[self.sensor]
            rng = np.linalg.norm(d, axis=1)
            ok = np.flatnonzero(
                np.isfinite(self.radial)
                & (self.radial_var > 0.0)
                & np.isfinite(self.radial_var)
                & (rng > 1.0)
            )
            if ok.size:
                u = d[ok] / rng[ok, None]
                w = 1.0 / self.radial_var[ok]
                Y[ok] += w[:, None, None] * u[:, :, None] * u[:, None, :]
                y[ok] += (w * self.radial[ok])[:, None] * u
        return Y, y


class MeasurementModel(Protocol):
    """What the tracker needs from a sensor kind's measurement model."""

    @property
    def dim(self) -> int:
        """Measurement dimension d."""
        ...

    @property
    def can_initiate(self) -> bool:
        """Whether an unassociated report of this kind may start a track on its own."""
        ...

    def measure(self, reports: Reports, catalog: SensorCatalog) -> Measurements:
        """Convert reports to measurements; raise `InputError` naming the field if unusable."""
        ...

    def predict(self, x: F64, sensor: NDArray[np.int32], catalog: SensorCatalog) -> tuple[F64, F64]:
        """Predicted measurements ``h(x) (k, d)`` and Jacobians ``H (k, d, 6)`` for states
        ``x (k, 6)`` seen by sensors ``sensor (k,)``."""
        ...

    def residual(self, z: F64, zhat: F64) -> F64:
        """Innovations ``z - zhat (k, d)`` with angle components wrapped to [-pi, pi)."""
        ...


def _sigma(reports: Reports, catalog: SensorCatalog, field: str) -> F64:
    """Per-report 1-sigma of a quantity (report's ``sigma_<field>``, else sensor default)."""
    own = reports.sigma(field)
    default = catalog.default_sigma(field)[reports.sensor]
    s = np.where(np.isnan(own), default, own)
    bad = ~(s > 0.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        line = None if reports.line is None else int(reports.line[i])
        raise InputError(
            "reports",
            f"no positive sigma (det_id {int(reports.det_id[i])}, sensor index "
            f"{int(reports.sensor[i])}: give sigma_{field} or noise_sigma.{field})",
            line=line,
            field=f"sigma_{field}",
        )
    return np.asarray(s, dtype=np.float64)


def _optional_sigma(reports: Reports, catalog: SensorCatalog, field: str, fallback: float) -> F64:
    """Per-report 1-sigma of an optional quantity: the report's ``sigma_<field>``, else the
    sensor's ``noise_sigma``, else ``fallback`` (a conservative figure; units of the field)."""
    own = reports.sigma(field)
    default = catalog.default_sigma(field)[reports.sensor]
    s = np.where(np.isnan(own), default, own)
    return np.asarray(np.where(s > 0.0, s, fallback), dtype=np.float64)


RADIAL_SIGMA_FALLBACK_MPS = 2.0
"""Radial-velocity 1-sigma (m/s) when neither a report nor its radar gives one."""
VEL_SIGMA_FALLBACK_MPS = 5.0
"""Self-reported velocity 1-sigma per axis (m/s) when neither report nor sensor gives one."""


def _require(reports: Reports, field: str) -> F64:
    v = reports.col(field)
    bad = ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        line = None if reports.line is None else int(reports.line[i])
        raise InputError(
            "reports",
            f"missing or non-finite value (det_id {int(reports.det_id[i])})",
            line=line,
            field=field,
        )
    return v


def polar_jacobian_local(d: F64) -> F64:
    """Jacobian (k, 3, 3) of (range m, azimuth rad, elevation rad) w.r.t. local ENU offsets ``d``.

    Azimuth clockwise from North: ``az = atan2(e, n)``; ``el = atan2(u, rho)``, ``rho = |(e, n)|``.
    """
    e, n, u = d[:, 0], d[:, 1], d[:, 2]
    rho2 = np.maximum(e * e + n * n, 1e-6)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    J = np.zeros((d.shape[0], 3, 3))
    J[:, 0, 0], J[:, 0, 1], J[:, 0, 2] = e / r, n / r, u / r
    J[:, 1, 0], J[:, 1, 1] = n / rho2, -e / rho2
    J[:, 2, 0] = -e * u / (r2 * rho)
    J[:, 2, 1] = -n * u / (r2 * rho)
    J[:, 2, 2] = rho / r2
    return J


def aer_jacobian(az: F64, el: F64, rng: F64) -> F64:
    """Jacobian (m, 3, 3) of local ENU offsets w.r.t. (range m, azimuth rad, elevation rad)."""
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    G = np.empty((az.shape[0], 3, 3))
    G[:, :, 0] = np.stack([ce * sa, ce * ca, se], axis=-1)
    G[:, :, 1] = np.stack([rng * ce * ca, -rng * ce * sa, np.zeros_like(az)], axis=-1)
    G[:, :, 2] = np.stack([-rng * se * sa, -rng * se * ca, rng * ce], axis=-1)
    return G


class RadarModel:
    """Radar plots in their own polar terms: z = (slant range m, azimuth rad, elevation rad).

    EKF in measurement space: ``h(x) = aer(R_s (p - p_s))``, Jacobian by `polar_jacobian_local`
    chained with ``R_s``. Report fields ``range_m``, ``azimuth_deg``, ``elevation_deg`` are
    required; sigmas from ``sigma_<field>`` or the sensor's ``noise_sigma``. The optional
    ``radial_velocity_mps`` (positive away) is carried in `Measurements.radial` for
    initiation (the radial component of a new track's velocity); updates use position only.
    """

    dim = 3
    can_initiate = True

    def measure(self, reports: Reports, catalog: SensorCatalog) -> Measurements:
        """Plots -> (range, az, el) with diagonal R and their working-frame points."""
        rng = _require(reports, "range_m")
        az = np.radians(_require(reports, "azimuth_deg"))
        el = np.radians(_require(reports, "elevation_deg"))
        s_r = _sigma(reports, catalog, "range_m")
        s_a = np.radians(_sigma(reports, catalog, "azimuth_deg"))
        s_e = np.radians(_sigma(reports, catalog, "elevation_deg"))
        m = len(reports)
        R = np.zeros((m, 3, 3))
        R[:, 0, 0], R[:, 1, 1], R[:, 2, 2] = s_r**2, s_a**2, s_e**2
        s = reports.sensor
        rot = catalog.rotation[s]
        local = enu_from_aer(az, el, rng)
        point = catalog.position[s] + np.einsum("mji,mj->mi", rot, local)
        G = aer_jacobian(az, el, rng)
        C_local = G @ R @ np.swapaxes(G, 1, 2)
        C = np.swapaxes(rot, 1, 2) @ C_local @ rot
        radial = reports.values.get("radial_velocity_mps")
        radial_var = None
        if radial is not None:
            radial = np.asarray(radial, dtype=np.float64)
            radial_var = (
                _optional_sigma(reports, catalog, "radial_velocity_mps", RADIAL_SIGMA_FALLBACK_MPS)
                ** 2
            )
        return Measurements(
            np.stack([rng, az, el], axis=1),
            R,
            point,
            C,
            s.astype(np.int32),
            radial=radial,
            radial_var=radial_var,
        )

    def predict(self, x: F64, sensor: NDArray[np.int32], catalog: SensorCatalog) -> tuple[F64, F64]:
        """``h(x)`` (range, az in [0, 2pi), el) and H (k, 3, 6) (zero velocity columns)."""
        rot = catalog.rotation[sensor]
        d = np.einsum("kij,kj->ki", rot, x[:, :3] - catalog.position[sensor])
        e, n, u = d[:, 0], d[:, 1], d[:, 2]
        rho = np.hypot(e, n)
        zhat = np.stack([np.sqrt(rho * rho + u * u), np.arctan2(e, n), np.arctan2(u, rho)], axis=1)
        H = np.zeros((x.shape[0], 3, 6))
        H[:, :, :3] = polar_jacobian_local(d) @ rot
        return zhat, H

    def residual(self, z: F64, zhat: F64) -> F64:
        """Range difference and wrapped azimuth / elevation differences."""
        nu = z - zhat
        nu[:, 1] = wrap_angle_rad(nu[:, 1])
        nu[:, 2] = wrap_angle_rad(nu[:, 2])
        return nu


class PositionModel:
    """Cooperative self-reports (ADS-B, Remote ID): z = position in the working frame (m).

    Fields ``x, y, z`` (ENU scenarios) or ``lat_deg, lon_deg, alt_m`` (WGS84 scenarios),
    converted with `WorkFrame.to_work`. Noise: ``sigma_pos_m`` or ``noise_sigma.pos_m`` per local
    East/North/Up axis, rotated into the working frame. The optional reported velocity
    ``vx, vy, vz`` (local East-North-Up, m/s; noise ``sigma_vel_mps`` or ``noise_sigma.vel_mps``
    per axis) goes to `Measurements.vel` (working frame) and the identity (``icao24``, else
    ``uas_id``) to `Measurements.ident`: the tracker starts tracks with the reported velocity
    and updates velocity with it after the position update.
    """

    dim = 3
    can_initiate = True

    def measure(self, reports: Reports, catalog: SensorCatalog) -> Measurements:
        """Self-reported positions -> working-frame points with their covariance."""
        frame = catalog.frame
        names = ("lat_deg", "lon_deg", "alt_m") if frame.geodetic else ("x", "y", "z")
        a, b, c = (_require(reports, f) for f in names)
        p = frame.to_work(a, b, c).reshape(len(reports), 3)
        s = _sigma(reports, catalog, "pos_m")
        rot = frame.local_rotation(p).reshape(len(reports), 3, 3)
        R = (s**2)[:, None, None] * (np.swapaxes(rot, 1, 2) @ rot)
        m = len(reports)
        vel = None
        vel_cov = None
        if any(k in reports.values for k in ("vx", "vy", "vz")):
            v_local = np.stack([reports.col("vx"), reports.col("vy"), reports.col("vz")], axis=1)
            known: NDArray[np.bool_] = np.asarray(np.isfinite(v_local).all(axis=1), dtype=bool)
            v_fill: F64 = np.where(known[:, None], v_local, 0.0)
            vel = np.einsum("mji,mj->mi", rot, v_fill)
            vel[~known] = np.nan
            sv = _optional_sigma(reports, catalog, "vel_mps", VEL_SIGMA_FALLBACK_MPS)
            vel_cov = (sv**2)[:, None, None] * (np.swapaxes(rot, 1, 2) @ rot)
        ident = np.full(m, "", dtype=object)
        for key in ("uas_id", "icao24"):  # icao24 wins where both are given
            col = reports.text.get(key)
            if col is not None:
                has = np.array([v is not None and v != "" for v in col], dtype=bool)
                ident[has] = col[has]
        return Measurements(
            p,
            R,
            p,
            R.copy(),
            reports.sensor.astype(np.int32),
            vel=vel,
            vel_cov=vel_cov,
            ident=ident.astype(str),
        )

    def predict(self, x: F64, sensor: NDArray[np.int32], catalog: SensorCatalog) -> tuple[F64, F64]:
        """``h(x) = p`` and ``H = [I 0]``."""
        H = np.zeros((x.shape[0], 3, 6))
        H[:, 0, 0] = H[:, 1, 1] = H[:, 2, 2] = 1.0
        return x[:, :3].copy(), H

    def residual(self, z: F64, zhat: F64) -> F64:
        """Plain difference (metres)."""
        return np.asarray(z - zhat)


def default_models() -> dict[SensorKind, MeasurementModel]:
    """The registry kind -> model the tracker uses unless given another.

    Kinds without an entry (acoustic, rf_df, eo_ir until `tracking.passive` registers them) are
    counted and skipped by the tracker.
    """
    return {
        SensorKind.RADAR: RadarModel(),
        SensorKind.ADSB: PositionModel(),
        SensorKind.REMOTE_ID: PositionModel(),
    }
