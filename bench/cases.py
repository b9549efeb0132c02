"""The benchmark's scenarios (issue 3 section 6) and their cache of generated folders.

Each case is a simulator preset (`skyfuse.sim.preset`) with a seed, or a shared example folder.
Generated folders live in the cache (``bench/.cache/scenarios/<preset>-s<seed>``) and are made
only when missing, so repeated runs score the same files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from skyfuse.core.errors import InputError

BENCH_DIR: Final = Path(__file__).resolve().parent
DEFAULT_CACHE: Final = BENCH_DIR / ".cache"
SHARED_SCENARIOS: Final = BENCH_DIR.parent.parent / "shared" / "scenarios"

REQUIRED_FILES: Final = ("sensors.json", "detections.jsonl", "truth.csv")
"""A cached scenario folder counts as present only with all of these."""


@dataclass(frozen=True, slots=True)
class BenchCase:
    """One benchmark scenario and how to run the trackers on it.

    Attributes:
        name: row label and `--only` name.
        preset: simulator preset name (None for a shared example folder).
        seed: simulator seed.
        overrides: extra `SimConfig` fields for the preset.
        shared: name of a folder under ``shared/scenarios`` (instead of a preset).
        folder: any existing scenario folder (instead of a preset).
        stonesoup: run Stone Soup too (False for the hour-long memory run).
        ss_kd_tree: Stone Soup with kd-tree pre-selection (the reference's ``gnn-kd`` rows).
        quick: part of the ``--quick`` subset.
        rss_every_s: memory sample period in scenario time, s.
        note: shown in the table's note column.
    """

    name: str
    preset: str | None = None
    seed: int = 1
    overrides: Mapping[str, Any] = field(default_factory=dict)
    shared: str | None = None
    folder: Path | None = None
    stonesoup: bool = True
    ss_kd_tree: bool = False
    quick: bool = False
    rss_every_s: float = 60.0
    note: str = ""

    def cache_key(self) -> str:
        """Folder name of the generated scenario in the cache."""
        extra = "".join(f"-{k}={v}" for k, v in sorted(self.overrides.items()))
        return f"{self.preset}-s{self.seed}{extra}"


CASES: Final[tuple[BenchCase, ...]] = (
    BenchCase("n10-r1", "n10-r1", quick=True),
    BenchCase("n10-r3", "n10-r3", quick=True),
    BenchCase("n10-r3-s120", shared="n10-r3-s120", note="shared example"),
    BenchCase("n100-r1", "n100-r1", ss_kd_tree=True),
    BenchCase("n100-r3", "n100-r3", ss_kd_tree=True, quick=True),
    BenchCase("raid-10x300", "raid-10x300"),
    BenchCase("raid-10x100", "raid-10x100", quick=True),
    BenchCase("n1000-r1", "n1000-r1", ss_kd_tree=True),
    BenchCase("n1000-r3", "n1000-r3", ss_kd_tree=True),
    BenchCase("hour-n100-r3", "hour-n100-r3", stonesoup=False, note="memory over 1 h"),
)
"""Every case of the full run, in table order."""


def select_cases(
    cases: Sequence[BenchCase], *, quick: bool, only: Iterable[str] | None
) -> list[BenchCase]:
    """The cases to run: the ``--only`` names (in `CASES` order), else the quick subset or all.

    Raises `InputError` naming an unknown ``--only`` name.
    """
    if only:
        wanted = list(only)
        names = {c.name for c in cases}
        for w in wanted:
            if w not in names:
                raise InputError("--only", f"unknown case {w!r} (known: {sorted(names)})")
        return [c for c in cases if c.name in wanted]
    return [c for c in cases if c.quick] if quick else list(cases)


def generate(case: BenchCase, folder: Path) -> None:
    """Simulate ``case`` into ``folder`` (written to a temporary sibling, then renamed)."""
    from skyfuse.sim import preset, simulate, write_result

    if case.preset is None:
        raise InputError(case.name, "has neither a preset nor a shared folder", field="preset")
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    config = preset(case.preset, seed=case.seed, **dict(case.overrides))
    write_result(simulate(config, preset_name=case.preset), tmp)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds every file of `REQUIRED_FILES`."""
    return all((folder / f).is_file() for f in REQUIRED_FILES)


def scenario_folder(case: BenchCase, cache: Path, *, shared: Path = SHARED_SCENARIOS) -> Path:
    """The case's scenario folder: its own folder, the shared example, or the cached simulation
    (generated now if missing). Raises `InputError` for a given folder that is incomplete."""
    if case.shared is not None or case.folder is not None:
        folder = case.folder if case.folder is not None else shared / str(case.shared)
        if not is_complete(folder):
            raise InputError(str(folder), "shared scenario folder missing or incomplete")
        return folder
    folder = cache / "scenarios" / case.cache_key()
    if not is_complete(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        generate(case, folder)
    return folder
