"""CSV tables of the scenario folder: `truth.csv`, `targets.csv`, `labels.csv`, and the
tracker's `tracks.csv`. All columnar (NumPy), with errors that name file, line and field.

Position columns are (x, y, z) metres in `ENU` scenarios and (lat_deg, lon_deg, alt_m) in `WGS84`
scenarios; velocities are always local East, North, Up, m/s.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import ScenarioError
from skyfuse.core.kinds import CLASSES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ENU_POS: Final = ("x", "y", "z")
WGS84_POS: Final = ("lat_deg", "lon_deg", "alt_m")


def _read_numeric_csv(path: Path, required: tuple[str, ...]) -> tuple[list[str], F64]:
    """Read a header + all-numeric CSV fast; errors name the line and column."""
    text = Path(path).read_text()
    head, _, body = text.partition("\n")
    cols = [c.strip() for c in head.strip().split(",")]
    for r in required:
        if r not in cols:
            raise ScenarioError(str(path), f"missing column (header has {cols})", line=1, field=r)
    if not body.strip():
        return cols, np.zeros((0, len(cols)))
    try:
        data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError as e:
        # Slow path only to name the bad line and column.
        for ln, row in enumerate(csv.reader(io.StringIO(body)), start=2):
            if not row:
                continue
            if len(row) != len(cols):
                raise ScenarioError(
                    str(path), f"{len(row)} values, expected {len(cols)}", line=ln
                ) from e
            for c, v in zip(cols, row, strict=True):
                try:
                    float(v)
                except ValueError:
                    raise ScenarioError(str(path), f"not a number: {v!r}", line=ln, field=c) from e
        raise ScenarioError(str(path), str(e)) from e
    if data.shape[1] != len(cols):
        raise ScenarioError(str(path), f"rows have {data.shape[1]} values, header {len(cols)}")
    return cols, data


@dataclass(frozen=True, slots=True)
class Truth:
    """True target states at every scheduled report time (columns)."""

    time: F64
    target_id: I64
    pos: F64
    """(n, 3): x, y, z metres (ENU) or lat_deg, lon_deg, alt_m (WGS84)."""
    vel: F64
    """(n, 3): local East, North, Up velocity, m/s."""
    geodetic: bool

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def times(self) -> F64:
        """Distinct times, sorted."""
        return np.unique(self.time)


def read_truth(path: Path) -> Truth:
    """Read `truth.csv` (either frame, told by its header)."""
    with Path(path).open() as fh:
        text_head = fh.readline()
    geodetic = "lat_deg" in text_head
    pos_cols = WGS84_POS if geodetic else ENU_POS
    cols, d = _read_numeric_csv(path, ("time", "target_id", *pos_cols, "vx", "vy", "vz"))
    ix = {c: i for i, c in enumerate(cols)}
    return Truth(
        time=d[:, ix["time"]].copy(),
        target_id=d[:, ix["target_id"]].astype(np.int64),
        pos=d[:, [ix[c] for c in pos_cols]].copy(),
        vel=d[:, [ix["vx"], ix["vy"], ix["vz"]]].copy(),
        geodetic=geodetic,
    )


def write_truth(path: Path, truth: Truth) -> None:
    """Write `truth.csv`, sorted as given (time then target_id)."""
    pos_cols = WGS84_POS if truth.geodetic else ENU_POS
    header = ",".join(("time", "target_id", *pos_cols, "vx", "vy", "vz"))
    pfmt = "%.8f" if truth.geodetic else "%.3f"
    arr = np.column_stack([truth.time, truth.target_id, truth.pos, truth.vel])
    fmt = ["%.6f", "%d", pfmt, pfmt, "%.3f", "%.3f", "%.3f", "%.3f"]
    np.savetxt(path, arr, fmt=fmt, delimiter=",", header=header, comments="")


def read_labels(path: Path) -> tuple[I64, I64]:
    """Read `labels.csv`: (det_id, target_id) arrays; target_id -1 marks a false report."""
    cols, d = _read_numeric_csv(path, ("det_id", "target_id"))
    ix = {c: i for i, c in enumerate(cols)}
    return d[:, ix["det_id"]].astype(np.int64), d[:, ix["target_id"]].astype(np.int64)


def write_labels(path: Path, det_id: I64, target_id: I64) -> None:
    """Write `labels.csv`."""
    np.savetxt(
        path,
        np.column_stack([det_id, target_id]),
        fmt="%d",
        delimiter=",",
        header="det_id,target_id",
        comments="",
    )


@dataclass(frozen=True, slots=True)
class Targets:
    """`targets.csv`: one row per target; optional columns kept as strings in `extra`."""

    target_id: I64
    cls: NDArray[np.str_]
    hostile: NDArray[np.bool_]
    goal_site: NDArray[np.str_]
    """Site id or '' (none)."""
    extra: dict[str, NDArray[np.str_]]

    def __len__(self) -> int:
        return int(self.target_id.shape[0])

    def float_col(self, name: str) -> F64:
        """An optional numeric column (NaN where empty or absent)."""
        col = self.extra.get(name)
        if col is None:
            return np.full(len(self), np.nan)
        return np.array([float(v) if v not in ("", None) else np.nan for v in col])

    def class_of(self) -> dict[int, str]:
        """target_id -> class label."""
        return dict(zip(self.target_id.tolist(), self.cls.tolist(), strict=True))


def read_targets(path: Path) -> Targets:
    """Read `targets.csv`, checking classes."""
    with Path(path).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and not {"target_id", "class"} <= set(rows[0]):
        raise ScenarioError(str(path), "needs columns target_id and class", line=1)
    for ln, r in enumerate(rows, start=2):
        if r["class"] not in CLASSES:
            raise ScenarioError(str(path), f"unknown class {r['class']!r}", line=ln, field="class")
    base = {"target_id", "class", "hostile", "goal_site"}
    extra_cols = [c for c in (rows[0].keys() if rows else []) if c not in base]
    try:
        tid = np.array([int(r["target_id"]) for r in rows], dtype=np.int64)
    except ValueError as e:
        raise ScenarioError(str(path), f"target_id not an integer ({e})", field="target_id") from e
    return Targets(
        target_id=tid,
        cls=np.array([r["class"] for r in rows], dtype=str),
        hostile=np.array([r.get("hostile", "0") in ("1", "true", "True") for r in rows], bool),
        goal_site=np.array([r.get("goal_site", "") or "" for r in rows], dtype=str),
        extra={c: np.array([r.get(c, "") or "" for r in rows], dtype=str) for c in extra_cols},
    )


def write_targets(path: Path, targets: Targets) -> None:
    """Write `targets.csv` (base columns, then the extra columns in their order)."""
    with Path(path).open("w", newline="") as fh:
        w = csv.writer(fh)
        extra = list(targets.extra)
        w.writerow(["target_id", "class", "hostile", "goal_site", *extra])
        for i in range(len(targets)):
            w.writerow(
                [
                    int(targets.target_id[i]),
                    targets.cls[i],
                    int(targets.hostile[i]),
                    targets.goal_site[i],
                    *(targets.extra[c][i] for c in extra),
                ]
            )


# -- tracks.csv --------------------------------------------------------------------------------

TRACK_COLUMNS: Final = ("time", "track_id", "x", "y", "z", "vx", "vy", "vz", "class", "class_prob")


@dataclass(frozen=True, slots=True)
class TrackTable:
    """A tracker's output picture over time (`tracks.csv`), columns.

    ``pos`` holds x, y, z (ENU) or lat_deg, lon_deg, alt_m (WGS84, told by the header);
    ``extra`` holds any further numeric columns (e.g. the 6x6 covariance for NEES).
    """

    time: F64
    track_id: I64
    pos: F64
    vel: F64
    cls: NDArray[np.str_]
    class_prob: F64
    geodetic: bool
    extra: dict[str, F64]

    def __len__(self) -> int:
        return int(self.time.shape[0])


def _read_tracks_fast(path: Path, header: list[str]) -> tuple[F64, NDArray[np.str_]] | None:
    """numpy's C parser for well-formed files (no empty cells); None to fall back."""
    num = [i for i, c in enumerate(header) if c != "class"]
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=num, ndmin=2)
        cls = (
            np.loadtxt(
                path, delimiter=",", skiprows=1, usecols=[header.index("class")], dtype=str, ndmin=1
            )
            if "class" in header
            else np.full(data.shape[0], "unknown")
        )
    except ValueError:
        return None
    return data, cls


