"""Issue 4 fusion benchmark: ``python -m bench.run_fusion [--quick] [--out DIR] [--only TABLE...]``.

Three tables (see `bench.fusion` and ``bench/FUSION.md``): ``acoustic`` (acoustic-only region,
sweep over the number of arrays against one array), ``mixed`` (what each sensor kind adds in
the mixed region), ``country`` (country-scale throughput, memory and GOSPA, tracker and whole
pipeline separately). Scenarios are simulator presets generated into ``bench/.cache`` when
missing; every run is a fresh single-threaded interpreter (`bench.fusion` worker). Prints Rich
tables and writes ``<out>/<YYYYmmdd-HHMM>-fusion-<label>.json`` and ``<out>/fusion-latest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

import msgspec
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bench.cases import DEFAULT_CACHE, BenchCase, scenario_folder
from bench.fusion import (
    AcousticRow,
    CountryRow,
    MixRow,
    StageConfig,
    attack_drone_count,
    drop_sensor_kinds,
    score_acoustic,
    score_country,
    score_mix,
    worker_command,
)
from bench.measure import RunStats
from bench.report import HostInfo, host_info, portable
from bench.run import REPO_ROOT, WorkerError, run_worker

TABLES: Final = ("acoustic", "mixed", "country")
MIXED_KINDS: Final = ("radar", "acoustic", "rf_df", "eo_ir", "adsb", "remote_id")
"""Sensor kinds of the mixed-region preset, in table order."""

FULL_ARRAYS: Final = (1, 12, 25, 50, 100)
QUICK_ARRAYS: Final = (1, 12, 50)
RAID_DRONES: Final = 10
"""The issue's no-ghost check: a 10-drone raid over the preset's own 36 arrays."""
FULL_COUNTRY_S: Final = 300.0
QUICK_COUNTRY_S: Final = 60.0
COUNTRY_LOAD_S: Final = 60.0
"""Duration of the country flood-load run (``--quick`` too: the load is the point)."""
COUNTRY_LOAD: Final[dict[str, Any]] = {
    "acoustic": {"clutter_rate_per_scan": 1.7},
    "radar": {"clutter_rate_per_scan": 100.0},
}
"""Issue 4's load on the country preset: 1.7 false bearings per array per second over 10,000
arrays and 100 clutter plots a scan over 30 radars, ~20,150 reports/s."""
COUNTRY_2000_S: Final = 60.0
COUNTRY_2000: Final[dict[str, Any]] = {
    "attack_drones": 1200,
    "decoys": 800,
    "radar": {"max_range_m": 150_000.0, "clutter_rate_per_scan": 100.0},
    "acoustic": {"clutter_rate_per_scan": 0.3},
}
"""Issue 9's country: 2,000 targets (1,200 attack drones, 800 decoys, in the preset's waves),
30 radars of 150 km reach, 10,000 acoustic arrays; ~3,850 target reports/s, brought to the
issue's ~10,000 reports/s by 100 clutter plots a scan per radar and 0.3 false bearings per array
per second."""
QUICK_MIX_DROPS: Final = ("acoustic", "rf_df")

RESULTS_SCHEMA: Final = 1
NO_TRACKS: Final = "no confirmed track in the whole run"
"""Error of a mixed-region run whose pipeline never showed a track."""


class FusionResults(msgspec.Struct, kw_only=True):
    """A whole fusion-benchmark run (``<out>/<date>-fusion-<label>.json``)."""

    schema: int = RESULTS_SCHEMA
    created_utc: str
    label: str
    quick: bool
    host: HostInfo
    acoustic: list[AcousticRow] = msgspec.field(default_factory=list)
    mixed: list[MixRow] = msgspec.field(default_factory=list)
    country: list[CountryRow] = msgspec.field(default_factory=list)


# -- running ------------------------------------------------------------------------------------


def run_one(
    folder: Path, out_dir: Path, config: StageConfig, progress: Progress, label: str
) -> RunStats:
    """One worker run (fresh interpreter, one thread); raises `WorkerError` if it fails."""
    return run_worker(worker_command(folder, out_dir, config), out_dir, progress, label)


def guarded(row: R, work: Callable[[], R], set_error: Callable[[R, str], R]) -> R:
    """``work()``, or ``row`` with its error set when the run or its scoring fails, so one
    broken run does not stop the others."""
    try:
        return work()
    except (WorkerError, OSError, ValueError, RuntimeError) as e:
        return set_error(row, f"{type(e).__name__}: {e}")


def acoustic_table_rows(
    cache: Path, quick: bool, progress: Progress, task: TaskID
) -> list[AcousticRow]:
    """The acoustic sweep (one array = baseline) and the 10-drone raid row."""
    specs: list[tuple[str, dict[str, object]]] = [
        (f"{n} array{'s' if n > 1 else ''}", {"acoustic_arrays": n})
        for n in (QUICK_ARRAYS if quick else FULL_ARRAYS)
    ]
    specs.append((f"{RAID_DRONES}-drone raid, 36 arrays", {"attack_drones": RAID_DRONES}))
    rows: list[AcousticRow] = []
    for label, overrides in specs:
        case = BenchCase(f"acoustic {label}", "acoustic-region", overrides=overrides)
        row = AcousticRow(label=label, arrays=0, attack_drones=0, folder="")

        def work(case: BenchCase = case, row: AcousticRow = row) -> AcousticRow:
            folder = scenario_folder(case, cache)
            n_arrays = sum(1 for _ in _sensor_kinds(folder) if _ == "acoustic")
            row = msgspec.structs.replace(
                row, arrays=n_arrays, attack_drones=attack_drone_count(folder), folder=str(folder)
            )
            out = cache / "runs" / "fusion" / case.cache_key()
            stats = run_one(folder, out, StageConfig(stage="tracker"), progress, case.name)
            row = msgspec.structs.replace(row, stats=stats)
            return score_acoustic(row, folder, out / "tracks.csv")

        rows.append(guarded(row, work, lambda r, e: msgspec.structs.replace(r, error=e)))
        progress.advance(task)
    return rows


def _sensor_kinds(folder: Path) -> list[str]:
    doc = msgspec.json.decode((folder / "sensors.json").read_bytes())
    return [str(s["kind"]) for s in doc["sensors"]]


def mixed_table_rows(cache: Path, quick: bool, progress: Progress, task: TaskID) -> list[MixRow]:
    """The mixed region with every kind, without one kind at a time, and radar alone."""
    base = scenario_folder(BenchCase("mixed-region", "mixed-region"), cache)
    drops = QUICK_MIX_DROPS if quick else MIXED_KINDS
    variants: list[tuple[str, tuple[str, ...]]] = [("all sensors", ())]
    variants += [(f"without {k}", (k,)) for k in drops]
    variants.append(("radar only", tuple(k for k in MIXED_KINDS if k != "radar")))
    rows: list[MixRow] = []
    for label, dropped in variants:
        kinds = [k for k in MIXED_KINDS if k not in dropped]
        row = MixRow(label=label, kinds=kinds, folder="")

        def work(
            label: str = label, dropped: tuple[str, ...] = dropped, row: MixRow = row
        ) -> MixRow:
            key = "mixed-" + ("all" if not dropped else "no-" + "-".join(dropped))
            folder = (
                base if not dropped else drop_sensor_kinds(base, cache / "variants" / key, dropped)
            )
            out = cache / "runs" / "fusion" / key
            stats = run_one(folder, out, StageConfig(stage="pipeline"), progress, f"mixed {label}")
            row = msgspec.structs.replace(row, folder=str(folder), stats=stats)
            row = score_mix(row, folder, out / "tracks.csv")
            return msgspec.structs.replace(row, error=NO_TRACKS) if stats.max_tracks == 0 else row

        rows.append(guarded(row, work, lambda r, e: msgspec.structs.replace(r, error=e)))
        progress.advance(task)
    return rows


def country_table_rows(
    cache: Path, quick: bool, progress: Progress, task: TaskID
) -> list[CountryRow]:
    """The country preset: tracker with passive fusion, then the whole pipeline; then the same
    country under issue 4's flood load (`COUNTRY_LOAD`, ~20,000 reports/s) for
    ``COUNTRY_LOAD_S``; then issue 9's 2,000 targets under 150 km radars (`COUNTRY_2000`)."""
    duration = QUICK_COUNTRY_S if quick else FULL_COUNTRY_S
    cases = (
        ("country", BenchCase("country", "country", overrides={"duration_s": duration})),
        (
            "country load",
            BenchCase(
                "country-load",
                "country",
                overrides={"duration_s": COUNTRY_LOAD_S, **COUNTRY_LOAD},
            ),
        ),
        (
            "country 2000",
            BenchCase(
                "country-2000",
                "country",
                overrides={"duration_s": COUNTRY_2000_S, **COUNTRY_2000},
            ),
        ),
    )
    rows: list[CountryRow] = []
    for name, case in cases:
        case_s = float(case.overrides["duration_s"])
        for stage in ("tracker", "pipeline"):
            row = CountryRow(
                label=f"{name} {case_s:.0f} s", stage=stage, folder="", duration_s=case_s
            )

            def work(
                stage: str = stage, row: CountryRow = row, case: BenchCase = case, name: str = name
            ) -> CountryRow:
                folder = scenario_folder(case, cache)
                out = cache / "runs" / "fusion" / f"{case.cache_key()}-{stage}"
                stats = run_one(folder, out, StageConfig(stage=stage), progress, f"{name} {stage}")
                row = msgspec.structs.replace(row, folder=str(folder), stats=stats)
                return score_country(row, folder, out)

            rows.append(guarded(row, work, lambda r, e: msgspec.structs.replace(r, error=e)))
            progress.advance(task)
    return rows


