"""Stone Soup 1.9.1 reference figures from ``shared/notes/metrics.md`` ("Reference figures").

Shown under each case's measured rows so a run can be checked against them. Their scenarios
came from the reference generator, not from `skyfuse.sim` (same recipe, other random draws),
except ``n10-r3-s120``, which is the reference's own n10-r3 file.
"""

from __future__ import annotations

from typing import Final

import msgspec


class ReferenceFigures(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the notes' reference table (units as in `bench.score.Score` and
    `bench.measure.RunStats`; None where the notes give no figure)."""

    variant: str
    ms_mean: float
    ms_p95: float
    x_real_time: float
    peak_mib: float
    gospa: float
    localisation: float
    missed: float
    false: float
    per_target: float
    id_switches: int
    confirm_median_s: float
    confirm_p90_s: float
    note: str = ""


def _ref(
    variant: str,
    ms: tuple[float, float],
    xrt: float,
    mib: float,
    g: tuple[float, float, float, float],
    per_target: float,
    idsw: int,
    confirm: tuple[float, float],
    note: str = "",
) -> ReferenceFigures:
    return ReferenceFigures(
        variant=variant,
        ms_mean=ms[0],
        ms_p95=ms[1],
        x_real_time=xrt,
        peak_mib=mib,
        gospa=g[0],
        localisation=g[1],
        missed=g[2],
        false=g[3],
        per_target=per_target,
        id_switches=idsw,
        confirm_median_s=confirm[0],
        confirm_p90_s=confirm[1],
        note=note,
    )


_N10_R3 = _ref("gnn", (143, 195), 2.33, 119, (106, 97, 3, 6), 14.5, 0, (0.7, 1.0))

REFERENCE: Final[dict[str, ReferenceFigures]] = {
    "n10-r1": _ref("gnn", (77, 113), 13.0, 107, (200, 185, 10, 5), 27, 0, (2.0, 3.0)),
    "n10-r3": _N10_R3,
    "n10-r3-s120": _N10_R3,
    "n100-r1": _ref("gnn-kd", (401, 629), 2.49, 145, (2294, 2104, 120, 70), 33, 0, (2.0, 3.0)),
    "n100-r3": _ref("gnn-kd", (389, 555), 0.86, 233, (1162, 1076, 33, 53), 16.7, 0, (0.7, 1.0)),
    "raid-10x300": _ref("gnn", (826, 1244), 1.21, 163, (2557, 2381, 126, 50), 31, 2, (2.0, 3.0)),
    "raid-10x100": _ref(
        "gnn",
        (802, 1072),
        1.25,
        160,
        (2815, 2487, 204, 124),
        33,
        120,
        (2.0, 4.0),
        note="ID sw by the CLEAR-MOT rule (242 with fresh pairing)",
    ),
    "n1000-r1": _ref(
        "gnn-kd", (8262, 10842), 0.12, 322, (23504, 19768, 2508, 1228), 34, 14, (2.0, 3.0)
    ),
    "n1000-r3": _ref(
        "gnn-kd",
        (5702, 7458),
        0.06,
        619,
        (12111, 10554, 1026, 531),
        17.9,
        5,
        (0.7, 1.0),
        note="first 35 s",
    ),
}
"""Reference figures by bench case name."""
