"""The classifier stage: per-track class beliefs updated recursively as evidence arrives.

`Classifier.update(out, reports)` runs once per tracker step. It evaluates the tracks that
got associated reports this step, new tracks, and confirmed tracks whose posterior is
``refresh_s`` old (the others keep their last posterior, so the cost grows with the tracks that
got new evidence, not with every tentative track of a wide-area picture). For each of them it

1. forgets old report evidence by ``exp(-dt / forget_s)`` (dt since its last evaluation:
   forgetting is multiplicative, so applying it lazily is exact),
2. folds this step's associated reports into per-track sufficient statistics (radar RCS,
   acoustic engine fundamental, RF band and bandwidth, cooperative identity) and tempered
   log-likelihood accumulators (EO/IR class scores),
3. scores the track state (speed, altitude, climb, static flag, IMM manoeuvre probability),
4. computes the posterior ``p(class | evidence)`` in `CLASSES` order, pooled with a learned
   model's posterior over per-track features (`skyfuse.classify.learned`) where one exists.
   The learned model runs at most every ``ml_period_s``, batched over the confirmed tracks
   evaluated since its last run on them.

Correlated evidence is the main way a track classifier becomes overconfident: a target's RCS,
engine note, emitter band, cooperative status and cruise speed are properties of the target,
re-observed by every report. So they enter through hierarchical likelihoods of their sufficient
statistics (a latent per-target value integrated out), never as a product of per-report
likelihoods; the track state (whose covariance already summarises its kinematic history) is
scored once per step, not accumulated. Only EO/IR frames, whose scores vary with aspect, are
accumulated with a temper. Forgetting bounds every report source to about ``forget_s`` of data.

State is one (capacity, W) array with a row (slot) per held track, keyed by a sorted track-id
column; deleted tracks free their slot. No Python loop runs per track or per report: reports
are scattered with ``np.add.at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.classify import likelihood as lk
from skyfuse.classify.bayes import forget_factor, log_linear_pool, posterior
from skyfuse.classify.features import FEATURE_NAMES, N_FEATURES, feature_matrix
from skyfuse.core.kinds import CLASSES, SensorKind
from skyfuse.core.picture import ClassBeliefs, Picture, TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog

if TYPE_CHECKING:
    from skyfuse.classify.learned import LearnedModel

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

C: Final[int] = lk.N_CLASSES


def default_prior() -> F64:
    """Class prior (C,): the air over a front line at night, with a large `unknown` share.

    The hostile share follows shared/notes/domain.md (raids of hundreds, about half decoys);
    `unknown` starts as the most probable class so a track with no evidence reads `unknown`.
    """
    p = dict(
        attack_drone=0.14,
        decoy=0.10,
        multirotor=0.08,
        fixed_wing_uav=0.05,
        bird=0.14,
        aircraft=0.05,
        ground_emitter=0.04,
        unknown=0.40,
    )
    return np.array([p[c] for c in CLASSES], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Tuning of the recursive update. Times in seconds.

    Attributes:
        prior: (C,) class prior, sums to 1.
        forget_s: time constant of exponential forgetting of report evidence (inf = never).
        coop_info_s: seconds of cooperative status (identity seen, or no identity while a
            receiver listens) that count as one observation of it.
        birth_dt_s: dt credited to a track at its first step.
        kin_weight: power on the likelihood of the track state (1 = as modelled).
        tau_rcs, tau_f0, tau_rf, tau_eo: temper (power) on each report source's likelihood.
        tau_man: power on the IMM manoeuvre-probability likelihood.
        rf_eps: probability that an RF report shows another band / bandwidth than the track's
            emitter (misassociation); coop_eps likewise for a step's cooperative status.
        ml_weight: weight of the learned model in the log-linear pool (0 = Bayes only).
        ml_period_s: the learned model is re-run at most once per this many scenario seconds,
            in one batched call over the confirmed tracks evaluated since its last run on them
            (its posterior is kept per track in between; a new track is Bayes-only until the
            next run). 0 = every step.
        eval_period_s: posteriors are computed at most once per this many scenario seconds,
            in one batched evaluation; reports are folded into the statistics on every step.
            0 = every step.
        refresh_s: an evaluation covers the tracks with reports since their last evaluation,
            new tracks, and confirmed tracks whose posterior is this many scenario seconds old;
            other tracks keep their last posterior, so the cost follows the tracks with new
            evidence. 0 = every confirmed track at every evaluation.
        model: per-class likelihood parameters.
    """

    prior: F64 = field(default_factory=default_prior)
    forget_s: float = 60.0
    coop_info_s: float = 5.0
    birth_dt_s: float = 1.0
    kin_weight: float = 1.0
    tau_rcs: float = 0.5
    tau_f0: float = 0.7
    tau_rf: float = 0.7
    tau_eo: float = 0.5
    tau_man: float = 0.3
    rf_eps: float = 0.05
    coop_eps: float = 0.05
    ml_weight: float = 0.5
    ml_period_s: float = 2.0
    eval_period_s: float = 0.5
    refresh_s: float = 1.0
    model: lk.ClassModel = field(default_factory=lk.ClassModel.default)

    def __post_init__(self) -> None:
        p = np.asarray(self.prior, dtype=np.float64)
        if p.shape != (C,) or not np.all(p > 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"ClassifierConfig.prior must be {C} positive numbers summing to 1")
        for name in ("forget_s", "coop_info_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClassifierConfig.{name} must be > 0")
        for name in ("ml_period_s", "eval_period_s", "refresh_s"):
            v = getattr(self, name)
            if not (v >= 0 and np.isfinite(v)):
                raise ValueError(f"ClassifierConfig.{name} must be finite and >= 0, got {v}")
        for name in (
            "kin_weight",
            "tau_rcs",
            "tau_f0",
            "tau_rf",
            "tau_eo",
            "tau_man",
            "ml_weight",
            "rf_eps",
            "coop_eps",
        ):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"ClassifierConfig.{name} must be in [0, 1], got {v}")


