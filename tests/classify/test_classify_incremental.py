"""The classifier's cost follows the evidence: lazy evaluation, slot reuse, batched learned
model."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyfuse.classify import FEATURE_NAMES, Classifier, ClassifierConfig
from skyfuse.classify.learned import load_default_model
from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Associations, Picture, TrackerOutput, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.scenario import SensorCatalog, read_sensors

RCS_N = FEATURE_NAMES.index("rcs_n")
SPEED = FEATURE_NAMES.index("speed_mps")


@pytest.fixture(scope="module")
def catalog(mixed_scenario: Path) -> SensorCatalog:
    return SensorCatalog.build(read_sensors(mixed_scenario))


def picture(
    catalog: SensorCatalog,
    t: float,
    ids: list[int],
    *,
    speed: float = 48.0,
    tentative: list[int] = (),  # type: ignore[assignment]
) -> Picture:
    n = len(ids)
    state = np.zeros((n, 6))
    state[:, 2] = 1500.0
    state[:, 3] = speed
    status = np.full(n, TrackStatus.CONFIRMED, np.int8)
    status[np.isin(ids, list(tentative))] = TrackStatus.TENTATIVE
    return Picture(
        time=t,
        frame=catalog.frame,
        track_id=np.array(ids, np.int64),
        state=state,
        cov=np.tile(np.eye(6), (n, 1, 1)),
        status=status,
        first_time=np.zeros(n),
        last_update_time=np.full(n, t),
        n_updates=np.ones(n, np.int32),
        mode_prob=np.tile([0.9, 0.1], (n, 1)),
        static=np.zeros(n, bool),
        coop_id=np.array([None] * n, dtype=object),
        spoof_suspect=np.zeros(n, bool),
        sensor_mask=np.zeros(n, np.int32),
    )


def radar(catalog: SensorCatalog, t: float, det: list[int], rcs: list[float]) -> Reports:
    s = int(catalog.sensors_of(SensorKind.RADAR)[0])
    return Reports(
        det_id=np.array(det, np.int64),
        time=np.full(len(det), t),
        sensor=np.full(len(det), s, np.int32),
        values={"rcs_dbsm": np.array(rcs, np.float64)},
    )


def out_of(
    pic: Picture,
    det: list[int] = (),
    trk: list[int] = (),
    deleted: list[int] = (),  # type: ignore[assignment]
) -> TrackerOutput:
    return TrackerOutput(
        pic,
        Associations(np.array(det, np.int64), np.array(trk, np.int64), np.ones(len(det))),
        np.array(list(deleted), np.int64),
    )


def test_tentative_track_without_reports_keeps_its_posterior(catalog: SensorCatalog) -> None:
    """A tentative track is evaluated when born and when reports reach it, not every step; a
    confirmed one is refreshed every ``refresh_s``."""
    clf = Classifier(catalog)
    b0 = clf.update(out_of(picture(catalog, 0.0, [1, 2], tentative=[2])), Reports.empty())
    later = picture(catalog, 3.0, [1, 2], speed=12.0, tentative=[2])
    b1 = clf.update(out_of(later), Reports.empty())
    np.testing.assert_array_equal(b1.probs[1], b0.probs[1])  # not evaluated
    assert not np.allclose(b1.probs[0], b0.probs[0])  # refreshed: slow now
    b2 = clf.update(out_of(later, [5], [2]), radar(catalog, 3.0, [5], [-6.0]))
    np.testing.assert_array_equal(b2.probs, b1.probs)  # folded in, evaluated at the next tick
    b3 = clf.update(out_of(dataclasses.replace(later, time=3.5)), Reports.empty())
    assert not np.allclose(b3.probs[1], b1.probs[1])  # a report: evaluated


def test_lazy_forgetting_equals_stepwise_forgetting(catalog: SensorCatalog) -> None:
    """Evidence forgotten once over 10 s equals evidence forgotten every 0.5 s, and a report
    folded in between evaluations is decayed from its own time."""
    cfg_step = ClassifierConfig(forget_s=10.0, refresh_s=0.0, eval_period_s=0.0)
    cfg_lazy = ClassifierConfig(forget_s=10.0, refresh_s=100.0, eval_period_s=100.0)
    step, lazy = Classifier(catalog, cfg_step), Classifier(catalog, cfg_lazy)
    for clf in (step, lazy):
        clf.update(out_of(picture(catalog, 0.0, [1]), [7], [1]), radar(catalog, 0.0, [7], [-6.0]))
    for k in range(1, 21):
        t = 0.5 * k
        det = [8] if k == 10 else []  # a second report at t = 5 s
        rep = radar(catalog, t, det, [-6.0] * len(det))
        for clf in (step, lazy):
            clf.update(out_of(picture(catalog, t, [1]), det, [1] * len(det)), rep)
    expect = np.exp(-1.0) + np.exp(-0.5)
    assert step.features()[0, RCS_N] == pytest.approx(expect, rel=1e-12)
    assert lazy.features()[0, RCS_N] == pytest.approx(expect, rel=1e-12)
    # the lazy classifier's stored row is still at t = 0; features forget it to the picture time
    np.testing.assert_allclose(lazy.features()[0, SPEED], 48.0)


def test_state_rows_are_reused(catalog: SensorCatalog) -> None:
    """Tracks come and go for 200 steps; the state array stays the size of the live picture."""
    clf = Classifier(catalog)
    for k in range(200):
        ids = list(range(10 * k, 10 * k + 10))
        gone = list(range(10 * (k - 1), 10 * k)) if k else []
        b = clf.update(out_of(picture(catalog, float(k), ids), deleted=gone), Reports.empty())
        np.testing.assert_array_equal(b.track_id, ids)
    assert clf.capacity <= 64
    np.testing.assert_array_equal(clf.track_ids, np.arange(1990, 2000))
    np.testing.assert_allclose(b.probs.sum(axis=1), 1.0)


@dataclasses.dataclass
class CountingModel:
    """Wraps a learned model and records the rows of every call."""

    inner: Any
    rows: list[int] = dataclasses.field(default_factory=list)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.inner.feature_names)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        self.rows.append(X.shape[0])
        return np.asarray(self.inner.predict_proba(X))


def test_learned_model_runs_batched_on_confirmed_tracks_with_news(catalog: SensorCatalog) -> None:
    inner = load_default_model()
    assert inner is not None
    model = CountingModel(inner)
    clf = Classifier(catalog, ClassifierConfig(ml_period_s=1.0, refresh_s=5.0), model)  # type: ignore[arg-type]
    pic = picture(catalog, 0.0, [1, 2, 3], tentative=[3])
    clf.update(out_of(pic), Reports.empty())
    assert model.rows == [2]  # one call, the two confirmed tracks
    for k in range(1, 10):
        t = 0.25 * k
        clf.update(out_of(picture(catalog, t, [1, 2, 3], tentative=[3])), Reports.empty())
    # nothing new before t = 5 s (refresh): no further call
    assert model.rows == [2]
    t = 2.6
    clf.update(
        out_of(picture(catalog, t, [1, 2, 3], tentative=[3]), [9], [2]),
        radar(catalog, t, [9], [-6.0]),
    )
    assert model.rows == [2, 1]  # only the track with a report, at once
    t = 3.0
    clf.update(
        out_of(picture(catalog, t, [1, 2, 3], tentative=[3]), [10], [1]),
        radar(catalog, t, [10], [-6.0]),
    )
    assert model.rows == [2, 1]  # within ml_period_s of the last run: waits
    clf.update(out_of(picture(catalog, 3.6, [1, 2, 3], tentative=[3])), Reports.empty())
    assert model.rows == [2, 1, 1]
