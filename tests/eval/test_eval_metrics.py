"""`evaluate` on crafted folders (MOTA arithmetic, latency, classes, NEES, time matching, errors)
and on the shared examples with an oracle tracker built from truth."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest
from evalkit import make_targets, write_folder, write_tracks

from skyfuse.core.errors import InputError
from skyfuse.eval import (
    evaluate,
    mix_score,
    nees_chi2_interval,
    position_nees,
    score_sensor_mix,
)
from skyfuse.eval.metrics import merge_times, step_index
from skyfuse.eval.report import EvalReport
from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation, geodetic_from_ecef
from skyfuse.scenario import (
    TrackTable,
    TrackWriter,
    read_detections,
    read_sensors,
    read_tracks,
    read_truth,
)
from skyfuse.scenario.catalog import SensorCatalog

# -- MOTA / MOTP / switches / latency on one crafted run ---------------------------------------


def _crafted_inputs(tmp_path: Path, *, labels: bool = False) -> tuple[Path, TrackTable]:
    # Targets 0 (x = 0) and 1 (x = 1000) alive at t = 0..3; target 2 (x = 5000) born at t = 2.
    truth = [(float(t), i, x, 0.0, 500.0) for t in range(4) for i, x in ((0, 0.0), (1, 1000.0))]
    truth += [(2.0, 2, 5000.0, 0.0, 500.0), (3.0, 2, 5000.0, 0.0, 500.0)]
    tracks = [
        # t = 0: nothing confirmed (2 misses).
        (1.0, 5, 3.0, 4.0, 500.0, "attack_drone"),  # target 0 at 5 m
        (1.0, 9, -3000.0, 0.0, 500.0, "bird"),  # false track
        (2.0, 5, 6.0, 8.0, 500.0, "attack_drone"),  # target 0 at 10 m
        (2.0, 6, 1000.0, 20.0, 500.0, "bird"),  # target 1 at 20 m (class wrong)
        (3.0, 7, 0.0, 30.0, 500.0, "attack_drone"),  # target 0 on a new track: switch
        (3.0, 6, 1000.0, 40.0, 500.0, "bird"),
    ]
    targets = make_targets([0, 1, 2], ["attack_drone", "attack_drone", "bird"])
    # One report per time (det_id = time): det 0 -> target 0, 1 -> target 1, 2 -> target 2,
    # 3 -> false report.
    lab = ([0, 1, 2, 3], [0, 1, 2, -1]) if labels else None
    folder = write_folder(tmp_path / "scn", truth, targets=targets, labels=lab)
    return folder, write_tracks(tmp_path / "tracks.csv", tracks)


def _crafted(tmp_path: Path) -> EvalReport:
    folder, tracks = _crafted_inputs(tmp_path)
    return evaluate(folder, tracks, label="crafted")


def test_mota_motp_and_switch_arithmetic(tmp_path: Path) -> None:
    rep = _crafted(tmp_path)
    cm = rep.clear_mot
    # GT = 2 + 2 + 3 + 3 = 10; pairs: 1 + 2 + 2 = 5 -> 5 misses; tracks 0 + 2 + 2 + 2 = 6 -> 1 FP.
    assert (cm.truth_count, cm.misses, cm.false_tracks, cm.id_switches) == (10, 5, 1, 1)
    assert cm.mota == pytest.approx(1.0 - (5 + 1 + 1) / 10)
    assert cm.motp_m == pytest.approx((5.0 + 10.0 + 20.0 + 30.0 + 40.0) / 5)
    assert cm.track_ids_per_target == pytest.approx(1.5)  # target 0: 2 ids, target 1: 1 id
    assert cm.max_track_ids_per_target == 2
    assert cm.distinct_track_ids == 4
    assert rep.label == "crafted" and rep.n_times == 4


def test_gospa_means_and_per_target(tmp_path: Path) -> None:
    g = _crafted(tmp_path).gospa
    per_step = [100.0, 5.0 + 50.0 + 50.0, 30.0 + 50.0, 70.0 + 50.0]
    assert g.mean == pytest.approx(np.mean(per_step))
    assert g.localisation == pytest.approx(np.mean([0.0, 5.0, 30.0, 70.0]))
    assert g.missed == pytest.approx(np.mean([100.0, 50.0, 50.0, 50.0]))
    assert g.false == pytest.approx(np.mean([0.0, 50.0, 0.0, 0.0]))
    assert g.per_target == pytest.approx(np.mean(per_step) / 2.5)


def test_latency_and_tracked_share(tmp_path: Path) -> None:
    rep = _crafted(tmp_path)
    lat = rep.latency
    # Target 0: born 0, first paired 1; target 1: born 0, paired 2; target 2 never.
    assert (lat.n_targets, lat.never_tracked) == (3, 1)
    assert lat.median_s == pytest.approx(1.5)
    assert lat.p90_s == pytest.approx(1.0 + 0.9 * 1.0)
    rows = {r.cls: r for r in rep.per_class}
    # Target 0 paired 3 of 4 steps, target 1 2 of 4: both tracked (>= 50%); the bird never.
    assert rows["attack_drone"].n_tracked == 2 and rows["attack_drone"].share_tracked == 1.0
    assert rows["bird"].n_tracked == 0 and rows["bird"].never_tracked == 1
    ms = mix_score(rep, "bird")
    assert ms.share_tracked == 0.0 and ms.never_tracked == 1
    assert mix_score(rep).cls == "all"


def test_sensor_mix_detectability(tmp_path: Path) -> None:
    folder, tracks = _crafted_inputs(tmp_path, labels=True)
    # One labelled report per target here: detectable from the first report on.
    drones = score_sensor_mix(folder, tracks, label="radar-only", cls="attack_drone", min_reports=1)
    # Target 0: first report 0 s, first pairing 1 s; target 1: 1 s -> 2 s.
    assert (drones.label, drones.cls, drones.n_targets) == ("radar-only", "attack_drone", 2)
    assert drones.share_tracked == 1.0 and drones.detect_to_track_median_s == 1.0
    birds = score_sensor_mix(folder, tracks, label="radar-only", cls="bird", min_reports=1)
    assert birds.share_tracked == 0.0 and birds.never_tracked == 1
    assert birds.detect_to_track_median_s is None
    everything = score_sensor_mix(folder, tracks, label="radar-only", min_reports=1)
    assert everything.n_targets == 3 and everything.share_tracked == pytest.approx(2 / 3)
    assert everything.never_tracked == 1
    with pytest.raises(InputError, match="dragon"):
        score_sensor_mix(folder, tracks, label="x", cls="dragon")


def test_class_accuracy_and_confusion(tmp_path: Path) -> None:
    c = _crafted(tmp_path).classification
    assert c is not None
    # Pairs: (0, drone) x3 correct; (1 true drone, bird) x2 wrong.
    assert c.n_pairs == 5
    assert c.accuracy == pytest.approx(3 / 5)
    assert c.attack_drone_vs_bird == pytest.approx(3 / 5)
    conf = np.array(c.confusion)
    assert conf[c.true_labels.index("attack_drone"), c.predicted_labels.index("bird")] == 2
    assert conf.sum() == 5
    # Tracks are at most 2 s old here: no pair is 10 s old.
    assert c.n_pairs_age_10s == 0 and c.accuracy_age_10s is None


def test_report_is_json_round_trippable(tmp_path: Path) -> None:
    rep = _crafted(tmp_path)
    back = msgspec.json.decode(msgspec.json.encode(rep), type=EvalReport)
    assert back == rep


# -- NEES --------------------------------------------------------------------------------------


def test_position_nees_closed_form_and_bad_covariance() -> None:
    err = np.array([[2.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    cov = np.array(
        [
            [4.0, 0, 0, 1, 0, 1],  # diag(4, 1, 1): 2^2 / 4 = 1
            [1.0, 0, 0, 2, 0, 4],  # 1 + 1/2 + 1/4
            [np.nan, 0, 0, 1, 0, 1],  # missing
            [1.0, 2, 0, 1, 0, 1],  # not positive definite
        ]
    )
    e, ok = position_nees(err, cov)
    assert ok.tolist() == [True, True, False, False]
    assert e[:2].tolist() == pytest.approx([1.0, 1.75])


def test_nees_of_a_known_gaussian_sample_is_consistent() -> None:
    rng = np.random.default_rng(5)
    A = rng.normal(size=(3, 3))
    P = A @ A.T + 3.0 * np.eye(3)
    n = 4000
    err = rng.multivariate_normal(np.zeros(3), P, size=n)
    cov = np.tile(P[[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]], (n, 1))
    e, ok = position_nees(err, cov)
    lo, hi = nees_chi2_interval(n)
    assert ok.all() and lo < float(e.mean()) < hi
    assert lo == pytest.approx(3.0 - 1.96 * np.sqrt(6.0 / n), abs=0.01)
    # A covariance 4x too large makes the mean NEES 4x too small.
    e4, _ = position_nees(err, 4.0 * cov)
    assert float(e4.mean()) < lo


def test_evaluate_nees_from_covariance_columns(tmp_path: Path) -> None:
    truth = [(float(t), 0, 0.0, 0.0, 100.0) for t in range(3)]
    tracks = [(float(t), 4, 3.0, 4.0, 100.0, "unknown") for t in range(3)]
    cov = [[9.0, 0.0, 0.0, 16.0, 0.0, 1.0]] * 3
    folder = write_folder(tmp_path / "scn", truth)
    rep = evaluate(folder, write_tracks(tmp_path / "t.csv", tracks, cov=cov))
    assert rep.nees is not None
    assert rep.nees.n_samples == 3 and rep.nees.mean == pytest.approx(2.0)
    assert rep.classification is None  # no targets.csv


# -- scoring times -------------------------------------------------------------------------------


def test_step_index_tolerance() -> None:
    grid = np.array([0.0, 0.5, 1.0])
    t = np.array([0.0, 0.5000004, 0.49, 1.0 - 1e-7, 2.0, -1.0])
    assert step_index(t, grid).tolist() == [0, 1, -1, 2, -1, -1]
    assert merge_times(np.array([1.0, 0.0, 1.0 + 1e-8, 0.5])).tolist() == [0.0, 0.5, 1.0]


def test_scores_at_report_times_only(tmp_path: Path) -> None:
    # Truth is scheduled at 0, 0.5, 1 but reports exist at 0 and 1 only: 0.5 is not scored, and
    # a track row at 0.5 is counted as unscored. A time with no truth row has no targets.
    truth = [(t, 0, 0.0, 0.0, 100.0) for t in (0.0, 0.5, 1.0)]
    folder = write_folder(tmp_path / "scn", truth, det_times=[0.0, 1.0000001, 1.0, 2.0])
    tracks = [(t, 1, 0.0, 0.0, 100.0, "unknown") for t in (0.0, 0.5, 1.0, 2.0)]
    rep = evaluate(folder, write_tracks(tmp_path / "t.csv", tracks))
    assert rep.n_times == 3 and rep.unscored_track_rows == 1
    assert rep.gospa.mean == pytest.approx(50.0 / 3)  # the track at 2.0 is false
    assert rep.gospa.false == pytest.approx(50.0 / 3)


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "scn", [(0.0, 0, 0.0, 0.0, 0.0)])
    dup = write_tracks(tmp_path / "d.csv", [(0.0, 1, 0, 0, 0, "bird"), (0.0, 1, 5, 0, 0, "bird")])
    with pytest.raises(InputError, match="track_id"):
        evaluate(folder, dup)
    (tmp_path / "bad.csv").write_text(
        "time,track_id,x,y,z,vx,vy,vz,class,class_prob\n0,1,0,0,0,0,0,0,dragon,1\n"
    )
    with pytest.raises(InputError, match="dragon") as ei:
        evaluate(folder, read_tracks(tmp_path / "bad.csv"))
    assert ei.value.field == "class" and ei.value.line == 2
    (tmp_path / "geo.csv").write_text(
        "time,track_id,lat_deg,lon_deg,alt_m,vx,vy,vz,class,class_prob\n0,1,50,30,0,0,0,0,bird,1\n"
    )
    with pytest.raises(InputError, match="ENU"):
        evaluate(folder, read_tracks(tmp_path / "geo.csv"))
    with pytest.raises(InputError, match="c must be"):
        evaluate(folder, dup, c=-1.0)


# -- oracle on the shared examples --------------------------------------------------------------


def _oracle(folder: Path, out: Path, offset_enu: tuple[float, float, float] = (0, 0, 0)) -> Path:
    """tracks.csv from truth at every report time of detections.jsonl (ids shifted by 1000)."""
    truth = read_truth(folder / "truth.csv")
    catalog = SensorCatalog.build(read_sensors(folder))
    times = np.unique(read_detections(folder / "detections.jsonl", catalog)[0].time)
    with TrackWriter(out, geodetic=truth.geodetic) as w:
        for t in times:
            m = np.abs(truth.time - t) < 1e-6
            pos = truth.pos[m] + np.asarray(offset_enu)
            n = int(m.sum())
            w.write(
                float(t), truth.target_id[m] + 1000, pos, truth.vel[m], ["bird"] * n, np.ones(n)
            )
    return out


@pytest.mark.parametrize("name", ["n10-r3-s120", "mixed-demo"])
def test_oracle_scores_zero(shared_dir: Path, tmp_path: Path, name: str) -> None:
    folder = shared_dir / "scenarios" / name
    rep = evaluate(folder, read_tracks(_oracle(folder, tmp_path / "oracle.csv")))
    assert rep.gospa.mean == 0.0 and rep.gospa.ospa == 0.0 and rep.gospa.mean_p2 == 0.0
    assert rep.clear_mot.id_switches == 0 and rep.clear_mot.mota == 1.0
    assert rep.unscored_track_rows == 0
    assert rep.latency.never_tracked == 0
    assert all(r.share_tracked == 1.0 for r in rep.per_class)


def test_shifted_oracle_scores_the_shift(radar_scenario: Path, tmp_path: Path) -> None:
    rep = evaluate(
        radar_scenario, read_tracks(_oracle(radar_scenario, tmp_path / "o.csv", (0, 30, 40)))
    )
    assert rep.gospa.per_target == pytest.approx(50.0, abs=1e-3)
    assert rep.gospa.missed == 0.0 and rep.gospa.false == 0.0
    assert rep.clear_mot.motp_m == pytest.approx(50.0, abs=1e-3)


# -- WGS84 ---------------------------------------------------------------------------------------


def test_wgs84_distances_in_ecef(tmp_path: Path) -> None:
    """A geodetic scenario 300 km across; tracks 30 m east + 40 m north of truth in local ENU."""
    lat = np.array([50.0, 52.5, 49.0])
    lon = np.array([24.0, 30.0, 33.0])
    alt = np.array([300.0, 1500.0, 50.0])
    truth_lines, track_lines = [], []
    for t in (0.0, 1.0):
        for k in range(3):
            truth_lines.append(f"{t},{k},{lat[k]:.9f},{lon[k]:.9f},{alt[k]:.3f},0,0,0")
            R = enu_rotation(lat[k], lon[k])
            p = ecef_from_geodetic(lat[k], lon[k], alt[k]) + R.T @ np.array([30.0, 40.0, 0.0])
            la, lo, al = geodetic_from_ecef(p)
            cov = "900,0,0,1600,0,1"
            track_lines.append(f"{t},{k + 7},{la:.10f},{lo:.10f},{al:.4f},0,0,0,bird,1,{cov}")
    folder = tmp_path / "geo"
    folder.mkdir()
    (folder / "truth.csv").write_text(
        "time,target_id,lat_deg,lon_deg,alt_m,vx,vy,vz\n" + "\n".join(truth_lines) + "\n"
    )
    (folder / "detections.jsonl").write_text(
        "\n".join(json.dumps({"det_id": i, "time": t}) for i, t in enumerate((0.0, 1.0))) + "\n"
    )
    head = "time,track_id,lat_deg,lon_deg,alt_m,vx,vy,vz,class,class_prob,cxx,cxy,cxz,cyy,cyz,czz"
    (tmp_path / "t.csv").write_text(head + "\n" + "\n".join(track_lines) + "\n")
    rep = evaluate(folder, read_tracks(tmp_path / "t.csv"))
    assert rep.frame == "WGS84"
    assert rep.gospa.per_target == pytest.approx(50.0, abs=1e-3)
    assert rep.nees is not None and rep.nees.mean == pytest.approx(2.0, abs=1e-4)
