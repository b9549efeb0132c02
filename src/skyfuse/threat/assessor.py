"""Threat assessment: which hostile-looking track threatens which site, when, and in what order.

`ThreatAssessor.assess(picture, beliefs)` turns the air picture and the class beliefs into a
`ThreatPicture` (columns, one row per track, per track-site pair, per border crossing, per raid,
per launch area, per relay). Everything is computed for all tracks at once with NumPy; the only
Python loops are over borders and over found launch areas.

Model: tracks fly straight at constant velocity (the tracker's own prediction). The cross-track
error at the closest point of approach comes from the track covariance propagated to that time,
so a far track with an uncertain heading gets a low probability of passing within a site's
radius, and a close, well-tracked one a high one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from skyfuse.core.kinds import CLASSES, SensorKind, TargetClass
from skyfuse.core.picture import ClassBeliefs, Picture
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario.model import Context
from skyfuse.threat.context import ThreatContext
from skyfuse.threat.geometry import (
    aim_likelihood,
    closest_approach,
    closing_score,
    first_leftward_crossing,
    goal_posterior,
    horizontal_cov_at,
    left_normal,
    local_covariance,
    pass_within_probability,
    points_relative,
    radius95,
    variance_along,
)
from skyfuse.threat.groups import LaunchArea, LaunchAreaTracker, RaidGrouper, find_launch_areas

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
STR = NDArray[np.str_]

_ATTACK = int(TargetClass.ATTACK_DRONE)
_DECOY = int(TargetClass.DECOY)
_UNKNOWN = int(TargetClass.UNKNOWN)
_EMITTER = int(TargetClass.GROUND_EMITTER)
_THREAT_CLASSES = np.array([_ATTACK, _DECOY, _UNKNOWN])


@dataclass(frozen=True, slots=True)
class ThreatConfig:
    """Tuning of the threat assessment (SI units).

    Hostility: ``p_hostile = p(attack_drone) + p(decoy) + p(unknown) * fast(speed)`` where
    ``fast`` is a smooth band between ``fast_min_mps`` and ``fast_max_mps`` (edges
    ``fast_width_mps`` wide, widened by the speed's own uncertainty): Shahed-class 40-55 m/s is
    inside, birds and airliners outside.
    Cooperative identities (see `cooperative_state`): a track whose ADS-B / Remote ID claim
    agrees with our own non-cooperative sensors counts only its attack-drone and decoy belief,
    times ``coop_discount`` (a fast `unknown` is an aircraft telling us who it is, not a
    threat); a friendly identity is never a threat; a spoof-suspect claim counts at least
    ``spoof_p_hostile`` whatever its class (the object lies about itself); a cooperative-only
    track (no independent confirmation) is assessed like any other.
    """

    fast_min_mps: float = 25.0
    fast_max_mps: float = 90.0
    fast_width_mps: float = 3.0
    fast_mature_s: float = 5.0
    """An `unknown` track counts as fast only in proportion to its age over this, s."""
    coop_discount: float = 0.1
    spoof_p_hostile: float = 0.5
    duplicate_gate_m: float = 300.0
    """A track seen only by non-cooperative sensors that lies within this (plus 3 sigma of both
    tracks) of a cooperative, non-spoofed track and flies its velocity is the same aircraft
    tracked twice: it is treated as that cooperative track, m."""
    duplicate_gate_mps: float = 10.0
    """Velocity part of that gate (plus 3 sigma), m/s."""
    min_p_hostile: float = 0.2
    """Tracks below this are never assessed against sites."""
    horizon_s: float = 1200.0
    """Site threats and border crossings further ahead than this are ignored, s."""
    min_speed_mps: float = 5.0
    """Slower tracks are treated as hovering: they threaten only the site they are over."""
    cross_sigma_floor_m: float = 30.0
    """Added in quadrature to the cross-track sigma (manoeuvre, site extent), m."""
    closing_horizon_s: float = 100.0
    """Intent rule: a hostile track that could reach a site's radius within about this long,
    flying straight at it, and is closing on it (course within ``closing_max_angle_deg`` of the
    bearing) counts as a threat to it off a direct course (doglegs) in proportion to the
    posterior that the site is its goal (`goal_posterior`), s; 0 judges straight courses only."""
    closing_max_angle_deg: float = 45.0
    elsewhere_weight: float = 0.5
    final_approach_s: float = 60.0
    """Final-approach rule: a hostile track that could reach a site's radius within this long
    (flying straight at it, s), closing on it, and whose straight course passes within
    ``final_approach_radii`` radii of it (at the closest approach, less one cross-track sigma)
    is warned by the closing rule whatever its goal posterior: the last chance to warn 60 s
    before arrival when the final turn comes late. 0 switches it off."""
    final_approach_radii: float = 2.0
    """`goal_posterior`: prior weight of "the goal is none of our sites" against 1 per site.
    Larger names a goal off a direct course less readily."""
    final_leg_share: float = 0.5
    """`aim_likelihood`: share of a route flown on its final, straight leg to the site."""
    dogleg_max_deg: float = 60.0
    """`aim_likelihood`: course angle off the bearing to the goal on a dogleg leg, deg."""
    heading_sigma_floor_deg: float = 2.0
    """Floor of a track's course 1-sigma in `aim_likelihood` (turns, wind), deg."""
    overfly_share: float = 0.2
    """Share of hostile drones whose course passes within a site's radius that fly on over
    it (to another goal) instead of ending there: a site further along the same course
    counts ``p_hit (1 - (1 - overfly_share) p_first)``, ``p_first`` the largest p_hit of the
    sites it passes first."""
    min_p_threat: float = 0.05
    """Track-site pairs below this are left out of the threat picture."""
    engagement_tau_s: float = 30.0
    """Urgency = p_threat / priority / (eta + tau): tau keeps imminent threats comparable, s."""
    share_threshold: float = 0.5
    """A border crossing is shared when the belief mass on the partner's classes reaches this."""
    raid_pos_scale_m: float = 3000.0
    raid_vel_scale_mps: float = 10.0
    raid_min_tracks: int = 3
    raid_min_p_hostile: float = 0.5
    launch_min_tracks: int = 5
    launch_gate_m: float = 1000.0
    launch_gate_deg: float = 5.0
    launch_max_sigma_m: float = 5000.0
    launch_memory_s: float = 600.0
    launch_match_m: float = 3000.0
    launch_pairs: int = 300
    launch_max_areas: int = 5
    launch_period_s: float = 5.0
    """Launch areas are re-fitted at most this often, s (their rays change slowly; the last
    fit is reported in between, and its tracks' rays are still remembered every call); 0 =
    every call."""
    relay_gate_m: float = 3000.0
    relay_min_routes: int = 2
    relay_route_back_m: float = 40000.0
    relay_route_ahead_m: float = 5000.0
    seed: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not math.isfinite(float(v)) or (v < 0 and f.name != "seed"):
                raise ValueError(f"ThreatConfig.{f.name}: must be finite and >= 0, got {v}")
        if self.fast_min_mps >= self.fast_max_mps:
            raise ValueError("ThreatConfig.fast_min_mps: must be below fast_max_mps")
        for name in (
            "coop_discount",
            "spoof_p_hostile",
            "min_p_hostile",
            "min_p_threat",
            "share_threshold",
            "final_leg_share",
            "overfly_share",
        ):
            if getattr(self, name) > 1.0:
                raise ValueError(f"ThreatConfig.{name}: a probability must be <= 1")
        if self.raid_min_tracks < 2 or self.launch_min_tracks < 2:
            raise ValueError("ThreatConfig.raid_min_tracks/launch_min_tracks: must be >= 2")


def fast_band(speed_mps: F64, cfg: ThreatConfig, speed_sigma_mps: F64 | float = 0.0) -> F64:
    """Probability (0..1) that a horizontal speed (m/s) is in the attack-drone band.

    The band edges are Gaussian-smoothed by ``sqrt(fast_width^2 + sigma^2)``, where ``sigma`` is
    the 1-sigma of the speed estimate (m/s): a young track with an uncertain speed is not
    declared fast on its first, noisy velocity.
    """
    w = np.sqrt(cfg.fast_width_mps**2 + np.square(speed_sigma_mps))
    return np.asarray(
        ndtr((speed_mps - cfg.fast_min_mps) / w) * ndtr((cfg.fast_max_mps - speed_mps) / w)
    )


class CoopState(IntEnum):
    """What a track's cooperative claim (ADS-B / Remote ID) tells threat assessment."""

    NONE = 0
    """No cooperative claim, or one with no independent confirmation (cooperative-only)."""
    CONSISTENT = 1
    """Identity bound to a track our own non-cooperative sensors see, within gate, not
    spoof-suspect (or a non-cooperative duplicate of such a track)."""
    FRIENDLY = 2
    """A consistent or cooperative-only claim of an identity listed as friendly."""
    SPOOFED = 3
    """The claim disagrees with our sensors (spoof suspect)."""


_COOP_MASK = (1 << int(SensorKind.ADSB)) | (1 << int(SensorKind.REMOTE_ID))
_NONCOOP_MASK = (
    (1 << int(SensorKind.RADAR))
    | (1 << int(SensorKind.ACOUSTIC))
    | (1 << int(SensorKind.RF_DF))
    | (1 << int(SensorKind.EO_IR))
)


def cooperative_state(
    pic: Picture, friendly_ids: frozenset[str], cfg: ThreatConfig, R: F64 | None = None
) -> NDArray[np.int8]:
    """`CoopState` code (n,) of every track of ``pic``.

    A claim is a bound ``coop_id`` or an ADS-B / Remote ID bit in ``sensor_mask`` (a
    cooperative report updated the track recently: it passed the binder's agreement gate, or no
    non-cooperative track was around). It is *consistent* when the track also carries
    non-cooperative evidence (radar, acoustic, RF-DF or EO/IR bits) and is not
    ``spoof_suspect``; cooperative-only otherwise (``NONE``: assessed like any track). A track
    with non-cooperative evidence only that lies within the duplicate gate of a non-spoofed
    claiming track (position within ``duplicate_gate_m`` + 3 sigma, velocity within
    ``duplicate_gate_mps`` + 3 sigma, both horizontal in the local frame) is the same aircraft
    tracked twice and takes that track's state. ``R`` (n, 3, 3): working frame -> local ENU
    rotations (computed when None).
    """
    n = len(pic)
    mask = pic.sensor_mask.astype(np.int64)
    has_id = np.array([c is not None for c in pic.coop_id], dtype=bool).reshape(n)
    claim = has_id | ((mask & _COOP_MASK) != 0)
    seen = (mask & _NONCOOP_MASK) != 0
    spoof = np.asarray(pic.spoof_suspect, dtype=bool)
    friendly = np.zeros(n, bool)
    if friendly_ids:
        friendly = np.array(
            [c is not None and str(c) in friendly_ids for c in pic.coop_id], dtype=bool
        ).reshape(n)
    out = np.full(n, int(CoopState.NONE), dtype=np.int8)
    out[claim & seen & ~spoof] = CoopState.CONSISTENT
    out[friendly & ~spoof] = CoopState.FRIENDLY
    out[claim & spoof] = CoopState.SPOOFED
    honest = np.flatnonzero(claim & ~spoof)
    lone = np.flatnonzero(~claim & seen & ~spoof)
    if len(honest) and len(lone):
        R = pic.frame.local_rotation(pic.state[lone, :3]) if R is None else R[lone]
        dp = np.einsum("aij,abj->abi", R, pic.state[None, honest, :3] - pic.state[lone, None, :3])
        dv = np.einsum("aij,abj->abi", R, pic.state[None, honest, 3:] - pic.state[lone, None, 3:])
        var_p = np.trace(pic.cov[:, :2, :2], axis1=1, axis2=2)
        var_v = np.trace(pic.cov[:, 3:5, 3:5], axis1=1, axis2=2)
        gate_p = cfg.duplicate_gate_m + 3.0 * np.sqrt(var_p[lone, None] + var_p[None, honest])
        gate_v = cfg.duplicate_gate_mps + 3.0 * np.sqrt(var_v[lone, None] + var_v[None, honest])
        near = (np.hypot(dp[..., 0], dp[..., 1]) <= gate_p) & (
            np.hypot(dv[..., 0], dv[..., 1]) <= gate_v
        )
        # the nearest honest claimant in gate lends its state
        d = np.where(near, np.hypot(dp[..., 0], dp[..., 1]), np.inf)
        j = np.argmin(d, axis=1)
        hit = np.isfinite(d[np.arange(len(lone)), j])
        out[lone[hit]] = np.maximum(out[honest[j[hit]]], int(CoopState.CONSISTENT))
    return out


def hostile_probability(
    probs: F64,
    speed_mps: F64,
    cooperative: NDArray[np.bool_] | NDArray[np.int8],
    cfg: ThreatConfig,
    *,
    speed_sigma_mps: F64 | float = 0.0,
    age_s: F64 | float = math.inf,
) -> F64:
    """Probability (n,) that each track is a hostile attacker (attack drone or decoy).

    ``p(attack_drone) + p(decoy) + p(unknown) * fast * maturity``: ``probs`` (n, 8) class
    beliefs in `CLASSES` order; ``speed_mps`` (n,) horizontal speed and ``speed_sigma_mps`` its
    1-sigma; ``age_s`` (n,) time since the track was born, with ``maturity = min(age /
    fast_mature_s, 1)`` (a track's first velocities are the least reliable).
    ``cooperative`` (n,): `CoopState` codes (or booleans: True = consistent). Consistent:
    ``(p(attack_drone) + p(decoy)) * coop_discount`` (a fast unknown that tells us who it is
    and is where it says is not a threat); friendly: 0; spoofed: at least ``spoof_p_hostile``.
    """
    state = np.asarray(cooperative)
    if state.dtype == np.bool_:
        state = np.where(state, int(CoopState.CONSISTENT), int(CoopState.NONE))
    mature = np.clip(np.asarray(age_s, dtype=np.float64) / max(cfg.fast_mature_s, 1e-9), 0, 1)
    fast = fast_band(speed_mps, cfg, speed_sigma_mps) * mature
    named = probs[:, _ATTACK] + probs[:, _DECOY]
    p = named + probs[:, _UNKNOWN] * fast
    p = np.where(state == CoopState.CONSISTENT, named * cfg.coop_discount, p)
    p = np.where(state == CoopState.FRIENDLY, 0.0, p)
    p = np.where(state == CoopState.SPOOFED, np.maximum(p, cfg.spoof_p_hostile), p)
    return np.asarray(np.clip(p, 0.0, 1.0))


def align_beliefs(beliefs: ClassBeliefs, track_id: I64) -> F64:
    """Class probabilities (n, 8) for ``track_id``; tracks without a belief get `unknown` = 1."""
    out = np.zeros((len(track_id), len(CLASSES)))
    out[:, _UNKNOWN] = 1.0
    if len(beliefs) and len(track_id):
        order = np.argsort(beliefs.track_id, kind="stable")
        sid = beliefs.track_id[order]
        pos = np.clip(np.searchsorted(sid, track_id), 0, len(sid) - 1)
        hit = sid[pos] == track_id
        out[hit] = beliefs.probs[order[pos[hit]]]
    return out


@dataclass(frozen=True, slots=True)
class TrackThreats:
    """Per-track assessment (n rows: every confirmed, moving track of the picture).

    ``label``/``class_prob``: most probable class; ``threat_class``/``threat_class_prob``: the
    most probable of attack_drone, decoy, unknown (what an alert names). ``site``: index of the
    site the track reaches first (-1 none) with its ``eta_s`` (inf none) and ``p_threat``.
    ``rank``: engagement order over tracks threatening a site (1 = first, 0 = not ranked).
    ``raid_id``: raid number (-1 none). Positions/velocities in the working frame (m, m/s);
    ``first_time``: when each track was born, s.
    """

    track_id: I64
    first_time: F64
    position: F64
    velocity: F64
    speed_mps: F64
    p_hostile: F64
    label: STR
    class_prob: F64
    threat_class: STR
    threat_class_prob: F64
    sensor_mask: NDArray[np.int32]
    site: NDArray[np.intp]
    eta_s: F64
    p_threat: F64
    urgency: F64
    rank: I64
    raid_id: I64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


@dataclass(frozen=True, slots=True)
class SiteThreats:
    """Track-site pairs with a threat probability of at least ``min_p_threat`` (k rows).

    ``track``: row in `TrackThreats`. ``p_hit``: probability that the straight course passes
    within the radius; ``p_closing``: closing-on-the-site score (see `closing_score`);
    ``on_course`` where ``p_hit >= p_closing``; ``p_threat = p_hostile * max(p_hit, p_closing)``.
    ``eta_s``: on course, time to the closest point of approach (the predicted impact), else
    range / speed (flying straight at it), s; ``eta_radius_s``: time to enter the protected
    radius, s. ``miss_m``: signed cross-track distance at closest approach (m, + = site on the
    left), ``cross_sigma_m`` its 1-sigma. ``range_m``: current horizontal distance.
    ``impact``: predicted impact point, working frame (m) on the ground (the site centre when
    off course); ``impact_r95_m``: 95 % radius of its uncertainty (the site radius off course).
    """

    track: NDArray[np.intp]
    track_id: I64
    site: NDArray[np.intp]
    p_hit: F64
    p_closing: F64
    on_course: NDArray[np.bool_]
    p_threat: F64
    eta_s: F64
    eta_radius_s: F64
    miss_m: F64
    cross_sigma_m: F64
    range_m: F64
    impact: F64
    impact_r95_m: F64
    urgency: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


@dataclass(frozen=True, slots=True)
class BorderCrossings:
    """Predicted crossings into a partner's side of a border, shareable with that partner.

    ``border``: index in the context. ``eta_s``: time to the crossing, s. ``point``: crossing
    point, working frame at the track's height (m); ``point_sigma_m``: its 1-sigma along the
    border. ``shared_class``/``class_prob``: the most probable class the partner may receive and
    its probability; ``p_share``: belief mass on all classes the partner may receive;
    ``p_site_first``: probability that the track ends at one of our sites before the border
    (largest p_hit of the sites it reaches earlier); ``p_cross = p_share (1 - p_site_first)``.
    """

    track: NDArray[np.intp]
    track_id: I64
    border: NDArray[np.intp]
    eta_s: F64
    point: F64
    point_sigma_m: F64
    distance_m: F64
    shared_class: STR
    class_prob: F64
    p_share: F64
    p_site_first: F64
    p_cross: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


@dataclass(frozen=True, slots=True)
class Raids:
    """Raids (r rows): stable number, member count, centroid and mean velocity (working frame),
    the earliest member ETA at a site (inf none), the most targeted site (-1 none) and member
    track ids."""

    raid_id: I64
    n_tracks: I64
    centroid: F64
    velocity: F64
    eta_s: F64
    site: NDArray[np.intp]
    members: tuple[I64, ...]

    def __len__(self) -> int:
        return int(self.raid_id.shape[0])


@dataclass(frozen=True, slots=True)
class Relays:
    """Static RF emitters near hostile routes (e rows): track id, working-frame position (m),
    distance to the nearest hostile route (m), number of routes within the gate, the belief
    that the emitter is a ground relay, and when its track was born (s)."""

    track_id: I64
    first_time: F64
    position: F64
    distance_m: F64
    n_routes: I64
    p_emitter: F64

    def __len__(self) -> int:
        return int(self.track_id.shape[0])


@dataclass(frozen=True, slots=True)
class ThreatPicture:
    """Everything the assessor found at one picture time (s)."""

    time: float
    frame: WorkFrame
    context: ThreatContext
    tracks: TrackThreats
    sites: SiteThreats
    borders: BorderCrossings
    raids: Raids
    launch_areas: tuple[LaunchArea, ...]
    relays: Relays


class ThreatAssessor:
    """Stateful threat assessment: raid numbers and launch-area memory persist between calls.

    Args:
        frame: working frame of the pictures to come.
        context: sites, borders and partners (scenario coordinates; converted here once).
        config: tuning; defaults suit Shahed-class raids.
        friendly_ids: cooperative identities (ICAO 24-bit addresses, Remote ID UAS ids) of
            friendly traffic: never a site threat unless their claim is spoof-suspect.
    """

    def __init__(
        self,
        frame: WorkFrame,
        context: Context,
        config: ThreatConfig | None = None,
        *,
        friendly_ids: frozenset[str] | set[str] | tuple[str, ...] = frozenset(),
    ) -> None:
        self.frame = frame
        self.config = config or ThreatConfig()
        self.friendly_ids = frozenset(str(i) for i in friendly_ids)
        self.context = ThreatContext.build(context, frame)
        c = self.config
        self._raids = RaidGrouper(c.raid_pos_scale_m, c.raid_vel_scale_mps, c.raid_min_tracks)
        self._launch = LaunchAreaTracker(frame, c.launch_memory_s, c.launch_match_m)
        self._rng = np.random.default_rng(c.seed)
        self._next_launch_fit = -math.inf
        self._launch_last: tuple[LaunchArea, ...] = ()

    def assess(self, picture: Picture, beliefs: ClassBeliefs) -> ThreatPicture:
        """Assess one picture. Only confirmed/coasting tracks count; static ones are relay
        candidates. Beliefs are matched to tracks by id (missing ones count as `unknown`)."""
        cfg = self.config
        seen = picture.confirmed()
        moving = picture.take(seen & ~picture.static)
        static = picture.take(seen & picture.static)
        probs = align_beliefs(beliefs, moving.track_id)

        R = self.frame.local_rotation(moving.state[:, :3])
        vel_l = np.einsum("nij,nj->ni", R, moving.state[:, 3:])
        speed = np.hypot(vel_l[:, 0], vel_l[:, 1])
        coop = cooperative_state(moving, self.friendly_ids, cfg, R)
        unit = vel_l[:, :2] / np.maximum(speed, 1e-9)[:, None]
        Pvv = R @ moving.cov[:, 3:, 3:] @ np.swapaxes(R, 1, 2)
        speed_sigma = np.sqrt(np.maximum(variance_along(Pvv[:, :2, :2], unit), 0.0))
        p_host = hostile_probability(
            probs,
            speed,
            coop,
            cfg,
            speed_sigma_mps=speed_sigma,
            age_s=picture.time - moving.first_time,
        )
        label_idx = np.argmax(probs, axis=1) if len(probs) else np.zeros(0, np.intp)
        tc = _THREAT_CLASSES[np.argmax(probs[:, _THREAT_CLASSES], axis=1)] if len(probs) else []
        tc_idx = np.asarray(tc, dtype=np.intp)
        names = np.array(CLASSES)
        rows = np.arange(len(moving))

        sites = self._site_threats(moving, R, vel_l, p_host)
        site, eta, p_thr, urg, rank = self._per_track(len(moving), sites)
        hostile = p_host >= cfg.raid_min_p_hostile
        raid = np.full(len(moving), -1, dtype=np.int64)
        raid[hostile] = self._raids.update(
            picture.time, moving.track_id[hostile], moving.state[hostile]
        )
        tracks = TrackThreats(
            track_id=moving.track_id,
            first_time=moving.first_time,
            position=moving.state[:, :3],
            velocity=moving.state[:, 3:],
            speed_mps=speed,
            p_hostile=p_host,
            label=names[label_idx],
            class_prob=probs[rows, label_idx],
            threat_class=names[tc_idx],
            threat_class_prob=probs[rows, tc_idx],
            sensor_mask=moving.sensor_mask,
            site=site,
            eta_s=eta,
            p_threat=p_thr,
            urgency=urg,
            rank=rank,
            raid_id=raid,
        )
        return ThreatPicture(
            time=picture.time,
            frame=self.frame,
            context=self.context,
            tracks=tracks,
            sites=sites,
            borders=self._border_crossings(moving, R, vel_l, probs, sites),
            raids=_raid_table(tracks),
            launch_areas=self._launch_areas(picture.time, tracks, hostile),
            relays=self._relays(static, beliefs, tracks, hostile),
        )

    # -- sites -----------------------------------------------------------------------------
    def _site_threats(self, pic: Picture, R_all: F64, vel_all: F64, p_all: F64) -> SiteThreats:
        """Track-site pairs; only tracks with p_hostile >= min_p_hostile are assessed."""
        cfg, ctx = self.config, self.context
        sub = np.flatnonzero(p_all >= cfg.min_p_hostile)
        R, p_host = R_all[sub], p_all[sub]
        P_l = local_covariance(R, pic.cov[sub])
        n, m = len(sub), ctx.n_sites
        pos = pic.state[sub, :3]
        rel = points_relative(R, pos, ctx.site_position)[..., :2]
        v2 = vel_all[sub, :2]
        t_cpa, miss = closest_approach(rel, v2, cfg.min_speed_mps)
        C = horizontal_cov_at(P_l, t_cpa)
        speed = np.linalg.norm(v2, axis=1)
        unit = np.where(
            (speed > 0)[:, None], v2 / np.maximum(speed, 1e-9)[:, None], np.array([1.0, 0.0])
        )
        normal = np.broadcast_to(left_normal(unit)[:, None, :], (n, m, 2))
        sigma = np.sqrt(np.maximum(variance_along(C, normal), 0.0) + cfg.cross_sigma_floor_m**2)
        radius = ctx.site_radius_m[None, :]
        p_hit = pass_within_probability(miss, sigma, radius)
        if cfg.closing_horizon_s > 0:
            p_close, tau = closing_score(
                rel,
                v2,
                radius,
                cfg.closing_horizon_s,
                math.radians(cfg.closing_max_angle_deg),
                cfg.min_speed_mps,
            )
        else:  # straight courses only
            p_close, tau = np.zeros_like(p_hit), np.full_like(p_hit, np.inf)
        if m > 1:
            # a course through an earlier site mostly ends there: later sites count less
            earlier = t_cpa[:, None, :] < t_cpa[:, :, None]  # (n, site, site passed first)
            p_first = np.max(np.where(earlier, p_hit[:, None, :], 0.0), axis=2)
            p_hit = p_hit * (1.0 - (1.0 - cfg.overfly_share) * p_first)
        if m and cfg.closing_horizon_s > 0:
            # off a direct course, a site is threatened only as the track's likely goal
            over = np.linalg.norm(rel, axis=-1) <= radius  # already over the site
            goal = self._goal(rel, v2, speed, P_l, radius)
            if cfg.final_approach_s > 0:
                near = (tau <= cfg.final_approach_s) & (
                    np.abs(miss) - sigma <= cfg.final_approach_radii * radius
                )
                goal = np.where(near, 1.0, goal)
            p_close = np.where(over, p_close, p_close * goal)
        on_course = p_hit >= p_close
        dist = np.linalg.norm(rel, axis=-1)
        direct = np.where(speed[:, None] > 0, dist / np.maximum(speed, 1e-9)[:, None], np.inf)
        eta_all = np.where(on_course, t_cpa, direct)
        p_threat = p_host[:, None] * np.maximum(p_hit, p_close)
        keep = (
            (p_host[:, None] >= cfg.min_p_hostile)
            & (p_threat >= cfg.min_p_threat)
            & (eta_all <= cfg.horizon_s)
        )
        ti, si = np.nonzero(keep)
        course = on_course[ti, si]
        t = eta_all[ti, si]
        d = miss[ti, si]
        r = radius[0, si]
        sp = np.maximum(speed[ti], 1e-9)
        inside = np.abs(d) < r
        eta_in = np.where(
            inside, np.maximum(t - np.sqrt(np.maximum(r**2 - d**2, 0.0)) / sp, 0.0), t
        )
        eta_in = np.where(course, eta_in, tau[ti, si])
        # impact point on the ground: local offset (v t, -height) back into the working frame
        h = self.frame.height(pos[ti])
        off = np.concatenate((v2[ti] * t[:, None], -h[:, None]), axis=1)
        impact = pos[ti] + np.einsum("kji,kj->ki", R[ti], off)
        impact = np.where(course[:, None], impact, ctx.site_position[si])
        r95 = np.where(course, radius95(C[ti, si]), r)
        urgency = p_threat[ti, si] / ctx.site_priority[si] / (t + cfg.engagement_tau_s)
        return SiteThreats(
            track=sub[ti].astype(np.intp),
            track_id=pic.track_id[sub[ti]],
            site=si.astype(np.intp),
            p_hit=p_hit[ti, si],
            p_closing=p_close[ti, si],
            on_course=course,
            p_threat=p_threat[ti, si],
            eta_s=t,
            eta_radius_s=eta_in,
            miss_m=d,
            cross_sigma_m=sigma[ti, si],
            range_m=np.linalg.norm(rel[ti, si], axis=1),
            impact=impact,
            impact_r95_m=r95,
            urgency=urgency,
        )

    def _goal(self, rel: F64, v2: F64, speed: F64, P_l: F64, radius: F64) -> F64:
        """(n, m) posterior that each site is the track's goal (`goal_posterior`) from its
        current course: `aim_likelihood` (final leg at the site or a dogleg leg toward it) for
        sites ahead within the horizon; a site the straight course passes within its radius is
        explained by the final-leg term already."""
        cfg = self.config
        unit = v2 / np.maximum(speed, 1e-9)[:, None]
        cross_var = variance_along(P_l[:, 3:5, 3:5], left_normal(unit))
        sigma = np.maximum(
            np.sqrt(np.maximum(cross_var, 0.0)) / np.maximum(speed, 1e-9),
            math.radians(cfg.heading_sigma_floor_deg),
        )
        like = aim_likelihood(
            rel,
            v2,
            radius,
            sigma,
            cfg.final_leg_share,
            math.radians(cfg.dogleg_max_deg),
        )
        reach = np.linalg.norm(rel, axis=-1) <= cfg.horizon_s * speed[:, None]
        like = np.where(reach, like, 0.0)
        return goal_posterior(like, cfg.elsewhere_weight, 1.0 / (2.0 * math.pi))

    @staticmethod
    def _per_track(n: int, s: SiteThreats) -> tuple[NDArray[np.intp], F64, F64, F64, I64]:
        """Primary site (earliest ETA), its ETA and p_threat, best urgency and engagement rank."""
        site = np.full(n, -1, dtype=np.intp)
        eta = np.full(n, np.inf)
        p = np.zeros(n)
        urg = np.zeros(n)
        if len(s):
            order = np.lexsort((-s.p_threat, s.eta_s))  # earliest ETA, then most likely
            _, first = np.unique(s.track[order], return_index=True)
            sel = order[first]
            site[s.track[sel]] = s.site[sel]
            eta[s.track[sel]] = s.eta_s[sel]
            p[s.track[sel]] = s.p_threat[sel]
            np.maximum.at(urg, s.track, s.urgency)
        rank = np.zeros(n, dtype=np.int64)
        ranked = np.flatnonzero(urg > 0)
        order2 = ranked[np.argsort(-urg[ranked], kind="stable")]
        rank[order2] = np.arange(1, len(order2) + 1)
        return site, eta, p, urg, rank

    # -- borders ---------------------------------------------------------------------------
    def _border_crossings(
        self, pic: Picture, R: F64, vel_l: F64, probs: F64, sites: SiteThreats
    ) -> BorderCrossings:
        cfg, ctx = self.config, self.context
        pos = pic.state[:, :3]
        v2 = vel_l[:, :2]
        parts: list[tuple[NDArray[np.intp], NDArray[np.intp], F64, F64, F64, F64, STR, F64, F64]]
        parts = []
        names = np.array(CLASSES)
        for b, (pts, partner) in enumerate(zip(ctx.border_points, ctx.border_partner, strict=True)):
            share = sorted(CLASSES.index(c) for c in ctx.shares(partner))
            if not share or not len(pic):
                continue
            share_idx = np.array(share)
            p_share = probs[:, share_idx].sum(axis=1)
            cand = np.flatnonzero(p_share >= cfg.share_threshold)
            if not len(cand):
                continue
            loc = points_relative(R[cand], pos[cand], pts)[..., :2]
            t, seg, pt = first_leftward_crossing(
                np.zeros((len(cand), 2)), v2[cand], loc[:, :-1], loc[:, 1:], cfg.horizon_s
            )
            hit = np.isfinite(t)
            ti = cand[hit]
            if not len(ti):
                continue
            t, seg, pt = t[hit], seg[hit], pt[hit]
            rows = np.arange(len(ti))
            seg_dir = loc[hit][rows, seg + 1] - loc[hit][rows, seg]
            seg_dir /= np.maximum(np.linalg.norm(seg_dir, axis=1), 1e-9)[:, None]
            speed = np.maximum(np.linalg.norm(v2[ti], axis=1), 1e-9)
            unit = v2[ti] / speed[:, None]
            sin = np.maximum(np.abs(unit[:, 0] * seg_dir[:, 1] - unit[:, 1] * seg_dir[:, 0]), 0.1)
            P_l = local_covariance(R[ti], pic.cov[ti])
            C = horizontal_cov_at(P_l, t[:, None])[:, 0]
            s_cross = np.sqrt(np.maximum(variance_along(C, left_normal(unit)), 0.0))
            off = np.concatenate((pt, np.zeros((len(ti), 1))), axis=1)
            point = pos[ti] + np.einsum("kji,kj->ki", R[ti], off)
            best = share_idx[np.argmax(probs[ti][:, share_idx], axis=1)]
            parts.append(
                (
                    ti.astype(np.intp),
                    np.full(len(ti), b, dtype=np.intp),
                    t,
                    point,
                    s_cross / sin,
                    np.linalg.norm(pt, axis=1),
                    names[best],
                    probs[ti, best],
                    p_share[ti],
                )
            )
        if not parts:
            e = np.zeros(0)
            return BorderCrossings(
                np.zeros(0, np.intp),
                np.zeros(0, np.int64),
                np.zeros(0, np.intp),
                e,
                np.zeros((0, 3)),
                e,
                e,
                np.zeros(0, dtype="<U14"),
                e,
                e,
                e,
                e,
            )
        cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
        # a track that ends at one of our sites first never reaches the border
        t_cross = np.full(len(pic), np.inf)
        np.minimum.at(t_cross, cols[0], cols[2])
        first = sites.eta_s < t_cross[sites.track]
        p_stop = np.zeros(len(pic))
        np.maximum.at(p_stop, sites.track[first], sites.p_hit[first])
        p_site_first = p_stop[cols[0]]
        return BorderCrossings(
            track=cols[0],
            track_id=pic.track_id[cols[0]],
            border=cols[1],
            eta_s=cols[2],
            point=cols[3],
            point_sigma_m=cols[4],
            distance_m=cols[5],
            shared_class=cols[6],
            class_prob=cols[7],
            p_share=cols[8],
            p_site_first=p_site_first,
            p_cross=cols[8] * (1.0 - p_site_first),
        )

    # -- launch areas ----------------------------------------------------------------------
    def _launch_areas(
        self, time: float, tracks: TrackThreats, hostile: NDArray[np.bool_]
    ) -> tuple[LaunchArea, ...]:
        cfg = self.config
        fast = hostile & (tracks.speed_mps >= cfg.min_speed_mps)
        self._launch.remember(
            time, tracks.track_id[fast], tracks.position[fast], tracks.velocity[fast]
        )
        ids, pos, vel = self._launch.rays()
        if len(ids) < cfg.launch_min_tracks:
            self._launch_last = tuple(self._launch.assign(time, []))
            return self._launch_last
        if time < self._next_launch_fit:
            return self._launch_last
        self._next_launch_fit = time + cfg.launch_period_s
        # one tangent plane at the rays' centroid (identity rotation for ENU scenarios)
        centre = pos.mean(axis=0)
        R0 = self.frame.local_rotation(centre)
        p2 = ((pos - centre) @ R0.T)[:, :2]
        v2 = (vel @ R0.T)[:, :2]
        back = -v2 / np.maximum(np.linalg.norm(v2, axis=1), 1e-9)[:, None]
        fits = find_launch_areas(
            p2,
            back,
            min_rays=cfg.launch_min_tracks,
            gate_m=cfg.launch_gate_m,
            gate_per_m=math.tan(math.radians(cfg.launch_gate_deg)),
            max_sigma_m=cfg.launch_max_sigma_m,
            max_areas=cfg.launch_max_areas,
            n_pairs=cfg.launch_pairs,
            rng=self._rng,
        )
        found: list[tuple[F64, F64, I64]] = []
        for f in fits:
            local = np.array([f.point[0], f.point[1], 0.0])
            guess = centre + R0.T @ local
            ground = guess - self.frame.up(guess) * float(self.frame.height(guess))
            found.append((ground, f.cov, ids[f.support]))
        self._launch_last = tuple(self._launch.assign(time, found))
        return self._launch_last

    # -- relays ----------------------------------------------------------------------------
    def _relays(
        self,
        static: Picture,
        beliefs: ClassBeliefs,
        tracks: TrackThreats,
        hostile: NDArray[np.bool_],
    ) -> Relays:
        cfg = self.config
        routes = hostile & (tracks.speed_mps >= cfg.min_speed_mps)
        e = len(static)
        if e == 0 or not routes.any():
            return Relays(
                np.zeros(0, np.int64),
                np.zeros(0),
                np.zeros((0, 3)),
                np.zeros(0),
                np.zeros(0, np.int64),
                np.zeros(0),
            )
        pos = tracks.position[routes]
        R = self.frame.local_rotation(pos)
        rel = points_relative(R, pos, static.state[:, :3])[..., :2]  # (h, e, 2)
        v = np.einsum("hij,hj->hi", R, tracks.velocity[routes])[:, :2]
        unit = v / np.maximum(np.linalg.norm(v, axis=1), 1e-9)[:, None]
        along = np.einsum("hei,hi->he", rel, unit)
        perp = np.abs(unit[:, None, 0] * rel[..., 1] - unit[:, None, 1] * rel[..., 0])
        clipped = np.clip(along, -cfg.relay_route_back_m, cfg.relay_route_ahead_m)
        dist = np.hypot(perp, along - clipped)
        near = dist <= cfg.relay_gate_m
        n_routes = near.sum(axis=0)
        keep = n_routes >= cfg.relay_min_routes
        probs = align_beliefs(beliefs, static.track_id)
        return Relays(
            track_id=static.track_id[keep],
            first_time=static.first_time[keep],
            position=static.state[keep, :3],
            distance_m=dist.min(axis=0)[keep],
            n_routes=n_routes[keep].astype(np.int64),
            p_emitter=probs[keep, _EMITTER],
        )


def _raid_table(tracks: TrackThreats) -> Raids:
    """Summarise raids from the per-track raid numbers."""
    ids = np.unique(tracks.raid_id[tracks.raid_id >= 0])
    members = tuple(tracks.track_id[tracks.raid_id == r] for r in ids)
    r = len(ids)
    centroid = np.zeros((r, 3))
    velocity = np.zeros((r, 3))
    eta = np.full(r, np.inf)
    site = np.full(r, -1, dtype=np.intp)
    for k, rid in enumerate(ids):
        m = tracks.raid_id == rid
        centroid[k] = tracks.position[m].mean(axis=0)
        velocity[k] = tracks.velocity[m].mean(axis=0)
        eta[k] = tracks.eta_s[m].min()
        s = tracks.site[m]
        s = s[s >= 0]
        if len(s):
            site[k] = int(np.bincount(s).argmax())
    return Raids(
        raid_id=ids.astype(np.int64),
        n_tracks=np.array([len(x) for x in members], dtype=np.int64),
        centroid=centroid,
        velocity=velocity,
        eta_s=eta,
        site=site,
        members=members,
    )
