"""Benchmark results: the JSON document, the Rich table, memory-over-time summaries."""

from __future__ import annotations

import datetime as dt
import math
import platform
from pathlib import Path

import msgspec
import numpy as np
from rich.table import Table
from rich.text import Text

from bench.measure import RunStats
from bench.reference import REFERENCE, ReferenceFigures
from bench.score import Score

SCHEMA_VERSION = 1


class MemoryTrend(msgspec.Struct, kw_only=True):
    """Resident memory over scenario time, after a warm-up.

    ``slope_mib_per_h`` is the least-squares slope of RSS (MiB) against scenario time (h) over the
    samples after ``warmup_s``; ``spread_mib`` is their max - min. Flat memory: slope near 0.
    """

    warmup_s: float
    n_samples: int
    slope_mib_per_h: float | None
    spread_mib: float | None


def memory_trend(samples: list[tuple[float, float]], warmup_s: float = 600.0) -> MemoryTrend:
    """Fit `MemoryTrend` to (scenario time s, RSS MiB) samples taken at or after ``warmup_s``
    (all samples if fewer than three are that late)."""
    a = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    late = a[a[:, 0] >= warmup_s]
    if late.shape[0] < 3:
        late = a
        warmup_s = 0.0
    if late.shape[0] < 2 or np.ptp(late[:, 0]) <= 0.0:
        return MemoryTrend(
            warmup_s=warmup_s,
            n_samples=int(late.shape[0]),
            slope_mib_per_h=None,
            spread_mib=float(np.ptp(late[:, 1])) if late.shape[0] else None,
        )
    slope = float(np.polyfit(late[:, 0] / 3600.0, late[:, 1], 1)[0])
    return MemoryTrend(
        warmup_s=warmup_s,
        n_samples=int(late.shape[0]),
        slope_mib_per_h=slope,
        spread_mib=float(np.ptp(late[:, 1])),
    )


class ResultRow(msgspec.Struct, kw_only=True):
    """One tracker on one scenario (or on a window of it: see ``window``)."""

    scenario: str
    tracker: str
    variant: str
    folder: str
    stats: RunStats | None
    score: Score | None
    memory: MemoryTrend | None = None
    window: str = ""
    """Empty for the whole run; e.g. ``0-35 s`` when scored on the part another tracker reached."""
    note: str = ""
    error: str | None = None


class HostInfo(msgspec.Struct, kw_only=True):
    """Where the benchmark ran."""

    python: str
    machine: str
    cpus: int | None
    numpy: str
    stonesoup: str | None
    code: str | None = None
    """``git describe --always --dirty`` of the repository (``-dirty``: uncommitted edits)."""


class BenchResults(msgspec.Struct, kw_only=True):
    """A whole benchmark run (``bench/results/<date>-<label>.json``)."""

    schema: int = SCHEMA_VERSION
    created_utc: str
    label: str
    quick: bool
    ss_budget_s: float | None
    host: HostInfo
    rows: list[ResultRow]


def host_info() -> HostInfo:
    """Python, CPU count and library versions of this machine."""
    import os
    from importlib.metadata import PackageNotFoundError, version

    try:
        ss: str | None = version("stonesoup")
    except PackageNotFoundError:
        ss = None
    return HostInfo(
        python=platform.python_version(),
        machine=platform.machine(),
        cpus=os.cpu_count(),
        numpy=np.__version__,
        stonesoup=ss,
        code=code_version(Path(__file__).resolve().parents[1]),
    )


def code_version(repo: Path) -> str | None:
    """``git describe --always --dirty`` in ``repo``, or None without git or a repository."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


_ROOT = Path(__file__).resolve().parents[1]
_ROOT_PREFIX = (str(_ROOT) + "/").encode()
_SHARED_PREFIX = (str(_ROOT.parent / "shared") + "/").encode()


def portable(blob: bytes) -> bytes:
    """Result JSON with paths relative to the project root (no machine-specific prefixes):
    the project's own files as ``bench/...``, shared data as ``../shared/...``."""
    return blob.replace(_ROOT_PREFIX, b"").replace(_SHARED_PREFIX, b"../shared/")


