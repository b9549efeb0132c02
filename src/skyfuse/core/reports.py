"""Columnar sensor reports: the message every stage after ingest consumes.

One `Reports` holds n reports as NumPy columns (no per-report Python objects), so a scan of a
thousand plots is converted, gated and associated with array operations. A missing optional
quantity is NaN. Columns use the scenario format's field names and units (degrees, metres,
seconds); the tracker converts angles to radians at its edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.kinds import KNOWN_CLASSES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
OBJ = NDArray[np.object_]

MEASURED_FIELDS: Final[tuple[str, ...]] = (
    "range_m",
    "azimuth_deg",
    "elevation_deg",
    "radial_velocity_mps",
    "rcs_dbsm",
    "fundamental_hz",
    "snr_db",
    "frequency_mhz",
    "bandwidth_mhz",
    "rssi_dbm",
    "x",
    "y",
    "z",
    "vx",
    "vy",
    "vz",
    "lat_deg",
    "lon_deg",
    "alt_m",
    "operator_x",
    "operator_y",
    "operator_lat_deg",
    "operator_lon_deg",
)
"""Float fields a report may carry (scenario-format names and units)."""

SIGMA_FIELDS: Final[tuple[str, ...]] = (
    "range_m",
    "azimuth_deg",
    "elevation_deg",
    "radial_velocity_mps",
    "rcs_dbsm",
    "fundamental_hz",
    "snr_db",
    "frequency_mhz",
    "rssi_dbm",
    "pos_m",
    "vel_mps",
)
"""Quantities whose 1-sigma noise a report may give as ``sigma_<name>``."""

TEXT_FIELDS: Final[tuple[str, ...]] = ("uas_id", "icao24", "callsign")
"""Identity strings of cooperative reports."""

CLASS_SCORE_LABELS: Final[tuple[str, ...]] = KNOWN_CLASSES
"""Columns of `Reports.class_scores` (EO/IR classifier output), in class-code order."""


def _nan(n: int) -> F64:
    return np.full(n, np.nan)


@dataclass(frozen=True, slots=True)
class Reports:
    """n sensor reports as columns.

    Attributes:
        det_id: report ids, unique within a scenario.
        time: report time, seconds from scenario start (for acoustic reports: arrival time).
        sensor: index into the scenario's sensor list (`SensorCatalog`).
        values: measured quantities by field name (see `MEASURED_FIELDS`); only fields present in
            at least one report are stored; `col()` gives NaN for the others.
        sigmas: per-report 1-sigma noise by quantity name (`SIGMA_FIELDS`), NaN = sensor default.
        text: identity strings (`uas_id`, `icao24`, `callsign`), object arrays, None if absent.
        class_scores: (n, 7) EO/IR class probabilities in `CLASS_SCORE_LABELS` order, NaN rows
            where absent; None when no report in the batch has scores.
        line: source line number (1-based) per report, for error messages; 0 if not from a file.
    """

    det_id: I64
    time: F64
    sensor: I32
    values: Mapping[str, F64] = field(default_factory=dict)
    sigmas: Mapping[str, F64] = field(default_factory=dict)
    text: Mapping[str, OBJ] = field(default_factory=dict)
    class_scores: F64 | None = None
    line: I64 | None = None

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def col(self, name: str) -> F64:
        """A measured column by name; all NaN if no report has it."""
        a = self.values.get(name)
        return a if a is not None else _nan(len(self))

    def sigma(self, name: str) -> F64:
        """Per-report sigma of a quantity; NaN where the sensor default applies."""
        a = self.sigmas.get(name)
        return a if a is not None else _nan(len(self))

    def text_col(self, name: str) -> OBJ:
        """An identity column (`uas_id`, `icao24`, `callsign`); None where absent."""
        a = self.text.get(name)
        if a is not None:
            return a
        return np.full(len(self), None, dtype=object)

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_] | slice) -> Reports:
        """A new `Reports` with the selected rows (index array, boolean mask or slice)."""
        return Reports(
            det_id=self.det_id[idx],
            time=self.time[idx],
            sensor=self.sensor[idx],
            values={k: v[idx] for k, v in self.values.items()},
            sigmas={k: v[idx] for k, v in self.sigmas.items()},
            text={k: v[idx] for k, v in self.text.items()},
            class_scores=None if self.class_scores is None else self.class_scores[idx],
            line=None if self.line is None else self.line[idx],
        )

    def batches_by_time(self) -> Iterator[Reports]:
        """Consecutive groups of reports sharing one time (input must be sorted by time)."""
        if len(self) == 0:
            return
        cuts = np.flatnonzero(np.diff(self.time) != 0.0) + 1
        bounds = np.concatenate(([0], cuts, [len(self)]))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            yield self.take(slice(int(a), int(b)))

    @staticmethod
    def empty() -> Reports:
        """A batch with no reports."""
        return Reports(det_id=np.zeros(0, np.int64), time=np.zeros(0), sensor=np.zeros(0, np.int32))

    @staticmethod
    def concat(parts: Sequence[Reports]) -> Reports:
        """Concatenate batches row-wise (columns missing in some parts are NaN / None there)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Reports.empty()
        if len(parts) == 1:
            return parts[0]
        vkeys = sorted({k for p in parts for k in p.values})
        skeys = sorted({k for p in parts for k in p.sigmas})
        tkeys = sorted({k for p in parts for k in p.text})
        scores = None
        if any(p.class_scores is not None for p in parts):
            scores = np.concatenate(
                [
                    p.class_scores
                    if p.class_scores is not None
                    else np.full((len(p), len(CLASS_SCORE_LABELS)), np.nan)
                    for p in parts
                ]
            )
        lines = None
        if all(p.line is not None for p in parts):
            lines = np.concatenate([p.line for p in parts if p.line is not None])
        return Reports(
            det_id=np.concatenate([p.det_id for p in parts]),
            time=np.concatenate([p.time for p in parts]),
            sensor=np.concatenate([p.sensor for p in parts]),
            values={k: np.concatenate([p.col(k) for p in parts]) for k in vkeys},
            sigmas={k: np.concatenate([p.sigma(k) for p in parts]) for k in skeys},
            text={k: np.concatenate([p.text_col(k) for p in parts]) for k in tkeys},
            class_scores=scores,
            line=lines,
        )