# -- tables -------------------------------------------------------------------------------------


def num(x: float | None, digits: int = 0) -> str:
    """``x`` with ``digits`` decimals, ``-`` for None or non-finite."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


def pct(x: float | None) -> str:
    """A share as a percentage, ``-`` for None."""
    return "-" if x is None or not math.isfinite(x) else f"{100.0 * x:.0f}%"


def covered_cell(tracked: int, covered: int) -> str:
    """``tracked/covered (share)`` of the drones within range of >= 2 arrays for 20 s."""
    share = f" ({pct(tracked / covered)})" if covered else ""
    return f"{tracked}/{covered}{share}"


def acoustic_table(rows: Sequence[AcousticRow]) -> Table:
    """Rich table of the acoustic sweep."""
    t = Table(title="Acoustic-only region (issue 4): arrays on a 3 km grid, 50 attack drones")
    cols = (
        "run", "arrays", "drones", "GOSPA (loc/miss/false) m", "m/target", "tracked 100/200 m",
        "audible->track s med/p90", "heard / never", "ghosts / ids", "≥2 arrays 20 s: tracked",
        "≥2 arrays ≤2 km 20 s: tracked",
        "x RT", "note",
    )  # fmt: skip
    for c in cols:
        t.add_column(c, justify="left" if c in ("run", "note") else "right")
    for r in rows:
        t.add_row(
            r.label,
            str(r.arrays),
            str(r.attack_drones),
            f"{num(r.gospa)} ({num(r.localisation)}/{num(r.missed)}/{num(r.false)})",
            num(r.gospa_per_target, 1),
            f"{pct(r.share_tracked)}/{pct(r.share_tracked_200m)}",
            f"{num(r.audible_to_track_median_s, 1)}/{num(r.audible_to_track_p90_s, 1)}",
            f"{r.heard} / {r.never_tracked_heard}",
            f"{r.ghosts} / {r.track_ids}",
            covered_cell(r.covered_tracked, r.covered),
            covered_cell(r.covered_2km_tracked, r.covered_2km),
            num(r.stats.x_real_time, 0) if r.stats else "-",
            f"error: {r.error}" if r.error else "",
        )  # fmt: skip
    return t


CLASS_ABBREV: Final = {
    "attack_drone": "AD",
    "decoy": "DC",
    "bird": "BI",
    "aircraft": "AC",
    "multirotor": "MR",
    "fixed_wing_uav": "FW",
    "ground_emitter": "GE",
}
"""Short class names for the per-class cells."""


def per_class_cell(shares: dict[str, float | None]) -> str:
    """``AD 100 DC 95 ...``: share tracked (%, >= 50% of life) per class present."""
    order = {c: k for k, c in enumerate(CLASS_ABBREV)}
    names = sorted(shares, key=lambda c: order.get(c, len(order)))
    return " ".join(f"{CLASS_ABBREV.get(c, c)} {_percent(shares[c])}" for c in names)


def _percent(x: float | None) -> str:
    return num(None if x is None else 100.0 * x)


def mixed_table(rows: Sequence[MixRow]) -> Table:
    """Rich table of the sensor-mix comparison."""
    t = Table(title="Mixed region (issue 4): what each sensor kind adds (whole pipeline)")
    cols = (
        "mix", "GOSPA (loc/miss/false) m", "m/target", "ID sw", "ids/target",
        "tracked % per class", "class acc (≥10 s)", "detect->track s", "note",
    )  # fmt: skip
    for c in cols:
        t.add_column(c, justify="left" if c in ("mix", "note", "tracked % per class") else "right")
    for r in rows:
        t.add_row(
            r.label,
            f"{num(r.gospa)} ({num(r.localisation)}/{num(r.missed)}/{num(r.false)})",
            num(r.gospa_per_target, 1),
            str(r.id_switches),
            num(r.track_ids_per_target, 2),
            per_class_cell(r.share_tracked),
            f"{pct(r.class_accuracy)} ({pct(r.class_accuracy_10s)})",
            num(r.detect_to_track_median_s, 1),
            f"error: {r.error}" if r.error else "",
        )
    return t


def country_table(rows: Sequence[CountryRow]) -> Table:
    """Rich table of the country-scale runs."""
    t = Table(title="Country scale (issue 4): WGS84, 10,000 acoustic arrays, 30 radars, one core")
    cols = (
        "run", "stages", "reports", "reports/s wall/CPU (≥20,000)", "x real time wall/CPU (>1)",
        "ms/batch mean/p95",
        "peak MiB", "targets", "GOSPA m", "m/target", "tracked", "detected: ever tracked",
        "detect->track s", "note",
    )  # fmt: skip
    for c in cols:
        t.add_column(c, justify="left" if c in ("run", "stages", "note") else "right")
    for r in rows:
        s = r.stats
        t.add_row(
            r.label,
            s.variant if s else r.stage,
            str(s.n_reports) if s else "-",
            f"{num(r.reports_per_s)}/{num(r.reports_per_cpu_s)}",
            f"{num(s.x_real_time, 1)}/{num(r.x_real_time_cpu, 1)}" if s else "-",
            f"{num(s.batch_ms_mean, 1)}/{num(s.batch_ms_p95, 1)}" if s else "-",
            num(s.peak_rss_mib) if s else "-",
            str(r.targets),
            num(r.gospa),
            num(r.gospa_per_target, 1),
            pct(r.share_tracked),
            f"{r.detectable_tracked}/{r.detectable}",
            num(r.detect_to_track_median_s, 1),
            f"error: {r.error}" if r.error else "",
        )
    return t


def emit(console: Console, table: Table, *, markdown: bool = False) -> None:
    """Print ``table``; with ``markdown`` as a Markdown pipe table under a bold title line
    (for pasting into ``bench/FUSION.md``)."""
    if not markdown:
        console.print(table)
        return
    title = table.title
    table.title = None
    table.box = box.MARKDOWN
    table.show_edge = True
    if title:
        console.print(f"**{title}**\n", markup=False)
    console.print(table)
    console.print()


def print_results(console: Console, res: FusionResults, *, markdown: bool = False) -> None:
    """Every non-empty table of ``res`` (``markdown``: as Markdown tables)."""
    if res.acoustic:
        emit(console, acoustic_table(res.acoustic), markdown=markdown)
    if res.mixed:
        emit(console, mixed_table(res.mixed), markdown=markdown)
    if res.country:
        emit(console, country_table(res.country), markdown=markdown)


def write_results_json(
    res: msgspec.Struct, created_utc: str, label: str, out_dir: Path, prefix: str
) -> Path:
    """Write ``res`` as ``<out_dir>/<YYYYmmdd-HHMM>-<prefix>-<label>.json`` (stamp from the ISO
    ``created_utc``) and ``<out_dir>/<prefix>-latest.json``; return the first path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(created_utc).strftime("%Y%m%d-%H%M")
    blob = portable(msgspec.json.format(msgspec.json.encode(res)))
    path = out_dir / f"{stamp}-{prefix}-{label}.json"
    path.write_bytes(blob)
    (out_dir / f"{prefix}-latest.json").write_bytes(blob)
    return path


