"""Real-data benchmark (issue 9): ``python -m bench.run_real [--quick] [--only NAME...]``.

Builds each case's scenario folder (`bench.real`: straight flights 60-340 m/s and the real
trajectories of `shared/data/real-tracks`) into ``--cache`` when missing, runs the whole
pipeline on it (`skyfuse.pipeline.run_folder`, the `skyfuse track` path with alerts), scores it
with `skyfuse.eval`, prints the tables (markdown with ``--markdown``) and writes
``<out>/real-latest.json`` and ``<out>/<YYYYmmdd-HHMM>-real-<full|quick|only>.json``.
Exit status 1 if a case failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec
from rich.console import Console
from rich.table import Table

from bench.real import DEFAULT_CACHE, CaseResult, failed, run_case, select
from bench.report import HostInfo, host_info

TARGETS = {
    "tracked": 0.80,
    "aircraft_share": 0.80,
}
"""What issue 9 asks: each straight flight tracked >= 80 % of its observable time; real
airliners classified "aircraft" >= 80 % of their tracked time."""


class RealResults(msgspec.Struct, kw_only=True):
    """A whole run: when, on what, which cases, their figures."""

    created: str
    label: str
    host: HostInfo
    wall_s: float
    cases: list[CaseResult]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100.0 * x:.0f}%"


def _num(x: float | None, fmt: str = ".0f") -> str:
    return "-" if x is None or x != x else format(x, fmt)


def flights_table(cases: list[CaseResult]) -> Table | None:
    """Tracked share of observable time per speed, with ids, switches, GOSPA per folder."""
    rows = [c for c in cases if c.group == "flights"]
    if not rows:
        return None
    speeds: list[str] = []
    for c in rows:
        for t in c.targets:
            if t.name not in speeds:
                speeds.append(t.name)
    tab = Table(title="Straight flights: tracked share of observable time per speed (m/s)")
    tab.add_column("geometry")
    tab.add_column("sensors")
    for s in speeds:
        tab.add_column(s.split(".")[0], justify="right")
    for h in ("min", "ids/target", "ID sw", "GOSPA (loc/missed/false)", "s"):
        tab.add_column(h, justify="right")
    for c in rows:
        by = {t.name: t for t in c.targets}
        cells = [_pct(by[s].tracked_fraction) if s in by else "-" for s in speeds]
        if c.error:
            cells = ["error"] * len(speeds)
        tab.add_row(
            str(c.params.get("geometry", "")),
            c.mix,
            *cells,
            _pct(c.min_tracked_fraction),
            _num(c.track_ids_per_target, ".2f"),
            str(c.id_switches),
            f"{_num(c.gospa)} ({_num(c.gospa_localisation)}/{_num(c.gospa_missed)}/"
            f"{_num(c.gospa_false)})",
            _num(c.pipeline_s, ".1f"),
        )
    return tab


def real_table(cases: list[CaseResult]) -> Table | None:
    """Real trajectories: tracking, classes, alerts, spoofing."""
    rows = [c for c in cases if c.group != "flights"]
    if not rows:
        return None
    tab = Table(title="Real trajectories (shared/data/real-tracks) through the whole pipeline")
    for h in (
        "case",
        "sensors",
        "targets",
        "tracked",
        "min",
        "ids/target",
        "ID sw",
        "GOSPA (loc/missed/false)",
        "true class share",
        "class mix (tracked time)",
        "site alerts",
        "spoof",
        "s",
    ):
        tab.add_column(h, justify="left" if h in ("case", "class mix (tracked time)") else "right")
    for c in rows:
        true_cls = c.targets[0].cls if c.targets else ""
        share = c.class_shares.get(true_cls) if c.class_shares else None
        mix = ", ".join(
            f"{k} {100 * v:.0f}%"
            for k, v in sorted(c.class_shares.items(), key=lambda kv: -kv[1])[:3]
        )
        sp = "-"
        if c.spoof:
            s = c.spoof
            sp = (
                f"follows {_pct(s.get('follows_radar_100m'))}"
                f" (1 km {_pct(s.get('follows_radar_1km'))}),"
                f" ghost {_pct(s.get('ghost_track_time_share'))},"
                f" flag +{_num(s.get('first_flag_after_onset_s'))} s"
            )
        tab.add_row(
            c.name,
            c.mix,
            str(c.n_targets),
            _pct(c.tracked_fraction),
            _pct(c.min_tracked_fraction),
            _num(c.track_ids_per_target, ".2f"),
            str(c.id_switches),
            f"{_num(c.gospa)} ({_num(c.gospa_localisation)}/{_num(c.gospa_missed)}/"
            f"{_num(c.gospa_false)})",
            f"{true_cls} {_pct(share)}",
            c.error or mix,
            str(c.site_alerts),
            sp,
            _num(c.pipeline_s, ".1f"),
        )
    return tab


def checks(cases: list[CaseResult]) -> list[tuple[str, bool, str]]:
    """Issue 9's targets measured in this run: (what, met, measured)."""
    out: list[tuple[str, bool, str]] = []
    fl = [c for c in cases if c.group == "flights" and c.mix in ("adsb", "radar")]
    if fl:
        worst = min((c.min_tracked_fraction or 0.0) for c in fl)
        out.append(
            (
                "straight flights 60-340 m/s, ADS-B alone / radar alone: each >= 80 % tracked",
                worst >= TARGETS["tracked"],
                f"worst {_pct(worst)}",
            )
        )
    orly = {c.mix: c for c in cases if c.group == "orly"}
    if "radar" in orly:
        sh = orly["radar"].class_shares.get("aircraft", 0.0)
        out.append(
            ("Orly airliners by radar: 'aircraft' >= 80 % of tracked time", sh >= 0.8, _pct(sh))
        )
    if {"radar", "adsb", "both"} <= set(orly):
        worse = max(orly["radar"].id_switches, orly["adsb"].id_switches)
        out.append(
            (
                "Orly radar+ADS-B ID switches <= the worse single sensor",
                orly["both"].id_switches <= worse,
                f"{orly['both'].id_switches} vs radar {orly['radar'].id_switches}, "
                f"ADS-B {orly['adsb'].id_switches}",
            )
        )
    if orly:
        n = sum(c.site_alerts for c in orly.values())
        out.append(("0 site alerts on airliners at Orly", n == 0, f"{n} site alerts"))
    uav = [c for c in cases if c.group == "uav"]
    for c in uav:
        bird = c.class_shares.get("bird", 0.0)
        out.append((f"{c.name}: UAV not mostly 'bird'", bird < 0.5, f"bird {_pct(bird)}"))
    return out


