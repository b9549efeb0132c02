"""The issue-4/5 benchmark harness: sensor-kind filtering, coverage runs, ghost tracks, two-class
accuracy, the pipeline worker end to end on a cut of the shared mixed example, and the tables."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest
from bench.decisions import DecisionRow, PairAccuracy, score_decisions, two_class_accuracy
from bench.fusion import (
    AcousticRow,
    MixRow,
    StageConfig,
    acoustic_coverage,
    drop_sensor_kinds,
    ghost_track_ids,
    longest_true_run,
    parse_worker_args,
    read_stage_stats,
    run_stages,
    score_acoustic,
    score_mix,
    worker_command,
)
from bench.report import host_info
from bench.run_decisions import DecisionResults, confusion_table, summary_table
from bench.run_fusion import (
    FusionResults,
    acoustic_table,
    mixed_table,
    print_results,
    write_results_json,
)
from bench.score import cut_scenario
from rich.console import Console

from skyfuse.core.errors import InputError
from skyfuse.eval import prepare
from skyfuse.scenario import read_ground_truth, read_tracker_inputs, read_tracks
from skyfuse.scenario.tables import TrackWriter


@pytest.fixture(scope="module")
def short_mixed(mixed_scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 25 s of the shared mixed example (every sensor kind)."""
    return cut_scenario(mixed_scenario, tmp_path_factory.mktemp("mixed-25s") / "scenario", 25.0)


