"""The multi-target tracker: IMM-EKF tracks, sparse gating, GNN / NN-JPDA, score-based lifecycle.

`Tracker.process(reports)` takes one batch of reports sharing one time (as they arrive) and
returns a `TrackerOutput`: the picture after the batch, the associations made and the tracks
deleted. All track state lives in stacked arrays (slots, reused after deletion); nothing on the
hot path loops over tracks or plots in Python (loops run over measurement models, association
rounds and contested association components only), so the cost of a batch grows with its
reports and the tracks they gate, not with the number of sensors reporting.

One step, per batch time t:
1. predict every live track to t (IMM interaction + per-mode constant-velocity prediction; the
   local vertical of each track is cached, `UP_REFRESH_M`);
2. all reports of the batch at once, grouped by measurement model (model registry by sensor
   kind; each report carries its sensor's position and rotation): spatial gate, Mahalanobis
   gate in measurement space, associate (GNN or NN-JPDA per component; the GNN cost of tracks
   flying in formation is measured from their formation anchors, `tracking.formation`), update
   the IMM (one EKF per mode, Joseph form; a contested track's measurement noise grows by the
   association spread, `association.association_spread`), score (hits, and one missed-detection
   penalty per radar whose coverage holds a track it did not hit), initiate tracks from
   leftover plots (one-point). Sensors of one batch that gate a common track, or whose plots
   are close enough for one to start a track the other would gate, go in successive rounds
   in sensor order, so the result equals updating sensor after sensor (`Tracker._update`);
3. manage: confirm on the track score (log-likelihood ratio), hand a newly confirmed track
   over to the missing shown track it replaces (`Tracker._handover`), coast, delete, merge
   duplicates.

Seams for other sensor kinds (`skyfuse.tracking.passive`): the ``models`` registry
(kind -> `MeasurementModel`); `TrackerHooks.on_unassociated` receives leftover reports of kinds
that cannot initiate on their own (bearings, for triangulation); `TrackerHooks.on_late` receives
reports older than the tracker's time (out-of-sequence measurements); `Tracker.add_tracks` lets
a hook start tracks. Without hooks, such reports are counted in `TrackerStats` and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Associations, Picture, TrackerOutput, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking.association import (
    assign,
    association_spread,
    close_pairs,
    lbp_marginals,
    spatial_gate,
)
from skyfuse.tracking.config import TrackerConfig
from skyfuse.tracking.filters import (
    cv_predict,
    imm_combine,
    imm_mix,
    imm_mode_update,
    innovation_cov,
    inv_logdet,
    kalman_update,
    mahalanobis2,
    mode_acceleration_density,
    mode_transition,
)
from skyfuse.tracking.formation import FormationMemory, sharing_pairs
from skyfuse.tracking.group import GroupFilter, GroupParams
from skyfuse.tracking.models import MeasurementModel, Measurements, default_models

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
IDX = NDArray[np.intp]

N_MODES = 2
_N_KINDS = len(SensorKind)
if _N_KINDS > 8:  # `Tracker.picture` packs one byte of sensor-kind bits per track
    raise RuntimeError("sensor_mask packing assumes at most 8 sensor kinds")
_LOG_2PI = float(np.log(2.0 * np.pi))
UP_REFRESH_M = 1000.0
"""A track's cached local up vector is recomputed once it has moved this far (m)."""
_DEFAULT_POSITION_CLUTTER_DENSITY = 1e-12
"""False cooperative reports per m^3 (cooperative sensors rarely report false positions)."""


ReportHook = Callable[["Tracker", Reports], None]


@dataclass(slots=True)
class TrackerHooks:
    """Optional callbacks into the tracker step (set by `skyfuse.tracking.passive`).

    on_unassociated: called with a sensor's leftover reports whose model cannot initiate
        tracks (e.g. bearings), after association, at the batch time.
    on_late: called with reports older than the tracker's current time (out-of-sequence).
    """

    on_unassociated: ReportHook | None = None
    on_late: ReportHook | None = None


@dataclass(slots=True)
class TrackerStats:
    """Counters over the tracker's life (for logs and reports)."""

    batches: int = 0
    reports: int = 0
    late_reports: int = 0
    skipped_by_kind: dict[str, int] = field(default_factory=dict)
    unassociated_no_initiation: int = 0
    associated: int = 0
    initiated: int = 0
    deleted: int = 0
    merged: int = 0
    handed_over: int = 0
    capped_initiations: int = 0
    two_point: int = 0
    """Tentative tracks given a velocity by a second plot (two-point initiation)."""
    velocity_initiated: int = 0
    """Tracks started with a reported velocity (self-report, or radar radial velocity)."""
    stale_repeats: int = 0
    """Cooperative reports dropped as exact repeats of their identity's last position."""
    identity_restarts: int = 0
    """Tracks of an identity re-started in place from a report outside their gate."""
    identity_dropped: int = 0
    """Cooperative reports outside their identity's track's gate while other sensors hold it."""
    nis_sum: float = 0.0
    nis_count: int = 0

    @property
    def mean_nis(self) -> float:
        """Mean normalised innovation squared of the updates (ideal: measurement dimension)."""
        return self.nis_sum / self.nis_count if self.nis_count else float("nan")


def _radar_clutter_density(catalog: SensorCatalog) -> F64:
    """False-plot density per sensor in (range m x azimuth rad x elevation rad) space.

    ``clutter_rate_per_scan`` spread uniformly over the coverage's range, azimuth and elevation
    extents; 1e-9 when a sensor declares no clutter (a floor so that scores stay finite).
    """
    out = np.empty(len(catalog))
    for i, s in enumerate(catalog.specs):
        cov = s.coverage
        rmax = cov.max_range_m if np.isfinite(cov.max_range_m) else 50_000.0
        a0, a1 = cov.azimuth_deg
        span_az = np.radians((a1 - a0) % 360.0 or 360.0)
        span_el = np.radians(max(cov.max_elevation_deg - cov.min_elevation_deg, 1e-3))
        vol = max(rmax - cov.min_range_m, 1.0) * span_az * span_el
        out[i] = max(s.clutter_rate_per_scan / vol, 1e-9)
    return out


@dataclass(frozen=True, slots=True)
class _PlotGroup:
    """One batch's reports of the sensor kinds sharing one measurement model, measured."""

    model: MeasurementModel
    reports: Reports
    meas: Measurements


@dataclass(frozen=True, slots=True)
class _Seeds:
    """Leftover plots that may start tracks: working-frame points (k, 3) m, their covariances
    (k, 3, 3) m^2, sensor indices, the sensors' ranks in the batch, what each plot says about
    velocity in information form (``vel_info (k, 3, 3)`` s^2/m^2, ``vel_info_vec (k, 3)`` s/m,
    `Measurements.velocity_information`; ``full_vel``: a full self-reported velocity) and its
    cooperative identity (``ident``, "" if none)."""

    point: F64
    point_cov: F64
    sensor: NDArray[np.int32]
    rank: I64
    vel_info: F64
    vel_info_vec: F64
    full_vel: NDArray[np.bool_]
    ident: NDArray[np.str_]

    @staticmethod
    def empty() -> _Seeds:
        return _Seeds(
            np.zeros((0, 3)),
            np.zeros((0, 3, 3)),
            np.zeros(0, np.int32),
            np.zeros(0, np.int64),
            np.zeros((0, 3, 3)),
            np.zeros((0, 3)),
            np.zeros(0, bool),
            np.zeros(0, dtype=str),
        )

    @staticmethod
    def of(meas: Measurements, rank: I64, catalog: SensorCatalog) -> _Seeds:
        """Seeds from the measurements ``meas`` of sensors ranked ``rank`` in the batch."""
        Y, y = meas.velocity_information(catalog)
        full: NDArray[np.bool_] = (
            np.asarray(np.isfinite(meas.vel).all(axis=1), dtype=bool)
            if meas.vel is not None
            else np.zeros(len(meas), bool)
        )
        ident = meas.ident if meas.ident is not None else np.full(len(meas), "", dtype=str)
        return _Seeds(meas.point, meas.point_cov, meas.sensor, rank, Y, y, full, ident.astype(str))

    @staticmethod
    def concat(parts: list[_Seeds]) -> _Seeds:
        return _Seeds(
            np.concatenate([p.point for p in parts]),
            np.concatenate([p.point_cov for p in parts]),
            np.concatenate([p.sensor for p in parts]),
            np.concatenate([p.rank for p in parts]),
            np.concatenate([p.vel_info for p in parts]),
            np.concatenate([p.vel_info_vec for p in parts]),
            np.concatenate([p.full_vel for p in parts]),
            np.concatenate([p.ident.astype(object) for p in parts]).astype(str),
        )

    def take(self, i: IDX) -> _Seeds:
        return _Seeds(
            self.point[i],
            self.point_cov[i],
            self.sensor[i],
            self.rank[i],
            self.vel_info[i],
            self.vel_info_vec[i],
            self.full_vel[i],
            self.ident[i],
        )


@dataclass(frozen=True, slots=True)
class _Gated:
    """Gated (track, plot) pairs: ``ti`` indexes the live tracks of the round, ``pj`` the plots;
    ``d2`` squared Mahalanobis distance, ``nu (k, d)`` innovation, ``Si (k, d, d)`` inverse
    innovation covariance, ``logdet`` its log-determinant (measurement space)."""

    ti: IDX
    pj: IDX
    d2: F64
    nu: F64
    Si: F64
    logdet: F64

    @staticmethod
    def empty(dim: int) -> _Gated:
        e = np.zeros(0, np.intp)
        return _Gated(e, e, np.zeros(0), np.zeros((0, dim)), np.zeros((0, dim, dim)), np.zeros(0))

    def take(self, sel: IDX, plot_map: IDX) -> _Gated:
        """The pairs ``sel``, with plot indices mapped through ``plot_map``."""
        return _Gated(
            self.ti[sel],
            plot_map[self.pj[sel]],
            self.d2[sel],
            self.nu[sel],
            self.Si[sel],
            self.logdet[sel],
        )


