"""`skyfuse sim` through Typer's CliRunner on a fresh app."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.sim.commands import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps Typer in sub-command mode
        """Nothing."""

    return app


def test_sim_writes_a_folder_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "scen"
    res = CliRunner().invoke(
        _app(),
        ["sim", str(out), "--preset", "n10-r1", "--seed", "3", "--duration", "15", "--radars", "2"],
    )
    assert res.exit_code == 0, res.output
    assert "targets" in res.output and "radar" in res.output
    meta = json.loads((out / "meta.json").read_text())
    assert meta["seed"] == 3 and meta["preset"] == "n10-r1"
    assert meta["params"]["radars"] == 2 and meta["params"]["duration_s"] == 15.0
    inputs = read_tracker_inputs(out)
    assert len(inputs.sensors.sensors) == 2
    assert len(read_ground_truth(out).truth) == meta["truth_rows"]


def test_sim_wgs84_frame_option(tmp_path: Path) -> None:
    out = tmp_path / "geo"
    res = CliRunner().invoke(
        _app(), ["sim", str(out), "--preset", "n10-r1", "--frame", "wgs84", "--duration", "5"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads((out / "sensors.json").read_text())["frame"]["type"] == "WGS84"


def test_sim_rejects_unknown_preset_and_frame(tmp_path: Path) -> None:
    r1 = CliRunner().invoke(_app(), ["sim", str(tmp_path / "x"), "--preset", "moon"])
    assert r1.exit_code == 2 and "unknown preset" in r1.output
    r2 = CliRunner().invoke(_app(), ["sim", str(tmp_path / "y"), "--frame", "polar"])
    assert r2.exit_code == 2 and "--frame" in r2.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_sim_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "targets.csv").write_text("stale")
    args = ["sim", str(out), "--preset", "n10-r1", "--duration", "3"]
    res = CliRunner().invoke(_app(), args)
    assert res.exit_code == 2
    assert str(out) in res.output and "not empty" in res.output and "--force" in res.output
    assert "Traceback" not in res.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "targets.csv"]
    forced = CliRunner().invoke(_app(), [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    # the scenario files are replaced, the user's other file is kept
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "targets.csv").read_text() != "stale"
    assert read_tracker_inputs(out).reports.time.size > 0


def test_sim_into_an_empty_folder_and_onto_a_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    ok = CliRunner().invoke(_app(), ["sim", str(empty), "--preset", "n10-r1", "--duration", "2"])
    assert ok.exit_code == 0, ok.output
    a_file = tmp_path / "a.txt"
    a_file.write_text("x")
    res = CliRunner().invoke(_app(), ["sim", str(a_file), "--duration", "2"])
    assert res.exit_code == 2 and "is a file" in res.output and str(a_file) in res.output
    below = CliRunner().invoke(_app(), ["sim", str(a_file / "sub"), "--duration", "2"])
    assert below.exit_code == 2 and "error" in below.output and "Traceback" not in below.output
    assert a_file.read_text() == "x"
