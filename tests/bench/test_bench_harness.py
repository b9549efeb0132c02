"""The harness end to end: scenario cutting, the worker, a whole case with both trackers."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest
from bench.cases import BenchCase
from bench.measure import RunStats
from bench.report import BenchResults, ResultRow, host_info, write_results
from bench.run import main, run_case, speedup_table, worker_command, worker_env
from bench.score import cut_scenario
from rich.progress import Progress

from bench import worker
from skyfuse.core.errors import InputError
from skyfuse.scenario import read_ground_truth, read_tracker_inputs, read_tracks


def test_cut_scenario_keeps_rows_up_to_the_cut(radar_scenario: Path, tmp_path: Path) -> None:
    cut = cut_scenario(radar_scenario, tmp_path / "cut", 5.0)
    inputs = read_tracker_inputs(cut)
    gt = read_ground_truth(cut)
    assert inputs.reports.time.max() == pytest.approx(5.0, abs=1e-6)
    assert gt.truth.time.max() <= 5.0 + 1e-6
    assert gt.labels is not None
    assert set(gt.labels[0].tolist()) == set(inputs.reports.det_id.tolist())
    full = read_tracker_inputs(radar_scenario)
    assert len(inputs.reports) == int((full.reports.time <= 5.0 + 1e-6).sum())
    assert json.loads((cut / "meta.json").read_text())["until_s"] == 5.0
    with pytest.raises(InputError, match="no report"):
        cut_scenario(radar_scenario, tmp_path / "none", -1.0)


def test_worker_runs_skyfuse_over_every_batch(short_radar_scenario: Path, tmp_path: Path) -> None:
    stats = worker.run("skyfuse", short_radar_scenario, tmp_path, rss_every_s=5.0)
    assert stats.n_batches == stats.n_batches_total == 61
    assert not stats.budget_hit
    assert stats.covered_s == pytest.approx(20.0 + 1.0 / 3.0, abs=1e-3)
    assert stats.x_real_time == pytest.approx(stats.covered_s / stats.tracking_s)
    assert stats.batch_ms_mean <= stats.batch_ms_max
    assert stats.peak_rss_mib >= stats.rss_start_mib > 0.0
    assert [t for t, _ in stats.rss_samples][:5] == pytest.approx([0.0, 5.0, 10.0, 15.0, 20.0])
    tracks = read_tracks(tmp_path / "tracks.csv")
    assert len(np.unique(tracks.time)) <= stats.n_batches
    assert stats.max_tracks >= 4
    assert "cxx" in tracks.extra
    saved = json.loads((tmp_path / "stats.json").read_text())
    assert saved["n_batches"] == 61


def test_worker_runs_the_whole_pipeline_with_the_same_tracks(
    short_radar_scenario: Path, tmp_path: Path
) -> None:
    """The pipeline runner times every stage; on radar plots its tracks are the tracker's."""
    sky = worker.run("skyfuse", short_radar_scenario, tmp_path / "sky", rss_every_s=5.0)
    pipe = worker.run("pipeline", short_radar_scenario, tmp_path / "pipe", rss_every_s=5.0)
    assert pipe.n_batches == sky.n_batches == 61
    assert pipe.variant == "gnn+learned"
    a = read_tracks(tmp_path / "sky" / "tracks.csv")
    b = read_tracks(tmp_path / "pipe" / "tracks.csv")
    assert np.array_equal(a.track_id, b.track_id)
    assert np.allclose(a.pos, b.pos)
    assert "cxx" in b.extra


_STATS = {
    "variant": "",
    "scenario": "",
    "n_batches": 1,
    "n_batches_total": 1,
    "n_reports": 1,
    "first_time_s": 0.0,
    "last_time_s": 1.0,
    "covered_s": 1.0,
    "budget_s": None,
    "budget_hit": False,
    "tracking_s": 1.0,
    "batch_ms_p95": 1.0,
    "batch_ms_max": 1.0,
    "x_real_time": 1.0,
    "rss_start_mib": 1.0,
    "rss_end_mib": 1.0,
    "peak_rss_mib": 1.0,
    "rss_samples": [],
    "max_tracks": 1,
}


