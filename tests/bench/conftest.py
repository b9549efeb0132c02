"""Make the repository's ``bench`` package importable however pytest is started.

``python -m pytest`` puts the working directory on ``sys.path``; the ``pytest`` script does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def short_radar_scenario(radar_scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 20 s of the shared n10-r3 example (3 staggered radars, ~60 report times)."""
    from bench.score import cut_scenario

    return cut_scenario(radar_scenario, tmp_path_factory.mktemp("n10-r3-20s") / "scenario", 20.0)
