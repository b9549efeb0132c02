"""The classifier stage: per-track class beliefs updated recursively as evidence arrives.

`Classifier.update(out, reports)` runs once per tracker step. For every live track it

1. forgets old evidence by ``exp(-dt / forget_s)`` (dt since the track's last step),
2. adds tempered log-likelihoods of this step's associated reports (radar RCS, acoustic engine
   fundamental, RF band/bandwidth, EO/IR scores, cooperative identity) and of the track state
   (speed, altitude, climb, static flag, IMM manoeuvre probability) weighted by ``dt``,
3. returns the posterior ``p(class | evidence)`` in `CLASSES` order, optionally pooled with a
   learned model's posterior over per-track features (`skyfuse.classify.learned`).

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
from skyfuse.classify.features import FEATURE_NAMES, N_FEATURES
from skyfuse.core.kinds import CLASSES, SensorKind
from skyfuse.core.picture import ClassBeliefs, Picture, TrackerOutput
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog

if TYPE_CHECKING:
    from skyfuse.classify.learned import LearnedModel

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

C: Final[int] = lk.N_CLASSES
SOURCES: Final[tuple[str, ...]] = ("kin", "static", "man", "coop", "eo")
"""Log-evidence accumulators kept per track. RCS, engine note and RF emission are per-target
properties that every report re-observes, so they are kept as sufficient statistics and scored
with hierarchical (latent per-target) likelihoods instead."""


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
        forget_s: time constant of exponential forgetting of all evidence (inf = never).
        kin_info_s: seconds of track state worth one independent kinematic observation (the
            state is strongly autocorrelated; a 10 s decorrelation time is assumed).
        coop_info_s: likewise for a cooperative identity bound to the track.
        birth_dt_s: dt credited to a track at its first step.
        tau_rcs, tau_f0, tau_rf, tau_eo: temper (power) on each report source's likelihood.
        rf_eps: probability that an RF report shows another band / bandwidth than the track's
            emitter (misassociation).
        tau_man: weight of the IMM manoeuvre probability relative to the other kinematics.
        ml_weight: weight of the learned model in the log-linear pool (0 = Bayes only).
        model: per-class likelihood parameters.
    """

    prior: F64 = field(default_factory=default_prior)
    forget_s: float = 60.0
    kin_info_s: float = 10.0
    coop_info_s: float = 5.0
    birth_dt_s: float = 1.0
    tau_rcs: float = 0.5
    tau_f0: float = 0.7
    tau_rf: float = 0.7
    rf_eps: float = 0.05
    tau_eo: float = 0.5
    tau_man: float = 0.3
    ml_weight: float = 0.5
    model: lk.ClassModel = field(default_factory=lk.ClassModel.default)

    def __post_init__(self) -> None:
        p = np.asarray(self.prior, dtype=np.float64)
        if p.shape != (C,) or not np.all(p > 0) or abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"ClassifierConfig.prior must be {C} positive numbers summing to 1")
        for name in ("forget_s", "kin_info_s", "coop_info_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClassifierConfig.{name} must be > 0")
        for name in ("tau_rcs", "tau_f0", "tau_rf", "tau_eo", "tau_man", "ml_weight", "rf_eps"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"ClassifierConfig.{name} must be in [0, 1], got {v}")


def _state_template() -> dict[str, tuple[int, ...]]:
    """Per-track state columns and their trailing shapes."""
    cols: dict[str, tuple[int, ...]] = {f"E_{s}": (C,) for s in SOURCES}
    cols.update(
        last_time=(),
        rcs_n=(),
        rcs_S=(),
        rcs_db1=(),
        rcs_db2=(),
        f0_n=(),
        f0_sum=(),
        rf_band=(lk.N_RF_BANDS,),
        rf_bw=(lk.N_RF_BW,),
        eo_n=(),
        eo_sum=(lk.N_KNOWN,),
        coop_n=(3,),
        ema_w=(),
        speed_ema=(),
        alt_ema=(),
        absclimb_ema=(),
    )
    return cols


