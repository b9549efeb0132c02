"""Fuzzing the scenario edge: mutated lines and files never end in a traceback or a hang.

A seeded mutation fuzzer (bit flips, truncation, type swaps, huge numbers, NaN/Infinity
literals, invalid UTF-8, deep nesting, duplicate keys, missing fields, over-long lines, random
bytes) drives lines from the mixed example (every sensor kind) through the real reader, both
strictly (each line alone: accepted, or `ScenarioError` naming line 1) and leniently (whole
files: every non-blank line accepted or counted, accepted reports within bounds). Mutated
`sensors.json` / `context.json` files go through `read_tracker_inputs`, and mutated folders
through the `skyfuse track` CLI entry (exit 0, 2 or 4, never an exception). The default suite
runs 12,000 mutated lines; the slow one 120,000 lines and more files.
"""

from __future__ import annotations

import io
import json
import math
import random
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from skyfuse.cli import app
from skyfuse.core.errors import InputError, ScenarioError
from skyfuse.scenario import SensorCatalog, read_sensors, read_tracker_inputs
from skyfuse.scenario.bounds import INTERVALS, MAX_LINE_BYTES, MAX_TIME_S, sigma_interval
from skyfuse.scenario.detections import DetectionReader, check_reports

HUGE: list[object] = [
    1e308,
    -1e308,
    2**63,
    2**64 + 1,
    -(2**63) - 1,
    1e-300,
    -1e-300,
    0,
    -0.0,
    10**400,
    5e-324,
]
LITERALS = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999", b"nan", b"inf", b"0x10"]


