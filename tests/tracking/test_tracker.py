"""Tracker behaviour: lifecycle, crossing targets, seams, robustness, outputs, end-to-end GOSPA."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.eval.gospa import gospa
from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking import (
    PositionModel,
    Tracker,
    TrackerConfig,
    TrackerHooks,
    default_models,
    position_cov_enu,
    track_rows,
)

from .synth import radar_scenario, run_and_score


def _one_target(n_scans: int, **kw: object) -> tuple[SensorCatalog, Reports]:
    s = radar_scenario(
        n_targets=1,
        n_radars=1,
        n_scans=n_scans,
        clutter=0.0,
        pd=1.0,
        start=np.array([[3000.0, 4000.0, 500.0]]),
        velocity=np.array([[30.0, -20.0, 0.0]]),
        **kw,  # type: ignore[arg-type]
    )
    return s.catalog, s.reports


def _far_plot(k: int) -> Reports:
    """One false plot far from the target at time k (so the batch covers the target)."""
    return Reports(
        det_id=np.array([1000 + k], np.int64),
        time=np.array([float(k)]),
        sensor=np.zeros(1, np.int32),
        values={
            "range_m": np.array([25_000.0]),
            "azimuth_deg": np.array([200.0]),
            "elevation_deg": np.array([10.0]),
        },
    )


def _run_then_starve(cfg: TrackerConfig) -> tuple[list[int], list[int], int | None]:
    """Track one target for 6 scans, then feed only far plots; statuses and deletion time."""
    catalog, reports = _one_target(6)
    tr = Tracker(catalog, cfg)
    statuses = []
    for b in reports.batches_by_time():
        pic = tr.process(b).picture
        assert len(pic) == 1
        statuses.append(int(pic.status[0]))
    tid = int(tr.picture().track_id[0])
    later: list[int] = []
    for k in range(6, 20):
        out = tr.process(_far_plot(k))
        if tid in out.deleted.tolist():
            return statuses, later, k
        later.append(int(out.picture.status[out.picture.track_id == tid][0]))
    return statuses, later, None


def test_confirmation_after_two_hits_then_coasting_and_time_deletion() -> None:
    cfg = TrackerConfig(delete_llr_drop=1e9)  # time-based deletion only
    statuses, later, deleted_at = _run_then_starve(cfg)
    assert statuses[0] == TrackStatus.TENTATIVE
    assert all(s == TrackStatus.CONFIRMED for s in statuses[1:])
    # Last update at t = 5: confirmed at 6 (1 s), coasting from 7 (> 1.5 s), deleted after 5 s.
    assert later[0] == TrackStatus.CONFIRMED
    assert all(s == TrackStatus.COASTING for s in later[1:])
    assert deleted_at == 5 + int(cfg.delete_after_s) + 1


def test_score_deletion_after_missed_scans_in_coverage() -> None:
    # Pd 0.99 (clipped from 1): each covered scan without a plot adds ln(0.01) = -4.6, so the
    # default 9.0 drop deletes the track at the second miss.
    _, later, deleted_at = _run_then_starve(TrackerConfig())
    assert deleted_at == 7
    assert later == [TrackStatus.CONFIRMED]


@pytest.mark.parametrize("association", ["gnn", "nnjpda"])
def test_crossing_targets_keep_their_ids(association: str) -> None:
    # Two targets crossing at one point (30 deg apart) in front of three radars, with clutter.
    start = np.array([[-1500.0, 0.0, 800.0], [-1500.0 * np.cos(0.5), -1500.0 * np.sin(0.5), 800.0]])
    vel = -start / np.linalg.norm(start, axis=1, keepdims=True) * 50.0
    vel[:, 2] = 0.0
    s = radar_scenario(
        n_targets=2, n_radars=3, n_scans=60, seed=5, start=start, velocity=vel, q=0.0
    )
    score = run_and_score(s, TrackerConfig(association=association))  # type: ignore[arg-type]
    assert score.id_switches == 0
    assert score.track_ids == 2


def test_ten_targets_with_clutter_good_picture() -> None:
    s = radar_scenario(n_targets=10, n_radars=3, n_scans=40, seed=11)
    score = run_and_score(s)
    # 10 targets at ~10-15 m each plus a few scans of confirmation: well under 250 m.
    assert score.gospa < 250.0
    assert score.id_switches == 0
    assert 2.0 < score.mean_nis < 4.0  # honest innovations (3 dof)


def test_wgs84_far_from_origin_gives_same_quality() -> None:
    enu = run_and_score(radar_scenario(n_targets=10, n_radars=3, n_scans=30, seed=4))
    geo = run_and_score(radar_scenario(n_targets=10, n_radars=3, n_scans=30, seed=4, geodetic=True))
    assert geo.gospa == pytest.approx(enu.gospa, rel=0.15)
    assert geo.id_switches == enu.id_switches == 0
    assert geo.false == pytest.approx(enu.false, abs=10.0)


def test_end_to_end_shared_radar_scenario(radar_scenario_dir: Path) -> None:
    """n10-r3-s120: Stone Soup's GNN-EKF gets ~106 mean GOSPA; we must not be worse."""
    inp = read_tracker_inputs(radar_scenario_dir)
    truth = read_ground_truth(radar_scenario_dir).truth
    tpos = inp.catalog.frame.to_work(truth.pos[:, 0], truth.pos[:, 1], truth.pos[:, 2])
    tr = Tracker(inp.catalog)
    g, nees = [], []
    for b in inp.reports.batches_by_time():
        pic = tr.process(b).picture
        shown = pic.take(pic.confirmed())
        rows = np.abs(truth.time - b.time[0]) < 1e-6
        res = gospa(tpos[rows], shown.state[:, :3])
        g.append(res.total)
        e = tpos[rows][res.pairs.truth] - shown.state[res.pairs.track, :3]
        sol = np.linalg.solve(shown.cov[res.pairs.track, :3, :3], e[..., None])[..., 0]
        nees.extend(np.einsum("ni,ni->n", e, sol))
    assert np.mean(g) < 106.0
    assert 2.0 < np.mean(nees) < 4.0  # position NEES near 3


