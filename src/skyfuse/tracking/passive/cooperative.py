"""Cooperative self-reports (ADS-B, Remote ID) checked against non-cooperative evidence.

A cooperative report says who an object is and where it claims to be. It is trusted only when
radar or passive tracks agree:

- **bind**: a report whose claimed position (and velocity, when given) passes a chi-square gate
  ``d' (P_track + R) ^-1 d`` against a track with non-cooperative evidence (radar, acoustic,
  RF-DF or EO/IR bits in its `sensor_mask`) binds its identity to that track (`coop_id`);
  several candidates are resolved by assignment on the NIS;
- **agree**: later reports of a bound identity that pass the gate on its track may update it;
- **disagree**: a report of a bound identity that fails the gate on its track is *held* (must
  not update anything); ``spoof_after`` consecutive disagreements flag the identity and its
  track as ``spoof_suspect``;
- **shadow**: an unbound report whose position matches no track, while a non-cooperative track
  within ``shadow_radius_m`` flies the reported velocity, is a position spoof of that track
  (the classic constant-offset spoof): held, and flagged after ``spoof_after`` such reports;
- **alone**: a report with no non-cooperative track around is passed on (the object may be
  outside radar and passive cover); it is not flagged.

Everything is in the working frame (ENU or ECEF metres, m/s); WGS84 reports are converted with
`WorkFrame.to_work` and their local East-North-Up velocities rotated with
`WorkFrame.velocity_from_local`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.stats import chi2 as chi2_dist

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import COOPERATIVE_KINDS, SensorKind
from skyfuse.core.picture import Picture
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking.passive.oosm import cv_process_noise, cv_transition

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
OBJ = NDArray[np.object_]

NONCOOP_MASK = (
    (1 << int(SensorKind.RADAR))
    | (1 << int(SensorKind.ACOUSTIC))
    | (1 << int(SensorKind.RF_DF))
    | (1 << int(SensorKind.EO_IR))
)
"""`sensor_mask` bits that count as non-cooperative evidence."""


class CoopAction(IntEnum):
    """What to do with one cooperative report."""

    UPDATE = 0
    """Agrees with its (bound) non-cooperative track: may update it."""
    HOLD = 1
    """Disagrees with non-cooperative evidence (possible spoof): must not update any track."""
    ALONE = 2
    """No non-cooperative track around: pass on as cooperative-only."""


@dataclass(frozen=True, slots=True)
class CoopReports:
    """n cooperative reports in the working frame.

    Attributes:
        index: (n,) row in the source `Reports`; det_id, time (s), sensor: as there.
        ident: (n,) identity (``icao24`` for ADS-B, ``uas_id`` for Remote ID), str.
        pos: (n, 3) claimed position, m; vel: (n, 3) claimed velocity, m/s (NaN rows if absent).
        R_pos, R_vel: (n, 3, 3) noise covariances (``sigma_pos_m`` / ``sigma_vel_mps`` per local
            axis, or the sensor's ``noise_sigma``), m^2 and m^2/s^2.
    """

    index: I64
    det_id: I64
    time: F64
    sensor: NDArray[np.int32]
    ident: OBJ
    pos: F64
    vel: F64
    R_pos: F64
    R_vel: F64

    def __len__(self) -> int:
        return int(self.time.shape[0])


def coop_from_reports(
    reports: Reports, catalog: SensorCatalog, *, source: str = "reports"
) -> CoopReports:
    """Select ADS-B / Remote ID reports and convert them to the working frame.

    Raises `InputError` (source, line, field) for a report without identity or position, or
    without position noise in the report and the sensor.
    """
    kinds = catalog.kind[reports.sensor] if len(reports) else np.zeros(0, np.int8)
    idx = np.flatnonzero(np.isin(kinds, [int(k) for k in COOPERATIVE_KINDS]))
    r = reports.take(idx)
    n = idx.size
    lines = r.line if r.line is not None else np.zeros(n, np.int64)

    def fail(i: int, fld: str, msg: str) -> InputError:
        return InputError(source, msg, line=int(lines[i]) or None, field=fld)

    is_adsb = catalog.kind[r.sensor] == int(SensorKind.ADSB)
    ident = np.where(is_adsb, r.text_col("icao24"), r.text_col("uas_id"))
    missing = np.flatnonzero(np.array([v is None or v == "" for v in ident], dtype=bool))
    if missing.size:
        i = int(missing[0])
        raise fail(i, "icao24" if is_adsb[i] else "uas_id", "cooperative report without identity")
    frame = catalog.frame
    names = ("lat_deg", "lon_deg", "alt_m") if frame.geodetic else ("x", "y", "z")
    cols = [r.col(k) for k in names]
    for k, c in zip(names, cols, strict=True):
        bad = np.flatnonzero(~np.isfinite(c))
        if bad.size:
            raise fail(int(bad[0]), k, "cooperative report without a finite position")
    pos = frame.to_work(*cols).reshape(n, 3)
    v_local = np.stack([r.col("vx"), r.col("vy"), r.col("vz")], axis=1)
    vel = frame.velocity_from_local(pos, np.nan_to_num(v_local)).reshape(n, 3)
    vel[~np.isfinite(v_local).all(axis=1)] = np.nan
    sp = r.sigma("pos_m")
    sp = np.where(np.isfinite(sp), sp, catalog.default_sigma("pos_m")[r.sensor])
    bad = np.flatnonzero(~(sp > 0.0))
    if bad.size:
        raise fail(int(bad[0]), "sigma_pos_m", "no position noise in report or sensor")
    sv = r.sigma("vel_mps")
    sv = np.where(np.isfinite(sv), sv, catalog.default_sigma("vel_mps")[r.sensor])
    sv = np.where(sv > 0.0, sv, 5.0)
    # Per-local-axis sigmas are isotropic, so the rotation to the working frame leaves them so.
    eye = np.eye(3)[None]
    return CoopReports(
        idx.astype(np.int64),
        r.det_id,
        r.time,
        r.sensor,
        ident.astype(object),
        pos,
        vel,
        (sp**2)[:, None, None] * eye,
        (sv**2)[:, None, None] * eye,
    )


@dataclass(frozen=True, slots=True)
class CoopConfig:
    """Tuning of `CooperativeBinder`.

    Attributes:
        gate_prob: chi-square gate probability (3 dof position, 6 with velocity) to agree.
        conflict_prob: a bound report beyond this chi-square probability disagrees; between
            the two it is inconclusive (held, not counted).
        search_radius_m: tracks farther than this from a claimed position are not candidates.
        shadow_radius_m: how far a velocity-matched track may be from a spoofed position.
        shadow_min_offset_sigma: a shadow must be at least this many sigma away in position.
        shadow_max_speed_sigma: a shadow track's velocity sigma must be below this, m/s.
        spoof_after: consecutive disagreements (or shadow matches) that flag a spoof.
        clear_after: consecutive agreements that clear the flag.
        q: CV process noise (m^2/s^3) to predict tracks to the report time.
        turn_accel_mps2: a claimed acceleration (change of the self-reported velocity between
            reports of one identity) above this marks the claim as manoeuvring, m/s^2.
        settle_s: a disagreement counts towards a spoof flag only this long after the claim's
            last manoeuvre and while the track's manoeuvre-mode probability is below
            ``max_manoeuvre_prob``: a constant-velocity radar track lags a turn by hundreds of
            metres until it catches up, which is the radar's error, not the claim's.
        max_manoeuvre_prob: a track more likely than this in a manoeuvre mode is not judged.
    """

    gate_prob: float = 0.999
    conflict_prob: float = 1.0 - 1e-6
    search_radius_m: float = 3000.0
    shadow_radius_m: float = 20_000.0
    shadow_min_offset_sigma: float = 6.0
    shadow_max_speed_sigma: float = 10.0
    spoof_after: int = 3
    clear_after: int = 20
    q: float = 1.0
    turn_accel_mps2: float = 1.0
    settle_s: float = 15.0
    max_manoeuvre_prob: float = 0.5


@dataclass(frozen=True, slots=True)
class CoopDecision:
    """Per cooperative report: the track it concerns, what to do, the evidence.

    Attributes:
        det_id: (n,) report ids; ident: (n,) identities.
        track_id: (n,) the bound / matched / shadowed track, -1 if none.
        action: (n,) `CoopAction` codes.
        nis: (n,) NIS against ``track_id`` (NaN if none).
        spoof_suspect: (n,) the identity is flagged after this report.
    """

    det_id: I64
    ident: OBJ
    track_id: I64
    action: NDArray[np.int8]
    nis: F64
    spoof_suspect: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.det_id.shape[0])


@dataclass(slots=True)
class _Identity:
    track_id: int = -1
    agree: int = 0
    disagree: int = 0
    spoof: bool = False
    shadow_track: int = -1
    vel: F64 | None = None
    vel_time: float = -np.inf
    turn_time: float = -np.inf

    def claim_manoeuvre(self, time: float, vel: F64, max_gap_s: float, accel_mps2: float) -> None:
        """Note a claimed velocity (m/s, working frame) at ``time`` (s); a change faster than
        ``accel_mps2`` since the previous claim (at most ``max_gap_s`` earlier) marks a turn."""
        if not np.isfinite(vel).all():
            return
        dt = time - self.vel_time
        turned = (
            self.vel is not None
            and 0.0 < dt <= max_gap_s
            and float(np.linalg.norm(vel - self.vel)) > accel_mps2 * dt
        )
        if turned:
            self.turn_time = time
        self.vel, self.vel_time = vel, time


@dataclass(slots=True)
class CooperativeBinder:
    """Binds cooperative identities to non-cooperative tracks and flags spoofs (stateful)."""

    config: CoopConfig = field(default_factory=CoopConfig)
    identities: dict[str, _Identity] = field(default_factory=dict)

    def spoof_tracks(self) -> dict[int, str]:
        """Track id -> identity for every flagged identity (bound or shadowed track)."""
        out: dict[int, str] = {}
        for name, st in self.identities.items():
            if st.spoof:
                tid = st.track_id if st.track_id >= 0 else st.shadow_track
                if tid >= 0:
                    out[tid] = name
        return out

    def bindings(self) -> dict[int, str]:
        """Track id -> identity for trusted (non-spoofed) bindings."""
        return {
            st.track_id: name
            for name, st in self.identities.items()
            if st.track_id >= 0 and not st.spoof
        }

    def forget_tracks(self, deleted: I64) -> None:
        """Drop bindings to deleted tracks."""
        gone = set(int(t) for t in deleted)
        for st in self.identities.values():
            if st.track_id in gone:
                st.track_id = -1
            if st.shadow_track in gone:
                st.shadow_track = -1

    def screen(
        self, coop: CoopReports, picture: Picture, evidence: NDArray[np.bool_] | None = None
    ) -> CoopDecision:
        """Decide on each cooperative report against the picture's tracks (predicted to the
        report times). Reports are taken in time order; identities update their state.

        ``evidence`` (one flag per picture row) marks tracks with *fresh* non-cooperative
        updates; by default every confirmed track with a non-cooperative bit in its
        `sensor_mask`. A bound
        identity whose track has no fresh evidence is not judged (passed on as ``ALONE``)."""
        cfg = self.config
        n = len(coop)
        track_id = np.full(n, -1, np.int64)
        action = np.full(n, int(CoopAction.ALONE), np.int8)
        nis_out = np.full(n, np.nan)
        spoof = np.zeros(n, bool)
        if evidence is None:
            evidence = ((picture.sensor_mask & NONCOOP_MASK) != 0) & picture.confirmed()
        evid = evidence
        tracks = picture.take(np.flatnonzero(evid))
        fresh = {int(t) for t in tracks.track_id}
        if n == 0:
            return CoopDecision(coop.det_id, coop.ident, track_id, action, nis_out, spoof)
        if len(tracks):
            pairs_t, pairs_r, nis, dof, vel_nis = self._gate(coop, tracks)
        else:
            pairs_t = pairs_r = np.zeros(0, np.intp)
            nis = dof = vel_nis = np.zeros(0)
        gate = chi2_dist.ppf(cfg.gate_prob, np.maximum(dof, 1))
        passes = nis <= gate
        conflicts = nis > chi2_dist.ppf(cfg.conflict_prob, np.maximum(dof, 1))
        vel_ok = vel_nis <= chi2_dist.ppf(cfg.gate_prob, 3)
        # Only tracks with a settled velocity can expose a shadow (constant-offset) spoof.
        v_sd = np.sqrt(np.trace(tracks.cov[:, 3:, 3:], axis1=1, axis2=2) / 3.0)
        settled = v_sd <= cfg.shadow_max_speed_sigma
        pos_far = nis >= cfg.shadow_min_offset_sigma**2
        # Unbound reports: assignment over the passing pairs (tracks bound to other identities
        # are excluded; one report per identity per call is enough).
        bound_tracks = {st.track_id for st in self.identities.values() if st.track_id >= 0}
        tid_pairs = tracks.track_id[pairs_t] if pairs_t.size else np.zeros(0, np.int64)
        free_pass = passes & ~np.isin(tid_pairs, list(bound_tracks))
        free_idx = np.flatnonzero(free_pass)
        local = self._assign(pairs_t[free_idx], pairs_r[free_idx], nis[free_idx], n)
        assigned = (
            np.where(local >= 0, free_idx[np.maximum(local, 0)], -1) if free_idx.size else local
        )
        # Tracks in a manoeuvre mode are not judged (their own estimate is not settled).
        manoeuvring = (
            1.0 - tracks.mode_prob[:, 0] > cfg.max_manoeuvre_prob
            if tracks.mode_prob.shape[1] > 1
            else np.zeros(len(tracks), bool)
        )
        # Bookkeeping per report (cooperative reports are few; the maths above is vectorised).
        for i in np.argsort(coop.time, kind="stable"):
            name = str(coop.ident[i])
            st = self.identities.setdefault(name, _Identity())
            st.claim_manoeuvre(float(coop.time[i]), coop.vel[i], 5.0, cfg.turn_accel_mps2)
            mine = pairs_r == i
            if st.track_id >= 0 and np.any(tid_pairs[mine] == st.track_id):
                k = np.flatnonzero(mine & (tid_pairs == st.track_id))[0]
                track_id[i], nis_out[i] = st.track_id, nis[k]
                settled_claim = coop.time[i] - st.turn_time >= cfg.settle_s
                if passes[k]:
                    st.agree, st.disagree = st.agree + 1, 0
                    if st.spoof and st.agree >= cfg.clear_after:
                        st.spoof = False
                    action[i] = CoopAction.HOLD if st.spoof else CoopAction.UPDATE
                elif not conflicts[k] or not settled_claim or manoeuvring[pairs_t[k]]:
                    # Between the gate and the conflict threshold, or judged against a track
                    # that may lag a manoeuvre: inconclusive, not used and not counted.
                    action[i] = CoopAction.HOLD
                else:
                    st.agree, st.disagree = 0, st.disagree + 1
                    st.spoof |= st.disagree >= cfg.spoof_after
                    action[i] = CoopAction.HOLD
            elif st.track_id >= 0 and st.track_id not in fresh:
                # The bound track has no fresh non-cooperative evidence: nothing to judge by.
                track_id[i] = st.track_id
                action[i] = CoopAction.HOLD if st.spoof else CoopAction.ALONE
            elif st.track_id >= 0 and not st.spoof:
                # Bound track out of reach: the claim moved far from the evidence (counted
                # once the claim has flown straight for ``settle_s``).
                if coop.time[i] - st.turn_time >= cfg.settle_s:
                    st.agree, st.disagree = 0, st.disagree + 1
                    st.spoof |= st.disagree >= cfg.spoof_after
                track_id[i] = st.track_id
                action[i] = CoopAction.HOLD
            elif assigned[i] >= 0 and not st.spoof:
                k = int(assigned[i])
                st.track_id = int(tid_pairs[k])
                st.agree, st.disagree = 1, 0
                track_id[i], nis_out[i] = st.track_id, nis[k]
                action[i] = CoopAction.UPDATE
            else:
                shadow = mine & ~passes & vel_ok & pos_far & settled[pairs_t]
                if np.any(shadow):
                    k = np.flatnonzero(shadow)[np.argmin(vel_nis[shadow])]
                    same = st.shadow_track == int(tid_pairs[k])
                    st.shadow_track = int(tid_pairs[k])
                    st.disagree = st.disagree + 1 if same else 1
                    st.spoof |= st.disagree >= cfg.spoof_after
                    track_id[i], nis_out[i] = st.shadow_track, nis[k]
                    action[i] = CoopAction.HOLD
                elif st.spoof:
                    action[i] = CoopAction.HOLD
            spoof[i] = st.spoof
        return CoopDecision(coop.det_id, coop.ident, track_id, action, nis_out, spoof)

    def _gate(
        self, coop: CoopReports, tracks: Picture
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], F64, F64, F64]:
        """Candidate (track, report) pairs within the shadow radius with their NIS values:
        full NIS (position + velocity if given), its dof, and velocity-only NIS."""
        cfg = self.config
        tree = cKDTree(tracks.state[:, :3])
        near = tree.query_ball_point(coop.pos, cfg.shadow_radius_m)
        counts = np.array([len(a) for a in near], dtype=np.intp)
        ti = np.fromiter((j for a in near for j in a), dtype=np.intp, count=int(counts.sum()))
        ri = np.repeat(np.arange(len(coop)), counts)
        dt = coop.time[ri] - tracks.time
        F = cv_transition(dt)
        x = (F @ (tracks.state[ti])[..., None])[..., 0]
        P = (F @ tracks.cov[ti] @ np.swapaxes(F, -1, -2)) + cv_process_noise(dt, cfg.q)
        has_v = np.isfinite(coop.vel[ri]).all(axis=1)
        d = np.concatenate([coop.pos[ri] - x[:, :3], np.nan_to_num(coop.vel[ri]) - x[:, 3:]], 1)
        S = P.copy()
        S[:, :3, :3] += coop.R_pos[ri]
        S[:, 3:, 3:] += coop.R_vel[ri]
        # Position-only rows: drop the velocity block (unit variance, zero residual).
        d[~has_v, 3:] = 0.0
        S[~has_v, 3:, :] = 0.0
        S[~has_v, :, 3:] = 0.0
        S[~has_v, 3:, 3:] = np.eye(3)
        nis = np.sum((d) * ((np.linalg.inv(S)) @ (d)[..., None])[..., 0], axis=-1)
        dv = d[:, 3:]
        Sv = S[:, 3:, 3:]
        vel_nis = np.where(
            has_v, (np.sum((dv) * ((np.linalg.inv(Sv)) @ (dv)[..., None])[..., 0], axis=-1)), np.inf
        )
        dist = np.linalg.norm(d[:, :3], axis=1)
        # Binding candidates must be within the search radius; shadows may be farther.
        nis = np.where(dist <= cfg.search_radius_m, nis, np.maximum(nis, 1e9))
        return ti, ri, nis, np.where(has_v, 6.0, 3.0), vel_nis

    @staticmethod
    def _assign(ti: NDArray[np.intp], ri: NDArray[np.intp], cost: F64, n: int) -> I64:
        """Pair index per report (-1: none) from a min-cost assignment on the passing pairs."""
        out = np.full(n, -1, np.int64)
        if ti.size == 0:
            return out
        pair_idx = np.arange(ti.size)
        tu, tinv = np.unique(ti, return_inverse=True)
        ru, rinv = np.unique(ri, return_inverse=True)
        M = np.full((ru.size, tu.size), 1e12)
        M[rinv, tinv] = cost
        P = np.full((ru.size, tu.size), -1)
        P[rinv, tinv] = pair_idx
        rows, cols = linear_sum_assignment(M)
        ok = M[rows, cols] < 1e12
        out[ru[rows[ok]]] = P[rows[ok], cols[ok]]
        return out
