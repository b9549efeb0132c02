"""The "x real time" figure: scenario time processed per second of processing.

One definition for the commands (`skyfuse track`, `skyfuse demo`) and the benchmarks
(`bench/measure.py`): the scenario time covered by the batches actually processed, divided by
the processing time actually spent on them (wall or CPU seconds, as the caller measured).

Covered time: a batch at report time ``t_k`` stands for the scenario interval up to the next
report time ``t_{k+1}``. Over processed batches ``t_0 < ... < t_m`` that is
``t_m - t_0 + tail``, where the tail (the last batch's interval) is the gap to the first batch
*not* processed when a run stopped early (``next_time``), else the median batch interval. A run
cut after 40 s of a 600 s file therefore counts about 40 s, not 600 s, and the time before the
first report (nothing to process) is not counted. With a single batch and no ``next_time`` the
covered time is 0 and the figure undefined (0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def covered_duration(times: ArrayLike, next_time: float | None = None) -> float:
    """Scenario time (s) covered by batches processed at report ``times`` (s, any order).

    ``next_time``: report time (s) of the first batch that was not processed, when the run
    stopped before the end of its input; the last processed batch then lasts until it.
    """
    t = np.unique(np.asarray(times, dtype=np.float64).reshape(-1))
    t = t[np.isfinite(t)]
    if t.size == 0:
        return 0.0
    if next_time is not None and np.isfinite(next_time) and next_time > t[-1]:
        tail = float(next_time - t[-1])
    elif t.size >= 2:
        tail = float(np.median(np.diff(t)))
    else:
        tail = 0.0
    return float(t[-1] - t[0]) + tail


def real_time_factor(covered_s: float, processing_s: float) -> float:
    """Scenario seconds processed per second of processing: ``covered_s / processing_s``
    (> 1: faster than the sensors deliver). ``inf`` when scenario time was covered in no
    measurable time, 0 when nothing was covered."""
    if not covered_s > 0.0:
        return 0.0
    if not processing_s > 0.0:
        return float("inf")
    return covered_s / processing_s
