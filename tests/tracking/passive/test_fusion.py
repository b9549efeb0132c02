"""Passive fusion inside the tracker: acoustic-only tracking, late reports, seam models,
static emitters, cooperative identity and spoof screening."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from passive_synth import Drones, acoustic_grid, acoustic_reports

from skyfuse.core.kinds import SensorKind
from skyfuse.core.picture import Picture, TrackStatus
from skyfuse.core.reports import Reports
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario import read_ground_truth, read_tracker_inputs
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.scenario.model import Coverage, Frame, SensorsFile, SensorSpec
from skyfuse.tracking import Tracker
from skyfuse.tracking.passive.bearings import BearingSensors, bearings_from_reports
from skyfuse.tracking.passive.cooperative import (
    CoopAction,
    CooperativeBinder,
    coop_from_reports,
)
from skyfuse.tracking.passive.emitters import (
    EmitterConfig,
    StaticEmitterLocator,
    horizontal_major_sigma,
    persistent_lines,
)
from skyfuse.tracking.passive.fusion import register_passive
from skyfuse.tracking.passive.models import BearingModel


def _drone() -> Drones:
    return Drones(
        np.array([[-1000.0, 1500.0, 700.0]]), np.array([[50.0, 0.0, 0.0]]), np.array([115.0])
    )


@pytest.mark.parametrize("seam_models", [False, True])
def test_acoustic_only_track_in_the_tracker(seam_models: bool) -> None:
    """Acoustic arrays only: the tracker (through `PassiveFusion`) gets one confirmed track on
    the drone, within 200 m after it settles, and no other confirmed track."""
    sensors = acoustic_grid(3, 2, 3000.0)
    cat = SensorCatalog.build(sensors)
    dr = _drone()
    rep, _ = acoustic_reports(sensors, dr, np.arange(0.0, 80.0, 1.0), seed=1)
    trk = Tracker(cat)
    fusion = register_passive(trk, seam_models=seam_models)
    errs = []
    for batch in rep.batches_by_time():
        pic = fusion.process(batch).picture
        shown = pic.take(pic.confirmed())
        if len(shown):
            d = np.linalg.norm(shown.state[:, :3] - dr.at(float(batch.time[0]))[0], axis=1)
            assert np.all(d < 600.0), f"stray track at t={batch.time[0]}: {d}"
            errs.append(d.min())
    assert fusion.stats.births >= 1
    assert len(errs) > 40
    assert np.median(errs[-30:]) < 200.0


def test_bearing_model_jacobian_matches_finite_differences() -> None:
    """The seam model's H (with the delay) against central differences of its own h(x)."""
    sensors = acoustic_grid(1, 1, 3000.0)
    cat = SensorCatalog.build(sensors)
    model = BearingModel(BearingSensors.build(cat), elevation=True)
    x = np.array([[1500.0, 1800.0, 600.0, 45.0, -20.0, 2.0]])
    s = np.zeros(1, np.int32)
    _, H = model.predict(x, s, cat)
    num = np.zeros((2, 6))
    for k in range(6):
        e = np.zeros((1, 6))
        e[0, k] = 1e-3
        zp, _ = model.predict(x + e, s, cat)
        zm, _ = model.predict(x - e, s, cat)
        num[:, k] = model.residual(zp, zm)[0] / 2e-3
    np.testing.assert_allclose(H[0], num, rtol=1e-5, atol=1e-10)


def test_late_acoustic_report_improves_a_tracker_track() -> None:
    """A bearing older than the tracker's time reaches `on_late` and shrinks the error and the
    position covariance of the track instead of being dropped."""
    sensors = acoustic_grid(2, 1, 3000.0)
    cat = SensorCatalog.build(sensors)
    trk = Tracker(cat)
    fusion = register_passive(trk)
    dr = _drone()
    t_now = 10.0
    x = np.zeros((1, 6))
    x[0, :3] = dr.at(t_now)[0] + np.array([200.0, -150.0, 80.0])
    x[0, 3:] = dr.v[0]
    P = np.diag([250.0**2, 250.0**2, 150.0**2, 10.0**2, 10.0**2, 3.0**2])[None]
    trk.process(Reports(np.zeros(1, np.int64), np.array([t_now]), np.zeros(1, np.int32)))
    trk.add_tracks(x, P, SensorKind.ACOUSTIC, confirmed=True)
    # Sound from t = 4 s heard by array 0 at about 6-7 s: late with respect to t = 10 s.
    rep, _ = acoustic_reports(sensors, dr, np.array([7.0]), seed=3, clutter_per_report=0.0, pd=1.0)
    late = rep.take(rep.sensor == 0)
    before_err = np.linalg.norm(trk.x[trk.live()[0], :3] - dr.at(t_now)[0])
    before_tr = np.trace(trk.P[trk.live()[0], :3, :3])
    fusion.process(late)
    slot = trk.live()[0]
    assert fusion.stats.late_used == 1
    assert np.linalg.norm(trk.x[slot, :3] - dr.at(t_now)[0]) < before_err
    assert np.trace(trk.P[slot, :3, :3]) < before_tr