@pytest.fixture(scope="module")
def mixed_run(short_mixed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pipeline (passive fusion, rules-only classifier) over `short_mixed`."""
    out = tmp_path_factory.mktemp("mixed-run")
    run_stages(short_mixed, out, StageConfig(stage="pipeline", learned_model=False))
    return out


# -- pure pieces -------------------------------------------------------------------------------


def test_longest_true_run_counts_consecutive_samples() -> None:
    t = np.arange(10.0)
    flag = np.array([1, 1, 0, 1, 1, 1, 1, 0, 1, 1], bool)
    assert longest_true_run(t, flag, 1.0) == pytest.approx(4.0)
    assert longest_true_run(t, np.zeros(10, bool), 1.0) == 0.0
    assert longest_true_run(t, np.ones(10, bool), 1.0) == pytest.approx(10.0)
    # A gap in the samples themselves breaks a run too.
    gap = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    assert longest_true_run(gap, np.ones(5, bool), 1.0) == pytest.approx(3.0)


def test_two_class_accuracy_counts_only_old_pairs_of_the_two_classes() -> None:
    true = np.array(["attack_drone", "attack_drone", "bird", "bird", "decoy", "attack_drone"])
    pred = np.array(["attack_drone", "bird", "bird", "attack_drone", "bird", "unknown"])
    age = np.array([12.0, 15.0, 10.0, 30.0, 20.0, 5.0])
    acc = two_class_accuracy(true, pred, age, ("attack_drone", "bird"))
    assert acc.n_pairs == 4  # the decoy and the 5 s old pair are left out
    assert acc.accuracy == pytest.approx(0.5)
    assert acc.confused == 2
    none = two_class_accuracy(true, pred, age, ("aircraft", "multirotor"))
    assert none.n_pairs == 0 and none.accuracy is None


def test_stage_config_names_and_rejects_unknown_stage() -> None:
    assert StageConfig().variant == "pipeline+passive+learned"
    assert StageConfig(stage="tracker", passive=False).variant == "tracker"
    assert StageConfig(learned_model=False).variant == "pipeline+passive+rules"
    with pytest.raises(InputError, match="stage"):
        StageConfig(stage="classifier")


def test_worker_command_round_trips_through_the_worker_parser(tmp_path: Path) -> None:
    cfg = StageConfig(stage="tracker", passive=False, learned_model=False)
    cmd = worker_command(tmp_path / "s", tmp_path / "o", cfg)
    assert cmd[1:3] == ["-m", "bench.fusion"]
    args = parse_worker_args(cmd[3:])
    assert args.config == cfg
    assert args.scenario == tmp_path / "s" and args.progress


# -- scenario variants and coverage --------------------------------------------------------------


def test_drop_sensor_kinds_removes_sensors_reports_and_labels(
    short_mixed: Path, tmp_path: Path
) -> None:
    dst = drop_sensor_kinds(short_mixed, tmp_path / "no-acoustic", ["acoustic", "rf_df"])
    kinds = [s["kind"] for s in json.loads((dst / "sensors.json").read_text())["sensors"]]
    assert "acoustic" not in kinds and "rf_df" not in kinds and "radar" in kinds
    full = read_tracker_inputs(short_mixed)
    part = read_tracker_inputs(dst)
    kept = {
        full.catalog.specs[i].sensor_id
        for i in range(len(full.catalog))
        if full.catalog.specs[i].kind not in ("acoustic", "rf_df")
    }
    keep = np.isin(
        np.array([full.catalog.specs[i].sensor_id for i in full.reports.sensor]), list(kept)
    )
    assert np.array_equal(np.sort(part.reports.det_id), np.sort(full.reports.det_id[keep]))
    labels = read_ground_truth(dst).labels
    assert labels is not None
    assert set(labels[0].tolist()) <= set(part.reports.det_id.tolist())
    assert (dst / "truth.csv").read_bytes() == (short_mixed / "truth.csv").read_bytes()


def test_drop_sensor_kinds_names_bad_kinds(short_mixed: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="sonar"):
        drop_sensor_kinds(short_mixed, tmp_path / "x", ["sonar"])
    every = ["radar", "acoustic", "rf_df", "eo_ir", "adsb", "remote_id"]
    with pytest.raises(InputError, match="no sensor"):
        drop_sensor_kinds(short_mixed, tmp_path / "y", every)


def test_acoustic_coverage_needs_two_arrays_in_range(short_mixed: Path) -> None:
    two = acoustic_coverage(short_mixed, min_arrays=2, min_span_s=5.0)
    one = acoustic_coverage(short_mixed, min_arrays=1, min_span_s=5.0)
    targets = set(read_ground_truth(short_mixed).truth.target_id.tolist())
    assert set(two.tolist()) <= set(one.tolist()) <= targets
    assert acoustic_coverage(short_mixed, min_arrays=2, min_span_s=1e6).size == 0
    near = acoustic_coverage(short_mixed, min_arrays=1, min_span_s=5.0, range_cap_m=2_000.0)
    assert set(near.tolist()) <= set(one.tolist())
    assert acoustic_coverage(short_mixed, min_arrays=1, min_span_s=5.0, range_cap_m=0.0).size == 0


def test_ghost_tracks_are_tracks_paired_with_no_target(
    radar_scenario: Path, tmp_path: Path
) -> None:
    """Truth copied as tracks (ids 1000 + target) plus one track 50 km away: only it is a ghost."""
    truth = read_ground_truth(radar_scenario).truth
    times = np.unique(truth.time)[:20]
    path = tmp_path / "tracks.csv"
    with TrackWriter(path, geodetic=False) as w:
        for t in times.tolist():
            m = truth.time == t
            ids = np.concatenate([1000 + truth.target_id[m], [7]])
            pos = np.vstack([truth.pos[m], [[50_000.0, 50_000.0, 1000.0]]])
            vel = np.vstack([truth.vel[m], [[0.0, 0.0, 0.0]]])
            w.write(t, ids, pos, vel, ["unknown"] * ids.size, np.ones(ids.size))
    run = prepare(radar_scenario, read_tracks(path), c=200.0)
    assert ghost_track_ids(run).tolist() == [7]


# -- the worker and scoring, end to end ---------------------------------------------------------


def test_pipeline_worker_writes_tracks_alerts_and_stats(short_mixed: Path, mixed_run: Path) -> None:
    stats = msgspec.json.decode((mixed_run / "stats.json").read_bytes())
    inputs = read_tracker_inputs(short_mixed)
    assert stats["n_reports"] == len(inputs.reports)
    assert stats["n_batches"] == np.unique(inputs.reports.time).size
    assert stats["variant"] == "pipeline+passive+rules"
    assert stats["tracking_s"] > 0 and stats["peak_rss_mib"] > 0
    tracks = read_tracks(mixed_run / "tracks.csv")
    assert len(tracks.time) > 0
    # One picture per report time: no (time, track) twice, every picture at a report time.
    keys = np.round(tracks.time * 1e6).astype(np.int64) * 1_000_003 + tracks.track_id
    assert np.unique(keys).size == keys.size
    assert np.isin(np.round(tracks.time, 6), np.round(inputs.reports.time, 6)).all()
    assert (mixed_run / "alerts.jsonl").exists()
    extra = read_stage_stats(mixed_run)
    assert extra is not None and extra.cpu_s > 0 and extra.stale_pictures >= 0


def test_mix_and_decision_scores_from_one_run(short_mixed: Path, mixed_run: Path) -> None:
    mix = score_mix(MixRow(label="all", kinds=[], folder=""), short_mixed, mixed_run / "tracks.csv")
    assert mix.gospa is not None and mix.gospa >= 0
    assert mix.gospa == pytest.approx(mix.localisation + mix.missed + mix.false, rel=1e-9)
    assert mix.share_tracked and all(0 <= (v or 0) <= 1 for v in mix.share_tracked.values())
    row = score_decisions(
        DecisionRow(scenario="mixed-demo", classifier="rules", folder=""), short_mixed, mixed_run
    )
    assert row.n_pairs > 0 and row.accuracy is not None
    assert sum(map(sum, row.confusion)) == row.n_pairs
    assert sum(row.false_site_causes.values()) == row.false_site_alerts
    assert row.site_eligible is not None
    assert row.site_eligible.n_warned_in_time + row.site_eligible.n_unwarned <= (
        row.site_eligible.n_eligible
    )
    ac = score_acoustic(
        AcousticRow(label="a", arrays=0, attack_drones=0, folder=""),
        short_mixed,
        mixed_run / "tracks.csv",
    )
    assert 0 <= ac.covered_tracked <= ac.covered
    assert 0 <= ac.ghosts <= ac.track_ids


def test_tables_and_results_json(tmp_path: Path) -> None:
    acoustic = [
        AcousticRow(label="1 array", arrays=1, attack_drones=50, folder="f", covered=0),
        AcousticRow(label="bad", arrays=0, attack_drones=0, folder="", error="boom"),
    ]
    res = FusionResults(
        created_utc="2026-01-02T03:04:05+00:00",
        label="quick",
        quick=True,
        host=host_info(),
        acoustic=acoustic,
        mixed=[MixRow(label="radar only", kinds=["radar"], folder="", share_tracked={"bird": 0.5})],
    )
    path = write_results_json(res, res.created_utc, res.label, tmp_path, "fusion")
    assert path.name == "20260102-0304-fusion-quick.json"
    back = msgspec.json.decode((tmp_path / "fusion-latest.json").read_bytes(), type=FusionResults)
    assert back == res
    console = Console(record=True, width=250)
    print_results(console, back)
    text = console.export_text()
    assert "1 array" in text and "error: boom" in text and "BI 50" in text
    assert acoustic_table(acoustic).row_count == 2
    assert mixed_table(res.mixed).row_count == 1
    dec = DecisionRow(
        scenario="s",
        classifier="rules",
        folder="",
        attack_vs_bird=PairAccuracy(
            classes=["attack_drone", "bird"], min_age_s=10, n_pairs=4, accuracy=0.75, confused=1
        ),
        true_labels=["bird"],
        predicted_labels=["bird", "unknown"],
        confusion=[[3, 1]],
    )
    d = DecisionResults(created_utc=res.created_utc, label="x", quick=False, host=res.host)
    d.rows = [dec]
    console = Console(record=True, width=250)
    console.print(summary_table(d.rows))
    console.print(confusion_table(dec))
    text = console.export_text()
    assert "75% (1/4)" in text and "none eligible" in text