@pytest.fixture()
def radar_scenario_dir(radar_scenario: Path) -> Path:
    return radar_scenario


def test_late_reports_do_not_touch_tracks() -> None:
    catalog, reports = _one_target(5)
    tr = Tracker(catalog)
    for b in reports.batches_by_time():
        tr.process(b)
    before = tr.snapshot()
    late = reports.take(reports.time == 2.0)
    out = tr.process(late)
    assert tr.stats.late_reports == len(late)
    assert len(out.associations) == 0
    np.testing.assert_array_equal(tr.x, before["x"])
    got: list[int] = []
    tr.hooks.on_late = lambda t, r: got.append(len(r))
    tr.process(late)
    assert got == [len(late)]


def test_kinds_without_a_model_are_counted_and_skipped(mixed_scenario: Path) -> None:
    inp = read_tracker_inputs(mixed_scenario)
    tr = Tracker(inp.catalog)
    for i, b in enumerate(inp.reports.batches_by_time()):
        tr.process(b)
        if i > 400:
            break
    kinds = set(SensorKind(int(k)).label for k in inp.catalog.kind)
    skipped = set(tr.stats.skipped_by_kind)
    assert skipped <= kinds - {"radar", "adsb", "remote_id"}
    assert sum(tr.stats.skipped_by_kind.values()) > 0


def test_unassociated_hook_receives_leftovers_of_non_initiating_models() -> None:
    class NoInit(PositionModel):
        can_initiate = False

    catalog, _ = _one_target(1)
    spec = catalog.specs[0]
    from skyfuse.scenario.model import Frame, SensorsFile, SensorSpec

    coop = SensorSpec(
        sensor_id="adsb", kind="adsb", position_enu_m=(0.0, 0.0, 0.0), noise_sigma={"pos_m": 30.0}
    )
    cat = SensorCatalog.build(SensorsFile(frame=Frame(type="ENU"), sensors=[spec, coop]))
    models = default_models()
    models[SensorKind.ADSB] = NoInit()
    got: list[Reports] = []
    tr = Tracker(cat, models=models, hooks=TrackerHooks(on_unassociated=lambda t, r: got.append(r)))
    rep = Reports(
        det_id=np.array([1, 2], np.int64),
        time=np.zeros(2),
        sensor=np.ones(2, np.int32),
        values={
            "x": np.array([0.0, 5000.0]),
            "y": np.array([0.0, 0.0]),
            "z": np.array([500.0, 500.0]),
        },
    )
    out = tr.process(rep)
    assert len(out.picture) == 0
    assert [r.det_id.tolist() for r in got] == [[1, 2]]
    # A hook can start tracks through the public API.
    ids = tr.add_tracks(
        np.array([[0.0, 0, 500, 0, 0, 0]]), np.eye(6)[None] * 100.0, SensorKind.ADSB
    )
    assert tr.picture().track_id.tolist() == ids.tolist()


