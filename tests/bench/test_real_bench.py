"""The real-data benchmark (`bench.real`): case selection, observable time, scoring of a
perfect and a half-blind tracker, and one small case through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench.real import (
    RealCase,
    all_cases,
    observable_rows,
    run_case,
    score_case,
    select,
)
from bench.run_real import checks, flights_table, real_table

from skyfuse.eval.metrics import prepare
from skyfuse.pipeline import PipelineConfig
from skyfuse.scenario import TrackWriter, read_ground_truth, read_tracks
from skyfuse.sim.flights import FlightsConfig, build_flights

SPEEDS = (60.0, 340.0)


def _case(tmp: Path, sensors: str = "adsb") -> tuple[RealCase, Path]:
    cfg = FlightsConfig(speeds_mps=SPEEDS, sensors=sensors, duration_s=30.0, seed=2)  # type: ignore[arg-type]
    case = RealCase(
        name=f"t-{sensors}",
        group="flights",
        mix=sensors,
        build=lambda f: build_flights(f, cfg),
        params={"geometry": "crossing"},
    )
    folder = tmp / "scenarios" / case.name
    case.build(folder)
    return case, folder


def _write_truth_as_tracks(folder: Path, path: Path, keep: float = 1.0) -> None:
    """A tracker that reports every truth row (or the first ``keep`` share of each target's
    life) as a confirmed track with the target's id, class 'aircraft'."""
    gt = read_ground_truth(folder)
    tr = gt.truth
    from skyfuse.eval.inputs import read_detection_times

    times = np.unique(read_detection_times(folder / "detections.jsonl")[1])
    with TrackWriter(path, geodetic=tr.geodetic) as w:
        for t in times.tolist():
            rows = np.flatnonzero(tr.time == t)
            if t > keep * tr.time.max():
                rows = rows[:0]
            w.write(
                t,
                tr.target_id[rows] + 100,
                tr.pos[rows],
                tr.vel[rows],
                ["aircraft"] * len(rows),
                np.full(len(rows), 0.9),
            )


def test_case_names_unique_and_quick_subset() -> None:
    names = [c.name for c in all_cases()]
    assert len(names) == len(set(names))
    quick = {c.name for c in select(True, None)}
    full = {c.name for c in select(False, None)}
    assert quick and full and not (quick - {c.name for c in all_cases() if c.quick})
    groups = {c.group for c in select(False, None)}
    assert groups == {"flights", "orly", "uav", "spoof"}
    with pytest.raises(KeyError):
        select(False, ["nope"])


def test_perfect_tracker_scores_full_and_half_blind_scores_half(tmp_path: Path) -> None:
    case, folder = _case(tmp_path)
    perfect = tmp_path / "perfect.csv"
    _write_truth_as_tracks(folder, perfect)
    res = score_case(case, folder, perfect, tmp_path / "none.jsonl", hold_s=3.0)
    assert res.tracked_fraction == pytest.approx(1.0)
    assert res.id_switches == 0 and res.gospa == pytest.approx(0.0, abs=1e-6)
    assert [t.track_ids for t in res.targets] == [1, 1]
    assert all(t.class_shares == {"aircraft": 1.0} for t in res.targets)
    half = tmp_path / "half.csv"
    _write_truth_as_tracks(folder, half, keep=0.5)
    res2 = score_case(case, folder, half, tmp_path / "none.jsonl", hold_s=3.0)
    assert 0.45 < (res2.tracked_fraction or 0.0) < 0.55
    assert res2.gospa > 0.0
    # The tables and checks render both.
    assert flights_table([res, res2]) is not None and real_table([res]) is None
    assert checks([res])[0][1] is True and checks([res2])[0][1] is False


def test_observable_rows_follow_the_reports(tmp_path: Path) -> None:
    _, folder = _case(tmp_path, "radar")
    perfect = tmp_path / "p.csv"
    _write_truth_as_tracks(folder, perfect)
    run = prepare(folder, read_tracks(perfect))
    obs = observable_rows(run, 3.0)
    # Both targets are in coverage all the time (Pd 0.9, 1 s scans): almost all observable,
    # except before the first plot.
    assert 0.9 < obs.mean() <= 1.0
    assert not observable_rows(run, 3.0, sensors=set()).any()


def test_one_case_through_the_pipeline(tmp_path: Path) -> None:
    case, _ = _case(tmp_path, "adsb")
    res = run_case(case, tmp_path, config=PipelineConfig(learned_model=False))
    assert res.error is None and res.n_targets == 2
    assert res.tracked_fraction is not None and 0.0 <= res.tracked_fraction <= 1.0
    assert res.pipeline_s > 0.0 and len(res.targets) == 2
    assert (tmp_path / "runs" / case.name / "tracks.csv").exists()