def read_tracks(path: Path) -> TrackTable:
    """Read a `tracks.csv` (either frame, told by the header). Extra numeric columns are kept."""
    with Path(path).open(newline="") as fh:
        header_line = fh.readline()
        has_rows = bool(fh.readline().strip())
    header = [c.strip() for c in header_line.strip().split(",")] if header_line else []
    if header:
        _check_track_header(path, header)
    fast = _read_tracks_fast(Path(path), header) if header and has_rows else None
    if fast is not None:
        return _track_table(header, *fast)
    with Path(path).open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if not header:
            raise ScenarioError(str(path), "empty file: expected a header", line=1)
        rows = list(reader)
    _check_track_header(path, header)
    ix = {c: i for i, c in enumerate(header)}
    n = len(rows)
    num_cols = [c for c in header if c != "class"]
    for ln, r in enumerate(rows, start=2):
        if len(r) != len(header):
            raise ScenarioError(str(path), f"{len(r)} values, expected {len(header)}", line=ln)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    data = np.full((n, len(num_cols)), np.nan)
    for j, c in enumerate(num_cols):
        raw = np.asarray(columns[ix[c]], dtype=str)
        filled = raw != ""
        for k in np.flatnonzero(filled).tolist():
            try:
                data[k, j] = float(raw[k])
            except ValueError:
                raise ScenarioError(
                    str(path), f"not a number: {raw[k]!r}", line=k + 2, field=c
                ) from None
    cls = np.asarray(columns[ix["class"]], dtype=str) if "class" in ix else np.full(n, "unknown")
    return _track_table(header, data, cls)


