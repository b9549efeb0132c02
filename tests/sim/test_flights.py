"""Straight-flight worlds: geometry, speeds, sensor mixes, read-back, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skyfuse.core.errors import InputError
from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.sim.flights import FlightsConfig, build_flights
from skyfuse.sim.realtracks import RadarSite


def _labels(folder: Path, det_id: np.ndarray) -> np.ndarray:
    gt = read_ground_truth(folder)
    assert gt.labels is not None
    ids, tg = (np.asarray(a) for a in gt.labels)
    return tg[np.argsort(ids)][det_id]


@pytest.mark.parametrize("geometry", ["crossing", "radial"])
def test_speeds_and_geometry(tmp_path: Path, geometry: str) -> None:
    speeds = (60.0, 200.0, 340.0)
    build_flights(tmp_path, FlightsConfig(speeds_mps=speeds, geometry=geometry, sensors="radar"))  # type: ignore[arg-type]
    gt = read_ground_truth(tmp_path)
    for tid, v in enumerate(speeds):
        rows = gt.truth.target_id == tid
        vel = gt.truth.vel[rows]
        pos = gt.truth.pos[rows]
        assert np.allclose(np.linalg.norm(vel, axis=1), v, rtol=1e-3)
        rng = np.linalg.norm(pos[:, :2], axis=1)
        rr = np.gradient(rng, gt.truth.time[rows])
        if geometry == "crossing":
            # Broadside at mid-run: range rate through zero, minimum range = closest_m.
            assert rng.min() == pytest.approx(20_000.0, rel=1e-3)
            half = v * 60.0
            expect = v * half / np.hypot(20_000.0, half)
            assert rr[0] == pytest.approx(-expect, rel=1e-2)
            assert rr[-1] == pytest.approx(expect, rel=1e-2)
        else:
            assert np.allclose(rr, -v, rtol=1e-3)
        # Constant velocity: positions on a straight line.
        d = pos - pos[0]
        assert np.allclose(d[:, :2], np.outer(gt.truth.time[rows], vel[0, :2]), atol=1e-2)
    alts = [gt.truth.pos[gt.truth.target_id == i, 2][0] for i in range(len(speeds))]
    assert min(np.diff(sorted(alts))) >= 500.0


@pytest.mark.parametrize("mix", ["adsb", "radar", "both"])
def test_sensor_mixes_read_back_and_detect_what_is_in_range(tmp_path: Path, mix: str) -> None:
    build_flights(tmp_path, FlightsConfig(sensors=mix, duration_s=60.0))  # type: ignore[arg-type]
    inputs = read_tracker_inputs(tmp_path)
    kinds = [s.kind for s in inputs.sensors.sensors]
    assert kinds == {"adsb": ["adsb"], "radar": ["radar"], "both": ["radar", "adsb"]}[mix]
    rep = inputs.reports
    label = _labels(tmp_path, rep.det_id)
    gt = read_ground_truth(tmp_path)
    n = len(np.unique(gt.truth.target_id))
    for k, kind in enumerate(kinds):
        sel = (rep.sensor == k) & (label >= 0)
        per_target = np.bincount(label[sel], minlength=n)
        pd = 0.98 if kind == "adsb" else 0.9
        assert np.all(per_target > 0.8 * pd * 60), (kind, per_target)
        if kind == "adsb":
            assert set(rep.text_col("icao24")[sel].tolist()) == {
                f"{0xA00000 + i:06x}" for i in range(n)
            }
            t_key = {
                (float(t), int(i)): j
                for j, (t, i) in enumerate(zip(gt.truth.time, gt.truth.target_id, strict=True))
            }
            rows = [
                t_key[(float(t), int(i))] for t, i in zip(rep.time[sel], label[sel], strict=True)
            ]
            err = np.column_stack([rep.col("x")[sel], rep.col("y")[sel]]) - gt.truth.pos[rows, :2]
            assert 5.0 < np.std(err) < 15.0  # declared sigma 10 m
            verr = rep.col("vx")[sel] - gt.truth.vel[rows, 0]
            assert np.std(verr) < 1.0


def test_radar_range_limits_detections(tmp_path: Path) -> None:
    build_flights(
        tmp_path,
        FlightsConfig(
            speeds_mps=(100.0,),
            geometry="radial",
            outbound=True,
            sensors="radar",
            radar=RadarSite(max_range_m=10_000.0, clutter_rate_per_scan=0.0),
            duration_s=120.0,
        ),
    )
    rep = read_tracker_inputs(tmp_path).reports
    # Outbound from 3 km at 100 m/s: leaves the 10 km coverage after 70 s.
    assert rep.time.max() <= 70.0 + 1e-6
    assert len(rep) > 0.8 * 0.9 * 70


def test_wgs84_world_and_determinism(tmp_path: Path) -> None:
    cfg = FlightsConfig(frame="wgs84", duration_s=30.0, seed=4)
    build_flights(tmp_path / "a", cfg)
    build_flights(tmp_path / "b", cfg)
    build_flights(tmp_path / "c", FlightsConfig(frame="wgs84", duration_s=30.0, seed=5))
    for f in ("sensors.json", "detections.jsonl", "truth.csv", "labels.csv", "targets.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a" / "truth.csv").read_bytes() != (
        tmp_path / "c" / "truth.csv"
    ).read_bytes()
    gt = read_ground_truth(tmp_path / "a")
    assert gt.truth.geodetic
    rows = gt.truth.target_id == 7
    p = gt.truth.pos[rows]
    e = ecef_from_geodetic(p[:, 0], p[:, 1], p[:, 2]).reshape(-1, 3)
    speed = np.linalg.norm(np.diff(e, axis=0), axis=1) / np.diff(gt.truth.time[rows])
    assert np.allclose(speed, 340.0, rtol=2e-3)
    assert read_tracker_inputs(tmp_path / "a").sensors.frame.type == "WGS84"


def test_bad_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="target_class"):
        build_flights(tmp_path, FlightsConfig(target_class="jet"))
    with pytest.raises(InputError, match="speeds"):
        build_flights(tmp_path, FlightsConfig(speeds_mps=()))
