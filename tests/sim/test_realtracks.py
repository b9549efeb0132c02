"""Real motion seen by simulated sensors: reading real trajectory CSVs, truth from real fixes,
radar and real ADS-B reports, read back through skyfuse's own scenario reader."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.core.errors import InputError
from skyfuse.geo.frames import ecef_from_geodetic
from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.scenario.folder import read_context
from skyfuse.sim.realtracks import (
    ORLY_SITE,
    AdsbSite,
    RadarSite,
    RealTrack,
    RealWorldConfig,
    TruthRules,
    accepted_fixes,
    build_real_world,
    parse_utc,
    read_real_tracks,
)

HEADER = (
    "flight_id,timestamp,icao24,callsign,squawk,lat,lon,altitude_ft,altitude_m,"
    "groundspeed_kt,track_deg,vertical_rate_fpm,onground\n"
)
ORLY_WINDOW = ("2021-10-07T13:25:00Z", "2021-10-07T13:33:00Z")


def _real(shared_dir: Path, name: str) -> Path:
    return shared_dir / "data" / "real-tracks" / name


def _ecef(p: np.ndarray) -> np.ndarray:
    return ecef_from_geodetic(p[:, 0], p[:, 1], p[:, 2]).reshape(-1, 3)


def test_reads_the_three_shared_files(shared_dir: Path) -> None:
    orly = read_real_tracks(_real(shared_dir, "orly_flights.csv.gz"))
    assert len(orly) == 11
    assert sum(len(t) for t in orly) == 18_622
    ar5 = read_real_tracks(_real(shared_dir, "border_control.csv"))
    assert [t.icao24 for t in ar5] == ["407918"]
    assert np.all(np.diff(ar5[0].time) == 10.0)
    thy = read_real_tracks(_real(shared_dir, "spoofed_thy9bp.csv.gz"))[0]
    assert thy.callsign == "THY9BP"
    # last_position gives the fix time, never after the row time.
    ok = np.isfinite(thy.fix_time)
    assert np.all(thy.fix_time[ok] <= thy.time[ok] + 1e-6)
    assert np.sum(~np.isfinite(thy.lat_deg)) == 11


def test_spoofed_stretch_is_rejected_and_bridged_only_on_request(shared_dir: Path) -> None:
    thy = read_real_tracks(_real(shared_dir, "spoofed_thy9bp.csv.gz"))[0]
    t_in = parse_utc("2024-09-17T09:24:25Z"), parse_utc("2024-09-17T09:58:10Z")
    for bridge in (False, True):
        fx = accepted_fixes(thy, TruthRules(bridge_rejected=bridge))
        inside = (fx.time > t_in[0]) & (fx.time < t_in[1])
        assert not inside.any(), "a fix of the spoofed box was kept as truth"
        assert fx.rejected > 500
        # The true route after the spoofed stretch is kept (northern Poland -> Sweden).
        after = fx.time > t_in[1]
        assert after.sum() > 1000 and np.all(fx.lat_deg[after] > 53.0)
        seg_before = fx.segment[fx.time < t_in[0]][-1]
        seg_after = fx.segment[after][0]
        assert (seg_before == seg_after) == bridge


def _track(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> RealTrack:
    n = len(t)
    return RealTrack(
        flight_id="X_1",
        icao24="abcdef",
        callsign="X",
        time=t,
        fix_time=t,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        groundspeed_mps=np.full(n, 200.0),
        track_deg=np.zeros(n),
        vertical_rate_mps=np.zeros(n),
        onground=np.zeros(n, bool),
    )


def test_gap_splits_segments_and_jump_is_dropped() -> None:
    # 200 m/s North, one fix a second; a 120 s gap; one fix 50 km off.
    t = np.concatenate([np.arange(0.0, 60.0), np.arange(180.0, 240.0)])
    lat = 48.0 + t * 200.0 / 111_200.0
    lon = np.full(len(t), 2.0)
    lon[30] = 2.7  # ~50 km East: an implausible jump
    fx = accepted_fixes(_track(t, lat, lon, np.full(len(t), 5000.0)))
    assert fx.rejected == 1
    assert set(fx.segment.tolist()) == {0, 1}
    assert fx.time[fx.segment == 0].max() < 60.0 <= 180.0 <= fx.time[fx.segment == 1].min()


def test_repeated_and_on_ground_rows_are_dropped() -> None:
    t = np.arange(10.0)
    lat = 48.0 + np.repeat(np.arange(5.0), 2) * 0.001
    tr = _track(t, lat, np.full(10, 2.0), np.full(10, 300.0))
    fx = accepted_fixes(tr)
    assert fx.repeated == 5 and len(fx.time) == 5
    assert np.array_equal(fx.time, t[::2])


@pytest.fixture(scope="module")
def orly_world(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("orly") / "world"
    build_real_world(
        _real(shared_dir, "orly_flights.csv.gz"),
        folder,
        RealWorldConfig(
            start_utc=ORLY_WINDOW[0],
            end_utc=ORLY_WINDOW[1],
            radars=(RadarSite(position=(48.7233, 2.3794, 10.0), max_range_m=60_000.0),),
            adsb=AdsbSite(),
            sites=(ORLY_SITE,),
            seed=3,
        ),
    )
    return folder


def test_folder_reads_back_and_truth_is_the_real_positions(
    orly_world: Path, shared_dir: Path
) -> None:
    inputs = read_tracker_inputs(orly_world)
    gt = read_ground_truth(orly_world)
    assert inputs.sensors.frame.type == "WGS84"
    assert [s.kind for s in inputs.sensors.sensors] == ["radar", "adsb"]
    assert read_context(orly_world).sites[0].site_id == "lfpo"
    assert gt.targets is not None and set(gt.targets.cls.tolist()) == {"aircraft"}
    rcs = gt.targets.float_col("rcs_dbsm")
    assert np.all((rcs >= 10.0) & (rcs <= 30.0))
    # Every real airborne fix inside the window is matched by truth within a metre.
    t0 = parse_utc(ORLY_WINDOW[0])
    fid = gt.targets.extra["flight_id"]
    tracks = {t.flight_id: t for t in read_real_tracks(_real(shared_dir, "orly_flights.csv.gz"))}
    checked = 0
    for tid, name in enumerate(fid.tolist()):
        fx = accepted_fixes(tracks[name])
        ts = fx.time - t0
        sel = (ts >= 0) & (ts <= parse_utc(ORLY_WINDOW[1]) - t0) & (np.mod(ts, 1.0) == 0)
        rows = gt.truth.target_id == tid
        tt = gt.truth.time[rows]
        k = np.searchsorted(tt, ts[sel])
        ok = (k < len(tt)) & (tt[np.minimum(k, len(tt) - 1)] == ts[sel])
        truth_pos = gt.truth.pos[rows][k[ok]]
        real = np.column_stack([fx.lat_deg[sel][ok], fx.lon_deg[sel][ok], fx.alt_m[sel][ok]])
        err = np.linalg.norm(_ecef(truth_pos) - _ecef(real), axis=1)
        assert err.size == 0 or err.max() < 1.0
        checked += err.size
    assert checked > 1000


def test_adsb_is_the_real_feed_and_radar_sees_what_is_in_range(orly_world: Path) -> None:
    inputs = read_tracker_inputs(orly_world)
    gt = read_ground_truth(orly_world)
    assert gt.labels is not None
    rep = inputs.reports
    label = np.asarray(gt.labels[1])[np.argsort(gt.labels[0])][rep.det_id]
    adsb = rep.sensor == 1
    # Real feed: 1 s rows with repeated positions, identities, ENU velocity from gs/track.
    assert np.all(label[adsb] >= 0)
    lat = rep.col("lat_deg")[adsb]
    assert np.sum(np.diff(lat) == 0.0) > 0 or len(lat) < 2
    assert all(isinstance(s, str) and len(s) == 6 for s in rep.text_col("icao24")[adsb])
    speed = np.hypot(rep.col("vx")[adsb], rep.col("vy")[adsb])
    assert np.nanmedian(speed) > 60.0
    # Radar plots of targets lie within a few sigma of the truth range.
    radar = (rep.sensor == 0) & (label >= 0)
    assert radar.sum() > 500
    pos_r = np.asarray(inputs.catalog.position[0])
    t_key = {
        (float(t), int(i)): k
        for k, (t, i) in enumerate(zip(gt.truth.time, gt.truth.target_id, strict=True))
    }
    ranges = []
    for k in np.flatnonzero(radar)[:300]:
        row = t_key[(float(rep.time[k]), int(label[k]))]
        p = _ecef(gt.truth.pos[row][None])[0]
        ranges.append(np.linalg.norm(p - pos_r) - rep.col("range_m")[k])
    assert np.max(np.abs(ranges)) < 6 * 10.0
    # Detection probability on targets in coverage is about the configured Pd (0.9).
    scans = np.unique(rep.time[rep.sensor == 0])
    per_scan = np.bincount(np.searchsorted(scans, rep.time[radar]), minlength=len(scans))
    in_cov = []
    for t in scans.tolist():
        rows = gt.truth.time == t
        d = np.linalg.norm(_ecef(gt.truth.pos[rows]) - pos_r, axis=1)
        in_cov.append(int(np.sum((d > 250.0) & (d < 60_000.0))))
    pd = per_scan.sum() / max(sum(in_cov), 1)
    assert 0.85 < pd <= 0.95


def test_same_seed_same_files(tmp_path: Path, shared_dir: Path) -> None:
    cfg = RealWorldConfig(
        start_utc=ORLY_WINDOW[0],
        end_utc="2021-10-07T13:27:00Z",
        radars=(RadarSite(doppler=True),),
        seed=5,
    )
    src = _real(shared_dir, "orly_flights.csv.gz")
    build_real_world(src, tmp_path / "a", cfg)
    build_real_world(src, tmp_path / "b", cfg)
    for f in ("sensors.json", "detections.jsonl", "truth.csv", "labels.csv", "targets.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert b"radial_velocity_mps" in (tmp_path / "a" / "detections.jsonl").read_bytes()


def test_uav_gets_its_class_and_small_rcs(tmp_path: Path, shared_dir: Path) -> None:
    build_real_world(
        _real(shared_dir, "border_control.csv"),
        tmp_path / "ar5",
        RealWorldConfig(
            end_utc="2020-04-17T04:00:00Z",
            classes={"407918": "fixed_wing_uav"},
            radars=(RadarSite(max_range_m=40_000.0),),
            adsb=None,
        ),
    )
    gt = read_ground_truth(tmp_path / "ar5")
    assert gt.targets is not None and gt.targets.cls.tolist() == ["fixed_wing_uav"]
    assert -10.0 <= gt.targets.float_col("rcs_dbsm")[0] <= 0.0
    inputs = read_tracker_inputs(tmp_path / "ar5")
    assert [s.kind for s in inputs.sensors.sensors] == ["radar"]
    # 10 s fixes interpolated onto the 1 s truth grid.
    assert np.allclose(np.diff(np.unique(gt.truth.time))[:100], 1.0)


def test_missing_column_and_bad_value_name_the_field(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("flight_id,timestamp,lat\nA,2021-01-01T00:00:00Z,1\n")
    with pytest.raises(InputError, match="lon"):
        read_real_tracks(p)
    p.write_text(HEADER + "A_1,2021-01-01T00:00:00Z,a,A,,48.0,x,,,,,,false\n")
    with pytest.raises(InputError) as e:
        read_real_tracks(p)
    assert e.value.line == 2 and e.value.field == "lon"


_row = st.tuples(
    st.integers(0, 3),
    st.integers(0, 10_000),
    st.floats(-89.0, 89.0),
    st.floats(-179.0, 179.0),
    st.one_of(st.none(), st.floats(-300.0, 12_000.0)),
    st.one_of(st.none(), st.floats(0.0, 600.0)),
    st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=30), gz=st.booleans())
def test_parser_round_trip(tmp_path_factory: pytest.TempPathFactory, rows: list, gz: bool) -> None:
    lines = [HEADER]
    for f, t, lat, lon, alt, gs, ground in rows:
        ts = f"2021-10-07T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z"
        a = "" if alt is None else repr(alt)
        g = "" if gs is None else repr(gs)
        lines.append(
            f"F{f}_x,{ts},x{f},F{f},,{lat!r},{lon!r},,{a},{g},90.0,0,{str(ground).lower()}\n"
        )
    text = "".join(lines).encode()
    p = tmp_path_factory.mktemp("csv") / ("t.csv.gz" if gz else "t.csv")
    p.write_bytes(gzip.compress(text) if gz else text)
    tracks = read_real_tracks(p)
    assert sum(len(t) for t in tracks) == len(rows)
    by_id = {t.flight_id: t for t in tracks}
    for f, t, lat, lon, alt, gs, ground in rows:
        tr = by_id[f"F{f}_x"]
        k = np.flatnonzero(
            (
                tr.time
                == parse_utc(f"2021-10-07T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z")
            )
            & (tr.lat_deg == lat)
            & (tr.lon_deg == lon)
        )
        assert len(k) >= 1
        i = int(k[0])
        assert bool(tr.onground[i]) == ground or np.sum(tr.lat_deg == lat) > 1
        if alt is not None and np.sum(tr.lat_deg == lat) == 1:
            assert tr.alt_m[i] == pytest.approx(alt)
        if gs is not None and np.sum(tr.lat_deg == lat) == 1:
            assert tr.groundspeed_mps[i] == pytest.approx(gs * 1852.0 / 3600.0)