def _rf_sensors() -> SensorsFile:
    specs = [
        SensorSpec(
            sensor_id=f"rf-{i}",
            kind="rf_df",
            position_enu_m=p,
            noise_sigma={"azimuth_deg": 2.0, "frequency_mhz": 0.05, "rssi_dbm": 3.0},
            report_period_s=1.0,
            coverage=Coverage(max_range_m=40_000.0),
        )
        for i, p in enumerate([(0.0, 0.0, 20.0), (12_000.0, 0.0, 20.0), (6000.0, -9000.0, 20.0)])
    ]
    return SensorsFile(frame=Frame(type="ENU"), sensors=specs)


def _rf_reports(
    cat: SensorCatalog,
    emitters: list[tuple[np.ndarray, np.ndarray, float, float]],
    times: np.ndarray,
    seed: int,
) -> Reports:
    """DF bearings of (position at t=0, velocity, carrier MHz, EIRP-ish dBm) emitters."""
    rng = np.random.default_rng(seed)
    t_l, s_l, az_l, f_l, r_l = [], [], [], [], []
    for t in times:
        for s in range(len(cat)):
            for p0, v, f, power in emitters:
                d = p0 + v * t - cat.position[s]
                rng_m = float(np.linalg.norm(d))
                t_l.append(t)
                s_l.append(s)
                az_l.append((np.degrees(np.arctan2(d[0], d[1])) + rng.normal(0, 2.0)) % 360.0)
                f_l.append(f + rng.normal(0, 0.05))
                r_l.append(power - 20 * np.log10(rng_m) + rng.normal(0, 3.0))
    n = len(t_l)
    return Reports(
        det_id=np.arange(n, dtype=np.int64),
        time=np.array(t_l),
        sensor=np.array(s_l, np.int32),
        values={
            "azimuth_deg": np.array(az_l),
            "frequency_mhz": np.array(f_l),
            "rssi_dbm": np.array(r_l),
        },
    )


def test_static_relay_located_and_moving_datalink_rejected() -> None:
    """A relay on 868.333 MHz and a drone datalink on 868.344 MHz (same channel within the DF
    frequency noise): the relay is located within 150 m with an honest covariance, flagged
    static; the moving drone gives no emitter."""
    cat = SensorCatalog.build(_rf_sensors())
    relay = np.array([4000.0, 8000.0, 5.0])
    drone0 = np.array([-5000.0, 15_000.0, 800.0])
    rep = _rf_reports(
        cat,
        [
            (relay, np.zeros(3), 868.333, 20.0),
            (drone0, np.array([45.0, -20.0, 0.0]), 868.344, 20.0),
        ],
        np.arange(0.0, 120.0, 1.0),
        seed=5,
    )
    sensors = BearingSensors.build(cat)
    loc = StaticEmitterLocator(sensors)
    loc.add(bearings_from_reports(rep, sensors))
    e = loc.locate(119.0)
    assert len(e) == 1
    err = e.position[0] - relay
    assert np.linalg.norm(err[:2]) < 150.0
    nees = err[:2] @ np.linalg.inv(e.cov[0, :2, :2]) @ err[:2]
    assert nees < 13.8  # chi-square 2 dof, 99.9 %
    pic = e.to_picture(119.0, cat.frame, n_modes=2)
    assert pic.static.all() and pic.confirmed().all() and pic.mode_prob.shape == (1, 2)
    # Ids are stable from one call to the next.
    assert loc.locate(119.0).emitter_id[0] == e.emitter_id[0]


