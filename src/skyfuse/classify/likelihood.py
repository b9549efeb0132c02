"""Per-sensor class likelihood models: pure, vectorised functions of evidence -> (k, C) log-lik.

Every function returns natural-log likelihoods ``log p(evidence | class)`` with one column per
class in `skyfuse.core.kinds.CLASSES` order (``C = 8``, ``unknown`` last). Each is a normalised
density (or probability mass) over its evidence for every class, so classes compete fairly; the
tests integrate them. ``unknown`` is modelled as a broad "something else" background density on
every feature: it loses only when a known class explains the evidence better than the background,
which keeps ``unknown`` honest when evidence is thin.

Where the numbers come from (`ClassModel.default()`): the simulator's class models
(``skyfuse.sim.population``, itself from ``shared/notes/domain.md`` section 1), which draw each
target's properties uniformly from a range; a uniform U(a, b) is matched here by a normal with
mean (a + b) / 2 and sd (b - a) / sqrt(12), widened by 20-40 % for model mismatch and to cover
the ranges of mixed-demo's generator:

=============== ========= ================ ============ =========== ========================
class           speed m/s altitude m        RCS dBsm     engine Hz   RF (MHz / bandwidth)
=============== ========= ================ ============ =========== ========================
attack_drone    42-51     30 % 50-300,      -10..-3      100-130     30 % link: 868, 915 (0.5),
                          70 % 1000-4000                             2400 (2 MHz)
decoy           40-48     as attack         -14..-7      150-200     20 % relay: 868 (0.5)
multirotor      0-20      20-150            -20..-12     150-300     5800 (20), Remote ID
fixed_wing_uav  20-35     100-1500          -15..-5      80-150      50 %: 915 (0.5), Remote ID
bird            8-20      10-300            -30..-20     silent      none
aircraft        100-250   3000-11000        10..25       50-90       none, ADS-B
ground_emitter  0         1.5-10            (no echo)    silent      868 (0.5) relay, 2400 (2)
=============== ========= ================ ============ =========== ========================

Cross-checked against ``shared/scenarios/mixed-demo/targets.csv`` (another generator): attack
RCS -10..-3 dBsm and 104-125 Hz, decoy 151-195 Hz, bird -27..-20 dBsm, aircraft 61-77 Hz,
relay 868 MHz / 0.5 MHz, attack-drone links at 868, 915 and 2400 MHz with 2-10 MHz bandwidth.
Radar RCS reports are Swerling 1 about the target's mean (``sensors.json`` ``rcs_model``);
acoustic fundamental noise sigma by class comes from ``mixed-demo/sensors.json`` (attack 1.5,
decoy 2, multirotor 8, fixed-wing 2, aircraft 2 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, log_ndtr

from skyfuse.core.kinds import CLASSES, TargetClass

F64 = NDArray[np.float64]

N_CLASSES: Final[int] = len(CLASSES)
N_KNOWN: Final[int] = N_CLASSES - 1
UNKNOWN: Final[int] = int(TargetClass.UNKNOWN)

RF_BANDS_MHZ: Final[tuple[tuple[float, float], ...]] = (
    (433.05, 434.79),
    (868.0, 868.6),
    (902.0, 928.0),
    (2400.0, 2483.5),
    (5725.0, 5875.0),
)
"""ISM / SRD bands an RF-DF sensor watches (MHz); a report outside all of them is band 'other'."""
N_RF_BANDS: Final[int] = len(RF_BANDS_MHZ) + 1
RF_BANDWIDTH_EDGES_MHZ: Final[tuple[float, float]] = (1.0, 15.0)
"""Bandwidth buckets: narrow < 1 MHz (telemetry, LoRa), medium 1-15 (control links, cellular;
mixed-demo attack-drone links use 2 and 10 MHz), wide >= 15 (video downlinks, 20 MHz)."""
N_RF_BW: Final[int] = len(RF_BANDWIDTH_EDGES_MHZ) + 1

ACOUSTIC_BAND_HZ: Final[tuple[float, float]] = (40.0, 400.0)
"""Engine fundamentals an acoustic node reports, Hz; the background density is uniform on it."""

LN10_10: Final[float] = float(np.log(10.0) / 10.0)
"""d(ln power)/d(dB)."""
DB_PER_NEPER: Final[float] = 1.0 / LN10_10
RCS_Q_INFLATION: Final[float] = 1.5

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(24)
GH_NODES: Final[F64] = np.sqrt(2.0) * _GH_X
"""Gauss-Hermite nodes for E[f(m)], m ~ N(0, 1): E = sum(GH_LOGW.exp() * f(GH_NODES))."""
GH_LOGW: Final[F64] = np.log(_GH_W / np.sqrt(np.pi))


def logsumexp(a: F64, axis: int) -> F64:
    """log(sum(exp(a))) along an axis, stable; -inf where every term is -inf.

    A lean replacement for `scipy.special.logsumexp` (whose array-API dispatch costs more than
    the arithmetic on the small arrays of one tracker step)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return np.asarray(np.squeeze(out, axis=axis), dtype=np.float64)