STATE_COLUMNS: Final[dict[str, tuple[int, ...]]] = {
    "last_time": (),
    "rcs_n": (),
    "rcs_S": (),
    "rcs_db1": (),
    "rcs_db2": (),
    "f0_n": (),
    "f0_sum": (),
    "rf_band": (lk.N_RF_BANDS,),
    "rf_bw": (lk.N_RF_BW,),
    "eo_n": (),
    "eo_sum": (lk.N_KNOWN,),
    "E_eo": (C,),
    "coop_n": (3,),
    "coop_rep": (2,),
    "ema_w": (),
    "speed_ema": (),
    "alt_ema": (),
    "absclimb_ema": (),
    "p_ml": (lk.N_KNOWN,),
    "has_ml": (),
    "eval_time": (),
    "ml_time": (),
    "bayes": (C,),
    "post": (C,),
    "dirty": (),
}
"""Per-track state columns (trailing shapes): forgotten sums and counts of the evidence (as of
``last_time``, s; reports folded in since then are pre-scaled by ``exp((t - last_time) /
forget_s)``, so forgetting at the next evaluation decays each from its own time), seconds of
cooperative self-reports not yet evaluated (``coop_rep``), the learned model's last posterior
(run at ``ml_time``, s), the Bayesian and returned posteriors computed at ``eval_time`` (s), and
``dirty`` (reports arrived since the last evaluation)."""
NOT_FORGOTTEN: Final[frozenset[str]] = frozenset(
    {"last_time", "p_ml", "has_ml", "eval_time", "ml_time", "bayes", "post", "dirty"}
)


def _column_layout() -> tuple[dict[str, slice], int]:
    """Column slices of `STATE_COLUMNS` in one (m, W) float array, and W."""
    out: dict[str, slice] = {}
    j = 0
    for k, sh in STATE_COLUMNS.items():
        w = int(np.prod(sh)) if sh else 1
        out[k] = slice(j, j + w)
        j += w
    return out, j


_LAYOUT, _WIDTH = _column_layout()
_FORGOTTEN_COLS: Final = np.concatenate(
    [np.arange(sl.start, sl.stop) for k, sl in _LAYOUT.items() if k not in NOT_FORGOTTEN]
)


def coop_table(model: lk.ClassModel, has_adsb_rx: bool, has_rid_rx: bool) -> F64:
    """(C, 3) P(observed cooperative status | class) given which receivers exist.

    A kind no receiver can hear is observed as "none", so its probability folds into that column.
    """
    t = model.coop.copy()
    for col, present in ((lk.COOP_ADSB, has_adsb_rx), (lk.COOP_REMOTE_ID, has_rid_rx)):
        if not present:
            t[:, lk.COOP_NONE] += t[:, col]
            t[:, col] = 0.0
    return t