def test_relay_of_mixed_demo(mixed_scenario: Path) -> None:
    """The ground relay of the shared mixed scenario (target 40) is found within 150 m (drone
    datalinks on its channel sweep through its azimuth) with an honest covariance."""
    inp = read_tracker_inputs(mixed_scenario)
    gt = read_ground_truth(mixed_scenario)
    sensors = BearingSensors.build(inp.catalog)
    loc = StaticEmitterLocator(sensors)
    loc.add(bearings_from_reports(inp.reports, sensors))
    e = loc.locate(float(inp.reports.time.max()))
    relay = gt.truth.pos[gt.truth.target_id == 40][0]
    d = np.linalg.norm(e.position[:, :2] - relay[:2], axis=1)
    k = int(np.argmin(d))
    assert d[k] < 150.0
    err = e.position[k, :2] - relay[:2]
    assert err @ np.linalg.inv(e.cov[k, :2, :2]) @ err < 13.8  # chi-square 2 dof, 99.9 %


def test_line_azimuth_ignores_a_datalink_crossing_it() -> None:
    """A persistent line (relay, -80 dBm, true azimuth 40 deg) with a drone datalink on the
    same channel sweeping from 38 to 50 deg at -95 dBm: the line's azimuth is the relay's
    within 0.3 deg (the plain mean over its +-6 deg window is pulled by the sweep)."""
    rng = np.random.default_rng(3)
    n_r, n_d = 60, 60
    sig = np.radians(2.0)
    az = np.concatenate(
        [
            np.radians(40.0) + rng.normal(0.0, sig, n_r),
            np.radians(np.linspace(38.0, 50.0, n_d)) + rng.normal(0.0, sig, n_d),
        ]
    )
    rssi = np.concatenate([rng.normal(-80.0, 2.0, n_r), rng.normal(-95.0, 2.0, n_d)])
    n = n_r + n_d
    cat = SensorCatalog.build(_rf_sensors())
    rep = Reports(
        det_id=np.arange(n, dtype=np.int64),
        time=np.concatenate([np.arange(n_r, dtype=float), np.linspace(10.0, 40.0, n_d)]),
        sensor=np.zeros(n, np.int32),
        values={
            "azimuth_deg": np.degrees(az) % 360.0,
            "frequency_mhz": np.full(n, 868.33),
            "rssi_dbm": rssi,
        },
    )
    lines = persistent_lines(bearings_from_reports(rep, BearingSensors.build(cat)), EmitterConfig())
    assert lines.az.size >= 1
    best = int(np.argmax(lines.n))
    assert abs(np.degrees(lines.az[best]) - 40.0) < 0.3


def test_horizontal_major_sigma_closed_form() -> None:
    """Diagonal covariance (30, 80, 500 m) with a vertical z: the major horizontal sigma is
    80 m; the same covariance seen with x as the vertical gives 500 m."""
    cov = np.diag([30.0**2, 80.0**2, 500.0**2])[None]
    assert horizontal_major_sigma(cov, np.array([[0.0, 0.0, 1.0]]))[0] == pytest.approx(80.0)
    assert horizontal_major_sigma(cov, np.array([[1.0, 0.0, 0.0]]))[0] == pytest.approx(500.0)


def _coop_catalog() -> SensorCatalog:
    return SensorCatalog.build(
        SensorsFile(
            frame=Frame(type="ENU"),
            sensors=[
                SensorSpec(
                    sensor_id="radar-0",
                    kind="radar",
                    position_enu_m=(0.0, 0.0, 10.0),
                    noise_sigma={"range_m": 10.0, "azimuth_deg": 0.2, "elevation_deg": 0.2},
                ),
                SensorSpec(
                    sensor_id="adsb-0",
                    kind="adsb",
                    position_enu_m=(0.0, 0.0, 15.0),
                    noise_sigma={"pos_m": 10.0, "vel_mps": 0.5},
                ),
            ],
        )
    )


