"""Pairwise calibration of class probabilities: reliability curve and expected calibration error
per pair of classes.

For a pair (a, b) the score is restricted to the samples whose true class is a or b, and the
probability is renormalised over the two: ``q = p_a / (p_a + p_b)`` is the stated probability
that the sample is an ``a`` rather than a ``b``. Samples are binned by ``q`` into ``n_bins``
equal-width bins on [0, 1] (the last bin closed); per bin the reliability curve holds the mean
``q`` and the observed share of ``a``. The expected calibration error is

    ECE(a, b) = sum over bins of (n_bin / n) * |share of a in bin - mean q in bin|

(Naeini et al. 2015; Guo et al. 2017 use the top-class form, `skyfuse.classify.calibration`).
A pair whose cues do not separate the classes is calibrated when ``q`` stays near the share of
``a`` among the two: honest probabilities, not a confident guess. Samples where
``p_a + p_b = 0`` carry no statement about the pair and are left out. Optional per-sample
weights (e.g. seconds of track time each sample stands for) replace the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import CLASSES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

DEFAULT_BINS: Final[int] = 10


@dataclass(frozen=True, slots=True)
class PairCalibration:
    """Reliability of ``P(a | a or b)`` over samples whose truth is a or b.

    Attributes:
        a, b: class labels of the pair (``q`` is the probability of ``a``).
        n: number of samples scored (weights summed when weighted).
        share_a: observed share of ``a`` among them (the honest constant answer).
        ece: expected calibration error (see the module docstring); NaN when n = 0.
        mce: maximum calibration error over non-empty bins; NaN when n = 0.
        bin_edges: (B + 1,) edges of the q bins.
        bin_weight: (B,) samples (or weight) per bin.
        bin_mean_q: (B,) mean stated q per bin (NaN in empty bins).
        bin_share_a: (B,) observed share of ``a`` per bin (NaN in empty bins).
    """

    a: str
    b: str
    n: float
    share_a: float
    ece: float
    mce: float
    bin_edges: F64
    bin_weight: F64
    bin_mean_q: F64
    bin_share_a: F64

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN -> null)."""

        def clean(v: F64) -> list[float | None]:
            return [float(x) if np.isfinite(x) else None for x in v]

        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            "a": self.a,
            "b": self.b,
            "n": self.n,
            "share_a": num(self.share_a),
            "ece": num(self.ece),
            "mce": num(self.mce),
            "reliability": {
                "bin_edges": clean(self.bin_edges),
                "weight": clean(self.bin_weight),
                "mean_q": clean(self.bin_mean_q),
                "share_a": clean(self.bin_share_a),
            },
        }


def _class_index(c: str | int, classes: Sequence[str]) -> int:
    if isinstance(c, str):
        if c not in classes:
            raise ValueError(f"unknown class {c!r} (one of {list(classes)})")
        return list(classes).index(c)
    if not 0 <= int(c) < len(classes):
        raise ValueError(f"class index {c} outside 0..{len(classes) - 1}")
    return int(c)


def pair_calibration(
    probs: F64,
    truth: I64,
    a: str | int,
    b: str | int,
    *,
    n_bins: int = DEFAULT_BINS,
    weights: F64 | None = None,
    classes: Sequence[str] = CLASSES,
) -> PairCalibration:
    """Reliability curve and ECE of ``P(a | a or b)`` (see the module docstring).

    Args:
        probs: (n, C) class probabilities, columns in ``classes`` order.
        truth: (n,) true class index per sample (any value outside the pair is ignored).
        a, b: the pair, as labels or column indices (a != b).
        n_bins: number of equal-width bins of q on [0, 1].
        weights: optional (n,) non-negative sample weights.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(truth, dtype=np.int64)
    if p.ndim != 2 or p.shape[1] != len(classes) or y.shape != (p.shape[0],):
        raise ValueError(f"probs must be (n, {len(classes)}) and truth (n,)")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    ia, ib = _class_index(a, classes), _class_index(b, classes)
    if ia == ib:
        raise ValueError("a pair needs two different classes")
    w_all = np.ones(p.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w_all.shape != y.shape or np.any(~np.isfinite(w_all)) or np.any(w_all < 0):
        raise ValueError("weights must be (n,) finite and >= 0")
    den = p[:, ia] + p[:, ib]
    sel = ((y == ia) | (y == ib)) & (den > 0) & np.isfinite(den)
    q = p[sel, ia] / den[sel]
    is_a = (y[sel] == ia).astype(np.float64)
    w = w_all[sel]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, n_bins - 1)
    bw = np.bincount(idx, weights=w, minlength=n_bins).astype(np.float64)
    bq = np.bincount(idx, weights=w * q, minlength=n_bins)
    ba = np.bincount(idx, weights=w * is_a, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_q = np.where(bw > 0, bq / np.where(bw > 0, bw, 1.0), np.nan)
        share = np.where(bw > 0, ba / np.where(bw > 0, bw, 1.0), np.nan)
    total = float(w.sum())
    if total > 0:
        gap = np.abs(share - mean_q)
        ece = float(np.sum(np.where(bw > 0, bw * gap, 0.0)) / total)
        mce = float(np.nanmax(np.where(bw > 0, gap, np.nan)))
        share_a = float(np.sum(w * is_a) / total)
    else:
        ece = mce = share_a = float("nan")
    return PairCalibration(
        a=classes[ia],
        b=classes[ib],
        n=total,
        share_a=share_a,
        ece=ece,
        mce=mce,
        bin_edges=edges,
        bin_weight=bw,
        bin_mean_q=mean_q,
        bin_share_a=share,
    )


def pairwise_calibration(
    probs: F64,
    truth: I64,
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    n_bins: int = DEFAULT_BINS,
    weights: F64 | None = None,
    classes: Sequence[str] = CLASSES,
) -> dict[str, PairCalibration]:
    """`pair_calibration` for each pair (default: every pair of classes that both occur in
    ``truth``), keyed ``"a_vs_b"``."""
    y = np.asarray(truth, dtype=np.int64)
    if pairs is None:
        present = [classes[i] for i in np.unique(y) if 0 <= i < len(classes)]
        pairs = list(combinations(present, 2))
    return {
        f"{a}_vs_{b}": pair_calibration(
            probs, y, a, b, n_bins=n_bins, weights=weights, classes=classes
        )
        for a, b in pairs
    }