def coop_kind_of_id(coop_id: NDArray[np.object_]) -> NDArray[np.intp]:
    """COOP_ADSB for 24-bit ICAO addresses (6 hex digits), COOP_REMOTE_ID for any other
    identity, COOP_NONE for None / empty."""
    out = np.full(coop_id.shape, lk.COOP_NONE, dtype=np.intp)
    for i, v in enumerate(coop_id.tolist()):  # one string check per bound identity
        if v is None or v == "":
            continue
        s = str(v)
        is_icao = len(s) == 6 and all(ch in "0123456789abcdefABCDEF" for ch in s)
        out[i] = lk.COOP_ADSB if is_icao else lk.COOP_REMOTE_ID
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
        catalog: the scenario's sensors (to know each report's sensor kind).
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
        self._template = _state_template()
        self._ids: I64 = np.zeros(0, np.int64)
        self._s: dict[str, F64] = {k: np.zeros((0, *sh)) for k, sh in self._template.items()}
        self._log_prior = np.log(self.config.prior)
        self._period_s = np.array(
            [sp.report_period_s or sp.scan_period_s or 1.0 for sp in catalog.specs], np.float64
        )
        self._features: F64 = np.zeros((0, N_FEATURES))
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
        for k, sh in self._template.items():
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
        cfg = self.config
        s = self._s
        t = float(pic.time)
        dt = np.maximum(t - s["last_time"][row], 0.0)
        keep = forget_factor(dt, cfg.forget_s)
        # 1. forget (only the picture's tracks are stepped; every held track is in the picture)
        for k, sh in self._template.items():
            if k != "last_time":
                s[k][row] = s[k][row] * keep.reshape((-1,) + (1,) * len(sh))
        s["last_time"][row] = t
        # 2. state evidence
        kin = kinematics(pic) if len(pic) else None
        if kin is not None:
            self._state_evidence(pic, kin, row, dt)
        # 3. report evidence, then cooperative identity (bound id or associated self-reports)
        coop_w = self._report_evidence(out, reports)
        self._coop_evidence(pic, row, dt, coop_w)
        # 4. posterior
        probs = self._posterior(row)
        self._features = self._feature_matrix(pic, row, kin)
        self._bayes = probs
        if self.model is not None and len(pic):
            probs = self._pool(probs, self.model.predict_proba(self._features))
        return ClassBeliefs(t, pic.track_id.copy(), probs)

    def _state_evidence(
        self, pic: Picture, kin: Kinematics, row: NDArray[np.intp], dt: F64
    ) -> None:
        cfg, m, s = self.config, self.config.model, self._s
        w_kin = dt / cfg.kin_info_s
        ll = (
            lk.speed_loglik(kin.speed_mps, kin.speed_sd_mps, m)
            + lk.altitude_loglik(kin.alt_m, kin.alt_sd_m, m)
            + lk.climb_loglik(kin.climb_mps, kin.climb_sd_mps, m)
        )
        s["E_kin"][row] += w_kin[:, None] * ll
        s["E_static"][row] += w_kin[:, None] * lk.bernoulli_loglik(pic.static, m.p_static)
        if pic.mode_prob.ndim == 2 and pic.mode_prob.shape[1] >= 2:
            man = lk.manoeuvre_loglik(pic.mode_prob[:, -1], m)
            s["E_man"][row] += (cfg.tau_man * w_kin)[:, None] * man
        # running means of kinematics for the learned features
        a = w_kin
        s["ema_w"][row] += a
        s["speed_ema"][row] += a * kin.speed_mps
        s["alt_ema"][row] += a * kin.alt_m
        s["absclimb_ema"][row] += a * np.abs(kin.climb_mps)

    def _coop_evidence(self, pic: Picture, row: NDArray[np.intp], dt: F64, coop_w: F64) -> None:
        """Cooperative identity: ADS-B or Remote ID bound to the track (weight dt / coop_info_s)
        or self-reports associated this step (each worth its report interval / coop_info_s),
        whichever is larger. A spoof suspect voids all cooperative evidence of the track."""
        cfg, m, s = self.config, self.config.model, self._s
        kind = coop_kind_of_id(pic.coop_id)
        w = coop_w[row].copy()  # (n, 2): ADS-B, Remote ID
        bound = kind != lk.COOP_NONE
        w[bound, kind[bound]] = np.maximum(w[bound, kind[bound]], dt[bound] / cfg.coop_info_s)
        ll = np.log(m.coop[:, :2]).T  # (2, C)
        s["E_coop"][row] += w @ ll
        s["coop_n"][row, :2] += w
        spoof = np.asarray(pic.spoof_suspect, dtype=bool)
        s["E_coop"][row[spoof]] = 0.0
        s["coop_n"][row[spoof]] = 0.0

    def _report_evidence(self, out: TrackerOutput, reports: Reports) -> F64:
        """Scatter this step's associated reports into their tracks' accumulators.

        Returns (m, 2) weights of cooperative self-reports (ADS-B, Remote ID) per held track.
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
        # acoustic engine fundamental
        f0 = reports.col("fundamental_hz")[ri]
        sel = (kind == SensorKind.ACOUSTIC) & np.isfinite(f0)
        if sel.any():
            np.add.at(s["f0_n"], ti[sel], w[sel])
            np.add.at(s["f0_sum"], ti[sel], w[sel] * f0[sel])
        # RF emissions
        fr = reports.col("frequency_mhz")[ri]
        sel = (kind == SensorKind.RF_DF) & np.isfinite(fr)
        if sel.any():
            bw = reports.col("bandwidth_mhz")[ri][sel]
            np.add.at(s["rf_band"], (ti[sel], lk.rf_band_index(fr[sel])), w[sel])
            bwi = lk.rf_bandwidth_index(bw)
            g = bwi >= 0
            np.add.at(s["rf_bw"], (ti[sel][g], bwi[g]), w[sel][g])
        # EO/IR camera class scores
        if reports.class_scores is not None:
            sc = reports.class_scores[ri]
            sel = (kind == SensorKind.EO_IR) & np.isfinite(sc).all(axis=1)
            if sel.any():
                ll = lk.eo_loglik(sc[sel], m)
                np.add.at(s["E_eo"], ti[sel], (cfg.tau_eo * w[sel])[:, None] * ll)
                np.add.at(s["eo_n"], ti[sel], w[sel])
                np.add.at(s["eo_sum"], ti[sel], w[sel][:, None] * sc[sel])
        # cooperative self-reports: each worth its sensor's report interval of identity
        for col, k in ((0, SensorKind.ADSB), (1, SensorKind.REMOTE_ID)):
            sel = kind == k
            if sel.any():
                wt = w[sel] * self._period_s[reports.sensor[ri[sel]]] / cfg.coop_info_s
                np.add.at(coop_w[:, col], ti[sel], wt)
        return coop_w

    def _log_evidence(self, row: NDArray[np.intp]) -> F64:
        s, cfg = self._s, self.config
        e = sum((s[f"E_{k}"][row] for k in SOURCES), start=np.zeros((row.size, C)))
        m = cfg.model
        rcs = lk.rcs_log_marginal(s["rcs_n"][row], s["rcs_S"][row], m)
        f0_n = s["f0_n"][row]
        heard = f0_n > 1e-6
        f0_mean = np.where(heard, s["f0_sum"][row] / np.where(heard, f0_n, 1.0), 0.0)
        f0 = np.where(heard[:, None], lk.f0_loglik(f0_mean, m, f0_n), 0.0)
        rf = lk.rf_counts_loglik(s["rf_band"][row], s["rf_bw"][row], m, cfg.rf_eps)
        return np.asarray(
            e + cfg.tau_rcs * rcs + cfg.tau_f0 * f0 + cfg.tau_rf * rf, dtype=np.float64
        )

    def _posterior(self, row: NDArray[np.intp]) -> F64:
        return posterior(self._log_prior, self._log_evidence(row))

    def _pool(self, p_bayes: F64, p_ml: F64) -> F64:
        """Log-linear pool over the known classes; the Bayesian `unknown` mass is kept."""
        p_unknown = p_bayes[:, -1:]
        known = p_bayes[:, :-1] / np.maximum(1.0 - p_unknown, 1e-300)
        pooled = log_linear_pool(known, p_ml, self.config.ml_weight)
        return np.concatenate([pooled * (1.0 - p_unknown), p_unknown], axis=1)

    # -- features for the learned model ----------------------------------------------------
    def _feature_matrix(self, pic: Picture, row: NDArray[np.intp], kin: Kinematics | None) -> F64:
        from skyfuse.classify.features import feature_matrix

        return feature_matrix(pic, {k: v[row] for k, v in self._s.items()}, kin)

    def features(self) -> F64:
        """(n, F) feature matrix of the last picture's tracks (its order), `FEATURE_NAMES`."""
        return self._features.copy()

    def bayes_posterior(self) -> F64:
        """(n, C) Bayesian posterior alone (before pooling with the learned model) of the last
        picture's tracks, in its order."""
        return self._bayes.copy()