def _radar_picture(t: float, pos: np.ndarray, vel: np.ndarray) -> Picture:
    n = pos.shape[0]
    cov = np.tile(np.diag([30.0**2] * 3 + [3.0**2] * 3), (n, 1, 1))
    return Picture(
        t,
        WorkFrame(False),
        np.arange(1, n + 1, dtype=np.int64),
        np.hstack([pos, vel]),
        cov,
        np.full(n, int(TrackStatus.CONFIRMED), np.int8),
        np.zeros(n),
        np.full(n, t),
        np.full(n, 10, np.int32),
        np.full((n, 2), 0.5),
        np.zeros(n, bool),
        np.full(n, None, dtype=object),
        np.zeros(n, bool),
        np.full(n, 1 << int(SensorKind.RADAR), np.int32),
    )


def _adsb(t: float, ident: str, pos: np.ndarray, vel: np.ndarray, det: int) -> Reports:
    return Reports(
        det_id=np.array([det], np.int64),
        time=np.array([t]),
        sensor=np.array([1], np.int32),
        values={
            "x": pos[:1],
            "y": pos[1:2],
            "z": pos[2:3],
            "vx": vel[:1],
            "vy": vel[1:2],
            "vz": vel[2:3],
        },
        text={"icao24": np.array([ident], dtype=object)},
    )


def test_cooperative_binding_and_spoof_screening() -> None:
    """An honest ADS-B binds to its radar track and may update it; a constant-offset spoof of
    another track is held and flagged after three reports; a bound identity that walks away
    from its radar track (pull-off) is held (never drags it) and flagged."""
    cat = _coop_catalog()
    binder = CooperativeBinder()
    v = np.array([120.0, 0.0, 0.0])
    a0, b0 = np.array([0.0, 5000.0, 3000.0]), np.array([0.0, -8000.0, 2000.0])
    actions: dict[str, list[int]] = {"honest": [], "shadow": [], "pull": []}
    for k in range(8):
        t = float(k)
        pic = _radar_picture(t, np.stack([a0 + v * t, b0 + v * t]), np.stack([v, v]))
        honest = _adsb(t, "honest", a0 + v * t + 5.0, v, 3 * k)
        shadow = _adsb(t, "shadow", b0 + v * t + np.array([2500.0, 0, 0]), v, 3 * k + 1)
        pull_pos = b0 + v * t + np.array([0.0, 0.0, 0.0 if k < 3 else 400.0 * (k - 2)])
        pull = _adsb(t, "pull", pull_pos, v, 3 * k + 2)
        rep = Reports.concat([honest, shadow, pull])
        dec = binder.screen(coop_from_reports(rep, cat), pic)
        for name, a in zip(dec.ident, dec.action, strict=True):
            actions[str(name)].append(int(a))
    assert all(a == CoopAction.UPDATE for a in actions["honest"])
    assert binder.bindings()[1] == "honest"
    assert all(a == CoopAction.HOLD for a in actions["shadow"])
    assert actions["pull"][:3] == [CoopAction.UPDATE] * 3
    assert all(a == CoopAction.HOLD for a in actions["pull"][3:])
    assert binder.spoof_tracks() == {2: "pull"} or set(binder.spoof_tracks().values()) == {
        "shadow",
        "pull",
    }
    flagged = {st for st, s in binder.identities.items() if s.spoof}
    assert flagged == {"shadow", "pull"}


def test_spoofed_report_does_not_drag_the_track() -> None:
    """Through `PassiveFusion.process`: a radar-tracked aircraft whose ADS-B claims a position
    1.5 km away keeps its radar position; the track is flagged `spoof_suspect`."""
    cat = _coop_catalog()
    trk = Tracker(cat)
    fusion = register_passive(trk)
    rng = np.random.default_rng(2)
    p0, v = np.array([6000.0, 2000.0, 1500.0]), np.array([-80.0, 40.0, 0.0])
    last = None
    for k in range(25):
        t = float(k)
        truth = p0 + v * t
        d = truth - cat.position[0]
        plot = Reports(
            det_id=np.array([1000 + k], np.int64),
            time=np.array([t]),
            sensor=np.zeros(1, np.int32),
            values={
                "range_m": np.array([np.linalg.norm(d) + rng.normal(0, 10)]),
                "azimuth_deg": np.array([np.degrees(np.arctan2(d[0], d[1])) % 360.0]),
                "elevation_deg": np.array([np.degrees(np.arctan2(d[2], np.hypot(d[0], d[1])))]),
            },
        )
        fusion.process(plot)
        spoof = _adsb(t + 0.5, "abc123", truth + v * 0.5 + np.array([1500.0, 0.0, 0.0]), v, k)
        last = fusion.process(spoof).picture
    assert last is not None
    shown = last.take(last.confirmed())
    assert len(shown) == 1
    assert np.linalg.norm(shown.state[0, :3] - (p0 + v * 24.5)) < 100.0
    assert shown.spoof_suspect[0]


