"""`skyfuse demo` (what `make run` does): simulate a night raid, run the whole pipeline with a
live view, then score it against truth and draw the tracks.

Outputs in ``OUT``: ``scenario/`` (the simulated folder), ``tracks.csv``, ``alerts.jsonl``,
``evaluation.json``, ``tracks.png``, ``summary.txt``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

import msgspec
import numpy as np
import typer
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES
from skyfuse.eval.realtime import covered_duration, real_time_factor

console = Console()

KIND_SHORT: dict[str, str] = {
    "site_threat": "site",
    "border_crossing": "border",
    "raid": "raid",
    "launch_area": "launch",
    "relay": "relay",
}
"""Alert kinds as the live view shows them (one short word each, so the column stays narrow)."""
MAX_ALERT_ROWS = 6
"""Active alerts listed (soonest ETA first); the rest are counted in one line."""


def _eta_text(eta: float | None) -> str:
    """ETA (s) as one short token: '45 s' under a minute, else min:s ('196' -> '3:16')."""
    if eta is None or not np.isfinite(eta):
        return "-"
    e = max(0, round(float(eta)))
    return f"{e // 60}:{e % 60:02d}" if e >= 60 else f"{e} s"


class LiveView:
    """Live terminal view: tracks by class, active alerts, counts and speed.

    Fits 80 columns without cutting a word: kinds are abbreviated (`KIND_SHORT`), numbers and
    identifiers never wrap, and the operator's sentence wraps at spaces in the remaining width.
    Speed is the scenario time covered by the processed batches over the processing time
    (`skyfuse.eval.realtime`).
    """

    def __init__(self, max_alert_rows: int = MAX_ALERT_ROWS) -> None:
        self.active: dict[str, dict[str, object]] = {}
        self.events = 0
        self.batches = 0
        self.seconds = 0.0
        self.classes: list[str] = []
        self.time = 0.0
        self.batch_times: list[float] = []
        self.max_alert_rows = max_alert_rows

    def update(
        self, time: float, seconds: float, classes: Sequence[str], alerts: Iterable[object]
    ) -> None:
        """One processed batch: its report time (s), processing time (s), the classes of the
        tracks shown, and its alert events (`Alert` or their dicts)."""
        self.batches += 1
        self.seconds += seconds
        self.time = time
        self.batch_times.append(time)
        self.classes = list(classes)
        for a in alerts:
            d = a if isinstance(a, dict) else msgspec.to_builtins(a)
            self.events += 1
            if d.get("state") == "cleared":
                self.active.pop(str(d["alert_id"]), None)
            else:
                self.active[str(d["alert_id"])] = d

    def on_step(self, res: object) -> None:
        """`skyfuse.pipeline.run_folder` callback."""
        from skyfuse.pipeline import StepResult

        assert isinstance(res, StepResult)
        self.update(res.rows.time, res.seconds, res.rows.cls, res.alerts)

    def x_real_time(self) -> float:
        """Scenario time covered so far / processing time so far."""
        return real_time_factor(covered_duration(self.batch_times), self.seconds)

    def picture_table(self) -> Table:
        """Tracks shown, by class."""
        counts = Counter(self.classes)
        t = Table(title=f"Picture at t = {self.time:.1f} s")
        t.add_column("class", no_wrap=True)
        t.add_column("tracks", justify="right", no_wrap=True)
        for c in CLASSES:
            if counts.get(c):
                t.add_row(c, str(counts[c]))
        t.add_row("[bold]all[/bold]", f"[bold]{sum(counts.values())}[/bold]")
        return t

    def alerts_table(self) -> Table:
        """Active alerts, soonest ETA first: kind, track, site or border, ETA, reason."""
        t = Table(
            title=f"Active alerts ({len(self.active)})",
            expand=True,
            caption="ETA in s or min:s; where: site, border or (raid) the site it heads to",
        )
        t.add_column("kind", no_wrap=True)
        t.add_column("track", justify="right", no_wrap=True)
        t.add_column("where", no_wrap=True)
        t.add_column("ETA", justify="right", no_wrap=True)
        t.add_column("why", ratio=1)

        def eta(d: dict[str, object]) -> float:
            v = d.get("eta_s")
            return float(v) if isinstance(v, int | float) else float("inf")

        ordered = sorted(self.active.values(), key=eta)
        for d in ordered[: self.max_alert_rows]:
            kind = str(d.get("kind"))
            track = d.get("track_id")
            where = d.get("site_id") or d.get("border_id") or d.get("toward_site_id") or "-"
            v = d.get("eta_s")
            t.add_row(
                KIND_SHORT.get(kind, kind),
                "-" if track is None else str(track),
                str(where),
                _eta_text(float(v) if isinstance(v, int | float) else None),
                escape(str(d.get("reason") or "")),
            )
        if len(ordered) > self.max_alert_rows:
            t.add_row("", "", "", "", f"and {len(ordered) - self.max_alert_rows} more")
        return t

    def render(self) -> Group:
        """The whole view."""
        speed = (
            f"t = {self.time:.1f} s: {self.batches} batches in {self.seconds:.1f} s of "
            f"processing ({self.x_real_time():.1f}x real time), {self.events} alert events"
        )
        return Group(Panel(speed, title="Skyfuse demo"), self.picture_table(), self.alerts_table())


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


def run_demo(
    out: Path, preset_name: str, seed: int, live: bool, *, learned: bool = True
) -> dict[str, object]:
    """Simulate, track, classify, assess, alert, evaluate and plot; returns the evaluation.

    ``learned``: stack the shipped learned classifier on the Bayesian one (the default
    pipeline); False runs the Bayesian classifier alone."""
    from skyfuse.eval import evaluate, render_report
    from skyfuse.pipeline import PipelineConfig, run_folder
    from skyfuse.scenario import read_tracks
    from skyfuse.sim import preset, simulate, write_result

    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file; give a folder for the demo outputs (--out)")
    out.mkdir(parents=True, exist_ok=True)
    scen = out / "scenario"
    console.print(f"[bold]1/4[/bold] simulating preset [cyan]{preset_name}[/cyan] (seed {seed})")
    write_result(simulate(preset(preset_name, seed=seed)), scen)
    console.print("[bold]2/4[/bold] tracking, classifying, assessing threats")
    # about three lines per alert row beside ~24 lines of panel, picture and headers
    rows = max(2, min(MAX_ALERT_ROWS, (console.size.height - 24) // 3))
    view = LiveView(max_alert_rows=rows)
    cfg = PipelineConfig(learned_model=learned)
    tracks = out / "tracks.csv"
    alerts = out / "alerts.jsonl"
    if live:
        with Live(view.render(), console=console, refresh_per_second=8) as lv:

            def on_step(res: object) -> None:
                view.on_step(res)
                if view.batches % 5 == 0:
                    lv.update(view.render())

            summary = run_folder(scen, tracks, alerts_path=alerts, config=cfg, on_step=on_step)
            lv.update(view.render())
    else:
        summary = run_folder(scen, tracks, alerts_path=alerts, config=cfg, on_step=view.on_step)
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
        learned: Annotated[
            bool,
            typer.Option("--learned/--no-learned", help="Use the shipped learned classifier."),
        ] = True,
    ) -> None:
        """Simulate a night raid and run the whole pipeline on it (what `make run` does)."""
        run_demo(out, preset_name, seed, live, learned=learned)
