"""The classifier stage: per-track class beliefs updated recursively as evidence arrives.

`Classifier.update(out, reports)` runs once per tracker step. For every live track it

1. forgets old report evidence by ``exp(-dt / forget_s)`` (dt since the track's last step),
2. folds this step's associated reports into per-track sufficient statistics (radar RCS,
   acoustic engine fundamental, RF band and bandwidth, cooperative identity) and tempered
   log-likelihood accumulators (EO/IR class scores),
3. scores the track state (speed, altitude, climb, static flag, IMM manoeuvre probability),
4. returns the posterior ``p(class | evidence)`` in `CLASSES` order, optionally pooled with a
   learned model's posterior over per-track features (`skyfuse.classify.learned`).

Correlated evidence is the main way a track classifier becomes overconfident: a target's RCS,
engine note, emitter band, cooperative status and cruise speed are properties of the target,
re-observed by every report. So they enter through hierarchical likelihoods of their sufficient
statistics (a latent per-target value integrated out), never as a product of per-report
likelihoods; the track state (whose covariance already summarises its kinematic history) is
scored once per step, not accumulated. Only EO/IR frames, whose scores vary with aspect, are
accumulated with a temper. Forgetting bounds every report source to about ``forget_s`` of data.

State is a set of (m, ...) arrays keyed by a sorted track-id column; deleted tracks are dropped.
No Python loop runs per track or per report: reports are scattered with ``np.add.at``.
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
        ml_period_s: the learned model is re-run on all tracks at most once per this many
            scenario seconds (its posterior is kept per track in between; a new track is
            Bayes-only until the next run). 0 = every step.
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
    ml_period_s: float = 1.0
    model: lk.ClassModel = field(default_factory=lk.ClassModel.default)

    def __post_init__(self) -> None:
        p = np.asarray(self.prior, dtype=np.float64)
        if p.shape != (C,) or not np.all(p > 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"ClassifierConfig.prior must be {C} positive numbers summing to 1")
        for name in ("forget_s", "coop_info_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClassifierConfig.{name} must be > 0")
        if not self.ml_period_s >= 0:
            raise ValueError("ClassifierConfig.ml_period_s must be >= 0")
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
    "ema_w": (),
    "speed_ema": (),
    "alt_ema": (),
    "absclimb_ema": (),
    "p_ml": (lk.N_KNOWN,),
    "has_ml": (),
}
"""Per-track state columns (trailing shapes): forgotten sums and counts of the evidence, plus
the learned model's last posterior."""
NOT_FORGOTTEN: Final[frozenset[str]] = frozenset({"last_time", "p_ml", "has_ml"})


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
        self._s: dict[str, F64] = {k: np.zeros((0, *sh)) for k, sh in STATE_COLUMNS.items()}
        self._log_prior = np.log(self.config.prior)
        self._period_s = np.array(
            [sp.report_period_s or sp.scan_period_s or 1.0 for sp in catalog.specs], np.float64
        )
        has_adsb = catalog.sensors_of(SensorKind.ADSB).size > 0
        has_rid = catalog.sensors_of(SensorKind.REMOTE_ID).size > 0
        self._listening = has_adsb or has_rid
        self._coop_table = coop_table(self.config.model, has_adsb, has_rid)
        self._last: tuple[Picture, dict[str, F64], Kinematics] | None = None
        self._next_ml_time = -np.inf
        self._features: F64 | None = None
        self._bayes: F64 = np.zeros((0, C))

    # -- state bookkeeping -----------------------------------------------------------------
    @property
    def track_ids(self) -> I64:
        """Track ids the classifier currently holds state for (sorted)."""
        return self._ids.copy()

    def _align(self, picture: Picture, deleted: I64) -> NDArray[np.intp]:
        """Keep state for the picture's tracks only (drops deleted/vanished), add new tracks.

        Returns the state row of each picture track, and leaves the state sorted by id.
        """
        ids = np.asarray(picture.track_id, dtype=np.int64)
        if np.unique(ids).size != ids.size:
            raise ValueError("TrackerOutput.picture.track_id has duplicate track ids")
        keep = np.isin(self._ids, ids) & ~np.isin(self._ids, deleted)
        new_ids = np.setdiff1d(ids, self._ids[keep])
        all_ids = np.concatenate([self._ids[keep], new_ids])
        order = np.argsort(all_ids, kind="stable")
        n_new = new_ids.size
        s_new: dict[str, F64] = {}
        for k, sh in STATE_COLUMNS.items():
            fresh = np.zeros((n_new, *sh))
            if k == "last_time":
                fresh = picture.time - np.full(n_new, self.config.birth_dt_s)
            s_new[k] = np.concatenate([self._s[k][keep], fresh])[order]
        self._ids = all_ids[order]
        self._s = s_new
        return np.searchsorted(self._ids, ids)

    # -- the step --------------------------------------------------------------------------
    def update(self, out: TrackerOutput, reports: Reports) -> ClassBeliefs:
        """Fold one tracker step into the beliefs; returns beliefs for every picture track."""
        pic = out.picture
        row = self._align(pic, np.asarray(out.deleted, dtype=np.int64))
        s = self._s
        t = float(pic.time)
        dt = np.maximum(t - s["last_time"][row], 0.0)
        keep = forget_factor(dt, self.config.forget_s)
        # 1. forget (every held track is in the picture, so stepping `row` steps them all)
        for k, sh in STATE_COLUMNS.items():
            if k not in NOT_FORGOTTEN:
                s[k][row] = s[k][row] * keep.reshape((-1,) + (1,) * len(sh))
        s["last_time"][row] = t
        # 2. reports, then cooperative status (bound id or associated self-reports)
        coop_w = self._report_evidence(out, reports)
        self._coop_evidence(pic, row, dt, coop_w)
        # 3. track state, 4. posterior
        kin = kinematics(pic)
        self._running_means(row, kin, dt)
        log_ev = self._report_log_evidence(row) + self._state_log_evidence(pic, kin)
        probs = posterior(self._log_prior, log_ev)
        self._last = (pic, {k: v[row] for k, v in s.items()}, kin)
        self._features = None
        self._bayes = probs
        if self.model is not None and len(pic):
            if t >= self._next_ml_time:
                s["p_ml"][row] = self.model.predict_proba(self.features())
                s["has_ml"][row] = 1.0
                self._next_ml_time = t + self.config.ml_period_s
            has = s["has_ml"][row] > 0
            if has.any():
                probs = probs.copy()
                probs[has] = self._pool(probs[has], s["p_ml"][row[has]])
        return ClassBeliefs(t, pic.track_id.copy(), probs)

    def _state_log_evidence(self, pic: Picture, kin: Kinematics) -> F64:
        """(n, C) log-likelihood of the current track state; its covariance already carries
        the kinematic history, so it is scored once per step, not accumulated."""
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
        bound to the track (dt) or self-reports associated this step (their report interval),
        whichever is larger; "none" (dt) when a receiver listens and no identity was seen.
        A spoof suspect voids all cooperative evidence of the track."""
        cfg, s = self.config, self._s
        kind = coop_kind_of_id(pic.coop_id)
        w = np.zeros((row.size, 3))
        w[:, :2] = coop_w[row]
        bound = kind != lk.COOP_NONE
        w[bound, kind[bound]] = np.maximum(w[bound, kind[bound]], dt[bound])
        seen = w[:, :2].sum(axis=1) > 0
        if self._listening:
            w[~seen, lk.COOP_NONE] = dt[~seen]
        s["coop_n"][row] += w / cfg.coop_info_s
        spoof = np.asarray(pic.spoof_suspect, dtype=bool)
        s["coop_n"][row[spoof]] = 0.0

    def _report_evidence(self, out: TrackerOutput, reports: Reports) -> F64:
        """Scatter this step's associated reports into their tracks' statistics.

        Returns (m, 2) seconds of cooperative self-reports (ADS-B, Remote ID) per held track.
        """
        coop_w = np.zeros((self._ids.size, 2))
        a = out.associations
        if len(a) == 0 or len(reports) == 0 or self._ids.size == 0:
            return coop_w
        order = np.argsort(reports.det_id, kind="stable")
        sorted_det = reports.det_id[order]
        pos = np.minimum(np.searchsorted(sorted_det, a.det_id), sorted_det.size - 1)
        tpos = np.minimum(np.searchsorted(self._ids, a.track_id), self._ids.size - 1)
        ok = (sorted_det[pos] == a.det_id) & (self._ids[tpos] == a.track_id)
        w = np.asarray(a.weight, dtype=np.float64)[ok]
        if not np.all(np.isfinite(w)) or np.any((w < 0) | (w > 1)):
            raise ValueError("Associations.weight must be finite and in [0, 1]")
        ri = order[pos[ok]]
        ti = tpos[ok]
        if ri.size == 0:
            return coop_w
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
                np.add.at(coop_w[:, col], ti[sel], w[sel] * self._period_s[reports.sensor[ri[sel]]])
        return coop_w

    def _report_log_evidence(self, row: NDArray[np.intp]) -> F64:
        """(n, C) log-likelihood of the tracks' report statistics."""
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
        """(n, F) feature matrix of the last picture's tracks (its order), `FEATURE_NAMES`
        (computed on demand from a snapshot of the step's state)."""
        if self._last is None:
            return np.zeros((0, N_FEATURES))
        if self._features is None:
            self._features = feature_matrix(*self._last)
        return self._features.copy()

    def bayes_posterior(self) -> F64:
        """(n, C) Bayesian posterior alone (before pooling with the learned model) of the last
        picture's tracks, in its order."""
        return self._bayes.copy()
