"""`skyfuse passive DIR`: run the tracker with passive fusion and report what the passive side
found (bearing-born tracks, late bearings, static emitters, cooperative identities, spoofs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skyfuse.console import print_error
from skyfuse.core.errors import InputError
from skyfuse.core.kinds import SensorKind
from skyfuse.scenario import read_tracker_inputs
from skyfuse.tracking import Tracker
from skyfuse.tracking.passive.fusion import PassiveFusion, register_passive

PASSIVE_HELP = (
    "Run the tracker with passive and cooperative fusion over a scenario folder and summarise "
    "the passive side: tracks started from bearings alone (acoustic, RF-DF, EO/IR, with the "
    "acoustic propagation delay), late bearings used by retrodiction, static RF emitters located "
    "from persistent DF bearings, cooperative identities bound to tracks and suspected spoofs. "
    "Reads sensors.json and detections.jsonl only (no truth)."
)


def _summary(fusion: PassiveFusion, n_reports: int, kinds: dict[str, int], seconds: float) -> Table:
    st = fusion.stats
    t = Table(title="passive fusion", show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("reports", f"{n_reports} ({', '.join(f'{k} {v}' for k, v in kinds.items())})")
    t.add_row("wall time", f"{seconds:.1f} s ({n_reports / max(seconds, 1e-9):.0f} reports/s)")
    t.add_row("bearing updates", str(st.direct_used))
    t.add_row("bearings offered to initiation", str(st.leftovers))
    t.add_row("tracks started from bearings", str(st.births))
    t.add_row("late bearings used / received", f"{st.late_used} / {st.late_bearings}")
    t.add_row("cooperative reports held", str(st.coop_held))
    return t


def _emitters(fusion: PassiveFusion) -> Table:
    e = fusion.emitters
    frame = fusion.tracker.catalog.frame
    t = Table(title=f"static emitters ({len(e)})")
    names = ("lat_deg", "lon_deg", "alt_m") if frame.geodetic else ("x_m", "y_m", "z_m")
    for col in ("id", *names, "sigma_h_m", "MHz", "sites", "bearings"):
        t.add_column(col, justify="right")
    a, b, c = frame.from_work(e.position)
    sig = np.sqrt(np.trace(e.cov[:, :2, :2], axis1=1, axis2=2) / 2.0)
    for i in range(len(e)):
        fmt = ".5f" if frame.geodetic else ".0f"
        t.add_row(
            str(int(e.emitter_id[i])),
            f"{a[i]:{fmt}}",
            f"{b[i]:{fmt}}",
            f"{c[i]:.0f}",
            f"{sig[i]:.0f}",
            f"{e.frequency_mhz[i]:.3f}",
            str(int(e.n_sites[i])),
            str(int(e.n_bearings[i])),
        )
    return t


def _identities(fusion: PassiveFusion) -> Table:
    t = Table(title="cooperative identities")
    for col in ("identity", "track", "agreements", "spoof suspect"):
        t.add_column(col)
    for name, s in sorted(fusion.binder.identities.items()):
        track = s.track_id if s.track_id >= 0 else s.shadow_track
        t.add_row(name, str(track) if track >= 0 else "-", str(s.agree), "yes" if s.spoof else "")
    return t


def passive_command(
    folder: Annotated[
        Path, typer.Argument(help="Scenario folder (sensors.json, detections.jsonl).")
    ],
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip unusable detection lines instead of failing.")
    ] = False,
    seam_models: Annotated[
        bool,
        typer.Option(
            "--seam-models",
            help="Let the tracker associate bearings itself (BearingModel in its registry).",
        ),
    ] = False,
) -> None:
    """Run passive fusion over a scenario folder and print what it found (see PASSIVE_HELP)."""
    import time

    console = Console()
    try:
        inp = read_tracker_inputs(folder, skip_bad=skip_bad)
    except InputError as e:
        print_error(f"{e}")
        raise typer.Exit(code=2) from e
    tracker = Tracker(inp.catalog)
    fusion = register_passive(tracker, seam_models=seam_models)
    batches = list(inp.reports.batches_by_time())
    kinds_count = np.bincount(inp.catalog.kind[inp.reports.sensor], minlength=len(SensorKind))
    kinds = {SensorKind(k).label: int(n) for k, n in enumerate(kinds_count) if n}
    start = time.perf_counter()
    try:
        with Progress(
            TextColumn("tracking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("tracking", total=len(batches))
            for batch in batches:
                fusion.process(batch)
                bar.advance(task)
    except InputError as e:
        print_error(f"{e}")
        raise typer.Exit(code=2) from e
    seconds = time.perf_counter() - start
    console.print(_summary(fusion, len(inp.reports), kinds, seconds))
    console.print(_emitters(fusion))
    console.print(_identities(fusion))


def register(app: typer.Typer) -> None:
    """Add the `passive` command to the `skyfuse` Typer app."""
    app.command("passive", help=PASSIVE_HELP)(passive_command)
