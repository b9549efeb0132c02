"""Bearing measurement models for the tracker's model seam (`skyfuse.tracking.models`).

`BearingModel` implements `MeasurementModel` for acoustic arrays (azimuth + elevation, with the
propagation delay), RF direction finders (azimuth only) and EO/IR cameras (azimuth + elevation):

    z = (az, el) or (az,)           radians, sensor-local ENU (``local = R_s (x - p_s)``)
    h(x) = bearing of the emission point x(tau) = p + v (tau - t)

where the tracker's state is at the report (arrival) time ``t`` and, for acoustic sensors,
``tau`` solves ``|x(tau) - p_s| = c (t - tau)`` on the track's CV motion
(`delay.emission_offset`); RF and EO/IR have ``tau = t``. The Jacobian is the bearing Jacobian
at the emission point chained with ``d x(tau) / d [p, v]`` (`delay.emission_jacobian`), so the
EKF update is the retrodicted one of a deterministic CV motion over the delay. An acoustic report
without an elevation gets ``el = 0`` with a huge variance (no information).

Bearings cannot start a track on their own (``can_initiate = False``); their leftovers go to the
tracker's ``on_unassociated`` hook (`fusion.PassiveFusion`). ``point`` is the sensor position and
``point_cov`` is sized so that the tracker's spatial pre-gate (radius ``gate_sigmas`` times the
spread) reaches the sensor's coverage range plus a margin: bearings are gated against the tracks
near the sensor only, never against the whole country.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.reports import Reports
from skyfuse.geo.frames import wrap_angle_rad
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking.models import Measurements
from skyfuse.tracking.passive.bearings import (
    BearingSensors,
    bearing_predict,
    bearings_from_reports,
)
from skyfuse.tracking.passive.delay import emission_jacobian, emission_offset

F64 = NDArray[np.float64]

NO_ELEVATION_SIGMA_RAD = 100.0
"""Elevation noise given to acoustic/EO reports that carry no elevation (no information)."""


class BearingModel:
    """Bearings (az[, el]) of one sensor kind, with the acoustic propagation delay.

    Args:
        sensors: per-sensor constants (`BearingSensors.build(catalog)`).
        elevation: measure elevation too (acoustic, EO/IR) or azimuth only (RF-DF).
        gate_sigmas: the tracker's ``TrackerConfig.gate_sigmas`` (to size ``point_cov``).
        reach_margin_m: added to each sensor's coverage range for the spatial pre-gate (the
            target moves while the sound travels: ~440 m at 3 km and 50 m/s).
    """

    def __init__(
        self,
        sensors: BearingSensors,
        *,
        elevation: bool,
        gate_sigmas: float = 5.0,
        reach_margin_m: float = 600.0,
    ) -> None:
        self.sensors = sensors
        self.elevation = elevation
        self.gate_sigmas = gate_sigmas
        self.reach_margin_m = reach_margin_m

    @property
    def dim(self) -> int:
        """2 (az, el) or 1 (az)."""
        return 2 if self.elevation else 1

    @property
    def can_initiate(self) -> bool:
        """Bearings never start a track alone."""
        return False

    def measure(self, reports: Reports, catalog: SensorCatalog) -> Measurements:
        """Reports -> (az[, el]) radians with diagonal noise; ``point`` = sensor position."""
        b = bearings_from_reports(reports, self.sensors)
        if len(b) != len(reports):
            raise ValueError("BearingModel.measure: batch holds reports of non-bearing sensors")
        m = len(b)
        R = np.zeros((m, self.dim, self.dim))
        R[:, 0, 0] = b.sigma_az**2
        if self.elevation:
            z = np.stack([b.az, np.where(b.has_el, b.el, 0.0)], axis=1)
            R[:, 1, 1] = np.where(b.has_el, b.sigma_el, NO_ELEVATION_SIGMA_RAD) ** 2
        else:
            z = b.az[:, None].copy()
        reach = np.where(np.isfinite(b.max_range), b.max_range, 1e5) + self.reach_margin_m
        var = (reach / self.gate_sigmas) ** 2 / 3.0
        point_cov = var[:, None, None] * np.eye(3)[None]
        return Measurements(z, R, b.origin.copy(), point_cov, b.sensor.astype(np.int32))

    def predict(self, x: F64, sensor: NDArray[np.int32], catalog: SensorCatalog) -> tuple[F64, F64]:
        """``h(x)`` and ``H (k, d, 6)`` at the emission point of each (state, sensor) pair.

        The states are at the report time (the tracker predicts to it before updating).
        """
        k = x.shape[0]
        origin = catalog.position[sensor]
        rot = catalog.rotation[sensor]
        c_s = catalog.speed_of_sound_mps[sensor]
        c = np.where(np.isfinite(c_s), c_s, np.inf)
        t = np.zeros(k)
        delta = emission_offset(x[:, :3], x[:, 3:], t, t, origin, c)
        emit = x[:, :3] + x[:, 3:] * delta[:, None]
        z, Hb = bearing_predict(emit, origin, rot)
        J = emission_jacobian(emit, x[:, 3:], delta, origin, c)
        H = Hb @ J
        return z[:, : self.dim].copy(), np.ascontiguousarray(H[:, : self.dim])

    def residual(self, z: F64, zhat: F64) -> F64:
        """``z - zhat`` with both angles wrapped to [-pi, pi)."""
        return np.asarray(wrap_angle_rad(z - zhat))
