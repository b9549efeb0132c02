"""Plugging passive sensors into the tracker: models, initiation hook, late-report (OOSM) hook.

`register_passive(tracker)` is the one call that wires everything through the tracker's seams:

- ``tracker.models``: `BearingModel` for acoustic (az, el, propagation delay), RF-DF (az) and
  EO/IR (az, el);
- ``tracker.clutter_density`` for bearing sensors: false reports per rad^d of bearing space
  (``clutter_rate_per_scan`` over the full sphere or circle);
- ``tracker.hooks.on_unassociated``: leftover bearings feed a `BearingTracker` in hand-off mode;
  candidates it confirms (multi-site, re-confirmed, plausible) become confirmed tracks of the
  tracker (`Tracker.add_tracks`), predicted to the tracker's time;
- ``tracker.hooks.on_late``: bearings older than the tracker's time update the tracks they gate
  with by retrodiction (`oosm.bearing_innovation` + `oosm.cross_update`, B1 form, per IMM mode),
  at their emission time, instead of being dropped.

State in this module is the `BearingTracker` (candidates, buffer) and counters; the tracker's
own arrays are updated in place only through its public attributes (``x``, ``P``, ``xm``,
``Pm``, ``last_update_time``, ``n_updates``, ``kind_time``) for late reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2 as chi2_dist

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Associations, Picture, TrackerOutput, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.tracking.filters import imm_combine
from skyfuse.tracking.passive.bearings import (
    Bearings,
    BearingSensors,
    bearing_predict,
    bearing_residual,
    bearings_from_reports,
)
from skyfuse.tracking.passive.cooperative import (
    CoopAction,
    CoopConfig,
    CooperativeBinder,
    coop_from_reports,
)
from skyfuse.tracking.passive.emitters import (
    EmitterConfig,
    Emitters,
    StaticEmitterLocator,
    horizontal_major_sigma,
)
from skyfuse.tracking.passive.frequency import TrackFrequencies
from skyfuse.tracking.passive.initiate import BearingTracker, InitiatorConfig
from skyfuse.tracking.passive.models import BearingModel
from skyfuse.tracking.passive.oosm import (
    bearing_innovation,
    cross_update,
    cv_process_noise,
    cv_transition,
)
from skyfuse.tracking.tracker import Tracker

F64 = NDArray[np.float64]
IDX = NDArray[np.intp]

BEARING_KINDS = (SensorKind.ACOUSTIC, SensorKind.RF_DF, SensorKind.EO_IR)
COOP_CODES = np.array([int(SensorKind.ADSB), int(SensorKind.REMOTE_ID)])


@dataclass(slots=True)
class PassiveStats:
    """Counters of the passive hooks."""

    leftovers: int = 0
    births: int = 0
    late_bearings: int = 0
    late_used: int = 0
    late_skipped_kind: dict[str, int] = field(default_factory=dict)
    coop_held: int = 0
    direct_used: int = 0
    seed_shed: int = 0
    """Bearings of flooding sensors not used to seed tracks (`InitiatorConfig`'s
    ``max_seed_bearings_per_sensor``)."""


class PassiveFusion:
    """The passive-sensor side of one `Tracker` (create with `register_passive`).

    Holds the bearing initiator (hook ``on_unassociated``), the late-bearing update (hook
    ``on_late``), the cooperative binder and the static-emitter locator. `process` is the
    drop-in replacement for ``tracker.process``: it screens cooperative reports (spoof suspects
    and disagreeing self-reports never reach the tracker), runs the tracker, writes ``coop_id``
    and ``spoof_suspect`` into the tracker's track arrays and appends located static emitters
    (``static = True``) to the picture.
    """

    def __init__(
        self,
        tracker: Tracker,
        config: InitiatorConfig | None = None,
        *,
        coop_config: CoopConfig | None = None,
        emitter_config: EmitterConfig | None = None,
        emitter_period_s: float = 10.0,
        evidence_window_s: float = 3.0,
        late_gate_prob: float = 0.997,
        min_gain: float = 0.5,
        direct: bool = True,
        coast_s: float = 1.0,
        passive_max_speed_mps: float = 90.0,
        passive_max_sigma_m: float = 500.0,
        duplicate_radius_m: float = 1000.0,
        duplicate_chi2: float = 16.8,
        duplicate_period_s: float = 1.0,
    ) -> None:
        self.tracker = tracker
        self.sensors = BearingSensors.build(tracker.catalog)
        self.initiator = BearingTracker(self.sensors, config, handoff=True)
        icfg = self.initiator.cfg
        self.frequencies = TrackFrequencies(
            tracker, gate_sigma=icfg.freq_gate_sigma, drift=icfg.freq_drift
        )
        self.binder = CooperativeBinder(coop_config or CoopConfig())
        self.locator = StaticEmitterLocator(self.sensors, emitter_config)
        self.emitters = Emitters.empty()
        self.located = Emitters.empty()
        self.emitter_period_s = emitter_period_s
        self.evidence_window_s = evidence_window_s
        self.min_gain = min_gain
        self.direct = direct
        self.coast_s = coast_s
        self.passive_max_speed_mps = passive_max_speed_mps
        self.passive_max_sigma_m = passive_max_sigma_m
        self.duplicate_radius_m = duplicate_radius_m
        self.duplicate_chi2 = duplicate_chi2
        self.duplicate_period_s = duplicate_period_s
        self._next_locate = -np.inf
        self._next_duplicates = -np.inf
        self.stats = PassiveStats()
        self._late_gate = {d: float(chi2_dist.ppf(late_gate_prob, d)) for d in (1, 2)}

    def process(self, reports: Reports) -> TrackerOutput:
        """One batch through cooperative screening, the tracker and the emitter locator."""
        tr = self.tracker
        cat = tr.catalog
        keep = np.ones(len(reports), bool)
        kinds = cat.kind[reports.sensor]
        has_coop = bool(np.isin(kinds, COOP_CODES).any())
        coop = coop_from_reports(reports, cat) if has_coop else None
        if coop is not None and len(coop):
            picture = tr.picture()
            decision = self.binder.screen(coop, picture, self._fresh_evidence(picture))
            held = decision.action == int(CoopAction.HOLD)
            keep[coop.index[held]] = False
            self.stats.coop_held += int(held.sum())
        bearings = bearings_from_reports(reports, self.sensors)
        self.locator.add(bearings)
        coast = False
        if self.direct and len(bearings):
            # The tracker never sees bearings (no per-sensor loop over thousands of arrays).
            keep[bearings.index] = False
            t_batch = float(reports.time.max())
            # A bearing-only batch less than ``coast_s`` after the tracker's time does not
            # step the tracker (no IMM prediction and track management of every track):
            # bearings update tracks at the tracker's time (B1 form) and the picture is
            # predicted to the batch time. Otherwise one bearing row per time stays so that
            # the tracker steps there.
            coast = not keep.any() and np.isfinite(tr.time) and t_batch - tr.time <= self.coast_s
            if not coast:
                _, first = np.unique(bearings.time, return_index=True)
                keep[bearings.index[first]] = True
        late = bearings.time < tr.time
        out = tr.process(reports.take(keep) if not keep.all() else reports)
        if self.direct and len(bearings):
            used, explained, track_of = bearing_update(
                tr, bearings, self._late_gate, self.min_gain, freq=self.frequencies
            )
            # Bearing updates are associations too: the classifier reads engine notes, RF
            # emissions and EO/IR class scores of the reports that updated each track.
            assoc = Associations(
                np.concatenate([out.associations.det_id, reports.det_id[bearings.index[used]]]),
                np.concatenate([out.associations.track_id, track_of[used]]),
                np.concatenate([out.associations.weight, np.ones(int(used.sum()))]),
            )
            out = TrackerOutput(out.picture, assoc, out.deleted)
            self.stats.direct_used += int(used[~late].sum())
            self.stats.late_bearings += int(late.sum())
            self.stats.late_used += int(used[late].sum())
            seed = ~explained & ~late & (bearings.time >= self.initiator.time)
            seed &= ~self._emitter_explained(bearings)
            self._initiate(tr, bearings.take(seed))
        deleted = np.concatenate(
            [out.deleted, self._drop_implausible(), self._drop_passive_duplicates()]
        )
        self.binder.forget_tracks(deleted)
        self._annotate()
        now = float(tr.time) if np.isfinite(tr.time) else 0.0
        if now >= self._next_locate:
            self.located = self.locator.locate(now)
            self.emitters = self._unexplained(self.located)
            self._next_locate = now + self.emitter_period_s
        own = tr.picture()
        if coast:
            now = float(reports.time.max())
            own = predict_picture(own, now, tr.config.q_cruise_h)
        picture = concat_pictures(
            own, self.emitters.to_picture(now, cat.frame, n_modes=tr.mu.shape[1])
        )
        return TrackerOutput(picture, out.associations, deleted)

    def _drop_implausible(self) -> NDArray[np.int64]:
        """Delete passive-only tracks (no radar or cooperative update for
        ``sensor_mask_window_s``) that fly faster than ``passive_max_speed_mps`` horizontally
        or whose horizontal position sigma exceeds ``passive_max_sigma_m``: a bearings-only
        track that lost its target and is dragged by other targets' bearings (the tracker's
        own deletion rules score radar misses, not bearings). Returns the deleted track ids."""
        tr = self.tracker
        live = tr.live()
        live = live[tr.status[live] != int(TrackStatus.TENTATIVE)]
        if live.size == 0:
            return np.zeros(0, np.int64)
        active = [int(k) for k in (SensorKind.RADAR, SensorKind.ADSB, SensorKind.REMOTE_ID)]
        recent = tr.time - tr.kind_time[live][:, active].max(axis=1)
        live = live[recent > tr.config.sensor_mask_window_s]  # passive-only tracks
        if live.size == 0:
            return np.zeros(0, np.int64)
        up = tr.catalog.frame.up(tr.x[live, :3])
        v = tr.x[live, 3:]
        v_h = v - np.sum(v * up, axis=1)[:, None] * up
        fast = np.linalg.norm(v_h, axis=1) > self.passive_max_speed_mps
        lost = horizontal_major_sigma(tr.P[live, :3, :3], up) > self.passive_max_sigma_m
        return tr.delete_tracks(live[fast | lost])

    def _emitter_explained(self, b: Bearings) -> NDArray[np.bool_]:
        """RF-DF bearings that point at a located static emitter on their carrier.

        A relay or ground controller transmits all the time; once located (shown or not), its
        bearings must
        not seed moving candidates (crossed with a drone datalink on the same channel they made
        passive tracks of nothing on mixed-region). Explained: azimuth within 3 sigma (bearing
        noise plus the emitter's position spread over the range) and carrier within 3 sigma
        (report noise, 50 kHz floor) of an emitter within the sensor's reach (cKDTree on the
        emitters, no all-pairs)."""
        out = np.zeros(len(b), bool)
        em = self.located
        rf = np.flatnonzero(b.kind == int(SensorKind.RF_DF))
        if len(em) == 0 or rf.size == 0:
            return out
        reach = np.where(np.isfinite(b.max_range[rf]), b.max_range[rf], 1e5)
        near = cKDTree(em.position).query_ball_point(b.origin[rf], reach)
        counts = np.array([len(a) for a in near], dtype=np.intp)
        if counts.sum() == 0:
            return out
        ei = np.fromiter((i for a in near for i in a), dtype=np.intp, count=int(counts.sum()))
        bi = np.repeat(rf, counts)
        z, _ = bearing_predict(em.position[ei], b.origin[bi], b.rotation[bi])
        res = bearing_residual(np.stack([b.az[bi], np.zeros(bi.size)], axis=1), z)[:, 0]
        rng = np.maximum(np.linalg.norm(em.position[ei] - b.origin[bi], axis=1), 1.0)
        spread = np.sqrt(np.trace(em.cov[ei], axis1=1, axis2=2)) / rng
        sig = np.hypot(b.sigma_az[bi], spread)
        sf = np.where(np.isfinite(b.sigma_frequency[bi]), b.sigma_frequency[bi], 0.0)
        df = np.abs(b.frequency[bi] - em.frequency_mhz[ei])
        with np.errstate(invalid="ignore"):
            same = ~(df > 3.0 * np.hypot(sf, 0.05))
        hit = (np.abs(res) <= 3.0 * sig) & same
        out[bi[hit]] = True
        return out

    def _passive_only(self, slots: IDX) -> NDArray[np.bool_]:
        """Which track ``slots`` had no radar or cooperative update for
        ``sensor_mask_window_s`` (bearings are all that hold them)."""
        tr = self.tracker
        active = [int(k) for k in (SensorKind.RADAR, SensorKind.ADSB, SensorKind.REMOTE_ID)]
        recent = tr.time - tr.kind_time[slots][:, active].max(axis=1)
        return np.asarray(recent > tr.config.sensor_mask_window_s, dtype=bool)

    def _drop_passive_duplicates(self) -> NDArray[np.int64]:
        """Delete passive-only tracks that duplicate another track.

        Two tracks of one target (a candidate confirmed while the first was already held, or
        two candidates confirmed at once) would share its bearings (one bearing updates one
        track), so each holds half the evidence and the second is a false track. The tracker's
        own merge radius suits radar tracks metres apart, not bearings-only tracks a few
        hundred metres apart. Pairs within ``duplicate_radius_m`` whose 6-D states agree
        (chi-square on the summed covariances below ``duplicate_chi2``) and of which at least
        one is passive-only: the passive-only one goes (of two passive-only tracks, the one
        with fewer updates, then the younger). Runs at most once per ``duplicate_period_s`` of
        tracker time (a duplicate costs little for a second; the search is over all tracks).
        Returns the deleted track ids.
        """
        tr = self.tracker
        if tr.time < self._next_duplicates:
            return np.zeros(0, np.int64)
        self._next_duplicates = tr.time + self.duplicate_period_s
        live = tr.live()
        live = live[tr.status[live] != int(TrackStatus.TENTATIVE)]
        if live.size < 2:
            return np.zeros(0, np.int64)
        pairs = cKDTree(tr.x[live, :3]).query_pairs(self.duplicate_radius_m, output_type="ndarray")
        if pairs.shape[0] == 0:
            return np.zeros(0, np.int64)
        a, b = live[pairs[:, 0]], live[pairs[:, 1]]
        po_a, po_b = self._passive_only(a), self._passive_only(b)
        d = tr.x[a] - tr.x[b]
        d2 = np.sum(d * np.linalg.solve(tr.P[a] + tr.P[b], d[..., None])[..., 0], axis=1)
        dup = (d2 <= self.duplicate_chi2) & (po_a | po_b)
        a, b, po_a, po_b = a[dup], b[dup], po_a[dup], po_b[dup]
        if a.size == 0:
            return np.zeros(0, np.int64)
        key_a = (~po_a) * 1e12 + tr.n_updates[a] * 1e3 - tr.first_time[a] * 1e-3
        key_b = (~po_b) * 1e12 + tr.n_updates[b] * 1e3 - tr.first_time[b] * 1e-3
        return tr.delete_tracks(np.where(key_a >= key_b, b, a))

    def _unexplained(self, emitters: Emitters) -> Emitters:
        """Emitters not explained by a live track (a hovering drone's own datalink is that
        track, not a second, static object): within ``3 sigma`` horizontally of a confirmed
        track they are dropped."""
        tr = self.tracker
        live = tr.live()
        live = live[tr.status[live] != 0]
        if len(emitters) == 0 or live.size == 0:
            return emitters
        frame = tr.catalog.frame
        d = tr.x[live, None, :3] - emitters.position[None]
        horiz = frame.horizontal_distance(emitters.position[None], tr.x[live, None, :3])
        sd = np.sqrt(
            np.trace(emitters.cov, axis1=1, axis2=2)[None]
            + np.trace(tr.P[live, :3, :3], axis1=1, axis2=2)[:, None]
        )
        explained = np.any(horiz <= 3.0 * sd, axis=0) & np.isfinite(d).all(axis=2).any(axis=0)
        return emitters.take(~explained)

    def _fresh_evidence(self, picture: Picture) -> NDArray[np.bool_]:
        """Confirmed picture rows updated by a non-cooperative sensor within
        ``evidence_window_s``."""
        tr = self.tracker
        live = tr.live()
        order = np.argsort(tr.track_id[live])
        slots = live[order[np.searchsorted(tr.track_id[live][order], picture.track_id)]]
        noncoop = [int(k) for k in (SensorKind.RADAR, *BEARING_KINDS)]
        last = tr.kind_time[slots][:, noncoop].max(axis=1)
        fresh = (tr.time - last <= self.evidence_window_s) & picture.confirmed()
        return np.asarray(fresh, dtype=bool)

    def _annotate(self) -> None:
        """Write cooperative identities and spoof flags into the tracker's live tracks."""
        tr = self.tracker
        live = tr.live()
        tr.coop_id[live] = None
        tr.spoof_suspect[live] = False
        if live.size == 0:
            return
        ids = tr.track_id[live]
        order = np.argsort(ids)
        for table, spoof in ((self.binder.bindings(), False), (self.binder.spoof_tracks(), True)):
            if not table:
                continue
            tids = np.fromiter(table.keys(), dtype=np.int64, count=len(table))
            names = np.array(list(table.values()), dtype=object)
            pos = np.minimum(np.searchsorted(ids[order], tids), ids.size - 1)
            slots = live[order[pos]]
            found = tr.track_id[slots] == tids
            tr.coop_id[slots[found]] = names[found]
            if spoof:
                tr.spoof_suspect[slots[found]] = True

    # -- hooks -----------------------------------------------------------------------------
    def on_unassociated(self, tracker: Tracker, reports: Reports) -> None:
        """Leftover bearings: try to initiate; births join the tracker (confirmed)."""
        self._initiate(tracker, bearings_from_reports(reports, self.sensors))

    def _initiate(self, tracker: Tracker, b: Bearings) -> None:
        """Feed bearings ``b`` to the initiator; its births join the tracker (confirmed)."""
        if len(b) == 0:
            return
        self.stats.leftovers += len(b)
        births = self.initiator.process(b)
        self.stats.seed_shed = self.initiator.shed_bearings
        if len(births) == 0:
            return
        dt = tracker.time - births.time
        F = cv_transition(dt)
        x = (F @ (births.state)[..., None])[..., 0]
        P = (F @ births.cov @ np.swapaxes(F, -1, -2)) + cv_process_noise(
            dt, self.initiator.cfg.candidate_q
        )
        kinds = self.sensors.catalog.kind[b.sensor]
        kind = SensorKind(int(np.bincount(kinds).argmax()))
        ids = tracker.add_tracks(x, P, kind, confirmed=True)
        if ids.size:
            slots = np.flatnonzero(np.isin(tracker.track_id, ids) & tracker.alive)
            slots = slots[np.argsort(tracker.track_id[slots])]
            order = np.argsort(ids)
            self.frequencies.set(
                slots,
                births.frequency[: ids.size][order],
                births.frequency_var[: ids.size][order],
                float(tracker.time),
            )
        self.stats.births += len(births)

    def on_late(self, tracker: Tracker, reports: Reports) -> None:
        """Reports older than the tracker's time: bearings update tracks by retrodiction."""
        kinds = tracker.catalog.kind[reports.sensor]
        is_b = np.isin(kinds, [int(k) for k in BEARING_KINDS])
        for k in np.unique(kinds[~is_b]):
            label = SensorKind(int(k)).label
            self.stats.late_skipped_kind[label] = self.stats.late_skipped_kind.get(label, 0) + int(
                (kinds == k).sum()
            )
        if self.direct:
            return  # `process` handles late bearings itself
        b = bearings_from_reports(reports.take(is_b), self.sensors)
        self.stats.late_bearings += len(b)
        if len(b):
            used = bearing_update(
                tracker, b, self._late_gate, self.min_gain, freq=self.frequencies
            ).used
            self.stats.late_used += int(used.sum())


