"""Benchmark Skyfuse against Stone Soup 1.9.1: ``python -m bench.run [--quick] [--only NAME...]``.

For every case (`bench.cases.CASES`) the scenario is generated into the cache if missing, then
each tracker runs in its own fresh interpreter (`bench.worker`, one core: ``OMP_NUM_THREADS=1``
and friends) so timings and peak memory are its own. Both trackers' ``tracks.csv`` are scored by
the same evaluator (`skyfuse.eval`). Stone Soup stops after ``--ss-budget`` seconds of wall time
and is scored over the scenario time it reached; Skyfuse is then also scored over that window
(an extra row) for a like-for-like GOSPA. Prints one table and writes
``<out>/<YYYYmmdd-HHMM>-<label>.json`` and ``<out>/latest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import msgspec
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.cases import CASES, DEFAULT_CACHE, BenchCase, scenario_folder, select_cases
from bench.measure import RunStats
from bench.report import (
    BenchResults,
    ResultRow,
    host_info,
    memory_table,
    memory_trend,
    read_results,
    results_table,
    write_results,
)
from bench.score import Score, cut_scenario, score_run
from bench.worker import TRACKERS
from skyfuse.core.errors import InputError

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
SINGLE_CORE_ENV: Final = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}
"""Environment of every worker: one thread for every BLAS / OpenMP pool."""

DEFAULT_SS_BUDGET_S: Final = 180.0
QUICK_SS_BUDGET_S: Final = 30.0


class WorkerError(RuntimeError):
    """A worker process failed; the message holds the end of its stderr."""


def worker_command(
    tracker: str,
    scenario: Path,
    out_dir: Path,
    *,
    budget_s: float | None,
    kd_tree: bool,
    rss_every_s: float,
) -> list[str]:
    """The command line of one worker run (`bench.worker`)."""
    cmd = [
        sys.executable,
        "-m",
        "bench.worker",
        "--tracker",
        tracker,
        "--scenario",
        str(scenario),
        "--out-dir",
        str(out_dir),
        "--rss-every",
        str(rss_every_s),
        "--progress",
    ]
    if budget_s is not None:
        cmd += ["--budget", str(budget_s)]
    if kd_tree:
        cmd.append("--kd-tree")
    return cmd


def worker_env() -> dict[str, str]:
    """This process's environment, single-threaded, with the repository on ``PYTHONPATH``."""
    env = dict(os.environ)
    env.update(SINGLE_CORE_ENV)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + path if path else "")
    return env


