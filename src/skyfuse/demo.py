"""`skyfuse demo` (what `make run` does): simulate a night raid, run the whole pipeline with a
live view, then score it against truth and draw the tracks.

Outputs in ``OUT``: ``scenario/`` (the simulated folder), ``tracks.csv``, ``alerts.jsonl``,
``evaluation.json``, ``tracks.png``, ``summary.txt``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import msgspec
import numpy as np
import typer
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from skyfuse.core.kinds import CLASSES

console = Console()


class _LiveView:
    """Live terminal view: tracks by class, active alerts, counts and speed."""

    def __init__(self) -> None:
        self.active: dict[str, dict[str, object]] = {}
        self.events = 0
        self.batches = 0
        self.seconds = 0.0
        self.last_rows_cls: list[str] = []
        self.time = 0.0

    def on_step(self, res: object) -> None:
        from skyfuse.pipeline import StepResult

        assert isinstance(res, StepResult)
        self.batches += 1
        self.seconds += res.seconds
        self.time = res.rows.time
        self.last_rows_cls = res.rows.cls
        for a in res.alerts:
            d = msgspec.to_builtins(a)
            self.events += 1
            if d.get("state") == "cleared":
                self.active.pop(str(d["alert_id"]), None)
            else:
                self.active[str(d["alert_id"])] = d

    def render(self) -> Group:
        counts = Counter(self.last_rows_cls)
        t1 = Table(title=f"Picture at t = {self.time:7.1f} s", expand=True)
        t1.add_column("class")
        t1.add_column("tracks", justify="right")
        for c in CLASSES:
            if counts.get(c):
                t1.add_row(c, str(counts[c]))
        t1.add_row("[bold]all[/bold]", f"[bold]{sum(counts.values())}[/bold]")
        t2 = Table(title=f"Active alerts ({len(self.active)})", expand=True)
        for col in ("kind", "track", "where", "ETA s", "why"):
            t2.add_column(col, overflow="fold")

        def eta(d: dict[str, object]) -> float:
            v = d.get("eta_s")
            return float(v) if isinstance(v, int | float) else 1e9

        for d in sorted(self.active.values(), key=eta)[:12]:
            t2.add_row(
                str(d.get("kind")),
                str(d.get("track_id")),
                str(d.get("site_id") or d.get("border_id") or ""),
                f"{eta(d):.0f}" if d.get("eta_s") is not None else "",
                str(d.get("reason", ""))[:90],
            )
        speed = (
            f"{self.batches} batches, {self.seconds:.1f} s processing, {self.events} alert events"
        )
        return Group(Panel(speed, title="Skyfuse demo"), t1, t2)


def plot_tracks(folder: Path, tracks_csv: Path, png: Path) -> None:
    """Draw truth (grey) and confirmed tracks (coloured by class) with sites and borders."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    from skyfuse.scenario import read_context, read_ground_truth, read_tracks

    gt = read_ground_truth(folder)
    tr = read_tracks(tracks_csv)
    ctx = read_context(folder)
    fig, ax = plt.subplots(figsize=(10, 9), dpi=110)
    tt = gt.truth
    for tid in np.unique(tt.target_id):
        m = tt.target_id == tid
        ax.plot(tt.pos[m, 0] / 1e3, tt.pos[m, 1] / 1e3, color="0.75", lw=2.5, zorder=1)
    cmap = plt.get_cmap("tab10")
    palette = {c: cmap(i) for i, c in enumerate(CLASSES)}
    for tid in np.unique(tr.track_id):
        m = tr.track_id == tid
        cls = Counter(tr.cls[m].tolist()).most_common(1)[0][0]
        ax.plot(
            tr.pos[m, 0] / 1e3, tr.pos[m, 1] / 1e3, lw=1.0, color=palette.get(cls, "k"), zorder=2
        )
    for c, col in palette.items():
        if c in set(tr.cls.tolist()):
            ax.plot([], [], color=col, label=c)
    ax.plot([], [], color="0.75", lw=2.5, label="truth")
    for s in ctx.sites:
        if s.x is not None and s.y is not None:
            ax.add_patch(
                Circle((s.x / 1e3, s.y / 1e3), s.radius_m / 1e3, color="red", alpha=0.3, zorder=3)
            )
            ax.annotate(s.name or s.site_id, (s.x / 1e3, s.y / 1e3), fontsize=8)
    for b in ctx.borders:
        pts = np.asarray(b.points)
        ax.plot(pts[:, 0] / 1e3, pts[:, 1] / 1e3, "k--", lw=1, label=f"border {b.partner}")
    ax.set_xlabel("East (km)")
    ax.set_ylabel("North (km)")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"Skyfuse tracks vs truth: {folder.name}")
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


def run_demo(out: Path, preset_name: str, seed: int, live: bool) -> dict[str, object]:
    """Simulate, track, classify, assess, alert, evaluate and plot; returns the evaluation."""
    from skyfuse.eval import evaluate, render_report
    from skyfuse.pipeline import run_folder
    from skyfuse.scenario import read_tracks
    from skyfuse.sim import preset, simulate, write_result

    out.mkdir(parents=True, exist_ok=True)
    scen = out / "scenario"
    console.print(f"[bold]1/4[/bold] simulating preset [cyan]{preset_name}[/cyan] (seed {seed})")
    write_result(simulate(preset(preset_name, seed=seed)), scen)
    console.print("[bold]2/4[/bold] tracking, classifying, assessing threats")
    view = _LiveView()
    tracks = out / "tracks.csv"
    alerts = out / "alerts.jsonl"
    if live:
        with Live(view.render(), console=console, refresh_per_second=8) as lv:

            def on_step(res: object) -> None:
                view.on_step(res)
                if view.batches % 5 == 0:
                    lv.update(view.render())

            summary = run_folder(scen, tracks, alerts_path=alerts, on_step=on_step)
            lv.update(view.render())
    else:
        summary = run_folder(scen, tracks, alerts_path=alerts, on_step=view.on_step)
    console.print(
        f"    {summary.reports} reports, {summary.x_real_time:.1f}x real time, "
        f"{summary.batch_ms_mean:.1f} ms per batch, {summary.alerts} alert events"
    )
    console.print("[bold]3/4[/bold] evaluating against truth")
    report = evaluate(scen, read_tracks(tracks), alerts=alerts)
    console.print(render_report(report))
    result = msgspec.to_builtins(report)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2))
    console.print("[bold]4/4[/bold] plotting")
    plot_tracks(scen, tracks, out / "tracks.png")
    console.print(
        f"outputs in [cyan]{out}[/cyan]: tracks.csv, alerts.jsonl, evaluation.json, tracks.png"
    )
    return dict(result)


def register(app: typer.Typer) -> None:
    """Add `skyfuse demo`."""

    @app.command("demo")
    def demo_command(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out/demo"),
        preset_name: Annotated[str, typer.Option("--preset", help="Simulator preset.")] = (
            "night-raid"
        ),
        seed: Annotated[int, typer.Option("--seed", help="Simulator seed.")] = 7,
        live: Annotated[bool, typer.Option("--live/--no-live", help="Live terminal view.")] = True,
    ) -> None:
        """Simulate a night raid and run the whole pipeline on it (what `make run` does)."""
        run_demo(out, preset_name, seed, live)