class BearingUse(NamedTuple):
    """What `bearing_update` did with each bearing: ``used`` (it updated a track), ``explained``
    (it gated with some track, so it must not seed a new one), ``track_id`` (the track it
    updated, -1 if none)."""

    used: NDArray[np.bool_]
    explained: NDArray[np.bool_]
    track_id: NDArray[np.int64]


def bearing_update(
    tracker: Tracker,
    b: Bearings,
    gate: dict[int, float],
    min_gain: float = 0.5,
    max_rounds: int = 8,
    *,
    freq: TrackFrequencies | None = None,
) -> BearingUse:
    """Update the tracker's live tracks with bearings of any age.

    Returns ``(used, explained)`` masks over the bearings: used for an update, and gated with
    some track (explained bearings must not seed new tracks).

    Pairs: confirmed or coasting tracks (tentative ones are the tracker's to confirm or drop)
    within each sensor's reach (cKDTree on track positions). Each pair's
    innovation is taken at the report's emission time (propagation delay solved on the track's
    CV motion; retrodiction or prediction from the tracker's time, B1 form with the cruise-mode
    horizontal process noise). A pair is kept if its NIS passes the chi-square ``gate`` (by
    dof). A track with a radar update in the last 3 s is updated only by an informative
    bearing: the predicted azimuth spread ``sqrt(H P H')`` at least ``min_gain`` times the
    bearing noise (a 3 deg acoustic bearing adds nothing to a radar track known to 10 m). An
    uninformative pair still takes part in the assignment: if it wins, the bearing is consumed
    by that track without an update (filtering such pairs out first handed the bearing to a
    vaguer track of another target: on mixed-region every acoustic and RF-DF bearing that
    updated a track belonged to another target).

    Assignment runs in rounds (at most ``max_rounds``): in each, one bearing per track and one
    track per bearing (mutual best NIS); the winners update the tracks, and the remaining gated
    pairs are re-gated on the updated tracks, a track taking at most one bearing per sensor.
    So a target heard by several arrays in one batch takes every array's bearing (a wasted
    bearing would otherwise seed a ghost), while crossing bearings still feed one target each.
    Each IMM mode is updated with the cross-covariance form, then recombined;
    ``last_update_time``, ``n_updates`` and ``kind_time`` advance.

    With ``freq`` (the tracks' frequency memory) a pair also needs the bearing's Doppler-free
    frequency to agree with the track's (two targets on one line of sight are told apart by
    their engines or carriers), the pair's cost is its negative log-likelihood (NIS + ln det S
    plus the frequency term) and the winners' frequencies are fused into the memory.
    """
    used = np.zeros(len(b), bool)
    explained = np.zeros(len(b), bool)
    track_of = np.full(len(b), -1, np.int64)
    idx = tracker.live()
    idx = idx[tracker.status[idx] != int(TrackStatus.TENTATIVE)]
    if idx.size == 0 or len(b) == 0:
        return BearingUse(used, explained, track_of)
    reach = np.where(np.isfinite(b.max_range), b.max_range, 1e5) + 600.0
    tree = cKDTree(tracker.x[idx, :3])
    near = tree.query_ball_point(b.origin, reach)
    counts = np.array([len(a) for a in near], dtype=np.intp)
    if counts.sum() == 0:
        return BearingUse(used, explained, track_of)
    ti = np.fromiter((i for a in near for i in a), dtype=np.intp, count=int(counts.sum()))
    bi = np.repeat(np.arange(len(b)), counts)
    n_sensors = max(len(tracker.catalog), 1)
    consumed = np.zeros(len(b), bool)
    for _ in range(max_rounds):
        ti, bi, nis, informative = _gate_bearings(
            tracker, idx[ti], ti, bi, b, gate, min_gain, explained, freq
        )
        if ti.size == 0:
            break
        # One bearing per track and one track per bearing: best NIS first (mutual best).
        order = np.lexsort((nis, bi))
        first = np.r_[True, bi[order][1:] != bi[order][:-1]]
        cand = order[first]
        cand = cand[np.lexsort((nis[cand], ti[cand]))]
        first = np.r_[True, ti[cand][1:] != ti[cand][:-1]]
        win = cand[first]
        # A bearing won by a track it cannot inform (a radar-held track known far better than
        # the bearing) is consumed there without an update: it must not go to the runner-up,
        # typically a vaguer track of another target.
        consumed[bi[win]] = True
        win = win[informative[win]]
        _update_with_bearings(tracker, idx[ti[win]], b.take(bi[win]), freq)
        used[bi[win]] = True
        track_of[bi[win]] = tracker.track_id[idx[ti[win]]]
        # Next round: the other gated bearings of sensors that have not fed that track yet.
        taken = ti[win].astype(np.int64) * n_sensors + b.sensor[bi[win]]
        key = ti.astype(np.int64) * n_sensors + b.sensor[bi]
        rest = ~consumed[bi] & ~np.isin(key, taken)
        ti, bi = ti[rest], bi[rest]
    return BearingUse(used, explained, track_of)


