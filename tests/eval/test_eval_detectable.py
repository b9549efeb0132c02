"""'Never tracked' counts only detectable targets: by labels.csv (the scenario's detection to
truth association) when present, else by sensor coverage (sensors.json), else every target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evalkit import make_targets, write_folder, write_tracks

from skyfuse.core.errors import InputError
from skyfuse.eval import evaluate, prepare
from skyfuse.eval.metrics import DETECTABLE_MIN_REPORTS, coverage_counts, detectable_targets
from skyfuse.scenario import read_tracks

TIMES = [float(t) for t in range(6)]
# target 0 at 1 km, 1 at 3 km, 2 at 9 km east, 3 at 6 km west: all alive the whole time.
PLACES = {0: (1000.0, 0.0), 1: (0.0, 3000.0), 2: (9000.0, 0.0), 3: (-6000.0, 0.0)}


def _truth() -> list[tuple[float, int, float, float, float]]:
    return [(t, i, x, y, 300.0) for t in TIMES for i, (x, y) in PLACES.items()]


def _tracks(tmp_path: Path) -> Path:
    """One confirmed track on target 0 from t = 2 s; nothing else."""
    path = tmp_path / "tracks.csv"
    write_tracks(path, [(t, 7, 1005.0, 0.0, 300.0, "bird") for t in TIMES[2:]])
    return path


def _labelled_folder(tmp_path: Path) -> Path:
    # 4 reports per time: det ids 4k..4k+3. Targets 0 and 1 get one report every time (6),
    # target 2 two reports (below the 3-report rule), target 3 none; the rest are false.
    det_times = [t for t in TIMES for _ in range(4)]
    det_ids = list(range(len(det_times)))
    owner = []
    for k in det_ids:
        slot, t = k % 4, k // 4
        owner.append(slot if slot < 2 else (2 if slot == 2 and t < 2 else -1))
    return write_folder(
        tmp_path / "scn",
        _truth(),
        det_times=det_times,
        targets=make_targets([0, 1, 2, 3], ["bird"] * 4),
        labels=(det_ids, owner),
    )


def test_labels_rule_counts_only_targets_with_enough_reports(tmp_path: Path) -> None:
    folder = _labelled_folder(tmp_path)
    rep = evaluate(folder, read_tracks(_tracks(tmp_path)))
    lat = rep.latency
    assert DETECTABLE_MIN_REPORTS == 3
    assert (lat.detectable_rule, lat.min_reports) == ("labels", 3)
    # 4 scored targets; detectable: 0 and 1 (6 reports each). Target 1 never tracked;
    # targets 2 (2 reports) and 3 (none) never tracked but not counted.
    assert (lat.n_targets, lat.n_detectable, lat.never_tracked) == (4, 2, 1)
    assert lat.never_tracked_undetectable == 2
    det = rep.detectability
    assert det is not None and (det.n_detectable, det.never_tracked) == (2, 1)
    # Target 0: first report at 0 s, first pairing 2 s.
    assert det.median_s == pytest.approx(2.0)
    (row,) = rep.per_class
    assert (row.n_targets, row.never_tracked, row.n_detectable) == (4, 1, 2)


def test_labels_rule_threshold_is_a_parameter(tmp_path: Path) -> None:
    folder = _labelled_folder(tmp_path)
    tracks = read_tracks(_tracks(tmp_path))
    one = evaluate(folder, tracks, min_reports=1).latency
    assert (one.n_detectable, one.never_tracked, one.never_tracked_undetectable) == (3, 2, 1)
    seven = evaluate(folder, tracks, min_reports=7).latency
    assert (seven.n_detectable, seven.never_tracked) == (0, 0)
    # Birth -> first pairing latency does not depend on the rule.
    assert one.median_s == seven.median_s == pytest.approx(2.0)
    with pytest.raises(InputError, match="min_reports"):
        evaluate(folder, tracks, min_reports=0)


def _sensors(folder: Path, coverage: dict[str, object]) -> None:
    doc = {
        "frame": {"type": "ENU"},
        "sensors": [
            {
                "sensor_id": "r",
                "kind": "radar",
                "position_enu_m": [0.0, 0.0, 0.0],
                "noise_sigma": {"range_m": 10.0, "azimuth_deg": 0.2, "elevation_deg": 0.2},
                "scan_period_s": 1.0,
                "coverage": coverage,
            }
        ],
    }
    (folder / "sensors.json").write_text(json.dumps(doc))


def test_coverage_rule_without_labels(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "scn", _truth(), targets=make_targets([0, 1, 2, 3], ["bird"] * 4)
    )
    # Reach 5 km all round: targets 0 and 1 covered, 2 (9 km) and 3 (6 km) not.
    _sensors(folder, {"max_range_m": 5000.0})
    tracks = read_tracks(_tracks(tmp_path))
    run = prepare(folder, tracks)
    counts = coverage_counts(run)
    assert counts is not None and counts.tolist() == [6, 6, 0, 0]
    lat = evaluate(folder, tracks).latency
    assert lat.detectable_rule == "coverage"
    assert (lat.n_detectable, lat.never_tracked, lat.never_tracked_undetectable) == (2, 1, 2)


def test_coverage_rule_honours_the_azimuth_sector(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "scn", _truth())
    # East half only (clockwise 0 -> 180 deg), reach 10 km: targets 0 (east), 1 (north, az 0)
    # and 2 (east, 9 km) inside; target 3 (west) outside.
    _sensors(folder, {"max_range_m": 10000.0, "azimuth_deg": [0.0, 180.0]})
    run = prepare(folder, read_tracks(_tracks(tmp_path)))
    d = detectable_targets(run)
    assert d.rule == "coverage" and d.mask.tolist() == [True, True, True, False]
    # A sector across north (300 -> 60 deg) keeps target 1 only; the rest are at 90/270 deg.
    _sensors(folder, {"max_range_m": 10000.0, "azimuth_deg": [300.0, 60.0]})
    assert detectable_targets(prepare(folder, read_tracks(_tracks(tmp_path)))).mask.tolist() == [
        False,
        True,
        False,
        False,
    ]


def test_without_labels_or_sensors_every_target_counts(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "scn", _truth())
    lat = evaluate(folder, read_tracks(_tracks(tmp_path))).latency
    assert lat.detectable_rule == "all"
    assert (lat.n_targets, lat.n_detectable, lat.never_tracked) == (4, 4, 3)


def test_shared_example_labels_make_every_target_detectable(
    shared_dir: Path, tmp_path: Path
) -> None:
    """On the shared radar example every target is seen many times: the rule removes none,
    and an empty tracks.csv leaves all of them never tracked."""
    folder = shared_dir / "scenarios" / "n10-r3-s120"
    empty = tmp_path / "empty.csv"
    write_tracks(empty, [])
    rep = evaluate(folder, read_tracks(empty))
    lat = rep.latency
    assert lat.detectable_rule == "labels"
    assert lat.n_detectable == lat.n_targets == lat.never_tracked > 5
    assert lat.median_s is None
