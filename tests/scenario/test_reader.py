"""Scenario reader: the examples load, bad input is named precisely, --skip-bad goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyfuse.core.errors import ScenarioError
from skyfuse.core.kinds import SensorKind
from skyfuse.scenario import (
    SensorCatalog,
    read_detections,
    read_ground_truth,
    read_sensors,
    read_tracker_inputs,
    write_detections,
)


def test_reads_radar_example(radar_scenario: Path) -> None:
    inp = read_tracker_inputs(radar_scenario)
    assert len(inp.reports) == 5965
    assert set(np.unique(inp.catalog.kind)) == {int(SensorKind.RADAR)}
    assert np.all(np.diff(inp.reports.time) >= 0)
    gt = read_ground_truth(radar_scenario)
    assert len(gt.truth) == 2635
    assert gt.labels is not None and len(gt.labels[0]) == 5965


def test_reads_mixed_example(mixed_scenario: Path) -> None:
    inp = read_tracker_inputs(mixed_scenario)
    assert len(inp.reports) == 7895
    kinds = {SensorKind(int(k)).label for k in np.unique(inp.catalog.kind[inp.reports.sensor])}
    assert kinds == {"radar", "acoustic", "rf_df", "eo_ir", "adsb", "remote_id"}
    assert inp.reports.class_scores is not None
    eo = inp.catalog.kind[inp.reports.sensor] == SensorKind.EO_IR
    assert np.isfinite(inp.reports.class_scores[eo]).all()
    assert len(inp.context.sites) == 2 and inp.context.borders[0].partner == "PL"
    gt = read_ground_truth(mixed_scenario)
    assert gt.targets is not None and "attack_drone" in set(gt.targets.cls)


def test_round_trip(tmp_path: Path, mixed_scenario: Path) -> None:
    inp = read_tracker_inputs(mixed_scenario)
    out = tmp_path / "d.jsonl"
    write_detections(out, inp.reports, inp.catalog)
    back, stats = read_detections(out, inp.catalog)
    assert stats.skipped == 0
    np.testing.assert_array_equal(back.det_id, inp.reports.det_id)
    for k, v in inp.reports.values.items():
        np.testing.assert_array_equal(back.col(k), v)
    assert list(back.text_col("icao24")) == list(inp.reports.text_col("icao24"))


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


BAD_LINES = [
    (
        '{"det_id": 99001, "time": 1.0, "sensor_id": "radar-0", "range_m": "far", '
        '"azimuth_deg": 1, "elevation_deg": 1}',
        "range_m",
    ),
    (
        '{"det_id": 99002, "time": 1.0, "sensor_id": "radar-9", "range_m": 1000, '
        '"azimuth_deg": 1, "elevation_deg": 1}',
        "sensor_id",
    ),
    (
        '{"det_id": 99003, "time": 1.0, "sensor_id": "radar-0", "azimuth_deg": 1, '
        '"elevation_deg": 1}',
        "range_m",
    ),
    (
        '{"det_id": 99004, "time": 1.0, "sensor_id": "radar-0", "range_m": -5, '
        '"azimuth_deg": 1, "elevation_deg": 1}',
        "range_m",
    ),
    (
        '{"det_id": 99005, "time": 1.0, "sensor_id": "radar-0", "range_m": 100, '
        '"azimuth_deg": 1, "elevation_deg": 95}',
        "elevation_deg",
    ),
    (
        '{"det_id": 99006, "time": 1.0, "sensor_id": "radar-0", "range_m": 100, '
        '"azimuth_deg": 1, "elevation_deg": 5, "sigma_range_m": 0}',
        "sigma_range_m",
    ),
    ('{"det_id": 99007, "time": 1.0, "sensor_id": "radar-0", "range_m": 100, ', None),
    (
        '{"det_id": 0, "time": 1.0, "sensor_id": "radar-0", "range_m": 100, '
        '"azimuth_deg": 1, "elevation_deg": 5}',
        "det_id",
    ),
    (
        '{"det_id": 99010, "time": 1.0, "sensor_id": "radar-0", "range_m": NaN, '
        '"azimuth_deg": 1, "elevation_deg": 5}',
        "range_m",
    ),
    (
        '{"det_id": 99011, "time": 1.0, "sensor_id": "radar-0", "range_m": 1e999, '
        '"azimuth_deg": 1, "elevation_deg": 5}',
        "range_m",
    ),
    (
        '{"det_id": 99009, "sensor_id": "radar-0", "range_m": 100, '
        '"azimuth_deg": 1, "elevation_deg": 5}',
        "time",
    ),
]


@pytest.mark.parametrize(("bad", "field"), BAD_LINES)
def test_bad_line_is_named(
    tmp_path: Path, radar_scenario: Path, bad: str, field: str | None
) -> None:
    folder = _copy(radar_scenario, tmp_path / "s")
    path = folder / "detections.jsonl"
    lines = path.read_text().splitlines()
    # Insert after the first scans (time 1.0 exists) so time order holds.
    at = next(i for i, ln in enumerate(lines) if json.loads(ln)["time"] >= 1.0)
    lines.insert(at, bad)
    path.write_text("\n".join(lines) + "\n")
    catalog = SensorCatalog.build(read_sensors(folder))
    with pytest.raises(ScenarioError) as ei:
        read_detections(path, catalog)
    err = ei.value
    assert err.line == at + 1
    assert err.field == field
    assert "detections.jsonl" in str(err) and f":{at + 1}" in str(err)
    reps, stats = read_detections(path, catalog, skip_bad=True)
    assert stats.skipped == 1 and len(reps) == 5965
    assert stats.examples and f":{at + 1}" in stats.examples[0]


def test_unsorted_time_rejected(tmp_path: Path, radar_scenario: Path) -> None:
    folder = _copy(radar_scenario, tmp_path / "s")
    path = folder / "detections.jsonl"
    lines = path.read_text().splitlines()
    lines.append(lines[0].replace('"det_id": 0', '"det_id": 777777'))
    path.write_text("\n".join(lines) + "\n")
    catalog = SensorCatalog.build(read_sensors(folder))
    with pytest.raises(ScenarioError, match="sorted by time") as ei:
        read_detections(path, catalog)
    assert ei.value.line == len(lines) and ei.value.field == "time"


def test_bad_sensors_json(tmp_path: Path, radar_scenario: Path) -> None:
    folder = _copy(radar_scenario, tmp_path / "s")
    doc = json.loads((folder / "sensors.json").read_text())
    doc["sensors"][1]["kind"] = "sonar"
    (folder / "sensors.json").write_text(json.dumps(doc))
    with pytest.raises(ScenarioError, match="unknown kind 'sonar'") as ei:
        read_sensors(folder)
    assert ei.value.field == "kind"


@st.composite
def _json_values(draw: st.DrawFn) -> object:
    return draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(10**6), 10**6),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=8),
        )
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(
        [
            "det_id",
            "sensor_id",
            "range_m",
            "azimuth_deg",
            "elevation_deg",
            "sigma_range_m",
            "class_scores",
            "icao24",
        ]
    ),
    value=_json_values(),
    garbage=st.binary(max_size=30),
)
def test_fuzzed_line_never_crashes(
    tmp_path_factory: pytest.TempPathFactory,
    radar_scenario: Path,
    field: str,
    value: object,
    garbage: bytes,
) -> None:
    """Any mutated line either parses or raises ScenarioError naming its line; skip-bad keeps all
    other lines."""
    catalog = SensorCatalog.build(read_sensors(radar_scenario))
    good = (radar_scenario / "detections.jsonl").read_bytes().splitlines()[:200]
    rec = json.loads(good[100])
    rec[field] = value
    mutated = [*good[:100], json.dumps(rec).encode(), garbage.replace(b"\n", b" "), *good[101:]]
    path = tmp_path_factory.mktemp("fz") / "detections.jsonl"
    path.write_bytes(b"\n".join(mutated) + b"\n")
    try:
        reps, _ = read_detections(path, catalog)
    except ScenarioError as e:
        assert e.line in (101, 102)
    reps, stats = read_detections(path, catalog, skip_bad=True)
    assert len(reps) >= 199 - 1
    assert stats.skipped <= 2