@contextmanager
def no_hang(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body runs longer than ``seconds``."""

    def _alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"hung for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _swap(v: object, rng: random.Random) -> object:
    choices: list[object] = [
        "x",
        "",
        None,
        True,
        [],
        [v],
        {},
        {"a": v},
        "1.0",
        rng.choice(HUGE),
        -1,
        "\u00e9\u4e2d",
        "\ud800" if rng.random() < 0.1 else "ok",
    ]
    return rng.choice(choices)


def _mut_object(rec: dict[str, object], rng: random.Random) -> bytes:
    rec = dict(rec)
    keys = list(rec)
    k = rng.choice(keys)
    op = rng.randrange(8)
    if op == 0:
        rec[k] = _swap(rec[k], rng)
    elif op == 1:
        rec[k] = rng.choice(HUGE)
    elif op == 2:
        del rec[k]
    elif op == 3:
        s = json.dumps(rec)
        return (s[:-1] + f', "{k}": {json.dumps(_swap(rec[k], rng))}}}').encode()
    elif op == 4:
        rec[rng.choice(["x", "range_m", "sigma_pos_m", "class_scores", "zz", k])] = rng.choice(HUGE)
    elif op == 5:
        rec[k] = rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-8, 8)
    elif op == 6:
        depth = rng.choice([10, 200, 999, 1500, 5000])
        return json.dumps(rec)[:-1].encode() + b', "zz": ' + b"[" * depth + b"]" * depth + b"}"
    else:
        rec["sensor_id"] = rng.choice(["radar-9", "", "r" * 300, "radar-0", "adsb-0", "eo-0"])
    try:
        return json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        return b"{}"


def _mut_bytes(b: bytes, rng: random.Random) -> bytes:
    op = rng.randrange(9)
    if not b:
        return b"\xff"
    i = rng.randrange(len(b))
    if op == 0:
        arr = bytearray(b)
        for _ in range(rng.randint(1, 4)):
            j = rng.randrange(len(arr))
            arr[j] ^= 1 << rng.randrange(8)
            if arr[j] == 0x0A:
                arr[j] = 0x20
        return bytes(arr)
    if op == 1:
        return b[:i]
    if op == 2:
        j = b.find(b":", i)
        if j < 0:
            return b[:i]
        end = min((x for x in (b.find(b",", j), b.find(b"}", j)) if x > 0), default=len(b))
        return b[: j + 1] + b" " + rng.choice(LITERALS) + b[end:]
    if op == 3:
        return b[:i] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\x00"]) + b[i:]
    if op == 4:
        return b + b" " + b[: rng.randrange(len(b))]
    if op == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 80))).replace(b"\n", b" ")
    if op == 6:
        return b[:i] + b" " * rng.choice([1, 1000, MAX_LINE_BYTES]) + b[i:]
    if op == 7:
        return b"[" + b + b"]"
    return b.replace(b'"', b"'", 1)


def mutate(line: bytes, rng: random.Random) -> bytes:
    """One mutated line (may be valid by chance; never contains a newline)."""
    if rng.random() < 0.55:
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            rec = None
        ok = isinstance(rec, dict) and bool(rec)
        out = _mut_object(rec, rng) if ok else _mut_bytes(line, rng)  # type: ignore[arg-type]
    else:
        out = _mut_bytes(line, rng)
    if rng.random() < 0.1:
        out = _mut_bytes(out, rng)
    return out.replace(b"\n", b" ").replace(b"\r", b" ")


@pytest.fixture(scope="module")
def mixed_lines(mixed_scenario: Path) -> list[bytes]:
    return (mixed_scenario / "detections.jsonl").read_bytes().splitlines()


@pytest.fixture(scope="module")
def mixed_catalog(mixed_scenario: Path) -> SensorCatalog:
    return SensorCatalog.build(read_sensors(mixed_scenario))


def _assert_within_bounds(reports: object, catalog: SensorCatalog) -> None:
    from skyfuse.core.reports import Reports

    assert isinstance(reports, Reports)
    if not len(reports):
        return
    assert check_reports(reports, np.zeros(len(reports), bool), catalog) == []
    assert ((reports.time >= 0) & (reports.time <= MAX_TIME_S)).all()
    az = reports.values.get("azimuth_deg")
    if az is not None:
        ok = np.isnan(az) | ((az >= 0.0) & (az < 360.0))
        assert ok.all()
    for f, a in reports.values.items():
        lo, hi, _ = INTERVALS[f]
        assert not (np.isinf(a)).any(), f
        assert ((a >= lo) | np.isnan(a)).all(), f
    for q, s in reports.sigmas.items():
        lo, hi = sigma_interval(q)
        assert (np.isnan(s) | ((s >= lo) & (s <= hi))).all(), q


def _strict_each(lines: list[bytes], catalog: SensorCatalog) -> tuple[int, int]:
    """Each line alone, strictly: accepted or a ScenarioError naming line 1."""
    ok = bad = 0
    for b in lines:
        reader = DetectionReader(Path("fuzz.jsonl"), catalog)
        try:
            for rep in reader.iter_stream(io.BytesIO(b + b"\n")):
                _assert_within_bounds(rep, catalog)
            ok += 1
        except ScenarioError as e:
            assert e.line == 1, str(e)
            assert str(e).startswith("fuzz.jsonl:1:")
            bad += 1
    return ok, bad


def _lenient_files(
    lines: list[bytes], catalog: SensorCatalog, per_file: int
) -> tuple[int, int, int]:
    """Files of ``per_file`` lines, leniently: every non-blank line accepted or counted."""
    accepted = skipped = files = 0
    for a in range(0, len(lines), per_file):
        part = lines[a : a + per_file]
        reader = DetectionReader(Path("fuzz.jsonl"), catalog, skip_bad=True)
        got = sum(len(r) for r in reader.iter_stream(io.BytesIO(b"\n".join(part) + b"\n")))
        st_ = reader.stats
        assert got == st_.accepted
        assert st_.accepted + st_.skipped == sum(1 for b in part if b.strip())
        assert len(st_.examples) == min(st_.skipped, 20)
        assert all(":" in ex for ex in st_.examples)
        accepted += st_.accepted
        skipped += st_.skipped
        files += 1
    return accepted, skipped, files


def _fuzz_lines(base: list[bytes], n: int, seed: int) -> list[bytes]:
    """n lines: mostly mutated, some untouched (so files mix good and bad lines, in order)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        b = base[rng.randrange(len(base))]
        out.append(mutate(b, rng) if rng.random() < 0.8 else b)
    return out


def _run_line_fuzz(base: list[bytes], catalog: SensorCatalog, n: int, seed: int) -> dict[str, int]:
    lines = _fuzz_lines(base, n, seed)
    with no_hang(max(120, n // 200)):
        ok, bad = _strict_each(lines, catalog)
        acc, skip, files = _lenient_files(lines, catalog, per_file=1000)
    return {"strict_ok": ok, "strict_bad": bad, "accepted": acc, "skipped": skip, "files": files}


def test_line_fuzz(mixed_lines: list[bytes], mixed_catalog: SensorCatalog) -> None:
    res = _run_line_fuzz(mixed_lines, mixed_catalog, 12_000, seed=20261207)
    # The mutations are harsh: most lines are rejected, and some survive (valid by chance).
    assert res["strict_bad"] > 0.5 * 12_000 and res["strict_ok"] > 0.05 * 12_000
    assert res["strict_ok"] + res["strict_bad"] == 12_000


@pytest.mark.slow
def test_line_fuzz_large(mixed_lines: list[bytes], mixed_catalog: SensorCatalog) -> None:
    n = 120_000
    res = _run_line_fuzz(mixed_lines, mixed_catalog, n, seed=7)
    assert res["strict_ok"] + res["strict_bad"] == n
    assert res["files"] == n // 1000


def _mutate_json_file(doc: bytes, rng: random.Random) -> bytes:
    """A mutated `sensors.json` / `context.json`: value swaps, huge numbers, literals, bytes."""
    op = rng.randrange(4)
    if op == 0:
        return _mut_bytes(doc, rng)
    data = json.loads(doc)

    def walk(o: object) -> list[tuple[object, object]]:
        found: list[tuple[object, object]] = []
        if isinstance(o, dict):
            for k, v in o.items():
                found.append((o, k))
                found.extend(walk(v))
        elif isinstance(o, list):
            for i, v in enumerate(o):
                found.append((o, i))
                found.extend(walk(v))
        return found

    slots = walk(data)
    if not slots:
        return _mut_bytes(doc, rng)
    for _ in range(rng.randint(1, 3)):
        parent, key = rng.choice(slots)
        assert isinstance(parent, (dict, list))
        if op == 1:
            parent[key] = _swap(parent[key], rng)  # type: ignore[index]
        elif op == 2:
            parent[key] = rng.choice(HUGE)  # type: ignore[index]
        elif isinstance(parent, dict) and key in parent:
            del parent[key]
    text = json.dumps(data, allow_nan=True)
    if rng.random() < 0.2:
        text = text.replace("0.2", "NaN", 1).replace("1.0", "Infinity", 1)
    if rng.random() < 0.05:
        text = text.replace('"sensors": [', '"sensors": [] , "x": [', 1)
    return text.encode("utf-8", "surrogatepass")


def _mutated_folders(
    src: Path, root: Path, n: int, seed: int, keep_lines: int
) -> Iterator[tuple[Path, str]]:
    rng = random.Random(seed)
    det = (src / "detections.jsonl").read_bytes().splitlines()[:keep_lines]
    sensors = (src / "sensors.json").read_bytes()
    context = (src / "context.json").read_bytes() if (src / "context.json").exists() else b"{}"
    for i in range(n):
        folder = root / f"m{i}"
        folder.mkdir(parents=True)
        what = rng.choice(["sensors", "context", "detections", "missing", "empty"])
        s_b, c_b, d_lines = sensors, context, list(det)
        if what == "sensors":
            s_b = _mutate_json_file(sensors, rng)
        elif what == "context":
            c_b = _mutate_json_file(context, rng)
        elif what == "detections":
            for _ in range(rng.randint(1, 30)):
                j = rng.randrange(len(d_lines))
                d_lines[j] = mutate(d_lines[j], rng)
        (folder / "sensors.json").write_bytes(s_b)
        (folder / "context.json").write_bytes(c_b)
        if what == "missing":
            (folder / rng.choice(["sensors.json", "context.json"])).unlink()
            if rng.random() < 0.5:
                yield folder, what
                continue
        body = b"" if what == "empty" else b"\n".join(d_lines) + b"\n"
        (folder / "detections.jsonl").write_bytes(body)
        yield folder, what


def _file_fuzz(src: Path, root: Path, n: int, seed: int) -> dict[str, int]:
    outcome = {"ok": 0, "error": 0}
    with no_hang(300):
        for folder, _what in _mutated_folders(src, root, n, seed, keep_lines=400):
            try:
                inp = read_tracker_inputs(folder, skip_bad=True)
                assert len(inp.reports) > 0
                outcome["ok"] += 1
            except ScenarioError as e:
                assert str(e).split(":", 1)[0] == e.source
                assert e.source.startswith(str(folder))
                outcome["error"] += 1
            shutil.rmtree(folder)
    return outcome


def test_file_fuzz(tmp_path: Path, mixed_scenario: Path) -> None:
    res = _file_fuzz(mixed_scenario, tmp_path, 150, seed=11)
    assert res["ok"] > 10 and res["error"] > 10


@pytest.mark.slow
def test_file_fuzz_large(tmp_path: Path, mixed_scenario: Path, radar_scenario: Path) -> None:
    res = _file_fuzz(mixed_scenario, tmp_path / "a", 1500, seed=12)
    res2 = _file_fuzz(radar_scenario, tmp_path / "b", 500, seed=13)
    assert res["ok"] + res["error"] == 1500 and res2["ok"] + res2["error"] == 500


def _cli_fuzz(src: Path, root: Path, n: int, seed: int) -> dict[int, int]:
    runner = CliRunner()
    codes: dict[int, int] = {}
    with no_hang(600):
        for i, (folder, _what) in enumerate(_mutated_folders(src, root, n, seed, keep_lines=150)):
            args = ["track", str(folder), "--out", str(root / f"t{i}.csv"), "--no-learned"]
            if i % 3:
                args.append("--skip-bad")
            res = runner.invoke(app, args)
            assert res.exception is None or isinstance(res.exception, SystemExit), res.output
            assert res.exit_code in (0, 2, 4), res.output
            assert "Traceback" not in res.output
            if res.exit_code:
                assert "error:" in res.output
            codes[res.exit_code] = codes.get(res.exit_code, 0) + 1
    return codes


def test_cli_track_fuzz(tmp_path: Path, mixed_scenario: Path) -> None:
    codes = _cli_fuzz(mixed_scenario, tmp_path, 24, seed=5)
    assert codes.get(0, 0) > 0 and codes.get(2, 0) > 0


@pytest.mark.slow
def test_cli_track_fuzz_large(tmp_path: Path, mixed_scenario: Path) -> None:
    codes = _cli_fuzz(mixed_scenario, tmp_path, 200, seed=6)
    assert sum(codes.values()) == 200


# --- Property tests (hypothesis) -------------------------------------------------------------

_RADAR_FIELDS = ["range_m", "azimuth_deg", "elevation_deg", "sigma_range_m", "rcs_dbsm"]
_ANY_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e-300, 0.0, -720.0, 720.0, 360.0, -360.0, 90.0, 90.0001]),
    st.integers(-(2**70), 2**70),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.dictionaries(st.sampled_from([*_RADAR_FIELDS, "det_id", "time"]), _ANY_FLOAT),
    sensor=st.sampled_from(["radar-0", "radar-1", "eo-0", "adsb-0", "nope"]),
)
def test_any_numbers_accepted_within_bounds_or_named(
    mixed_catalog: SensorCatalog, values: dict[str, float], sensor: str
) -> None:
    """Any numbers (NaN/Infinity become literals): accepted within bounds, or rejected naming
    line 1 and a field of the line (or a required one)."""
    rec: dict[str, object] = {"det_id": 1, "time": 1.0, "sensor_id": sensor, **values}
    line = json.dumps(rec, allow_nan=True).encode()
    reader = DetectionReader(Path("p.jsonl"), mixed_catalog)
    try:
        for rep in reader.iter_stream(io.BytesIO(line)):
            _assert_within_bounds(rep, mixed_catalog)
    except ScenarioError as e:
        assert e.line == 1
        required = {"range_m", "azimuth_deg", "elevation_deg", "icao24", "x", "y", "z"}
        assert e.field in set(rec) | required, str(e)
        for k, v in rec.items():
            if isinstance(v, float) and not math.isfinite(v) and e.field == k:
                assert "NaN" in str(e) or "Infinity" in str(e) or "outside" in str(e)


