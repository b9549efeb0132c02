"""Alert lifecycle: new -> updated -> escalated -> cleared, with hysteresis and track hand-over.

`AlertManager.update(threat)` turns each `ThreatPicture` into the lifecycle events of that step.
An alert is raised when its score stays at or above the raise threshold for ``raise_dwell_s``,
and cleared only after staying below the (lower) clear threshold, or being absent, for
``clear_dwell_s``: one target gives one alert, not a flicker of them. Scores: for a site,
p_hostile x p(passing within its radius); for a border, the belief mass on the partner's classes
x the chance that the track does not end at one of our sites first. A new track that appears
where a lost track with an alert (open, or cleared less than ``reacquire_window_s`` ago) was
predicted to be takes that alert over instead of opening another (site, border and relay
alerts). Alerts escalate once per cause:
arrival closer than ``escalate_eta_s``, or class confidence reaching ``escalate_prob``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skyfuse.alerting.model import (
    Alert,
    AlertKind,
    AlertState,
    class_words,
    distance_words,
    duration_words,
    sensor_words,
)
from skyfuse.core.kinds import HOSTILE_CLASSES
from skyfuse.threat.assessor import ThreatPicture

F64 = NDArray[np.float64]
Key = tuple[str, str, int]
_HANDOVER_KINDS = ("site_threat", "border_crossing", "relay")
"""Alert kinds about one track, which a re-initiated track may take over."""


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """Thresholds and dwell times of the alert lifecycle (probabilities, seconds, metres)."""

    site_raise: float = 0.5
    site_clear: float = 0.25
    border_raise: float = 0.5
    border_clear: float = 0.3
    border_max_eta_s: float = 180.0
    """Border warnings are raised only this close to the crossing, s."""
    raise_dwell_s: float = 2.0
    clear_dwell_s: float = 10.0
    group_raise_dwell_s: float = 10.0
    """Raise dwell of raids, launch areas and relays (they must persist), s."""
    group_clear_dwell_s: float = 30.0
    """Clear dwell of raids, launch areas and relays, s."""
    escalate_eta_s: float = 120.0
    escalate_prob: float = 0.95
    eta_update_abs_s: float = 20.0
    eta_update_rel: float = 0.25
    """An `updated` event is sent when the ETA drifts from the last one sent (counted down) by
    more than max(abs, rel x ETA)."""
    min_update_interval_s: float = 5.0
    class_update_prob: float = 0.6
    """A change of the named class is worth an `updated` only when the new class reaches this
    probability (near-ties between attack drone and decoy would otherwise flap)."""
    reacquire_window_s: float = 60.0
    reacquire_gate_m: float = 1500.0
    reacquire_gate_growth_mps: float = 20.0
    """The hand-over gate grows by this per second since the lost track was last seen."""
    reacquire_born_tolerance_s: float = 3.0
    """A track may take over a lost track's alert only if born at most this long before the
    lost track was last seen (tracker re-initiation overlaps the old track's coasting), s."""
    raid_update_frac: float = 0.25
    area_update_m: float = 1000.0
    """A launch area is `updated` when it moves more than max(this, 3 sigma), m."""

    def __post_init__(self) -> None:
        for f in fields(self):
            v = float(getattr(self, f.name))
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"AlertConfig.{f.name}: must be finite and >= 0, got {v}")
        for up, down in (("site_raise", "site_clear"), ("border_raise", "border_clear")):
            if getattr(self, down) > getattr(self, up):
                raise ValueError(f"AlertConfig.{down}: must not exceed {up} (hysteresis)")
        for name in (
            "site_raise",
            "border_raise",
            "escalate_prob",
            "eta_update_rel",
            "class_update_prob",
        ):
            if getattr(self, name) > 1.0:
                raise ValueError(f"AlertConfig.{name}: must be <= 1")


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something in one threat picture that may deserve an alert.

    ``key`` = (kind, site/border id or '', track/raid/area number). ``score`` is compared with
    ``raise_at``/``clear_at``. ``position``/``velocity`` (working frame) allow track hand-over.
    ``fields`` are extra `Alert` fields; ``text`` the operator sentence, ``title`` a short name
    of the subject (for `cleared`); ``size`` a magnitude whose change warrants an update (raid
    size, launch-area position).
    """

    key: Key
    kind: AlertKind
    score: float
    raise_at: float
    clear_at: float
    track_id: int | None
    position: F64 | None
    velocity: F64 | None
    eta_s: float | None
    cls: str | None
    class_prob: float | None
    fields: dict[str, Any]
    text: str
    title: str
    size: F64 | None = None
    born: float = -math.inf
    """When the candidate's track was born, s: only tracks born after a lost track was last
    seen may take its alert over (an older track is another target)."""


@dataclass(slots=True)
class _Open:
    """Lifecycle state of one (possible) alert."""

    alert_id: str
    key: Key
    kind: AlertKind
    track_id: int | None
    raised: bool = False
    pending_since: float | None = None
    below_since: float | None = None
    cleared_at: float | None = None
    last_emit: float = -math.inf
    last_eta: float | None = None
    last_cls: str | None = None
    last_size: F64 | None = None
    escalations: set[str] = field(default_factory=set)
    position: F64 | None = None
    velocity: F64 | None = None
    last_seen: float = -math.inf
    last_candidate: Candidate | None = None


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _r(x: float | None, nd: int = 1) -> float | None:
    v = _finite(x)
    return None if v is None else round(v, nd)


def _scoring_or_tracked(
    score: F64,
    clear_at: float,
    place_ids: Sequence[str],
    place: NDArray[np.intp],
    track_id: NDArray[np.int64],
    tracked: frozenset[tuple[str, int]],
) -> NDArray[np.bool_]:
    """Mask of (place, track) pairs scoring at least ``clear_at`` or already holding an alert
    state (``tracked``: (site or border id, track id)), so an open alert sees its score fall
    rather than its pair vanish."""
    high = np.asarray(score >= clear_at, dtype=bool)
    if tracked:
        high |= np.array(
            [
                (place_ids[j], t) in tracked
                for j, t in zip(place.tolist(), track_id.tolist(), strict=True)
            ],
            dtype=bool,
        ).reshape(len(high))
    return high


def site_candidates(
    threat: ThreatPicture,
    raise_at: float,
    clear_at: float,
    tracked: frozenset[tuple[str, int]] = frozenset(),
) -> list[Candidate]:
    """Candidates for track-site pairs scoring at least ``clear_at``, and for every pair in
    ``tracked`` ((site id, track id) with an alert state), so an open alert sees its score fall
    below ``clear_at`` rather than vanish."""
    s, tr, ctx = threat.sites, threat.tracks, threat.context
    high = _scoring_or_tracked(s.p_threat, clear_at, ctx.site_id, s.site, s.track_id, tracked)
    keep = np.flatnonzero(high)
    if not len(keep):
        return []
    a, b, _ = threat.frame.from_work(s.impact[keep])
    # plain Python columns: per-candidate NumPy scalar access dominates large salvos
    track = s.track[keep].tolist()
    site_ix = s.site[keep].tolist()
    tids = s.track_id[keep].tolist()
    p_thr = s.p_threat[keep].tolist()
    etas = s.eta_s[keep].tolist()
    rng = s.range_m[keep].tolist()
    r95 = s.impact_r95_m[keep].tolist()
    course = s.on_course[keep].tolist()
    pts = list(zip(np.round(a, 6).tolist(), np.round(b, 6).tolist(), strict=True))
    t_cls = tr.threat_class.tolist()
    t_prob = tr.threat_class_prob.tolist()
    t_mask = tr.sensor_mask.tolist()
    t_rank = tr.rank.tolist()
    t_born = tr.first_time.tolist()
    out: list[Candidate] = []
    for j in range(len(keep)):
        i, site, tid, eta = track[j], site_ix[j], tids[j], etas[j]
        cls, p_cls = t_cls[i], t_prob[i]
        sensors = sensor_words(t_mask[i])
        name = ctx.site_name[site]
        who = f"{class_words(cls)} (p={p_cls:.2f}{', ' + '+'.join(sensors) if sensors else ''})"
        out_m = distance_words(rng[j])
        if course[j]:
            text = (
                f"{who} heading to {name}, ETA {duration_words(eta)}, "
                f"{out_m} out, impact within {distance_words(r95[j])}"
            )
        else:
            text = (
                f"{who} closing on {name} off a direct course, {out_m} out, "
                f"could arrive in {duration_words(eta)}"
            )
        out.append(
            Candidate(
                key=("site_threat", ctx.site_id[site], tid),
                kind="site_threat",
                score=p_thr[j],
                raise_at=raise_at,
                clear_at=clear_at,
                track_id=tid,
                position=tr.position[i],
                velocity=tr.velocity[i],
                eta_s=eta,
                cls=cls,
                class_prob=p_cls,
                fields={
                    "site_id": ctx.site_id[site],
                    "rank": t_rank[i] or None,
                    "p_threat": round(p_thr[j], 3),
                    "range_m": _r(rng[j], 0),
                    "point": pts[j],
                    "point_sigma_m": _r(r95[j], 0),
                    "sensors": sensors,
                },
                text=text,
                title=f"{class_words(cls)} track {tid} to {name}",
                born=t_born[i],
            )
        )
    return out


def border_candidates(
    threat: ThreatPicture,
    raise_at: float,
    clear_at: float,
    max_eta_s: float,
    tracked: frozenset[tuple[str, int]] = frozenset(),
) -> list[Candidate]:
    """Candidates for predicted border crossings shared with partners (crossing within
    ``max_eta_s``) scoring at least ``clear_at`` or with an alert state (``tracked``: (border
    id, track id)). Sensor kinds are left out for partners that redact."""
    bc, tr, ctx = threat.borders, threat.tracks, threat.context
    high = _scoring_or_tracked(bc.p_cross, clear_at, ctx.border_id, bc.border, bc.track_id, tracked)
    keep = np.flatnonzero(high & (bc.eta_s <= max_eta_s))
    if not len(keep):
        return []
    a, b, _ = threat.frame.from_work(bc.point[keep])
    out: list[Candidate] = []
    for j, k in enumerate(keep.tolist()):
        i = int(bc.track[k])
        bi = int(bc.border[k])
        partner = ctx.border_partner[bi]
        tid = int(bc.track_id[k])
        cls = str(bc.shared_class[k])
        p_cls = float(bc.class_prob[k])
        eta = float(bc.eta_s[k])
        sensors = None if ctx.redacts(partner) else sensor_words(int(tr.sensor_mask[i]))
        text = (
            f"{class_words(cls)} (p={p_cls:.2f}) will cross into {partner} "
            f"(border {ctx.border_id[bi]}) in {duration_words(eta)}, "
            f"{distance_words(float(bc.distance_m[k]))} out, crossing point "
            f"within {distance_words(2.0 * float(bc.point_sigma_m[k]))}"
        )
        out.append(
            Candidate(
                key=("border_crossing", ctx.border_id[bi], tid),
                kind="border_crossing",
                score=float(bc.p_cross[k]),
                raise_at=raise_at,
                clear_at=clear_at,
                track_id=tid,
                position=tr.position[i],
                velocity=tr.velocity[i],
                eta_s=eta,
                cls=cls,
                class_prob=p_cls,
                fields={
                    "border_id": ctx.border_id[bi],
                    "partner": partner,
                    "p_threat": round(float(bc.p_cross[k]), 3),
                    "range_m": _r(float(bc.distance_m[k]), 0),
                    "point": (round(float(a[j]), 6), round(float(b[j]), 6)),
                    "point_sigma_m": _r(float(bc.point_sigma_m[k]), 0),
                    "sensors": sensors,
                },
                text=text,
                title=f"{class_words(cls)} track {tid} toward {partner}",
                born=float(tr.first_time[i]),
            )
        )
    return out


def _course_deg(frame_vel_local: F64) -> float:
    return float(np.degrees(np.arctan2(frame_vel_local[0], frame_vel_local[1])) % 360.0)


def group_candidates(threat: ThreatPicture) -> list[Candidate]:
    """Candidates for raids, launch areas and relay emitters (score 1: they exist)."""
    out: list[Candidate] = []
    ctx, tr, frame = threat.context, threat.tracks, threat.frame
    rd = threat.raids
    for k in range(len(rd)):
        members = rd.members[k]
        in_raid = tr.raid_id == rd.raid_id[k]
        labels, counts = np.unique(tr.threat_class[in_raid], return_counts=True)
        mix = ", ".join(
            f"{class_words(str(c)).lower()} {n}"
            for c, n in sorted(zip(labels.tolist(), counts.tolist(), strict=True))
        )
        v_local = frame.velocity_to_local(rd.centroid[k], rd.velocity[k])
        speed = float(np.hypot(v_local[0], v_local[1]))
        site = int(rd.site[k])
        toward = ctx.site_id[site] if site >= 0 else None
        eta = _finite(float(rd.eta_s[k]))
        text = (
            f"Raid of {len(members)} tracks ({mix}) on course {_course_deg(v_local):03.0f} deg, "
            f"{speed:.0f} m/s"
            + (f", toward {ctx.site_name[site]}" if site >= 0 else "")
            + (f", first arrival in {duration_words(eta)}" if eta is not None else "")
        )
        a, b, _ = frame.from_work(rd.centroid[k])
        out.append(
            Candidate(
                key=("raid", "", int(rd.raid_id[k])),
                kind="raid",
                score=1.0,
                raise_at=1.0,
                clear_at=0.5,
                track_id=None,
                position=None,
                velocity=None,
                eta_s=eta,
                cls=None,
                class_prob=None,
                fields={
                    "raid_id": int(rd.raid_id[k]),
                    "n_tracks": len(members),
                    "track_ids": [int(t) for t in members],
                    "toward_site_id": toward,
                    "point": (round(float(a), 6), round(float(b), 6)),
                },
                text=text,
                title=f"raid {int(rd.raid_id[k])}",
                size=np.array([float(len(members))]),
            )
        )
    for area in threat.launch_areas:
        a, b, _ = frame.from_work(area.position)
        where = (
            f"lat {float(a):.4f}, lon {float(b):.4f}"
            if frame.geodetic
            else f"x {float(a) / 1000:.1f} km, y {float(b) / 1000:.1f} km"
        )
        text = (
            f"Launch area: courses of {len(area.track_ids)} hostile tracks converge at "
            f"{where}, within {distance_words(2.0 * area.sigma_m)}"
        )
        out.append(
            Candidate(
                key=("launch_area", "", area.area_id),
                kind="launch_area",
                score=1.0,
                raise_at=1.0,
                clear_at=0.5,
                track_id=None,
                position=None,
                velocity=None,
                eta_s=None,
                cls=None,
                class_prob=None,
                fields={
                    "area_id": area.area_id,
                    "n_tracks": len(area.track_ids),
                    "track_ids": [int(t) for t in area.track_ids],
                    "point": (round(float(a), 6), round(float(b), 6)),
                    "point_sigma_m": round(area.sigma_m, 0),
                },
                text=text,
                title=f"launch area {area.area_id}",
                size=np.array([*area.position, area.sigma_m]),
            )
        )
    rl = threat.relays
    if len(rl):
        a, b, _ = frame.from_work(rl.position)
        for k in range(len(rl)):
            tid = int(rl.track_id[k])
            text = (
                f"Static RF emitter (p={float(rl.p_emitter[k]):.2f} ground relay) "
                f"{distance_words(float(rl.distance_m[k]))} from {int(rl.n_routes[k])} "
                "hostile routes: possible radio relay"
            )
            out.append(
                Candidate(
                    key=("relay", "", tid),
                    kind="relay",
                    score=1.0,
                    raise_at=1.0,
                    clear_at=0.5,
                    track_id=tid,
                    position=rl.position[k],
                    velocity=np.zeros(3),
                    eta_s=None,
                    cls="ground_emitter",
                    class_prob=round(float(rl.p_emitter[k]), 3),
                    fields={
                        "n_tracks": int(rl.n_routes[k]),
                        "range_m": round(float(rl.distance_m[k]), 0),
                        "point": (round(float(a[k]), 6), round(float(b[k]), 6)),
                    },
                    text=text,
                    title=f"emitter track {tid}",
                    born=float(rl.first_time[k]),
                )
            )
    return out


class AlertManager:
    """Keeps every alert's lifecycle; `update` returns the events of one threat picture.

    State is keyed by (kind, site/border, track/raid/area number) and holds only plain values, so
    it could be serialised. Alert ids are `<kind>-<n>` in order of creation.
    """

    def __init__(self, config: AlertConfig | None = None) -> None:
        self.config = config or AlertConfig()
        self._open: dict[Key, _Open] = {}
        self._count = 0

    # -- public ----------------------------------------------------------------------------
    def update(self, threat: ThreatPicture) -> list[Alert]:
        """Lifecycle events (`new`, `updated`, `escalated`, `cleared`) at ``threat.time``."""
        c = self.config
        t = float(threat.time)
        tracked_sites = frozenset((k[1], k[2]) for k in self._open if k[0] == "site_threat")
        tracked_borders = frozenset((k[1], k[2]) for k in self._open if k[0] == "border_crossing")
        cands = (
            site_candidates(threat, c.site_raise, c.site_clear, tracked_sites)
            + border_candidates(
                threat, c.border_raise, c.border_clear, c.border_max_eta_s, tracked_borders
            )
            + group_candidates(threat)
        )
        live_tracks = set(threat.tracks.track_id.tolist())
        lost = self._lost(t, live_tracks)
        events: list[Alert] = []
        seen: set[Key] = set()
        for cand in cands:
            seen.add(cand.key)
            st = self._open.get(cand.key)
            if st is None and cand.score >= cand.clear_at:
                st = self._handover(cand, t, lost)
            if st is None:
                if cand.score < cand.raise_at:
                    continue
                st = _Open(self._new_id(cand.kind), cand.key, cand.kind, cand.track_id)
                self._open[cand.key] = st
            events.extend(self._step(st, cand, t))
        for key, st in list(self._open.items()):
            if key not in seen:
                events.extend(self._absent(st, t, st.track_id in live_tracks))
        self._forget(t)
        return events

    def open_alerts(self) -> list[str]:
        """Ids of alerts raised and not cleared."""
        return sorted(st.alert_id for st in self._open.values() if st.raised)

    # -- lifecycle -------------------------------------------------------------------------
    def _new_id(self, kind: str) -> str:
        self._count += 1
        return f"{kind}-{self._count}"

    def _lost(self, t: float, live: set[int]) -> dict[tuple[str, str], list[_Open]]:
        """Alerts a new track may take over, by (kind, site/border): their track is gone, they
        are open or were cleared within ``reacquire_window_s``, and were seen within it."""
        w = self.config.reacquire_window_s
        out: dict[tuple[str, str], list[_Open]] = {}
        for key, st in self._open.items():
            if key[0] not in _HANDOVER_KINDS or st.track_id in live:
                continue
            if st.position is None or st.velocity is None or t - st.last_seen > w:
                continue
            if st.raised or (st.cleared_at is not None and t - st.cleared_at <= w):
                out.setdefault((key[0], key[1]), []).append(st)
        return out

    def _handover(
        self, cand: Candidate, t: float, lost: dict[tuple[str, str], list[_Open]]
    ) -> _Open | None:
        """The lost track's alert (same kind and site/border) nearest to where that track would
        be now, if this new track is within the hand-over gate of it; None otherwise."""
        c = self.config
        pool = lost.get((cand.key[0], cand.key[1]))
        if not pool or cand.position is None:
            return None
        best: tuple[float, _Open] | None = None
        for st in pool:
            if st.position is None or st.velocity is None:
                continue
            if cand.born < st.last_seen - c.reacquire_born_tolerance_s:
                continue  # this track was already there while the lost one flew: another target
            dt = t - st.last_seen
            guess = st.position + st.velocity * dt
            d = float(np.linalg.norm(cand.position - guess))
            if d <= c.reacquire_gate_m + c.reacquire_gate_growth_mps * dt and (
                best is None or d < best[0]
            ):
                best = (d, st)
        if best is None:
            return None
        st = best[1]
        pool.remove(st)
        del self._open[st.key]
        st.key = cand.key
        st.track_id = cand.track_id
        self._open[cand.key] = st
        return st

    def _step(self, st: _Open, cand: Candidate, t: float) -> list[Alert]:
        """Advance one alert's lifecycle with this step's candidate; the events it causes."""
        handed_over = st.last_candidate is not None and st.last_candidate.track_id != cand.track_id
        prev_track = st.last_candidate.track_id if st.last_candidate is not None else None
        st.position, st.velocity, st.last_seen = cand.position, cand.velocity, t
        st.last_candidate = cand
        if cand.score >= cand.raise_at or (st.raised and cand.score >= cand.clear_at):
            st.below_since = None
        if not st.raised:
            if cand.score < cand.clear_at:
                st.pending_since = None
                return []
            if cand.score < cand.raise_at:
                return []
            if st.cleared_at is not None:
                return [self._reopen(st, cand, t, prev_track if handed_over else None)]
            if st.pending_since is None:
                st.pending_since = t
            if t - st.pending_since + 1e-9 < self._raise_dwell(st):
                return []
            return [self._raise(st, cand, t)]
        if cand.score < cand.clear_at:
            if st.below_since is None:
                st.below_since = t
            if t - st.below_since + 1e-9 >= self._clear_dwell(st):
                return [self._clear(st, cand, t, f"no longer a threat (p={cand.score:.2f})")]
            return []
        causes = self._escalation_causes(st, cand)
        if causes:
            st.escalations |= {k for k, _ in causes}
            words = ", ".join(w for _, w in causes)
            return [self._emit(st, cand, t, "escalated", f"ESCALATED ({words}): ")]
        if handed_over:
            return [self._emit(st, cand, t, "updated", f"Track {prev_track} re-acquired as: ")]
        if self._significant(st, cand, t):
            return [self._emit(st, cand, t, "updated", "")]
        return []

    def _absent(self, st: _Open, t: float, track_alive: bool) -> list[Alert]:
        if not st.raised:
            st.pending_since = None
            if st.cleared_at is None:
                del self._open[st.key]
            return []
        if st.below_since is None:
            st.below_since = t
        if t - st.below_since + 1e-9 >= self._clear_dwell(st):
            why = {
                "site_threat": "no longer a threat to this site"
                if track_alive
                else "track lost or impacted",
                "border_crossing": "no longer predicted to cross"
                if track_alive
                else "track lost or crossed",
                "raid": "raid dispersed or lost",
                "launch_area": "no longer supported by live tracks",
                "relay": "no hostile routes nearby",
            }[st.kind]
            if st.last_candidate is not None:
                return [self._clear(st, st.last_candidate, t, why)]
        return []

    def _forget(self, t: float) -> None:
        w = self.config.reacquire_window_s
        for key in [k for k, s in self._open.items() if s.cleared_at is not None]:
            st = self._open[key]
            if st.cleared_at is not None and t - st.cleared_at > w:
                del self._open[key]

    def _raise_dwell(self, st: _Open) -> float:
        c = self.config
        urgent = st.kind in ("site_threat", "border_crossing")
        return c.raise_dwell_s if urgent else c.group_raise_dwell_s

    def _clear_dwell(self, st: _Open) -> float:
        c = self.config
        return (
            c.clear_dwell_s
            if st.kind in ("site_threat", "border_crossing")
            else (c.group_clear_dwell_s)
        )

    def _escalation_causes(self, st: _Open, cand: Candidate) -> list[tuple[str, str]]:
        """New escalation causes as (key, words); each key escalates an alert once."""
        c = self.config
        causes: list[tuple[str, str]] = []
        if (
            "eta" not in st.escalations
            and cand.kind in ("site_threat", "border_crossing")
            and cand.eta_s is not None
            and cand.eta_s <= c.escalate_eta_s
        ):
            causes.append(("eta", f"ETA under {duration_words(c.escalate_eta_s)}"))
        if (
            "class" not in st.escalations
            and cand.kind in ("site_threat", "border_crossing")
            and cand.cls in HOSTILE_CLASSES
            and (cand.class_prob or 0.0) >= c.escalate_prob
        ):
            causes.append(("class", f"{class_words(cand.cls or '')} confirmed"))
        return causes

    def _significant(self, st: _Open, cand: Candidate, t: float) -> bool:
        c = self.config
        if t - st.last_emit < c.min_update_interval_s:
            return False
        if cand.cls != st.last_cls and (cand.class_prob or 0.0) >= c.class_update_prob:
            return True
        if cand.eta_s is not None and st.last_eta is not None:
            expected = st.last_eta - (t - st.last_emit)
            if abs(cand.eta_s - expected) > max(c.eta_update_abs_s, c.eta_update_rel * expected):
                return True
        if cand.size is not None and st.last_size is not None:
            if cand.kind == "raid":
                old = float(st.last_size[0])
                return abs(float(cand.size[0]) - old) >= max(2.0, c.raid_update_frac * old)
            return float(np.linalg.norm(cand.size[:3] - st.last_size[:3])) > max(
                c.area_update_m, 3.0 * float(cand.size[3])
            )
        return False

    def _raise(self, st: _Open, cand: Candidate, t: float) -> Alert:
        st.raised = True
        st.pending_since = None
        st.cleared_at = None
        if cand.eta_s is not None and cand.eta_s <= self.config.escalate_eta_s:
            st.escalations.add("eta")
        if cand.cls in HOSTILE_CLASSES and (cand.class_prob or 0.0) >= self.config.escalate_prob:
            st.escalations.add("class")
        return self._emit(st, cand, t, "new", "")

    def _reopen(self, st: _Open, cand: Candidate, t: float, prev: int | None) -> Alert:
        """A cleared alert raised again (same id): `updated`, never a second `new`."""
        st.raised = True
        st.pending_since = None
        st.cleared_at = None
        pre = f"Re-opened, track {prev} re-acquired as: " if prev is not None else "Re-opened: "
        return self._emit(st, cand, t, "updated", pre)

    def _clear(self, st: _Open, cand: Candidate, t: float, why: str) -> Alert:
        st.raised = False
        st.cleared_at = t
        st.below_since = None
        return self._record(st, cand, t, "cleared", f"Cleared: {cand.title}: {why}")

    def _emit(self, st: _Open, cand: Candidate, t: float, state: AlertState, pre: str) -> Alert:
        st.last_emit = t
        st.last_eta = cand.eta_s
        st.last_cls = cand.cls
        st.last_size = cand.size
        return self._record(st, cand, t, state, pre + cand.text)

    def _record(
        self, st: _Open, cand: Candidate, t: float, state: AlertState, reason: str
    ) -> Alert:
        urgent_kind = cand.kind in ("site_threat", "border_crossing")
        priority = 1 if st.escalations else (2 if urgent_kind else 3)
        return Alert(
            time=t,
            alert_id=st.alert_id,
            kind=cand.kind,
            state=state,
            track_id=cand.track_id,
            eta_s=_r(cand.eta_s),
            cls=cand.cls,
            class_prob=_r(cand.class_prob, 3),
            priority=priority,
            reason=reason,
            **cand.fields,
        )
