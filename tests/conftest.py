"""Shared fixtures: where `../shared` is, and the example scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` from the project root (present on every developer machine and in CI)."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} not found: the project expects ../shared beside it")
    return SHARED


@pytest.fixture(scope="session")
def radar_scenario(shared_dir: Path) -> Path:
    """The radar-only example: 10 targets, 3 staggered radars, 120 scans."""
    return shared_dir / "scenarios" / "n10-r3-s120"


@pytest.fixture(scope="session")
def mixed_scenario(shared_dir: Path) -> Path:
    """The example with every sensor kind, context, classes and waves."""
    return shared_dir / "scenarios" / "mixed-demo"