def print_results(console: Console, res: RealResults) -> None:
    """The tables and the checks of a run."""
    for tab in (flights_table(res.cases), real_table(res.cases)):
        if tab is not None:
            console.print(tab)
    ck = Table(title="Issue 9 targets")
    for h in ("target", "met", "measured"):
        ck.add_column(h)
    for what, ok, measured in checks(res.cases):
        ck.add_row(what, "yes" if ok else "NO", measured)
    console.print(ck)
    console.print(f"code {res.host.code}, {res.wall_s:.0f} s wall, {res.created}")


def markdown(res: RealResults) -> str:
    """The same tables as markdown (for notes and READMEs)."""
    from io import StringIO

    from rich import box

    buf = StringIO()
    con = Console(file=buf, width=400, color_system=None)
    for tab in (flights_table(res.cases), real_table(res.cases)):
        if tab is not None:
            tab.box = box.MARKDOWN
            con.print(tab)
    return buf.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(prog="python -m bench.run_real", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="short windows (~2 min in all)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="cases by name")
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the scenario folders")
    ap.add_argument("--show", type=Path, help="print a saved results JSON and exit")
    ap.add_argument("--markdown", action="store_true", help="also print markdown tables")
    args = ap.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 220)
    if args.show is not None:
        res = msgspec.json.decode(args.show.read_bytes(), type=RealResults)
        print_results(console, res)
        if args.markdown:
            print(markdown(res))
        return 0
    try:
        cases = select(args.quick, args.only)
    except KeyError as e:
        console.print(f"[red]{e}[/red]")
        return 2
    t0 = time.perf_counter()
    results: list[CaseResult] = []
    for case in cases:
        console.print(f"[dim]{case.name} ...[/dim]")
        try:
            r = run_case(case, args.cache, rebuild=args.rebuild)
        except Exception as e:  # a failed case is a row, the run goes on
            r = failed(case, e)
        console.print(
            f"[dim]  {case.name}: tracked {_pct(r.tracked_fraction)}, ID sw {r.id_switches}, "
            f"GOSPA {_num(r.gospa)}, {r.pipeline_s:.1f} s {r.error or ''}[/dim]"
        )
        results.append(r)
    label = "only" if args.only else ("quick" if args.quick else "full")
    now = dt.datetime.now(dt.UTC)
    res = RealResults(
        created=now.isoformat(timespec="seconds"),
        label=label,
        host=host_info(),
        wall_s=round(time.perf_counter() - t0, 1),
        cases=results,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    blob = msgspec.json.format(msgspec.json.encode(res))
    (args.out / f"{now:%Y%m%d-%H%M}-real-{label}.json").write_bytes(blob)
    (args.out / "real-latest.json").write_bytes(blob)
    print_results(console, res)
    if args.markdown:
        print(markdown(res))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