def has_errors(res: FusionResults) -> bool:
    """True if any row of ``res`` failed."""
    return (
        any(r.error for r in res.acoustic)
        or any(r.error for r in res.mixed)
        or any(r.error for r in res.country)
    )


R = TypeVar("R")


def results_parser(
    prog: str, doc: str | None, quick_help: str, only: Sequence[str], only_metavar: str
) -> argparse.ArgumentParser:
    """The options both fusion and decision benchmarks take (see bench/FUSION.md)."""
    ap = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument(
        "--only", nargs="+", choices=only, metavar=only_metavar, help=f"of {tuple(only)}"
    )
    ap.add_argument(
        "--out", type=Path, default=REPO_ROOT / "bench" / "results", metavar="DIR",
        help="results folder (default bench/results)",
    )  # fmt: skip
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="scenario/run cache")
    ap.add_argument("--show", type=Path, metavar="JSON", help="print a saved results file")
    ap.add_argument("--markdown", action="store_true", help="with --show: Markdown tables")
    return ap


def results_console(markdown: bool) -> Console:
    """A console wide enough for the tables (wider still for Markdown)."""
    wide = 400 if markdown else 220
    return Console(width=None if sys.stdout.isatty() and not markdown else wide)


def show_saved(
    path: Path,
    typ: type[R],
    console: Console,
    printer: Callable[..., None],
    markdown: bool,
) -> int:
    """Print a saved results file (exit status 0, or 2 if it cannot be read)."""
    try:
        shown = msgspec.json.decode(path.read_bytes(), type=typ)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as e:
        console.print(f"[red]--show {path}: {e}[/red]")
        return 2
    printer(console, shown, markdown=markdown)
    return 0


