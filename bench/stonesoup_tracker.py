"""Stone Soup 1.9.1 as the reference tracker, fed from a scenario folder's radar plots.

Configuration (stock, as in ``shared/notes/metrics.md``): `MultiTargetTracker`, extended Kalman
predictor and updater, constant-velocity motion (``q`` m^2/s^3 per axis), one
`CartesianToElevationBearingRange` model per radar (radar position as translation offset, the
radar's ``noise_sigma``), `DistanceHypothesiser` with a Mahalanobis gate, `GNNWith2DAssignment`
(or `DetectionKDTreeGNN2D`, its kd-tree pre-selection), `MultiMeasurementInitiator` (3 hits) and
time-based deletion.

Frames: Stone Soup's state is ``[x, vx, y, vy, z, vz]`` in the scenario's flat ENU frame (metres,
m/s); its bearing is counter-clockwise from East (``atan2(y, x)``), ours is clockwise from North,
so ``bearing = pi/2 - azimuth``. Only `ENU` scenarios with radar sensors are supported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
from stonesoup.deleter.time import UpdateTimeDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.initiator.simple import MultiMeasurementInitiator
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel,
    ConstantVelocity,
)
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.tracker.simple import MultiTargetTracker
from stonesoup.types.angle import Bearing, Elevation
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from bench.tracks import TrackStates, cov_columns
from skyfuse.core.errors import InputError
from skyfuse.core.kinds import SensorKind
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog

F64 = NDArray[np.float64]

EPOCH: Final = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
"""Scenario time 0 as a Stone Soup timestamp (Stone Soup wants datetimes)."""

POSITION_INDEX: Final = (0, 2, 4)
"""Where x, y, z sit in Stone Soup's ``[x, vx, y, vy, z, vz]`` state."""

VELOCITY_INDEX: Final = (1, 3, 5)
"""Where vx, vy, vz sit in Stone Soup's state."""

RADAR_FIELDS: Final = ("elevation_deg", "azimuth_deg", "range_m")
"""Scenario fields of a radar plot in Stone Soup's order (elevation, bearing, range)."""


@dataclass(frozen=True, slots=True)
class StoneSoupConfig:
    """Stone Soup tracker settings.

    Attributes:
        q: constant-velocity process noise spectral density per axis, m^2/s^3.
        gate: Mahalanobis gate (distance, not squared) of the hypothesiser.
        min_points: measurement updates a tentative track needs to be confirmed.
        delete_after_s: a confirmed track without an update for this long is deleted, s.
        tentative_delete_after_s: same for tentative tracks held by the initiator, s.
        velocity_sigma_mps: prior 1-sigma of each velocity component of a new track, m/s.
        kd_tree: pre-select plots per track with Stone Soup's kd-tree mix-in.
        kd_max_distance: kd-tree search radius in measurement space (rad, rad, m: range
            dominates), wide enough never to cut a plot the gate would accept.
    """

    q: float = 10.0
    gate: float = 4.0
    min_points: int = 3
    delete_after_s: float = 3.5
    tentative_delete_after_s: float = 1.5
    velocity_sigma_mps: float = 50.0
    kd_tree: bool = False
    kd_max_distance: float = 500.0

    @property
    def variant(self) -> str:
        """Short label for tables: ``gnn`` or ``gnn-kd``."""
        return "gnn-kd" if self.kd_tree else "gnn"


def to_timestamp(t: float) -> dt.datetime:
    """Scenario seconds -> an aware Stone Soup timestamp (microsecond resolution)."""
    return EPOCH + dt.timedelta(seconds=t)


def bearing_from_azimuth(azimuth_rad: F64) -> F64:
    """Azimuth clockwise from North -> Stone Soup bearing counter-clockwise from East, radians,
    wrapped to (-pi, pi]."""
    return np.asarray(np.arctan2(np.cos(azimuth_rad), np.sin(azimuth_rad)))


def radar_models(catalog: SensorCatalog) -> dict[int, CartesianToElevationBearingRange]:
    """One measurement model per radar of the catalogue (keyed by sensor index).

    Raises `InputError` for a `WGS84` scenario or a radar without its three noise sigmas.
    """
    if catalog.frame.geodetic:
        raise InputError("sensors.json", "the Stone Soup adapter needs an ENU frame", field="frame")
    models: dict[int, CartesianToElevationBearingRange] = {}
    for s in catalog.sensors_of(SensorKind.RADAR).tolist():
        spec = catalog.specs[s]
        sig = spec.noise_sigma
        for f in RADAR_FIELDS:
            if f not in sig:
                raise InputError(
                    "sensors.json", f"radar {spec.sensor_id!r} has no noise sigma", field=f
                )
        var = np.array(
            [
                np.radians(sig["elevation_deg"]) ** 2,
                np.radians(sig["azimuth_deg"]) ** 2,
                sig["range_m"] ** 2,
            ]
        )
        models[s] = CartesianToElevationBearingRange(
            ndim_state=6,
            mapping=POSITION_INDEX,
            noise_covar=CovarianceMatrix(np.diag(var)),
            translation_offset=StateVector(catalog.position[s].reshape(3, 1)),
        )
    return models