@settings(max_examples=200, deadline=None)
@given(
    rng_m=st.floats(1.0, 60_000.0),
    az=st.floats(-360.0, 719.999),
    el=st.floats(-90.0, 90.0),
    sig=st.floats(1e-6, 1e5),
)
def test_legal_radar_reports_accepted_and_wrapped(
    mixed_catalog: SensorCatalog, rng_m: float, az: float, el: float, sig: float
) -> None:
    """Every report within the documented bounds is accepted; azimuth wraps into [0, 360)
    pointing the same way."""
    rec = {
        "det_id": 3,
        "time": 2.5,
        "sensor_id": "radar-0",
        "range_m": rng_m,
        "azimuth_deg": az,
        "elevation_deg": el,
        "sigma_range_m": sig,
    }
    reader = DetectionReader(Path("p.jsonl"), mixed_catalog)
    reps = list(reader.iter_stream(io.BytesIO(json.dumps(rec).encode())))
    assert len(reps) == 1 and len(reps[0]) == 1
    w = float(reps[0].col("azimuth_deg")[0])
    assert 0.0 <= w < 360.0
    assert math.isclose(math.cos(math.radians(w)), math.cos(math.radians(az)), abs_tol=1e-9)
    assert math.isclose(math.sin(math.radians(w)), math.sin(math.radians(az)), abs_tol=1e-9)


_JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5)
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(doc=_JSON, raw=st.binary(max_size=60))
def test_arbitrary_json_and_bytes_never_crash(
    mixed_catalog: SensorCatalog, doc: object, raw: bytes
) -> None:
    """Any JSON value or bytes as a line: a `ScenarioError` naming line 1 (or accepted)."""
    for line in (json.dumps(doc, allow_nan=True).encode(), raw.replace(b"\n", b" ")):
        reader = DetectionReader(Path("p.jsonl"), mixed_catalog, skip_bad=True)
        for rep in reader.iter_stream(io.BytesIO(line)):
            _assert_within_bounds(rep, mixed_catalog)
        assert reader.stats.accepted + reader.stats.skipped == (1 if line.strip() else 0)
        strict = DetectionReader(Path("p.jsonl"), mixed_catalog)
        try:
            list(strict.iter_stream(io.BytesIO(line)))
        except InputError as e:
            assert e.line == 1
