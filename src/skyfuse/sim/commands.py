"""`skyfuse sim OUT`: simulate a named scenario into a scenario folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skyfuse.console import describe_os_error, print_error
from skyfuse.core.errors import InputError
from skyfuse.sim.presets import PRESETS, preset
from skyfuse.sim.simulate import SimResult, simulate, write_result


def summary_tables(result: SimResult) -> tuple[Table, Table]:
    """Targets by class (hostile or not) and reports by sensor kind (true and false)."""
    t = result.targets
    classes = Table(title="targets")
    classes.add_column("class", style="bold")
    classes.add_column("targets", justify="right")
    classes.add_column("hostile", justify="right")
    for c in sorted(set(t.cls.tolist())):
        sel = t.cls == c
        classes.add_row(c, str(int(sel.sum())), str(int((sel & t.hostile).sum())))
    kinds = Table(title="reports")
    kinds.add_column("sensor kind", style="bold")
    kinds.add_column("sensors", justify="right")
    kinds.add_column("reports", justify="right")
    kinds.add_column("false", justify="right")
    sensors = result.meta.get("sensors_by_kind", {})
    for kind, row in result.meta.get("reports_by_kind", {}).items():
        kinds.add_row(kind, str(sensors.get(kind, 0)), str(row["reports"]), str(row["false"]))
    return classes, kinds


SCENARIO_FILES = (
    "sensors.json",
    "detections.jsonl",
    "context.json",
    "truth.csv",
    "targets.csv",
    "labels.csv",
    "meta.json",
)
"""The files `skyfuse sim` writes (`shared/spec/scenario-format.md`)."""


def prepare_output(out: Path, *, force: bool) -> None:
    """Check that ``out`` can take a new scenario before anything is simulated.

    A missing or empty folder is fine. A non-empty folder is refused unless ``force``; with
    ``force`` its scenario files (`SCENARIO_FILES`) are removed first so no file of an earlier
    scenario is left beside the new ones (other files are kept). Raises `InputError` naming the
    folder; creates it.
    """
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file; give a folder path for the scenario")
    if out.is_dir():
        entries = sorted(p.name for p in out.iterdir())
        if entries and not force:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise InputError(
                str(out),
                f"folder is not empty ({len(entries)} entries: {shown}); choose a new folder or "
                "pass --force to replace its scenario files",
            )
        for name in SCENARIO_FILES:
            if (out / name).is_file():
                (out / name).unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(str(out), f"cannot create the folder: {describe_os_error(e)}") from e


def register(app: typer.Typer) -> None:
    """Add the `sim` command to a Typer app."""

    @app.command("sim")
    def sim_cmd(
        out: Annotated[Path, typer.Argument(help="Scenario folder to write (created).")],
        preset_name: Annotated[
            str,
            typer.Option("--preset", "-p", help=f"Named scenario: {', '.join(PRESETS)}."),
        ] = "n10-r3",
        seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed.")] = 1,
        duration: Annotated[
            float | None, typer.Option("--duration", min=1.0, help="Scenario length, s.")
        ] = None,
        frame: Annotated[
            str | None, typer.Option("--frame", help="Coordinate frame: enu or wgs84.")
        ] = None,
        targets: Annotated[
            int | None, typer.Option("--targets", min=0, help="Generic wandering targets.")
        ] = None,
        radars: Annotated[int | None, typer.Option("--radars", min=0, help="Radars.")] = None,
        acoustic: Annotated[
            int | None, typer.Option("--acoustic", min=0, help="Acoustic arrays.")
        ] = None,
        attack_drones: Annotated[
            int | None, typer.Option("--attack-drones", min=0, help="Attack drones (Shahed).")
        ] = None,
        decoys: Annotated[
            int | None, typer.Option("--decoys", min=0, help="Decoys (Gerbera).")
        ] = None,
        birds: Annotated[int | None, typer.Option("--birds", min=0, help="Birds.")] = None,
        aircraft: Annotated[
            int | None, typer.Option("--aircraft", min=0, help="Airliners (ADS-B).")
        ] = None,
        area: Annotated[
            float | None, typer.Option("--area", min=100.0, help="Area radius, m.")
        ] = None,
        force: Annotated[
            bool,
            typer.Option(
                "--force",
                "-f",
                help="Write into a non-empty OUT, replacing its scenario files.",
            ),
        ] = False,
    ) -> None:
        """Simulate a named scenario into the scenario folder OUT.

        Writes sensors.json, detections.jsonl, context.json, truth.csv, targets.csv,
        labels.csv and meta.json. Deterministic: the same preset, options and seed give
        identical files. OUT must be missing or empty unless --force.
        """
        console = Console()
        overrides: dict[str, object] = {"seed": seed}
        if frame is not None:
            if frame.lower() not in ("enu", "wgs84"):
                print_error(f"--frame must be enu or wgs84, got {frame!r}")
                raise typer.Exit(2)
            f: Literal["enu", "wgs84"] = "wgs84" if frame.lower() == "wgs84" else "enu"
            overrides["frame"] = f
        named = {
            "duration_s": duration,
            "targets": targets,
            "radars": radars,
            "acoustic_arrays": acoustic,
            "attack_drones": attack_drones,
            "decoys": decoys,
            "birds": birds,
            "aircraft": aircraft,
            "area_radius_m": area,
        }
        overrides.update({k: v for k, v in named.items() if v is not None})
        try:
            config = preset(preset_name, **overrides)
            prepare_output(out, force=force)
        except InputError as e:
            print_error(f"{e}")
            raise typer.Exit(2) from e
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"simulating {preset_name}", total=1.0)

            def on_progress(stage: str, frac: float) -> None:
                bar.update(task, completed=frac, description=f"{preset_name}: {stage}")

            result = simulate(config, progress=on_progress, preset_name=preset_name)
            bar.update(task, description=f"{preset_name}: writing {out}")
            write_result(result, out)
        classes, kinds = summary_tables(result)
        console.print(classes)
        console.print(kinds)
        m = result.meta
        console.print(
            f"wrote {out}: {m['detections']} reports ({m['clutter_detections']} false), "
            f"{m['truth_rows']} truth rows, {m['n_scan_times']} report times, "
            f"{m['impacts_within_run']} impacts and {m['border_crossings_within_run']} border "
            "crossings within the run"
        )
