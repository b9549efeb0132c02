"""`skyfuse train`: train the learned classifier on scenarios and report its calibration."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from skyfuse.classify.calibration import CalibrationReport
from skyfuse.classify.learned import MODEL_NAME, MODELS_DIR, LearnedModel, sidecar_path
from skyfuse.classify.train import Samples, Source, collect, evaluate, train_model
from skyfuse.console import print_error, writable_file
from skyfuse.core.errors import InputError

DEFAULT_TRAIN_OUT = Path("out/models") / f"{MODEL_NAME}.pkl"
"""Where `skyfuse train` writes by default (relative to the working folder): never the model
shipped in the package (`skyfuse.classify.learned.DEFAULT_MODEL_PATH`)."""


def is_shipped_path(path: Path) -> bool:
    """True if ``path`` is inside the package's shipped models folder (the shipped model, its
    sidecar or a sibling the engine might load)."""
    try:
        return path.resolve().is_relative_to(MODELS_DIR.resolve())
    except OSError:
        return False


def check_model_output(out: Path, *, force: bool, overwrite_shipped: bool) -> None:
    """Refuse to write a model where it would replace something unasked, before any training.

    The shipped models folder needs ``overwrite_shipped``; an existing model file (or its JSON
    sidecar) elsewhere needs ``force``. Raises `InputError` naming the path and the option.
    """
    sidecar = sidecar_path(out)
    if is_shipped_path(out) or is_shipped_path(sidecar):
        if not overwrite_shipped:
            raise InputError(
                str(out),
                f"--out is in the shipped models folder ({MODELS_DIR}); train into another "
                f"--out (default {DEFAULT_TRAIN_OUT}) or pass --overwrite-shipped to replace "
                "the shipped model",
            )
        return
    writable_file(out, "the model")
    existing = [p for p in (out, sidecar) if p.exists()]
    if existing and not force:
        raise InputError(
            str(existing[0]),
            "already exists; pass --force to overwrite it or choose another --out",
        )


def _advance(bar: Progress, task: TaskID, fraction: float) -> None:
    bar.update(task, completed=fraction)


def _collect_all(
    folders: list[Path],
    *,
    source: Source,
    seed: int,
    sample_every_s: float,
    model: LearnedModel | None,
    label: str,
    console: Console,
    offset: int = 0,
) -> Samples:
    parts: list[Samples] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        for i, folder in enumerate(folders):
            task = bar.add_task(f"{label} {folder.name} ({source})", total=1.0)
            parts.append(
                collect(
                    folder,
                    source=source,
                    seed=seed + i,
                    sample_every_s=sample_every_s,
                    scenario_index=offset + i,
                    model=model,
                    progress=functools.partial(_advance, bar, task),
                )
            )
    return Samples.concat(parts)


def simulate_presets(
    names: list[str], seeds: list[int], folder: Path, console: Console
) -> list[Path]:
    """Write one scenario per (preset, seed) under ``folder`` with `skyfuse.sim`; their paths."""
    from skyfuse.sim import preset, simulate, write_result

    out: list[Path] = []
    for name in names:
        for seed in seeds:
            path = folder / f"{name}-s{seed}"
            if not (path / "detections.jsonl").exists():
                with console.status(f"simulating {name} seed {seed}"):
                    write_result(simulate(preset(name, seed=seed), preset_name=name), path)
            out.append(path)
    return out


def _print_reports(console: Console, reports: dict[str, CalibrationReport]) -> None:
    for name, rep in reports.items():
        for table in rep.tables(name):
            console.print(table)


def train_command(
    scenario: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Training scenario folder with truth (truth.csv, labels.csv, targets.csv). "
            "Repeatable.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    preset: Annotated[
        list[str] | None,
        typer.Option(
            "--preset",
            "-p",
            help="Simulator preset to train on (e.g. mixed-region, night-raid, birds-500); "
            "--runs scenarios each, seeds seed..seed+runs-1. Repeatable.",
        ),
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Scenarios per training preset.")] = 3,
    eval_scenario: Annotated[
        list[Path] | None,
        typer.Option(
            "--eval-scenario",
            "-e",
            help="Held-out scenario folder(s) for the calibration report.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    eval_runs: Annotated[
        int,
        typer.Option(
            min=0, help="Held-out scenarios per preset (seeds from seed+1000) for the report."
        ),
    ] = 1,
    work_dir: Annotated[
        Path, typer.Option(help="Where simulated scenarios are written (reused if present).")
    ] = Path("out/train-scenarios"),
    out: Annotated[
        Path,
        typer.Option(
            help="Model file to write (a JSON sidecar is written next to it). Never the shipped "
            "model unless --overwrite-shipped; an existing file needs --force."
        ),
    ] = DEFAULT_TRAIN_OUT,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing model file at --out.")
    ] = False,
    overwrite_shipped: Annotated[
        bool,
        typer.Option(
            "--overwrite-shipped",
            help="Allow --out in the package's models folder (replaces the shipped model).",
        ),
    ] = False,
    source: Annotated[
        str,
        typer.Option(
            help="Track source: 'tracker' (the real tracker) or 'oracle' (truth-aligned)."
        ),
    ] = "tracker",
    seed: Annotated[int, typer.Option(help="Seed: same data and seed give the same file.")] = 0,
    sample_every: Annotated[
        float, typer.Option(help="Scenario seconds between samples of every confirmed track.")
    ] = 2.0,
    min_age: Annotated[
        float, typer.Option(help="Score tracks at least this old in the report, s.")
    ] = 10.0,
    report: Annotated[
        Path | None, typer.Option(help="Write the calibration reports as JSON here.")
    ] = None,
) -> None:
    """Train the learned track classifier and print its calibration against the Bayesian rules.

    Runs every scenario (given folders and/or freshly simulated presets) through the track
    source and the Bayesian classifier, samples per-track feature vectors with their true class,
    fits a calibrated gradient-boosting model, writes it with a sidecar (seed, features, data
    summary, sha256), and prints reliability, Brier score and confusion on held-out scenarios
    for the Bayesian classifier alone and stacked with the new model. The shipped model is
    only replaced with --overwrite-shipped; an existing --out only with --force.
    """
    console = Console()
    if source not in ("tracker", "oracle"):
        raise typer.BadParameter(f"unknown source {source!r}", param_hint="--source")
    src: Source = "tracker" if source == "tracker" else "oracle"
    names = list(preset or [])
    if not scenario and not names:
        raise typer.BadParameter("give --scenario or --preset", param_hint="--scenario")
    try:
        check_model_output(out, force=force, overwrite_shipped=overwrite_shipped)
        if report is not None:
            writable_file(report, "the report")
        train_dirs = list(scenario or []) + simulate_presets(
            names, [seed + i for i in range(runs)], work_dir, console
        )
        if not train_dirs:
            raise typer.BadParameter("give --scenario or --preset", param_hint="--scenario")
        held = list(eval_scenario or []) + simulate_presets(
            names, [seed + 1000 + i for i in range(eval_runs)], work_dir, console
        )
        train = _collect_all(
            train_dirs,
            source=src,
            seed=seed,
            sample_every_s=sample_every,
            model=None,
            label="features",
            console=console,
        )
        summary = {
            "scenarios": [p.name for p in train_dirs],
            "source": src,
            "sample_every_s": sample_every,
        }
        model = train_model(train, seed=seed, summary=summary)
        digest = model.save(out)
        model = LearnedModel.load(out)
        tag = "held-out" if held else "in-sample"
        test = _collect_all(
            held or train_dirs,
            source=src,
            seed=seed + 1000,
            sample_every_s=sample_every,
            model=model,
            label="evaluate",
            console=console,
            offset=len(train_dirs),
        )
    except (InputError, ValueError, KeyError) as e:
        print_error(f"{e}")
        raise typer.Exit(code=2) from e
    info = Table(title="learned classifier")
    for c in ("file", "bytes", "sha256", "rows", "tracks", "temperature"):
        info.add_column(c)
    tr = model.meta["training"]
    info.add_row(
        str(out),
        str(model.meta["bytes"]),
        digest[:16],
        str(tr["rows"]),
        str(tr["tracks"]),
        f"{model.temperature:.3f}",
    )
    console.print(info)
    reports = {
        f"bayes ({tag}, age>={min_age:g}s)": evaluate(test, min_age_s=min_age, final=False),
        f"bayes+learned ({tag}, age>={min_age:g}s)": evaluate(test, min_age_s=min_age),
    }
    _print_reports(console, reports)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "model": model.meta,
            "evaluated_on": [p.name for p in (held or train_dirs)],
            "reports": {k: r.to_json() for k, r in reports.items()},
        }
        report.write_text(json.dumps(doc, indent=2) + "\n")
        console.print(f"report written to {report}")


def register(app: typer.Typer) -> None:
    """Add `train` to the `skyfuse` CLI."""
    app.command("train")(train_command)
