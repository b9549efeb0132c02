"""Track initiation (and passive-only tracking) from bearings: acoustic, RF-DF, EO/IR.

Pipeline of one `BearingTracker.process` call (any batch of bearings, in time order):

1. **Gate and update** existing candidates/tracks: for each bearing, tracks within the sensor's
   reach are found with a cKDTree on track positions; each pair gets the delay-aware,
   retrodicting EKF innovation (`oosm.bearing_innovation`), a chi-square gate on the angles and a
   gate on the Doppler-corrected frequency (acoustic fundamental ``f0 = f (c + v_r) / c``; RF
   carrier). A bearing goes to at most one track and a track takes at most one bearing per
   round (mutual best NIS), so crossing bearings cannot feed two targets.
2. **Pair the leftovers** with buffered unused bearings of *other* sensors heard within a short
   window (sensor neighbours within the sum of their ranges from a cKDTree on sensor positions:
   no all-pairs over the country). Each pair is intersected in 3-D (`triangulate`), rejected
   unless both rays point at it, it lies inside both sensors' coverage, the elevations and
   frequencies agree and the height is plausible; mutual-best pairs seed candidates at the mean
   emission time (propagation delay removed with the fix's range).
3. **Confirm** a candidate only after it has been re-confirmed by later bearings: enough updates
   over enough time, from at least two sensors, with a consistent mean NIS, a bounded position
   uncertainty and a plausible speed. A ghost (rays of two different targets crossing) fails
   these: later bearings of its two "parents" stop agreeing in elevation, frequency and motion,
   and the real targets' candidates take the bearings first.

Confirmed candidates are either handed to the main tracker (`Births`, ``handoff=True``) or kept
and maintained here as passive-only tracks (``handoff=False``, a standalone bearings tracker).

State ``[x, y, z, vx, vy, vz]`` in the working frame, m and m/s; times in s from scenario start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2 as chi2_dist

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Picture, TrackStatus
from skyfuse.tracking.passive.bearings import Bearings, BearingSensors
from skyfuse.tracking.passive.delay import emission_offset
from skyfuse.tracking.passive.oosm import (
    UpdateRecord,
    bearing_gate_prescreen,
    bearing_innovation,
    cross_update,
    cv_process_noise,
    cv_transition,
    record_norms,
    update_record,
)
from skyfuse.tracking.passive.triangulate import (
    baseline_geometry,
    intersect_ray_pairs,
    ray_pair_screen,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]

ACOUSTIC = int(SensorKind.ACOUSTIC)
N_SLOTS = 8
"""Distinct sensors whose hits are counted per candidate (more are folded into the last slot)."""
RF_DF = int(SensorKind.RF_DF)
PRESCREEN_MIN_PAIRS = 2048
"""Below this many (track, bearing) pairs the gate skips its pre-screen (same result; the
screen's own cost only pays off on many pairs)."""


@dataclass(frozen=True, slots=True)
class InitiatorConfig:
    """Tuning of `BearingTracker` (units in the names; defaults for Shahed-class targets).

    Attributes:
        q: CV process noise spectral density of confirmed (standalone) tracks, m^2/s^3.
        candidate_q: the same for candidates. A two-site bearings-only filter is barely
            observable and its linearisation errors make a small-q candidate collapse onto a
            wrong range with a falsely small covariance (seen on acoustic-region: sd 60 m,
            error 650 m at confirmation); the larger q keeps candidates honest (acoustic-only
            raid: ghosts 2/7 -> 0/6, every covered drone tracked).
        gate_prob: chi-square gate probability for bearing innovations.
        freq_gate_sigma: gate on the Doppler-corrected frequency, in sigmas.
        freq_drift: random-walk density of a target's frequency, unit^2/s (engine throttle).
        pair_window_s: largest arrival-time difference of two bearings forming a pair.
        buffer_s: how long unused bearings wait for a partner.
        height_m, sigma_height_m: height prior of a fresh fix (above the first sensor).
        min_height_m, max_height_m: plausible heights of a fix above its sensor, m.
        sigma_speed_mps: initial horizontal velocity 1-sigma of a candidate; vertical is 1/5.
        max_speed_mps: faster candidates are implausible and dropped.
        confirm_max_speed_mps: a candidate is confirmed only below this speed (Shahed-class
            cruise is ~50 m/s; ghosts of crossing bearings move at implausible speeds as
            their parents' rays sweep).
        confirm_age_s, confirm_hits, confirm_sensors, confirm_hits_per_sensor: re-confirmation
            needed to confirm: age, bearings, and sensors each giving that many bearings.
        confirm_age_2_s: the longer age needed when only ``confirm_sensors`` sensors (not more)
            back the candidate (two-site geometry is where ghosts live).
        max_mean_nis: confirmation needs mean NIS per degree of freedom below this.
        max_pos_sigma_m: confirmation needs every position standard deviation below this.
        candidate_timeout_s: a candidate with no update for this long is dropped.
        single_site_hits: a candidate with this many bearings of one sensor and at most one
            of every other is dropped (one ray: its range is unobserved).
        track_timeout_s: a confirmed passive track with no update for this long is deleted.
        reach_margin_m: slack on coverage ranges when gating and pairing.
        merge_radius_m, merge_chi2: candidates closer than the radius whose 6-D states agree
            (chi-square on the summed covariances, 16.8 = 99% at 6 dof) are one target and
            merged (`BearingTracker._merge_duplicates`).
        max_seed_bearings_per_sensor: at most this many of one sensor's unexplained bearings
            of a batch may seed candidates (a flooding sensor: the rest are shed and counted in
            `BearingTracker.shed_bearings`; updates of existing tracks are not capped). An
            array hears one bearing per target a report interval, so this binds only on floods.
    """

    q: float = 2.0
    candidate_q: float = 8.0
    gate_prob: float = 0.997
    freq_gate_sigma: float = 4.0
    freq_drift: float = 0.05
    pair_window_s: float = 2.5
    buffer_s: float = 4.0
    height_m: float = 1000.0
    sigma_height_m: float = 2000.0
    min_height_m: float = -100.0
    max_height_m: float = 6000.0
    sigma_speed_mps: float = 40.0
    max_speed_mps: float = 150.0
    confirm_max_speed_mps: float = 80.0
    confirm_age_s: float = 6.0
    confirm_age_2_s: float = 10.0
    confirm_hits: int = 8
    confirm_sensors: int = 2
    confirm_hits_per_sensor: int = 3
    max_mean_nis: float = 2.5
    max_pos_sigma_m: float = 300.0
    candidate_timeout_s: float = 4.0
    single_site_hits: int = 5
    merge_radius_m: float = 1000.0
    merge_chi2: float = 16.8
    track_timeout_s: float = 8.0
    max_seed_bearings_per_sensor: int = 32
    reach_margin_m: float = 500.0


@dataclass(frozen=True, slots=True)
class Births:
    """Candidates confirmed in one call, to become tracks of the main tracker.

    Attributes:
        state: (n, 6) state at ``time``; cov: (n, 6, 6).
        time: (n,) state times, s (emission time of the last bearing used).
        first_time: (n,) time the candidate was seeded, s.
        n_updates: (n,) bearings used (seed pair included).
        frequency: (n, 2) Doppler-corrected acoustic fundamental (Hz) and RF carrier (MHz),
            NaN where unknown.
        sensor_mask: (n,) bit mask of `SensorKind` codes that fed the candidate.
        frequency_var: (n, 2) variance of ``frequency`` (Hz^2, MHz^2), NaN where unknown.
    """

    state: F64
    cov: F64
    time: F64
    first_time: F64
    n_updates: NDArray[np.int32]
    frequency: F64
    sensor_mask: NDArray[np.int32]
    frequency_var: F64

    def __len__(self) -> int:
        return int(self.time.shape[0])


_FIELDS = (
    "track_id",
    "x",
    "P",
    "t",
    "first_time",
    "last_hit",
    "n_hits",
    "sensor_bits",
    "kind_mask",
    "freq",
    "freq_var",
    "nis_sum",
    "dof_sum",
    "nis_avg",
    "slot_sensor",
    "slot_hits",
    "confirmed",
    "rec_time",
    "rec_prev",
    "rec_g",
    "rec_M",
    "rec_A",
)


class _TrackArrays:
    """Columns of the candidates/tracks (one row each); rows are added and removed in bulk."""

    def __init__(self) -> None:
        self.track_id = np.zeros(0, np.int64)
        self.x = np.zeros((0, 6))
        self.P = np.zeros((0, 6, 6))
        self.t = np.zeros(0)
        self.first_time = np.zeros(0)
        self.last_hit = np.zeros(0)
        self.n_hits = np.zeros(0, np.int32)
        self.sensor_bits = np.zeros(0, np.uint64)
        self.kind_mask = np.zeros(0, np.int32)
        self.freq = np.zeros((0, 2))
        self.freq_var = np.zeros((0, 2))
        self.nis_sum = np.zeros(0)
        self.dof_sum = np.zeros(0)
        self.nis_avg = np.zeros(0)
        self.slot_sensor = np.zeros((0, N_SLOTS), np.int64)
        self.slot_hits = np.zeros((0, N_SLOTS), np.int32)
        self.confirmed = np.zeros(0, bool)
        self.rec_time = np.zeros(0)
        self.rec_prev = np.zeros(0)
        self.rec_g = np.zeros((0, 6))
        self.rec_M = np.zeros((0, 6, 6))
        self.rec_A = np.zeros((0, 6, 6))

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def keep(self, mask: BOOL) -> None:
        for f in _FIELDS:
            setattr(self, f, getattr(self, f)[mask])

    def append(self, other: dict[str, NDArray[np.generic]]) -> None:
        for f in _FIELDS:
            setattr(self, f, np.concatenate([getattr(self, f), other[f]]))

    def record(self, rows: NDArray[np.intp]) -> UpdateRecord:
        return UpdateRecord(
            self.rec_time[rows],
            self.rec_prev[rows],
            self.rec_g[rows],
            self.rec_M[rows],
            self.rec_A[rows],
        )


def first_per_group(group: NDArray[np.integer], cap: int) -> BOOL:
    """Mask keeping the first ``cap`` elements of each group value, in their given order."""
    n = group.size
    if n <= cap:
        return np.ones(n, bool)
    order = np.argsort(group, kind="stable")
    g = group[order]
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))
    keep = np.zeros(n, bool)
    keep[order] = rank < cap
    return keep


