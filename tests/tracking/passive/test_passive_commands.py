"""The `skyfuse passive` command on the shared mixed scenario."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from skyfuse.tracking.passive.commands import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Test app."""

    return app


def test_passive_command_reports_emitters_and_identities(mixed_scenario: Path) -> None:
    res = CliRunner().invoke(_app(), ["passive", str(mixed_scenario)])
    assert res.exit_code == 0, res.output
    assert "static emitters (1)" in res.output
    assert "868.3" in res.output  # the relay's channel
    for ident in ("66cafb", "4f1fa5", "1581FM09NLZ14", "1581FUJ6GA4WJ"):
        assert ident in res.output


def test_passive_command_rejects_a_missing_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(_app(), ["passive", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "scenario folder not found" in " ".join(res.output.split())


def test_passive_help() -> None:
    res = CliRunner().invoke(_app(), ["passive", "--help"])
    assert res.exit_code == 0 and "static RF emitters" in res.output
