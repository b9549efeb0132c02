"""The learned classifier: gradient boosting over per-track features, temperature-calibrated.

`fit_learned_model` trains a scikit-learn `HistGradientBoostingClassifier` (balanced class
weights, so its output is a posterior under a flat class prior) on feature rows of
`skyfuse.classify.features.FEATURE_NAMES`, then fits one temperature on tracks held out by group
(Guo et al. 2017, "On calibration of modern neural networks") so its probabilities are
calibrated. Training is deterministic given the seed: same data and seed, same file bytes.

Files: ``<name>.pkl`` (pickle, protocol 5) and ``<name>.json`` (sidecar: format version, seed,
feature names, class labels, temperature, scikit-learn version, training summary and the
``sha256`` of the pickle). `LearnedModel.load` hashes the pickle and refuses to unpickle it
unless the hash matches the sidecar, and refuses a sidecar whose feature names differ from the
code's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from skyfuse.classify.features import FEATURE_NAMES
from skyfuse.core.errors import InputError
from skyfuse.core.kinds import KNOWN_CLASSES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

FORMAT_VERSION: Final[int] = 1
MODEL_NAME: Final[str] = "classifier-v1"
MODELS_DIR: Final[Path] = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_PATH: Final[Path] = MODELS_DIR / f"{MODEL_NAME}.pkl"
PROB_FLOOR: Final[float] = 1e-3
"""Probability floor per class (then renormalised): no class is ruled out by the learned model
alone, e.g. one never seen in training."""


@functools.cache
def _threadpools() -> Any:
    """One `threadpoolctl.ThreadpoolController` per process (scanning libraries is slow)."""
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController()


def single_threaded() -> contextlib.AbstractContextManager[Any]:
    """Run scikit-learn's OpenMP loops on one thread: the engine shares its cores with other
    stages and processes, and OpenMP threads spin when cores are oversubscribed (seconds lost
    per call). Results do not depend on the thread count."""
    return cast(
        contextlib.AbstractContextManager[Any],
        _threadpools().limit(limits=1, user_api="openmp"),
    )


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar next to a model pickle."""
    return Path(path).with_suffix(".json")


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, eq=False)
class LearnedModel:
    """A fitted, calibrated classifier over `FEATURE_NAMES` (outputs the 7 known classes).

    Attributes:
        estimator: the fitted scikit-learn classifier (``predict_proba``, ``classes_`` = codes).
        temperature: softmax temperature fitted on held-out tracks (1 = as trained).
        feature_names: feature columns the estimator expects, in order.
        meta: sidecar content (version, seed, training summary, sha256).
    """

    estimator: Any
    temperature: float
    feature_names: tuple[str, ...] = FEATURE_NAMES
    meta: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, X: F64) -> F64:
        """(n, 7) calibrated class probabilities in `KNOWN_CLASSES` order, rows sum to 1."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"features must be (n, {len(self.feature_names)}), got {X.shape}")
        out = np.full((X.shape[0], len(KNOWN_CLASSES)), 0.0)
        if X.shape[0] == 0:
            return out
        with single_threaded():
            raw = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        logp = np.log(np.clip(raw, 1e-12, 1.0)) / self.temperature
        out[:, np.asarray(self.estimator.classes_, dtype=np.intp)] = np.exp(
            log_softmax(logp, axis=1)
        )
        out = (1.0 - PROB_FLOOR * len(KNOWN_CLASSES)) * out + PROB_FLOOR
        return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)

    def to_bytes(self) -> bytes:
        """Deterministic pickle of the estimator and temperature (protocol 5)."""
        buf = io.BytesIO()
        pickle.dump(
            {"estimator": self.estimator, "temperature": float(self.temperature)},
            buf,
            protocol=5,
        )
        return buf.getvalue()

    def save(self, path: Path) -> str:
        """Write ``path`` (pickle) and its JSON sidecar; returns the pickle's sha256."""
        import sklearn

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.to_bytes()
        digest = sha256_of(data)
        meta = {
            **self.meta,
            "format_version": FORMAT_VERSION,
            "name": path.stem,
            "feature_names": list(self.feature_names),
            "classes": list(KNOWN_CLASSES),
            "temperature": float(self.temperature),
            "sklearn_version": sklearn.__version__,
            "sha256": digest,
            "bytes": len(data),
        }
        path.write_bytes(data)
        sidecar_path(path).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return digest

    @staticmethod
    def load(path: Path) -> LearnedModel:
        """Load a model after checking its sidecar: hash, format version, feature names.

        Raises `InputError` naming the file and field on any mismatch (nothing is unpickled
        unless the sha256 matches).
        """
        path = Path(path)
        side = sidecar_path(path)
        try:
            meta = json.loads(side.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(str(side), f"cannot read model sidecar ({e})") from e
        if not isinstance(meta, dict):
            raise InputError(str(side), "model sidecar is not a JSON object")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise InputError(str(path), f"cannot read model ({e})") from e
        if meta.get("format_version") != FORMAT_VERSION:
            raise InputError(
                str(side),
                f"format {meta.get('format_version')!r}, this code reads {FORMAT_VERSION}",
                field="format_version",
            )
        if sha256_of(data) != meta.get("sha256"):
            raise InputError(
                str(path), "sha256 does not match the sidecar: refusing to unpickle", field="sha256"
            )
        if tuple(meta.get("feature_names", ())) != FEATURE_NAMES:
            raise InputError(
                str(side),
                "feature names differ from this code's FEATURE_NAMES; retrain (`skyfuse train`)",
                field="feature_names",
            )
        payload = pickle.loads(data)
        return LearnedModel(
            payload["estimator"], float(payload["temperature"]), FEATURE_NAMES, meta
        )


def load_default_model() -> LearnedModel | None:
    """The model shipped in the package (`DEFAULT_MODEL_PATH`), or None if none is shipped."""
    if not DEFAULT_MODEL_PATH.exists():
        return None
    return LearnedModel.load(DEFAULT_MODEL_PATH)


def fit_temperature(logp: F64, y: I64) -> float:
    """Temperature T minimising the held-out negative log-likelihood of softmax(logp / T).

    Args:
        logp: (n, K) log-probabilities of the uncalibrated model.
        y: (n,) true column index per row.
    """
    if logp.shape[0] == 0:
        return 1.0
    rows = np.arange(logp.shape[0])

    def nll(log_t: float) -> float:
        z = log_softmax(logp / np.exp(log_t), axis=1)
        return float(-z[rows, y].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


def fit_learned_model(
    X: F64,
    y: I64,
    group: I64,
    *,
    seed: int,
    summary: dict[str, Any] | None = None,
    max_iter: int = 120,
    calibration_share: float = 0.25,
) -> LearnedModel:
    """Fit the gradient-boosting classifier and its temperature, deterministically from ``seed``.

    Args:
        X: (n, F) features (`FEATURE_NAMES` order, NaN = missing).
        y: (n,) class codes (`TargetClass`, 0..6).
        group: (n,) track key per row; the calibration split holds out whole tracks, since rows
            of one track are strongly correlated.
        seed: seeds the split and the booster.
        summary: training-data summary stored in the sidecar.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 2 or X.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"X must be (n, {len(FEATURE_NAMES)}), got {X.shape}")
    if y.shape != (X.shape[0],) or group.shape != y.shape:
        raise ValueError("y and group must be (n,) like the rows of X")
    if np.any((y < 0) | (y >= len(KNOWN_CLASSES))):
        raise ValueError("y must hold known class codes 0..6")
    rng = np.random.default_rng(seed)
    groups = np.unique(group)
    held = rng.permutation(groups)[: max(1, round(calibration_share * groups.size))]
    is_cal = np.isin(group, held)
    if is_cal.all() or not is_cal.any():
        is_cal = np.zeros_like(is_cal)
    est = HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        early_stopping=False,
        random_state=seed,
    )
    X = X.copy()
    empty = ~np.isfinite(X).any(axis=0)
    X[:, empty] = 0.0  # a column never observed in training carries no information
    with single_threaded():
        est.fit(X[~is_cal], y[~is_cal])
        raw = np.asarray(est.predict_proba(X[is_cal]), dtype=np.float64) if is_cal.any() else None
    temperature = 1.0
    if raw is not None:
        col = {int(c): i for i, c in enumerate(est.classes_)}
        known = np.isin(y[is_cal], list(col))
        yi = np.array([col[int(v)] for v in y[is_cal][known]], dtype=np.int64)
        temperature = fit_temperature(np.log(np.clip(raw[known], 1e-12, 1.0)), yi)
    meta = {
        "seed": int(seed),
        "max_iter": int(max_iter),
        "training": {
            **(summary or {}),
            "rows": int(X.shape[0]),
            "rows_calibration": int(is_cal.sum()),
            "features_never_observed": [FEATURE_NAMES[i] for i in np.flatnonzero(empty)],
            "tracks": int(groups.size),
            "rows_by_class": {
                KNOWN_CLASSES[c]: int(n) for c, n in enumerate(np.bincount(y, minlength=7)) if n
            },
        },
    }
    return LearnedModel(est, temperature, FEATURE_NAMES, meta)