def test_turn_against_a_lagging_radar_track_is_not_a_spoof() -> None:
    """An aircraft turning at 3 deg/s while its (constant-velocity) radar track flies straight
    on: the growing disagreement is the radar's lag, so the reports are held but the identity
    is not flagged. The same disagreement after the claim has flown straight for ``settle_s``
    is counted and flags it."""
    cat = _coop_catalog()
    binder = CooperativeBinder()
    speed, rate = 130.0, np.radians(3.0)
    p_trk, v_trk = np.array([0.0, 8000.0, 3000.0]), np.array([0.0, -speed, 0.0])
    p_claim = p_trk.copy()
    flags: list[bool] = []
    for k in range(40):
        t = float(k)
        psi = np.pi + rate * min(t, 20.0)  # heading (from north, clockwise): turns for 20 s
        v_claim = speed * np.array([np.sin(psi), np.cos(psi), 0.0])
        pic = _radar_picture(t, (p_trk + v_trk * t)[None], v_trk[None])
        rep = _adsb(t, "turner", p_claim, v_claim, k)
        dec = binder.screen(coop_from_reports(rep, cat), pic)
        flags.append(bool(dec.spoof_suspect[0]))
        p_claim = p_claim + v_claim
    # The turn ends at 20 s: nothing is counted before 35 s, then three disagreements flag.
    assert not any(flags[:35])
    assert flags[-1]
    assert binder.identities["turner"].turn_time == pytest.approx(20.0)


def test_passive_only_track_faster_than_a_drone_is_deleted() -> None:
    """Two bearing-born (acoustic) tracks: one at 40 m/s stays, one at 150 m/s (a ghost dragged
    by other targets' bearings) is deleted, reported in ``deleted`` and left out of the
    picture."""
    cat = _coop_catalog()
    trk = Tracker(cat)
    fusion = register_passive(trk)
    fusion.process(_adsb(0.0, "far", np.array([60_000.0, 0.0, 3000.0]), np.zeros(3), 0))
    x = np.array([[5000.0, 0.0, 500.0, 40.0, 0.0, 0.0], [-5000.0, 0.0, 500.0, 150.0, 0.0, 0.0]])
    P = np.tile(np.diag([100.0**2] * 3 + [10.0**2] * 3), (2, 1, 1))
    slow, fast = trk.add_tracks(x, P, SensorKind.ACOUSTIC, confirmed=True)
    out = fusion.process(Reports.empty())
    assert fast in out.deleted.tolist()
    assert slow not in out.deleted.tolist()
    assert fast not in out.picture.track_id.tolist()
    assert slow in out.picture.track_id.tolist()


def test_bearing_updates_are_reported_as_associations(mixed_scenario: Path) -> None:
    """Bearings that update tracks appear in `TrackerOutput.associations` (the classifier reads
    the engine notes, RF emissions and EO/IR scores of those reports)."""
    from skyfuse.core.kinds import BEARING_KINDS
    from skyfuse.scenario import read_tracker_inputs
    from skyfuse.tracking import Tracker
    from skyfuse.tracking.passive import register_passive

    inp = read_tracker_inputs(mixed_scenario)
    tracker = Tracker(inp.catalog)
    fusion = register_passive(tracker)
    kind_of = {
        int(d): int(inp.catalog.kind[s])
        for d, s in zip(inp.reports.det_id, inp.reports.sensor, strict=True)
    }
    bearing_assoc = 0
    for batch in inp.reports.batches_by_time():
        out = fusion.process(batch)
        live = set(out.picture.track_id.tolist()) | set(out.deleted.tolist())
        for d, t in zip(out.associations.det_id, out.associations.track_id, strict=True):
            if kind_of[int(d)] in {int(k) for k in BEARING_KINDS}:
                bearing_assoc += 1
                assert int(t) in live
    # 18 since tracks take self-reported velocities (ADS-B / Remote ID tracks are then known
    # too well for most bearings to inform them: consumed without an update); 70 before.
    assert bearing_assoc > 10