def write_results(results: BenchResults, out_dir: Path) -> Path:
    """Write ``<out_dir>/<YYYYmmdd-HHMM>-<label>.json`` and ``latest.json``; return the first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(results.created_utc).strftime("%Y%m%d-%H%M")
    blob = portable(msgspec.json.format(msgspec.json.encode(results)))
    path = out_dir / f"{stamp}-{results.label}.json"
    path.write_bytes(blob)
    (out_dir / "latest.json").write_bytes(blob)
    return path


def read_results(path: Path) -> BenchResults:
    """Read a results JSON written by `write_results`."""
    return msgspec.json.decode(Path(path).read_bytes(), type=BenchResults)


# -- table ---------------------------------------------------------------------------------------


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


def _xrt(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def row_cells(row: ResultRow) -> list[str]:
    """The table cells of one row (see `TABLE_COLUMNS`)."""
    s = row.stats
    c = row.score
    tracker = row.tracker + (f" ({row.variant})" if row.variant else "")
    notes = [n for n in (row.window and f"window {row.window}", row.note) if n]
    if s is not None and s.budget_hit:
        notes.insert(0, f"budget {_num(s.budget_s)} s: 0-{_num(s.last_time_s)} s scored")
    if row.error:
        notes.append(f"error: {row.error}")
    timing = ["-", "-", "-"]
    if s is not None and not row.window:
        timing = [
            f"{_num(s.batch_ms_mean, 1)}/{_num(s.batch_ms_p95, 1)}",
            _xrt(s.x_real_time),
            _num(s.peak_rss_mib),
        ]
    scores = ["-"] * 5
    if c is not None:
        scores = [
            f"{_num(c.gospa)} ({_num(c.localisation)}/{_num(c.missed)}/{_num(c.false)})",
            _num(c.per_target, 1),
            str(c.id_switches),
            f"{_num(c.confirm_median_s, 1)}/{_num(c.confirm_p90_s, 1)}",
            _num(c.mean_truths, 1),
        ]
    return [row.scenario, tracker, *timing, *scores, "; ".join(notes)]


TABLE_COLUMNS = (
    "scenario",
    "tracker",
    "ms/batch mean/p95",
    "x real time",
    "peak MiB",
    "GOSPA (loc/missed/false)",
    "m/target",
    "ID sw",
    "confirm s med/p90",
    "truths",
    "note",
)


def reference_cells(scenario: str, ref: ReferenceFigures) -> list[str]:
    """Table cells of a reference row from ``shared/notes/metrics.md``."""
    return [
        scenario,
        f"stonesoup ({ref.variant}) ref",
        f"{_num(ref.ms_mean)}/{_num(ref.ms_p95)}",
        _xrt(ref.x_real_time),
        _num(ref.peak_mib),
        f"{_num(ref.gospa)} ({_num(ref.localisation)}/{_num(ref.missed)}/{_num(ref.false)})",
        _num(ref.per_target, 1),
        str(ref.id_switches),
        f"{_num(ref.confirm_median_s, 1)}/{_num(ref.confirm_p90_s, 1)}",
        "-",
        "; ".join(n for n in ("same file" if scenario == "n10-r3-s120" else "", ref.note) if n),
    ]


def results_table(results: BenchResults, *, reference: bool = True) -> Table:
    """The benchmark table (one row per tracker run, see `bench/README.md` for the columns);
    with ``reference``, each case's Stone Soup figures from the notes follow its rows, dimmed."""
    t = Table(
        title=f"Skyfuse vs Stone Soup ({results.label}, {results.created_utc[:16]} UTC, "
        f"code {results.host.code or '?'})",
        caption="ref: Stone Soup reference figures of shared/notes/metrics.md (their own"
        " scenario draws; n10-r3-s120 is their file)"
        if reference
        else None,
    )
    for name in TABLE_COLUMNS:
        t.add_column(name, justify="left" if name in ("scenario", "tracker", "note") else "right")
    cases = list(dict.fromkeys(r.scenario for r in results.rows))
    for k, case in enumerate(cases):
        if k:
            t.add_section()
        for row in results.rows:
            if row.scenario == case:
                t.add_row(*map(Text, row_cells(row)))
        ref = REFERENCE.get(case)
        if reference and ref is not None:
            t.add_row(*map(Text, reference_cells(case, ref)), style="dim")
    return t


def memory_table(results: BenchResults, every_s: float = 600.0) -> Table | None:
    """Resident memory over scenario time for runs with samples over at least 30 min (None if
    there are none): one column per ``every_s`` of scenario time, then the trend."""
    long_rows = [
        (r, r.stats)
        for r in results.rows
        if r.stats is not None and not r.window and r.stats.covered_s >= 1800.0
    ]
    if not long_rows:
        return None
    t = Table(title="Resident memory (MiB) over scenario time")
    t.add_column("scenario")
    t.add_column("tracker")
    horizon = max(s.covered_s for _, s in long_rows)
    marks = np.arange(0.0, horizon + 1.0, every_s)
    for m in marks:
        t.add_column(f"{m / 60:.0f} min", justify="right")
    t.add_column("slope MiB/h", justify="right")
    for r, s in long_rows:
        a = np.asarray(s.rss_samples, dtype=np.float64).reshape(-1, 2)
        cells = []
        for m in marks:
            k = int(np.argmin(np.abs(a[:, 0] - m))) if a.shape[0] else -1
            ok = k >= 0 and abs(a[k, 0] - m) <= every_s / 2
            cells.append(_num(float(a[k, 1]), 1) if ok else "-")
        slope = r.memory.slope_mib_per_h if r.memory is not None else None
        t.add_row(r.scenario, r.tracker, *cells, _num(slope, 2))
    return t