def run_progress(console: Console) -> Progress:
    """The transient progress bar of a benchmark run."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see ``--help``)."""
    a = results_parser(
        "python -m bench.run_fusion", __doc__, "fewer runs, 60 s country (~5 min)", TABLES, "TABLE"
    ).parse_args(argv)
    console = results_console(a.markdown)
    if a.show is not None:
        return show_saved(a.show, FusionResults, console, print_results, a.markdown)
    tables = list(a.only) if a.only else list(TABLES)
    res = FusionResults(
        created_utc=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        label="only" if a.only else "quick" if a.quick else "full",
        quick=bool(a.quick),
        host=host_info(),
    )
    with run_progress(console) as progress:
        if "acoustic" in tables:
            n = len(QUICK_ARRAYS if a.quick else FULL_ARRAYS) + 1
            task = progress.add_task("acoustic table", total=n)
            res.acoustic = acoustic_table_rows(a.cache, a.quick, progress, task)
            console.print(acoustic_table(res.acoustic))
        if "mixed" in tables:
            n = len(QUICK_MIX_DROPS if a.quick else MIXED_KINDS) + 2
            task = progress.add_task("mixed table", total=n)
            res.mixed = mixed_table_rows(a.cache, a.quick, progress, task)
            console.print(mixed_table(res.mixed))
        if "country" in tables:
            task = progress.add_task("country table", total=6)
            res.country = country_table_rows(a.cache, a.quick, progress, task)
            console.print(country_table(res.country))
    path = write_results_json(res, res.created_utc, res.label, a.out, "fusion")
    console.print(f"results: {path} (and {a.out / 'fusion-latest.json'})")
    return 1 if has_errors(res) else 0


if __name__ == "__main__":
    sys.exit(main())
