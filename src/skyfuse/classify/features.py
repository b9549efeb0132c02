"""Per-track feature vectors for the learned model, built from the classifier's own state.

The same code computes features at training time (on simulator scenarios) and at run time, so
the learned model never sees a feature computed differently. Missing evidence is NaN (the
gradient-boosting model handles it natively). Units are in the names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import KNOWN_CLASSES
from skyfuse.core.picture import Picture

if TYPE_CHECKING:
    from skyfuse.classify.classifier import Kinematics

F64 = NDArray[np.float64]

FEATURE_NAMES: Final[tuple[str, ...]] = (
    "speed_mps",
    "speed_sd_mps",
    "alt_m",
    "climb_mps",
    "speed_mean_mps",
    "alt_mean_m",
    "abs_climb_mean_mps",
    "manoeuvre_prob",
    "static",
    "age_s",
    "rcs_n",
    "rcs_mean_dbsm",
    "rcs_power_mean_dbsm",
    "rcs_sd_db",
    "f0_n",
    "f0_mean_hz",
    "rf_n",
    "rf_433",
    "rf_868",
    "rf_915",
    "rf_2400",
    "rf_5800",
    "rf_other",
    "rf_bw_narrow",
    "rf_bw_medium",
    "rf_bw_wide",
    "eo_n",
    *(f"eo_{c}" for c in KNOWN_CLASSES),
    "coop_adsb",
    "coop_remote_id",
    "spoof_suspect",
)
"""Columns of the feature matrix, in order (the learned model's sidecar stores them too)."""
N_FEATURES: Final[int] = len(FEATURE_NAMES)


def _ratio(num: F64, den: F64) -> F64:
    """num / den where den > 0, NaN elsewhere (broadcast over trailing axes of num)."""
    d = den.reshape(den.shape + (1,) * (num.ndim - den.ndim))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(d > 0, num / np.where(d > 0, d, 1.0), np.nan), dtype=np.float64)


def feature_matrix(pic: Picture, state: Mapping[str, F64], kin: Kinematics) -> F64:
    """(n, F) features of the picture's tracks from their classifier state rows (same order).

    ``state`` holds the classifier's per-track columns (already forgotten/updated this step):
    effective counts ``*_n`` and weighted sums, so means are ratios of the two.
    """
    n = len(pic)
    if n == 0:
        return np.zeros((0, N_FEATURES))
    nan = np.full(n, np.nan)
    man = pic.mode_prob[:, -1] if pic.mode_prob.ndim == 2 and pic.mode_prob.shape[1] >= 2 else nan
    rcs_n = state["rcs_n"]
    rcs_mean = _ratio(state["rcs_db1"], rcs_n)
    rcs_var = _ratio(state["rcs_db2"], rcs_n) - rcs_mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        rcs_pow = 10.0 * np.log10(_ratio(state["rcs_S"], rcs_n))
    rf_n = state["rf_band"].sum(axis=1)
    rf_bw_n = state["rf_bw"].sum(axis=1)
    cols: list[F64] = [
        kin.speed_mps,
        kin.speed_sd_mps,
        kin.alt_m,
        kin.climb_mps,
        _ratio(state["speed_ema"], state["ema_w"]),
        _ratio(state["alt_ema"], state["ema_w"]),
        _ratio(state["absclimb_ema"], state["ema_w"]),
        np.asarray(man, dtype=np.float64),
        pic.static.astype(np.float64),
        pic.time - pic.first_time,
        rcs_n,
        rcs_mean,
        rcs_pow,
        np.sqrt(np.maximum(rcs_var, 0.0)),
        state["f0_n"],
        _ratio(state["f0_sum"], state["f0_n"]),
        rf_n,
    ]
    mats: list[F64] = [
        _ratio(state["rf_band"], rf_n),
        _ratio(state["rf_bw"], rf_bw_n),
        state["eo_n"][:, None],
        _ratio(state["eo_sum"], state["eo_n"]),
        (state["coop_n"][:, :2] > 1e-9).astype(np.float64),
        pic.spoof_suspect.astype(np.float64)[:, None],
    ]
    X = np.concatenate([np.stack(cols, axis=1), *mats], axis=1)
    if X.shape[1] != N_FEATURES:
        raise AssertionError(f"feature matrix has {X.shape[1]} columns, expected {N_FEATURES}")
    return np.asarray(X, dtype=np.float64)
