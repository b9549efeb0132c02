"""Training and evaluation data for the classifier: run it over scenarios, sample track features.

`collect(folder, source=...)` replays a scenario with ground truth through a track source and the
`Classifier`, and every ``sample_every_s`` seconds of scenario time records, for each confirmed
track: its feature vector, the Bayesian posterior, the final (pooled) posterior, its age and its
true class. Track sources:

* ``"tracker"``: the real `skyfuse.tracking.Tracker` with passive fusion attached, as the
  pipeline runs it; a track's truth is the target that caused
  most of its associated reports over its life (`labels.csv`); tracks made mostly of false
  reports are left out (they are the tracker's false tracks, scored by the evaluator).
* ``"oracle"``: `skyfuse.classify.oracle` (truth-aligned tracks with tracker-sized noise).

`train_model` fits the learned model on collected rows (`skyfuse train` drives it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from skyfuse.classify.calibration import CalibrationReport, calibration_report
from skyfuse.classify.classifier import Classifier, ClassifierConfig
from skyfuse.classify.features import N_FEATURES
from skyfuse.classify.learned import LearnedModel, fit_learned_model
from skyfuse.classify.oracle import OracleScenario, load_oracle_scenario, oracle_outputs
from skyfuse.core.kinds import CLASSES, TargetClass
from skyfuse.core.picture import TrackerOutput
from skyfuse.core.reports import Reports

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

Source = Literal["tracker", "oracle"]


@dataclass(frozen=True, slots=True)
class Samples:
    """Track samples from one or more scenario runs (n rows).

    Attributes:
        X: (n, F) features. p_bayes, p_final: (n, C) posteriors (Bayes alone; after pooling).
        y: (n,) true class codes. age_s: (n,) track age, s. time: (n,) sample time, s.
        group: (n,) track key unique across scenarios (scenario index * 1e6 + track id).
    """

    X: F64
    p_bayes: F64
    p_final: F64
    y: I64
    age_s: F64
    time: F64
    group: I64

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def take(self, mask: NDArray[np.bool_]) -> Samples:
        """Rows where mask is True."""
        return Samples(
            self.X[mask],
            self.p_bayes[mask],
            self.p_final[mask],
            self.y[mask],
            self.age_s[mask],
            self.time[mask],
            self.group[mask],
        )

    @staticmethod
    def concat(parts: list[Samples]) -> Samples:
        """Row-wise concatenation."""
        if not parts:
            return Samples(
                np.zeros((0, N_FEATURES)),
                np.zeros((0, len(CLASSES))),
                np.zeros((0, len(CLASSES))),
                np.zeros(0, np.int64),
                np.zeros(0),
                np.zeros(0),
                np.zeros(0, np.int64),
            )
        return Samples(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("X", "p_bayes", "p_final", "y", "age_s", "time", "group")


def _tracker_outputs(sc: OracleScenario) -> Iterator[tuple[TrackerOutput, Reports]]:
    """The tracker as `skyfuse.pipeline` runs it: passive and cooperative fusion attached."""
    from skyfuse.tracking import Tracker
    from skyfuse.tracking.passive import register_passive

    fusion = register_passive(Tracker(sc.catalog))
    for batch in sc.reports.batches_by_time():
        yield fusion.process(batch), batch


def collect(
    folder: Path,
    *,
    source: Source = "tracker",
    seed: int = 0,
    sample_every_s: float = 2.0,
    scenario_index: int = 0,
    config: ClassifierConfig | None = None,
    model: LearnedModel | None = None,
    progress: Callable[[float], None] | None = None,
) -> Samples:
    """Run one scenario folder through a track source and the classifier; sample tracks.

    Args:
        folder: scenario folder with `truth.csv`, `labels.csv`, `targets.csv`.
        source: ``"tracker"`` (real tracker) or ``"oracle"`` (truth-aligned tracks).
        seed: oracle state noise seed.
        sample_every_s: scenario seconds between samples of all confirmed tracks.
        progress: called with the fraction of reports done.
    """
    sc = load_oracle_scenario(folder)
    clf = Classifier(sc.catalog, config, model)
    if source == "oracle":
        stream = oracle_outputs(sc, seed=seed)
    elif source == "tracker":
        stream = _tracker_outputs(sc)
    else:
        raise ValueError(f"unknown track source {source!r} (tracker, oracle)")
    det_order = np.argsort(sc.reports.det_id)
    det_sorted = sc.reports.det_id[det_order]
    assoc_track: list[I64] = []
    assoc_target: list[I64] = []
    rows: dict[str, list[Any]] = {f: [] for f in ("X", "pb", "pf", "tid", "age", "time")}
    next_t = -np.inf
    done = 0
    n_total = max(len(sc.reports), 1)
    for out, batch in stream:
        beliefs = clf.update(out, batch)
        a = out.associations
        if len(a):
            pos = np.minimum(np.searchsorted(det_sorted, a.det_id), det_sorted.size - 1)
            known = det_sorted[pos] == a.det_id
            assoc_track.append(a.track_id)
            assoc_target.append(np.where(known, sc.target_of_report[det_order[pos]], -1))
        pic = out.picture
        if pic.time >= next_t and len(pic):
            conf = pic.confirmed()
            rows["X"].append(clf.features()[conf])
            rows["pb"].append(clf.bayes_posterior()[conf])
            rows["pf"].append(beliefs.probs[conf])
            rows["tid"].append(pic.track_id[conf])
            rows["age"].append((pic.time - pic.first_time)[conf])
            rows["time"].append(np.full(int(conf.sum()), pic.time))
            next_t = pic.time + sample_every_s
        done += len(batch)
        if progress is not None:
            progress(done / n_total)
    if not rows["tid"]:
        return Samples.concat([])
    tid = np.concatenate(rows["tid"])
    target = _majority_target(
        np.concatenate(assoc_track) if assoc_track else np.zeros(0, np.int64),
        np.concatenate(assoc_target) if assoc_target else np.zeros(0, np.int64),
        tid,
    )
    lut = {
        int(i): int(TargetClass.from_label(c))
        for i, c in zip(sc.target_ids, sc.classes, strict=True)
    }
    y = np.array([lut.get(int(t), -1) for t in target], dtype=np.int64)
    keep = y >= 0
    s = Samples(
        np.concatenate(rows["X"]),
        np.concatenate(rows["pb"]),
        np.concatenate(rows["pf"]),
        y,
        np.concatenate(rows["age"]),
        np.concatenate(rows["time"]),
        scenario_index * 1_000_000 + tid,
    )
    return s.take(keep)


def _majority_target(track: I64, target: I64, query: I64) -> I64:
    """For each queried track id, the target id most of its associated reports came from
    (-1 for none / false reports)."""
    if track.size == 0:
        return np.full(query.shape, -1, np.int64)
    pairs, counts = np.unique(np.stack([track, target], axis=1), axis=0, return_counts=True)
    # sort by track, then count descending: first row per track is its majority target
    order = np.lexsort((-counts, pairs[:, 0]))
    pairs = pairs[order]
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
    best_track, best_target = pairs[first, 0], pairs[first, 1]
    pos = np.minimum(np.searchsorted(best_track, query), best_track.size - 1)
    found = best_track[pos] == query
    return np.where(found, best_target[pos], -1).astype(np.int64)


def train_model(
    samples: Samples,
    *,
    seed: int,
    min_age_s: float = 2.0,
    summary: dict[str, Any] | None = None,
) -> LearnedModel:
    """Fit the learned model on samples of tracks at least ``min_age_s`` old."""
    s = samples.take(samples.age_s >= min_age_s)
    if len(s) == 0:
        raise ValueError("no training rows: no confirmed track reached the minimum age")
    return fit_learned_model(s.X, s.y, s.group, seed=seed, summary=summary)


def evaluate(samples: Samples, *, min_age_s: float = 10.0, final: bool = True) -> CalibrationReport:
    """Calibration report over samples of tracks at least ``min_age_s`` old (final or Bayes)."""
    s = samples.take(samples.age_s >= min_age_s)
    return calibration_report(s.p_final if final else s.p_bayes, s.y)