def _popcount(bits: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Number of set bits of each uint64."""
    b = bits.copy()
    count = np.zeros(b.shape, np.int64)
    while np.any(b):
        count += (b & np.uint64(1)).astype(np.int64)
        b >>= np.uint64(1)
    return count


def _sensor_bit(sensor: NDArray[np.int32]) -> NDArray[np.uint64]:
    """One bit per sensor (sensor index mod 64) for counting distinct sensors."""
    return np.asarray(np.left_shift(np.uint64(1), sensor.astype(np.uint64) % np.uint64(64)))


def _ranges_product(
    rows: NDArray[np.intp], sensor: NDArray[np.int32], ptr: NDArray[np.intp], idx: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """All (row, other) pairs where ``other`` is a row whose sensor neighbours ``row``'s sensor
    in the CSR adjacency ``(ptr, idx)``, and the adjacency entry (edge) of each pair;
    vectorised with repeat/cumsum (no loop)."""
    n_s = ptr.size - 1
    order = np.argsort(sensor, kind="stable").astype(np.intp)
    cnt = np.bincount(sensor, minlength=n_s)
    start = np.concatenate(([0], np.cumsum(cnt)))
    s = sensor[rows]
    deg = ptr[s + 1] - ptr[s]
    r_rep = np.repeat(rows, deg)
    k = np.arange(int(deg.sum())) - np.repeat(np.cumsum(deg) - deg, deg)
    edge = np.repeat(ptr[s], deg) + k
    nbr = idx[edge]
    c = cnt[nbr]
    a = np.repeat(r_rep, c)
    off = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
    b = order[np.repeat(start[nbr], c) + off]
    return a.astype(np.intp), b.astype(np.intp), np.repeat(edge, c).astype(np.intp)


def doppler_free_frequency(
    f_obs: F64, sigma_f: F64, c: F64, u: F64, vel: F64, P_vel: F64
) -> tuple[F64, F64]:
    """Emitted frequency ``f0 = f (c + v_r) / c`` and its variance from an observed one.

    ``u`` (n, 3) unit line of sight sensor -> target, ``vel`` (n, 3) target velocity (m/s),
    ``v_r = u . vel`` (positive away), ``P_vel`` (n, 3, 3) velocity covariance; ``c = inf``
    (radio) gives ``f0 = f``. The variance adds the frequency noise and the radial-speed
    uncertainty ``(f / c)^2 u' P_vel u``.
    """
    finite = np.isfinite(c)
    cf = np.where(finite, c, 1.0)
    vr = np.einsum("ni,ni->n", u, vel)
    corr = np.where(finite, (cf + vr) / cf, 1.0)
    var_vr = np.sum((u) * ((P_vel) @ (u)[..., None])[..., 0], axis=-1)
    var = (sigma_f * corr) ** 2 + np.where(finite, (f_obs / cf) ** 2 * var_vr, 0.0)
    return f_obs * corr, var


class BearingTracker:
    """Initiates tracks from bearings alone and (optionally) maintains passive-only tracks.

    Feed it bearings in non-decreasing time order with `process`. With ``handoff=True`` it
    returns `Births` for the main tracker and forgets them; with ``handoff=False`` confirmed
    tracks stay here and `picture` reports them.
    """

    def __init__(
        self,
        sensors: BearingSensors,
        config: InitiatorConfig | None = None,
        *,
        handoff: bool = False,
        first_track_id: int = 1,
    ) -> None:
        self.sensors = sensors
        self.cfg = config or InitiatorConfig()
        self.handoff = handoff
        self.next_id = first_track_id
        self.tracks = _TrackArrays()
        self.buffer = Bearings.empty()
        self.deleted: list[int] = []
        self.time = -np.inf
        self.assoc_det: list[I64] = []
        self.assoc_track: list[I64] = []
        self.shed_bearings = 0
        """Unexplained bearings not used for seeding (``max_seed_bearings_per_sensor``)."""
        cat = sensors.catalog
        self._reach = np.where(np.isfinite(sensors.max_range), sensors.max_range, 1e5)
        bearing_kinds = [int(k) for k in (SensorKind.ACOUSTIC, SensorKind.RF_DF, SensorKind.EO_IR)]
        self._bearing_sensors = np.flatnonzero(np.isin(cat.kind, bearing_kinds))
        self._sensor_tree = (
            cKDTree(cat.position[self._bearing_sensors]) if self._bearing_sensors.size else None
        )
        self._max_reach = (
            float(self._reach[self._bearing_sensors].max()) if self._bearing_sensors.size else 0.0
        )
        self._adj_ptr, self._adj_idx = self._neighbours()
        # Baseline of every adjacency entry (azimuth of the neighbour in each sensor's frame,
        # horizontal separation) for the bearing-pair pre-screen.
        src = np.repeat(np.arange(len(cat)), np.diff(self._adj_ptr))
        self._adj_az, self._adj_dist = baseline_geometry(
            cat.position[src],
            cat.rotation[src],
            cat.position[self._adj_idx],
            cat.rotation[self._adj_idx],
        )
        self._gate = {d: float(chi2_dist.ppf(self.cfg.gate_prob, d)) for d in (1, 2, 3, 4)}

    def _neighbours(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """CSR adjacency (indptr, indices) of bearing sensors whose coverages can overlap
        (distance <= sum of ranges + margin); built once with a cKDTree, never all-pairs."""
        n = len(self.sensors.catalog)
        if self._sensor_tree is None:
            return np.zeros(n + 1, np.intp), np.zeros(0, np.intp)
        r = 2.0 * self._max_reach + self.cfg.reach_margin_m
        pairs = self._sensor_tree.query_pairs(r, output_type="ndarray")
        a = self._bearing_sensors[pairs[:, 0]]
        b = self._bearing_sensors[pairs[:, 1]]
        pos = self.sensors.catalog.position
        d = np.linalg.norm(pos[a] - pos[b], axis=1)
        ok = d <= self._reach[a] + self._reach[b] + self.cfg.reach_margin_m
        src = np.concatenate([a[ok], b[ok]])
        dst = np.concatenate([b[ok], a[ok]])
        order = np.argsort(src, kind="stable")
        ptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n)))).astype(np.intp)
        return ptr, dst[order].astype(np.intp)

    # -- public ----------------------------------------------------------------------------
    def process(self, bearings: Bearings) -> Births:
        """Use a batch of bearings (sorted by time): update, seed, confirm. Returns births."""
        if len(bearings) == 0:
            return self._births(np.zeros(0, np.intp))
        now = float(bearings.time.max())
        if now < self.time:
            raise ValueError(f"BearingTracker.process: time {now} before previous {self.time}")
        self.time = now
        self._expire(now)
        leftover = self._update_tracks(bearings)
        fresh = bearings.take(leftover)
        keep = first_per_group(fresh.sensor, self.cfg.max_seed_bearings_per_sensor)
        self.shed_bearings += int(keep.size - int(keep.sum()))
        self._seed(fresh.take(keep), now)
        self._merge_duplicates(now)
        return self._confirm(now)

    def associations(self) -> tuple[I64, I64]:
        """(det_id, track_id) pairs of bearings used since the last call (then cleared)."""
        det = np.concatenate(self.assoc_det) if self.assoc_det else np.zeros(0, np.int64)
        trk = np.concatenate(self.assoc_track) if self.assoc_track else np.zeros(0, np.int64)
        self.assoc_det, self.assoc_track = [], []
        return det.astype(np.int64), trk.astype(np.int64)

    def picture(self, time: float, *, confirmed_only: bool = True) -> Picture:
        """The passive tracks predicted (CV) to ``time``, as a `Picture`."""
        tr = self.tracks
        rows = np.flatnonzero(tr.confirmed) if confirmed_only else np.arange(len(tr))
        dt = time - tr.t[rows]
        F = cv_transition(dt)
        x = (F @ (tr.x[rows])[..., None])[..., 0]
        P = (F @ tr.P[rows] @ np.swapaxes(F, -1, -2)) + cv_process_noise(dt, self.cfg.q)
        n = rows.size
        return Picture(
            time=time,
            frame=self.sensors.catalog.frame,
            track_id=tr.track_id[rows],
            state=x,
            cov=P,
            status=np.where(
                tr.confirmed[rows], int(TrackStatus.CONFIRMED), int(TrackStatus.TENTATIVE)
            ).astype(np.int8),
            first_time=tr.first_time[rows],
            last_update_time=tr.last_hit[rows],
            n_updates=tr.n_hits[rows],
            mode_prob=np.ones((n, 1)),
            static=np.zeros(n, bool),
            coop_id=np.full(n, None, dtype=object),
            spoof_suspect=np.zeros(n, bool),
            sensor_mask=tr.kind_mask[rows],
        )

    # -- steps -----------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        tr = self.tracks
        timeout = np.where(tr.confirmed, self.cfg.track_timeout_s, self.cfg.candidate_timeout_s)
        alive = (now - tr.last_hit) <= timeout
        self.deleted.extend(int(i) for i in tr.track_id[~alive & tr.confirmed])
        tr.keep(alive)
        if len(self.buffer):
            self.buffer = self.buffer.take(self.buffer.time >= now - self.cfg.buffer_s)

    def _candidate_pairs(self, bearings: Bearings) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """(track row, bearing row) pairs with the track within the bearing sensor's reach."""
        tr = self.tracks
        if len(tr) == 0 or len(bearings) == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        tree = cKDTree(tr.x[:, :3])
        sensors, inverse = np.unique(bearings.sensor, return_inverse=True)
        reach = self._reach[sensors] + self.cfg.reach_margin_m
        near = tree.query_ball_point(self.sensors.catalog.position[sensors], reach)
        counts = np.array([len(a) for a in near], dtype=np.intp)
        flat = np.fromiter((i for a in near for i in a), dtype=np.intp, count=int(counts.sum()))
        # Expand: every bearing of sensor j pairs with the tracks near sensor j (bearing-major,
        # tracks in tree order), with repeat/cumsum instead of a loop over sensors.
        starts = np.concatenate(([0], np.cumsum(counts)))
        order = np.argsort(inverse, kind="stable").astype(np.intp)
        per_bearing = counts[inverse[order]]
        total = int(per_bearing.sum())
        if total == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        b_rows = np.repeat(order, per_bearing)
        off = np.arange(total) - np.repeat(np.cumsum(per_bearing) - per_bearing, per_bearing)
        t_rows = flat[np.repeat(starts[inverse[order]], per_bearing) + off]
        return t_rows.astype(np.intp), b_rows.astype(np.intp)

    def _gate_pairs(
        self, ti: NDArray[np.intp], bi: NDArray[np.intp], bearings: Bearings
    ) -> tuple[BOOL, F64]:
        """Angle and frequency gates for pairs; returns (pass mask, cost = negative
        log-likelihood of the pair; +inf where the pair fails).

        Pairs are first screened by a conservative bound on the azimuth NIS from per-track
        scalars (`oosm.bearing_gate_prescreen`); only the survivors get the full retrodicted
        innovation (6x6 algebra), with the same result as gating every pair."""
        tr = self.tracks
        if ti.size < PRESCREEN_MIN_PAIRS:
            return self._gate_pairs_full(ti, bi, bearings)
        pos_var = np.einsum("nii->n", tr.P[:, :3, :3])
        vel_var = np.einsum("nii->n", tr.P[:, 3:, 3:])
        norms = record_norms(tr.record(np.arange(len(tr))))
        pre = bearing_gate_prescreen(
            tr.x[ti, :3],
            tr.x[ti, 3:],
            tr.t[ti],
            pos_var[ti],
            vel_var[ti],
            (norms[0][ti], norms[1][ti], norms[2][ti]),
            bearings.take(bi),
            self._q(ti),
            max(self._gate[1], self._gate[2]),
        )
        sub = np.flatnonzero(pre)
        ok = np.zeros(ti.size, bool)
        cost = np.full(ti.size, np.inf)
        if sub.size:
            ok[sub], cost[sub] = self._gate_pairs_full(ti[sub], bi[sub], bearings)
        return ok, cost

    def _gate_pairs_full(
        self, ti: NDArray[np.intp], bi: NDArray[np.intp], bearings: Bearings
    ) -> tuple[BOOL, F64]:
        """`_gate_pairs` without the pre-screen: every pair gets the retrodicted innovation."""
        tr = self.tracks
        b = bearings.take(bi)
        P_tau, _, H, res, R, _ = bearing_innovation(
            tr.x[ti], tr.P[ti], tr.t[ti], b, self._q(ti), tr.record(ti)
        )
        S = (H @ P_tau @ np.swapaxes(H, -1, -2)) + R
        nis = np.sum((res) * ((np.linalg.inv(S)) @ (res)[..., None])[..., 0], axis=-1)
        dof = np.where(b.has_el, 2, 1)
        gate = np.where(dof == 2, self._gate[2], self._gate[1])
        ok = nis <= gate
        f_ok, z2, f_var = self._frequency_gate(ti, b)
        # Cost = negative log-likelihood (up to a constant shared by every pair of the same
        # bearing): NIS plus ln det S, the frequency test one more dimension. NIS alone would
        # favour the vaguest candidate (a fresh clutter seed gates everything with a small
        # NIS) over the consistent one.
        known = np.isfinite(z2)
        S_ang = np.where(b.has_el, np.linalg.det(S), S[:, 0, 0])
        cost = nis + np.log(np.maximum(S_ang, 1e-30))
        cost += np.where(known, z2 + np.log(np.where(known, f_var, 1.0)), 0.0)
        return ok & f_ok, cost

    def _frequency_gate(self, ti: NDArray[np.intp], b: Bearings) -> tuple[BOOL, F64, F64]:
        """Frequency gate for pairs: (ok, normalised squared difference and its variance, both
        NaN if unknown)."""
        ok, f0, var = self._frequency_check(ti, b)
        slot = np.where(b.kind == ACOUSTIC, 0, 1)
        ref = self.tracks.freq[ti, slot]
        total = var + self.tracks.freq_var[ti, slot]
        with np.errstate(invalid="ignore"):
            z2 = (f0 - ref) ** 2 / total
        return ok, z2, total

    def _frequency_check(self, ti: NDArray[np.intp], b: Bearings) -> tuple[BOOL, F64, F64]:
        """Frequency gate for pairs; returns (ok, f0, var f0) of each pair's bearing."""
        tr = self.tracks
        x = tr.x[ti]
        slot = np.where(b.kind == ACOUSTIC, 0, 1)
        d = x[:, :3] - b.origin
        u = d / np.maximum(np.linalg.norm(d, axis=1), 1e-9)[:, None]
        f0, var = doppler_free_frequency(
            b.frequency, b.sigma_frequency, b.speed_of_sound, u, x[:, 3:], tr.P[ti][:, 3:, 3:]
        )
        usable = np.isfinite(f0) & np.isfinite(var) & (b.kind != int(SensorKind.EO_IR))
        ref = tr.freq[ti, slot]
        ref_var = tr.freq_var[ti, slot]
        known = usable & np.isfinite(ref)
        with np.errstate(invalid="ignore"):
            z2 = (f0 - ref) ** 2 / (var + ref_var)
        ok = ~known | (z2 <= self.cfg.freq_gate_sigma**2)
        return ok, np.where(usable, f0, np.nan), np.where(usable, var, np.nan)

    def _update_tracks(self, bearings: Bearings) -> NDArray[np.intp]:
        """Gate, assign (mutual best, rounds) and update; returns the bearing rows free to
        seed: the unused ones and those that fed a candidate still backed by fewer than
        ``confirm_sensors`` sensors (``confirm_hits_per_sensor`` bearings each).

        A candidate seeded by a clutter bearing and one array's ray keeps gating that array's
        later bearings (its range along the ray is free); were they consumed, the array could
        never pair with a second array hearing the same target, and the target would not be
        initiated while the array hears it."""
        used = np.zeros(len(bearings), bool)
        row_of = np.full(len(bearings), -1, np.intp)
        ti_all, bi_all = self._candidate_pairs(bearings)
        if ti_all.size:
            ok, cost = self._gate_pairs(ti_all, bi_all, bearings)
            ti_all, bi_all, cost = ti_all[ok], bi_all[ok], cost[ok]
        n_sensors = max(len(self.sensors.catalog), 1)
        taken = np.zeros(0, np.int64)  # (track row, sensor) slots filled in this batch
        while ti_all.size:
            # Mutual best: each bearing's cheapest track, then each track's cheapest bearing.
            order = np.lexsort((cost, bi_all))
            first_b = np.r_[True, bi_all[order][1:] != bi_all[order][:-1]]
            cand = order[first_b]
            order2 = cand[np.lexsort((cost[cand], ti_all[cand]))]
            first_t = np.r_[True, ti_all[order2][1:] != ti_all[order2][:-1]]
            win = order2[first_t]
            self._apply(ti_all[win], bearings.take(bi_all[win]))
            used[bi_all[win]] = True
            row_of[bi_all[win]] = ti_all[win]
            self.assoc_det.append(bearings.det_id[bi_all[win]])
            self.assoc_track.append(self.tracks.track_id[ti_all[win]])
            slot = ti_all.astype(np.int64) * n_sensors + bearings.sensor[bi_all]
            taken = np.concatenate([taken, slot[win]])
            # Next round: unused bearings on tracks that have no bearing of that sensor yet,
            # re-gated on the updated tracks.
            keep = ~used[bi_all] & ~np.isin(slot, taken)
            ti_all, bi_all = ti_all[keep], bi_all[keep]
            if ti_all.size:
                ok, cost = self._gate_pairs(ti_all, bi_all, bearings)
                ti_all, bi_all, cost = ti_all[ok], bi_all[ok], cost[ok]
        tr = self.tracks
        strong = (tr.slot_hits >= self.cfg.confirm_hits_per_sensor).sum(axis=1)
        weak = np.zeros(len(bearings), bool)
        weak[used] = strong[row_of[used]] < self.cfg.confirm_sensors
        return np.flatnonzero(~used | weak)

    def _apply(self, ti: NDArray[np.intp], b: Bearings) -> None:
        """Update tracks ``ti`` (distinct) with one bearing each at the emission time."""
        tr = self.tracks
        q = self._q(ti)
        x, P, t = tr.x[ti], tr.P[ti], tr.t[ti]
        delta = emission_offset(x[:, :3], x[:, 3:], t, b.time, b.origin, b.speed_of_sound)
        fwd = delta >= 0.0
        # Forward rows: predict to the emission time and update there (state time moves).
        dt = np.where(fwd, delta, 0.0)
        F = cv_transition(dt)
        x_p = (F @ (x)[..., None])[..., 0]
        P_p = (F @ P @ np.swapaxes(F, -1, -2)) + cv_process_noise(dt, q)
        t_p = t + dt
        rec = tr.record(ti)
        P_tau, C, H, res, R, _ = bearing_innovation(x_p, P_p, t_p, b, q, rec)
        x_n, P_n, nis = cross_update(x_p, P_p, P_tau, C, H, res, R)
        S = (H @ P_tau @ np.swapaxes(H, -1, -2)) + R
        new_rec = update_record(t_p, t, P_p, H, np.asarray(np.linalg.inv(S), dtype=np.float64), res)
        _, f0, fvar = self._frequency_check(ti, b)
        _, fz2, _ = self._frequency_gate(ti, b)
        tr.x[ti], tr.P[ti], tr.t[ti] = x_n, P_n, t_p
        tr.last_hit[ti] = np.maximum(tr.last_hit[ti], b.time)
        tr.n_hits[ti] += 1
        tr.sensor_bits[ti] |= _sensor_bit(b.sensor)
        tr.kind_mask[ti] |= np.left_shift(1, b.kind.astype(np.int32))
        # Consistency: angle NIS plus the frequency test (one more degree of freedom).
        f_known = np.isfinite(fz2)
        nis_all = nis + np.where(f_known, fz2, 0.0)
        dof = np.where(b.has_el, 2, 1) + f_known
        tr.nis_sum[ti] += nis_all
        tr.dof_sum[ti] += dof
        tr.nis_avg[ti] = 0.8 * tr.nis_avg[ti] + 0.2 * nis_all / dof
        self._count_sensor(ti, b.sensor.astype(np.int64))
        # Update record for A1 only on forward (in-sequence) rows; late rows invalidate it.
        tr.rec_time[ti] = np.where(fwd, new_rec.time, np.nan)
        tr.rec_prev[ti] = np.where(fwd, new_rec.prev_time, np.nan)
        tr.rec_g[ti], tr.rec_M[ti], tr.rec_A[ti] = new_rec.g, new_rec.M, new_rec.A
        self._fuse_frequency(ti, b, f0, fvar)

    def _q(self, rows: NDArray[np.intp]) -> F64:
        """Process noise density (m^2/s^3) of track rows: ``q`` confirmed, ``candidate_q``
        candidates."""
        return np.where(self.tracks.confirmed[rows], self.cfg.q, self.cfg.candidate_q)

    def _merge_duplicates(self, now: float) -> None:
        """Merge candidates that describe the same target.

        Several candidates of one target (seeded from different bearing pairs) would split its
        bearings between them (one bearing updates one candidate), so none of them gathers the
        bearings of two sensors it needs to confirm. Pairs within ``merge_radius_m`` whose
        states, predicted (CV) to ``now``, agree (6-D chi-square on the summed covariances below
        ``merge_chi2``) and whose acoustic fundamentals agree are merged: the stronger (confirmed,
        then more bearings, then older) keeps its state and takes the other's evidence (bearing
        counts per sensor, NIS sums, age). At most one merge per candidate per call.
        """
        tr = self.tracks
        n = len(tr)
        if n < 2:
            return
        cfg = self.cfg
        dt = now - tr.t
        F = cv_transition(dt)
        x = (F @ tr.x[..., None])[..., 0]
        pairs = cKDTree(x[:, :3]).query_pairs(cfg.merge_radius_m, output_type="ndarray")
        if pairs.shape[0] == 0:
            return
        a, b = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
        # Only the pairs' covariances are predicted (not every candidate's).
        rows = np.concatenate([a, b])
        P = np.zeros((n, 6, 6))
        P[rows] = F[rows] @ tr.P[rows] @ np.swapaxes(F[rows], -1, -2) + cv_process_noise(
            dt[rows], self._q(rows)
        )
        d = x[a] - x[b]
        d2 = np.sum(d * np.linalg.solve(P[a] + P[b], d[..., None])[..., 0], axis=1)
        with np.errstate(invalid="ignore"):
            fz2 = (tr.freq[a, 0] - tr.freq[b, 0]) ** 2 / (tr.freq_var[a, 0] + tr.freq_var[b, 0])
        dup = (d2 <= cfg.merge_chi2) & ~(fz2 > cfg.freq_gate_sigma**2)
        dup &= ~(tr.confirmed[a] & tr.confirmed[b])
        a, b, d2 = a[dup], b[dup], d2[dup]
        if a.size == 0:
            return
        key_a = tr.confirmed[a] * 1e9 + tr.n_hits[a] * 1e3 - tr.first_time[a] * 1e-3
        key_b = tr.confirmed[b] * 1e9 + tr.n_hits[b] * 1e3 - tr.first_time[b] * 1e-3
        keep = np.where(key_a >= key_b, a, b)
        gone = np.where(key_a >= key_b, b, a)
        ok = ~tr.confirmed[gone]
        keep, gone, d2 = keep[ok], gone[ok], d2[ok]
        # Closest pairs first; each candidate merges at most once (as keeper or as merged).
        order = np.argsort(d2, kind="stable")
        keep, gone = keep[order], gone[order]
        _, first_gone = np.unique(gone, return_index=True)
        cand = np.zeros(keep.size, bool)
        cand[first_gone] = True
        _, first_keep = np.unique(keep, return_index=True)
        cand[np.setdiff1d(np.arange(keep.size), first_keep)] = False
        take = cand & ~np.isin(keep, gone[cand])
        keep, gone = keep[take], gone[take]
        if keep.size == 0:
            return
        for k in range(N_SLOTS):
            s, h = tr.slot_sensor[gone, k], tr.slot_hits[gone, k]
            has = s >= 0
            self._count_sensor(keep[has], s[has], h[has])
        tr.n_hits[keep] += tr.n_hits[gone]
        tr.first_time[keep] = np.minimum(tr.first_time[keep], tr.first_time[gone])
        tr.last_hit[keep] = np.maximum(tr.last_hit[keep], tr.last_hit[gone])
        tr.sensor_bits[keep] |= tr.sensor_bits[gone]
        tr.kind_mask[keep] |= tr.kind_mask[gone]
        tr.nis_sum[keep] += tr.nis_sum[gone]
        tr.dof_sum[keep] += tr.dof_sum[gone]
        alive = np.ones(n, bool)
        alive[gone] = False
        tr.keep(alive)

    def _count_sensor(
        self, ti: NDArray[np.intp], sensor: I64, hits: NDArray[np.int32] | None = None
    ) -> None:
        """Count ``hits`` (default 1) of ``sensor`` on tracks ``ti`` (distinct rows) in their
        sensor slots."""
        tr = self.tracks
        slots = tr.slot_sensor[ti]
        match = slots == sensor[:, None]
        empty = slots < 0
        col = np.where(
            match.any(axis=1),
            np.argmax(match, axis=1),
            np.where(empty.any(axis=1), np.argmax(empty, axis=1), N_SLOTS - 1),
        )
        tr.slot_sensor[ti, col] = np.where(
            match.any(axis=1) | empty.any(axis=1), sensor, slots[np.arange(ti.size), col]
        )
        tr.slot_hits[ti, col] += 1 if hits is None else hits

    def _fuse_frequency(self, ti: NDArray[np.intp], b: Bearings, f0: F64, fvar: F64) -> None:
        tr = self.tracks
        slot = np.where(b.kind == ACOUSTIC, 0, 1)
        ok = np.isfinite(f0)
        ti, slot, f0, fvar = ti[ok], slot[ok], f0[ok], fvar[ok]
        ref = tr.freq[ti, slot]
        rv = tr.freq_var[ti, slot] + self.cfg.freq_drift
        new = ~np.isfinite(ref)
        k = np.where(new, 1.0, rv / (rv + fvar))
        tr.freq[ti, slot] = np.where(new, f0, ref + k * (f0 - ref))
        tr.freq_var[ti, slot] = np.where(new, fvar, (1.0 - k) * rv)

    def _seed(self, fresh: Bearings, now: float) -> None:
        """Pair fresh unused bearings with buffered ones of neighbouring sensors; seed tracks."""
        cfg = self.cfg
        pool = Bearings.concat([self.buffer, fresh])
        n_old = len(self.buffer)
        if len(fresh) == 0 or self._sensor_tree is None:
            self.buffer = pool
            return
        a, b, e = _ranges_product(
            np.arange(n_old, len(pool)), pool.sensor, self._adj_ptr, self._adj_idx
        )
        # Each unordered fresh-fresh pair once.
        keep = (b < n_old) | (b > a)
        keep &= np.abs(pool.time[a] - pool.time[b]) <= cfg.pair_window_s
        i, j, e = a[keep], b[keep], e[keep]
        used = self._fix_pairs(pool, i, j, now, e)
        self.buffer = pool.take(~used)

    def _fix_pairs(
        self,
        pool: Bearings,
        i: NDArray[np.intp],
        j: NDArray[np.intp],
        now: float,
        edge: NDArray[np.intp] | None = None,
    ) -> BOOL:
        """Intersect bearing pairs, filter, pick mutual-best fixes, seed candidates.

        ``edge``: adjacency entry of each pair's sensors (from `_ranges_product`), for the
        pre-screen's baselines; computed here when not given."""
        cfg = self.cfg
        used = np.zeros(len(pool), bool)
        if i.size == 0:
            return used
        frame = self.sensors.catalog.frame
        # Exact pre-screens before the least-squares fix (clutter bearings of neighbouring
        # arrays make most pairs hopeless): frequencies that no plausible Doppler reconciles,
        # and rays whose angular gates cannot cross in front of both sensors within reach.
        keep = np.flatnonzero(~self._frequency_clash(pool, i, j))
        i, j = i[keep], j[keep]
        rows = np.stack([i, j], axis=1)
        if edge is None:
            base_az, base_m = baseline_geometry(
                pool.origin[i], pool.rotation[i], pool.origin[j], pool.rotation[j]
            )
        else:
            base_az, base_m = self._adj_az[edge[keep]], self._adj_dist[edge[keep]]
        sig = np.where(np.isfinite(pool.sigma_az), pool.sigma_az, np.pi)
        half = np.minimum(6.0 * sig + 0.02, np.pi)
        reach = pool.max_range + cfg.reach_margin_m + 1.0
        keep = np.flatnonzero(
            ray_pair_screen(pool.az[rows], base_az, base_m, half[rows], reach[rows])
        )
        i, j, rows = i[keep], j[keep], rows[keep]
        if i.size == 0:
            return used
        up = frame.up(pool.origin[i])
        fix = intersect_ray_pairs(
            pool.origin[rows],
            pool.az[rows],
            pool.el[rows],
            pool.sigma_az[rows],
            pool.sigma_el[rows],
            pool.rotation[rows],
            up,
            height_m=cfg.height_m,
            sigma_height_m=cfg.sigma_height_m,
        )
        height = np.einsum("gi,gi->g", up, fix.point - pool.origin[i])
        ok = np.all(fix.along > 0.0, axis=1)
        ok &= np.all(fix.range <= pool.max_range[rows] + cfg.reach_margin_m, axis=1)
        ok &= np.all(fix.range >= pool.min_range[rows], axis=1)
        ok &= (height >= cfg.min_height_m) & (height <= cfg.max_height_m)
        # Two rays: dof = number of elevations (0, 1 or 2); thresholds precomputed.
        ok &= (fix.dof <= 0) | (fix.chi2 <= np.where(fix.dof >= 2, self._gate[2], self._gate[1]))
        # Emission times from the fix's ranges; the seed refers to their mean.
        t_emit = pool.time[rows] - fix.range / pool.speed_of_sound[rows]
        same_kind = pool.kind[i] == pool.kind[j]
        f1, f2 = pool.frequency[i], pool.frequency[j]
        c = pool.speed_of_sound[i]
        with np.errstate(invalid="ignore"):
            # Frequency agreement as a chi-square term: both noises plus the Doppler spread of
            # two radial speeds of a target moving at ~sigma_speed (1 when unknown).
            cf = np.where(np.isfinite(c), c, np.inf)
            f_var = (
                pool.sigma_frequency[i] ** 2
                + pool.sigma_frequency[j] ** 2
                + (np.fmax(f1, f2) * np.sqrt(2.0) * cfg.sigma_speed_mps / cf) ** 2
            )
            z2 = (f1 - f2) ** 2 / f_var
        z2 = np.where(same_kind & np.isfinite(z2), z2, 1.0)
        g = np.flatnonzero(ok)
        if g.size == 0:
            return used
        # Mutual best by consistency: each bearing keeps the pair whose rays and frequencies
        # agree best (fix chi-square plus the frequency term), the position uncertainty only
        # breaking ties. Ranking by uncertainty alone let a clutter bearing crossing a true
        # ray near the sensors (a tight fix) take the true partner's place; the tiny index
        # term breaks exact ties so a bearing seeds at most one candidate.
        tight = np.trace(fix.cov[g], axis1=1, axis2=2)
        score = (fix.chi2[g] + z2[g] + 1e-3 * tight / (tight.max() + 1.0)) * (
            1.0 + 1e-9 * np.arange(g.size)
        )
        best = np.full(len(pool), np.inf)
        np.minimum.at(best, i[g], score)
        np.minimum.at(best, j[g], score)
        win = g[(score <= best[i[g]]) & (score <= best[j[g]])]
        if win.size == 0:
            return used
        used[i[win]] = True
        used[j[win]] = True
        ids = self._new_tracks(pool, i[win], j[win], fix.point[win], fix.cov[win], t_emit[win])
        self.assoc_det.extend([pool.det_id[i[win]], pool.det_id[j[win]]])
        self.assoc_track.extend([ids, ids])
        return used

    def _frequency_clash(self, pool: Bearings, i: NDArray[np.intp], j: NDArray[np.intp]) -> BOOL:
        """Pairs of the same kind whose frequencies (Hz or MHz) differ by more than the Doppler
        spread of a plausible speed (``max_speed_mps`` both ways) plus three sigmas: they
        cannot be one emitter. Unknown frequencies never clash."""
        same_kind = pool.kind[i] == pool.kind[j]
        f1, f2 = pool.frequency[i], pool.frequency[j]
        c = pool.speed_of_sound[i]
        doppler = np.where(
            np.isfinite(c), self.cfg.max_speed_mps / np.where(np.isfinite(c), c, 1.0), 0.0
        )
        tol = 2.0 * doppler * np.fmax(f1, f2) + 3.0 * np.hypot(
            pool.sigma_frequency[i], pool.sigma_frequency[j]
        )
        with np.errstate(invalid="ignore"):
            return np.asarray(same_kind & (np.abs(f1 - f2) > tol), dtype=bool)

    def _new_tracks(
        self,
        pool: Bearings,
        i: NDArray[np.intp],
        j: NDArray[np.intp],
        point: F64,
        cov: F64,
        t_emit: F64,
    ) -> I64:
        cfg = self.cfg
        n = i.size
        t0 = t_emit.mean(axis=1)
        spread = np.abs(t_emit[:, 0] - t_emit[:, 1])
        x = np.zeros((n, 6))
        x[:, :3] = point
        P = np.zeros((n, 6, 6))
        # Position: the fix plus the target's unknown motion over the emission-time spread.
        P[:, :3, :3] = cov + ((cfg.sigma_speed_mps * spread / 2.0) ** 2)[:, None, None] * np.eye(3)
        up = self.sensors.catalog.frame.up(point)
        Pv = cfg.sigma_speed_mps**2 * (np.eye(3)[None] - up[:, :, None] * up[:, None, :])
        Pv += (cfg.sigma_speed_mps / 5.0) ** 2 * up[:, :, None] * up[:, None, :]
        P[:, 3:, 3:] = Pv
        freq = np.full((n, 2), np.nan)
        fvar = np.full((n, 2), np.nan)
        for rows in (i, j):
            slot = np.where(pool.kind[rows] == ACOUSTIC, 0, 1)
            f = pool.frequency[rows]
            # Unknown velocity: Doppler uncertainty of a +-sigma_speed radial speed.
            c = pool.speed_of_sound[rows]
            cf = np.where(np.isfinite(c), c, np.inf)
            var = pool.sigma_frequency[rows] ** 2 + (f * cfg.sigma_speed_mps / cf) ** 2
            good = np.isfinite(f) & np.isfinite(var) & (pool.kind[rows] != int(SensorKind.EO_IR))
            r = np.flatnonzero(good)
            cur, cv = freq[r, slot[r]], fvar[r, slot[r]]
            first = ~np.isfinite(cur)
            w = np.where(first, 1.0, cv / (cv + var[r]))
            freq[r, slot[r]] = np.where(first, f[r], cur + w * (f[r] - cur))
            fvar[r, slot[r]] = np.where(first, var[r], (1.0 - w) * cv)
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        kinds = np.left_shift(1, pool.kind[i].astype(np.int32)) | np.left_shift(
            1, pool.kind[j].astype(np.int32)
        )
        last = np.maximum(pool.time[i], pool.time[j])
        self.tracks.append(
            {
                "track_id": ids,
                "x": x,
                "P": P,
                "t": t0,
                "first_time": last,
                "last_hit": last,
                "n_hits": np.full(n, 2, np.int32),
                "sensor_bits": _sensor_bit(pool.sensor[i]) | _sensor_bit(pool.sensor[j]),
                "kind_mask": kinds.astype(np.int32),
                "freq": freq,
                "freq_var": fvar,
                "nis_sum": np.zeros(n),
                "dof_sum": np.zeros(n),
                "nis_avg": np.ones(n),
                "slot_sensor": np.concatenate(
                    [
                        pool.sensor[i][:, None],
                        pool.sensor[j][:, None],
                        np.full((n, N_SLOTS - 2), -1),
                    ],
                    axis=1,
                ).astype(np.int64),
                "slot_hits": np.concatenate(
                    [np.ones((n, 2), np.int32), np.zeros((n, N_SLOTS - 2), np.int32)], axis=1
                ),
                "confirmed": np.zeros(n, bool),
                "rec_time": np.full(n, np.nan),
                "rec_prev": np.full(n, np.nan),
                "rec_g": np.zeros((n, 6)),
                "rec_M": np.zeros((n, 6, 6)),
                "rec_A": np.zeros((n, 6, 6)),
            }
        )
        return ids

    def _confirm(self, now: float) -> Births:
        cfg = self.cfg
        tr = self.tracks
        cand = ~tr.confirmed
        speed = np.linalg.norm(tr.x[:, 3:], axis=1)
        pos_sd = np.sqrt(np.max(np.diagonal(tr.P[:, :3, :3], axis1=1, axis2=2), axis=1))
        mean_nis = tr.nis_sum / np.maximum(tr.dof_sum, 1.0)
        # Re-confirmation: enough sensors that each contributed several bearings.
        strong = (tr.slot_hits >= cfg.confirm_hits_per_sensor).sum(axis=1)
        ready = (
            cand
            & (
                tr.last_hit - tr.first_time
                >= np.where(strong > cfg.confirm_sensors, cfg.confirm_age_s, cfg.confirm_age_2_s)
            )
            & (tr.n_hits >= cfg.confirm_hits)
            & (strong >= cfg.confirm_sensors)
            & (mean_nis <= cfg.max_mean_nis)
            & (tr.nis_avg <= cfg.max_mean_nis)
            & (pos_sd <= cfg.max_pos_sigma_m)
            & (speed <= cfg.confirm_max_speed_mps)
        )
        # Candidates that turned implausible die now rather than at the timeout; confirmed
        # tracks die when their recent innovations or uncertainty show they lost the target.
        implausible = cand & (speed > 1.5 * cfg.max_speed_mps)
        # One array's ray: a candidate fed ``single_site_hits`` times by one sensor while no
        # other sensor confirmed its seed has an unobserved range (a clutter seed on a true
        # ray); it would keep taking that array's bearings from the true candidate.
        hits = np.sort(tr.slot_hits, axis=1)
        implausible |= cand & (hits[:, -1] >= cfg.single_site_hits) & (hits[:, -2] <= 1)
        implausible |= tr.confirmed & (
            (tr.nis_avg > 2.0 * cfg.max_mean_nis) | (pos_sd > 3.0 * cfg.max_pos_sigma_m)
        )
        self.deleted.extend(int(k) for k in tr.track_id[implausible & tr.confirmed])
        two_site = ready & (strong <= cfg.confirm_sensors)
        if np.any(two_site):
            ready[np.flatnonzero(two_site)] &= self._unrivalled(np.flatnonzero(two_site), mean_nis)
        rows = np.flatnonzero(ready)
        births = self._births(rows)
        if self.handoff:
            tr.keep(~ready & ~implausible)
        else:
            tr.confirmed[rows] = True
            tr.keep(~implausible)
        return births

    def _unrivalled(self, rows: NDArray[np.intp], mean_nis: F64) -> BOOL:
        """Two-site candidates that fit better than every rival on their rays.

        With two sites, the ghost of targets A (heard by site 1) and B (heard by site 2) lies
        on site 1's ray to A and site 2's ray to B: geometry alone cannot tell it from A and B.
        A rival is another candidate/track within ``3 sigma_az`` of the candidate's azimuth from
        either of its two main sites; the candidate is confirmed only if its mean NIS (angles
        and frequency) beats every rival's, so of each ambiguous set the consistent one wins.
        Only established rivals count (re-confirmed by ``confirm_sensors`` sensors with
        ``confirm_hits_per_sensor`` bearings each): a fresh seed has no NIS history (mean 0)
        and would block every candidate on its rays for ever.
        """
        tr = self.tracks
        cat = self.sensors.catalog
        strong = (tr.slot_hits >= self.cfg.confirm_hits_per_sensor).sum(axis=1)
        established = (strong >= self.cfg.confirm_sensors) & (tr.dof_sum > 0)
        top = np.argsort(-tr.slot_hits[rows], axis=1)[:, :2]
        site = np.take_along_axis(tr.slot_sensor[rows], top, axis=1)  # (r, 2)
        ok = np.ones(rows.size, bool)
        others = np.arange(len(tr))
        for k in range(2):
            s = site[:, k]
            p, R = cat.position[s], cat.rotation[s]
            sig = self.sensors.sigma_az[s]
            sig = np.where(np.isfinite(sig), sig, np.radians(3.0))
            own = np.einsum("rij,rj->ri", R, tr.x[rows, :3] - p)
            oth = np.einsum("rij,rmj->rmi", R, tr.x[None, :, :3] - p[:, None, :])
            az_own = np.arctan2(own[:, 0], own[:, 1])
            az_oth = np.arctan2(oth[..., 0], oth[..., 1])
            dang = np.abs((az_oth - az_own[:, None] + np.pi) % (2 * np.pi) - np.pi)
            reach = np.linalg.norm(oth, axis=2) <= self._reach[s][:, None] + self.cfg.reach_margin_m
            rival = (dang <= 3.0 * sig[:, None]) & reach & (others[None, :] != rows[:, None])
            rival &= established[None, :]
            better = mean_nis[None, :] <= mean_nis[rows][:, None]
            ok &= ~np.any(rival & better, axis=1)
        return ok

    def _births(self, rows: NDArray[np.intp]) -> Births:
        tr = self.tracks
        return Births(
            tr.x[rows].copy(),
            tr.P[rows].copy(),
            tr.t[rows].copy(),
            tr.first_time[rows].copy(),
            tr.n_hits[rows].copy(),
            tr.freq[rows].copy(),
            tr.kind_mask[rows].copy(),
            tr.freq_var[rows].copy(),
        )
