"""The `skyfuse` command: sim, track, eval, train, demo, alerts, passive.

Each package contributes its commands through a `register(app)` function in its `commands`
module; this file only composes them (one typed settings object per command, built here).
Every registered command runs under `guarded`: a bad input (missing file or folder, unwritable
path, malformed content) ends in one ``error: ...`` line on stderr and a non-zero exit status,
never a traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from skyfuse.console import describe_os_error, print_error
from skyfuse.core.errors import InputError

app = typer.Typer(
    name="skyfuse",
    help="Skyfuse: fuse radar, passive and cooperative drone sensors into one air picture.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
console = Console(stderr=True)

EXIT_INPUT = 2
"""Exit status for bad input (as Typer's own usage errors)."""
EXIT_INTERNAL = 3
"""Exit status for an unexpected failure (a bug): the message asks for SKYFUSE_TRACEBACK=1."""
TRACEBACK_ENV = "SKYFUSE_TRACEBACK"

F = TypeVar("F", bound=Callable[..., Any])

SHORT_HELP: dict[str, str] = {
    "sim": "Simulate a named scenario into a scenario folder.",
    "track": "Run the pipeline on a scenario folder: tracks.csv and alerts.jsonl.",
    "eval": "Score a tracks.csv (and alerts.jsonl) against the scenario's truth.",
    "train": "Train the learned classifier and report its calibration.",
    "alerts": "Assess threats and write alerts from a tracks.csv or from the truth.",
    "passive": "Run passive and cooperative fusion on a folder and summarise it.",
    "demo": "Simulate a night raid and run everything on it (what `make run` does).",
}
"""One line per command for `skyfuse --help` (each command's own help stays in full)."""


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``), else the source tree's."""
    try:
        return metadata.version("skyfuse")
    except metadata.PackageNotFoundError:
        from skyfuse import __version__

        return __version__


def guarded(fn: F) -> F:
    """Wrap a command so bad input never ends in a traceback.

    `InputError` (names file, line, field) and `OSError` (missing, unreadable or unwritable
    paths) print one ``error:`` line and exit with `EXIT_INPUT`; undecodable text likewise.
    Typer's own exits and usage errors pass through. Anything else is a bug: one line naming the
    exception and `EXIT_INTERNAL`, or the full traceback when ``SKYFUSE_TRACEBACK=1``.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except InputError as e:
            print_error(e)
            raise typer.Exit(EXIT_INPUT) from e
        except OSError as e:
            print_error(describe_os_error(e))
            raise typer.Exit(EXIT_INPUT) from e
        except UnicodeError as e:
            print_error(f"input is not valid UTF-8 text: {e}")
            raise typer.Exit(EXIT_INPUT) from e
        except Exception as e:
            if os.environ.get(TRACEBACK_ENV):
                raise
            print_error(
                f"internal error ({type(e).__name__}: {e}); run again with {TRACEBACK_ENV}=1 "
                "for the traceback and report it"
            )
            raise typer.Exit(EXIT_INTERNAL) from e

    return wrapper  # type: ignore[return-value]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"skyfuse {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Skyfuse: fuse radar, passive and cooperative drone sensors into one air picture."""


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
    except OSError as e:
        print_error(f"{e.filename or ''}: {e.strerror or e}")
        raise typer.Exit(2) from e
    console.print(
        f"{summary.reports} reports in {summary.batches} batches -> {summary.track_rows} track "
        f"rows in {out}"
        + (f", {summary.alerts} alert events in {alerts}" if alerts else "")
        + f"; {summary.processing_seconds:.2f} s processing, {summary.x_real_time:.1f}x real "
        f"time, {summary.batch_ms_mean:.1f} ms/batch (p95 {summary.batch_ms_p95:.1f})"
    )
    # --skip-bad: warn (count, fraction, the first five reasons with file:line and field, one a
    # line so they never wrap); fail when most lines were bad (outputs are still written).
    read = summary.read
    if read.skipped:
        for i, msg in enumerate(read.warning_lines(5)):
            typer.secho(("warning: " if i == 0 else "  ") + msg, err=True, fg=typer.colors.YELLOW)
    if read.mostly_rejected:
        print_error(
            f"most report lines were rejected ({read.skipped} of {read.accepted + read.skipped})"
            ": check the input; the picture written holds only the accepted reports"
        )
        raise typer.Exit(EXIT_MOSTLY_REJECTED)


EXIT_MOSTLY_REJECTED = 4
"""`skyfuse track --skip-bad` exit status when more than half the report lines were rejected
(the outputs for the accepted lines are still written)."""


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
    for info in app.registered_commands:
        if info.callback is not None and not hasattr(info.callback, "__wrapped__"):
            info.callback = guarded(info.callback)
        name = info.name or (info.callback.__name__ if info.callback else "")
        if info.short_help is None and name in SHORT_HELP:
            info.short_help = SHORT_HELP[name]


_register_all()


def main() -> None:
    """Entry point."""
    app()
