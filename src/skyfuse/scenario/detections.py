"""`detections.jsonl` reader and writer.

The reader decodes with msgspec into a typed record, then turns records into `Reports` columns.
The fast path decodes a chunk of lines as one JSON array; when that fails it re-decodes the
chunk line by line, so every error names the file, the 1-based line number and the field.
Semantic checks (known sensor, required fields for the sensor's kind, finite values, sorted
times, unique ids) are vectorised over the chunk.

With ``skip_bad=True`` bad lines are counted (`ReadStats`) and left out; nothing already read is
lost. Without it the first bad line raises `ScenarioError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import IO, Final

import msgspec
import numpy as np
from numpy.typing import NDArray

from skyfuse.core.errors import ScenarioError
from skyfuse.core.kinds import SensorKind
from skyfuse.core.reports import (
    CLASS_SCORE_LABELS,
    MEASURED_FIELDS,
    SIGMA_FIELDS,
    TEXT_FIELDS,
    Reports,
)
from skyfuse.scenario.catalog import SensorCatalog

NAN: Final = math.nan


class DetectionRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One line of `detections.jsonl` (every optional field NaN/None when absent)."""

    det_id: int
    time: float
    sensor_id: str
    range_m: float = NAN
    azimuth_deg: float = NAN
    elevation_deg: float = NAN
    radial_velocity_mps: float = NAN
    rcs_dbsm: float = NAN
    fundamental_hz: float = NAN
    snr_db: float = NAN
    frequency_mhz: float = NAN
    bandwidth_mhz: float = NAN
    rssi_dbm: float = NAN
    x: float = NAN
    y: float = NAN
    z: float = NAN
    vx: float = NAN
    vy: float = NAN
    vz: float = NAN
    lat_deg: float = NAN
    lon_deg: float = NAN
    alt_m: float = NAN
    operator_x: float = NAN
    operator_y: float = NAN
    operator_lat_deg: float = NAN
    operator_lon_deg: float = NAN
    sigma_range_m: float = NAN
    sigma_azimuth_deg: float = NAN
    sigma_elevation_deg: float = NAN
    sigma_radial_velocity_mps: float = NAN
    sigma_rcs_dbsm: float = NAN
    sigma_fundamental_hz: float = NAN
    sigma_snr_db: float = NAN
    sigma_frequency_mhz: float = NAN
    sigma_rssi_dbm: float = NAN
    sigma_pos_m: float = NAN
    sigma_vel_mps: float = NAN
    uas_id: str | None = None
    icao24: str | None = None
    callsign: str | None = None
    class_scores: dict[str, float] | None = None


_DECODE_MANY = msgspec.json.Decoder(list[DetectionRecord])
_DECODE_ONE = msgspec.json.Decoder(DetectionRecord)

# Fields each kind must carry (positions depend on the frame, checked separately).
_REQUIRED: Final[dict[SensorKind, tuple[str, ...]]] = {
    SensorKind.RADAR: ("range_m", "azimuth_deg", "elevation_deg"),
    SensorKind.ACOUSTIC: ("azimuth_deg",),
    SensorKind.RF_DF: ("azimuth_deg",),
    SensorKind.EO_IR: ("azimuth_deg", "elevation_deg"),
    SensorKind.REMOTE_ID: (),
    SensorKind.ADSB: (),
}
_POS = ("x", "y", "z", "lat_deg", "lon_deg", "alt_m", "vx", "vy", "vz")


def _with_sigmas(fields: tuple[str, ...], extra: tuple[str, ...] = ()) -> frozenset[str]:
    return frozenset((*fields, *extra, *("sigma_" + f for f in fields)))


KIND_FIELDS: Final[dict[SensorKind, frozenset[str]]] = {
    SensorKind.RADAR: _with_sigmas(
        ("range_m", "azimuth_deg", "elevation_deg", "radial_velocity_mps", "rcs_dbsm")
    ),
    SensorKind.ACOUSTIC: _with_sigmas(("azimuth_deg", "elevation_deg", "fundamental_hz", "snr_db")),
    SensorKind.RF_DF: _with_sigmas(
        ("azimuth_deg", "elevation_deg", "frequency_mhz", "rssi_dbm"), ("bandwidth_mhz",)
    ),
    SensorKind.EO_IR: _with_sigmas(("azimuth_deg", "elevation_deg", "range_m"), ("class_scores",)),
    SensorKind.REMOTE_ID: frozenset(
        (
            *_POS,
            "uas_id",
            "operator_x",
            "operator_y",
            "operator_lat_deg",
            "operator_lon_deg",
            "sigma_pos_m",
            "sigma_vel_mps",
        )
    ),
    SensorKind.ADSB: frozenset((*_POS, "icao24", "callsign", "sigma_pos_m", "sigma_vel_mps")),
}
"""Report fields each sensor kind can carry (scenario format's sensor table); others are ignored."""