def _check_track_header(path: Path, header: list[str]) -> None:
    pos_cols = WGS84_POS if "lat_deg" in header else ENU_POS
    for c in ("time", "track_id", *pos_cols, "vx", "vy", "vz"):
        if c not in header:
            raise ScenarioError(str(path), f"missing column (header has {header})", line=1, field=c)


def _track_table(header: list[str], data: F64, cls: NDArray[np.str_]) -> TrackTable:
    """Numeric columns (header order, `class` left out) + class labels -> `TrackTable`."""
    geodetic = "lat_deg" in header
    pos_cols = WGS84_POS if geodetic else ENU_POS
    num_cols = [c for c in header if c != "class"]
    jx = {c: j for j, c in enumerate(num_cols)}
    n = data.shape[0]
    prob = data[:, jx["class_prob"]] if "class_prob" in jx else np.full(n, np.nan)
    skip = {"time", "track_id", *pos_cols, "vx", "vy", "vz", "class_prob"}
    return TrackTable(
        time=data[:, jx["time"]].copy(),
        track_id=data[:, jx["track_id"]].astype(np.int64),
        pos=data[:, [jx[c] for c in pos_cols]].copy(),
        vel=data[:, [jx["vx"], jx["vy"], jx["vz"]]].copy(),
        cls=cls,
        class_prob=prob.copy(),
        geodetic=geodetic,
        extra={c: data[:, jx[c]].copy() for c in num_cols if c not in skip},
    )


class TrackWriter:
    """Streams `tracks.csv` rows; the header depends on the frame; extra numeric columns allowed."""

    def __init__(self, path: Path, *, geodetic: bool, extra: tuple[str, ...] = ()) -> None:
        self._fh = Path(path).open("w", newline="")
        self.geodetic = geodetic
        self.extra = extra
        pos = WGS84_POS if geodetic else ENU_POS
        self._fh.write(
            ",".join(("time", "track_id", *pos, "vx", "vy", "vz", "class", "class_prob", *extra))
            + "\n"
        )
        self.rows = 0

    def write(
        self,
        time: float,
        track_id: I64,
        pos: F64,
        vel: F64,
        cls: list[str],
        class_prob: F64,
        extra: F64 | None = None,
    ) -> None:
        """Write one picture (all confirmed tracks at one time)."""
        pf = "{:.8f}" if self.geodetic else "{:.3f}"
        lines = []
        ex = extra if extra is not None else np.zeros((len(track_id), 0))
        for i in range(len(track_id)):
            p = pos[i]
            v = vel[i]
            e = "".join("," + format(float(x), ".6g") for x in ex[i])
            lines.append(
                f"{time:.6f},{int(track_id[i])},{pf.format(p[0])},{pf.format(p[1])},"
                f"{p[2]:.3f},{v[0]:.3f},{v[1]:.3f},{v[2]:.3f},{cls[i]},{class_prob[i]:.4f}{e}\n"
            )
        self._fh.write("".join(lines))
        self.rows += len(lines)

    def close(self) -> None:
        """Flush and close the file."""
        self._fh.close()

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