def coop_kind_of_id(coop_id: NDArray[np.object_]) -> NDArray[np.intp]:
    """COOP_ADSB for 24-bit ICAO addresses (6 hex digits), COOP_REMOTE_ID for any other
    identity, COOP_NONE for None / empty."""
    out = np.full(coop_id.shape, lk.COOP_NONE, dtype=np.intp)
    bound = np.flatnonzero(coop_id != np.array(None, dtype=object))
    if bound.size == 0:
        return out
    ids = coop_id[bound].astype(str)
    icao = (np.char.str_len(ids) == 6) & (np.char.strip(ids, "0123456789abcdefABCDEF") == "")
    kind = np.where(icao, lk.COOP_ADSB, lk.COOP_REMOTE_ID)
    out[bound] = np.where(ids == "", lk.COOP_NONE, kind)
    return out


@dataclass(frozen=True, slots=True)
class Kinematics:
    """Track-state kinematics in the local ENU frame at each track (k,) arrays, SI units."""

    speed_mps: F64
    speed_sd_mps: F64
    alt_m: F64
    alt_sd_m: F64
    climb_mps: F64
    climb_sd_mps: F64


def kinematics(picture: Picture) -> Kinematics:
    """Horizontal speed, height and climb (and their 1-sigma from the covariance) per track."""
    p = picture.state[:, :3]
    v = picture.state[:, 3:]
    frame = picture.frame
    R = frame.local_rotation(p)  # (k, 3, 3) working -> local ENU
    v_enu = np.einsum("kij,kj->ki", R, v)
    Pp = np.einsum("kij,kjl,kml->kim", R, picture.cov[:, :3, :3], R)
    Pv = np.einsum("kij,kjl,kml->kim", R, picture.cov[:, 3:, 3:], R)
    return Kinematics(
        speed_mps=np.hypot(v_enu[:, 0], v_enu[:, 1]),
        speed_sd_mps=np.sqrt(np.maximum(0.5 * (Pv[:, 0, 0] + Pv[:, 1, 1]), 0.0)),
        alt_m=frame.height(p),
        alt_sd_m=np.sqrt(np.maximum(Pp[:, 2, 2], 0.0)),
        climb_mps=v_enu[:, 2],
        climb_sd_mps=np.sqrt(np.maximum(Pv[:, 2, 2], 0.0)),
    )


