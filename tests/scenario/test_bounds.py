"""Physical bounds at the edge: every case of issue 9 section 6, named by file, line and field.

Each bad value is rejected with a `ScenarioError` that names the file, the line (for
`detections.jsonl`, and for JSON files where the decoder gives a position) and the field; the
same value is skipped under ``skip_bad`` with every other line kept. Values at the documented
edges are accepted (azimuth and longitude wrapped).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import msgspec
import numpy as np
import pytest
from typer.testing import CliRunner

from skyfuse.cli import app
from skyfuse.core.errors import InputError, ScenarioError
from skyfuse.scenario import (
    SensorCatalog,
    SensorsFile,
    check_output_file,
    read_detections,
    read_sensors,
    read_tracker_inputs,
    read_tracks,
)
from skyfuse.scenario.bounds import MAX_LINE_BYTES, interval_text, sigma_interval
from skyfuse.scenario.detections import DetectionReader, field_at
from skyfuse.scenario.model import Frame, SensorSpec, sensors_json

RADAR = {"sensor_id": "radar-0", "range_m": 1000.0, "azimuth_deg": 10.0, "elevation_deg": 2.0}
ADSB = {"sensor_id": "adsb-0", "icao24": "abc123", "x": 10.0, "y": 20.0, "z": 3000.0}


@pytest.fixture(scope="module")
def catalog(mixed_scenario: Path) -> SensorCatalog:
    return SensorCatalog.build(read_sensors(mixed_scenario))


def _read_one(catalog: SensorCatalog, line: bytes | str) -> object:
    if isinstance(line, str):
        line = line.encode()
    reader = DetectionReader(Path("d.jsonl"), catalog)
    return list(reader.iter_stream(io.BytesIO(line + b"\n")))


def _line(base: dict[str, object], **changes: object) -> str:
    return json.dumps({"det_id": 5, "time": 1.0, **base, **changes})


BAD = [
    # (report base, changes, field named)
    (RADAR, {"range_m": 1e308}, "range_m"),
    (RADAR, {"range_m": 0.0}, "range_m"),
    (RADAR, {"range_m": 70_000.0}, "range_m"),  # > 2 x coverage.max_range_m (30 km)
    (RADAR, {"azimuth_deg": 1e308}, "azimuth_deg"),
    (RADAR, {"azimuth_deg": -720.0}, "azimuth_deg"),
    (RADAR, {"azimuth_deg": 720.0}, "azimuth_deg"),
    (RADAR, {"elevation_deg": 90.5}, "elevation_deg"),
    (RADAR, {"sigma_range_m": 1e-300}, "sigma_range_m"),
    (RADAR, {"sigma_azimuth_deg": 1e300}, "sigma_azimuth_deg"),
    (RADAR, {"sigma_elevation_deg": -1.0}, "sigma_elevation_deg"),
    (RADAR, {"radial_velocity_mps": 5000.0}, "radial_velocity_mps"),
    (RADAR, {"rcs_dbsm": 1e9}, "rcs_dbsm"),
    (RADAR, {"time": 1e300}, "time"),
    (RADAR, {"time": -1.0}, "time"),
    (RADAR, {"det_id": 2**63}, "det_id"),
    (RADAR, {"det_id": -1}, "det_id"),
    (RADAR, {"det_id": 1.5}, "det_id"),
    (RADAR, {"sensor_id": "r" * 300}, "sensor_id"),
    (RADAR, {"range_m": "far"}, "range_m"),
    (ADSB, {"x": 1e8}, "x"),
    (ADSB, {"z": 2e5}, "z"),
    (ADSB, {"vx": 3000.0}, "vx"),
    (ADSB, {"vx": 1500.0, "vy": 1500.0}, "vx"),  # speed 2,121 m/s
    (ADSB, {"icao24": "a" * 300}, "icao24"),
    (ADSB, {"sigma_pos_m": 0.0}, "sigma_pos_m"),
    (
        {"sensor_id": "eo-0", "azimuth_deg": 1.0, "elevation_deg": 1.0},
        {"class_scores": {"bird": 2}},
        "class_scores",
    ),
    ({"sensor_id": "rf-0", "azimuth_deg": 1.0}, {"frequency_mhz": -5.0}, "frequency_mhz"),
    ({"sensor_id": "acoustic-0", "azimuth_deg": 1.0}, {"fundamental_hz": 0.0}, "fundamental_hz"),
]


@pytest.mark.parametrize(("base", "changes", "field"), BAD)
def test_out_of_bounds_value_is_named(
    catalog: SensorCatalog, base: dict[str, object], changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ScenarioError) as ei:
        _read_one(catalog, _line(base, **changes))
    assert ei.value.line == 1 and ei.value.field == field
    assert str(ei.value).startswith(f"d.jsonl:1: field '{field}'")


LITERALS = [
    (b'"range_m": NaN', "range_m", "NaN"),
    (b'"azimuth_deg": Infinity', "azimuth_deg", "Infinity"),
    (b'"elevation_deg": -Infinity', "elevation_deg", "-Infinity"),
    (b'"time": NaN', "time", "NaN"),
]


@pytest.mark.parametrize(("frag", "field", "lit"), LITERALS)
def test_nan_infinity_literals_name_the_field(
    catalog: SensorCatalog, frag: bytes, field: str, lit: str
) -> None:
    key = frag.split(b'"')[1].decode()
    rec = {"det_id": 5, "time": 1.0, **RADAR}
    rec.pop(key, None)
    line = json.dumps(rec)[:-1].encode() + b", " + frag + b"}"
    with pytest.raises(ScenarioError) as ei:
        _read_one(catalog, line)
    assert ei.value.field == field and ei.value.line == 1
    assert lit in str(ei.value)


def test_invalid_utf8_deep_nesting_long_line_are_named(catalog: SensorCatalog) -> None:
    utf8 = _line(RADAR).encode().replace(b'"radar-0"', b'"radar-\xff0"')
    with pytest.raises(ScenarioError, match="invalid UTF-8") as ei:
        _read_one(catalog, utf8)
    assert ei.value.field == "sensor_id"
    deep = _line(RADAR)[:-1].encode() + b', "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(ScenarioError, match="nested too deeply") as ei:
        _read_one(catalog, deep)
    assert ei.value.field == "extra"
    long = _line(RADAR, note="x" * (MAX_LINE_BYTES + 10))
    with pytest.raises(ScenarioError, match="longer than") as ei:
        _read_one(catalog, long)
    assert ei.value.line == 1


def test_long_lines_skipped_without_losing_neighbours(catalog: SensorCatalog) -> None:
    good = [_line(RADAR, det_id=i, time=float(i)).encode() for i in range(6)]
    huge = b'{"det_id": 99, ' + b" " * (3 * MAX_LINE_BYTES) + b"}"
    data = b"\n".join([good[0], huge, good[1], good[2], huge, huge, good[3], good[4], good[5]])
    for block in (64, 4096, 1 << 20):
        from skyfuse.scenario import detections

        old = detections.BLOCK_BYTES
        detections.BLOCK_BYTES = block
        try:
            reader = DetectionReader(Path("d.jsonl"), catalog, skip_bad=True)
            reps = list(reader.iter_stream(io.BytesIO(data)))
        finally:
            detections.BLOCK_BYTES = old
        ids = np.concatenate([r.det_id for r in reps]).tolist()
        assert ids == [0, 1, 2, 3, 4, 5], block
        assert reader.stats.skipped == 3
        assert [e.split(":")[1] for e in reader.stats.examples] == ["2", "5", "6"]


def test_edges_accepted_and_wrapped(catalog: SensorCatalog) -> None:
    lines = [
        _line(RADAR, det_id=1, azimuth_deg=-360.0, elevation_deg=-90.0, range_m=60_000.0),
        _line(RADAR, det_id=2, azimuth_deg=719.5, elevation_deg=90.0, sigma_range_m=1e-6),
        _line(RADAR, det_id=3, azimuth_deg=-10.0, sigma_azimuth_deg=180.0),
        _line(ADSB, det_id=4, vx=1999.0, x=-1e7, z=-1e4),
        _line(RADAR, det_id=0, time=1.0),
    ]
    reps = _read_one(catalog, "\n".join(lines))
    assert isinstance(reps, list)
    rep = reps[0]
    assert rep.det_id.tolist() == [1, 2, 3, 4, 0]
    az = rep.col("azimuth_deg")
    np.testing.assert_allclose(az[[0, 1, 2, 4]], [0.0, 359.5, 350.0, 10.0])
    assert np.isnan(az[3])


def test_duplicate_keys_last_wins(catalog: SensorCatalog) -> None:
    line = _line(RADAR)[:-1] + ', "range_m": 2000.0}'
    reps = _read_one(catalog, line)
    assert isinstance(reps, list)
    assert reps[0].col("range_m").tolist() == [2000.0]


def test_geodetic_longitude_wrap_and_bounds(tmp_path: Path) -> None:
    doc = SensorsFile(
        frame=Frame(type="WGS84"),
        sensors=[
            SensorSpec(
                sensor_id="adsb-0",
                kind="adsb",
                position_wgs84=(48.7, 2.4, 90.0),
                noise_sigma={"pos_m": 30.0, "vel_mps": 2.0},
            )
        ],
    )
    cat = SensorCatalog.build(doc)
    base = {"sensor_id": "adsb-0", "icao24": "abc", "lat_deg": 48.7, "alt_m": 3000.0}
    reps = _read_one(cat, _line(base, lon_deg=200.0))
    assert isinstance(reps, list)
    np.testing.assert_allclose(reps[0].col("lon_deg"), [-160.0])
    for fld, v in (("lon_deg", 400.0), ("lon_deg", -181.0), ("lat_deg", 91.0)):
        with pytest.raises(ScenarioError) as ei:
            _read_one(cat, _line({**base, "lon_deg": 2.0}, **{fld: v}))
        assert ei.value.field == fld


def test_skip_bad_keeps_every_good_line(tmp_path: Path, radar_scenario: Path) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    path = folder / "detections.jsonl"
    lines = path.read_text().splitlines()
    n = len(lines)
    bads = [_line(RADAR, det_id=10**9 + i, **chg) for i, (_, chg, _) in enumerate(BAD[:12])]
    for i, b in enumerate(bads):
        lines.insert(100 + 37 * i, b.replace('"time": 1.0', '"time": 1e9'))
    path.write_text("\n".join(lines) + "\n")
    reps, stats = read_detections(path, SensorCatalog.build(read_sensors(folder)), skip_bad=True)
    assert len(reps) == n and stats.skipped == len(bads)
    assert stats.accepted + stats.skipped == n + len(bads)


# --- sensors.json and context.json --------------------------------------------------------


def _sensors_with(folder: Path, change: dict[str, object], index: int = 0) -> None:
    doc = json.loads((folder / "sensors.json").read_text())
    for k, v in change.items():
        target = doc["sensors"][index]
        *path, last = k.split(".")
        for p in path:
            target = target[p]
        target[last] = v
    (folder / "sensors.json").write_text(json.dumps(doc))


SENSOR_BAD = [
    ({"pd": 0.0}, "pd"),
    ({"pd": 1.5}, "pd"),
    ({"scan_period_s": 0.0}, "scan_period_s"),
    ({"scan_period_s": -1.0}, "scan_period_s"),
    ({"n_scans": 10**12}, "n_scans"),
    ({"noise_sigma.range_m": 1e-300}, "noise_sigma.range_m"),
    ({"noise_sigma.azimuth_deg": 1e300}, "noise_sigma.azimuth_deg"),
    ({"position_enu_m": [1e12, 0.0, 0.0]}, "position_enu_m"),
    ({"coverage.max_range_m": -5.0}, "coverage.max_range_m"),
    ({"coverage.min_elevation_deg": -100.0}, "coverage.min_elevation_deg"),
    ({"clutter_rate_per_scan": -1.0}, "clutter_rate_per_scan"),
    ({"sensor_id": ""}, "sensor_id"),
]


@pytest.mark.parametrize(("change", "field"), SENSOR_BAD)
def test_bad_sensor_parameter_is_named(
    tmp_path: Path, radar_scenario: Path, change: dict[str, object], field: str
) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    _sensors_with(folder, change)
    with pytest.raises(ScenarioError) as ei:
        read_sensors(folder)
    assert ei.value.field == field and "sensors.json" in str(ei.value)
    assert "sensors[0]" in str(ei.value)


def test_sensors_json_literal_names_line_and_field(tmp_path: Path, radar_scenario: Path) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    text = (folder / "sensors.json").read_text()
    at = text.index('"pd": ')
    end = text.index(",", at)
    (folder / "sensors.json").write_text(text[:at] + '"pd": NaN' + text[end:])
    with pytest.raises(ScenarioError) as ei:
        read_sensors(folder)
    assert ei.value.field == "sensors" and "NaN" in str(ei.value)
    assert ei.value.line == text[:at].count("\n") + 1
    _sensors_with(folder := Path(shutil.copytree(radar_scenario, tmp_path / "t")), {"pd": "x"})
    with pytest.raises(ScenarioError) as ei:
        read_sensors(folder)
    assert ei.value.field == "sensors[0].pd"


def test_empty_sensor_list_and_wgs84_position(tmp_path: Path, radar_scenario: Path) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    doc = json.loads((folder / "sensors.json").read_text())
    (folder / "sensors.json").write_text(json.dumps({**doc, "sensors": []}))
    with pytest.raises(ScenarioError, match="sensor list is empty") as ei:
        read_tracker_inputs(folder)
    assert ei.value.field == "sensors"
    sensors = [
        {"sensor_id": "a", "kind": "adsb", "position_wgs84": [50.0, 400.0, 0.0]},
    ]
    (folder / "sensors.json").write_text(
        json.dumps({"frame": {"type": "WGS84"}, "sensors": sensors})
    )
    with pytest.raises(ScenarioError, match="longitude") as ei:
        read_sensors(folder)
    assert ei.value.field == "position_wgs84"


def test_bad_context_is_named(tmp_path: Path, mixed_scenario: Path) -> None:
    folder = Path(shutil.copytree(mixed_scenario, tmp_path / "s"))
    ctx = json.loads((folder / "context.json").read_text())
    ctx["sites"][0]["radius_m"] = 0
    (folder / "context.json").write_text(json.dumps(ctx))
    with pytest.raises(ScenarioError) as ei:
        read_tracker_inputs(folder)
    assert ei.value.field == "radius_m" and "sites[0]" in str(ei.value)
    ctx["sites"][0]["radius_m"] = 500
    ctx["borders"][0]["points"] = [[0.0, 1e300]]
    (folder / "context.json").write_text(json.dumps(ctx))
    with pytest.raises(ScenarioError) as ei:
        read_tracker_inputs(folder)
    assert ei.value.field == "points"


# --- missing and empty inputs, output paths -----------------------------------------------


def test_missing_and_empty_inputs(tmp_path: Path, radar_scenario: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        read_tracker_inputs(tmp_path / "nope")
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    (folder / "detections.jsonl").unlink()
    with pytest.raises(ScenarioError, match="file not found") as ei:
        read_tracker_inputs(folder)
    assert ei.value.source.endswith("detections.jsonl")
    (folder / "detections.jsonl").write_text("\n\n")
    with pytest.raises(ScenarioError, match="file is empty"):
        read_tracker_inputs(folder)
    (folder / "detections.jsonl").write_text('{"det_id": 1}\nnot json\n')
    with pytest.raises(ScenarioError, match="every line was rejected"):
        read_tracker_inputs(folder, skip_bad=True)
    (folder / "sensors.json").unlink()
    with pytest.raises(ScenarioError, match="file not found"):
        read_tracker_inputs(folder)
    (folder / "sensors.json").write_bytes(b"")
    with pytest.raises(ScenarioError, match="empty"):
        read_tracker_inputs(folder)


def test_detections_is_a_directory(tmp_path: Path, radar_scenario: Path) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    (folder / "detections.jsonl").unlink()
    (folder / "detections.jsonl").mkdir()
    with pytest.raises(ScenarioError, match="directory"):
        read_tracker_inputs(folder)


def test_output_path_checks(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        check_output_file(tmp_path, "tracks file")
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file, not a directory"):
        check_output_file(f / "sub" / "t.csv", "tracks file")
    check_output_file(tmp_path / "new" / "deeper" / "t.csv")
    assert (tmp_path / "new" / "deeper").is_dir()
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(InputError, match="not writable"):
                check_output_file(ro / "t.csv")
        finally:
            ro.chmod(0o700)


def test_cli_track_clear_errors(tmp_path: Path, radar_scenario: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["track", str(tmp_path / "nope"), "--out", str(tmp_path / "t.csv")])
    assert res.exit_code == 2 and "not found" in res.output and res.exception is not None
    assert isinstance(res.exception, SystemExit)
    res = runner.invoke(app, ["track", str(radar_scenario), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "is a directory" in res.output
    res = runner.invoke(
        app,
        [
            "track",
            str(radar_scenario),
            "--out",
            str(tmp_path / "a.csv"),
            "--alerts",
            str(tmp_path / "a.csv"),
        ],
    )
    assert res.exit_code == 2 and "same path" in res.output


def test_cli_skip_bad_fails_when_most_lines_rejected(tmp_path: Path, radar_scenario: Path) -> None:
    folder = Path(shutil.copytree(radar_scenario, tmp_path / "s"))
    path = folder / "detections.jsonl"
    good = path.read_text().splitlines()[:300]
    lines: list[str] = []
    for i, g in enumerate(good):
        lines.append(g)
        lines.append(
            g.replace('"range_m": ', '"range_m": 1e308, "x_": ', 1).replace(
                '"det_id": ', f'"det_id": {10**9 + i}, "y_": ', 1
            )
        )
        lines.append('{"det_id": "bad"}')
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(
        app, ["track", str(folder), "--out", str(out), "--skip-bad", "--no-learned"]
    )
    assert res.exit_code == 4, res.output
    assert "skipped 600 bad report line(s) of 900" in res.output
    assert "most report lines were rejected" in res.output
    assert "detections.jsonl:2: field 'range_m'" in res.output
    assert read_tracks(out).time.size > 0, "the accepted reports are still tracked"


# --- writer ------------------------------------------------------------------------------


def test_written_sensors_json_carries_frame_type(tmp_path: Path, radar_scenario: Path) -> None:
    doc = read_sensors(radar_scenario)
    enu = SensorsFile(frame=Frame(), sensors=doc.sensors)
    data = json.loads(sensors_json(enu))
    assert data["frame"]["type"] == "ENU"
    assert "type" not in json.loads(msgspec.json.encode(enu))["frame"], "omitted by the struct"
    geo = SensorsFile(frame=Frame(type="WGS84"), sensors=[])
    assert json.loads(sensors_json(geo))["frame"]["type"] == "WGS84"


def test_sim_writes_frame_type(tmp_path: Path) -> None:
    from skyfuse.sim import preset, simulate, write_result

    write_result(simulate(preset("n10-r1", seed=3, duration_s=5.0)), tmp_path / "s")
    data = json.loads((tmp_path / "s" / "sensors.json").read_text())
    assert data["frame"]["type"] in ("ENU", "WGS84")


def test_helpers() -> None:
    assert interval_text("range_m") == "(0, 1e+07] m"
    assert interval_text("azimuth_deg") == "[-360, 720) deg"
    assert sigma_interval("azimuth_deg") == (1e-6, 180.0)
    doc = b'{"a": 1, "b": {"c": [1, NaN]}, "d": 2}'
    assert field_at(doc, doc.index(b"NaN")) == "b"
    assert field_at(doc, doc.index(b"2}")) == "d"
