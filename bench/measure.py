"""Measurements of one tracker run: batch timings, scenario time covered, process memory."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import msgspec
import numpy as np
import psutil  # type: ignore[import-untyped]
from numpy.typing import NDArray

from skyfuse.eval.realtime import covered_duration, real_time_factor

__all__ = ["covered_duration", "real_time_factor"]
"""Re-exported: the one definition of "x real time" (`skyfuse.eval.realtime`)."""

F64 = NDArray[np.float64]

MIB = 1024.0 * 1024.0


class RunStats(msgspec.Struct, kw_only=True):
    """What a worker measured while one tracker ran one scenario (written as ``stats.json``).

    Times in seconds of wall clock unless named ``*_ms``; scenario times in seconds from scenario
    start; memory in MiB (resident set size of the worker process).
    """

    tracker: str
    variant: str
    scenario: str
    n_batches: int
    """Batches (distinct report times) processed."""
    n_batches_total: int
    n_reports: int
    """Reports processed."""
    first_time_s: float
    last_time_s: float
    """Scenario time of the last processed batch."""
    covered_s: float
    """Scenario time covered by the processed batches (`skyfuse.eval.realtime.covered_duration`:
    first to last processed report time plus the last batch's interval), s."""
    budget_s: float | None
    budget_hit: bool
    """True when the run stopped at the wall-time budget before the last batch."""
    tracking_s: float
    """Sum of the timed tracker steps."""
    batch_ms_mean: float
    batch_ms_p95: float
    batch_ms_max: float
    x_real_time: float
    """``covered_s / tracking_s`` (`skyfuse.eval.realtime.real_time_factor`): scenario time of
    the work done per second of step time; how many times faster than the sensors deliver."""
    rss_start_mib: float
    """Resident memory after reading the scenario, before the first step."""
    rss_end_mib: float
    peak_rss_mib: float
    """Peak resident memory of the whole worker process (``ru_maxrss``), reading included."""
    tracking_peak_rss_mib: float | None = None
    """Peak resident memory from the first step on (Linux ``VmHWM`` reset after reading the
    scenario), None where the peak cannot be reset."""
    rss_samples: list[tuple[float, float]]
    """(scenario time s, resident MiB) about every ``rss_every_s`` of scenario time."""
    max_tracks: int
    """Most confirmed tracks shown at one time."""


def batch_summary(batch_ms: F64) -> tuple[float, float, float]:
    """(mean, 95th percentile, max) of per-batch times, ms; zeros for no batch."""
    if batch_ms.size == 0:
        return 0.0, 0.0, 0.0
    return float(batch_ms.mean()), float(np.percentile(batch_ms, 95)), float(batch_ms.max())


def rss_mib() -> float:
    """Current resident set size of this process, MiB."""
    return float(psutil.Process().memory_info().rss) / MIB


def reset_peak_rss() -> bool:
    """Reset this process's peak resident size (Linux >= 4.0: ``5 > /proc/self/clear_refs``);
    False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_since_reset_mib() -> float | None:
    """Peak resident set size since `reset_peak_rss` (``VmHWM`` of /proc/self/status), MiB;
    None where /proc is not available."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return None


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB: ``VmHWM`` of /proc/self/status
    (or since `reset_peak_rss`) where /proc exists, else ``ru_maxrss``. Linux carries
    ``ru_maxrss`` over fork and exec, so a worker started by a large parent (the benchmark
    after scoring a big run) would report the parent's size."""
    hwm = peak_rss_since_reset_mib()
    if hwm is not None:
        return hwm
    peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak / MIB if sys.platform == "darwin" else peak / 1024.0
