"""Calibration of class beliefs: reliability curve, Brier score, log loss, confusion matrix.

`calibration_report(probs, truth)` works on any (n, C) probability matrix against true class
codes, so the benchmark, the evaluator and `skyfuse train` all report the same numbers.
Definitions:

* reliability curve: rows binned by their top probability (confidence) into equal-width bins;
  per bin the mean confidence and the accuracy of the top class. Expected calibration error
  (ECE) = sum over bins of (count / n) |accuracy - confidence|.
* Brier score (multi-class, Brier 1950): mean over rows of sum_c (p_c - [c = truth])^2, in
  [0, 2]; 0 is perfect.
* log loss: mean of -ln p_truth (probabilities floored at 1e-12).
* confusion matrix: rows = true class, columns = most probable class, counts.
* pairwise accuracy "a vs b": among rows whose truth is a or b, the share where the truth has the
  higher probability of the two (e.g. attack drone vs bird, attack drone vs decoy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from rich.table import Table

from skyfuse.core.kinds import CLASSES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

PAIRS: Final[tuple[tuple[str, str], ...]] = (
    ("attack_drone", "bird"),
    ("attack_drone", "decoy"),
    ("multirotor", "bird"),
    ("aircraft", "attack_drone"),
)
"""Pairwise accuracies reported by default (issue 5 targets: attack vs bird, decoy vs attack)."""


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """Calibration and accuracy of class probabilities (see the module docstring).

    Attributes:
        classes: class labels of the probability columns.
        n: number of rows scored.
        accuracy: share of rows whose most probable class is the truth.
        brier: multi-class Brier score.
        log_loss: mean negative log-probability of the truth, nats.
        ece: expected calibration error of the top-class confidence.
        bin_edges: (B + 1,) confidence bin edges.
        bin_count, bin_confidence, bin_accuracy: (B,) reliability curve (NaN in empty bins).
        confusion: (C, C) counts, rows true class, columns predicted class.
        pairs: {"a_vs_b": (accuracy, rows)} pairwise accuracies.
    """

    classes: tuple[str, ...]
    n: int
    accuracy: float
    brier: float
    log_loss: float
    ece: float
    bin_edges: F64
    bin_count: I64
    bin_confidence: F64
    bin_accuracy: F64
    confusion: I64
    pairs: dict[str, tuple[float, int]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN -> null)."""

        def clean(a: F64) -> list[float | None]:
            return [None if not np.isfinite(v) else float(v) for v in a]

        return {
            "classes": list(self.classes),
            "n": self.n,
            "accuracy": self.accuracy,
            "brier": self.brier,
            "log_loss": self.log_loss,
            "ece": self.ece,
            "reliability": {
                "bin_edges": clean(self.bin_edges),
                "count": self.bin_count.tolist(),
                "confidence": clean(self.bin_confidence),
                "accuracy": clean(self.bin_accuracy),
            },
            "confusion": {"rows_true_cols_predicted": self.confusion.tolist()},
            "pairs": {k: {"accuracy": a, "n": m} for k, (a, m) in self.pairs.items()},
        }

    def write_json(self, path: Path) -> None:
        """Write `to_json()` to a file (parents created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")

    def tables(self, title: str = "") -> list[Table]:
        """Rich tables: summary, reliability curve, confusion matrix."""
        head = f"{title}: " if title else ""
        summary = Table(title=f"{head}class beliefs ({self.n} track samples)")
        for c in ("accuracy", "Brier", "log loss", "ECE", *self.pairs):
            summary.add_column(c, justify="right")
        pair_cells = [f"{a:.3f} (n={m})" if m else "-" for a, m in self.pairs.values()]
        summary.add_row(
            f"{self.accuracy:.3f}",
            f"{self.brier:.3f}",
            f"{self.log_loss:.3f}",
            f"{self.ece:.3f}",
            *pair_cells,
        )
        rel = Table(title=f"{head}reliability (top-class confidence)")
        for c in ("bin", "count", "mean confidence", "accuracy"):
            rel.add_column(c, justify="right")
        for i in range(self.bin_count.size):
            if self.bin_count[i] == 0:
                continue
            rel.add_row(
                f"{self.bin_edges[i]:.1f}-{self.bin_edges[i + 1]:.1f}",
                str(int(self.bin_count[i])),
                f"{self.bin_confidence[i]:.3f}",
                f"{self.bin_accuracy[i]:.3f}",
            )
        conf = Table(title=f"{head}confusion (rows true, columns predicted)")
        present = [
            i
            for i in range(len(self.classes))
            if self.confusion[i].sum() or self.confusion[:, i].sum()
        ]
        conf.add_column("true \\ predicted")
        for j in present:
            conf.add_column(self.classes[j], justify="right")
        for i in present:
            conf.add_row(self.classes[i], *(str(int(self.confusion[i, j])) for j in present))
        return [summary, rel, conf]


def pairwise_accuracy(probs: F64, truth: I64, a: int, b: int) -> tuple[float, int]:
    """(accuracy, rows) of telling class a from b: rows with truth a or b, truth more probable.

    Ties count as half right. Returns (nan, 0) when no row has truth a or b.
    """
    sel = (truth == a) | (truth == b)
    m = int(sel.sum())
    if m == 0:
        return float("nan"), 0
    pa, pb = probs[sel, a], probs[sel, b]
    right = np.where(truth[sel] == a, pa > pb, pb > pa).astype(np.float64)
    right[pa == pb] = 0.5
    return float(right.mean()), m


def calibration_report(
    probs: F64,
    truth: I64,
    *,
    classes: tuple[str, ...] = CLASSES,
    n_bins: int = 10,
    pairs: tuple[tuple[str, str], ...] = PAIRS,
) -> CalibrationReport:
    """Score (n, C) class probabilities against true class codes (n,) (see module docstring)."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(truth, dtype=np.int64)
    C = len(classes)
    if p.ndim != 2 or p.shape[1] != C:
        raise ValueError(f"probs must be (n, {C}), got {p.shape}")
    if y.shape != (p.shape[0],):
        raise ValueError(f"truth must be ({p.shape[0]},), got {y.shape}")
    if np.any((y < 0) | (y >= C)):
        raise ValueError(f"truth codes must be in 0..{C - 1}")
    if (
        not np.all(np.isfinite(p))
        or np.any(p < 0)
        or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6)
    ):
        raise ValueError("probs rows must be finite, non-negative and sum to 1")
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    n = p.shape[0]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    pred = np.argmax(p, axis=1) if n else np.zeros(0, np.int64)
    conf = p.max(axis=1) if n else np.zeros(0)
    hit = (pred == y).astype(np.float64)
    b = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
    count = np.bincount(b, minlength=n_bins).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(b, weights=conf, minlength=n_bins) / count
        mean_acc = np.bincount(b, weights=hit, minlength=n_bins) / count
    ece = float(np.nansum(count / max(n, 1) * np.abs(mean_acc - mean_conf)))
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1.0
    brier = float(((p - onehot) ** 2).sum(axis=1).mean()) if n else float("nan")
    ll = float(-np.log(np.maximum(p[np.arange(n), y], 1e-12)).mean()) if n else float("nan")
    confusion = np.zeros((C, C), np.int64)
    np.add.at(confusion, (y, pred), 1)
    idx = {c: i for i, c in enumerate(classes)}
    pair_acc = {f"{a}_vs_{bb}": pairwise_accuracy(p, y, idx[a], idx[bb]) for a, bb in pairs}
    return CalibrationReport(
        classes=tuple(classes),
        n=n,
        accuracy=float(hit.mean()) if n else float("nan"),
        brier=brier,
        log_loss=ll,
        ece=ece,
        bin_edges=edges,
        bin_count=count,
        bin_confidence=mean_conf,
        bin_accuracy=mean_acc,
        confusion=confusion,
        pairs=pair_acc,
    )
