"""The learned model: reproducible training, hash-verified loading, the shipped file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.classify.features import FEATURE_NAMES, N_FEATURES
from skyfuse.classify.learned import (
    DEFAULT_MODEL_PATH,
    LearnedModel,
    fit_learned_model,
    fit_temperature,
    load_default_model,
    sidecar_path,
)
from skyfuse.core.errors import InputError


def tiny_dataset(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three classes separated by speed and RCS, 20 'tracks' of 10 rows each, some NaN."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.array([0, 4, 5]), 70)[:200]
    X = np.full((200, N_FEATURES), np.nan)
    X[:, FEATURE_NAMES.index("speed_mps")] = np.array([47.0, 12.0, 180.0])[
        np.searchsorted([0, 4, 5], y)
    ] + rng.normal(0, 5, 200)
    X[:, FEATURE_NAMES.index("rcs_mean_dbsm")] = np.array([-6.0, -25.0, 17.0])[
        np.searchsorted([0, 4, 5], y)
    ] + rng.normal(0, 3, 200)
    X[rng.random(200) < 0.2, FEATURE_NAMES.index("rcs_mean_dbsm")] = np.nan
    group = np.arange(200) // 10
    return X, y.astype(np.int64), group.astype(np.int64)


def test_training_is_reproducible_from_the_seed(tmp_path: Path) -> None:
    X, y, g = tiny_dataset()
    a = fit_learned_model(X, y, g, seed=7, max_iter=10)
    b = fit_learned_model(X, y, g, seed=7, max_iter=10)
    c = fit_learned_model(X, y, g, seed=8, max_iter=10)
    ha = a.save(tmp_path / "a" / "m.pkl")
    hb = b.save(tmp_path / "b" / "m.pkl")
    hc = c.save(tmp_path / "c" / "m.pkl")
    assert ha == hb
    assert (tmp_path / "a" / "m.pkl").read_bytes() == (tmp_path / "b" / "m.pkl").read_bytes()
    assert hc != ha
    meta = json.loads(sidecar_path(tmp_path / "a" / "m.pkl").read_text())
    assert (
        meta["seed"] == 7 and meta["sha256"] == ha and meta["feature_names"] == list(FEATURE_NAMES)
    )
    assert meta["training"]["rows"] == 200


def test_loaded_model_predicts_calibrated_rows(tmp_path: Path) -> None:
    X, y, g = tiny_dataset()
    path = tmp_path / "m.pkl"
    fit_learned_model(X, y, g, seed=1, max_iter=20).save(path)
    m = LearnedModel.load(path)
    p = m.predict_proba(X)
    assert p.shape == (200, 7)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p >= 1e-3 * 0.99)  # floor: no class ruled out by the model alone
    assert np.mean(np.argmax(p, axis=1) == y) > 0.9
    with pytest.raises(ValueError, match="features must be"):
        m.predict_proba(np.zeros((2, 3)))


def test_tampered_or_mismatched_files_are_refused(tmp_path: Path) -> None:
    X, y, g = tiny_dataset()
    path = tmp_path / "m.pkl"
    fit_learned_model(X, y, g, seed=1, max_iter=5).save(path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="sha256"):
        LearnedModel.load(path)
    fit_learned_model(X, y, g, seed=1, max_iter=5).save(path)
    meta = json.loads(sidecar_path(path).read_text())
    meta["feature_names"] = ["speed_mps"]
    sidecar_path(path).write_text(json.dumps(meta))
    with pytest.raises(InputError, match="feature_names"):
        LearnedModel.load(path)
    sidecar_path(path).unlink()
    with pytest.raises(InputError, match="sidecar"):
        LearnedModel.load(path)


def test_fit_temperature_recovers_a_known_temperature() -> None:
    """Labels drawn from softmax(z / 2): the NLL-optimal temperature is close to 2."""
    rng = np.random.default_rng(3)
    z = rng.normal(0, 3, (4000, 4))
    p = np.exp(z / 2.0)
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in p])
    assert fit_temperature(z, y) == pytest.approx(2.0, rel=0.1)


def test_shipped_model_loads_and_is_small() -> None:
    assert DEFAULT_MODEL_PATH.exists(), "ship src/skyfuse/classify/models/classifier-v1.pkl"
    assert DEFAULT_MODEL_PATH.stat().st_size < 1_000_000
    m = load_default_model()
    assert m is not None
    meta = m.meta
    assert {"seed", "sha256", "feature_names", "training", "sklearn_version"} <= set(meta)
    p = m.predict_proba(np.full((3, N_FEATURES), np.nan))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    X, y, g = tiny_dataset()
    path = tmp_path_factory.mktemp("model") / "m.pkl"
    fit_learned_model(X, y, g, seed=2, max_iter=3).save(path)
    return path, path.read_bytes()


@settings(max_examples=30, deadline=None)
@given(pos=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_corrupted_byte_is_refused_before_unpickling(
    saved_model: tuple[Path, bytes], pos: int, flip: int
) -> None:
    path, good = saved_model
    data = bytearray(good)
    data[pos % len(data)] ^= flip
    path.write_bytes(bytes(data))
    try:
        with pytest.raises(InputError, match="sha256"):
            LearnedModel.load(path)
    finally:
        path.write_bytes(good)


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=200))
def test_garbage_sidecars_are_refused(saved_model: tuple[Path, bytes], text: str) -> None:
    path, _ = saved_model
    side = sidecar_path(path)
    good = side.read_text()
    side.write_text(text)
    try:
        with pytest.raises(InputError):
            LearnedModel.load(path)
    finally:
        side.write_text(good)