def _gate_bearings(
    tracker: Tracker,
    slots: IDX,
    ti: IDX,
    bi: IDX,
    b: Bearings,
    gate: dict[int, float],
    min_gain: float,
    explained: NDArray[np.bool_],
    freq: TrackFrequencies | None = None,
) -> tuple[IDX, IDX, F64, NDArray[np.bool_]]:
    """Gate (track slot, bearing) pairs (see `bearing_update`); marks gated bearings in
    ``explained`` and returns the gated pairs ``(ti, bi, cost, informative)``: cost is the NIS,
    or with ``freq`` the pair's negative log-likelihood (NIS + ln det S + frequency term);
    ``informative`` is False where the track had a radar update in the last 3 s and predicts
    the azimuth better than ``min_gain`` times the bearing noise."""
    if ti.size == 0:
        return ti, bi, np.zeros(0), np.zeros(0, bool)
    q = tracker.config.q_cruise_h
    bb = b.take(bi)
    t_state = np.full(ti.size, float(tracker.time))
    P_tau, _, H, res, R, _ = bearing_innovation(
        tracker.x[slots], tracker.P[slots], t_state, bb, q, None
    )
    HPH = H @ P_tau @ np.swapaxes(H, -1, -2)
    S = HPH + R
    nis = np.sum(res * (np.linalg.inv(S) @ res[..., None])[..., 0], axis=-1)
    ok = nis <= np.where(bb.has_el, gate[2], gate[1])
    if freq is not None:
        f_ok, z2, _, f_var = freq.test(slots, bb)
        ok &= f_ok
        _, logdet = np.linalg.slogdet(S)
        known = np.isfinite(z2)
        nis = nis + logdet + np.where(known, z2 + np.log(np.where(known, f_var, 1.0)), 0.0)
    explained[bi[ok]] = True
    radar_fresh = tracker.time - tracker.kind_time[slots, int(SensorKind.RADAR)] <= 3.0
    informative = ~radar_fresh | (np.sqrt(HPH[:, 0, 0]) >= min_gain * bb.sigma_az)
    return ti[ok], bi[ok], nis[ok], informative[ok]


