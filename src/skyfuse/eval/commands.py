"""`skyfuse eval DIR tracks.csv`: score a tracker's output against a scenario's truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skyfuse.console import print_error, require_file, require_folder, writable_file
from skyfuse.core.errors import InputError
from skyfuse.eval.metrics import DETECTABLE_MIN_REPORTS, evaluate
from skyfuse.eval.report import EvalReport
from skyfuse.scenario import read_tracks


def _f(x: float | None, digits: int = 1, unit: str = "") -> str:
    """Format an optional figure ('-' when not available)."""
    return "-" if x is None else f"{x:.{digits}f}{unit}"


def _pct(x: float | None) -> str:
    """Format an optional share as a percentage."""
    return "-" if x is None else f"{100.0 * x:.0f}%"


def _rule(rule: str, n: int) -> str:
    """Short words for a detectability rule (`skyfuse.eval.metrics.detectable_targets`)."""
    if rule == "labels":
        return f">= {n} labelled reports"
    if rule == "coverage":
        return f">= {n} times in coverage"
    return "every target"


def render_report(report: EvalReport) -> Group:
    """The report as Rich tables (GOSPA, continuity, latency, classes, alerts), to print."""
    parts: list[Table] = []
    g, cm, lat = report.gospa, report.clear_mot, report.latency
    head = Table(title=f"skyfuse eval {report.label or report.scenario}", show_header=False)
    head.add_column("metric", style="bold")
    head.add_column("value", justify="right")
    head.add_row("frame / scoring times", f"{report.frame} / {report.n_times}")
    head.add_row("truths / tracks per time", f"{report.mean_truths:.1f} / {report.mean_tracks:.1f}")
    head.add_row(
        f"GOSPA c={g.c:g} p={g.p:g} (loc/missed/false)",
        f"{g.mean:.1f} ({g.localisation:.1f}/{g.missed:.1f}/{g.false:.1f})",
    )
    head.add_row("GOSPA per target", _f(g.per_target, 2))
    head.add_row("GOSPA p=2 / OSPA", f"{g.mean_p2:.1f} / {g.ospa:.1f}")
    head.add_row("ID switches (CLEAR-MOT)", str(cm.id_switches))
    head.add_row("MOTA / MOTP (m)", f"{_f(cm.mota, 3)} / {_f(cm.motp_m, 1)}")
    head.add_row(
        "track IDs per target (mean/max)",
        f"{_f(cm.track_ids_per_target, 2)} / {cm.max_track_ids_per_target}",
    )
    head.add_row(
        "confirmation latency s (median/p90)", f"{_f(lat.median_s, 2)} / {_f(lat.p90_s, 2)}"
    )
    head.add_row(
        f"never tracked (detectable: {_rule(lat.detectable_rule, lat.min_reports)})",
        f"{lat.never_tracked} of {lat.n_detectable}",
    )
    if lat.n_targets > lat.n_detectable:
        head.add_row(
            "targets not detectable (not scored above)", str(lat.n_targets - lat.n_detectable)
        )
    if report.detectability is not None:
        d = report.detectability
        head.add_row(
            "first detection -> track s (median/p90)", f"{_f(d.median_s, 2)} / {_f(d.p90_s, 2)}"
        )
    if report.nees is not None:
        n = report.nees
        head.add_row(
            "position NEES (95% interval)",
            f"{_f(n.mean, 2)} ({_f(n.interval_low, 2)}-{_f(n.interval_high, 2)})",
        )
    if report.classification is not None:
        c = report.classification
        head.add_row(
            "class accuracy (all / track >= 10 s)",
            f"{_f(c.accuracy, 3)} / {_f(c.accuracy_age_10s, 3)}",
        )
        head.add_row("attack_drone vs bird accuracy", _f(c.attack_drone_vs_bird, 3))
    if report.unscored_track_rows:
        head.add_row("[yellow]unscored track rows[/]", str(report.unscored_track_rows))
    parts.append(head)
    if report.per_class:
        t = Table(
            title="per class",
            caption="tracked: paired >= 50% of its life; latency: birth -> first track, median; "
            "never: detectable, never tracked; det->trk: first report -> track, median",
        )
        for col in ("class", "targets", "tracked", "latency s", "never", "det->trk s"):
            if col == "class":
                t.add_column(col, no_wrap=True)
            else:
                t.add_column(col, justify="right", no_wrap=True)
        for r in report.per_class:
            t.add_row(
                r.cls,
                str(r.n_targets),
                f"{r.n_tracked} ({_pct(r.share_tracked)})",
                _f(r.latency_median_s, 2),
                str(r.never_tracked),
                _f(r.detect_to_track_median_s, 2),
            )
        parts.append(t)
    if report.alerts is not None:
        a = report.alerts
        t = Table(title="alerts", show_header=False)
        t.add_column("metric", style="bold")
        t.add_column("value", justify="right")
        t.add_row("alerts (lines)", f"{a.n_alerts} ({a.n_lines})")
        t.add_row("by kind", ", ".join(f"{k} {v}" for k, v in a.by_kind.items()) or "-")
        t.add_row(
            "site lead s median / worst",
            f"{_f(a.site.median_s)} / {_f(a.site.worst_s)} ({a.site.n_warned} of "
            f"{a.site.n_events} arrivals)",
        )
        t.add_row("attack drones reaching a site unwarned", str(a.site.unwarned_attack_drones))
        t.add_row("expected site lead s (arrive after run)", _f(a.site_expected_lead_median_s))
        t.add_row(
            "false site alerts (per hour)",
            f"{a.false_site_alerts} ({_f(a.false_site_alerts_per_hour)})",
        )
        t.add_row(
            "border lead s median / worst",
            f"{_f(a.border.median_s)} / {_f(a.border.worst_s)} ({a.border.n_warned} of "
            f"{a.border.n_events} crossings)",
        )
        t.add_row(
            "false border alerts (per hour)",
            f"{a.false_border_alerts} ({_f(a.false_border_alerts_per_hour)})",
        )
        parts.append(t)
    return Group(*parts)


def eval_command(
    folder: Annotated[
        Path, typer.Argument(help="Scenario folder (truth.csv, detections.jsonl, targets.csv...).")
    ],
    tracks: Annotated[Path, typer.Argument(help="The tracker's tracks.csv.")],
    alerts: Annotated[
        Path | None, typer.Option("--alerts", help="alerts.jsonl to score (needs targets.csv).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full report as JSON here.")
    ] = None,
    c: Annotated[float, typer.Option("--c", help="GOSPA cut-off distance, metres.")] = 100.0,
    p: Annotated[float, typer.Option("--p", help="GOSPA exponent (>= 1).")] = 1.0,
    label: Annotated[str, typer.Option("--label", help="Name of this run (e.g. sensor mix).")] = "",
    min_reports: Annotated[
        int,
        typer.Option(
            "--min-reports",
            min=1,
            help="Reports of a target (labels.csv; else scoring times in a sensor's coverage) "
            "that make it detectable: only detectable targets count as 'never tracked'.",
        ),
    ] = DETECTABLE_MIN_REPORTS,
) -> None:
    """Score a tracker's tracks.csv against the scenario's truth (see EVAL_HELP)."""
    console = Console()
    try:
        require_folder(folder, "scenario folder", needs=("truth.csv",))
        require_file(tracks, "tracks file")
        if alerts is not None:
            require_file(alerts, "alerts file")
        if json_out is not None:
            writable_file(json_out, "the JSON report")
        table = read_tracks(tracks)
        with Progress(
            TextColumn("scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("scoring", total=None)

            def progress(done: int, total: int) -> None:
                if done == 1 or done == total or done % 50 == 0:
                    bar.update(task, completed=done, total=total)

            report = evaluate(
                folder,
                table,
                alerts=alerts,
                c=c,
                p=p,
                label=label,
                progress=progress,
                tracks_source=str(tracks),
                min_reports=min_reports,
            )
    except InputError as e:
        print_error(f"{e}")
        raise typer.Exit(code=2) from e
    console.print(render_report(report))
    if json_out is not None:
        json_out.write_bytes(msgspec.json.format(msgspec.json.encode(report)) + b"\n")
        console.print(f"wrote {json_out}")


EVAL_HELP = (
    "Score a tracker's tracks.csv against the scenario's truth.\n\n"
    "At every report time of detections.jsonl: GOSPA (c, p, alpha = 2; localisation / missed / "
    "false), OSPA, CLEAR-MOT ID switches, MOTA / MOTP, confirmation latency, position NEES (when "
    "tracks.csv has cxx..czz), class accuracy (with targets.csv) and, with --alerts, warning lead "
    "times and false alerts. 'Never tracked' counts only detectable targets: at least "
    "--min-reports reports that labels.csv gives the target, or, without labels.csv, as many "
    "scoring times inside a sensor's coverage (sensors.json). Prints tables; --json writes the "
    "full report."
)


def register(app: typer.Typer) -> None:
    """Add the `eval` command to the `skyfuse` Typer app."""
    app.command("eval", help=EVAL_HELP)(eval_command)
