"""One tracker on one scenario, in its own process: ``python -m bench.worker``.

Reads the scenario (untimed), then for every report time converts the batch for the tracker
(untimed), runs the tracker step (timed with ``perf_counter``), writes its confirmed tracks to
``tracks.csv`` (untimed) and samples resident memory about every ``--rss-every`` seconds of
scenario time. Stops early when ``--budget`` seconds of wall time have passed since the first
step. Writes ``stats.json`` (`bench.measure.RunStats`) next to ``tracks.csv`` and prints
``progress <done> <total>`` lines for the parent's progress bar.

Run it with ``OMP_NUM_THREADS=1`` (and the OpenBLAS/MKL equivalents) so it uses one core; the
parent (`bench.run`) does.
"""

from __future__ import annotations

import argparse
import sys
import time as wall
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from bench.measure import (
    RunStats,
    batch_summary,
    covered_duration,
    peak_rss_mib,
    peak_rss_since_reset_mib,
    real_time_factor,
    reset_peak_rss,
    rss_mib,
)
from bench.tracks import BenchTracker, open_tracks, write_picture
from skyfuse.scenario import read_tracker_inputs
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Context

TRACKERS = ("skyfuse", "pipeline", "stonesoup")


def make_tracker(
    name: str, catalog: SensorCatalog, *, kd_tree: bool, context: Context | None = None
) -> BenchTracker[Any]:
    """The runner for tracker ``name`` (`TRACKERS`); ``kd_tree`` selects Stone Soup's kd-tree
    pre-selection; ``context`` (sites, borders) feeds the whole pipeline's threat stage.
    Imports lazily so each worker loads only its own tracker."""
    if name == "skyfuse":
        from bench.skyfuse_tracker import SkyfuseRunner

        return SkyfuseRunner(catalog)
    if name == "pipeline":
        from bench.skyfuse_tracker import SkyfusePipelineRunner

        return SkyfusePipelineRunner(catalog, context if context is not None else Context())
    if name == "stonesoup":
        from bench.stonesoup_tracker import StoneSoupConfig, StoneSoupRunner

        return StoneSoupRunner(catalog, StoneSoupConfig(kd_tree=kd_tree))
    raise ValueError(f"--tracker: unknown tracker {name!r} (expected one of {TRACKERS})")


def run(
    tracker_name: str,
    scenario: Path,
    out_dir: Path,
    *,
    budget_s: float | None = None,
    kd_tree: bool = False,
    rss_every_s: float = 60.0,
    progress: bool = False,
) -> RunStats:
    """Run one tracker over a scenario folder; write ``tracks.csv`` and ``stats.json`` into
    ``out_dir`` and return the stats."""
    inputs = read_tracker_inputs(scenario)
    tracker = make_tracker(tracker_name, inputs.catalog, kd_tree=kd_tree, context=inputs.context)
    out_dir.mkdir(parents=True, exist_ok=True)
    times_all = np.unique(inputs.reports.time)
    n_total = int(times_all.size)
    batch_ms: list[float] = []
    done_times: list[float] = []
    rss_samples: list[tuple[float, float]] = []
    rss_start = rss_mib()
    whole_peak = peak_rss_mib()
    can_reset = reset_peak_rss()
    n_reports = 0
    max_tracks = 0
    next_sample = -np.inf
    budget_hit = False
    every = max(n_total // 200, 1)
    start = wall.perf_counter()
    with open_tracks(out_dir / "tracks.csv") as writer:
        for k, batch in enumerate(inputs.reports.batches_by_time()):
            t = float(batch.time[0])
            if t >= next_sample:
                rss_samples.append((t, rss_mib()))
                next_sample = t + rss_every_s
            prepared = tracker.prepare(batch)
            t0 = wall.perf_counter()
            tracker.step(t, prepared)
            batch_ms.append((wall.perf_counter() - t0) * 1e3)
            states = tracker.picture(t)
            write_picture(writer, states)
            max_tracks = max(max_tracks, len(states))
            done_times.append(t)
            n_reports += len(batch)
            if progress and (k % every == 0 or k == n_total - 1):
                print(f"progress {k + 1} {n_total}", flush=True)
            if budget_s is not None and wall.perf_counter() - start > budget_s and k < n_total - 1:
                budget_hit = True
                break
    times = np.asarray(done_times, dtype=np.float64)
    if times.size:
        rss_samples.append((float(times[-1]), rss_mib()))
    ms = np.asarray(batch_ms, dtype=np.float64)
    mean, p95, mx = batch_summary(ms)
    tracking_s = float(ms.sum() / 1e3)
    covered = covered_duration(times)
    rss_end = rss_mib()
    tracking_peak = peak_rss_since_reset_mib() if can_reset else None
    stats = RunStats(
        tracker=tracker_name,
        variant=tracker.variant,
        scenario=str(scenario),
        n_batches=int(times.size),
        n_batches_total=n_total,
        n_reports=n_reports,
        first_time_s=float(times[0]) if times.size else 0.0,
        last_time_s=float(times[-1]) if times.size else 0.0,
        covered_s=covered,
        budget_s=budget_s,
        budget_hit=budget_hit,
        tracking_s=tracking_s,
        batch_ms_mean=mean,
        batch_ms_p95=p95,
        batch_ms_max=mx,
        x_real_time=real_time_factor(covered, tracking_s),
        rss_start_mib=rss_start,
        rss_end_mib=rss_end,
        peak_rss_mib=max(whole_peak, peak_rss_mib(), rss_end, *(m for _, m in rss_samples)),
        tracking_peak_rss_mib=tracking_peak,
        rss_samples=rss_samples,
        max_tracks=max_tracks,
    )
    (out_dir / "stats.json").write_bytes(msgspec.json.format(msgspec.json.encode(stats)))
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the worker (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    ap.add_argument("--tracker", required=True, choices=TRACKERS)
    ap.add_argument("--scenario", required=True, type=Path, help="scenario folder")
    ap.add_argument("--out-dir", required=True, type=Path, help="where tracks.csv, stats.json go")
    ap.add_argument("--budget", type=float, default=None, help="wall-time budget, s")
    ap.add_argument("--kd-tree", action="store_true", help="Stone Soup: kd-tree pre-selection")
    ap.add_argument("--rss-every", type=float, default=60.0, help="memory sample period, s")
    ap.add_argument("--progress", action="store_true", help="print progress lines")
    a = ap.parse_args(argv)
    run(
        a.tracker,
        a.scenario,
        a.out_dir,
        budget_s=a.budget,
        kd_tree=a.kd_tree,
        rss_every_s=a.rss_every,
        progress=a.progress,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
