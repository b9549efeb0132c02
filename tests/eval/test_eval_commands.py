"""`skyfuse eval` through Typer's CliRunner on a fresh app."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import typer
from evalkit import make_targets, write_folder, write_tracks
from typer.testing import CliRunner

from skyfuse.eval.commands import register
from skyfuse.eval.report import EvalReport


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Test root."""

    return app


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    truth = [(float(t), 0, 100.0 * t, 0.0, 300.0) for t in range(5)]
    folder = write_folder(tmp_path / "scn", truth, targets=make_targets([0], ["bird"]))
    tracks = [(float(t), 3, 100.0 * t + 10.0, 0.0, 300.0, "bird") for t in range(1, 5)]
    out = tmp_path / "tracks.csv"
    write_tracks(out, tracks)
    return folder, out


def test_eval_prints_tables_and_writes_json(tmp_path: Path) -> None:
    folder, tracks = _folder(tmp_path)
    out = tmp_path / "report.json"
    res = CliRunner().invoke(
        _app(), ["eval", str(folder), str(tracks), "--json", str(out), "--label", "mix-a"]
    )
    assert res.exit_code == 0, res.output
    assert "GOSPA" in res.output and "ID switches" in res.output and "bird" in res.output
    rep = msgspec.json.decode(out.read_bytes(), type=EvalReport)
    assert rep.label == "mix-a"
    # Step 0: one miss (50 m); steps 1-4: 10 m each.
    assert abs(rep.gospa.mean - (50.0 + 4 * 10.0) / 5) < 1e-9
    assert rep.latency.median_s == 1.0


def test_eval_with_alerts_and_options(tmp_path: Path) -> None:
    folder, tracks = _folder(tmp_path)
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(
        json.dumps({"time": 2.0, "alert_id": "x", "kind": "site_threat", "track_id": 3,
                    "site_id": "s1", "eta_s": 5.0}) + "\n"
    )  # fmt: skip
    res = CliRunner().invoke(
        _app(), ["eval", str(folder), str(tracks), "--alerts", str(alerts), "--c", "5"]
    )
    assert res.exit_code == 0, res.output
    assert "false site alerts" in res.output
    assert "c=5" in res.output


def test_eval_bad_input_exits_with_a_named_error(tmp_path: Path) -> None:
    folder, _ = _folder(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("time,track_id,x,y,z,vx,vy,vz,class,class_prob\n0,1,0,0,zz,0,0,0,bird,1\n")
    res = CliRunner().invoke(_app(), ["eval", str(folder), str(bad)])
    assert res.exit_code == 2
    assert "bad.csv:2" in res.output and "'z'" in res.output


def test_eval_help() -> None:
    res = CliRunner().invoke(_app(), ["eval", "--help"])
    assert res.exit_code == 0
    assert "GOSPA" in res.output and "--alerts" in res.output and "--json" in res.output