def _update_with_bearings(
    tracker: Tracker, slots: IDX, bw: Bearings, freq: TrackFrequencies | None = None
) -> None:
    """Update distinct track ``slots`` with one bearing each (every IMM mode, cross-covariance
    form at the tracker's time), recombine, and advance the bookkeeping columns (and the
    frequency memory ``freq``)."""
    if freq is not None:
        _, _, f0, f_var = freq.test(slots, bw)
        freq.update(slots, bw, f0, f_var)
    q = tracker.config.q_cruise_h
    n_modes = tracker.xm.shape[1]
    k = slots.size
    xm = tracker.xm[slots].reshape(k * n_modes, 6)
    Pm = tracker.Pm[slots].reshape(k * n_modes, 6, 6)
    bm = bw.take(np.repeat(np.arange(k), n_modes))
    t_m = np.full(k * n_modes, float(tracker.time))
    P_tau, C, H, res, R, _ = bearing_innovation(xm, Pm, t_m, bm, q, None)
    xn, Pn, _ = cross_update(xm, Pm, P_tau, C, H, res, R)
    tracker.xm[slots] = xn.reshape(k, n_modes, 6)
    tracker.Pm[slots] = Pn.reshape(k, n_modes, 6, 6)
    tracker.x[slots], tracker.P[slots] = imm_combine(
        tracker.xm[slots], tracker.Pm[slots], tracker.mu[slots]
    )
    tracker.n_updates[slots] += 1
    tracker.last_update_time[slots] = np.maximum(tracker.last_update_time[slots], tracker.time)
    kinds = tracker.catalog.kind[bw.sensor].astype(np.intp)
    tracker.kind_time[slots, kinds] = np.maximum(tracker.kind_time[slots, kinds], bw.time)


