"""Whole scenarios: determinism, read-back through `skyfuse.scenario`, truth and labels."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import HOSTILE_CLASSES, KNOWN_CLASSES
from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.sim import PRESETS, SimConfig, preset, simulate, write_result

FILES = (
    "sensors.json",
    "detections.jsonl",
    "context.json",
    "truth.csv",
    "targets.csv",
    "labels.csv",
    "meta.json",
)


def _small_mixed(seed: int = 1, **kw: object) -> SimConfig:
    return preset("mixed-region", seed=seed, duration_s=25.0, **kw)


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        write_result(simulate(_small_mixed(seed)), tmp_path / name)
    for f in FILES:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a" / "detections.jsonl").read_bytes() != (
        tmp_path / "c" / "detections.jsonl"
    ).read_bytes()
    assert (tmp_path / "a" / "truth.csv").read_bytes() != (
        tmp_path / "c" / "truth.csv"
    ).read_bytes()


@pytest.mark.parametrize(
    "config",
    [
        preset("n10-r3"),
        preset("raid-10x100", duration_s=20.0),
        preset("night-raid", duration_s=30.0),
        preset("n10-r1", frame="wgs84"),
        preset("mixed-region", frame="wgs84", duration_s=20.0),
    ],
    ids=["n10-r3", "raid", "night-raid", "n10-wgs84", "mixed-wgs84"],
)
def test_folder_reads_back(tmp_path: Path, config: SimConfig) -> None:
    res = simulate(config)
    write_result(res, tmp_path)
    for f in FILES:
        assert (tmp_path / f).is_file()
    inputs = read_tracker_inputs(tmp_path)
    gt = read_ground_truth(tmp_path)
    assert inputs.stats.skipped == 0
    assert len(inputs.reports) == len(res.reports) == res.meta["detections"]
    assert np.array_equal(inputs.reports.det_id, np.arange(len(res.reports)))
    assert (np.diff(inputs.reports.time) >= 0).all()
    assert gt.labels is not None and gt.targets is not None
    det, tgt = gt.labels
    assert np.array_equal(det, inputs.reports.det_id)
    assert ((tgt == -1) | np.isin(tgt, gt.targets.target_id)).all()
    assert gt.truth.geodetic == (config.frame == "wgs84")
    assert set(gt.targets.cls.tolist()) <= set(KNOWN_CLASSES)
    hostile = np.isin(gt.targets.cls, list(HOSTILE_CLASSES))
    assert (gt.targets.hostile[hostile]).all()
    # Truth at every scheduled report time of any sensor, for every alive target.
    scheduled = np.unique(
        np.round(np.concatenate([s.report_times() for s in inputs.sensors.sensors]), 6)
    )
    assert np.isin(np.round(gt.truth.time, 6), scheduled).all()
    assert np.isin(np.round(inputs.reports.time, 6), scheduled).all()
    traj = res.world.traj
    for t in scheduled[:: max(1, len(scheduled) // 40)]:
        rows = np.isclose(gt.truth.time, t, atol=1e-6)
        assert np.array_equal(np.sort(gt.truth.target_id[rows]), traj.alive_at(float(t)))
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["seed"] == config.seed and meta["truth_rows"] == len(gt.truth)
    # Every true report's time is inside its target's life (acoustic: the emission is).
    true = tgt >= 0
    born = traj.t_birth[tgt[true]]
    assert (inputs.reports.time[true] >= born - 1e-6).all()


def test_wgs84_truth_is_consistent_with_pymap3d() -> None:
    """Truth velocities (local ENU) match finite differences of truth positions via pymap3d,
    and speeds hold far from the origin on a 1,000 km map."""
    cfg = preset(
        "country",
        duration_s=20.0,
        acoustic_arrays=50,
        attack_drones=40,
        decoys=0,
        aircraft=10,
        relays=0,
        radars=2,
    )
    res = simulate(cfg)
    tr = res.truth
    assert tr.geodetic
    plan = res.world.plan
    ok = 0
    for tid in np.unique(tr.target_id)[:25]:
        sel = np.flatnonzero(tr.target_id == tid)
        if len(sel) < 3:
            continue
        a, b = sel[0], sel[1]
        dt = tr.time[b] - tr.time[a]
        e, n, u = pymap3d.geodetic2enu(*tr.pos[b], *tr.pos[a])
        v_fd = np.array([e, n, u]) / dt
        v_mid = 0.5 * (tr.vel[a] + tr.vel[b])
        assert np.allclose(v_fd, v_mid, atol=0.5), tid
        speed = np.hypot(tr.vel[a, 0], tr.vel[a, 1])
        assert speed == pytest.approx(plan.speed[tid], rel=1e-3)
        ok += 1
    assert ok >= 10
    far = np.abs(tr.pos[:, 0] - cfg.origin_lat_deg) > 2.0
    assert far.any()  # targets several hundred km from the origin


def test_targets_table_has_missions() -> None:
    res = simulate(preset("night-raid", duration_s=300.0))
    t = res.targets
    cls = t.cls
    hostile_air = np.isin(cls, ["attack_drone", "decoy"])
    arrival = t.float_col("arrival_time_s")
    goal = t.goal_site != ""
    assert goal.sum() > 10
    assert np.isfinite(arrival[goal]).all() and np.isnan(arrival[~goal]).all()
    assert res.meta["impacts_within_run"] > 0
    crossing = t.extra["border_id"] != ""
    assert (hostile_air[crossing]).all()
    site_ids = {s.site_id for s in res.context.sites}
    assert set(t.goal_site[goal].tolist()) <= site_ids
    assert np.isfinite(t.float_col("t_birth_s")).all()
    # Relays and controllers are ground emitters with a carrier frequency.
    ground = cls == "ground_emitter"
    assert ground.any() and np.isfinite(t.float_col("rf_mhz")[ground]).all()
    assert len(res.context.borders) == 1 and res.context.partners[0].partner == "PL"


def test_border_crossers_cross_into_the_partner_side() -> None:
    res = simulate(preset("night-raid", border_share=1.0, duration_s=400.0, seed=5))
    t = res.targets
    cross = t.float_col("border_cross_time_s")
    crossers = t.extra["border_id"] != ""
    assert crossers.sum() > 10
    assert np.isfinite(cross[crossers]).any()
    within = np.flatnonzero(crossers & (cross <= 400.0))
    assert len(within) > 0
    from skyfuse.sim.geometry import side_of_polyline

    border = res.world.geo.border_xy
    for i in within[:10]:
        before, _ = res.world.traj.state_at(np.array([i]), cross[i] - 5.0)
        after, _ = res.world.traj.state_at(np.array([i]), min(cross[i] + 5.0, 400.0))
        assert (
            side_of_polyline(before[:, :2], border)[0]
            < 0
            < side_of_polyline(after[:, :2], border)[0]
        )


def test_presets_are_valid_and_named() -> None:
    expected = {
        "n10-r1",
        "n10-r3",
        "n100-r1",
        "n100-r3",
        "n1000-r1",
        "n1000-r3",
        "raid-10x300",
        "raid-10x100",
        "hour-n100-r3",
        "acoustic-region",
        "mixed-region",
        "country",
        "night-raid",
        "birds-500",
    }
    assert expected <= set(PRESETS)
    assert PRESETS["country"].frame == "wgs84" and PRESETS["country"].acoustic_arrays == 10_000
    assert PRESETS["hour-n100-r3"].duration_s == 3600.0
    assert PRESETS["raid-10x100"].raid_spacing_m == 100.0
    assert preset("n100-r3", seed=4).seed == 4
    partial = preset("night-raid", radar={"pd": 0.8})
    assert partial.radar.pd == 0.8 and partial.radar.doppler and partial.radar.rcs


def test_bad_config_names_the_field() -> None:
    with pytest.raises(InputError, match="duration_s"):
        SimConfig(duration_s=-1.0)
    with pytest.raises(InputError, match=r"radar\.pd"):
        preset("n10-r1", radar={"pd": 1.5})
    with pytest.raises(InputError, match="unknown preset"):
        preset("nope")
    with pytest.raises(InputError, match="warp_speed"):
        preset("n10-r1", warp_speed=9)
    with pytest.raises(InputError, match="target_class"):
        SimConfig(target_class="ufo")


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    targets=st.integers(0, 500),
    frame=st.sampled_from(["enu", "wgs84"]),
    pd=st.floats(0.0, 1.0),
    spacing=st.floats(1.0, 1e4),
)
def test_config_round_trips_through_json(
    seed: int, targets: int, frame: str, pd: float, spacing: float
) -> None:
    cfg = preset("mixed-region", seed=seed, targets=targets, frame=frame, raid_spacing_m=spacing)
    cfg = msgspec.structs.replace(cfg, radar=msgspec.structs.replace(cfg.radar, pd=pd))
    text = msgspec.json.encode(cfg)
    back = msgspec.json.decode(text, type=SimConfig)
    assert back == cfg