def test_speedup_table_divides_stone_soup_by_skyfuse() -> None:
    def row(tracker: str, ms: float, window: str = "") -> ResultRow:
        stats = msgspec.convert({**_STATS, "tracker": tracker, "batch_ms_mean": ms}, type=RunStats)
        return ResultRow(
            scenario="n100-r3",
            tracker=tracker,
            variant="",
            folder="",
            stats=stats,
            score=None,
            window=window,
        )

    res = BenchResults(
        created_utc="2026-11-23T14:05:09+00:00",
        label="only",
        quick=False,
        ss_budget_s=None,
        host=host_info(),
        rows=[
            row("skyfuse", 2.0),
            row("pipeline", 5.0),
            row("stonesoup", 300.0),
            row("skyfuse", 1.0, window="0-29 s"),
        ],
    )
    table = speedup_table(res)
    assert table is not None
    cells = [list(col.cells) for col in table.columns]
    assert [c[0] for c in cells] == ["n100-r3", "300.0", "2.0", "150.0", "5.0", "60.0"]


def test_worker_rejects_an_unknown_tracker(short_radar_scenario: Path) -> None:
    with pytest.raises(ValueError, match="unknown tracker"):
        worker.make_tracker(
            "kalman9000", read_tracker_inputs(short_radar_scenario).catalog, kd_tree=False
        )


def test_worker_command_and_environment(tmp_path: Path) -> None:
    cmd = worker_command(
        "stonesoup", tmp_path, tmp_path / "o", budget_s=3.0, kd_tree=True, rss_every_s=60.0
    )
    assert cmd[1:3] == ["-m", "bench.worker"]
    assert cmd[-3:] == ["--budget", "3.0", "--kd-tree"]
    env = worker_env()
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"


def test_case_with_a_budgeted_stone_soup(short_radar_scenario: Path, tmp_path: Path) -> None:
    """Both trackers in subprocesses; Stone Soup cut by a tiny budget is scored on its window,
    and Skyfuse is scored again on that window."""
    case = BenchCase("short", folder=short_radar_scenario)
    with Progress(disable=True) as progress:
        rows = run_case(
            case,
            cache=tmp_path,
            trackers=["skyfuse", "stonesoup"],
            ss_budget_s=0.3,
            progress=progress,
        )
    assert [(r.tracker, r.window) for r in rows][:2] == [("skyfuse", ""), ("stonesoup", "")]
    assert all(r.error is None for r in rows), [r.error for r in rows]
    sky, ss = rows[0], rows[1]
    assert sky.stats is not None and not sky.stats.budget_hit
    assert ss.stats is not None and ss.stats.budget_hit
    assert ss.stats.n_batches < ss.stats.n_batches_total
    assert ss.score is not None and sky.score is not None
    assert ss.score.scored_until_s == pytest.approx(ss.stats.last_time_s)
    assert sky.score.n_times == 61
    window = rows[2]
    assert window.tracker == "skyfuse" and window.window.startswith("0-")
    assert window.score is not None and window.score.n_times == ss.score.n_times


def test_cli_rejects_an_unknown_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "n7-r2", "--out", "/nonexistent"]) == 2
    assert "n7-r2" in capsys.readouterr().out


def test_cli_shows_a_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = BenchResults(
        created_utc="2026-11-23T14:05:09+00:00",
        label="only",
        quick=False,
        ss_budget_s=None,
        host=host_info(),
        rows=[
            ResultRow(
                scenario="n1000-r3",
                tracker="skyfuse",
                variant="gnn",
                folder="",
                stats=None,
                score=None,
                error="boom",
            )
        ],
    )
    path = write_results(res, tmp_path)
    assert main(["--show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "n1000-r3" in out and "error: boom" in out
    (tmp_path / "bad.json").write_text("{")
    assert main(["--show", str(tmp_path / "bad.json")]) == 2
