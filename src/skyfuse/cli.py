"""The `skyfuse` command: sim, track, eval, train, demo.

Each package contributes its commands through a `register(app)` function in its `commands`
module; this file only composes them (one typed settings object per command, built here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from skyfuse import __version__
from skyfuse.console import print_error
from skyfuse.core.errors import InputError

app = typer.Typer(
    name="skyfuse",
    help="Skyfuse: fuse radar, passive and cooperative drone sensors into one air picture.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command("track")
def track_command(
    folder: Annotated[
        Path, typer.Argument(help="Scenario folder (sensors.json, detections.jsonl).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="tracks.csv to write.")] = Path(
        "tracks.csv"
    ),
    alerts: Annotated[
        Path | None,
        typer.Option("--alerts", help="Also assess threats and write alerts.jsonl here."),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip malformed report lines and count them.")
    ] = False,
    learned: Annotated[
        bool, typer.Option("--learned/--no-learned", help="Use the shipped learned classifier.")
    ] = True,
) -> None:
    """Track a scenario folder: write the picture at every report time to tracks.csv."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from skyfuse.pipeline import PipelineConfig, run_folder

    cfg = PipelineConfig(learned_model=learned)
    try:
        with Progress(
            TextColumn("[bold]tracking"),
            BarColumn(),
            TextColumn("{task.completed} batches"),
            TextColumn("t={task.fields[t]:.1f} s"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("track", total=None, t=0.0)

            def on_step(res: object) -> None:
                from skyfuse.pipeline import StepResult

                assert isinstance(res, StepResult)
                progress.update(task, advance=1, t=res.rows.time)

            summary = run_folder(
                folder, out, alerts_path=alerts, config=cfg, skip_bad=skip_bad, on_step=on_step
            )
    except InputError as e:
        print_error(f"{e}")
        raise typer.Exit(2) from e
    if summary.read.skipped:
        console.print(
            f"[yellow]skipped {summary.read.skipped} bad report line(s)[/yellow]; first: "
            f"{summary.read.examples[0]}"
        )
    console.print(
        f"{summary.reports} reports in {summary.batches} batches -> {summary.track_rows} track "
        f"rows in {out}"
        + (f", {summary.alerts} alert events in {alerts}" if alerts else "")
        + f"; {summary.processing_seconds:.2f} s processing, {summary.x_real_time:.1f}x real "
        f"time, {summary.batch_ms_mean:.1f} ms/batch (p95 {summary.batch_ms_p95:.1f})"
    )


def _register_all() -> None:
    from skyfuse.alerting.commands import register as register_alerting
    from skyfuse.classify.commands import register as register_classify
    from skyfuse.demo import register as register_demo
    from skyfuse.eval.commands import register as register_eval
    from skyfuse.sim.commands import register as register_sim
    from skyfuse.tracking.passive.commands import register as register_passive

    for reg in (
        register_sim,
        register_eval,
        register_classify,
        register_alerting,
        register_passive,
        register_demo,
    ):
        reg(app)


_register_all()


def main() -> None:
    """Entry point."""
    app()