class Tracker:
    """Online multi-target tracker over one scenario's sensors.

    State (all arrays over ``capacity`` slots; ``alive`` marks used slots; `snapshot` copies it):
    ``xm (C, 2, 6)``, ``Pm (C, 2, 6, 6)`` mode-conditioned states (working frame, m, m/s),
    ``mu (C, 2)`` mode probabilities, ``x``, ``P`` their moment-matched combination, ``status``,
    ``score`` (track log-likelihood ratio), ``track_id``, times and counters; plus ``time`` (s)
    and the next track id.
    """

    def __init__(
        self,
        catalog: SensorCatalog,
        config: TrackerConfig | None = None,
        *,
        models: Mapping[SensorKind, MeasurementModel] | None = None,
        hooks: TrackerHooks | None = None,
    ) -> None:
        self.catalog = catalog
        self.config = config or TrackerConfig()
        self.models: dict[SensorKind, MeasurementModel] = dict(
            default_models() if models is None else models
        )
        self.hooks = hooks or TrackerHooks()
        self.stats = TrackerStats()
        c = self.config
        self.pd = np.clip(np.array([s.pd for s in catalog.specs], dtype=np.float64), 0.01, 0.99)
        radar_density = (
            _radar_clutter_density(catalog)
            if c.clutter_density is None
            else np.full(len(catalog), c.clutter_density)
        )
        self.clutter_density: F64 = np.where(
            catalog.kind == int(SensorKind.RADAR),
            radar_density,
            _DEFAULT_POSITION_CLUTTER_DENSITY,
        )
        """False-report density per sensor in its model's measurement space (editable)."""
        self._coverage = np.array(
            [
                (
                    s.coverage.min_range_m,
                    s.coverage.max_range_m,
                    s.coverage.min_elevation_deg,
                    s.coverage.max_elevation_deg,
                    s.coverage.azimuth_deg[0],
                    (s.coverage.azimuth_deg[1] - s.coverage.azimuth_deg[0]) % 360.0 or 360.0,
                )
                for s in catalog.specs
            ],
            dtype=np.float64,
        ).reshape(len(catalog), 6)
        """Per sensor: min/max range (m), min/max elevation (deg), azimuth start, span (deg)."""
        period = np.array(
            [s.period_s if s.period_s is not None else np.nan for s in catalog.specs],
            dtype=np.float64,
        ).reshape(len(catalog))
        self._sensor_period: F64 = np.where(period > 0.0, period, 1.0)
        """Scan or report period of each sensor (s; 1 s where none is given)."""
        self._kind_period = np.ones(_N_KINDS)
        for k in range(_N_KINDS):
            of_kind = self._sensor_period[catalog.kind == k]
            if of_kind.size:
                self._kind_period[k] = float(of_kind.max())
        self._sojourn = np.array([c.sojourn_cruise_s, c.sojourn_manoeuvre_s])
        self._q = np.array([[c.q_cruise_h, c.q_cruise_v], [c.q_manoeuvre_h, c.q_manoeuvre_v]])
        self.formation: FormationMemory | None = (
            FormationMemory(c.formation_time_constant_s, c.formation_max_gap_s)
            if c.formation_time_constant_s > 0.0
            else None
        )
        """Offsets between neighbouring tracks, for the assignment cost (`tracking.formation`)."""
        self.groups: GroupFilter | None = (
            GroupFilter(
                GroupParams(
                    min_weight=c.group_min_weight,
                    q_own_h=c.group_q_own_h,
                    q_own_v=c.group_q_own_v,
                    join_sigma_mps=c.group_join_sigma_mps,
                    eject_chi2=c.group_eject_chi2,
                    eject_hold_s=c.group_eject_hold_s,
                    max_members=c.group_max_members,
                )
            )
            if c.group_model and self.formation is not None
            else None
        )
        """Joint filters of formation groups (`tracking.group`)."""
        self.time = -np.inf
        self.next_id = 1
        self._handed_ids: tuple[I64, I64] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        """(new track ids, ids of the shown tracks they continued) of the last `_handover`."""
        self._alloc(64)

    # -- state ---------------------------------------------------------------------------------
    def _alloc(self, cap: int) -> None:
        self.capacity = cap
        self.alive = np.zeros(cap, bool)
        self.track_id = np.zeros(cap, np.int64)
        self.xm = np.zeros((cap, N_MODES, 6))
        self.Pm = np.tile(np.eye(6), (cap, N_MODES, 1, 1))
        self.mu = np.full((cap, N_MODES), 1.0 / N_MODES)
        self.x = np.zeros((cap, 6))
        self.P = np.tile(np.eye(6), (cap, 1, 1))
        self.status = np.zeros(cap, np.int8)
        self.score = np.zeros(cap)
        self.max_score = np.zeros(cap)
        self.first_time = np.zeros(cap)
        self.last_update_time = np.zeros(cap)
        self.n_updates = np.zeros(cap, np.int32)
        self.kind_time = np.full((cap, _N_KINDS), -np.inf)
        self.static = np.zeros(cap, bool)
        self.coop_id = np.full(cap, None, dtype=object)
        self.spoof_suspect = np.zeros(cap, bool)
        self.up = np.tile(np.array([0.0, 0.0, 1.0]), (cap, 1))
        self.up_at = np.full((cap, 3), np.nan)
        self.revisit = np.ones(cap)
        self.birth_pos = np.zeros((cap, 3))
        self.birth_cov = np.tile(np.eye(3), (cap, 1, 1))
        self.vel_known = np.zeros(cap, bool)
        self.owner = np.full(cap, "", dtype=object)
        self.owner_z = np.full((cap, 3), np.nan)

    _ARRAYS = (
        "alive",
        "track_id",
        "xm",
        "Pm",
        "mu",
        "x",
        "P",
        "status",
        "score",
        "max_score",
        "first_time",
        "last_update_time",
        "n_updates",
        "kind_time",
        "static",
        "coop_id",
        "spoof_suspect",
        "up",
        "up_at",
        "revisit",
        "birth_pos",
        "birth_cov",
        "vel_known",
        "owner",
        "owner_z",
    )
    """Per-slot state. ``revisit``: expected time (s) between a track's updates (its sensors'
    scan or report periods and the intervals seen, `Tracker._note_revisit`); ``birth_pos``,
    ``birth_cov``: the plot that started a track (for two-point initiation); ``vel_known``: the
    track started with a measured velocity (self-report or two points); ``owner``: the
    cooperative identity whose reports update the track ("" if none); ``owner_z``: the last
    position that identity reported (a repeat of it is stale, `Tracker._measure`)."""

    def _grow(self, need: int) -> None:
        cap = self.capacity
        while cap < need:
            cap *= 2
        if cap == self.capacity:
            return
        old = {k: getattr(self, k) for k in self._ARRAYS}
        n = self.capacity
        self._alloc(cap)
        for k, v in old.items():
            getattr(self, k)[:n] = v

    def snapshot(self) -> dict[str, object]:
        """A copy of the full tracker state (arrays and counters), e.g. to move it elsewhere."""
        snap: dict[str, object] = {k: getattr(self, k).copy() for k in self._ARRAYS}
        snap["time"] = float(self.time)
        snap["next_id"] = int(self.next_id)
        if self.formation is not None:
            snap["formation"] = self.formation.state()
        if self.groups is not None:
            snap["groups"] = self.groups.state()
        return snap

    def restore(self, snap: Mapping[str, object]) -> None:
        """Load a state produced by `snapshot` (same catalogue and configuration)."""
        cap = int(np.asarray(snap["alive"]).shape[0])
        self._alloc(cap)
        for k in self._ARRAYS:
            if k in snap:  # (snapshots from before the local-up cache lack "up", "up_at")
                getattr(self, k)[...] = np.asarray(snap[k])
        self.time = float(snap["time"])  # type: ignore[arg-type]
        self.next_id = int(snap["next_id"])  # type: ignore[call-overload]
        formation = snap.get("formation")
        if self.formation is not None and isinstance(formation, Mapping):
            self.formation.load(formation)
        groups = snap.get("groups")
        if self.groups is not None and isinstance(groups, Mapping):
            self.groups.load(groups)

    def live(self) -> IDX:
        """Slot indices of the live tracks."""
        return np.flatnonzero(self.alive)

    # -- public API ------------------------------------------------------------------------------
    def process(self, reports: Reports) -> TrackerOutput:
        """Process one batch of reports (normally sharing one time) and return the new picture.

        Reports older than the tracker's time go to ``hooks.on_late`` (default: counted and
        skipped); a batch holding several times is processed time by time, in order.
        """
        self.stats.batches += 1
        self.stats.reports += len(reports)
        if len(reports) == 0:
            return TrackerOutput(self.picture(), Associations.empty(), np.zeros(0, np.int64))
        late = reports.time < self.time
        if late.any():
            self.stats.late_reports += int(late.sum())
            if self.hooks.on_late is not None:
                self.hooks.on_late(self, reports.take(late))
            reports = reports.take(~late)
        times = np.unique(reports.time)
        assoc: list[Associations] = []
        deleted: list[I64] = []
        for t in times:
            batch = reports if times.size == 1 else reports.take(reports.time == t)
            a, d = self._step(float(t), batch)
            assoc.append(a)
            deleted.append(d)
        if not assoc:
            return TrackerOutput(self.picture(), Associations.empty(), np.zeros(0, np.int64))
        return TrackerOutput(
            self.picture(),
            Associations(
                np.concatenate([a.det_id for a in assoc]),
                np.concatenate([a.track_id for a in assoc]),
                np.concatenate([a.weight for a in assoc]),
            ),
            np.concatenate(deleted),
        )

    def picture(self) -> Picture:
        """The current picture: all live tracks (tentative included), ordered by track id.

        Columns are fresh arrays (gathered rows), never views of the tracker's state.
        """
        idx = self.live()
        idx = idx[np.argsort(self.track_id[idx], kind="stable")]
        recent = (
            self.time - np.take(self.kind_time, idx, axis=0)
        ) <= self.config.sensor_mask_window_s
        mask = np.packbits(recent, axis=1, bitorder="little")[:, 0].astype(np.int32)
        return Picture(
            time=float(self.time) if np.isfinite(self.time) else 0.0,
            frame=self.catalog.frame,
            track_id=self.track_id[idx],
            state=np.take(self.x, idx, axis=0),
            cov=np.take(self.P, idx, axis=0),
            status=self.status[idx],
            first_time=self.first_time[idx],
            last_update_time=self.last_update_time[idx],
            n_updates=self.n_updates[idx],
            mode_prob=np.take(self.mu, idx, axis=0),
            static=self.static[idx],
            coop_id=self.coop_id[idx],
            spoof_suspect=self.spoof_suspect[idx],
            sensor_mask=mask,
        )

    def add_tracks(self, x: F64, P: F64, kind: SensorKind, *, confirmed: bool = False) -> I64:
        """Start tracks at the tracker's time from states ``x (k, 6)``, ``P (k, 6, 6)``.

        For hooks (e.g. bearing triangulation). Returns the new track ids. Respects the
        ``max_tracks`` cap (excess tracks are not created and are counted).
        """
        kinds = np.full(x.shape[0], int(kind), np.intp)
        slots = self._start(x, P, kinds, confirmed=confirmed)
        return np.asarray(self.track_id[slots], dtype=np.int64).copy()

    def _start(self, x: F64, P: F64, kinds: IDX, *, confirmed: bool) -> IDX:
        """Start tracks from ``x (k, 6)``, ``P (k, 6, 6)`` first seen by sensor kinds
        ``kinds (k,)``; returns their slots (fewer than k when ``max_tracks`` caps them)."""
        k = x.shape[0]
        room = max(self.config.max_tracks - int(np.count_nonzero(self.alive)), 0)
        if k > room:
            self.stats.capped_initiations += k - room
            x, P, kinds, k = x[:room], P[:room], kinds[:room], room
        if k == 0:
            return np.zeros(0, np.intp)
        free = np.flatnonzero(~self.alive)
        if free.size < k:
            self._grow(self.capacity + k - free.size)
            free = np.flatnonzero(~self.alive)
        s = free[:k]
        ids = np.arange(self.next_id, self.next_id + k, dtype=np.int64)
        self.next_id += k
        t = float(self.time)
        self.alive[s] = True
        self.track_id[s] = ids
        self.x[s] = x
        self.P[s] = P
        self.xm[s] = x[:, None, :]
        self.Pm[s] = P[:, None, :, :]
        self.mu[s] = np.asarray(self.config.mode_prior)
        self.status[s] = TrackStatus.CONFIRMED if confirmed else TrackStatus.TENTATIVE
        self.score[s] = 0.0
        self.max_score[s] = 0.0
        self.first_time[s] = t
        self.last_update_time[s] = t
        self.n_updates[s] = 1
        self.kind_time[s] = -np.inf
        self.kind_time[s, kinds] = t
        self.static[s] = False
        self.coop_id[s] = None
        self.spoof_suspect[s] = False
        self.up_at[s] = np.nan
        self.revisit[s] = self._kind_period[kinds]
        self.birth_pos[s] = x[:, :3]
        self.birth_cov[s] = P[:, :3, :3]
        self.vel_known[s] = False
        self.owner[s] = ""
        self.owner_z[s] = np.nan
        self.stats.initiated += k
        return s

    # -- one time step -----------------------------------------------------------------------------
    def _step(self, t: float, batch: Reports) -> tuple[Associations, I64]:
        self._predict_to(t)
        groups = self._measure(batch)
        parts = self._update(t, groups) if groups else []
        self._handed_ids = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        deleted = self._manage(t)
        if not parts:
            return Associations.empty(), deleted
        track_id = np.concatenate([p.track_id for p in parts])
        gone, kept = self._handed_ids
        if gone.size:  # plots of a handed-over new track now belong to the track it continued
            order = np.argsort(gone)
            pos = np.minimum(np.searchsorted(gone, track_id, sorter=order), gone.size - 1)
            hit = gone[order[pos]] == track_id
            track_id = np.where(hit, kept[order[pos]], track_id)
        return (
            Associations(
                np.concatenate([p.det_id for p in parts]),
                track_id,
                np.concatenate([p.weight for p in parts]),
            ),
            deleted,
        )

    def _measure(self, batch: Reports) -> list[_PlotGroup]:
        """The batch's reports grouped by measurement model (one group per model, whatever
        the number of sensors), measured; kinds without a model are counted and skipped."""
        kinds = self.catalog.kind[batch.sensor]
        present = np.unique(kinds)
        codes_of: dict[int, list[int]] = {}
        model_of: dict[int, MeasurementModel] = {}
        for k in present.tolist():
            kind = SensorKind(k)
            model = self.models.get(kind)
            if model is None:
                n = int(np.count_nonzero(kinds == k))
                self.stats.skipped_by_kind[kind.label] = (
                    self.stats.skipped_by_kind.get(kind.label, 0) + n
                )
                continue
            codes_of.setdefault(id(model), []).append(k)
            model_of[id(model)] = model
        groups: list[_PlotGroup] = []
        for key, codes in codes_of.items():
            if len(codes) == present.size:
                sub = batch
            else:
                sub = batch.take(kinds == codes[0] if len(codes) == 1 else np.isin(kinds, codes))
            model = model_of[key]
            meas = model.measure(sub, self.catalog)
            if meas.ident is not None and len(meas):
                # A cooperative report repeating its identity's last position exactly is a
                # stale row (networks re-send the last known position every second): no news.
                own = self._owner_slots(meas.ident)
                known = own >= 0
                stale = np.zeros(len(meas), bool)
                stale[known] = (meas.z[known] == self.owner_z[own[known]]).all(axis=1)
                if stale.any():
                    self.stats.stale_repeats += int(np.count_nonzero(stale))
                    fresh = np.flatnonzero(~stale)
                    if fresh.size == 0:
                        continue
                    sub, meas = sub.take(fresh), meas.take(fresh)
            groups.append(_PlotGroup(model, sub, meas))
        return groups

    def _owner_slots(self, ident: NDArray[np.str_]) -> IDX:
        """The live slot whose track each cooperative identity owns (-1: none, or no identity)."""
        out = np.full(ident.size, -1, np.intp)
        live = self.live()
        owned = live[self.owner[live] != ""]
        if owned.size == 0 or ident.size == 0:
            return out
        keys = self.owner[owned].astype(str)
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        pos = np.minimum(np.searchsorted(sk, ident), sk.size - 1)
        hit = (sk[pos] == ident) & (ident != "")
        out[hit] = owned[order[pos[hit]]]
        return out

    def _update(self, t: float, groups: list[_PlotGroup]) -> list[Associations]:
        """Gate, associate, update, score and initiate all plots of one batch time.

        All sensors of the batch are handled together, in as few rounds as sequential
        semantics allow: a sensor waits for a later round only if an earlier sensor of the batch
        (by index) is still pending and gates a common track with it, or has a plot close
        enough that a track it starts could gate the sensor's plots. Within a round no two
        sensors touch the same track, so one vectorised pass gives the same result as handling
        them one after the other; missed-detection penalties are applied in sensor order.
        """
        sensors = np.unique(np.concatenate([g.meas.sensor for g in groups]))
        rank_of = np.full(len(self.catalog), -1, np.int64)
        rank_of[sensors] = np.arange(sensors.size)
        pending = [np.ones(len(g.meas), bool) for g in groups]
        e = np.zeros(0, np.int64)
        init_edges = self._initiation_conflicts(groups, rank_of) if sensors.size > 1 else (e, e)
        # Rank of the sensor that started each track in this batch (-1: before the batch).
        born = np.full(self.capacity, -1, np.int64)
        prev_update = self.last_update_time.copy()
        parts: list[Associations] = []
        while True:
            rows = [np.flatnonzero(p) for p in pending]
            if not any(r.size for r in rows):
                break
            idx = self.live()
            meas = [
                g.meas if r.size == len(g.meas) else g.meas.take(r)
                for g, r in zip(groups, rows, strict=True)
            ]
            gated = [self._gate(idx, m, g.model) for g, m in zip(groups, meas, strict=True)]
            plot_rank = [rank_of[m.sensor] for m in meas]
            wait = self._waiting(gated, plot_rank, init_edges, sensors.size)
            hits: list[tuple[IDX, F64, I64]] = []
            seeds: list[_Seeds] = []
            done = np.zeros(sensors.size, bool)
            for gi, g in enumerate(groups):
                now = ~wait[plot_rank[gi]]
                if not now.any():
                    continue
                pending[gi][rows[gi][now]] = False
                done[np.unique(plot_rank[gi][now])] = True
                sel = np.flatnonzero(now)
                if sel.size == now.size:
                    m_now, gd, r_now = meas[gi], gated[gi], rows[gi]
                else:
                    local = np.full(now.size, -1, np.intp)
                    local[sel] = np.arange(sel.size)
                    gd = gated[gi].take(np.flatnonzero(now[gated[gi].pj]), local)
                    m_now, r_now = meas[gi].take(sel), rows[gi][sel]
                assoc, hit, seed = self._associate(
                    t, idx, g.model, g.reports, r_now, m_now, gd, plot_rank[gi][sel]
                )
                parts.append(assoc)
                hits.append(hit)
                seeds.append(seed)
                self._after_associate(t, g.reports, r_now, m_now, assoc, hit[0], prev_update)
            slots, ranks = self._initiate(seeds)
            if slots.size:
                if born.size < self.capacity:
                    born = np.concatenate([born, np.full(self.capacity - born.size, -1, np.int64)])
                born[slots] = ranks
            self._score(hits, sensors, np.flatnonzero(done), born)
        return parts

    def _initiation_conflicts(self, groups: list[_PlotGroup], rank_of: I64) -> tuple[I64, I64]:
        """Sensor-rank pairs (a < b) with plots close enough that a track started from one
        could gate the other (spatial gate radius of a one-point track, capped)."""
        c = self.config
        pts, ranks, var = [], [], []
        for g in groups:
            if not g.model.can_initiate:
                continue
            ok = np.isfinite(g.meas.point).all(axis=1)
            pts.append(g.meas.point[ok])
            ranks.append(rank_of[g.meas.sensor[ok]])
            var.append(np.trace(g.meas.point_cov[ok], axis1=1, axis2=2))
        e = np.zeros(0, np.int64)
        if not ranks:
            return e, e
        rank = np.concatenate(ranks)
        if rank.size < 2 or rank.min() == rank.max():
            return e, e
        pv = np.concatenate(var)
        pv = pv[np.isfinite(pv)]
        vmax = float(pv.max()) if pv.size else 0.0
        radius = min(c.gate_sigmas * np.sqrt(2.0 * vmax), c.max_gate_radius_m)
        pa, pb = close_pairs(np.concatenate(pts), radius)
        if pa.size == 0:
            return e, e
        ra, rb = rank[pa], rank[pb]
        differ = ra != rb
        return np.minimum(ra, rb)[differ], np.maximum(ra, rb)[differ]

    @staticmethod
    def _waiting(
        gated: list[_Gated], plot_rank: list[I64], init_edges: tuple[I64, I64], n_ranks: int
    ) -> NDArray[np.bool_]:
        """(n_ranks,) sensors that must wait for a later round: an earlier pending sensor
        gates a common track with them or has plots near theirs (``init_edges``)."""
        wait = np.zeros(n_ranks, bool)
        pending = np.zeros(n_ranks, bool)
        for r in plot_rank:
            pending[r] = True
        if np.count_nonzero(pending) < 2:
            return wait
        ti = np.concatenate([g.ti for g in gated])
        rk = np.concatenate([r[g.pj] for g, r in zip(gated, plot_rank, strict=True)])
        if ti.size:
            key = np.unique(ti.astype(np.int64) * n_ranks + rk)
            tr, rr = key // n_ranks, key % n_ranks
            # Consecutive sensors gating the same track (sorted by rank): the later one waits.
            same = tr[1:] == tr[:-1]
            wait[rr[1:][same]] = True
        a, b = init_edges
        if a.size:
            live_edge = pending[a] & pending[b]
            wait[b[live_edge]] = True
        return wait

    def _gate(self, idx: IDX, meas: Measurements, model: MeasurementModel) -> _Gated:
        """Spatial pre-gate, then the Mahalanobis gate in measurement space.

        Spatial radius per (track, plot): ``gate_sigmas`` sigma of track position spread plus
        the largest plot spread of the plot's sensor in this batch, capped at
        ``max_gate_radius_m``.
        """
        c = self.config
        if idx.size == 0 or len(meas) == 0:
            return _Gated.empty(model.dim)
        track_var = np.trace(self.P[idx, :3, :3], axis1=1, axis2=2)
        pc = np.trace(meas.point_cov, axis1=1, axis2=2)
        pc = np.where(np.isfinite(pc), pc, 0.0)
        s = meas.sensor
        if s.size == 1 or s.min() == s.max():
            plot_var = np.full(s.size, pc.max())
        else:
            u, inv = np.unique(s, return_inverse=True)
            per_sensor = np.zeros(u.size)
            np.maximum.at(per_sensor, inv, pc)
            plot_var = per_sensor[inv]
        vmax = float(plot_var.max())
        radius = np.minimum(c.gate_sigmas * np.sqrt(track_var + vmax), c.max_gate_radius_m)
        ti, pj = spatial_gate(self.x[idx, :3], radius, meas.point, c.max_pairs_per_batch)
        if ti.size and plot_var.min() < vmax:
            r = np.minimum(
                c.gate_sigmas * np.sqrt(track_var[ti] + plot_var[pj]), c.max_gate_radius_m
            )
            d = np.linalg.norm(meas.point[pj] - self.x[idx[ti], :3], axis=1)
            ok = ~(d > r)  # NaN points (unknown position) pair with every track
            ti, pj = ti[ok], pj[ok]
        if ti.size == 0:
            return _Gated.empty(model.dim)
        zhat, H = model.predict(self.x[idx[ti]], meas.sensor[pj], self.catalog)
        nu = model.residual(meas.z[pj], zhat)
        S = innovation_cov(self.P[idx[ti]], H, meas.R[pj])
        Si, logdet = inv_logdet(S)
        d2 = np.einsum("ki,kij,kj->k", nu, Si, nu)
        keep = d2 < c.gate_chi2
        if meas.ident is not None:
            # Identity: a cooperative report never updates another identity's track, and one
            # that gates its own identity's track is that track's alone.
            pid = meas.ident[pj]
            own = self.owner[idx[ti]].astype(str)
            mine = (own != "") & (own == pid)
            keep &= ~((own != "") & (pid != "") & ~mine)
            has_mine = np.zeros(len(meas), bool)
            has_mine[pj[keep & mine]] = True
            keep &= mine | ~has_mine[pj]
        if keep.all():
            return _Gated(ti, pj, d2, nu, Si, logdet)
        return _Gated(ti[keep], pj[keep], d2[keep], nu[keep], Si[keep], logdet[keep])

    def _associate(
        self,
        t: float,
        idx: IDX,
        model: MeasurementModel,
        reports: Reports,
        rows: IDX,
        meas: Measurements,
        g: _Gated,
        plot_rank: I64,
    ) -> tuple[Associations, tuple[IDX, F64, I64], _Seeds]:
        """Associate and update one model group's plots of one round at time t.

        ``rows``: the plots' rows in ``reports``; ``plot_rank``: their sensors' ranks in the
        batch. Returns the associations, the hits (updated slots, log likelihood ratios, sensor
        ranks; scores are the caller's, `_score`) and the leftover plots that may start tracks
        (the caller's, `_initiate`, so that new tracks are numbered in sensor order).
        """
        c = self.config
        m = len(meas)
        ti, pj, d2 = g.ti, g.pj, g.d2
        loglik = -0.5 * (d2 + g.logdet + model.dim * _LOG_2PI)
        sensor = meas.sensor[pj]
        pd = self.pd[sensor]
        log_lr = np.minimum(np.log(pd) + loglik - np.log(self.clutter_density[sensor]), 700.0)
        log_w = log_lr - np.log1p(-pd)
        if c.association == "nnjpda":
            p, _ = lbp_marginals(ti, pj, np.exp(log_w), idx.size, m)
            chosen = assign(ti, pj, -p, idx.size, m) & (p >= c.nnjpda_min_prob)
            weight = p[chosen]
        else:
            cost = -log_w
            pairs = self._formation_pairs(idx, ti, pj, m)
            if pairs is not None:
                # The anchor re-ranks plots; whether a pair is worth taking stays the filter's.
                gain = self._formation_cost_gain(idx, ti, pj, g.Si, d2, meas, model, pairs)
                cost = np.where(cost < 0.0, np.minimum(cost - gain, -1e-9), cost - gain)
            chosen = assign(ti, pj, cost, idx.size, m)
            weight = np.ones(int(np.count_nonzero(chosen)))
        a_slot = idx[ti[chosen]]
        b = pj[chosen]
        extra_R = None
        if a_slot.size:
            if c.ambiguity_inflation > 0.0:
                extra_R = c.ambiguity_inflation * association_spread(
                    ti, pj, chosen, log_w, meas.z, model.residual, idx.size, m
                )
            self._imm_update(a_slot, meas, b, model, extra_R)
            self.last_update_time[a_slot] = t
            self.n_updates[a_slot] += 1
            self.kind_time[a_slot, self.catalog.kind[meas.sensor[b]].astype(np.intp)] = t
            self.stats.associated += int(a_slot.size)
            self.stats.nis_sum += float(d2[chosen].sum())
            self.stats.nis_count += int(a_slot.size)
        if c.association == "gnn" and self.formation is not None:
            self._formation_update(t, idx, ti, pj, m)
        if self.groups is not None:
            self.groups.step(self, t, a_slot, meas, b, model, extra_R)
        assoc = Associations(
            reports.det_id[rows[b]].astype(np.int64), self.track_id[a_slot].copy(), weight
        )
        hit = (a_slot, log_lr[chosen], plot_rank[b])
        # Leftover plots: not assigned, and not close to any existing track.
        left = np.ones(m, bool)
        left[b] = False
        left[pj[d2 < c.init_exclusion_chi2]] = False
        leftover = np.flatnonzero(left)
        seed = _Seeds.empty()
        if leftover.size:
            if model.can_initiate:
                seed = _Seeds.of(meas.take(leftover), plot_rank[leftover], self.catalog)
            else:
                self.stats.unassociated_no_initiation += int(leftover.size)
                if self.hooks.on_unassociated is not None:
                    self.hooks.on_unassociated(self, reports.take(rows[leftover]))
        return assoc, hit, seed

    def _score(self, hits: list[tuple[IDX, F64, I64]], sensors: IDX, done: IDX, born: I64) -> None:
        """Track scores after one round: each hit adds its log likelihood ratio; each radar
        of the round adds ``ln(1 - Pd)`` to the tracks inside its coverage it did not hit
        (`_miss_penalty`), tracks started by a later sensor of the batch excepted. The
        maximum score is taken at each hit with the penalties of earlier sensors (by index)
        already counted, as if the sensors had been handled one after the other."""
        slot = np.concatenate([h[0] for h in hits]) if hits else np.zeros(0, np.intp)
        lr = np.concatenate([h[1] for h in hits]) if hits else np.zeros(0)
        hit_rank = np.concatenate([h[2] for h in hits]) if hits else np.zeros(0, np.int64)
        radar = done[self.catalog.kind[sensors[done]] == int(SensorKind.RADAR)]
        idx = self.live()
        if radar.size and idx.size:
            never = np.iinfo(np.int64).max
            rank_at = np.full(self.capacity, never, np.int64)
            rank_at[slot] = hit_rank
            hit_live = rank_at[idx]
            born_live = np.full(idx.size, -1, np.int64)
            known = idx < born.size
            born_live[known] = born[idx[known]]
            pen = self._miss_penalty(idx, sensors[radar])  # (K, n)
            pen[(born_live[None, :] >= radar[:, None]) | (hit_live[None, :] == radar[:, None])] = (
                0.0
            )
            before_hit = np.where(radar[:, None] < hit_live[None, :], pen, 0.0).sum(axis=0)
            if slot.size:
                where = np.full(self.capacity, -1, np.intp)
                where[idx] = np.arange(idx.size)
                self.max_score[slot] = np.maximum(
                    self.max_score[slot], self.score[slot] + before_hit[where[slot]] + lr
                )
            self.score[idx] += pen.sum(axis=0)
            self.score[slot] += lr
            return
        if slot.size:
            self.score[slot] += lr
            self.max_score[slot] = np.maximum(self.max_score[slot], self.score[slot])

    def _predict_to(self, t: float) -> None:
        """IMM interaction and constant-velocity prediction of every live track to time t."""
        if not np.isfinite(self.time):
            self.time = t
            return
        dt = t - self.time
        self.time = t
        if dt <= 0.0:
            return
        idx = self.live()
        if idx.size == 0:
            return
        x0, P0, c = imm_mix(
            np.take(self.xm, idx, axis=0),
            np.take(self.Pm, idx, axis=0),
            np.take(self.mu, idx, axis=0),
            mode_transition(dt, self._sojourn),
        )
        frame = self.catalog.frame
        up = self._local_up(idx) if frame.geodetic else np.array([0.0, 0.0, 1.0])
        xm, Pm = cv_predict(x0, P0, dt, mode_acceleration_density(up, self._q))
        self.xm[idx] = xm
        self.Pm[idx] = Pm
        self.mu[idx] = c
        self.x[idx], self.P[idx] = imm_combine(xm, Pm, c)

    def _local_up(self, idx: IDX) -> F64:
        """Local up unit vectors (n, 3) at the tracks ``idx``; in geodetic frames from a per-track
        cache refreshed when a track has moved more than `UP_REFRESH_M` from where its vector
        was computed (the vertical turns by 0.01 deg per km)."""
        if not self.catalog.frame.geodetic:
            return np.tile(np.array([0.0, 0.0, 1.0]), (idx.size, 1))
        p = self.x[idx, :3]
        moved = np.einsum("ni,ni->n", p - self.up_at[idx], p - self.up_at[idx])
        stale = ~(moved <= UP_REFRESH_M**2)  # NaN: never computed
        if stale.any():
            s = idx[stale]
            self.up[s] = self.catalog.frame.up(self.x[s, :3]).reshape(-1, 3)
            self.up_at[s] = self.x[s, :3]
        return np.asarray(self.up[idx])

    def _formation_pairs(self, idx: IDX, ti: IDX, pj: IDX, m: int) -> tuple[IDX, IDX, IDX] | None:
        """Shown tracks that share a gated plot and fly alike (velocity difference within
        ``formation_velocity_chi2`` of their summed velocity covariances): (indices into idx
        involved, pair a, pair b local to them), or None."""
        if self.formation is None or ti.size == 0:
            return None
        pa, pb = sharing_pairs(ti, pj, idx.size, m)
        shown = self.status[idx] != TrackStatus.TENTATIVE
        sa, sb = idx[pa], idx[pb]
        dv2 = mahalanobis2(self.x[sa, 3:] - self.x[sb, 3:], self.P[sa, 3:, 3:] + self.P[sb, 3:, 3:])
        near = np.linalg.norm(self.x[sa, :3] - self.x[sb, :3], axis=1)
        sel = (
            shown[pa]
            & shown[pb]
            & (dv2 <= self.config.formation_velocity_chi2)
            & (near <= self.config.formation_max_offset_m)
        )
        if not sel.any():
            return None
        pa, pb = pa[sel], pb[sel]
        inv, local = np.unique(np.concatenate([pa, pb]), return_inverse=True)
        return inv, local[: pa.size], local[pa.size :]

    def _formation_cost_gain(
        self,
        idx: IDX,
        ti: IDX,
        pj: IDX,
        Si: F64,
        d2: F64,
        meas: Measurements,
        model: MeasurementModel,
        pairs: tuple[IDX, IDX, IDX],
    ) -> F64:
        """Log-likelihood gain (k,) of each gated pair when its track sits at its formation anchor.

        ``0.5 (d2 - d2_anchor)`` with the pair's own innovation covariance (association only).
        """
        assert self.formation is not None
        inv, la, lb = pairs
        slots = idx[inv]
        xs = self.x[slots]
        up = self._local_up(slots)
        anchor = self.formation.anchors(self.track_id[slots], xs[:, :3], xs[:, 3:], up, la, lb)
        where = np.full(idx.size, -1, np.intp)
        where[inv] = np.arange(inv.size)
        k = np.flatnonzero(where[ti] >= 0)
        gain = np.zeros(ti.size)
        if k.size == 0:
            return gain
        xa = self.x[idx[ti[k]]].copy()
        xa[:, :3] = anchor[where[ti[k]]]
        zhat, _ = model.predict(xa, meas.sensor[pj[k]], self.catalog)
        nu_a = model.residual(meas.z[pj[k]], zhat)
        d2_a = np.einsum("ki,kij,kj->k", nu_a, Si[k], nu_a)
        gain[k] = 0.5 * (d2[k] - d2_a)
        return gain

    def _formation_update(self, t: float, idx: IDX, ti: IDX, pj: IDX, m: int) -> None:
        """Blend the updated offsets of neighbouring shown tracks into the formation memory."""
        assert self.formation is not None
        pairs = self._formation_pairs(idx, ti, pj, m)
        if pairs is None:
            return
        inv, la, lb = pairs
        slots = idx[inv]
        xs = self.x[slots]
        up = self._local_up(slots)
        self.formation.update(t, self.track_id[slots], xs[:, :3], xs[:, 3:], up, la, lb)

    def _miss_penalty(self, idx: IDX, radars: IDX) -> F64:
        """``ln(1 - Pd)`` of each radar in ``radars (K,)`` for the tracks ``idx (n,)`` inside its
        coverage, else 0: a (K, n) array.

        Coverage: slant range, elevation and azimuth sector of `sensors.json` ``coverage``, in
        the sensor's local ENU frame (current track positions); angles only for the pairs
        within range.
        """
        cv = self._coverage[radars]  # (K, 6): min/max range, min/max elevation, az0, span
        off = self.x[idx, :3] - self.catalog.position[radars][:, None, :]  # (K, n, 3)
        r2 = np.einsum("kni,kni->kn", off, off)
        k, i = np.nonzero((r2 >= cv[:, 0, None] ** 2) & (r2 <= cv[:, 1, None] ** 2))
        out = np.zeros(r2.shape)
        if k.size == 0:
            return out
        d = np.einsum("kij,kj->ki", self.catalog.rotation[radars[k]], off[k, i])
        el = np.degrees(np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1])))
        az = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
        c = cv[k]
        inside = (el >= c[:, 2]) & (el <= c[:, 3]) & (((az - c[:, 4]) % 360.0) <= c[:, 5])
        out[k[inside], i[inside]] = np.log1p(-self.pd[radars[k[inside]]])
        return out

    def _imm_update(
        self,
        slots: IDX,
        meas: Measurements,
        b: IDX,
        model: MeasurementModel,
        extra_R: F64 | None = None,
    ) -> None:
        """Per-mode EKF update of the tracks in ``slots`` with measurements ``b``, then IMM
        mode-probability update and output combination. ``extra_R (k, d, d)``, if given, is added
        to each pair's measurement noise (association ambiguity, `association_spread`)."""
        k = slots.size
        xm = self.xm[slots].reshape(k * N_MODES, 6)
        Pm = self.Pm[slots].reshape(k * N_MODES, 6, 6)
        bb = np.repeat(b, N_MODES)
        zhat, H = model.predict(xm, meas.sensor[bb], self.catalog)
        nu = model.residual(meas.z[bb], zhat)
        R = meas.R[bb] if extra_R is None else meas.R[bb] + np.repeat(extra_R, N_MODES, axis=0)
        xn, Pn, ll = kalman_update(xm, Pm, nu, H, R)
        xn = xn.reshape(k, N_MODES, 6)
        Pn = Pn.reshape(k, N_MODES, 6, 6)
        mu = imm_mode_update(self.mu[slots], ll.reshape(k, N_MODES))
        self.xm[slots] = xn
        self.Pm[slots] = Pn
        self.mu[slots] = mu
        self.x[slots], self.P[slots] = imm_combine(xn, Pn, mu)

    def _after_associate(
        self,
        t: float,
        reports: Reports,
        rows: IDX,
        meas: Measurements,
        assoc: Associations,
        slots: IDX,
        prev_update: F64,
    ) -> None:
        """Bookkeeping of one round's updates (``slots``, in the order of ``assoc``): each
        track's revisit interval (`_note_revisit`), the identity owning it and its last
        reported position, and the reported velocity of cooperative plots (`_velocity_update`,
        a sequential linear update after the position update)."""
        if slots.size == 0:
            return
        det = reports.det_id[rows]
        order = np.argsort(det, kind="stable")
        pos = order[np.searchsorted(det[order], assoc.det_id)]
        self._note_revisit(t, slots, meas.sensor[pos], prev_update)
        if meas.ident is not None:
            idn = meas.ident[pos]
            has = idn != ""
            if has.any():
                self.owner[slots[has]] = idn[has]
                self.owner_z[slots[has]] = meas.z[pos[has]]
        if meas.vel is not None and meas.vel_cov is not None:
            v = meas.vel[pos]
            ok = np.flatnonzero(np.isfinite(v).all(axis=1))
            if ok.size:
                self._velocity_update(slots[ok], v[ok], meas.vel_cov[pos[ok]])

    def _note_revisit(self, t: float, slots: IDX, sensor: NDArray[np.int32], prev: F64) -> None:
        """Expected interval (s) between updates of ``slots`` just updated at ``t`` by
        ``sensor``: at least the sensor's own period, else the running mean of the intervals
        seen (irregular self-reports), at most ``max_revisit_s``."""
        c = self.config
        known = slots < prev.size
        obs = np.where(known, t - prev[np.where(known, slots, 0)], 0.0)
        mean = 0.5 * self.revisit[slots] + 0.5 * obs
        new = np.minimum(np.maximum(self._sensor_period[sensor], mean), c.max_revisit_s)
        self.revisit[slots] = np.where(obs > 0.0, new, self.revisit[slots])

    def _velocity_update(self, slots: IDX, v: F64, R: F64) -> None:
        """Linear update of distinct tracks ``slots`` with measured velocities ``v (k, 3)``
        (working frame, m/s; noise ``R (k, 3, 3)``): every IMM mode, then the mode
        probabilities and the combined output."""
        k = slots.size
        xm = self.xm[slots].reshape(k * N_MODES, 6)
        Pm = self.Pm[slots].reshape(k * N_MODES, 6, 6)
        H = np.zeros((k * N_MODES, 3, 6))
        H[:, 0, 3] = H[:, 1, 4] = H[:, 2, 5] = 1.0
        vv = np.repeat(v, N_MODES, axis=0)
        nu = vv - xm[:, 3:]
        xn, Pn, ll = kalman_update(xm, Pm, nu, H, np.repeat(R, N_MODES, axis=0))
        xn = xn.reshape(k, N_MODES, 6)
        Pn = Pn.reshape(k, N_MODES, 6, 6)
        mu = imm_mode_update(self.mu[slots], ll.reshape(k, N_MODES))
        self.xm[slots] = xn
        self.Pm[slots] = Pn
        self.mu[slots] = mu
        self.x[slots], self.P[slots] = imm_combine(xn, Pn, mu)
        self.vel_known[slots] = True

    def _one_point(self, sd: _Seeds) -> tuple[F64, F64]:
        """States (k, 6) and covariances (k, 6, 6) of tracks started from single plots.

        Position and its covariance from the plot. Velocity: a full self-reported velocity is
        taken with its own noise; otherwise the zero-mean prior (``init_speed_sigma_h`` per
        local horizontal axis, ``init_speed_sigma_v`` vertical) fused in information form with
        whatever the plot says (`Measurements.velocity_information`: a radar's radial velocity
        fixes the radial component)."""
        c = self.config
        k = sd.rank.size
        x = np.zeros((k, 6))
        x[:, :3] = sd.point
        P = np.zeros((k, 6, 6))
        P[:, :3, :3] = sd.point_cov
        rot = self.catalog.frame.local_rotation(sd.point).reshape(k, 3, 3)
        if not sd.vel_info.any():  # no plot says anything about velocity: the prior alone
            dv = np.diag(
                [c.init_speed_sigma_h**2, c.init_speed_sigma_h**2, c.init_speed_sigma_v**2]
            )
            P[:, 3:, 3:] = np.swapaxes(rot, 1, 2) @ dv @ rot
            return x, P
        inv_prior = np.diag(
            [c.init_speed_sigma_h**-2, c.init_speed_sigma_h**-2, c.init_speed_sigma_v**-2]
        )
        Y0 = np.swapaxes(rot, 1, 2) @ inv_prior @ rot
        Y = np.where(sd.full_vel[:, None, None], sd.vel_info, Y0 + sd.vel_info)
        Pv = np.linalg.inv(Y)
        x[:, 3:] = np.einsum("kij,kj->ki", Pv, sd.vel_info_vec)
        P[:, 3:, 3:] = 0.5 * (Pv + np.swapaxes(Pv, 1, 2))
        return x, P

    def _two_point(self, sd: _Seeds, t: float) -> tuple[IDX, IDX, F64, F64]:
        """Pair plots without a full velocity with single-plot tentative tracks.

        A leftover plot that no track gates may be the second plot of a target too fast for a
        one-point track's velocity prior: it pairs with a tentative track started from one
        plot, earlier, within ``init_max_speed_mps * dt`` plus ``two_point_sigmas`` sigma of
        the two plots' position spreads (one to one, shortest jumps first: a minimum-cost
        assignment on the jump over its bound). The pair gives the track its velocity from the
        difference, ``v = (p2 - p1) / dt``, with the honest covariance of a difference:
        ``P = [[C2, C2/dt], [C2/dt, (C1 + C2)/dt^2 + Q]]`` (``Q``: the manoeuvre-mode white
        acceleration over dt, ``q dt / 3``), then fused with the second plot's own velocity
        information (radial velocity). Returns (seed indices, tentative slots, states (k, 6),
        covariances (k, 6, 6)).
        """
        c = self.config
        e = np.zeros(0, np.intp)
        none = (e, e, np.zeros((0, 6)), np.zeros((0, 6, 6)))
        cand_seed = np.flatnonzero(~sd.full_vel)
        if cand_seed.size == 0 or c.init_max_speed_mps <= 0.0:
            return none
        live = self.live()
        tent = live[
            (self.status[live] == TrackStatus.TENTATIVE)
            & (self.n_updates[live] == 1)
            & (self.first_time[live] < t)
            & ~self.vel_known[live]
        ]
        if tent.size == 0:
            return none
        dt = t - self.first_time[tent]
        spread = np.sqrt(np.trace(self.birth_cov[tent], axis1=1, axis2=2))
        pc = np.trace(sd.point_cov[cand_seed], axis1=1, axis2=2)
        pmax = float(np.sqrt(np.max(np.where(np.isfinite(pc), pc, 0.0))))
        radius = c.init_max_speed_mps * dt + c.two_point_sigmas * (spread + pmax)
        ti, sj = spatial_gate(
            self.birth_pos[tent], radius, sd.point[cand_seed], c.max_pairs_per_batch
        )
        if ti.size == 0:
            return none
        a, b = tent[ti], cand_seed[sj]
        ok = np.ones(ti.size, bool)
        if (sd.ident != "").any():
            own = self.owner[a].astype(str)
            ok &= (own == "") | (own == sd.ident[b])
        jump = np.linalg.norm(sd.point[b] - self.birth_pos[a], axis=1)
        bound = c.init_max_speed_mps * dt[ti] + c.two_point_sigmas * np.sqrt(
            np.trace(self.birth_cov[a], axis1=1, axis2=2)
            + np.trace(sd.point_cov[b], axis1=1, axis2=2)
        )
        ok &= jump <= bound
        ti, sj, a, b, jump, bound = ti[ok], sj[ok], a[ok], b[ok], jump[ok], bound[ok]
        if ti.size == 0:
            return none
        chosen = assign(ti, sj, jump / bound - 1.0 - 1e-9, tent.size, cand_seed.size)
        a, b = a[chosen], b[chosen]
        k = a.size
        d = np.maximum(t - self.first_time[a], 1e-3)[:, None, None]
        C1, C2 = self.birth_cov[a], sd.point_cov[b]
        x = np.zeros((k, 6))
        x[:, :3] = sd.point[b]
        x[:, 3:] = (sd.point[b] - self.birth_pos[a]) / d[:, :, 0]
        P = np.zeros((k, 6, 6))
        P[:, :3, :3] = C2
        P[:, :3, 3:] = C2 / d
        P[:, 3:, :3] = C2 / d
        P[:, 3:, 3:] = (C1 + C2) / d**2 + (c.q_manoeuvre_h * d / 3.0) * np.eye(3)
        Yb = sd.vel_info[b]
        info = np.flatnonzero(np.abs(Yb).sum(axis=(1, 2)) > 0.0)
        if info.size:
            # Information-form fusion of the plot's velocity information (H = [0 I]).
            Pi = np.linalg.inv(P[info])
            Pi[:, 3:, 3:] += Yb[info]
            eta = np.einsum("kij,kj->ki", np.linalg.inv(P[info]), x[info])
            eta[:, 3:] += sd.vel_info_vec[b[info]]
            Pn = np.linalg.inv(Pi)
            P[info] = 0.5 * (Pn + np.swapaxes(Pn, 1, 2))
            x[info] = np.einsum("kij,kj->ki", Pn, eta)
        return b, a, x, P

    def _initiate(self, seeds: list[_Seeds]) -> tuple[IDX, I64]:
        """Start or extend tracks from the leftover plots of one round.

        Plots are taken in sensor order (then report order), at most
        ``max_new_tracks_per_batch`` per sensor, then:

        1. a cooperative plot whose identity owns a live track (it failed that track's gate:
           a long gap, a turn) restarts that track in place, keeping its identity, unless a
           non-cooperative sensor updated the track within ``sensor_mask_window_s`` (the
           plot is then dropped; the other sensors hold the track);
        2. a plot without a full velocity may pair with a single-plot tentative track
           (`_two_point`), which takes its velocity from the pair;
        3. the others start tentative tracks (`_one_point`: with the plot's own velocity where
           it has one).

        Returns the slots started or re-started from these plots and the ranks of the sensors
        whose plots did so.
        """
        c = self.config
        t = float(self.time)
        seeds = [sd for sd in seeds if sd.rank.size]
        if not seeds:
            return np.zeros(0, np.intp), np.zeros(0, np.int64)
        sd = seeds[0] if len(seeds) == 1 else _Seeds.concat(seeds)
        order = np.argsort(sd.rank, kind="stable")
        rank = sd.rank[order]
        start = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]])
        nth = np.arange(rank.size) - np.repeat(start, np.diff(np.r_[start, rank.size]))
        over = nth >= c.max_new_tracks_per_batch
        if over.any():
            self.stats.capped_initiations += int(np.count_nonzero(over))
            order = order[~over]
        ok = np.isfinite(sd.point[order]).all(axis=1)
        order = order[ok]
        if order.size == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.int64)
        sd = sd.take(order)
        x, P = self._one_point(sd)
        kinds = self.catalog.kind[sd.sensor].astype(np.intp)
        out_slots: list[IDX] = []
        out_rank: list[I64] = []
        todo = np.ones(sd.rank.size, bool)
        # 1. identities that own a track: restart it in place (or drop the plot).
        any_ident = bool((sd.ident != "").any())
        own = self._owner_slots(sd.ident) if any_ident else np.full(sd.rank.size, -1, np.intp)
        if (own >= 0).any():
            i = np.flatnonzero(own >= 0)
            s = own[i]
            noncoop = [int(SensorKind.RADAR), int(SensorKind.ACOUSTIC)]
            noncoop += [int(SensorKind.RF_DF), int(SensorKind.EO_IR)]
            held = (t - self.kind_time[s][:, noncoop].max(axis=1)) <= c.sensor_mask_window_s
            _, first = np.unique(s, return_index=True)
            once = np.zeros(i.size, bool)
            once[first] = True
            go = ~held & once
            todo[i] = False
            self.stats.identity_dropped += int(np.count_nonzero(~go))
            i, s = i[go], s[go]
            if i.size:
                self._restart(s, x[i], P[i], kinds[i], sd.sensor[i], sd.full_vel[i])
                self.owner_z[s] = sd.point[i]
                self.stats.identity_restarts += int(i.size)
                out_slots.append(s)
                out_rank.append(sd.rank[i])
        # 2. two-point initiation of plots without a full velocity.
        rest = np.flatnonzero(todo)
        if rest.size:
            bj, slots2, x2, P2 = self._two_point(sd.take(rest), t)
            if slots2.size:
                b = rest[bj]
                self._restart(slots2, x2, P2, kinds[b], sd.sensor[b], np.ones(b.size, bool))
                self.n_updates[slots2] = 2
                has = sd.ident[b] != ""
                self.owner[slots2[has]] = sd.ident[b][has]
                self.owner_z[slots2[has]] = sd.point[b][has]
                todo[b] = False
                self.stats.two_point += int(b.size)
                out_slots.append(slots2)
                out_rank.append(sd.rank[b])
        # 3. one-point tracks.
        new = np.flatnonzero(todo)
        if new.size:
            slots = self._start(x[new], P[new], kinds[new], confirmed=False)
            new = new[: slots.size]
            self.revisit[slots] = self._sensor_period[sd.sensor[new]]
            vk = sd.full_vel[new] | (np.abs(sd.vel_info_vec[new]).sum(axis=1) > 0.0)
            self.vel_known[slots] = sd.full_vel[new]
            self.stats.velocity_initiated += int(np.count_nonzero(vk))
            has = sd.ident[new] != ""
            self.owner[slots[has]] = sd.ident[new][has]
            self.owner_z[slots[has]] = sd.point[new][has]
            out_slots.append(slots)
            out_rank.append(sd.rank[new])
        if not out_slots:
            return np.zeros(0, np.intp), np.zeros(0, np.int64)
        return np.concatenate(out_slots), np.concatenate(out_rank)

    def _restart(
        self,
        slots: IDX,
        x: F64,
        P: F64,
        kinds: IDX,
        sensor: NDArray[np.int32],
        vel_known: NDArray[np.bool_],
    ) -> None:
        """Give existing tracks ``slots`` a fresh state at the tracker's time (identity, status,
        score and history kept): every IMM mode at ``x``, ``P``, modes at their prior."""
        t = float(self.time)
        self.x[slots] = x
        self.P[slots] = P
        self.xm[slots] = x[:, None, :]
        self.Pm[slots] = P[:, None, :, :]
        self.mu[slots] = np.asarray(self.config.mode_prior)
        self.last_update_time[slots] = t
        self.n_updates[slots] += 1
        self.kind_time[slots, kinds] = t
        self.revisit[slots] = np.maximum(self.revisit[slots], self._sensor_period[sensor])
        self.vel_known[slots] = vel_known
        self.up_at[slots] = np.nan

    def _manage(self, t: float) -> I64:
        """Confirm, coast, delete and merge; returns the deleted track ids."""
        c = self.config
        idx = self.live()
        if idx.size == 0:
            return np.zeros(0, np.int64)
        st = self.status[idx]
        since = t - self.last_update_time[idx]
        # Waiting times scale with each track's revisit interval (12 s radars, gappy ADS-B).
        rev = self.revisit[idx]
        coast_s = np.maximum(c.coast_after_s, c.coast_after_scans * rev)
        tent = st == TrackStatus.TENTATIVE
        confirm = (
            tent & (self.score[idx] >= c.confirm_llr) & (self.n_updates[idx] >= c.confirm_min_hits)
        )
        st = np.where(confirm, TrackStatus.CONFIRMED, st)
        shown = st != TrackStatus.TENTATIVE
        st = np.where(shown & (since > coast_s), TrackStatus.COASTING, st)
        st = np.where(shown & (since <= coast_s), TrackStatus.CONFIRMED, st)
        self.status[idx] = st
        handed = self._handover(idx[confirm], idx[shown & ~confirm])
        if handed.size:
            keep = ~np.isin(idx, handed)
            idx, st, since, tent, confirm, shown = (
                idx[keep],
                st[keep],
                t - self.last_update_time[idx[keep]],
                tent[keep],
                confirm[keep],
                shown[keep],
            )
        pos_sigma = np.sqrt(np.trace(self.P[idx, :3, :3], axis1=1, axis2=2) / 3.0)
        rev = self.revisit[idx]
        # A cooperative identity is evidence that its object exists: its track waits out the
        # gaps of a self-reporting feed (``coop_hold_s``).
        hold = np.where(self.owner[idx] != "", c.coop_hold_s, 0.0)
        dead = (
            (
                tent
                & ~confirm
                & (
                    since
                    > np.maximum(
                        np.maximum(c.tentative_timeout_s, c.tentative_timeout_scans * rev), hold
                    )
                )
            )
            | (since > np.maximum(np.maximum(c.delete_after_s, c.delete_after_scans * rev), hold))
            | (shown & (self.score[idx] < self.max_score[idx] - c.delete_llr_drop))
            | (pos_sigma > c.max_position_sigma_m)
        )
        dead_slots = idx[dead]
        merged = self._duplicates(idx[~dead])
        alive_idx = idx[~dead]
        merged = np.concatenate(
            [merged, self._coop_duplicates(alive_idx[~np.isin(alive_idx, merged)])]
        )
        self.stats.merged += int(merged.size)
        self.stats.handed_over += int(handed.size)
        gone = np.concatenate([dead_slots, merged, handed])
        return self.delete_tracks(gone)

    def delete_tracks(self, slots: IDX) -> I64:
        """Delete the live tracks in ``slots`` (their slots become free for reuse) and return
        their track ids. For stages beside the tracker that judge a track lost on evidence the
        tracker does not score (e.g. passive fusion's implausible bearings-only tracks)."""
        slots = np.asarray(slots, dtype=np.intp)
        _, first = np.unique(slots, return_index=True)  # each slot once, in the given order
        slots = slots[np.sort(first)]
        slots = slots[self.alive[slots]]
        ids: I64 = self.track_id[slots].copy()
        self.alive[slots] = False
        self.stats.deleted += int(slots.size)
        return ids

    def _handover(self, new: IDX, shown: IDX) -> IDX:
        """Give tracks confirmed this step the identity of the shown track they replace.

        A target that turns harder than the motion model expects leaves its track's gate; its
        plots then start a new track, which confirms while the old one, missing, is still shown.
        A new track ``b`` (slots ``new``) replaces a shown track ``a`` (slots ``shown``) when
        ``a`` is the nearest shown track to ``b`` (Mahalanobis on positions, 3 dof, summed
        position covariances) among those whose positions agree within ``handover_chi2``
        (and ``max_gate_radius_m``) and whose velocities agree within
        ``formation_velocity_chi2``, and ``a`` was last updated before ``b`` and less than
        ``handover_window_s`` after ``b`` was born (it misses the plots ``b`` takes; in a
        formation a live neighbour nearer to ``b`` vetoes the handover). ``a`` keeps its
        identity, status and history and takes ``b``'s state, mode probabilities and score (on
        top of its best score); one to one, nearest pairs first. Returns the slots of the
        replaced new tracks (to delete; they were never shown).
        """
        c = self.config
        if c.handover_chi2 <= 0.0 or new.size == 0 or shown.size == 0:
            return np.zeros(0, np.intp)
        if not (self.last_update_time[shown] < self.time).any():
            return np.zeros(0, np.intp)
        var_a = np.trace(self.P[shown, :3, :3], axis1=1, axis2=2)
        var_b = float(np.trace(self.P[new, :3, :3], axis1=1, axis2=2).max())
        radius = np.minimum(
            np.sqrt(c.handover_chi2 * (var_a + var_b)), c.max_gate_radius_m
        )  # Mahalanobis bound: d2 >= |d|^2 / trace(S)
        ia, ib = spatial_gate(self.x[shown, :3], radius, self.x[new, :3], c.max_pairs_per_batch)
        if ia.size == 0:
            return np.zeros(0, np.intp)
        a, b = shown[ia], new[ib]
        d2 = mahalanobis2(self.x[a, :3] - self.x[b, :3], self.P[a, :3, :3] + self.P[b, :3, :3])
        dv2 = mahalanobis2(self.x[a, 3:] - self.x[b, 3:], self.P[a, 3:, 3:] + self.P[b, 3:, 3:])
        ok = (d2 < c.handover_chi2) & (dv2 <= c.formation_velocity_chi2)
        a, b, d2 = a[ok], b[ok], d2[ok]
        # Each new track's nearest agreeing shown track, kept only if that one is missing now.
        order = np.argsort(d2, kind="stable")
        a, b = a[order], b[order]
        _, first_b = np.unique(b, return_index=True)
        first_b = np.sort(first_b)
        a, b = a[first_b], b[first_b]
        lost = self.last_update_time[a] < np.minimum(
            self.last_update_time[b], self.first_time[b] + c.handover_window_s
        )
        a, b = a[lost], b[lost]
        _, first_a = np.unique(a, return_index=True)
        a, b = a[first_a], b[first_a]
        if a.size == 0:
            return np.zeros(0, np.intp)
        for name in ("xm", "Pm", "mu", "x", "P", "last_update_time", "up", "up_at", "revisit"):
            arr = getattr(self, name)
            arr[a] = arr[b]
        moved = self.owner[b] != ""
        self.owner[a[moved]] = self.owner[b[moved]]
        self.owner_z[a[moved]] = self.owner_z[b[moved]]
        self.vel_known[a] |= self.vel_known[b]
        self.kind_time[a] = np.maximum(self.kind_time[a], self.kind_time[b])
        self.n_updates[a] += self.n_updates[b]
        self.score[a] = self.max_score[a] + self.score[b]
        self.max_score[a] = self.score[a]
        self.status[a] = TrackStatus.CONFIRMED
        self._handed_ids = (self.track_id[b].copy(), self.track_id[a].copy())
        return b

    def _coop_duplicates(self, idx: IDX) -> IDX:
        """Slots of tracks that duplicate a cooperative identity's track (to delete).

        A radar track and the track of an ADS-B / Remote ID identity on the same aircraft
        (started apart: the radar saw it first, or the self-report fell outside the radar
        track's gate) are one object: shown tracks only, positions within ``merge_chi2`` on
        the summed position covariances plus ``coop_duplicate_sigma_m`` per axis (a
        self-report and a radar disagree by more than their noises: barometric altitude,
        latency; 3 dof) and velocities within
        ``formation_velocity_chi2``; an identity's track never merges with another identity's.
        The older track survives (the identity the picture showed first) and takes the
        identity and the state of the cooperative one; the other is deleted. Cooperative
        tracks are few, so the search runs from them only.
        """
        c = self.config
        shown = idx[self.status[idx] != TrackStatus.TENTATIVE]
        owned = shown[self.owner[shown] != ""]
        twins = np.zeros(0, np.intp)
        if owned.size > 1:
            # Two shown tracks of one identity (a merge or restart left both): the older stays.
            keys = self.owner[owned].astype(str)
            order = np.lexsort((self.track_id[owned], self.first_time[owned], keys))
            ks = keys[order]
            later = np.r_[False, ks[1:] == ks[:-1]]
            twins = owned[order[later]]
            owned = owned[order[~later]]
        other = shown[self.owner[shown] == ""]
        if owned.size == 0 or other.size == 0:
            return twins
        slack = 3.0 * c.coop_duplicate_sigma_m**2 * np.eye(3)
        var = np.trace(self.P[owned, :3, :3], axis1=1, axis2=2) + np.trace(slack)
        vmax = float(np.trace(self.P[other, :3, :3], axis1=1, axis2=2).max())
        radius = np.minimum(np.sqrt(c.merge_chi2 * (var + vmax)), c.max_gate_radius_m)
        ia, ib = spatial_gate(self.x[owned, :3], radius, self.x[other, :3], c.max_pairs_per_batch)
        if ia.size == 0:
            return twins
        a, b = owned[ia], other[ib]
        d2 = mahalanobis2(
            self.x[a, :3] - self.x[b, :3], self.P[a, :3, :3] + self.P[b, :3, :3] + slack
        )
        dv2 = mahalanobis2(self.x[a, 3:] - self.x[b, 3:], self.P[a, 3:, 3:] + self.P[b, 3:, 3:])
        ok = (d2 < c.merge_chi2) & (dv2 <= c.formation_velocity_chi2)
        a, b, d2 = a[ok], b[ok], d2[ok]
        if a.size == 0:
            return twins
        order = np.argsort(d2, kind="stable")  # one to one, closest pairs first
        a, b = a[order], b[order]
        _, fa = np.unique(a, return_index=True)
        a, b = a[np.sort(fa)], b[np.sort(fa)]
        _, fb = np.unique(b, return_index=True)
        a, b = a[np.sort(fb)], b[np.sort(fb)]
        older = self.first_time[b] < self.first_time[a]
        keep = np.where(older, b, a)
        gone = np.where(older, a, b)
        k = np.flatnonzero(older)
        if k.size:  # the older radar track continues with the cooperative track's state
            src, dst = a[k], b[k]
            for name in ("xm", "Pm", "mu", "x", "P", "owner", "owner_z", "up", "up_at"):
                arr = getattr(self, name)
                arr[dst] = arr[src]
            self.last_update_time[dst] = np.maximum(
                self.last_update_time[dst], self.last_update_time[src]
            )
            self.kind_time[dst] = np.maximum(self.kind_time[dst], self.kind_time[src])
            self.revisit[dst] = np.maximum(self.revisit[dst], self.revisit[src])
            self.vel_known[dst] |= self.vel_known[src]
            self.n_updates[dst] += self.n_updates[src]
        del keep
        return np.concatenate([twins, np.asarray(gone, dtype=np.intp)])

    def _duplicates(self, idx: IDX) -> IDX:
        """Slots of tracks that duplicate a stronger track (close and statistically equal)."""
        c = self.config
        if idx.size < 2:
            return np.zeros(0, np.intp)
        pa, pb = close_pairs(self.x[idx, :3], c.merge_radius_m)
        if pa.size == 0:
            return np.zeros(0, np.intp)
        a, b = idx[pa], idx[pb]
        d = self.x[a] - self.x[b]
        d2 = mahalanobis2(d, self.P[a] + self.P[b])
        dup = d2 < c.merge_chi2
        a, b = a[dup], b[dup]
        if a.size == 0:
            return np.zeros(0, np.intp)
        # Strength: shown tracks beat tentative ones, then more updates, then older.
        shown_a = self.status[a] != TrackStatus.TENTATIVE
        shown_b = self.status[b] != TrackStatus.TENTATIVE
        key_a = np.stack([shown_a, self.n_updates[a], -self.first_time[a]], axis=1)
        key_b = np.stack([shown_b, self.n_updates[b], -self.first_time[b]], axis=1)
        a_wins = np.zeros(a.size, bool)
        decided = np.zeros(a.size, bool)
        for col in range(3):
            gt = (key_a[:, col] > key_b[:, col]) & ~decided
            lt = (key_a[:, col] < key_b[:, col]) & ~decided
            a_wins |= gt
            decided |= gt | lt
        a_wins |= ~decided & (self.track_id[a] < self.track_id[b])
        return np.unique(np.where(a_wins, b, a))
