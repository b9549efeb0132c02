"""`skyfuse alerts`: runs on mixed-demo truth and on a tracks.csv; clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from skyfuse.alerting import read_alert_log
from skyfuse.alerting.commands import register
from skyfuse.scenario import TrackWriter, read_ground_truth


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps Typer in sub-command mode
        """Nothing."""

    return app


def test_alerts_from_truth(mixed_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    res = CliRunner().invoke(
        _app(), ["alerts", str(mixed_scenario), "--out", str(out), "--step", "2"]
    )
    assert res.exit_code == 0, res.output
    events = read_alert_log(out)
    kinds = {a.kind for a in events}
    assert {"site_threat", "border_crossing", "raid", "launch_area", "relay"} <= kinds
    assert "alert events" in res.output and f"{len(events)} events" in res.output
    # one alert per target and site: no duplicate `new` for the same (track, site)
    new = [(a.track_id, a.site_id) for a in events if a.kind == "site_threat" and a.state == "new"]
    assert len(new) == len(set(new)) > 10


def test_alerts_from_tracks_csv(mixed_scenario: Path, tmp_path: Path) -> None:
    truth = read_ground_truth(mixed_scenario).truth
    tracks = tmp_path / "tracks.csv"
    keep = truth.time <= 20.0
    with TrackWriter(tracks, geodetic=False) as w:
        for t in sorted(set(truth.time[keep].tolist()))[::5]:
            m = truth.time == t
            n = int(m.sum())
            w.write(t, truth.target_id[m], truth.pos[m], truth.vel[m], ["unknown"] * n, [1.0] * n)
    out = tmp_path / "a.jsonl"
    res = CliRunner().invoke(
        _app(), ["alerts", str(mixed_scenario), "--tracks", str(tracks), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert any(a.kind == "site_threat" for a in read_alert_log(out))


def test_alerts_bad_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(_app(), ["alerts", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "error" in res.output


def test_help_mentions_truth_mode() -> None:
    res = CliRunner().invoke(_app(), ["alerts", "--help"])
    assert res.exit_code == 0 and "--tracks" in res.output
