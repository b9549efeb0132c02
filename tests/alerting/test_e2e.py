"""End to end through the real tracker and classifier (`skyfuse.pipeline`), scored by the
evaluator (`skyfuse.eval`): the issue 5 alert targets on fixed-seed scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skyfuse.alerting import read_alert_log
from skyfuse.eval import evaluate
from skyfuse.eval.alerts import majority_target
from skyfuse.eval.inputs import read_alerts
from skyfuse.eval.metrics import prepare
from skyfuse.eval.report import AlertSummary
from skyfuse.pipeline import run_folder
from skyfuse.scenario import read_tracks
from skyfuse.sim import preset, simulate, write_result


def _run(folder: Path, out: Path) -> AlertSummary:
    """Track, classify, assess and alert over a folder; the evaluator's alert summary."""
    tracks, alerts = out / "tracks.csv", out / "alerts.jsonl"
    run_folder(folder, tracks, alerts_path=alerts)
    assert read_alert_log(alerts)  # strict reader: every line is a valid alert
    report = evaluate(folder, read_tracks(tracks), alerts=alerts)
    assert report.alerts is not None
    return report.alerts


def _site_alert_targets(folder: Path, out: Path) -> tuple[list[str], list[bool]]:
    """Class and hostility of the target behind each site alert (the evaluator's mapping)."""
    run = prepare(folder, read_tracks(out / "tracks.csv"))
    al = read_alerts(out / "alerts.jsonl")
    pr = run.pairs
    target = majority_target(
        run.track_ids[run.tracks.obj[pr.track_row]],
        run.times[pr.step],
        run.target_ids[run.truth.obj[pr.truth_row]],
        al.track_id,
        al.time,
    )
    tg = run.ground.targets
    assert tg is not None
    cls: list[str] = []
    hostile: list[bool] = []
    for t in target[al.site_id != ""].tolist():
        k = np.flatnonzero(tg.target_id == t)
        cls.append(str(tg.cls[k[0]]) if len(k) else "none")
        hostile.append(bool(tg.hostile[k[0]]) if len(k) else False)
    return cls, hostile


def test_mixed_demo(mixed_scenario: Path, tmp_path: Path) -> None:
    summary = _run(mixed_scenario, tmp_path)
    assert summary.false_site_alerts == 0
    assert summary.by_kind.get("site_threat", 0) >= 15
    # the one drone crossing the border in the run was only 60 s in coverage before it crossed
    assert summary.border.n_warned == summary.border.n_events == 1
    assert summary.border.worst_s is not None and summary.border.worst_s >= 50.0


@pytest.mark.slow
def test_birds_500_no_false_site_alerts(tmp_path: Path) -> None:
    folder = tmp_path / "birds"
    write_result(simulate(preset("birds-500", seed=1)), folder)
    summary = _run(folder, tmp_path)
    # 500 birds and 50 aircraft cross the sites for 120 s: no site alert names one of them
    # (the evaluator also counts alerts on attack drones passing a site on their way to another)
    cls, hostile = _site_alert_targets(folder, tmp_path)
    assert all(hostile), [c for c, h in zip(cls, hostile, strict=True) if not h]
    assert "attack_drone" in cls  # the ten attack drones among them are alerted
    assert summary.false_site_alerts <= 1


@pytest.mark.slow
@pytest.mark.xfail(
    reason="known regression (issue 9 s3, goal-posterior site rule): on night-raid seed 1 one "
    "attack drone that turns onto its site about 55 s out is warned too late; open in the issue",
    strict=False,
)
def test_night_raid_lead_times(tmp_path: Path) -> None:
    folder = tmp_path / "night"
    write_result(simulate(preset("night-raid", seed=1)), folder)
    summary = _run(folder, tmp_path)
    site = summary.site
    assert site.n_events >= 15
    assert site.unwarned_attack_drones == 0
    assert site.n_warned == site.n_events
    assert site.worst_s is not None and site.worst_s >= 60.0
    border = summary.border
    assert border.n_warned == border.n_events
    assert border.worst_s is None or border.worst_s >= 60.0
    # site alerts name only hostile targets (passing drones may warn a site they overfly)
    cls, hostile = _site_alert_targets(folder, tmp_path)
    assert all(hostile), [c for c, h in zip(cls, hostile, strict=True) if not h]
