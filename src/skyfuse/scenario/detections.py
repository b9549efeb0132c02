"""`detections.jsonl` reader and writer.

The reader decodes with msgspec into a typed record, then turns records into `Reports` columns.
The fast path decodes a chunk of lines as one JSON array; when that fails it re-decodes the
chunk line by line, so every error names the file, the 1-based line number and the field (also
for a NaN/Infinity literal, an invalid UTF-8 byte or too deep nesting, located by the byte
offset the decoder reports). Semantic checks (known sensor, required fields for the sensor's
kind, the physical bounds of `skyfuse.scenario.bounds`, sorted times, unique ids) are
vectorised over the chunk. Azimuths are wrapped into [0, 360) and longitudes into
(-180, 180] on reading.

The file is read in blocks of `BLOCK_BYTES`; a line longer than `MAX_LINE_BYTES` is rejected
without being held in memory. Duplicate keys in one object: the last one wins (RFC 8259 leaves
this to the reader).

With ``skip_bad=True`` bad lines are counted (`ReadStats`) and left out; nothing already read is
lost. Without it the first bad line raises `ScenarioError`.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import IO, Annotated, Final

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
from skyfuse.scenario.bounds import (
    INTERVALS,
    MAX_CLASS_SCORES,
    MAX_DET_ID,
    MAX_LINE_BYTES,
    MAX_RANGE_M,
    MAX_SPEED_MPS,
    MAX_STRING_CHARS,
    MAX_TIME_S,
    RANGE_COVERAGE_FACTOR,
    UNITS,
    interval_text,
    sigma_interval,
)
from skyfuse.scenario.catalog import SensorCatalog

NAN: Final = math.nan
MOSTLY_REJECTED: Final = 0.5
"""Fraction of rejected report lines above which a lenient read is called a failure."""
BLOCK_BYTES: Final = 8 * 1024 * 1024
"""Bytes read from the file at a time (one decoding chunk is about this big)."""

DetId = Annotated[int, msgspec.Meta(ge=0, le=MAX_DET_ID)]
Name = Annotated[str, msgspec.Meta(max_length=MAX_STRING_CHARS)]
Scores = Annotated[dict[Name, float], msgspec.Meta(max_length=MAX_CLASS_SCORES)]


class DetectionRecord(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """One line of `detections.jsonl` (every optional field NaN/None when absent)."""

    det_id: DetId
    time: float
    sensor_id: Name
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
    uas_id: Name | None = None
    icao24: Name | None = None
    callsign: Name | None = None
    class_scores: Scores | None = None


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
    """What a lenient read skipped: count and the first few reasons.

    ``lines``: lines read (blank ones included); ``accepted`` + ``skipped`` = report lines
    (non-blank).
    """

    lines: int = 0
    accepted: int = 0
    skipped: int = 0
    examples: list[str] = field(default_factory=list)

    _example_lines: list[int] = field(default_factory=list, repr=False)

    def add(self, err: ScenarioError) -> None:
        """Count one skipped line, keeping the reasons of the 20 first lines (in line order)."""
        self.skipped += 1
        line = err.line if err.line is not None else 0
        if len(self.examples) >= 20 and line >= self._example_lines[-1]:
            return
        at = bisect.bisect_right(self._example_lines, line)
        self._example_lines.insert(at, line)
        self.examples.insert(at, str(err))
        del self._example_lines[20:], self.examples[20:]

    @property
    def rejected_fraction(self) -> float:
        """Skipped report lines / all report lines (0 when there were none)."""
        total = self.accepted + self.skipped
        return self.skipped / total if total else 0.0

    @property
    def mostly_rejected(self) -> bool:
        """More than `MOSTLY_REJECTED` of the report lines were skipped."""
        return self.rejected_fraction > MOSTLY_REJECTED

    def warning_lines(self, n_examples: int = 5) -> list[str]:
        """The count and fraction skipped, then the first reasons (file:line: field ...)."""
        total = self.accepted + self.skipped
        head = (
            f"skipped {self.skipped} bad report line(s) of {total} "
            f"({100.0 * self.rejected_fraction:.1f} %); first:"
        )
        return [head, *self.examples[:n_examples]]

    def warning(self, n_examples: int = 3) -> str:
        """One paragraph for a user: how many lines were skipped and the first reasons."""
        total = self.accepted + self.skipped
        head = (
            f"skipped {self.skipped} bad report line(s) of {total} "
            f"({100.0 * self.rejected_fraction:.1f} %)"
        )
        ex = self.examples[:n_examples]
        return head + ("; first: " + "; ".join(ex) if ex else "")


def _field_from_msgspec(msg: str) -> str | None:
    # msgspec says "... - at `$.range_m`" or "Object missing required field `time`".
    if "at `$." in msg:
        return msg.split("at `$.", 1)[1].split("`", 1)[0].split("[", 1)[0].split(".", 1)[0]
    if "required field `" in msg:
        return msg.split("required field `", 1)[1].split("`", 1)[0]
    return None


_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"(\s*:)?|[{}\[\]]')
_BYTE = re.compile(r"\(byte (\d+)\)")


def field_at(doc: bytes, pos: int) -> str | None:
    """The top-level object key whose value contains byte ``pos`` of a JSON text (None when
    ``pos`` is outside any keyed value). Used to name the field of a decode error."""
    stack: list[str | None] = []
    key: str | None = None
    for m in _TOKENS.finditer(doc, 0, max(pos, 0)):
        c = m.group(0)[:1]
        if c in (b"{", b"["):
            stack.append(key)
            key = None
        elif c in (b"}", b"]"):
            key = stack.pop() if stack else None
        elif m.group(1) is not None:
            key = m.group(0)[1 : m.start(1) - m.start() - 1].decode("utf-8", "replace")
    if len(stack) > 1:
        return stack[1]
    return key


def _depth_exceeded_at(doc: bytes, limit: int) -> int:
    """Byte offset where a JSON text first nests deeper than ``limit`` (its length if never)."""
    depth = 0
    for m in _TOKENS.finditer(doc):
        c = m.group(0)[:1]
        if c in (b"{", b"["):
            depth += 1
            if depth > limit:
                return m.start()
        elif c in (b"}", b"]"):
            depth -= 1
    return len(doc)


def describe_decode_error(doc: bytes, exc: BaseException) -> tuple[str | None, str, int | None]:
    """(field, reason, byte offset or None) for a failure to decode one JSON text, naming the
    field wherever the decoder reports a position: a NaN/Infinity literal, a stray character,
    an invalid UTF-8 byte, too deep nesting, a truncated object."""
    if isinstance(exc, msgspec.ValidationError):
        msg = str(exc)
        return _field_from_msgspec(msg), msg.split(" - at `$", 1)[0], None
    if isinstance(exc, UnicodeDecodeError):
        try:
            doc.decode("utf-8")
            pos = 0
        except UnicodeDecodeError as u:
            pos = u.start
        byte = f"0x{doc[pos]:02x} " if pos < len(doc) else ""
        return field_at(doc, pos), f"invalid UTF-8 byte {byte}at byte {pos}", pos
    if isinstance(exc, RecursionError):
        pos = _depth_exceeded_at(doc, 64)
        return field_at(doc, pos), f"JSON nested too deeply (near byte {pos})", pos
    msg = str(exc)
    m = _BYTE.search(msg)
    if m is None:
        if "truncated" in msg:
            return None, "ends before its JSON value is closed (truncated)", len(doc)
        return None, f"not valid JSON ({msg})", None
    pos = int(m.group(1))
    if pos > 0 and doc[pos - 1 : pos] == b"-":
        pos -= 1
    word = doc[pos : pos + 9]
    if word.startswith((b"NaN", b"Infinity", b"-Infinity", b"inf", b"-inf", b"nan")):
        lit = word.split(b",")[0].split(b"}")[0].strip().decode("ascii", "replace")
        reason = f"{lit} is not a JSON number: give a finite value or leave the field out"
        return field_at(doc, pos), reason, pos
    return field_at(doc, pos), f"not valid JSON ({msg})", pos


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


def range_caps(catalog: SensorCatalog) -> NDArray[np.float64]:
    """(S,) largest accepted report range per sensor, metres: `RANGE_COVERAGE_FACTOR` times the
    sensor's finite reach (`coverage.max_range_m`, or a longer `max_range_m_by_class`), never
    above `MAX_RANGE_M`."""
    reach = [
        max([s.coverage.max_range_m, *s.coverage.max_range_m_by_class.values()])
        for s in catalog.specs
    ]
    caps = RANGE_COVERAGE_FACTOR * np.array(reach, dtype=np.float64).reshape(len(catalog))
    return np.minimum(np.where(np.isfinite(caps) & (caps > 0), caps, MAX_RANGE_M), MAX_RANGE_M)


def check_reports(
    rep: Reports,
    unknown: NDArray[np.bool_],
    catalog: SensorCatalog,
    caps: NDArray[np.float64] | None = None,
) -> list[tuple[int, str, str]]:
    """Vectorised semantic and physical-bound checks of decoded reports.

    Returns (row, field, reason) for every bad row (its first reason). ``unknown`` marks rows
    whose sensor is not in the catalogue; ``caps`` are `range_caps(catalog)` (computed if None).
    Absent optional fields are NaN and pass; a decoded value is never NaN (JSON has none) but
    may be infinite, which fails every bound.
    """
    bad: dict[int, tuple[str, str]] = {}

    def flag(mask_like: object, fld: str, reason: str) -> None:
        mask = np.asarray(mask_like, dtype=bool)
        if not mask.any():
            return
        for i in np.flatnonzero(mask).tolist():
            bad.setdefault(i, (fld, reason))

    flag(unknown, "sensor_id", "unknown sensor_id (not in sensors.json)")
    t = rep.time
    flag(
        ~((t >= 0.0) & (t <= MAX_TIME_S)),
        "time",
        f"time must be a finite number of seconds in [0, {MAX_TIME_S:g}] from scenario start",
    )
    kind = np.where(unknown, -1, catalog.kind[np.maximum(rep.sensor, 0)])
    geodetic = catalog.frame.geodetic
    for k, req in _REQUIRED.items():
        rows = kind == int(k)
        if not rows.any():
            continue
        for f in req:
            flag(
                rows & np.isnan(rep.col(f)),
                f,
                f"required for a {k.label} report, missing",
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
                    rows & np.isnan(rep.col(f)),
                    f,
                    f"required for a {k.label} report in a {'WGS84' if geodetic else 'ENU'} frame",
                )
    for f, a in rep.values.items():
        lo, hi, lo_open = INTERVALS[f]
        # inf/-inf fail these comparisons; NaN (absent) passes.
        out = (a <= lo if lo_open else a < lo) | (a >= hi if f == "azimuth_deg" else a > hi)
        if out.any():
            span = interval_text(f)
            for i in np.flatnonzero(out).tolist():
                bad.setdefault(i, (f, f"{a[i]:g} outside the accepted {span}"))
    rng = rep.values.get("range_m")
    if rng is not None:
        if caps is None:
            caps = range_caps(catalog)
        cap = caps[np.maximum(rep.sensor, 0)]
        flag(
            rng > cap,
            "range_m",
            f"range beyond {RANGE_COVERAGE_FACTOR:g} x the sensor's coverage.max_range_m",
        )
    vel = [rep.values[f] for f in ("vx", "vy", "vz") if f in rep.values]
    if vel:
        sq = np.zeros(len(rep))
        for v in vel:
            # Clipped first: a 1e308 component (rejected above anyway) must not overflow.
            sq += np.where(np.isnan(v), 0.0, np.minimum(np.abs(v), 1e6)) ** 2
        flag(sq > MAX_SPEED_MPS**2, "vx", f"speed above {MAX_SPEED_MPS:g} m/s")
    for f, s in rep.sigmas.items():
        lo, hi = sigma_interval(f)
        flag(
            (s < lo) | (s > hi),
            "sigma_" + f,
            f"sigma must be in [{lo:g}, {hi:g}] {UNITS.get(f, '')}".rstrip(),
        )
    if rep.class_scores is not None:
        cs = rep.class_scores
        has = ~np.isnan(cs).all(axis=1)
        flag(
            has & ~((cs >= 0) & (cs <= 1)).all(axis=1),
            "class_scores",
            "class scores must be probabilities in [0, 1]",
        )
    return [(i, f, r) for i, (f, r) in sorted(bad.items())]


def wrap_angles(rep: Reports) -> Reports:
    """Azimuths into [0, 360) deg and longitudes above 180 into (-180, 180] (bounds-checked
    values only; absent NaN stays NaN). Returns ``rep`` itself when nothing needs wrapping."""
    new: dict[str, NDArray[np.float64]] = {}
    az = rep.values.get("azimuth_deg")
    if az is not None and ((az < 0.0) | (az >= 360.0)).any():
        w = np.mod(az, 360.0)
        new["azimuth_deg"] = np.where(w >= 360.0, 0.0, w)
    for f in ("lon_deg", "operator_lon_deg"):
        lon = rep.values.get(f)
        if lon is not None and (lon > 180.0).any():
            new[f] = np.where(lon > 180.0, lon - 360.0, lon)
    if not new:
        return rep
    values = {**rep.values, **new}
    return Reports(
        rep.det_id, rep.time, rep.sensor, values, rep.sigmas, rep.text, rep.class_scores, rep.line
    )


_TOO_LONG: Final = b"\x00too-long\x00"
"""Stands for a line over `MAX_LINE_BYTES` (never held in memory)."""


def _split_lines(fh: IO[bytes], block: int) -> Iterator[list[bytes]]:
    """Lines of a binary stream in lists of about ``block`` bytes (newlines removed).

    A line longer than `MAX_LINE_BYTES` comes out as `_TOO_LONG`, and its bytes are dropped as
    they are read, so memory stays bounded by ``block`` whatever the file holds.
    """
    tail = b""
    skipping = False
    while True:
        data = fh.read(block)
        if not data:
            break
        if skipping:
            nl = data.find(b"\n")
            if nl < 0:
                continue
            data = data[nl + 1 :]
            skipping = False
        buf = tail + data if tail else data
        lines = buf.split(b"\n")
        tail = lines.pop()
        if len(tail) > MAX_LINE_BYTES:
            lines.append(_TOO_LONG)
            tail = b""
            skipping = True
        if lines and max(map(len, lines)) > MAX_LINE_BYTES:
            lines = [_TOO_LONG if len(ln) > MAX_LINE_BYTES else ln for ln in lines]
        if lines:
            yield lines
    if tail and not skipping:
        yield [tail if len(tail) <= MAX_LINE_BYTES else _TOO_LONG]


class DetectionReader:
    """Streams `detections.jsonl` as `Reports` chunks, checking every line.

    Also enforces file-wide rules across chunks: `det_id` unique and `time` non-decreasing.
    A missing or unreadable file raises `ScenarioError` naming it.
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
        self._caps = range_caps(catalog)

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
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            pass
        # Slow path: blank lines, or a bad line to name. Keep the numbering.
        recs, lines = [], []
        for i, b in enumerate(raw):
            ln = first_line + i
            if b is _TOO_LONG:
                self._reject(self._error(ln, None, f"line longer than {MAX_LINE_BYTES} bytes"))
                continue
            if not b.strip():
                continue
            try:
                recs.append(_DECODE_ONE.decode(b))
                lines.append(ln)
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as e:
                fld, reason, _ = describe_decode_error(b, e)
                self._reject(self._error(ln, fld, reason))
        return recs, lines

    def _chunk(self, raw: list[bytes], first_line: int) -> Reports:
        recs, lines = self._decode(raw, first_line)
        if not recs:
            return Reports.empty()
        rep, unknown = _records_to_reports(recs, np.asarray(lines, np.int64), self.catalog)
        bad_rows = check_reports(rep, unknown, self.catalog, self._caps)
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
        out = wrap_angles(out)
        self.stats.accepted += len(out)
        return out

    def __iter__(self) -> Iterator[Reports]:
        try:
            fh = self.path.open("rb")
        except FileNotFoundError as e:
            raise ScenarioError(str(self.path), "file not found") from e
        except IsADirectoryError as e:
            raise ScenarioError(str(self.path), "is a directory, not a file") from e
        except OSError as e:
            raise ScenarioError(str(self.path), f"cannot be read ({e.strerror or e})") from e
        with fh:
            yield from self.iter_stream(fh)

    def iter_stream(self, fh: IO[bytes]) -> Iterator[Reports]:
        """Read report lines from any binary stream (a file, a pipe, a socket), checking them
        as `__iter__` does; errors still name `self.path` as the source."""
        line_no = 1
        try:
            for raw in _split_lines(fh, BLOCK_BYTES):
                self.stats.lines += len(raw)
                chunk = self._chunk(raw, line_no)
                line_no += len(raw)
                if len(chunk):
                    yield chunk
        except OSError as e:
            raise ScenarioError(
                str(self.path), f"read failed ({e.strerror or e})", line=line_no
            ) from e

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
