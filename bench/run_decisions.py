"""Issue 5 decision benchmark: ``python -m bench.run_decisions [--quick] [--out DIR]``.

Runs the whole pipeline (tracker with passive fusion, classifier, threat assessment, alerts;
`bench.fusion` worker, one thread, fresh interpreter) on ``birds-500`` and ``night-raid`` twice:
Bayesian rules with the learned model, and the rules alone. Scores classification, attack drone
vs bird, decoy vs attack drone, false site alerts per hour, site and border warning lead times
(`bench.decisions`). Prints Rich tables (a summary and the confusion matrices) and writes
``<out>/<YYYYmmdd-HHMM>-decisions-<label>.json`` and ``<out>/decisions-latest.json``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import msgspec
from rich.console import Console
from rich.progress import (
    Progress,
    TaskID,
)
from rich.table import Table

from bench.cases import BenchCase, scenario_folder
from bench.decisions import LEAD_TARGET_S, DecisionRow, PairAccuracy, score_decisions
from bench.fusion import StageConfig
from bench.report import HostInfo, host_info
from bench.run import WorkerError
from bench.run_fusion import (
    emit,
    num,
    pct,
    results_console,
    results_parser,
    run_one,
    run_progress,
    show_saved,
    write_results_json,
)

SCENARIOS: Final = ("birds-500", "night-raid")
QUICK_DURATION_S: Final = {"birds-500": 60.0, "night-raid": 180.0}
"""--quick: shorter scenarios (s); the full run uses the presets' own durations."""
CLASSIFIERS: Final = ("learned", "rules")
NO_TRACKS: Final = "no confirmed track in the whole run"
"""Error of a run whose pipeline never showed a track (scenarios here always have targets)."""


class DecisionResults(msgspec.Struct, kw_only=True):
    """A whole decision-benchmark run (``<out>/<date>-decisions-<label>.json``)."""

    schema: int = 1
    created_utc: str
    label: str
    quick: bool
    host: HostInfo
    rows: list[DecisionRow] = msgspec.field(default_factory=list)


def decision_rows(
    cache: Path, quick: bool, scenarios: Sequence[str], progress: Progress, task: TaskID
) -> list[DecisionRow]:
    """Both classifier configurations on every scenario; failures become rows with ``error``."""
    rows: list[DecisionRow] = []
    for name in scenarios:
        overrides = {"duration_s": QUICK_DURATION_S[name]} if quick else {}
        case = BenchCase(name, name, overrides=overrides)
        for clf in CLASSIFIERS:
            row = DecisionRow(scenario=name, classifier=clf, folder="")
            try:
                folder = scenario_folder(case, cache)
                out = cache / "runs" / "decisions" / f"{case.cache_key()}-{clf}"
                cfg = StageConfig(stage="pipeline", learned_model=clf == "learned")
                stats = run_one(folder, out, cfg, progress, f"{name} {clf}")
                row = msgspec.structs.replace(row, folder=str(folder), stats=stats)
                row = score_decisions(row, folder, out)
                if stats.max_tracks == 0:
                    row = msgspec.structs.replace(row, error=NO_TRACKS)
            except (WorkerError, OSError, ValueError, RuntimeError) as e:
                row = msgspec.structs.replace(row, error=f"{type(e).__name__}: {e}")
            rows.append(row)
            progress.advance(task)
    return rows


def _pair(acc: PairAccuracy | None) -> str:
    if acc is None or acc.n_pairs == 0:
        return "-"
    return f"{pct(acc.accuracy)} ({acc.confused}/{acc.n_pairs})"


def _eligible(r: DecisionRow) -> str:
    e = r.site_eligible
    if e is None or e.n_eligible == 0:
        return "none eligible"
    return f"{e.n_warned_in_time}/{e.n_eligible} (worst {num(e.worst_s)})"


def _lead(median: float | None, worst: float | None, warned: int, events: int) -> str:
    return f"{num(median)}/{num(worst)} ({warned}/{events})"


def summary_table(rows: Sequence[DecisionRow]) -> Table:
    """One line per (scenario, classifier): the issue-5 figures and their targets."""
    t = Table(title="Decisions (issue 5): whole pipeline, learned model vs Bayesian rules alone")
    cols = (
        "scenario", "classifier", "acc (≥10 s)", "attack vs bird ≥10 s (≥99%): acc (swaps/pairs)",
        "decoy vs attack ≥10 s: acc (swaps/pairs)", "false site alerts/h (<1) (count)",
        "site lead s med/worst (warned/events)", f"drones warned ≥{LEAD_TARGET_S:.0f} s",
        "border lead s med/worst (≥60)", "false site alerts by cause", "x RT", "note",
    )  # fmt: skip
    for c in cols:
        t.add_column(c, justify="left" if c in ("scenario", "classifier", "note") else "right")
    for r in rows:
        t.add_row(
            f"{r.scenario} ({num(r.duration_s)} s)",
            r.classifier,
            f"{pct(r.accuracy)} ({pct(r.accuracy_10s)})",
            _pair(r.attack_vs_bird),
            _pair(r.decoy_vs_attack),
            f"{num(r.false_site_alerts_per_h, 1)} ({r.false_site_alerts})",
            _lead(r.site_lead_median_s, r.site_lead_worst_s, r.site_warned, r.site_events),
            _eligible(r),
            _lead(r.border_lead_median_s, r.border_lead_worst_s, r.border_warned, r.border_events),
            ", ".join(f"{k} {v}" for k, v in sorted(r.false_site_causes.items())) or "-",
            num(r.stats.x_real_time, 1) if r.stats else "-",
            f"error: {r.error}" if r.error else "",
        )
    return t


def confusion_table(r: DecisionRow) -> Table:
    """The confusion matrix of one row: rows truth, columns declared class (pair counts)."""
    t = Table(
        title=f"confusion {r.scenario} {num(r.duration_s)} s ({r.classifier}): "
        "(truth, track) pairs, rows truth, columns declared"
    )
    t.add_column("truth \\ declared")
    for p in r.predicted_labels:
        t.add_column(p, justify="right")
    for name, counts in zip(r.true_labels, r.confusion, strict=True):
        if sum(counts) == 0:
            continue
        t.add_row(name, *[str(c) if c else "." for c in counts])
    return t


def print_results(console: Console, res: DecisionResults, *, markdown: bool = False) -> None:
    """Summary table, then each row's confusion matrix (``markdown``: as Markdown tables)."""
    emit(console, summary_table(res.rows), markdown=markdown)
    for r in res.rows:
        if r.confusion:
            emit(console, confusion_table(r), markdown=markdown)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see ``--help``)."""
    a = results_parser(
        "python -m bench.run_decisions", __doc__, "shorter scenarios (~5 min)", SCENARIOS,
        "SCENARIO",
    ).parse_args(argv)  # fmt: skip
    console = results_console(a.markdown)
    if a.show is not None:
        return show_saved(a.show, DecisionResults, console, print_results, a.markdown)
    scenarios = list(a.only) if a.only else list(SCENARIOS)
    res = DecisionResults(
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        label="only" if a.only else "quick" if a.quick else "full",
        quick=bool(a.quick),
        host=host_info(),
    )
    with run_progress(console) as progress:
        task = progress.add_task("runs", total=len(scenarios) * len(CLASSIFIERS))
        res.rows = decision_rows(a.cache, a.quick, scenarios, progress, task)
    print_results(console, res)
    path = write_results_json(res, res.created_utc, res.label, a.out, "decisions")
    console.print(f"results: {path} (and {a.out / 'decisions-latest.json'})")
    return 1 if any(r.error for r in res.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
