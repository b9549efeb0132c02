"""A worker's peak memory is its own, not the parent's that started it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bench.measure import peak_rss_mib

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_child_peak_rss_does_not_inherit_the_parent() -> None:
    ballast = np.ones(20_000_000)  # 153 MiB resident in this process
    assert peak_rss_mib() > 150.0
    out = subprocess.run(
        [sys.executable, "-c", "from bench.measure import peak_rss_mib; print(peak_rss_mib())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert float(out.stdout) < 120.0, out.stdout  # ru_maxrss would report > 150 here
    assert ballast.sum() == ballast.size