def test_cooperative_position_reports_make_tracks() -> None:
    from skyfuse.scenario.model import Frame, SensorsFile, SensorSpec

    spec = SensorSpec(
        sensor_id="rid",
        kind="remote_id",
        position_enu_m=(0.0, 0.0, 0.0),
        noise_sigma={"pos_m": 5.0},
        pd=0.99,
    )
    cat = SensorCatalog.build(SensorsFile(frame=Frame(type="ENU"), sensors=[spec]))
    tr = Tracker(cat)
    for k in range(5):
        tr.process(
            Reports(
                det_id=np.array([k], np.int64),
                time=np.array([float(k)]),
                sensor=np.zeros(1, np.int32),
                values={"x": np.array([10.0 * k]), "y": np.array([0.0]), "z": np.array([100.0])},
            )
        )
    pic = tr.picture()
    assert len(pic) == 1 and pic.status[0] == TrackStatus.CONFIRMED
    assert pic.state[0, 3] == pytest.approx(10.0, abs=2.0)


def test_flood_of_clutter_is_capped() -> None:
    catalog, reports = _one_target(3)
    rng = np.random.default_rng(0)
    n = 100_000
    flood = Reports(
        det_id=np.arange(10**6, 10**6 + n, dtype=np.int64),
        time=np.full(n, 3.0),
        sensor=np.zeros(n, np.int32),
        values={
            "range_m": rng.uniform(250, 30_000, n),
            "azimuth_deg": rng.uniform(0, 360, n),
            "elevation_deg": rng.uniform(-2, 30, n),
        },
    )
    cfg = TrackerConfig(max_new_tracks_per_batch=2000)
    tr = Tracker(catalog, cfg)
    for b in reports.batches_by_time():
        tr.process(b)
    out = tr.process(flood)
    assert len(out.picture) <= 1 + 2000
    assert tr.stats.capped_initiations > 0


def test_bad_radar_report_names_the_field() -> None:
    catalog, _ = _one_target(1)
    rep = Reports(
        det_id=np.array([7], np.int64),
        time=np.zeros(1),
        sensor=np.zeros(1, np.int32),
        values={"range_m": np.array([1000.0]), "azimuth_deg": np.array([10.0])},
        line=np.array([42], np.int64),
    )
    with pytest.raises(InputError) as err:
        Tracker(catalog).process(rep)
    assert err.value.field == "elevation_deg" and err.value.line == 42


def test_snapshot_restore_continues_identically() -> None:
    s = radar_scenario(n_targets=5, n_radars=3, n_scans=12, seed=9)
    batches = list(s.reports.batches_by_time())
    a = Tracker(s.catalog)
    for b in batches[:15]:
        a.process(b)
    b2 = Tracker(s.catalog)
    b2.restore(a.snapshot())
    for b in batches[15:]:
        pa, pb = a.process(b).picture, b2.process(b).picture
        np.testing.assert_array_equal(pa.track_id, pb.track_id)
        np.testing.assert_allclose(pa.state, pb.state)


@pytest.mark.parametrize("geodetic", [False, True])
def test_track_rows_scenario_frame_and_enu_covariance(geodetic: bool) -> None:
    s = radar_scenario(n_targets=3, n_radars=3, n_scans=10, seed=2, geodetic=geodetic, clutter=0.0)
    tr = Tracker(s.catalog)
    for b in s.reports.batches_by_time():
        tr.process(b)
    pic = tr.picture()
    rows = track_rows(pic)
    assert len(rows) == int(pic.confirmed().sum()) == 3
    frame = s.catalog.frame
    back = frame.to_work(rows.pos[:, 0], rows.pos[:, 1], rows.pos[:, 2])
    shown = pic.take(pic.confirmed())
    np.testing.assert_allclose(back, shown.state[:, :3], atol=1e-3)
    np.testing.assert_allclose(
        frame.velocity_from_local(shown.state[:, :3], rows.vel), shown.state[:, 3:], atol=1e-9
    )
    cov = position_cov_enu(shown)
    # Rotation keeps the eigenvalues; ENU scenarios keep the matrix itself.
    np.testing.assert_allclose(
        np.linalg.eigvalsh(cov), np.linalg.eigvalsh(shown.cov[:, :3, :3]), rtol=1e-9
    )
    if not geodetic:
        np.testing.assert_allclose(cov, shown.cov[:, :3, :3])
    assert rows.cov_columns().shape == (3, 6)
    assert rows.cov_columns()[0, 0] == pytest.approx(cov[0, 0, 0])


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="gate_chi2"):
        TrackerConfig(gate_chi2=0.0)
    with pytest.raises(ValueError, match="association"):
        TrackerConfig(association="mht")  # type: ignore[arg-type]