_COOP_ID: Final[dict[SensorKind, str]] = {SensorKind.REMOTE_ID: "uas_id", SensorKind.ADSB: "icao24"}


@dataclass(slots=True)
class ReadStats:
    """What a lenient read skipped: count and the first few reasons."""

    lines: int = 0
    accepted: int = 0
    skipped: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, err: ScenarioError) -> None:
        """Count one skipped line, keeping up to 20 reasons."""
        self.skipped += 1
        if len(self.examples) < 20:
            self.examples.append(str(err))


def _field_from_msgspec(msg: str) -> str | None:
    # msgspec says "... - at `$.range_m`" or "Object missing required field `time`".
    if "at `$." in msg:
        return msg.split("at `$.", 1)[1].split("`", 1)[0].split("[", 1)[0].split(".", 1)[0]
    if "required field `" in msg:
        return msg.split("required field `", 1)[1].split("`", 1)[0]
    return None


def _records_to_reports(
    recs: list[DetectionRecord],
    lines: NDArray[np.int64],
    catalog: SensorCatalog,
) -> tuple[Reports, NDArray[np.bool_]]:
    """Records -> columns, plus a mask of rows whose sensor_id is unknown.

    Only the fields that the sensor kinds present in the chunk can carry (`KIND_FIELDS`) are
    extracted: a radar-only file costs 10 columns, not 40.
    """

    n = len(recs)
    det_id = np.fromiter(map(attrgetter("det_id"), recs), np.int64, n)
    time = np.fromiter(map(attrgetter("time"), recs), np.float64, n)
    idx = catalog.index
    names = [r.sensor_id for r in recs]
    sensor = np.fromiter(map(idx.get, names, [-1] * n), np.int32, n)
    kinds = {SensorKind(int(k)) for k in np.unique(catalog.kind[sensor[sensor >= 0]])}
    wanted = set().union(*(KIND_FIELDS[k] for k in kinds)) if kinds else set()

    def present(name: str) -> bool:
        return name in wanted

    values: dict[str, NDArray[np.float64]] = {}
    for f in MEASURED_FIELDS:
        if not present(f):
            continue
        a = np.fromiter(map(attrgetter(f), recs), np.float64, n)
        if not np.isnan(a).all():
            values[f] = a
    sigmas: dict[str, NDArray[np.float64]] = {}
    for f in SIGMA_FIELDS:
        if not present("sigma_" + f):
            continue
        a = np.fromiter(map(attrgetter("sigma_" + f), recs), np.float64, n)
        if not np.isnan(a).all():
            sigmas[f] = a
    text: dict[str, NDArray[np.object_]] = {}
    for f in TEXT_FIELDS:
        if not present(f):
            continue
        col = [getattr(r, f) for r in recs]
        if any(v is not None for v in col):
            arr = np.empty(n, dtype=object)
            arr[:] = col
            text[f] = arr
    scores = None
    with_scores = (
        [i for i, r in enumerate(recs) if r.class_scores is not None]
        if present("class_scores")
        else []
    )
    if with_scores:
        scores = np.full((n, len(CLASS_SCORE_LABELS)), np.nan)
        for i in with_scores:
            cs = recs[i].class_scores or {}
            scores[i] = [cs.get(c, 0.0) for c in CLASS_SCORE_LABELS]
    rep = Reports(det_id, time, sensor, values, sigmas, text, scores, lines)
    return rep, sensor < 0


