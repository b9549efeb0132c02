"""Alert scoring (lead times, false alerts, target mapping) and the alerts/detections readers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from evalkit import make_targets, write_folder, write_tracks
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.core.errors import ScenarioError
from skyfuse.eval import evaluate, read_alerts, read_detection_times
from skyfuse.eval.alerts import majority_target

RUN = range(11)  # scoring times 0..10 s


def _x(t: float, tid: int) -> tuple[float, float]:
    """Truth track of each target (x, y metres) at time t."""
    return {
        0: (4000.0 - 500.0 * t, 0.0),  # reaches site (0, 0) at 8 s (arrival_time_s)
        1: (3000.0 - 500.0 * t, 0.0),  # within the 500 m radius from 5 s (no arrival_time_s)
        2: (10000.0, 0.0),  # bird
        3: (4500.0 - 500.0 * t, -300.0),  # arrives at 9 s, never alerted
        4: (20000.0, 5000.0),  # arrives after the run (arrival_time_s 50)
        5: (-8000.0, 0.0),  # crosses border "pl" at 6 s
    }[tid]


@pytest.fixture
def alert_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    truth = [(float(t), k, *_x(t, k), 500.0) for t in RUN for k in range(6)]
    targets = make_targets(
        [0, 1, 2, 3, 4, 5],
        ["attack_drone", "decoy", "bird", "attack_drone", "attack_drone", "attack_drone"],
        hostile=[True, True, False, True, True, True],
        goal_site=["s1", "s1", "", "s1", "s1", ""],
        extra={
            "arrival_time_s": ["8", "", "", "9", "50", ""],
            "border_id": ["", "", "", "", "pl", "pl"],
            "border_cross_time_s": ["", "", "", "", "70", "6"],
        },
    )
    context = {
        "sites": [{"site_id": "s1", "x": 0.0, "y": 0.0, "radius_m": 500.0}],
        "borders": [{"border_id": "pl", "partner": "PL", "points": [[-7000, -9e3], [-7000, 9e3]]}],
    }
    folder = write_folder(tmp_path / "scn", truth, targets=targets, context=context)
    tracks = [(float(t), 100 + k, *_x(t, k), 500.0, "attack_drone") for t in RUN for k in range(6)]
    tracks_csv = tmp_path / "tracks.csv"
    write_tracks(tracks_csv, tracks)
    lines = [
        {"time": 2.0, "alert_id": "a1", "kind": "site_threat", "track_id": 100, "site_id": "s1",
         "eta_s": 6.0, "state": "new", "reason": "heading"},
        {"time": 4.0, "alert_id": "a1", "kind": "site_threat", "track_id": 100, "site_id": "s1",
         "eta_s": 4.0, "state": "updated"},
        {"time": 4.0, "alert_id": "a2", "kind": "site_threat", "track_id": "101", "site_id": "s1",
         "eta_s": 1.0},
        {"time": 3.0, "alert_id": "a3", "kind": "site_threat", "track_id": 102, "site_id": "s1",
         "eta_s": 9.0},
        {"time": 3.0, "alert_id": "a4", "kind": "site_threat", "track_id": 999, "site_id": "s1",
         "eta_s": 9.0},
        {"time": 2.0, "alert_id": 5, "kind": "site_threat", "track_id": 104, "site_id": "s1",
         "eta_s": 48.0},
        {"time": 3.0, "alert_id": "a6", "kind": "border_crossing", "track_id": 105,
         "border_id": "pl", "eta_s": 3.0},
        {"time": 1.0, "alert_id": "a7", "kind": "raid", "track_id": None, "eta_s": 100.0},
        {"time": 5.0, "alert_id": "a8", "kind": "border_crossing", "track_id": 102,
         "border_id": "pl", "eta_s": 1.0},
        {"time": 6.0, "alert_id": "a9", "kind": "border_crossing", "track_id": 104,
         "border_id": "pl", "eta_s": 64.0},
    ]  # fmt: skip
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder, tracks_csv, alerts


def test_site_and_border_alert_scores(alert_run: tuple[Path, Path, Path]) -> None:
    from skyfuse.scenario import read_tracks

    folder, tracks_csv, alerts = alert_run
    a = evaluate(folder, read_tracks(tracks_csv), alerts=alerts).alerts
    assert a is not None
    assert (a.n_lines, a.n_alerts) == (10, 9)
    assert a.by_kind == {"border_crossing": 3, "raid": 1, "site_threat": 5}
    assert a.unknown_track == 1  # track 999 (the raid alert names no track)
    # Site arrivals in the run: target 0 (8 s, alerted at 2), 1 (5 s by radius, alerted at 4),
    # 3 (9 s, never alerted).
    assert (a.site.n_events, a.site.n_warned) == (3, 2)
    assert a.site.median_s == pytest.approx(3.5) and a.site.worst_s == pytest.approx(1.0)
    assert a.site.unwarned_attack_drones == 1
    assert a.site_expected_lead_median_s == pytest.approx(48.0)
    # False site alerts: the bird's track and the unknown track; 10 s run -> 720 per hour.
    assert a.false_site_alerts == 2 and a.false_site_alerts_by_site == {"s1": 2}
    assert a.false_site_alerts_per_hour == pytest.approx(720.0)
    assert (a.border.n_events, a.border.n_warned) == (1, 1)
    assert a.border.median_s == pytest.approx(3.0)
    # The bird's border alert is false; target 4 crosses after the run: warned, not false.
    assert a.false_border_alerts == 1


def test_majority_target_up_to_alert_time() -> None:
    # Track 7 follows target 1 at t = 0, 1, 2 and target 2 at t = 3, 4, 5, 6.
    t = np.arange(7, dtype=np.float64)
    track = np.full(7, 7, np.int64)
    target = np.array([1, 1, 1, 2, 2, 2, 2], np.int64)
    q = majority_target(
        track, t, target, np.array([7, 7, 7, 8, 7]), np.array([0.0, 4.0, 6.0, 6.0, -1.0])
    )
    assert q.tolist() == [1, 1, 2, -1, -1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e5, allow_nan=False),
            st.sampled_from(["a", "b", "c", "7"]),
            st.integers(-1, 10**6) | st.integers(0, 10**6).map(str),
            st.sampled_from([None, "s1", "s-2"]),
        ),
        max_size=20,
    )
)
def test_read_alerts_counts_each_id_once_at_its_first_time(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[float, str, int | str, str | None]]
) -> None:
    path = tmp_path_factory.mktemp("al") / "alerts.jsonl"
    recs = [
        {"time": t, "alert_id": i, "kind": "site_threat", "track_id": k, "site_id": s, "x": [1]}
        for t, i, k, s in rows
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    al = read_alerts(path)
    firsts: dict[str, float] = {}
    for t, i, _, _ in rows:
        firsts[i] = min(t, firsts.get(i, np.inf))
    assert sorted(al.alert_id.tolist()) == sorted(firsts)
    assert al.n_lines == len(rows)
    for aid, t in zip(al.alert_id.tolist(), al.time.tolist(), strict=True):
        assert t == firsts[aid]
    assert np.all(np.diff(al.time) >= 0)


def test_bad_lines_name_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "alerts.jsonl"
    good = {"time": 1.0, "alert_id": "a", "kind": "raid", "track_id": 3}
    p.write_text(json.dumps(good) + "\n" + json.dumps({**good, "time": "soon"}) + "\n")
    with pytest.raises(ScenarioError) as ei:
        read_alerts(p)
    assert ei.value.line == 2 and ei.value.field == "time"
    p.write_text(json.dumps({**good, "track_id": "T-9"}) + "\n")
    with pytest.raises(ScenarioError, match="track_id"):
        read_alerts(p)
    p.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(ScenarioError) as ei:
        read_alerts(p)
    assert ei.value.line == 2
    d = tmp_path / "detections.jsonl"
    d.write_text('{"det_id": 0, "time": 0.0}\n\n{"det_id": 1}\n')
    with pytest.raises(ScenarioError) as ei:
        read_detection_times(d)
    assert ei.value.line == 3
    with pytest.raises(ScenarioError, match="not found"):
        read_alerts(tmp_path / "missing.jsonl")


def test_reads_detection_times_of_the_shared_example(radar_scenario: Path) -> None:
    det_id, time = read_detection_times(radar_scenario / "detections.jsonl")
    assert det_id.size == 5965 and np.all(np.diff(time) >= 0)
    assert np.unique(det_id).size == det_id.size


def test_wgs84_site_reached_by_radius(tmp_path: Path) -> None:
    """Geodetic scenario: a decoy 2 km east of the site closing at 500 m/s enters the 500 m
    radius at 3 s (no arrival_time_s); alerted at 1 s -> 2 s of warning."""
    from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation, geodetic_from_ecef
    from skyfuse.scenario import read_tracks

    lat0, lon0 = 50.0, 30.0
    R = enu_rotation(lat0, lon0)
    truth_lines, track_lines = [], []
    for t in range(6):
        enu = np.array([2000.0 - 500.0 * t, 0.0, 300.0])
        la, lo, al = geodetic_from_ecef(ecef_from_geodetic(lat0, lon0, 0.0) + R.T @ enu)
        truth_lines.append(f"{t},0,{la:.9f},{lo:.9f},{al:.3f},-500,0,0")
        track_lines.append(f"{t},9,{la:.9f},{lo:.9f},{al:.3f},-500,0,0,decoy,1")
    folder = tmp_path / "geo"
    folder.mkdir()
    (folder / "truth.csv").write_text(
        "time,target_id,lat_deg,lon_deg,alt_m,vx,vy,vz\n" + "\n".join(truth_lines) + "\n"
    )
    (folder / "detections.jsonl").write_text(
        "".join(json.dumps({"det_id": t, "time": float(t)}) + "\n" for t in range(6))
    )
    (folder / "targets.csv").write_text(
        "target_id,class,hostile,goal_site,launch_x,launch_y\n0,decoy,1,s1,,\n"
    )
    site = {"site_id": "s1", "lat_deg": lat0, "lon_deg": lon0, "radius_m": 500.0}
    (folder / "context.json").write_text(json.dumps({"sites": [site]}))
    head = "time,track_id,lat_deg,lon_deg,alt_m,vx,vy,vz,class,class_prob"
    (tmp_path / "t.csv").write_text(head + "\n" + "\n".join(track_lines) + "\n")
    alert = {"time": 1.0, "alert_id": "a", "kind": "site_threat", "track_id": 9, "site_id": "s1"}
    (tmp_path / "a.jsonl").write_text(json.dumps(alert) + "\n")
    a = evaluate(folder, read_tracks(tmp_path / "t.csv"), alerts=tmp_path / "a.jsonl").alerts
    assert a is not None
    assert (a.site.n_events, a.site.n_warned) == (1, 1)
    assert a.site.median_s == pytest.approx(2.0)
    assert a.false_site_alerts == 0
