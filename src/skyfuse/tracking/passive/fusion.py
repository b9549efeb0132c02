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

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.stats import chi2 as chi2_dist

from skyfuse.core.kinds import SensorKind
from skyfuse.core.reports import Reports
from skyfuse.tracking.filters import imm_combine
from skyfuse.tracking.passive.bearings import Bearings, BearingSensors, bearings_from_reports
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


@dataclass(slots=True)
class PassiveStats:
    """Counters of the passive hooks."""

    leftovers: int = 0
    births: int = 0
    late_bearings: int = 0
    late_used: int = 0
    late_skipped_kind: dict[str, int] = field(default_factory=dict)


class PassiveFusion:
    """The passive-sensor hooks of one `Tracker` (create with `register_passive`)."""

    def __init__(
        self,
        tracker: Tracker,
        config: InitiatorConfig | None = None,
        *,
        late_gate_prob: float = 0.997,
    ) -> None:
        self.tracker = tracker
        self.sensors = BearingSensors.build(tracker.catalog)
        self.initiator = BearingTracker(self.sensors, config, handoff=True)
        self.stats = PassiveStats()
        self._late_gate = {d: float(chi2_dist.ppf(late_gate_prob, d)) for d in (1, 2)}
        self._pending: list[Bearings] = []

    # -- hooks -----------------------------------------------------------------------------
    def on_unassociated(self, tracker: Tracker, reports: Reports) -> None:
        """Leftover bearings of one sensor: try to initiate; births join the tracker."""
        b = bearings_from_reports(reports, self.sensors)
        self.stats.leftovers += len(b)
        births = self.initiator.process(b)
        if len(births) == 0:
            return
        dt = tracker.time - births.time
        F = cv_transition(dt)
        x = np.einsum("nij,nj->ni", F, births.state)
        P = np.einsum("nij,njk,nlk->nil", F, births.cov, F) + cv_process_noise(
            dt, self.initiator.cfg.q
        )
        kind = SensorKind(int(self.sensors.catalog.kind[int(reports.sensor[0])]))
        tracker.add_tracks(x, P, kind, confirmed=True)
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
        b = bearings_from_reports(reports.take(is_b), self.sensors)
        self.stats.late_bearings += len(b)
        if len(b):
            self.stats.late_used += late_bearing_update(tracker, b, self._late_gate)


def late_bearing_update(tracker: Tracker, b: Bearings, gate: dict[int, float]) -> int:
    """Update the tracker's live tracks with late bearings (one per track, best NIS first).

    Each track's IMM modes are updated by the retrodicted cross-covariance form (B1: no record of
    the tracker's last update is kept) with the cruise-mode horizontal process noise, then
    recombined. Returns the number of bearings used.
    """
    idx = tracker.live()
    if idx.size == 0 or len(b) == 0:
        return 0
    cat = tracker.catalog
    reach = np.where(np.isfinite(b.max_range), b.max_range, 1e5) + 600.0
    tree = cKDTree(tracker.x[idx, :3])
    near = tree.query_ball_point(b.origin, reach)
    counts = np.array([len(a) for a in near], dtype=np.intp)
    if counts.sum() == 0:
        return 0
    ti = np.fromiter((i for a in near for i in a), dtype=np.intp, count=int(counts.sum()))
    bi = np.repeat(np.arange(len(b)), counts)
    slots = idx[ti]
    t_state = np.full(ti.size, float(tracker.time))
    q = tracker.config.q_cruise_h
    bb = b.take(bi)
    P_tau, C, H, res, R, _ = bearing_innovation(
        tracker.x[slots], tracker.P[slots], t_state, bb, q, None
    )
    S = np.einsum("nij,njk,nlk->nil", H, P_tau, H) + R
    nis = np.einsum("ni,nij,nj->n", res, np.linalg.inv(S), res)
    ok = nis <= np.where(bb.has_el, gate[2], gate[1])
    ti, bi, slots, nis = ti[ok], bi[ok], slots[ok], nis[ok]
    if ti.size == 0:
        return 0
    # One bearing per track and one track per bearing: best NIS first (mutual best).
    order = np.lexsort((nis, bi))
    first = np.r_[True, bi[order][1:] != bi[order][:-1]]
    cand = order[first]
    cand = cand[np.lexsort((nis[cand], ti[cand]))]
    first = np.r_[True, ti[cand][1:] != ti[cand][:-1]]
    win = cand[first]
    slots, bw = slots[win], b.take(bi[win])
    n_modes = tracker.xm.shape[1]
    k = slots.size
    xm = tracker.xm[slots].reshape(k * n_modes, 6)
    Pm = tracker.Pm[slots].reshape(k * n_modes, 6, 6)
    rep = np.repeat(np.arange(k), n_modes)
    bm = bw.take(rep)
    t_m = np.full(k * n_modes, float(tracker.time))
    P_tau, C, H, res, R, _ = bearing_innovation(xm, Pm, t_m, bm, q, None)
    xn, Pn, _ = cross_update(xm, Pm, P_tau, C, H, res, R)
    tracker.xm[slots] = xn.reshape(k, n_modes, 6)
    tracker.Pm[slots] = Pn.reshape(k, n_modes, 6, 6)
    tracker.x[slots], tracker.P[slots] = imm_combine(
        tracker.xm[slots], tracker.Pm[slots], tracker.mu[slots]
    )
    tracker.n_updates[slots] += 1
    kinds = cat.kind[bw.sensor].astype(np.intp)
    tracker.kind_time[slots, kinds] = np.maximum(tracker.kind_time[slots, kinds], bw.time)
    return int(k)


def register_passive(tracker: Tracker, config: InitiatorConfig | None = None) -> PassiveFusion:
    """Register the bearing models and the passive hooks on a tracker; returns the hooks' owner.

    Changes on ``tracker``: ``models[ACOUSTIC|RF_DF|EO_IR]``, ``clutter_density`` of bearing
    sensors, ``hooks.on_unassociated`` and ``hooks.on_late`` (replacing any set before).
    """
    fusion = PassiveFusion(tracker, config)
    gs = tracker.config.gate_sigmas
    tracker.models[SensorKind.ACOUSTIC] = BearingModel(
        fusion.sensors, elevation=True, gate_sigmas=gs
    )
    tracker.models[SensorKind.EO_IR] = BearingModel(fusion.sensors, elevation=True, gate_sigmas=gs)
    tracker.models[SensorKind.RF_DF] = BearingModel(fusion.sensors, elevation=False, gate_sigmas=gs)
    cat = tracker.catalog
    rate = np.array([max(s.clutter_rate_per_scan, 1e-3) for s in cat.specs])
    sphere = 4.0 * np.pi  # steradian-like az x el extent: 2 pi x pi
    for kind, volume in (
        (SensorKind.ACOUSTIC, sphere),
        (SensorKind.EO_IR, sphere),
        (SensorKind.RF_DF, 2.0 * np.pi),
    ):
        s = cat.sensors_of(kind)
        tracker.clutter_density[s] = rate[s] / volume
    tracker.hooks.on_unassociated = fusion.on_unassociated
    tracker.hooks.on_late = fusion.on_late
    return fusion