class Classifier:
    """Recursive Bayesian track classifier (optionally stacked with a learned model).

    Args:
        catalog: the scenario's sensors (each report's sensor kind; which receivers exist).
        config: tuning; defaults documented in `ClassifierConfig`.
        model: optional calibrated learned model over `FEATURE_NAMES`; pooled with the Bayesian
            posterior with weight ``config.ml_weight``.

    State lives in one (capacity, W) array, one row (slot) per held track, reused after a
    track is deleted; ``_ids``/``_slot`` map the sorted track ids to their slots.
    """

    def __init__(
        self,
        catalog: SensorCatalog,
        config: ClassifierConfig | None = None,
        model: LearnedModel | None = None,
    ) -> None:
        self.catalog = catalog
        self.config = config or ClassifierConfig()
        self.model = model
        if model is not None and tuple(model.feature_names) != FEATURE_NAMES:
            raise ValueError(
                "learned model feature names do not match this classifier's FEATURE_NAMES "
                f"({len(model.feature_names)} vs {N_FEATURES}); retrain with `skyfuse train`"
            )
        self._ids: I64 = np.zeros(0, np.int64)
        self._slot: NDArray[np.intp] = np.zeros(0, np.intp)
        self._free: NDArray[np.intp] = np.zeros(0, np.intp)
        self._S: F64 = np.zeros((0, _WIDTH))
        self._s: dict[str, F64] = {}
        self._views()
        self._log_prior = np.log(self.config.prior)
        self._period_s = np.array(
            [sp.report_period_s or sp.scan_period_s or 1.0 for sp in catalog.specs], np.float64
        )
        has_adsb = catalog.sensors_of(SensorKind.ADSB).size > 0
        has_rid = catalog.sensors_of(SensorKind.REMOTE_ID).size > 0
        self._listening = has_adsb or has_rid
        self._coop_table = coop_table(self.config.model, has_adsb, has_rid)
        self._last: tuple[Picture, NDArray[np.intp]] | None = None
        self._next_ml_time = -np.inf
        self._next_eval_time = -np.inf
        self._features: F64 | None = None

    # -- state bookkeeping -----------------------------------------------------------------
    @property
    def track_ids(self) -> I64:
        """Track ids the classifier currently holds state for (sorted)."""
        return self._ids.copy()

    @property
    def capacity(self) -> int:
        """Rows of the state array (grows to the most tracks held at once, never shrinks)."""
        return int(self._S.shape[0])

    def _views(self) -> None:
        """Named column views of the state array (scalar columns as 1-D views)."""
        self._s = {
            k: self._S[:, sl] if STATE_COLUMNS[k] else self._S[:, sl.start]
            for k, sl in _LAYOUT.items()
        }

    def _allocate(self, k: int) -> NDArray[np.intp]:
        """``k`` free slots (the state array doubles when too few are free)."""
        if self._free.size < k:
            cap = self.capacity
            new_cap = max(2 * cap, cap + k - self._free.size, 64)
            grown = np.zeros((new_cap, _WIDTH))
            grown[:cap] = self._S
            self._S = grown
            self._free = np.concatenate([self._free, np.arange(cap, new_cap, dtype=np.intp)])
            self._views()
        out = self._free[self._free.size - k :]
        self._free = self._free[: self._free.size - k]
        return out

    def _align(self, picture: Picture, deleted: I64) -> NDArray[np.intp]:
        """Keep state for the picture's tracks only (frees deleted/vanished tracks' slots),
        give new tracks fresh slots. Returns the slot of each picture track (picture order)."""
        ids = np.asarray(picture.track_id, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        sid = ids[order]
        if sid.size > 1 and bool(np.any(sid[1:] == sid[:-1])):
            raise ValueError("TrackerOutput.picture.track_id has duplicate track ids")
        held = self._ids
        found = np.zeros(sid.size, dtype=bool)
        slot_sorted = np.full(sid.size, -1, dtype=np.intp)
        kept = np.zeros(held.size, dtype=bool)
        if held.size and sid.size:
            pos = np.minimum(np.searchsorted(held, sid), held.size - 1)
            found = held[pos] == sid
            if deleted.size:
                found &= ~np.isin(sid, deleted)  # a re-used id starts from scratch
            slot_sorted[found] = self._slot[pos[found]]
            kept[pos[found]] = True
        gone = self._slot[~kept]
        if gone.size:
            self._free = np.concatenate([self._free, gone])
        new = np.flatnonzero(~found)
        if new.size:
            slots = self._allocate(new.size)
            slot_sorted[new] = slots
            self._S[slots] = 0.0
            s = self._s
            s["last_time"][slots] = picture.time - self.config.birth_dt_s
            s["eval_time"][slots] = -np.inf
            s["ml_time"][slots] = -np.inf
            s["bayes"][slots] = self.config.prior
            s["post"][slots] = self.config.prior
        self._ids = sid
        self._slot = slot_sorted
        slot = np.empty(sid.size, dtype=np.intp)
        slot[order] = slot_sorted
        return slot

    def _forgotten_rows(self, slot: NDArray[np.intp], t: float) -> dict[str, F64]:
        """State rows of ``slot`` with the evidence forgotten up to time ``t`` (s), as a copy
        (the stored rows are forgotten lazily, when their track is next evaluated)."""
        rows = self._S[slot]
        keep = forget_factor(
            np.maximum(t - rows[:, _LAYOUT["last_time"].start], 0.0), self.config.forget_s
        )
        rows[:, _FORGOTTEN_COLS] *= keep[:, None]
        return {
            k: rows[:, sl] if STATE_COLUMNS[k] else rows[:, sl.start] for k, sl in _LAYOUT.items()
        }

    # -- the step --------------------------------------------------------------------------
    def update(self, out: TrackerOutput, reports: Reports) -> ClassBeliefs:
        """Fold one tracker step into the beliefs; returns beliefs for every picture track.

        Associated reports are folded into their tracks' statistics at once. At most every
        ``eval_period_s`` the tracks with reports since their last evaluation, new tracks and
        confirmed tracks whose posterior is ``refresh_s`` old are evaluated; the others keep
        their last posterior (a track not yet evaluated reads the prior).
        """
        pic = out.picture
        slot = self._align(pic, np.asarray(out.deleted, dtype=np.int64))
        s, cfg = self._s, self.config
        t = float(pic.time)
        ri, pi, w = self._matched(out, reports, slot)
        if ri.size:
            ts = slot[pi]
            # pre-scaled so the next evaluation's forgetting decays each report from now
            since = np.minimum(t - s["last_time"][ts], 50.0 * cfg.forget_s)  # no overflow
            growth = 1.0 / forget_factor(since, cfg.forget_s)
            self._report_evidence(ri, ts, w * growth, reports)
            s["dirty"][ts] = 1.0
        if t >= self._next_eval_time:
            self._next_eval_time = t + cfg.eval_period_s
            ev = (s["dirty"][slot] > 0) | ~np.isfinite(s["eval_time"][slot])
            ev |= pic.confirmed() & (s["eval_time"][slot] + cfg.refresh_s <= t + 1e-9)
            e = np.flatnonzero(ev)
            if e.size:
                self._evaluate(pic if e.size == len(pic) else pic.take(e), slot[e], t)
        self._last = (pic, slot)
        self._features = None
        ml_due = self.model is not None and len(pic) > 0 and t >= self._next_ml_time
        if ml_due and self._run_model(pic, slot, t):
            self._next_ml_time = t + cfg.ml_period_s
        return ClassBeliefs(t, pic.track_id.copy(), s["post"][slot])

    def _evaluate(self, sub: Picture, es: NDArray[np.intp], t: float) -> None:
        """Forget, fold cooperative status and track state in, and compute the posterior of
        the tracks of ``sub`` (state slots ``es``) at time ``t`` (s)."""
        s, cfg = self._s, self.config
        # 1. forget (lazily: since each track's last evaluation; pending reports pre-scaled)
        dt = np.maximum(t - s["last_time"][es], 0.0)
        keep = forget_factor(dt, cfg.forget_s)
        self._S[es[:, None], _FORGOTTEN_COLS[None, :]] *= keep[:, None]
        s["last_time"][es] = t
        # 2. cooperative status (bound id or self-reports since the last evaluation)
        self._coop_evidence(sub, es, dt, s["coop_rep"][es])
        s["coop_rep"][es] = 0.0
        s["dirty"][es] = 0.0
        # 3. track state, 4. posterior
        kin = kinematics(sub)
        self._running_means(es, kin, dt)
        log_ev = self._report_log_evidence(es) + self._state_log_evidence(sub, kin)
        bayes = posterior(self._log_prior, log_ev)
        s["bayes"][es] = bayes
        s["eval_time"][es] = t
        s["post"][es] = self._pooled(bayes, es)

    def _run_model(self, pic: Picture, slot: NDArray[np.intp], t: float) -> bool:
        """Learned posterior for the confirmed tracks evaluated since its last run on them
        (one batched call); their returned posteriors are pooled again. False if none was."""
        assert self.model is not None
        s = self._s
        rows = np.flatnonzero(pic.confirmed() & (s["eval_time"][slot] > s["ml_time"][slot]))
        if not rows.size:
            return False
        rs = slot[rows]
        sub = pic if rows.size == len(pic) else pic.take(rows)
        X = feature_matrix(sub, self._forgotten_rows(rs, t), kinematics(sub))
        s["p_ml"][rs] = self.model.predict_proba(X)
        s["has_ml"][rs] = 1.0
        s["ml_time"][rs] = t
        s["post"][rs] = self._pooled(s["bayes"][rs], rs)
        return True

    def _pooled(self, bayes: F64, slots: NDArray[np.intp]) -> F64:
        """Returned posterior: the Bayesian one pooled with the learned one where it exists."""
        has = self._s["has_ml"][slots] > 0
        if not has.any():
            return bayes
        out = bayes.copy()
        out[has] = self._pool(bayes[has], self._s["p_ml"][slots[has]])
        return out

    def _state_log_evidence(self, pic: Picture, kin: Kinematics) -> F64:
        """(n, C) log-likelihood of the current track state; its covariance already carries
        the kinematic history, so it is scored once per evaluation, not accumulated."""
        cfg, m = self.config, self.config.model
        ll = cfg.kin_weight * (
            lk.speed_loglik(kin.speed_mps, kin.speed_sd_mps, m)
            + lk.altitude_loglik(kin.alt_m, kin.alt_sd_m, m)
            + lk.climb_loglik(kin.climb_mps, kin.climb_sd_mps, m)
        )
        ll = ll + lk.bernoulli_loglik(np.asarray(pic.static, dtype=bool), m.p_static)
        if pic.mode_prob.ndim == 2 and pic.mode_prob.shape[1] >= 2:
            ll = ll + cfg.tau_man * lk.manoeuvre_loglik(pic.mode_prob[:, -1], m)
        return np.asarray(ll, dtype=np.float64)

    def _running_means(self, row: NDArray[np.intp], kin: Kinematics, dt: F64) -> None:
        """Forgotten time-averages of speed, height and |climb| (learned-model features)."""
        s = self._s
        s["ema_w"][row] += dt
        s["speed_ema"][row] += dt * kin.speed_mps
        s["alt_ema"][row] += dt * kin.alt_m
        s["absclimb_ema"][row] += dt * np.abs(kin.climb_mps)

    def _coop_evidence(self, pic: Picture, row: NDArray[np.intp], dt: F64, coop_w: F64) -> None:
        """Cooperative status counts, in units of ``coop_info_s``: ADS-B / Remote ID identity
        bound to the track (dt) or self-reports associated since its last evaluation (their
        report interval, ``coop_w``), whichever is larger; "none" (dt) when a receiver listens
        and no identity was seen. A spoof suspect voids all cooperative evidence of the track.
        ``pic``, ``row`` (slots), ``dt`` (s) and ``coop_w`` ((k, 2) s) are aligned."""
        cfg, s = self.config, self._s
        kind = coop_kind_of_id(pic.coop_id)
        w = np.zeros((row.size, 3))
        w[:, :2] = coop_w
        bound = kind != lk.COOP_NONE
        w[bound, kind[bound]] = np.maximum(w[bound, kind[bound]], dt[bound])
        seen = w[:, :2].sum(axis=1) > 0
        if self._listening:
            w[~seen, lk.COOP_NONE] = dt[~seen]
        s["coop_n"][row] += w / cfg.coop_info_s
        spoof = np.asarray(pic.spoof_suspect, dtype=bool)
        s["coop_n"][row[spoof]] = 0.0

    def _matched(
        self, out: TrackerOutput, reports: Reports, slot: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], F64]:
        """This step's associations whose report is in the batch and whose track is in the
        picture: (report row, picture index, weight). Raises on a weight outside [0, 1]."""
        a = out.associations
        none = (np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0))
        if len(a) == 0 or len(reports) == 0 or self._ids.size == 0:
            return none
        order = np.argsort(reports.det_id, kind="stable")
        sorted_det = reports.det_id[order]
        pos = np.minimum(np.searchsorted(sorted_det, a.det_id), sorted_det.size - 1)
        tpos = np.minimum(np.searchsorted(self._ids, a.track_id), self._ids.size - 1)
        ok = (sorted_det[pos] == a.det_id) & (self._ids[tpos] == a.track_id)
        w = np.asarray(a.weight, dtype=np.float64)[ok]
        if not np.all(np.isfinite(w)) or np.any((w < 0) | (w > 1)):
            raise ValueError("Associations.weight must be finite and in [0, 1]")
        # picture index of each matched track: invert slot -> picture index
        pic_of_slot = np.full(self.capacity, -1, dtype=np.intp)
        pic_of_slot[slot] = np.arange(slot.size)
        pi = pic_of_slot[self._slot[tpos[ok]]]
        return order[pos[ok]].astype(np.intp), pi, w

    def _report_evidence(
        self, ri: NDArray[np.intp], ti: NDArray[np.intp], w: F64, reports: Reports
    ) -> None:
        """Scatter matched reports (rows ``ri`` of ``reports``, track slots ``ti``, weights
        ``w``) into their tracks' statistics; cooperative self-reports (ADS-B, Remote ID) add
        their sensor's report interval (s) to ``coop_rep``."""
        if ri.size == 0:
            return
        cfg, m, s = self.config, self.config.model, self._s
        kind = self.catalog.kind[reports.sensor[ri]]
        # radar RCS: hierarchical Swerling-1 sufficient statistics
        rcs = reports.col("rcs_dbsm")[ri]
        sel = (kind == SensorKind.RADAR) & np.isfinite(rcs)
        if sel.any():
            y, ws, tt = rcs[sel], w[sel], ti[sel]
            np.add.at(s["rcs_n"], tt, ws)
            np.add.at(s["rcs_S"], tt, ws * 10.0 ** (y / 10.0))
            np.add.at(s["rcs_db1"], tt, ws * y)
            np.add.at(s["rcs_db2"], tt, ws * y * y)
        # acoustic engine fundamental: count and sum (the mean is the sufficient statistic)
        f0 = reports.col("fundamental_hz")[ri]
        sel = (kind == SensorKind.ACOUSTIC) & np.isfinite(f0)
        if sel.any():
            np.add.at(s["f0_n"], ti[sel], w[sel])
            np.add.at(s["f0_sum"], ti[sel], w[sel] * f0[sel])
        # RF emissions: counts per band and bandwidth bucket
        fr = reports.col("frequency_mhz")[ri]
        sel = (kind == SensorKind.RF_DF) & np.isfinite(fr)
        if sel.any():
            np.add.at(s["rf_band"], (ti[sel], lk.rf_band_index(fr[sel])), w[sel])
            bwi = lk.rf_bandwidth_index(reports.col("bandwidth_mhz")[ri][sel])
            g = bwi >= 0
            np.add.at(s["rf_bw"], (ti[sel][g], bwi[g]), w[sel][g])
        # EO/IR camera class scores: tempered per-frame likelihoods
        if reports.class_scores is not None:
            sc = reports.class_scores[ri]
            sel = (kind == SensorKind.EO_IR) & np.isfinite(sc).all(axis=1)
            if sel.any():
                ll = lk.eo_loglik(sc[sel], m)
                np.add.at(s["E_eo"], ti[sel], (cfg.tau_eo * w[sel])[:, None] * ll)
                np.add.at(s["eo_n"], ti[sel], w[sel])
                np.add.at(s["eo_sum"], ti[sel], w[sel][:, None] * sc[sel])
        # cooperative self-reports: each worth its sensor's report interval
        for col, k in ((0, SensorKind.ADSB), (1, SensorKind.REMOTE_ID)):
            sel = kind == k
            if sel.any():
                period = self._period_s[reports.sensor[ri[sel]]]
                np.add.at(s["coop_rep"], (ti[sel], col), w[sel] * period)

    def _report_log_evidence(self, row: NDArray[np.intp]) -> F64:
        """(n, C) log-likelihood of the tracks' report statistics (``row``: slots)."""
        s, cfg = self._s, self.config
        m = cfg.model
        rcs = lk.rcs_log_marginal(s["rcs_n"][row], s["rcs_S"][row], m)
        f0_n = s["f0_n"][row]
        heard = f0_n > 1e-6
        f0 = np.zeros((row.size, C))
        if heard.any():
            mean = s["f0_sum"][row][heard] / f0_n[heard]
            f0[heard] = lk.f0_loglik(mean, m, f0_n[heard])
        rf = lk.rf_counts_loglik(s["rf_band"][row], s["rf_bw"][row], m, cfg.rf_eps)
        coop = lk.latent_category_loglik(s["coop_n"][row], self._coop_table, cfg.coop_eps)
        return np.asarray(
            s["E_eo"][row] + cfg.tau_rcs * rcs + cfg.tau_f0 * f0 + cfg.tau_rf * rf + coop,
            dtype=np.float64,
        )

    def _pool(self, p_bayes: F64, p_ml: F64) -> F64:
        """Log-linear pool over the known classes; the Bayesian `unknown` mass is kept."""
        p_unknown = p_bayes[:, -1:]
        known = p_bayes[:, :-1] / np.maximum(1.0 - p_unknown, 1e-300)
        pooled = log_linear_pool(known, p_ml, self.config.ml_weight)
        return np.concatenate([pooled * (1.0 - p_unknown), p_unknown], axis=1)

    # -- features for the learned model ----------------------------------------------------
    def features(self) -> F64:
        """(n, F) feature matrix of the last picture's tracks (its order), `FEATURE_NAMES`:
        each track's evidence as of its last evaluation, forgotten to the picture time, and
        the picture's kinematics (computed on demand)."""
        if self._last is None:
            return np.zeros((0, N_FEATURES))
        if self._features is None:
            pic, slot = self._last
            self._features = feature_matrix(
                pic, self._forgotten_rows(slot, float(pic.time)), kinematics(pic)
            )
        return self._features.copy()

    def bayes_posterior(self) -> F64:
        """(n, C) Bayesian posterior alone (before pooling with the learned model) of the last
        picture's tracks, in its order, as of each track's last evaluation."""
        if self._last is None:
            return np.zeros((0, C))
        return np.asarray(self._s["bayes"][self._last[1]], dtype=np.float64)