def run_worker(cmd: list[str], out_dir: Path, progress: Progress, label: str) -> RunStats:
    """Run a worker, showing its ``progress <done> <total>`` lines; return its stats.

    Raises `WorkerError` with the tail of its stderr if it fails.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    err_path = out_dir / "stderr.txt"
    task = progress.add_task(label, total=None)
    with (
        err_path.open("w") as err,
        subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=worker_env(), cwd=REPO_ROOT
        ) as proc,
    ):
        lines = proc.stdout if proc.stdout is not None else ()
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "progress":
                progress.update(task, completed=int(parts[1]), total=int(parts[2]))
        code = proc.wait()
    progress.remove_task(task)
    if code != 0:
        tail = err_path.read_text().strip().splitlines()[-3:]
        raise WorkerError(" | ".join(tail) or f"exit code {code}")
    return msgspec.json.decode((out_dir / "stats.json").read_bytes(), type=RunStats)


def _window(until_s: float) -> str:
    return f"0-{until_s:.0f} s"


def run_case(
    case: BenchCase,
    *,
    cache: Path,
    trackers: Sequence[str],
    ss_budget_s: float | None,
    progress: Progress,
) -> list[ResultRow]:
    """Run and score every tracker of one case; failures become rows with ``error`` set."""
    gen = progress.add_task(f"{case.name}: scenario", total=None)
    try:
        folder = scenario_folder(case, cache)
    except Exception as e:  # a broken case must not stop the other cases
        progress.remove_task(gen)
        return [
            ResultRow(
                scenario=case.name,
                tracker=t,
                variant="",
                folder="",
                stats=None,
                score=None,
                note=case.note,
                error=f"scenario: {e}",
            )
            for t in trackers
        ]
    progress.remove_task(gen)
    runs = cache / "runs" / case.name
    rows: list[ResultRow] = []
    sky_tracks: Path | None = None
    for tracker in trackers:
        if tracker == "stonesoup" and not case.stonesoup:
            continue
        out_dir = runs / tracker
        budget = ss_budget_s if tracker == "stonesoup" else None
        cmd = worker_command(
            tracker,
            folder,
            out_dir,
            budget_s=budget,
            kd_tree=case.ss_kd_tree,
            rss_every_s=case.rss_every_s,
        )
        row = ResultRow(
            scenario=case.name,
            tracker=tracker,
            variant="",
            folder=str(folder),
            stats=None,
            score=None,
            note=case.note,
        )
        try:
            stats = run_worker(cmd, out_dir, progress, f"{case.name}: {tracker}")
        except WorkerError as e:
            rows.append(msgspec.structs.replace(row, error=str(e)))
            continue
        row = msgspec.structs.replace(
            row, variant=stats.variant, stats=stats, memory=memory_trend(stats.rss_samples)
        )
        scoring = progress.add_task(f"{case.name}: scoring {tracker}", total=None)
        try:
            score, window_rows = _score(case, folder, runs, tracker, stats, sky_tracks)
            row = msgspec.structs.replace(row, score=score)
        except (InputError, ValueError) as e:
            row = msgspec.structs.replace(row, error=f"scoring: {e}")
            window_rows = []
        progress.remove_task(scoring)
        rows.append(row)
        rows.extend(window_rows)
        if tracker == "skyfuse":
            sky_tracks = out_dir / "tracks.csv"
    return rows


def _score(
    case: BenchCase,
    folder: Path,
    runs: Path,
    tracker: str,
    stats: RunStats,
    sky_tracks: Path | None,
) -> tuple[Score, list[ResultRow]]:
    """Score one run; for a budget-cut run, score it (and Skyfuse, if it ran) on the window."""
    tracks = runs / tracker / "tracks.csv"
    if not stats.budget_hit:
        score, _ = score_run(folder, tracks, stats.last_time_s, label=tracker)
        return score, []
    cut = cut_scenario(folder, runs / f"cut-{stats.last_time_s:.3f}", stats.last_time_s)
    score, _ = score_run(cut, tracks, stats.last_time_s, label=tracker)
    extra: list[ResultRow] = []
    if sky_tracks is not None:
        sky, _ = score_run(cut, sky_tracks, stats.last_time_s, label="skyfuse")
        extra.append(
            ResultRow(
                scenario=case.name,
                tracker="skyfuse",
                variant="",
                folder=str(folder),
                stats=None,
                score=sky,
                window=_window(stats.last_time_s),
                note="= Stone Soup's",
            )
        )
    return score, extra


def speedup_table(results: BenchResults) -> Table | None:
    """Stone Soup's mean tracking time per batch over Skyfuse's (tracker alone and the whole
    default pipeline), per case run by Stone Soup and at least one Skyfuse runner."""
    by_case: dict[str, dict[str, float]] = {}
    for row in results.rows:
        if row.stats is None or row.window or row.error:
            continue
        by_case.setdefault(row.scenario, {})[row.tracker] = row.stats.batch_ms_mean
    table = Table(title="Speed-up over Stone Soup (mean ms per batch; x = Stone Soup / Skyfuse)")
    for col in ("scenario", "stonesoup ms", "skyfuse ms", "x", "pipeline ms", "x"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    n = 0
    for case, ms in by_case.items():
        ss = ms.get("stonesoup")
        if ss is None:
            continue
        cells = [case, f"{ss:.1f}"]
        for name in ("skyfuse", "pipeline"):
            own = ms.get(name)
            cells += ["-", "-"] if own is None else [f"{own:.1f}", f"{ss / max(own, 1e-9):.1f}"]
        table.add_row(*cells)
        n += 1
    return table if n else None


def print_results(console: Console, results: BenchResults) -> None:
    """The results table, then the memory-over-time table when a run lasted 30 min or more."""
    console.print(results_table(results))
    speed = speedup_table(results)
    if speed is not None:
        console.print(speed)
    mem = memory_table(results)
    if mem is not None:
        console.print(mem)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see ``--help``)."""
    ap = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="small subset, a few minutes")
    ap.add_argument(
        "--only", nargs="+", metavar="NAME", help=f"cases to run: {[c.name for c in CASES]}"
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "bench" / "results",
        metavar="DIR",
        help="results folder (default bench/results)",
    )
    ap.add_argument(
        "--ss-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"Stone Soup wall-time budget per run (default {DEFAULT_SS_BUDGET_S:.0f} s, "
        f"{QUICK_SS_BUDGET_S:.0f} s with --quick; 0 = none)",
    )
    ap.add_argument(
        "--trackers",
        nargs="+",
        default=list(TRACKERS),
        choices=list(TRACKERS),
        help="trackers to run: skyfuse (the tracker), pipeline (the default pipeline: passive "
        "fusion, learned classifier, threats, alerts), stonesoup",
    )
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="scenario/run cache")
    ap.add_argument(
        "--show", type=Path, metavar="JSON", help="print the tables of a results file and exit"
    )
    a = ap.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 200)
    if a.show is not None:
        try:
            shown = read_results(a.show)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as e:
            console.print(f"[red]--show {a.show}: {e}[/red]")
            return 2
        print_results(console, shown)
        return 0
    try:
        cases = select_cases(CASES, quick=a.quick, only=a.only)
    except InputError as e:
        console.print(f"[red]{e}[/red]")
        return 2
    budget: float | None = a.ss_budget
    if budget is None:
        budget = QUICK_SS_BUDGET_S if a.quick else DEFAULT_SS_BUDGET_S
    if budget <= 0:
        budget = None
    trackers = [t for t in TRACKERS if t in a.trackers]
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows: list[ResultRow] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        overall = progress.add_task("cases", total=len(cases))
        for case in cases:
            rows += run_case(
                case, cache=a.cache, trackers=trackers, ss_budget_s=budget, progress=progress
            )
            progress.advance(overall)
    label = "only" if a.only else "quick" if a.quick else "full"
    results = BenchResults(
        created_utc=created,
        label=label,
        quick=bool(a.quick),
        ss_budget_s=budget,
        host=host_info(),
        rows=rows,
    )
    print_results(console, results)
    path = write_results(results, a.out)
    console.print(f"results: {path} (and {a.out / 'latest.json'})")
    return 1 if any(r.error for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
