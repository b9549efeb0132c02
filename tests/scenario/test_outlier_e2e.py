"""End to end: one absurd report in the middle of many tracked targets never disturbs them.

A report outside the physical bounds (`range_m: 1e308`, `azimuth_deg: 1e308`) is rejected at
the edge (named, skipped under ``skip_bad``), so the picture is exactly the one without it: same
rows, same track ids. Reports at the extreme edge of the bounds (range at twice the sensor's
reach, azimuth 719.9, elevation +-90, sigmas at the floor and the ceiling, a cooperative
aircraft 9,900 km away at 1,999 m/s) are legal: they may start a tentative track of their own,
but every other track keeps its states, and every track alive before them keeps its id (ids of
tracks born later may shift by the ids such tentative tracks consumed, a one-to-one relabelling).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from skyfuse.pipeline import PipelineConfig, run_folder
from skyfuse.scenario import TrackTable, read_tracks

CFG = PipelineConfig(learned_model=False)


def _with_lines(src: Path, dst: Path, extra: list[dict[str, object]]) -> tuple[Path, float]:
    """Copy a scenario, inserting ``extra`` report lines at its middle report time."""
    shutil.copytree(src, dst)
    path = dst / "detections.jsonl"
    lines = path.read_text().splitlines()
    times = [float(json.loads(ln)["time"]) for ln in lines]
    t = sorted(set(times))[len(set(times)) // 2]
    at = times.index(t)
    for i, rec in enumerate(extra):
        lines.insert(at + i, json.dumps({**rec, "det_id": 10**12 + i, "time": t}))
    path.write_text("\n".join(lines) + "\n")
    return dst, t


def _run(folder: Path) -> tuple[TrackTable, int]:
    s = run_folder(folder, folder / "tracks.csv", config=CFG, skip_bad=True)
    return read_tracks(folder / "tracks.csv"), s.read.skipped


def _assert_same_picture(a: TrackTable, b: TrackTable, t_outlier: float) -> None:
    """Same rows and states; ids equal for tracks born before ``t_outlier``, else one-to-one."""
    assert a.time.shape == b.time.shape
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_allclose(b.pos, a.pos, rtol=0, atol=1e-6)
    np.testing.assert_allclose(b.vel, a.vel, rtol=0, atol=1e-6)
    pairs = set(zip(a.track_id.tolist(), b.track_id.tolist(), strict=True))
    assert len({p[0] for p in pairs}) == len(pairs) == len({p[1] for p in pairs})
    before = set(a.track_id[a.time < t_outlier].tolist())
    assert before, "the scenario must have tracks before the outlier"
    assert all(x == y for x, y in pairs if x in before)


def test_rejected_outlier_leaves_ids_identical(tmp_path: Path, radar_scenario: Path) -> None:
    base, _ = _run(Path(shutil.copytree(radar_scenario, tmp_path / "base")))
    bad = [
        {"sensor_id": "radar-0", "range_m": 1e308, "azimuth_deg": 10.0, "elevation_deg": 1.0},
        {"sensor_id": "radar-1", "range_m": 5000.0, "azimuth_deg": 1e308, "elevation_deg": 1.0},
        {"sensor_id": "radar-2", "range_m": 5000.0, "azimuth_deg": -720.0, "elevation_deg": 1.0},
    ]
    folder, _ = _with_lines(radar_scenario, tmp_path / "mod", bad)
    mod, skipped = _run(folder)
    assert skipped == len(bad)
    assert np.unique(base.track_id).size >= 8, "many targets tracked"
    np.testing.assert_array_equal(mod.track_id, base.track_id)
    np.testing.assert_array_equal(mod.time, base.time)
    np.testing.assert_array_equal(mod.pos, base.pos)


def test_extreme_legal_reports_disturb_no_track(tmp_path: Path, radar_scenario: Path) -> None:
    base, _ = _run(Path(shutil.copytree(radar_scenario, tmp_path / "base")))
    extreme = [
        {
            "sensor_id": "radar-0",
            "range_m": 59_999.0,  # twice coverage.max_range_m (30 km) is the cap
            "azimuth_deg": 719.9,
            "elevation_deg": 89.9,
            "sigma_range_m": 1e-6,
            "sigma_azimuth_deg": 1e-6,
            "sigma_elevation_deg": 1e-6,
        },
        {
            "sensor_id": "radar-1",
            "range_m": 59_999.0,
            "azimuth_deg": -359.9,
            "elevation_deg": -90.0,
            "sigma_range_m": 1e5,
            "sigma_azimuth_deg": 180.0,
            "sigma_elevation_deg": 180.0,
        },
    ]
    folder, t = _with_lines(radar_scenario, tmp_path / "mod", extreme)
    mod, skipped = _run(folder)
    assert skipped == 0
    _assert_same_picture(base, mod, t)


@pytest.mark.slow
def test_extreme_cooperative_and_bearings_disturb_no_track(
    tmp_path: Path, mixed_scenario: Path
) -> None:
    """Every sensor kind at once, with passive and cooperative fusion (mixed example)."""
    base, _ = _run(Path(shutil.copytree(mixed_scenario, tmp_path / "base")))
    far = 9.9e6
    extreme = [
        {
            "sensor_id": "adsb-0",
            "icao24": "fffff0",
            "x": far,
            "y": -far,
            "z": 9.9e4,
            "vx": 1999.0,
            "vy": 0.0,
            "vz": 0.0,
        },
        {"sensor_id": "rid-0", "uas_id": "X" * 256, "x": -far, "y": far, "z": -9.9e3},
        {"sensor_id": "acoustic-0", "azimuth_deg": 719.99, "fundamental_hz": 1e5},
        {"sensor_id": "rf-0", "azimuth_deg": -360.0, "frequency_mhz": 3e5, "rssi_dbm": -200},
        {"sensor_id": "eo-0", "azimuth_deg": 0.0, "elevation_deg": 90.0},
        {"sensor_id": "radar-0", "range_m": 1e308, "azimuth_deg": 1.0, "elevation_deg": 1.0},
    ]
    folder, t = _with_lines(mixed_scenario, tmp_path / "mod", extreme)
    mod, skipped = _run(folder)
    assert skipped == 1
    _assert_same_picture(base, mod, t)