def _arr(values: dict[str, float]) -> F64:
    """A per-class parameter vector in `CLASSES` order from a {label: value} mapping."""
    missing = set(CLASSES) - set(values)
    if missing:
        raise ValueError(f"class parameter table misses {sorted(missing)}")
    return np.array([values[c] for c in CLASSES], dtype=np.float64)


def _table(rows: dict[str, tuple[float, ...]]) -> F64:
    """A per-class categorical table (C, K), rows normalised to sum 1."""
    t = np.array([rows[c] for c in CLASSES], dtype=np.float64)
    return np.asarray(t / t.sum(axis=1, keepdims=True), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ClassModel:
    """Per-class parameters of every likelihood model (arrays of length C in `CLASSES` order).

    Attributes:
        speed_mean_mps, speed_sd_mps: horizontal ground speed, m/s (normal truncated at 0).
        alt_weight, alt_mean_m, alt_sd_m: (C, 2) two-component normal mixture of the altitude
            above the frame's zero (ENU z or WGS-84 height), m (hostiles cruise low or high).
        climb_sd_mps: spread of the vertical speed about 0 in level flight, m/s.
        dive_weight, dive_climb_mps, dive_sd_mps: a second climb component for terminal dives
            (attack drones and decoys dive on their site at a slope >= 0.5, i.e. about
            -0.5 x 46 m/s; `skyfuse.sim.motion` DIVE_SLOPE), m/s.
        rcs_mean_dbsm, rcs_sd_db: distribution of a target's mean RCS (dBsm) within the class;
            single reports fluctuate about it as Swerling 1.
        f0_mean_hz, f0_sd_hz: distribution of a target's engine fundamental within the class, Hz
            (NaN mean: the class makes no engine note, background density).
        f0_noise_hz: 1-sigma noise of one acoustic fundamental report about the target's own, Hz.
        rf_band: (C, N_RF_BANDS) P(band of an RF report | class).
        rf_bw: (C, N_RF_BW) P(bandwidth bucket | class).
        p_static: P(tracker flags the track static | class).
        coop: (C, 3) P(cooperative identity seen = ADS-B, Remote ID, none | class).
        man_beta: (C, 2) Beta(a, b) of the IMM manoeuvre-mode probability per class.
        eo_floor: mixing weight of a uniform floor in the EO/IR score likelihood (camera errors).
        f0_clutter: probability an acoustic report on a track is clutter / another source.
    """

    speed_mean_mps: F64
    speed_sd_mps: F64
    alt_weight: F64
    alt_mean_m: F64
    alt_sd_m: F64
    climb_sd_mps: F64
    dive_weight: F64
    dive_climb_mps: F64
    dive_sd_mps: F64
    rcs_mean_dbsm: F64
    rcs_sd_db: F64
    f0_mean_hz: F64
    f0_sd_hz: F64
    f0_noise_hz: F64
    rf_band: F64
    rf_bw: F64
    p_static: F64
    coop: F64
    man_beta: F64
    eo_floor: float = 0.3
    f0_clutter: float = 0.2

    @staticmethod
    def default() -> ClassModel:
        """The documented defaults (see the module docstring for sources)."""
        nan = float("nan")
        flat_band = (1.0,) * N_RF_BANDS
        flat_bw = (1.0,) * N_RF_BW
        # altitude mixtures: (weight, mean m, sd m) x 2 per class
        alt = {
            "attack_drone": ((0.3, 175.0, 90.0), (0.7, 2500.0, 1000.0)),
            "decoy": ((0.3, 175.0, 90.0), (0.7, 2500.0, 1000.0)),
            "multirotor": ((1.0, 110.0, 80.0), (0.0, 110.0, 80.0)),
            "fixed_wing_uav": ((1.0, 800.0, 480.0), (0.0, 800.0, 480.0)),
            "bird": ((1.0, 180.0, 130.0), (0.0, 180.0, 130.0)),
            "aircraft": ((1.0, 7000.0, 2700.0), (0.0, 7000.0, 2700.0)),
            "ground_emitter": ((1.0, 5.0, 15.0), (0.0, 5.0, 15.0)),
            "unknown": ((1.0, 2000.0, 5000.0), (0.0, 2000.0, 5000.0)),
        }
        alt_arr = np.array([alt[c] for c in CLASSES], dtype=np.float64)  # (C, 2, 3)
        return ClassModel(
            speed_mean_mps=_arr(
                dict(
                    attack_drone=47.0,
                    decoy=44.5,
                    multirotor=10.0,
                    fixed_wing_uav=27.5,
                    bird=14.0,
                    aircraft=175.0,
                    ground_emitter=0.0,
                    unknown=40.0,
                )
            ),
            speed_sd_mps=_arr(
                dict(
                    attack_drone=4.0,
                    decoy=3.5,
                    multirotor=7.0,
                    fixed_wing_uav=5.2,
                    bird=5.0,
                    aircraft=52.0,
                    ground_emitter=0.5,
                    unknown=80.0,
                )
            ),
            alt_weight=alt_arr[:, :, 0],
            alt_mean_m=alt_arr[:, :, 1],
            alt_sd_m=alt_arr[:, :, 2],
            climb_sd_mps=_arr(
                dict(
                    attack_drone=2.5,
                    decoy=2.5,
                    multirotor=2.0,
                    fixed_wing_uav=2.0,
                    bird=1.5,
                    aircraft=6.0,
                    ground_emitter=0.3,
                    unknown=10.0,
                )
            ),
            dive_weight=_arr(dict.fromkeys(CLASSES, 0.0) | dict(attack_drone=0.2, decoy=0.2)),
            dive_climb_mps=np.full(len(CLASSES), -25.0),
            dive_sd_mps=np.full(len(CLASSES), 10.0),
            rcs_mean_dbsm=_arr(
                dict(
                    attack_drone=-6.5,
                    decoy=-9.5,
                    multirotor=-16.0,
                    fixed_wing_uav=-10.0,
                    bird=-25.0,
                    aircraft=17.5,
                    ground_emitter=-10.0,
                    unknown=-10.0,
                )
            ),
            rcs_sd_db=_arr(
                dict(
                    attack_drone=2.6,
                    decoy=3.2,
                    multirotor=2.7,
                    fixed_wing_uav=3.4,
                    bird=3.4,
                    aircraft=5.0,
                    ground_emitter=10.0,
                    unknown=15.0,
                )
            ),
            f0_mean_hz=_arr(
                dict(
                    attack_drone=115.0,
                    decoy=175.0,
                    multirotor=225.0,
                    fixed_wing_uav=115.0,
                    bird=nan,
                    aircraft=70.0,
                    ground_emitter=nan,
                    unknown=nan,
                )
            ),
            f0_sd_hz=_arr(
                dict(
                    attack_drone=10.0,
                    decoy=17.0,
                    multirotor=50.0,
                    fixed_wing_uav=24.0,
                    bird=nan,
                    aircraft=14.0,
                    ground_emitter=nan,
                    unknown=nan,
                )
            ),
            f0_noise_hz=_arr(
                dict(
                    attack_drone=1.5,
                    decoy=2.0,
                    multirotor=8.0,
                    fixed_wing_uav=2.0,
                    bird=nan,
                    aircraft=2.0,
                    ground_emitter=nan,
                    unknown=nan,
                )
            ),
            # bands: 433, 868, 915, 2400, 5800, other
            rf_band=_table(
                dict(
                    attack_drone=(0.01, 0.32, 0.32, 0.32, 0.02, 0.01),
                    decoy=(0.02, 0.90, 0.03, 0.03, 0.01, 0.01),
                    multirotor=(0.01, 0.01, 0.02, 0.10, 0.84, 0.02),
                    fixed_wing_uav=(0.02, 0.05, 0.80, 0.07, 0.04, 0.02),
                    bird=flat_band,
                    aircraft=flat_band,
                    ground_emitter=(0.02, 0.50, 0.02, 0.44, 0.01, 0.01),
                    unknown=flat_band,
                )
            ),
            # bandwidth: narrow < 1 MHz, medium 1-15, wide >= 15
            rf_bw=_table(
                dict(
                    attack_drone=(0.60, 0.38, 0.02),
                    decoy=(0.90, 0.08, 0.02),
                    multirotor=(0.03, 0.07, 0.90),
                    fixed_wing_uav=(0.80, 0.15, 0.05),
                    bird=flat_bw,
                    aircraft=flat_bw,
                    ground_emitter=(0.50, 0.48, 0.02),
                    unknown=flat_bw,
                )
            ),
            p_static=_arr(
                dict(
                    attack_drone=0.002,
                    decoy=0.002,
                    multirotor=0.05,
                    fixed_wing_uav=0.002,
                    bird=0.01,
                    aircraft=0.001,
                    ground_emitter=0.95,
                    unknown=0.05,
                )
            ),
            # ADS-B, Remote ID, none
            coop=_table(
                dict(
                    attack_drone=(0.001, 0.002, 0.997),
                    decoy=(0.001, 0.002, 0.997),
                    multirotor=(0.001, 0.60, 0.399),
                    fixed_wing_uav=(0.01, 0.50, 0.49),
                    bird=(0.0005, 0.0005, 0.999),
                    aircraft=(0.90, 0.0005, 0.0995),
                    ground_emitter=(0.0005, 0.0005, 0.999),
                    unknown=(0.005, 0.01, 0.985),
                )
            ),
            man_beta=np.array(
                [
                    (1.0, 4.0),  # attack_drone: straight cruise
                    (1.0, 4.0),  # decoy
                    (2.0, 2.0),  # multirotor: hovers and turns
                    (1.0, 2.5),  # fixed_wing_uav
                    (2.0, 2.0),  # bird
                    (1.0, 4.0),  # aircraft
                    (1.0, 4.0),  # ground_emitter
                    (1.0, 1.0),  # unknown
                ],
                dtype=np.float64,
            ),
        )


# -- kinematics ------------------------------------------------------------------------------


def normal_logpdf(x: F64, mean: F64, sd: F64) -> F64:
    """log N(x; mean, sd^2), broadcasting."""
    z = (x - mean) / sd
    return np.asarray(-0.5 * z * z - np.log(sd) - 0.5 * np.log(2.0 * np.pi), dtype=np.float64)


def speed_loglik(speed_mps: F64, speed_sd_mps: F64, model: ClassModel) -> F64:
    """(k, C) log p(horizontal speed | class): normal truncated at 0, widened by track noise.

    Args:
        speed_mps: (k,) estimated horizontal ground speed, m/s.
        speed_sd_mps: (k,) 1-sigma uncertainty of that estimate (from the track covariance), m/s.
    """
    s = np.hypot(model.speed_sd_mps[None, :], speed_sd_mps[:, None])
    mu = model.speed_mean_mps[None, :]
    return np.asarray(normal_logpdf(speed_mps[:, None], mu, s) - log_ndtr(mu / s), np.float64)


def altitude_loglik(alt_m: F64, alt_sd_m: F64, model: ClassModel) -> F64:
    """(k, C) log p(altitude | class): two-component normal mixture per class, each component
    widened by the track's vertical sigma (m)."""
    s = np.hypot(model.alt_sd_m[None, :, :], alt_sd_m[:, None, None])
    comp = normal_logpdf(alt_m[:, None, None], model.alt_mean_m[None, :, :], s)
    with np.errstate(divide="ignore"):
        logw = np.log(model.alt_weight)[None, :, :]
    return np.asarray(logsumexp(logw + comp, axis=2), dtype=np.float64)


def climb_loglik(climb_mps: F64, climb_sd_mps: F64, model: ClassModel) -> F64:
    """(k, C) log p(vertical speed | class): level flight N(0, sd_c^2) mixed with a terminal
    dive component (hostiles), each widened by the track's vertical-speed sigma (m/s)."""
    sig = climb_sd_mps[:, None]
    level = normal_logpdf(climb_mps[:, None], np.zeros((1, 1)), np.hypot(model.climb_sd_mps, sig))
    dive = normal_logpdf(
        climb_mps[:, None], model.dive_climb_mps[None, :], np.hypot(model.dive_sd_mps, sig)
    )
    w = model.dive_weight[None, :]
    with np.errstate(divide="ignore"):
        out = np.logaddexp(np.log1p(-w) + level, np.log(w) + dive)
    return np.asarray(out, dtype=np.float64)


def bernoulli_loglik(flag: NDArray[np.bool_], p: F64) -> F64:
    """(k, C) log P(flag | class) for a binary observation with P(True | class) = p (C,)."""
    return np.where(flag[:, None], np.log(p)[None, :], np.log1p(-p)[None, :])


def manoeuvre_loglik(m: F64, model: ClassModel) -> F64:
    """(k, C) log Beta(m; a_c, b_c) of the IMM manoeuvre-mode probability m in (0, 1)."""
    mm = np.clip(m, 1e-3, 1.0 - 1e-3)[:, None]
    a = model.man_beta[None, :, 0]
    b = model.man_beta[None, :, 1]
    return np.asarray(
        (a - 1.0) * np.log(mm) + (b - 1.0) * np.log1p(-mm) - betaln(a, b), dtype=np.float64
    )


# -- radar RCS (hierarchical Swerling 1) -----------------------------------------------------


def rcs_log_marginal(n: F64, power_sum: F64, model: ClassModel) -> F64:
    """(k, C) log p(RCS reports | class) up to a class-independent factor, from sufficient stats.

    Model: a target's mean RCS ``m`` (dBsm) ~ N(mu_c, sd_c^2) per class; each report's linear
    RCS ``u_i = 10^(y_i/10)`` (m^2) ~ Exponential(mean sbar = 10^(m/10)) (Swerling 1, independent
    scans). Given n reports with ``S = sum u_i``, ``p(u | m) = sbar^-n exp(-S / sbar)`` (the
    Jacobian ``prod u_i ln10/10`` is common to all classes and dropped). The mean is integrated
    out by Gauss-Hermite quadrature importance-centred on the approximate posterior of m: the
    likelihood peaks at ``m_hat = 10 log10(S / n)`` with sd ``(10 / ln 10) / sqrt(n)`` dB,
    combined with the class prior, sd inflated 1.5x (error < 0.01 nat against a fine grid for
    class spreads of 2-15 dB). The reports share one latent mean, so they are *not*
    independent given the class: this is what keeps hundreds of radar plots from making the
    posterior overconfident. n and S may be fractional (forgotten).

    Args:
        n: (k,) effective number of reports (0 = none: the result is 0).
        power_sum: (k,) sum of linear RCS, m^2.
    """
    n_all = np.asarray(n, dtype=np.float64)
    s_all = np.asarray(power_sum, dtype=np.float64)
    result = np.zeros((n_all.shape[0], model.rcs_mean_dbsm.shape[0]))
    rows = np.flatnonzero((n_all > 1e-9) & (s_all > 0))
    if rows.size == 0:
        return result
    nn = n_all[rows, None]
    ss = s_all[rows, None]
    m_hat = DB_PER_NEPER * np.log(ss / nn)  # (r, 1) dB
    prec_lik = nn / DB_PER_NEPER**2
    mu, sd = model.rcs_mean_dbsm[None, :], model.rcs_sd_db[None, :]
    prec = 1.0 / sd**2 + prec_lik  # (k, C)
    q_mean = (mu / sd**2 + m_hat * prec_lik) / prec
    q_sd = RCS_Q_INFLATION / np.sqrt(prec)
    m = q_mean[..., None] + q_sd[..., None] * GH_NODES  # (k, C, Q)
    ln_sbar = m / DB_PER_NEPER
    log_lik = -nn[..., None] * ln_sbar - ss[..., None] * np.exp(-ln_sbar)
    log_ratio = normal_logpdf(m, mu[..., None], sd[..., None]) - normal_logpdf(
        m, q_mean[..., None], q_sd[..., None]
    )
    result[rows] = logsumexp(GH_LOGW + log_lik + log_ratio, axis=2)
    return result


def rcs_report_logpdf(rcs_dbsm: F64, model: ClassModel) -> F64:
    """(k, C) log density of a single RCS report (dBsm) per class: a normalised density in dB.

    Equal to `rcs_log_marginal` with n = 1 plus the Jacobian ``ln(LN10_10 * u)``.
    """
    u = 10.0 ** (rcs_dbsm / 10.0)
    ones = np.ones_like(rcs_dbsm)
    jac = np.log(LN10_10 * u)
    return rcs_log_marginal(ones, u, model) + jac[:, None]


# -- acoustic engine fundamental -------------------------------------------------------------


def f0_loglik(f0_hz: F64, model: ClassModel, n: F64 | None = None) -> F64:
    """(k, C) log p(mean engine fundamental of n reports, f0 (Hz) | class).

    A target's fundamental ``f ~ N(mu_c, sd_c^2)`` within its class and each report is
    ``f + N(0, noise_c^2)``, so the mean of n reports is ``N(mu_c, sd_c^2 + noise_c^2 / n)``
    (the hierarchical marginal of the sufficient statistic; repeated reports of one engine do
    not count as independent draws of the class). A uniform on `ACOUSTIC_BAND_HZ` with weight
    eps = ``model.f0_clutter`` absorbs clutter and other sources. Classes with no engine note
    (bird, ground emitter, unknown) get the uniform background alone. ``n`` defaults to 1.
    """
    lo, hi = ACOUSTIC_BAND_HZ
    log_u = -np.log(hi - lo)
    inside = (f0_hz >= lo) & (f0_hz <= hi)
    log_bg = np.where(inside, log_u, -np.inf)[:, None]
    nn = np.ones_like(f0_hz) if n is None else np.maximum(n, 1e-9)
    has_engine = np.isfinite(model.f0_mean_hz)
    mu = np.where(has_engine, model.f0_mean_hz, 0.0)[None, :]
    noise = np.where(has_engine, model.f0_noise_hz, 1.0)[None, :] / np.sqrt(nn)[:, None]
    sd = np.hypot(np.where(has_engine, model.f0_sd_hz, 1.0)[None, :], noise)
    eps = model.f0_clutter
    engine = np.logaddexp(
        np.log1p(-eps) + normal_logpdf(f0_hz[:, None], mu, sd), np.log(eps) + log_bg
    )
    out = np.where(has_engine[None, :], engine, log_bg)
    return np.asarray(out, dtype=np.float64)


# -- RF emissions ----------------------------------------------------------------------------


def rf_band_index(frequency_mhz: F64) -> NDArray[np.intp]:
    """Band index per RF report (`RF_BANDS_MHZ` order; ``N_RF_BANDS - 1`` = other / NaN)."""
    idx = np.full(frequency_mhz.shape, N_RF_BANDS - 1, dtype=np.intp)
    for b, (lo, hi) in enumerate(RF_BANDS_MHZ):
        idx[(frequency_mhz >= lo) & (frequency_mhz <= hi)] = b
    return idx


def rf_bandwidth_index(bandwidth_mhz: F64) -> NDArray[np.intp]:
    """Bandwidth bucket per RF report (0 narrow, 1 medium, 2 wide); NaN -> -1 (not given)."""
    idx = np.searchsorted(np.asarray(RF_BANDWIDTH_EDGES_MHZ), bandwidth_mhz, side="right")
    return np.where(np.isnan(bandwidth_mhz), -1, idx).astype(np.intp)


def rf_loglik(frequency_mhz: F64, bandwidth_mhz: F64, model: ClassModel) -> F64:
    """(k, C) log P(band, bandwidth bucket | class) of single RF-DF reports (band and bandwidth
    independent given the class). The classifier uses the many-report form
    `rf_counts_loglik`; one report of it equals this up to a class-independent constant.

    A report without frequency contributes 0 (no information); without bandwidth, only its band.
    """
    band = rf_band_index(frequency_mhz)
    bw = rf_bandwidth_index(bandwidth_mhz)
    ll = np.log(model.rf_band[:, band].T)
    ll = ll + np.where(bw[:, None] >= 0, np.log(model.rf_bw[:, np.maximum(bw, 0)].T), 0.0)
    return np.asarray(np.where(np.isnan(frequency_mhz)[:, None], 0.0, ll), dtype=np.float64)


def latent_category_loglik(counts: F64, table: F64, eps: float) -> F64:
    """(k, C) log p(report counts | class) when every report re-observes one latent category.

    A track's emitter has one category ``j ~ table[c]`` (band or bandwidth bucket); each report
    shows ``j`` with probability ``1 - eps`` and any other of the K categories with
    ``eps / (K - 1)`` (misassociation, mis-measurement). With counts ``n_j`` per category:
    ``p = sum_j table[c, j] (1 - eps)^n_j (eps / (K - 1))^(n - n_j)``. Thirty reports of one
    band therefore weigh about as much as one, which is the honest amount of evidence.

    Args:
        counts: (k, K) effective report counts per category (may be fractional).
        table: (C, K) P(category | class).
        eps: probability that a report shows a category other than the emitter's.
    """
    K = table.shape[1]
    out = np.zeros((counts.shape[0], table.shape[0]))
    rows = np.flatnonzero(counts.sum(axis=1) > 0)
    if rows.size == 0:
        return out
    c = counts[rows]
    # relative to the class-independent level where every report is "wrong"
    per_j = c * (np.log1p(-eps) - np.log(eps / (K - 1)))  # (r, K)
    with np.errstate(divide="ignore"):
        z = np.log(table)[None, :, :] + per_j[:, None, :]
    out[rows] = logsumexp(z, axis=2)
    return out


def rf_counts_loglik(band_counts: F64, bw_counts: F64, model: ClassModel, eps: float) -> F64:
    """(k, C) RF evidence of a track from its band and bandwidth report counts (latent emitter,
    band and bandwidth independent given the class); 0 for a track with no RF reports."""
    return latent_category_loglik(band_counts, model.rf_band, eps) + latent_category_loglik(
        bw_counts, model.rf_bw, eps
    )


# -- EO/IR classifier scores -----------------------------------------------------------------


def eo_loglik(scores: F64, model: ClassModel) -> F64:
    """(k, C) log-likelihood of EO/IR class scores (k, 7 known classes, in `CLASSES` order).

    The camera's scores are read as its posterior under a flat prior, so the likelihood of
    class c is proportional to its score; a uniform floor (``model.eo_floor``) bounds what one
    frame can say. ``unknown`` gets the mean (the camera cannot say "none of these"). Only
    ratios matter for the posterior; rows with NaN scores give 0.
    """
    s = np.nan_to_num(np.clip(scores, 0.0, None), nan=0.0)
    tot = s.sum(axis=1, keepdims=True)
    p = np.where(tot > 0, s / np.where(tot > 0, tot, 1.0), 1.0 / N_KNOWN)
    a = model.eo_floor
    lk = (1.0 - a) * p + a / N_KNOWN
    ll = np.concatenate([np.log(lk), np.log(lk.mean(axis=1, keepdims=True))], axis=1)
    bad = np.asarray(~np.isfinite(scores).all(axis=1), dtype=bool)
    return np.asarray(np.where(bad[:, None], 0.0, ll), dtype=np.float64)


# -- cooperative identity --------------------------------------------------------------------

COOP_ADSB: Final[int] = 0
COOP_REMOTE_ID: Final[int] = 1
COOP_NONE: Final[int] = 2