def to_detections(
    batch: Reports,
    models: dict[int, CartesianToElevationBearingRange],
    *,
    skip_non_radar: bool = False,
) -> list[tuple[dt.datetime, set[Detection]]]:
    """A batch of radar reports sharing one time -> Stone Soup detections, one set per radar.

    Each set holds one radar's plots (the kd-tree mix-in needs one measurement model a set);
    ``metadata["det_id"]`` keeps the report id. Reports of other sensors are dropped when
    ``skip_non_radar``; otherwise they raise `InputError` naming the report's line, as does a
    radar plot missing a field.
    """
    unknown = ~np.isin(batch.sensor, np.fromiter(models, dtype=np.int32, count=len(models)))
    if skip_non_radar and unknown.any():
        batch = batch.take(~unknown)
        unknown = unknown[~unknown]
    if len(batch) == 0:
        return []
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(
            "detections.jsonl",
            f"report {int(batch.det_id[i])} is not from a radar (Stone Soup adapter: radar only)",
            line=None if batch.line is None else int(batch.line[i]),
            field="sensor_id",
        )
    cols = [batch.col(f) for f in RADAR_FIELDS]
    for f, c in zip(RADAR_FIELDS, cols, strict=True):
        bad = ~np.isfinite(c)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                "detections.jsonl",
                f"radar plot {int(batch.det_id[i])} has no value",
                line=None if batch.line is None else int(batch.line[i]),
                field=f,
            )
    el = np.radians(cols[0])
    bearing = bearing_from_azimuth(np.radians(cols[1]))
    rng = cols[2]
    stamp = to_timestamp(float(batch.time[0]))
    out: list[tuple[dt.datetime, set[Detection]]] = []
    for s in np.unique(batch.sensor).tolist():
        model = models[s]
        idx = np.flatnonzero(batch.sensor == s).tolist()
        out.append(
            (
                stamp,
                {
                    Detection(
                        StateVector([Elevation(el[i]), Bearing(bearing[i]), rng[i]]),
                        timestamp=stamp,
                        measurement_model=model,
                        metadata={"det_id": int(batch.det_id[i])},
                    )
                    for i in idx
                },
            )
        )
    return out


def build_tracker(config: StoneSoupConfig) -> MultiTargetTracker:
    """The stock Stone Soup multi-target tracker (detections carry their own models)."""
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(config.q)] * 3)
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model=None)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=config.gate
    )

    def associator() -> Any:
        if config.kd_tree:
            return DetectionKDTreeGNN2D(
                hypothesiser=hypothesiser,
                predictor=predictor,
                updater=updater,
                max_distance=config.kd_max_distance,
            )
        return GNNWith2DAssignment(hypothesiser)

    v2 = config.velocity_sigma_mps**2
    prior = GaussianState(
        StateVector(np.zeros(6)), CovarianceMatrix(np.diag([0.0, v2, 0.0, v2, 0.0, v2]))
    )
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        deleter=UpdateTimeDeleter(dt.timedelta(seconds=config.tentative_delete_after_s)),
        data_associator=associator(),
        updater=updater,
        min_points=config.min_points,
    )
    return MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeDeleter(dt.timedelta(seconds=config.delete_after_s)),
        detector=None,
        data_associator=associator(),
        updater=updater,
    )


class StoneSoupRunner:
    """Steps a Stone Soup tracker batch by batch and reports its confirmed tracks.

    `prepare` converts reports to Stone Soup detections (not tracking work: kept out of the
    timing); `step` runs the tracker on them and returns the current state of every confirmed
    track (Stone Soup's tracker holds only confirmed tracks; tentative ones stay in the
    initiator). Track ids are small integers in order of first confirmation. With
    ``skip_non_radar`` reports of other sensor kinds are ignored (Stone Soup sees radar only).
    """

    name: Final = "stonesoup"

    def __init__(
        self,
        catalog: SensorCatalog,
        config: StoneSoupConfig | None = None,
        *,
        skip_non_radar: bool = False,
    ) -> None:
        self.config = config or StoneSoupConfig()
        self.skip_non_radar = skip_non_radar
        self.models = radar_models(catalog)
        self.tracker = build_tracker(self.config)
        self._ids: dict[str, int] = {}

    @property
    def variant(self) -> str:
        """Configuration label for tables."""
        return self.config.variant

    def prepare(self, batch: Reports) -> list[tuple[dt.datetime, set[Detection]]]:
        """Reports of one time -> per-radar detection sets (see `to_detections`)."""
        return to_detections(batch, self.models, skip_non_radar=self.skip_non_radar)

    def step(self, time: float, prepared: list[tuple[dt.datetime, set[Detection]]]) -> None:
        """Run the tracker on one time's detection sets (one tracker step per radar)."""
        for stamp, detections in prepared:
            self.tracker.update_tracker(stamp, detections)

    def picture(self, time: float) -> TrackStates:
        """Confirmed tracks' current states (working frame, m and m/s) at ``time``, s."""
        tracks = sorted(self.tracker.tracks, key=lambda tr: str(tr.id))
        n = len(tracks)
        ids = np.zeros(n, np.int64)
        states = np.zeros((n, 6))
        covs = np.zeros((n, 6, 6))
        for k, tr in enumerate(tracks):
            ids[k] = self._ids.setdefault(str(tr.id), len(self._ids) + 1)
            states[k] = np.asarray(tr.state_vector, dtype=np.float64).ravel()
            covs[k] = np.asarray(tr.covar, dtype=np.float64)
        pos = list(POSITION_INDEX)
        return TrackStates(
            time=time,
            track_id=ids,
            pos=states[:, pos],
            vel=states[:, list(VELOCITY_INDEX)],
            cov=cov_columns(covs[:, pos][:, :, pos]),
        )
