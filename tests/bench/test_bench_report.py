"""Harness pieces: timing summaries, memory trend, case selection, results JSON and table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from bench.cases import CASES, BenchCase, scenario_folder, select_cases
from bench.measure import RunStats, batch_summary, covered_duration, real_time_factor
from bench.report import (
    BenchResults,
    HostInfo,
    ResultRow,
    memory_table,
    memory_trend,
    read_results,
    results_table,
    row_cells,
    write_results,
)
from bench.score import Score
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from skyfuse.core.errors import InputError


def stats(**kw: object) -> RunStats:
    base: dict[str, object] = dict(
        tracker="stonesoup",
        variant="gnn",
        scenario="x",
        n_batches=10,
        n_batches_total=30,
        n_reports=100,
        first_time_s=0.0,
        last_time_s=9.0,
        covered_s=10.0,
        budget_s=5.0,
        budget_hit=True,
        tracking_s=4.0,
        batch_ms_mean=400.0,
        batch_ms_p95=500.0,
        batch_ms_max=600.0,
        x_real_time=2.5,
        rss_start_mib=80.0,
        rss_end_mib=90.0,
        peak_rss_mib=91.0,
        rss_samples=[(0.0, 80.0), (9.0, 90.0)],
        max_tracks=7,
    )
    base.update(kw)
    return RunStats(**base)  # type: ignore[arg-type]


def score(**kw: object) -> Score:
    base: dict[str, object] = dict(
        scored_until_s=9.0,
        n_times=10,
        mean_truths=7.0,
        mean_tracks=7.5,
        gospa=106.0,
        localisation=97.0,
        missed=3.0,
        false=6.0,
        per_target=14.5,
        id_switches=0,
        track_ids_per_target=1.0,
        mota=0.97,
        motp_m=13.0,
        confirm_median_s=0.7,
        confirm_p90_s=1.0,
        never_tracked=0,
        nees_mean=3.1,
    )
    base.update(kw)
    return Score(**base)  # type: ignore[arg-type]


def results(rows: list[ResultRow]) -> BenchResults:
    return BenchResults(
        created_utc="2026-11-23T14:05:09+00:00",
        label="quick",
        quick=True,
        ss_budget_s=30.0,
        host=HostInfo(python="3.11", machine="x86_64", cpus=2, numpy="2", stonesoup="1.9.1"),
        rows=rows,
    )


# -- measure ------------------------------------------------------------------------------------


def test_covered_duration_of_staggered_scans() -> None:
    times = np.arange(360) / 3.0  # 3 radars a second for 120 s
    assert covered_duration(times) == pytest.approx(120.0)
    assert covered_duration(np.array([5.0])) == 0.0


def test_batch_summary_and_real_time_factor() -> None:
    mean, p95, mx = batch_summary(np.arange(1.0, 101.0))
    assert (mean, mx) == (50.5, 100.0)
    assert p95 == pytest.approx(95.05)
    assert batch_summary(np.zeros(0)) == (0.0, 0.0, 0.0)
    assert real_time_factor(120.0, 40.0) == 3.0
    assert math.isinf(real_time_factor(1.0, 0.0))


def test_memory_trend_recovers_a_linear_slope_after_warm_up() -> None:
    t = np.arange(0.0, 3601.0, 60.0)
    rss = 200.0 + 12.0 * t / 3600.0
    rss[t < 600.0] = 50.0  # warm-up: ignored
    trend = memory_trend(list(zip(t.tolist(), rss.tolist(), strict=True)), warmup_s=600.0)
    assert trend.slope_mib_per_h == pytest.approx(12.0)
    assert trend.spread_mib == pytest.approx(12.0 * 3000.0 / 3600.0)
    assert trend.n_samples == int((t >= 600.0).sum())


def test_memory_trend_of_flat_and_short_runs() -> None:
    flat = memory_trend([(float(s), 100.0) for s in range(0, 4000, 60)])
    assert flat.slope_mib_per_h == pytest.approx(0.0, abs=1e-9)
    short = memory_trend([(0.0, 80.0), (60.0, 82.0)])
    assert short.warmup_s == 0.0
    assert short.slope_mib_per_h == pytest.approx(120.0)
    single = memory_trend([(0.0, 80.0)])
    assert single.slope_mib_per_h is None


# -- cases --------------------------------------------------------------------------------------


def test_quick_subset_and_only() -> None:
    assert [c.name for c in select_cases(CASES, quick=True, only=None)] == [
        "n10-r1",
        "n10-r3",
        "n100-r3",
        "raid-10x100",
    ]
    assert len(select_cases(CASES, quick=False, only=None)) == len(CASES)
    picked = select_cases(CASES, quick=True, only=["n1000-r3", "n10-r1"])
    assert [c.name for c in picked] == ["n10-r1", "n1000-r3"]
    with pytest.raises(InputError, match="n7-r2"):
        select_cases(CASES, quick=False, only=["n7-r2"])


def test_every_case_has_one_source_and_a_unique_name() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    for c in CASES:
        assert sum(x is not None for x in (c.preset, c.shared, c.folder)) == 1
    hour = next(c for c in CASES if c.name == "hour-n100-r3")
    assert not hour.stonesoup


def test_shared_and_explicit_folders_are_used_as_they_are(tmp_path: Path) -> None:
    case = BenchCase("example", shared="n10-r3-s120")
    assert scenario_folder(case, tmp_path).name == "n10-r3-s120"
    with pytest.raises(InputError, match="incomplete"):
        scenario_folder(BenchCase("empty", folder=tmp_path), tmp_path)


def test_cache_key_names_seed_and_overrides() -> None:
    case = BenchCase("x", "n10-r1", seed=4, overrides={"radars": 2, "duration_s": 30.0})
    assert case.cache_key() == "n10-r1-s4-duration_s=30.0-radars=2"


# -- results ------------------------------------------------------------------------------------


finite = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None)
@given(g=finite, loc=finite, ms=finite, sw=st.integers(0, 10_000), med=st.none() | finite)
def test_results_json_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    g: float,
    loc: float,
    ms: float,
    sw: int,
    med: float | None,
) -> None:
    out = tmp_path_factory.mktemp("results")
    row = ResultRow(
        scenario="n10-r3",
        tracker="stonesoup",
        variant="gnn",
        folder="/x",
        stats=stats(batch_ms_mean=ms),
        score=score(gospa=g, localisation=loc, id_switches=sw, confirm_median_s=med),
        memory=memory_trend([(0.0, 1.0), (60.0, 2.0)]),
    )
    res = results([row])
    path = write_results(res, out)
    assert path.name == "20261123-1405-quick.json"
    assert read_results(path) == res
    assert (out / "latest.json").read_bytes() == path.read_bytes()


def test_row_cells_show_budget_window_and_missing_values() -> None:
    cut = ResultRow(
        scenario="n100-r3",
        tracker="stonesoup",
        variant="gnn-kd",
        folder="/x",
        stats=stats(),
        score=score(per_target=None, confirm_median_s=None),
    )
    cells = row_cells(cut)
    assert cells[1] == "stonesoup (gnn-kd)"
    assert cells[2] == "400.0/500.0"
    assert cells[3] == "2.50"
    assert cells[5] == "106 (97/3/6)"
    assert cells[6] == "-"
    assert cells[8] == "-/1.0"
    assert "budget 5 s" in cells[-1]
    window = ResultRow(
        scenario="n100-r3",
        tracker="skyfuse",
        variant="",
        folder="/x",
        stats=None,
        score=score(),
        window="0-9 s",
    )
    wc = row_cells(window)
    assert wc[2:5] == ["-", "-", "-"]
    assert "window 0-9 s" in wc[-1]
    failed = ResultRow(
        scenario="n1", tracker="skyfuse", variant="", folder="", stats=None, score=None, error="x"
    )
    assert row_cells(failed)[-1] == "error: x"


def test_tables_render(tmp_path: Path) -> None:
    samples = [(float(t), 100.0 + t / 3600.0) for t in range(0, 3601, 60)]
    long = ResultRow(
        scenario="hour-n100-r3",
        tracker="skyfuse",
        variant="gnn",
        folder="/x",
        stats=stats(budget_hit=False, covered_s=3600.0, rss_samples=samples),
        score=score(),
        memory=memory_trend(samples),
    )
    res = results([long])
    console = Console(record=True, width=250)
    console.print(results_table(res))
    mem = memory_table(res)
    assert mem is not None
    console.print(mem)
    text = console.export_text()
    assert "hour-n100-r3" in text
    assert "60 min" in text
    assert "1.00" in text  # slope 1 MiB/h
    assert memory_table(results([])) is None


def test_reference_rows_follow_their_case() -> None:
    row = ResultRow(
        scenario="n10-r3",
        tracker="skyfuse",
        variant="gnn",
        folder="/x",
        stats=stats(budget_hit=False),
        score=score(gospa=99.0),
    )
    console = Console(record=True, width=250)
    console.print(results_table(results([row])))
    lines = console.export_text().splitlines()
    ours = next(i for i, ln in enumerate(lines) if "99 (97/3/6)" in ln)
    notes = next(i for i, ln in enumerate(lines) if "stonesoup (gnn) ref" in ln)
    assert notes > ours
    assert "106 (97/3/6)" in lines[notes]
    console = Console(record=True, width=250)
    console.print(results_table(results([row]), reference=False))
    assert " ref " not in console.export_text()


def test_tracking_peak_sees_an_allocation_after_the_reset() -> None:
    from bench.measure import peak_rss_since_reset_mib, reset_peak_rss, rss_mib

    if not reset_peak_rss():
        pytest.skip("peak RSS cannot be reset on this platform")
    before = rss_mib()
    block = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, touched
    peak = peak_rss_since_reset_mib()
    assert peak is not None
    assert peak >= before + 60.0
    del block


def test_code_version_names_the_commit_or_nothing(tmp_path: Path) -> None:
    from bench.report import code_version

    here = code_version(Path(__file__).resolve().parents[2])
    assert here is not None and len(here.split("-")[0]) >= 7
    assert code_version(tmp_path) is None