def _check(
    rep: Reports, unknown: NDArray[np.bool_], catalog: SensorCatalog
) -> list[tuple[int, str, str]]:
    """Vectorised semantic checks: (row, field, reason) for every bad row (first reason each)."""
    n = len(rep)
    bad: dict[int, tuple[str, str]] = {}

    def flag(mask: object, fld: str, reason: str) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            bad.setdefault(int(i), (fld, reason))

    flag(unknown, "sensor_id", "unknown sensor_id (not in sensors.json)")
    flag(~np.isfinite(rep.time), "time", "time must be a finite number of seconds")
    kind = np.where(unknown, -1, catalog.kind[np.maximum(rep.sensor, 0)])
    geodetic = catalog.frame.geodetic
    for k, req in _REQUIRED.items():
        rows = kind == int(k)
        if not rows.any():
            continue
        for f in req:
            flag(
                rows & ~np.isfinite(rep.col(f)),
                f,
                f"required for a {k.label} report, missing or not finite",
            )
        if k in _COOP_ID:
            idf = _COOP_ID[k]
            ids = rep.text_col(idf)
            flag(
                rows & np.array([not isinstance(v, str) or not v for v in ids], dtype=bool),
                idf,
                f"required for a {k.label} report",
            )
            for f in ("lat_deg", "lon_deg", "alt_m") if geodetic else ("x", "y", "z"):
                flag(
                    rows & ~np.isfinite(rep.col(f)),
                    f,
                    f"required for a {k.label} report in a {'WGS84' if geodetic else 'ENU'} frame",
                )
    rng = rep.col("range_m")
    flag(rng <= 0.0, "range_m", "range must be > 0 m")
    el = rep.col("elevation_deg")
    flag(np.abs(el) > 90.0, "elevation_deg", "elevation outside [-90, 90] deg")
    lat = rep.col("lat_deg")
    flag(np.abs(lat) > 90.0, "lat_deg", "latitude outside [-90, 90] deg")
    for f, s in rep.sigmas.items():
        flag(s <= 0.0, "sigma_" + f, "sigma must be > 0")
    if rep.class_scores is not None:
        cs = rep.class_scores
        has = ~np.isnan(cs).all(axis=1)
        flag(
            has & ((cs < 0).any(axis=1) | (cs > 1).any(axis=1)),
            "class_scores",
            "class scores must be probabilities in [0, 1]",
        )
    del n
    return [(i, f, r) for i, (f, r) in sorted(bad.items())]


class DetectionReader:
    """Streams `detections.jsonl` as `Reports` chunks, checking every line.

    Also enforces file-wide rules across chunks: `det_id` unique and `time` non-decreasing.
    """

    def __init__(
        self,
        path: Path,
        catalog: SensorCatalog,
        *,
        skip_bad: bool = False,
        chunk_lines: int = 200_000,
    ) -> None:
        self.path = Path(path)
        self.catalog = catalog
        self.skip_bad = skip_bad
        self.chunk_lines = chunk_lines
        self.stats = ReadStats()
        self._last_time = -math.inf
        self._seen_ids: set[int] = set()

    def _error(self, line: int, fld: str | None, reason: str) -> ScenarioError:
        return ScenarioError(str(self.path), reason, line=line, field=fld)

    def _reject(self, err: ScenarioError) -> None:
        if not self.skip_bad:
            raise err
        self.stats.add(err)

    def _decode(self, raw: list[bytes], first_line: int) -> tuple[list[DetectionRecord], list[int]]:
        try:
            recs = _DECODE_MANY.decode(b"[" + b",".join(raw) + b"]")
            return recs, list(range(first_line, first_line + len(raw)))
        except msgspec.DecodeError:
            pass
        # Slow path: blank lines, or a bad line to name. Keep the numbering.
        keep = [(first_line + i, b) for i, b in enumerate(raw) if b.strip()]
        recs, lines = [], []
        for ln, b in keep:
            try:
                recs.append(_DECODE_ONE.decode(b))
                lines.append(ln)
            except msgspec.ValidationError as e:
                self._reject(self._error(ln, _field_from_msgspec(str(e)), str(e)))
            except msgspec.DecodeError as e:
                self._reject(self._error(ln, None, f"not valid JSON ({e})"))
        return recs, lines

    def _chunk(self, raw: list[bytes], first_line: int) -> Reports:
        recs, lines = self._decode(raw, first_line)
        if not recs:
            return Reports.empty()
        rep, unknown = _records_to_reports(recs, np.asarray(lines, np.int64), self.catalog)
        bad_rows = _check(rep, unknown, self.catalog)
        keep = np.ones(len(rep), dtype=bool)
        for i, f, reason in bad_rows:
            self._reject(self._error(lines[i], f, reason))
            keep[i] = False
        # File-wide order and uniqueness, vectorised. A row is out of order when its time is below
        # the running maximum of the accepted rows before it (a rejected row never raises it).
        t = np.where(keep, rep.time, -np.inf)
        run_max = np.maximum.accumulate(np.concatenate(([self._last_time], t)))[:-1]
        late = keep & (rep.time < run_max)
        for i in np.flatnonzero(late).tolist():
            self._reject(
                self._error(
                    lines[i],
                    "time",
                    f"time {rep.time[i]} is before an earlier line's "
                    f"{run_max[i]}: detections.jsonl must be sorted by time",
                )
            )
        keep &= ~late
        ids = rep.det_id
        first = np.zeros(len(rep), dtype=bool)
        kept_idx = np.flatnonzero(keep)
        _, first_pos = np.unique(ids[kept_idx], return_index=True)
        first[kept_idx[first_pos]] = True
        seen = self._seen_ids
        dup = keep & ~first
        if seen:
            dup |= keep & np.fromiter(map(seen.__contains__, ids.tolist()), bool, len(rep))
        for i in np.flatnonzero(dup).tolist():
            self._reject(self._error(lines[i], "det_id", f"det_id {int(ids[i])} is not unique"))
        keep &= ~dup
        seen.update(ids[keep].tolist())
        if keep.any():
            self._last_time = max(self._last_time, float(rep.time[keep].max()))
        out = rep if keep.all() else rep.take(keep)
        self.stats.accepted += len(out)
        return out

    def __iter__(self) -> Iterator[Reports]:
        with self.path.open("rb") as fh:
            yield from self._iter_fh(fh)

    def _iter_fh(self, fh: IO[bytes]) -> Iterator[Reports]:
        line_no = 1
        while True:
            raw = fh.readlines(self.chunk_lines * 200)
            if not raw:
                break
            self.stats.lines += len(raw)
            chunk = self._chunk(raw, line_no)
            line_no += len(raw)
            if len(chunk):
                yield chunk

    def read_all(self) -> Reports:
        """The whole file as one `Reports` (sorted by time)."""
        return Reports.concat(list(self))


