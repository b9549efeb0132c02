"""`skyfuse alerts DIR`: threat assessment and alerts from a track table or from ground truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skyfuse.alerting.log import AlertLog
from skyfuse.alerting.manager import AlertConfig, AlertManager
from skyfuse.alerting.model import ALERT_KINDS, ALERT_STATES, Alert
from skyfuse.console import print_error
from skyfuse.core.errors import InputError
from skyfuse.scenario import SensorCatalog, read_context, read_ground_truth, read_sensors
from skyfuse.scenario.tables import read_tracks
from skyfuse.threat.assessor import ThreatAssessor
from skyfuse.threat.replay import picture_times, track_pictures, truth_pictures


def summary_table(events: list[Alert]) -> Table:
    """Events by kind (rows) and lifecycle state (columns)."""
    counts: Counter[tuple[str, str]] = Counter((str(a.kind), str(a.state)) for a in events)
    table = Table(title="alert events")
    table.add_column("kind", style="bold")
    for s in ALERT_STATES:
        table.add_column(s, justify="right")
    table.add_column("alerts", justify="right")
    for k in ALERT_KINDS:
        ids = {a.alert_id for a in events if a.kind == k}
        table.add_row(k, *(str(counts[(k, s)]) for s in ALERT_STATES), str(len(ids)))
    return table


def register(app: typer.Typer) -> None:
    """Add the `alerts` command to a Typer app."""

    @app.command("alerts")
    def alerts_cmd(
        scenario: Annotated[
            Path, typer.Argument(help="Scenario folder (sensors.json, context.json).")
        ],
        tracks: Annotated[
            Path | None,
            typer.Option(
                "--tracks",
                help="tracks.csv from `skyfuse track`; without it the scenario's truth.csv and "
                "targets.csv stand in for a perfect tracker and classifier.",
            ),
        ] = None,
        out: Annotated[Path, typer.Option("--out", help="Where to write alerts.jsonl.")] = Path(
            "alerts.jsonl"
        ),
        step_s: Annotated[
            float, typer.Option("--step", min=0.0, help="Minimum time between pictures, s.")
        ] = 1.0,
        class_prob: Annotated[
            float,
            typer.Option(
                "--class-prob", min=0.0, max=1.0, help="Truth mode: belief in the true class."
            ),
        ] = 0.9,
        site_raise: Annotated[
            float, typer.Option(help="Site alert raise threshold (p_threat).", min=0.0, max=1.0)
        ] = 0.5,
        show: Annotated[int, typer.Option(help="Print the first N alert events.")] = 10,
    ) -> None:
        """Assess threats to protected sites and borders and write operator alerts.

        Replays pictures from a track table (or the truth) through the threat assessor and the
        alert lifecycle; writes alerts.jsonl and prints a summary by alert kind and state.
        """
        console = Console()
        try:
            frame = SensorCatalog.build(read_sensors(scenario)).frame
            context = read_context(scenario)
            if tracks is not None:
                table = read_tracks(tracks)
                times = picture_times(table.time, step_s)
                pictures = track_pictures(table, frame, step_s=step_s)
            else:
                ground = read_ground_truth(scenario)
                times = picture_times(ground.truth.time, step_s)
                pictures = truth_pictures(
                    ground.truth, ground.targets, frame, step_s=step_s, class_prob=class_prob
                )
            assessor = ThreatAssessor(frame, context)
            manager = AlertManager(AlertConfig(site_raise=site_raise))
        except (InputError, ValueError) as e:
            print_error(f"{e}")
            raise typer.Exit(2) from e
        events: list[Alert] = []
        with (
            AlertLog(out) as log,
            Progress(
                TextColumn("assessing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("pictures", total=len(times))
            for picture, beliefs in pictures:
                ev = manager.update(assessor.assess(picture, beliefs))
                log.write(ev)
                events.extend(ev)
                progress.advance(task)
        console.print(summary_table(events))
        for a in events[:show]:
            console.print(f"{a.time:8.1f}  {a.alert_id:<20} {a.state:<9} {a.reason}")
        console.print(f"{len(events)} events -> {out}")
