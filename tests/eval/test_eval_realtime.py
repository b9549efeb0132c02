""" "x real time" is the scenario time of the work done over the time spent on it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyfuse.eval.realtime import covered_duration, real_time_factor


def test_regular_batches_cover_one_interval_each() -> None:
    # 3 staggered radars at 1 s: batches every 1/3 s from 0 to 120 s (exclusive).
    times = np.arange(360) / 3.0
    assert covered_duration(times) == pytest.approx(120.0)
    # order and repeats do not matter (one batch per distinct time)
    assert covered_duration(np.concatenate([times[::-1], times])) == pytest.approx(120.0)


def test_a_cut_run_counts_only_what_it_processed() -> None:
    """A 600 s file stopped after the batch at 39 s: 40 s covered, not the file's 600 s."""
    file_times = np.arange(600.0)
    done = file_times[:40]
    assert covered_duration(done, next_time=float(file_times[40])) == pytest.approx(40.0)
    assert covered_duration(done) == pytest.approx(40.0)
    # 40 s of scenario in 4 s of processing: x10, whatever the file's length
    assert real_time_factor(covered_duration(done), 4.0) == pytest.approx(10.0)


def test_time_before_the_first_report_is_not_work() -> None:
    # reports start at 100 s (targets enter coverage late): 100..199 s covered
    assert covered_duration(np.arange(100.0, 200.0)) == pytest.approx(100.0)


def test_irregular_gap_before_the_stop_uses_the_next_batch() -> None:
    done = np.array([0.0, 1.0, 2.0])
    assert covered_duration(done, next_time=7.0) == pytest.approx(7.0)
    # a next_time at or before the last batch is ignored (median interval instead)
    assert covered_duration(done, next_time=2.0) == pytest.approx(3.0)


def test_degenerate_runs() -> None:
    assert covered_duration(np.array([])) == 0.0
    assert covered_duration(np.array([5.0])) == 0.0
    assert covered_duration(np.array([5.0]), next_time=6.5) == pytest.approx(1.5)
    assert covered_duration(np.array([np.nan, 1.0, 2.0])) == pytest.approx(2.0)
    assert real_time_factor(0.0, 3.0) == 0.0
    assert math.isinf(real_time_factor(1.0, 0.0))
    assert real_time_factor(120.0, 40.0) == 3.0


@given(
    st.lists(st.floats(0.0, 1e5, allow_nan=False), min_size=2, max_size=50, unique=True),
    st.floats(0.01, 100.0),
)
def test_covered_time_is_span_plus_one_interval(times: list[float], extra: float) -> None:
    t = np.sort(np.asarray(times))
    span = float(t[-1] - t[0])
    got = covered_duration(t)
    assert got == pytest.approx(span + float(np.median(np.diff(t))))
    assert span <= got <= 2.0 * span + 1e-9
    assert covered_duration(t, next_time=float(t[-1]) + extra) == pytest.approx(span + extra)