def predict_picture(picture: Picture, time: float, q: float) -> Picture:
    """``picture`` predicted (constant velocity, white acceleration ``q`` m^2/s^3) to ``time``
    (s): states ``x + v dt``, covariances ``F P F' + Q(dt)``; every other column as it was."""
    dt = np.full(len(picture), time - picture.time)
    F = cv_transition(dt)
    state = (F @ picture.state[..., None])[..., 0]
    cov = F @ picture.cov @ np.swapaxes(F, -1, -2) + cv_process_noise(dt, q)
    return replace(picture, time=time, state=state, cov=cov)


def concat_pictures(a: Picture, b: Picture) -> Picture:
    """Rows of ``a`` then ``b`` (same time and frame; ``b``'s mode columns padded/cut to a's)."""
    if len(b) == 0:
        return a
    m = a.mode_prob.shape[1]
    mp = np.zeros((len(b), m))
    k = min(m, b.mode_prob.shape[1])
    mp[:, :k] = b.mode_prob[:, :k]
    mp[:, 0] += 1.0 - mp.sum(axis=1)
    return Picture(
        a.time,
        a.frame,
        np.concatenate([a.track_id, b.track_id]),
        np.concatenate([a.state, b.state]),
        np.concatenate([a.cov, b.cov]),
        np.concatenate([a.status, b.status]),
        np.concatenate([a.first_time, b.first_time]),
        np.concatenate([a.last_update_time, b.last_update_time]),
        np.concatenate([a.n_updates, b.n_updates]),
        np.concatenate([a.mode_prob, mp]),
        np.concatenate([a.static, b.static]),
        np.concatenate([a.coop_id, b.coop_id]),
        np.concatenate([a.spoof_suspect, b.spoof_suspect]),
        np.concatenate([a.sensor_mask, b.sensor_mask]),
    )