def read_detections(
    path: Path, catalog: SensorCatalog, *, skip_bad: bool = False
) -> tuple[Reports, ReadStats]:
    """Read a whole `detections.jsonl`; returns the reports and what was skipped."""
    reader = DetectionReader(path, catalog, skip_bad=skip_bad)
    reps = reader.read_all()
    return reps, reader.stats


def _fmt(v: float) -> float:
    return v


def reports_to_lines(reports: Reports, catalog: SensorCatalog) -> Iterator[bytes]:
    """Encode reports as `detections.jsonl` lines (NaN fields omitted), in the given order."""
    enc = msgspec.json.Encoder()
    ids = [s.sensor_id for s in catalog.specs]
    n = len(reports)
    vcols = [(k, v) for k, v in reports.values.items()]
    scols = [("sigma_" + k, v) for k, v in reports.sigmas.items()]
    tcols = list(reports.text.items())
    scores = reports.class_scores
    det = reports.det_id.tolist()
    tim = reports.time.tolist()
    sen = reports.sensor.tolist()
    vlists = [(k, v.tolist()) for k, v in vcols + scols]
    tlists = [(k, v.tolist()) for k, v in tcols]
    for i in range(n):
        d: dict[str, object] = {"det_id": det[i], "time": tim[i], "sensor_id": ids[sen[i]]}
        for k, col in vlists:
            x = col[i]
            if x == x:  # not NaN
                d[k] = x
        for k, tcol in tlists:
            s = tcol[i]
            if s is not None:
                d[k] = s
        if scores is not None and not math.isnan(scores[i, 0]):
            d["class_scores"] = {
                c: round(float(p), 4) for c, p in zip(CLASS_SCORE_LABELS, scores[i], strict=True)
            }
        yield enc.encode(d) + b"\n"


def write_detections(path: Path, reports: Reports, catalog: SensorCatalog) -> None:
    """Write `detections.jsonl` (the caller sorts by time, then sensor_id)."""
    with Path(path).open("wb") as fh:
        buf: list[bytes] = []
        for line in reports_to_lines(reports, catalog):
            buf.append(line)
            if len(buf) >= 65536:
                fh.write(b"".join(buf))
                buf.clear()
        fh.write(b"".join(buf))
