"""The `skyfuse` command line as a user meets it: version, documented commands, protected outputs,
clear errors on bad input (never a traceback) and a terminal view that never cuts a word."""

from __future__ import annotations

import hashlib
import io
import json
import re
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from skyfuse.classify.commands import DEFAULT_TRAIN_OUT, check_model_output, is_shipped_path
from skyfuse.classify.learned import DEFAULT_MODEL_PATH, MODELS_DIR, LearnedModel
from skyfuse.cli import EXIT_INPUT, EXIT_INTERNAL, TRACEBACK_ENV, app, guarded
from skyfuse.console import describe_os_error
from skyfuse.core.errors import InputError
from skyfuse.demo import KIND_SHORT, LiveView
from skyfuse.eval import evaluate, render_report
from skyfuse.scenario import TrackWriter, read_ground_truth, read_tracks

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    out = res.output
    assert "Traceback" not in out, out
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"uncaught {res.exception!r}: {out}")
    return res.exit_code, out


# -- version and documentation -----------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_from_package_metadata(flag: str) -> None:
    code, out = _invoke(flag)
    assert code == 0
    assert out.strip() == f"skyfuse {metadata.version('skyfuse')}"


def _commands() -> dict[str, list[str]]:
    """Every registered command and its options (long and secondary forms)."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    out: dict[str, list[str]] = {}
    for name, cmd in group.commands.items():
        opts: list[str] = []
        for p in cmd.params:
            if getattr(p, "param_type_name", "") == "option":
                opts += [o for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
        out[name] = [o for o in opts if o != "--help"]
    return out


def _readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Commands") :]
    section = section[: section.index("\n## ", 5)]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        m = re.match(r"\| `skyfuse ([a-z]+)", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_every_command_and_option_is_in_the_readme() -> None:
    commands = _commands()
    rows = _readme_rows()
    assert {"sim", "track", "eval", "train", "demo", "alerts", "passive"} <= set(commands)
    assert set(rows) == set(commands), "README commands table != registered commands"
    for name, opts in commands.items():
        missing = [o for o in opts if f"`{o}" not in rows[name]]
        assert not missing, f"README row of `skyfuse {name}` lacks {missing}"


def test_help_of_every_command() -> None:
    code, out = _invoke("--help")
    assert code == 0
    for name in _commands():
        assert name in out
        sub_code, sub = _invoke(name, "--help")
        assert sub_code == 0 and "Usage" in sub


# -- protected outputs ----------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_default_output_is_not_the_shipped_model() -> None:
    assert not is_shipped_path(DEFAULT_TRAIN_OUT)
    assert is_shipped_path(DEFAULT_MODEL_PATH)
    assert is_shipped_path(MODELS_DIR / "anything-else.pkl")


def test_model_output_rules(tmp_path: Path) -> None:
    # --force alone never opens the shipped folder; --overwrite-shipped does
    with pytest.raises(InputError, match="--overwrite-shipped"):
        check_model_output(DEFAULT_MODEL_PATH, force=True, overwrite_shipped=False)
    check_model_output(DEFAULT_MODEL_PATH, force=False, overwrite_shipped=True)
    fresh = tmp_path / "deep" / "new.pkl"
    check_model_output(fresh, force=False, overwrite_shipped=False)
    assert fresh.parent.is_dir() and not fresh.exists()
    fresh.write_bytes(b"x")
    with pytest.raises(InputError, match="already exists"):
        check_model_output(fresh, force=False, overwrite_shipped=False)
    check_model_output(fresh, force=True, overwrite_shipped=False)


def test_train_refuses_the_shipped_model_before_any_work(shared_dir: Path) -> None:
    scen = str(shared_dir / "scenarios" / "mixed-demo")
    before = {p.name: _sha(p) for p in MODELS_DIR.iterdir() if p.is_file()}
    for target in (DEFAULT_MODEL_PATH, MODELS_DIR / "classifier-v2.pkl"):
        code, out = _invoke("train", "-s", scen, "--out", str(target))
        assert code == EXIT_INPUT
        assert "shipped" in out and "--overwrite-shipped" in out
    after = {p.name: _sha(p) for p in MODELS_DIR.iterdir() if p.is_file()}
    assert after == before


def test_train_refuses_an_existing_file_without_force(shared_dir: Path, tmp_path: Path) -> None:
    scen = str(shared_dir / "scenarios" / "mixed-demo")
    model = tmp_path / "mine.pkl"
    model.write_bytes(b"keep me")
    code, out = _invoke("train", "-s", scen, "--out", str(model))
    assert code == EXIT_INPUT and "already exists" in out and "--force" in out
    assert model.read_bytes() == b"keep me"
    # the sidecar alone also protects the pair
    other = tmp_path / "other.pkl"
    other.with_suffix(".json").write_text("{}")
    code, out = _invoke("train", "-s", scen, "--out", str(other))
    assert code == EXIT_INPUT and "other.json" in out


def test_train_with_force_overwrites(shared_dir: Path, tmp_path: Path) -> None:
    scen = str(shared_dir / "scenarios" / "mixed-demo")
    model = tmp_path / "m.pkl"
    model.write_bytes(b"old")
    args = ("train", "-s", scen, "--source", "oracle", "--sample-every", "6", "--out", str(model))
    code, out = _invoke(*args, "--force")
    assert code == 0, out
    assert LearnedModel.load(model).meta["training"]["source"] == "oracle"


def test_sim_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "scen"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    code, msg = _invoke("sim", str(out), "--preset", "n10-r1", "--duration", "2")
    assert code == EXIT_INPUT and str(out) in msg and "not empty" in msg and "--force" in msg
    code, msg = _invoke("sim", str(out), "--preset", "n10-r1", "--duration", "2", "--force")
    assert code == 0, msg
    assert (out / "keep.txt").exists() and (out / "sensors.json").exists()


# -- bad input: clear message, non-zero exit, no traceback ------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 4 s simulated folder and its truth written as a tracks.csv."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "scen"
    code, out = _invoke("sim", str(folder), "--preset", "n10-r1", "--duration", "4")
    assert code == 0, out
    truth = read_ground_truth(folder).truth
    tracks = root / "tracks.csv"
    with TrackWriter(tracks, geodetic=False) as w:
        for t in np.unique(truth.time):
            m = truth.time == t
            n = int(m.sum())
            w.write(
                float(t), truth.target_id[m], truth.pos[m], truth.vel[m], ["bird"] * n, [1.0] * n
            )
    return folder, tracks


def test_bad_paths_give_clear_errors(small_run: tuple[Path, Path], tmp_path: Path) -> None:
    folder, tracks = small_run
    nowhere = tmp_path / "nowhere"
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    a_dir = tmp_path / "a-dir"
    a_dir.mkdir()
    cases: list[tuple[list[str], list[str]]] = [
        (["track", str(nowhere)], [str(nowhere)]),
        (["track", str(a_file)], [str(a_file)]),
        (["track", str(folder), "--out", str(a_dir)], [str(a_dir)]),
        (["eval", str(nowhere), str(tracks)], [str(nowhere), "does not exist"]),
        (["eval", str(a_file), str(tracks)], [str(a_file), "expected a folder"]),
        (["eval", str(a_dir), str(tracks)], [str(a_dir), "truth.csv"]),
        (["eval", str(folder), str(nowhere)], [str(nowhere), "tracks file does not exist"]),
        (["eval", str(folder), str(a_dir)], [str(a_dir), "expected a file"]),
        (["eval", str(folder), str(tracks), "--alerts", str(nowhere)], ["alerts file"]),
        (["eval", str(folder), str(tracks), "--json", str(a_dir)], [str(a_dir)]),
        (["eval", str(folder), str(tracks), "--json", str(a_file / "x.json")], ["is a file"]),
        (["alerts", str(nowhere)], ["error"]),
        (["passive", str(nowhere)], [str(nowhere)]),
        (["sim", str(a_file)], [str(a_file), "is a file"]),
        (["sim", str(a_file / "sub")], [str(a_file / "sub")]),
        (["demo", "--out", str(a_file), "--no-live"], [str(a_file), "is a file"]),
        (["train", "-s", str(folder), "--out", str(a_dir)], [str(a_dir), "is a folder"]),
        (["train", "-s", str(folder), "--out", str(a_file / "m.pkl")], ["is a file"]),
        (["train", "-s", str(folder), "--report", str(a_dir)], [str(a_dir)]),
        (["train", "-s", str(nowhere)], ["does not exist"]),
        (["train"], ["--scenario or --preset"]),
    ]
    for args, needles in cases:
        code, out = _invoke(*args)
        assert code != 0, (args, out)
        assert "error" in out.lower() or "usage" in out.lower(), (args, out)
        flat = out.replace("\n", "")  # our errors are one line; Typer's boxes are not
        boxed = " ".join(_BOX.sub(" ", out).split())
        for needle in needles:
            assert needle in flat or needle in boxed, (args, needle, out)
    # nothing was written where a refusal happened
    assert a_file.read_text() == "not a folder" and not any(a_dir.iterdir())


def test_malformed_files_name_the_file(small_run: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _ = small_run
    garbage = tmp_path / "tracks.csv"
    garbage.write_text("time,track_id,x\n1,2,not-a-number\n")
    code, out = _invoke("eval", str(folder), str(garbage))
    assert code == EXIT_INPUT and "tracks.csv" in out
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"time,track_id,x,y,z,vx,vy,vz,class,class_prob\n\xff\xfe\x00\n")
    code, out = _invoke("eval", str(folder), str(binary))
    assert code == EXIT_INPUT and "error" in out


def _one_command_app(fn: object) -> typer.Typer:
    test_app = typer.Typer()
    test_app.command("boom")(guarded(fn))  # type: ignore[arg-type]

    @test_app.command("noop")
    def _noop() -> None:
        """Nothing."""

    return test_app


def test_guard_turns_os_errors_into_one_line() -> None:
    def boom() -> None:
        Path("/definitely/not/here.csv").read_text()

    res = runner.invoke(_one_command_app(boom), ["boom"])
    assert res.exit_code == EXIT_INPUT
    assert "error: /definitely/not/here.csv: no such file or folder" in res.output
    assert "Traceback" not in res.output and "Errno" not in res.output
    assert describe_os_error(PermissionError(13, "Permission denied", "a.csv")) == (
        "a.csv: permission denied"
    )


def test_guard_reports_bugs_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise RuntimeError("kaput")

    res = runner.invoke(_one_command_app(boom), ["boom"])
    assert res.exit_code == EXIT_INTERNAL
    assert "internal error (RuntimeError: kaput)" in res.output and TRACEBACK_ENV in res.output
    monkeypatch.setenv(TRACEBACK_ENV, "1")
    res = runner.invoke(_one_command_app(boom), ["boom"])
    assert isinstance(res.exception, RuntimeError)


# -- the terminal views never cut a word ----------------------------------------------------------

_BOX = re.compile(r"[\u2500-\u257f]")


def _render(renderable: RenderableType, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def _plain(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return ""


def _words(renderable: object) -> list[str]:
    """Every word a Group of tables and panels was given (titles, headers, cells, captions)."""
    out: list[str] = []
    if isinstance(renderable, Group):
        for r in renderable.renderables:
            out += _words(r)
    elif isinstance(renderable, Panel):
        out += _plain(renderable.title).split() + _words(renderable.renderable)
    elif isinstance(renderable, Table):
        out += _plain(renderable.title).split() + _plain(renderable.caption).split()
        for col in renderable.columns:
            head = (col.header,) if renderable.show_header else ()
            for cell in (*head, *col._cells):
                out += _plain(cell).split()
    else:
        out += _plain(renderable).split()
    return out


def assert_no_cut_words(renderable: Group, width: int) -> str:
    text = _render(renderable, width)
    assert "…" not in text, text
    assert all(len(line) <= width for line in text.splitlines()), text
    tokens = set(_BOX.sub(" ", text).split())
    words = _words(renderable)
    assert words
    cut = sorted({w for w in words if w not in tokens})
    assert not cut, f"cut at width {width}: {cut}\n{text}"
    return text


def _alerts() -> list[dict[str, object]]:
    reasons = {
        "site_threat": "ESCALATED (Attack drone confirmed): Attack drone (p=0.95, radar, "
        "acoustic, RF-DF) heading to Water-treatment-plant, ETA 2 min 46 s, 18.1 km out, "
        "impact within 1.2 km",
        "border_crossing": "Fixed-wing UAV (p=0.71) will cross into PL (border pl-east) in "
        "1 min 2 s, 2.6 km out, crossing point within 950 m",
        "raid": "Raid of 14 tracks (attack drone 12, decoy 2) on course 051 deg, 47 m/s, "
        "toward Substation, first arrival in 2 min 36 s",
        "launch_area": "Launch area: courses of 13 hostile tracks converge at x -14.1 km, "
        "y -4.9 km, within 580 m",
        "relay": "Static RF emitter (p=0.96 ground relay) 510 m from 13 hostile routes: "
        "possible radio relay",
    }
    out: list[dict[str, object]] = []
    for k, (kind, reason) in enumerate(reasons.items()):
        out.append(
            {
                "time": 10.0 + k,
                "alert_id": f"{kind}-{k}",
                "kind": kind,
                "state": "new",
                "track_id": 1000000 + k if kind != "raid" else None,
                "site_id": "water-treatment-plant" if kind == "site_threat" else None,
                "border_id": "pl-east" if kind == "border_crossing" else None,
                "toward_site_id": "substation-north" if kind == "raid" else None,
                "eta_s": 60.0 * k + 7.4 if kind != "relay" else None,
                "reason": reason,
            }
        )
    return out


@pytest.mark.parametrize("width", [80, 120])
def test_live_view_fits_without_cutting_words(width: int) -> None:
    view = LiveView()
    view.update(0.0, 0.01, [], [])
    classes = ["attack_drone"] * 12 + ["fixed_wing_uav", "ground_emitter", "multirotor", "unknown"]
    view.update(123.4, 0.02, classes, _alerts())
    text = assert_no_cut_words(view.render(), width)
    # the operator's whole sentence is shown, word for word (not shortened by the view)
    tokens = set(_BOX.sub(" ", text).split())
    for a in _alerts():
        missing = [w for w in str(a["reason"]).split() if w not in tokens]
        assert not missing, (a["kind"], missing)
    for short in KIND_SHORT.values():
        assert f" {short} " in text
    assert "water-treatment-plant" in text and "1000000" in text and "2:07" in text
    assert "x real time" in text


def test_live_view_lists_at_most_its_rows_and_counts_the_rest() -> None:
    view = LiveView(max_alert_rows=2)
    view.update(5.0, 0.01, ["bird"], _alerts())
    text = assert_no_cut_words(view.render(), 80)
    assert "and 3 more" in text and "Active alerts (5)" in text
    # a cleared alert leaves the view
    view.update(6.0, 0.01, ["bird"], [{"alert_id": "raid-2", "state": "cleared"}])
    assert "Active alerts (4)" in _render(view.render(), 80)


def test_live_view_speed_is_the_work_done() -> None:
    view = LiveView()
    for t in range(10):  # 10 batches 1 s apart, 0.5 s of processing each
        view.update(float(t), 0.5, [], [])
    assert view.x_real_time() == pytest.approx(10.0 / 5.0)


@pytest.mark.parametrize("width", [80, 120])
def test_eval_report_fits_without_cutting_words(
    shared_dir: Path, tmp_path: Path, width: int
) -> None:
    folder = shared_dir / "scenarios" / "mixed-demo"
    truth = read_ground_truth(folder).truth
    tracks = tmp_path / "tracks.csv"
    keep = truth.time <= 30.0
    with TrackWriter(tracks, geodetic=False) as w:
        for t in np.unique(truth.time[keep]):
            m = truth.time == t
            n = int(m.sum())
            w.write(
                float(t),
                truth.target_id[m] + 1000,
                truth.pos[m],
                truth.vel[m],
                ["bird"] * n,
                [1.0] * n,
            )
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("\n".join(json.dumps(a) for a in _alerts() if a["kind"] != "relay") + "\n")
    report = evaluate(folder, read_tracks(tracks), alerts=alerts)
    text = assert_no_cut_words(render_report(report), width)
    assert "ground_emitter" in text and "never tracked" in text