def register_passive(
    tracker: Tracker,
    config: InitiatorConfig | None = None,
    *,
    coop_config: CoopConfig | None = None,
    emitter_config: EmitterConfig | None = None,
    seam_models: bool = False,
) -> PassiveFusion:
    """Attach passive fusion to a tracker; returns the `PassiveFusion` whose `process` replaces
    ``tracker.process``.

    Default (``seam_models=False``, "direct"): the tracker does not know bearing kinds (it
    predicts, manages and skips them); `PassiveFusion.process` updates the tracker's tracks with
    informative bearings (`bearing_update`) and initiates from the rest. With
    ``seam_models=True`` the `BearingModel`s are registered in ``tracker.models`` (the tracker
    associates bearings with its own gate) and leftovers come through
    ``hooks.on_unassociated``; on `mixed-demo` this lets clutter and relay bearings pull radar
    tracks, so it is not the default.

    Changes on ``tracker``: ``hooks.on_late`` (late bearings, any mode); with ``seam_models``
    also ``models[ACOUSTIC|RF_DF|EO_IR]``, bearing sensors' ``clutter_density`` and
    ``hooks.on_unassociated``.
    """
    fusion = PassiveFusion(
        tracker,
        config,
        coop_config=coop_config,
        emitter_config=emitter_config,
        direct=not seam_models,
    )
    tracker.hooks.on_late = fusion.on_late
    if not seam_models:
        return fusion
    gs = tracker.config.gate_sigmas
    tracker.models[SensorKind.ACOUSTIC] = BearingModel(
        fusion.sensors, elevation=True, gate_sigmas=gs
    )
    tracker.models[SensorKind.EO_IR] = BearingModel(fusion.sensors, elevation=True, gate_sigmas=gs)
    tracker.models[SensorKind.RF_DF] = BearingModel(fusion.sensors, elevation=False, gate_sigmas=gs)
    cat = tracker.catalog
    rate = np.array([max(s.clutter_rate_per_scan, 1e-3) for s in cat.specs])
    for kind, volume in (
        (SensorKind.ACOUSTIC, 2.0 * np.pi * np.pi),
        (SensorKind.EO_IR, 2.0 * np.pi * np.pi),
        (SensorKind.RF_DF, 2.0 * np.pi),
    ):
        s = cat.sensors_of(kind)
        tracker.clutter_density[s] = rate[s] / volume
    tracker.hooks.on_unassociated = fusion.on_unassociated
    return fusion
