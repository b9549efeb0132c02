"""Bearing association details of passive fusion: frequency memory, uninformative winners,
candidate merging, two-site confirmation, emitter fixes against received power."""

from __future__ import annotations

import numpy as np
from passive_synth import Drones, acoustic_grid, acoustic_reports

from skyfuse.core.kinds import SensorKind
from skyfuse.core.reports import Reports
from skyfuse.scenario.catalog import SensorCatalog
from skyfuse.tracking import Tracker
from skyfuse.tracking.passive.bearings import BearingSensors, bearings_from_reports
from skyfuse.tracking.passive.emitters import Lines, StaticEmitterLocator
from skyfuse.tracking.passive.fusion import bearing_update, register_passive
from skyfuse.tracking.passive.initiate import BearingTracker, InitiatorConfig

GATE = {1: 8.8, 2: 11.6}  # chi-square 99.7 %


def _one_array() -> tuple[SensorCatalog, Tracker]:
    cat = SensorCatalog.build(acoustic_grid(1, 1, 3000.0))
    trk = Tracker(cat)
    trk.time = 10.0
    return cat, trk


def _bearing(az_deg: float, el_deg: float, f_hz: float, t: float = 10.0) -> Reports:
    return Reports(
        det_id=np.array([0], np.int64),
        time=np.array([t]),
        sensor=np.array([0], np.int32),
        values={
            "azimuth_deg": np.array([az_deg]),
            "elevation_deg": np.array([el_deg]),
            "fundamental_hz": np.array([f_hz]),
        },
    )


def _state(az_deg: float, rng_m: float, h: float) -> np.ndarray:
    a = np.radians(az_deg)
    return np.array([[rng_m * np.sin(a), rng_m * np.cos(a), h, 0.0, 0.0, 0.0]])


def _cov(pos_sd: float, vel_sd: float) -> np.ndarray:
    return np.diag([pos_sd**2] * 3 + [vel_sd**2] * 3)[None]


def test_frequency_memory_keeps_a_second_engine_off_the_track() -> None:
    """A track whose engine is known at 110 Hz does not take a bearing on its line of sight
    whose (Doppler-free) fundamental is 125 Hz; the same bearing at 110.5 Hz updates it and
    refines the memory."""
    cat, trk = _one_array()
    fusion = register_passive(trk)
    ids = trk.add_tracks(_state(90.0, 2000.0, 300.0), _cov(150.0, 5.0), SensorKind.ACOUSTIC)
    slot = np.flatnonzero(trk.track_id == ids[0])
    fusion.frequencies.set(slot, np.array([[110.0, np.nan]]), np.array([[1.0, np.nan]]), 10.0)
    trk.status[slot] = 1  # confirmed
    el = float(np.degrees(np.arctan2(298.0, 2000.0)))
    other = bearings_from_reports(_bearing(90.5, el, 125.0), fusion.sensors)
    use = bearing_update(trk, other, GATE, freq=fusion.frequencies)
    assert not use.used[0] and not use.explained[0]
    same = bearings_from_reports(_bearing(90.5, el, 110.5), fusion.sensors)
    x0 = trk.x[slot].copy()
    use = bearing_update(trk, same, GATE, freq=fusion.frequencies)
    assert use.used[0] and use.track_id[0] == ids[0]
    assert not np.allclose(trk.x[slot], x0)
    assert fusion.frequencies.var[slot, 0][0] < 1.0
    # Without the memory the angles alone would have let the 125 Hz bearing in.
    trk2 = Tracker(cat)
    trk2.time = 10.0
    trk2.add_tracks(_state(90.0, 2000.0, 300.0), _cov(150.0, 5.0), SensorKind.ACOUSTIC)
    trk2.status[trk2.live()] = 1
    assert bearing_update(trk2, other, GATE).used[0]


def test_bearing_won_by_an_uninformative_radar_track_is_not_passed_on() -> None:
    """A radar-held track (10 m) and a vague passive track (400 m) both gate a bearing that
    points at the radar track: the radar track wins the bearing; being far better known than
    the bearing it is not updated, and the bearing is not handed to the vague track."""
    _, trk = _one_array()
    sensors = BearingSensors.build(trk.catalog)
    radar = trk.add_tracks(_state(90.0, 2000.0, 300.0), _cov(10.0, 2.0), SensorKind.RADAR)
    vague = trk.add_tracks(_state(93.0, 2300.0, 300.0), _cov(400.0, 30.0), SensorKind.ACOUSTIC)
    trk.status[trk.live()] = 1
    s_radar = np.flatnonzero(trk.track_id == radar[0])
    s_vague = np.flatnonzero(trk.track_id == vague[0])
    trk.kind_time[s_radar, int(SensorKind.RADAR)] = 10.0
    el = float(np.degrees(np.arctan2(298.0, 2000.0)))
    b = bearings_from_reports(_bearing(90.2, el, 110.0), sensors)
    x_vague = trk.x[s_vague].copy()
    x_radar = trk.x[s_radar].copy()
    use = bearing_update(trk, b, GATE)
    assert use.explained[0] and not use.used[0]
    np.testing.assert_array_equal(trk.x[s_vague], x_vague)
    np.testing.assert_array_equal(trk.x[s_radar], x_radar)


def test_duplicate_candidates_of_one_target_merge_their_evidence() -> None:
    """Two candidates a few tens of metres apart with agreeing states and engines become one
    that holds the bearings of both (per sensor), so two sites' evidence meets in one
    candidate; a candidate far away is left alone."""
    cat = SensorCatalog.build(acoustic_grid(2, 1, 3000.0))
    bt = BearingTracker(BearingSensors.build(cat), handoff=True)
    rows = []
    for k, (pos, sensor, hits) in enumerate(
        [((1500.0, 1500.0), 0, 4), ((1530.0, 1480.0), 1, 3), ((8000.0, 1500.0), 1, 5)]
    ):
        x = np.array([[pos[0], pos[1], 300.0, 40.0, 0.0, 0.0]])
        rows.append(
            {
                "track_id": np.array([k + 1], np.int64),
                "x": x,
                "P": _cov(150.0, 20.0),
                "t": np.array([10.0]),
                "first_time": np.array([5.0 + k]),
                "last_hit": np.array([10.0]),
                "n_hits": np.array([hits], np.int32),
                "sensor_bits": np.zeros(1, np.uint64),
                "kind_mask": np.array([1 << int(SensorKind.ACOUSTIC)], np.int32),
                "freq": np.array([[112.0, np.nan]]),
                "freq_var": np.array([[2.0, np.nan]]),
                "nis_sum": np.array([float(hits)]),
                "dof_sum": np.array([2.0 * hits]),
                "nis_avg": np.ones(1),
                "slot_sensor": np.array([[sensor] + [-1] * 7], np.int64),
                "slot_hits": np.array([[hits] + [0] * 7], np.int32),
                "confirmed": np.zeros(1, bool),
                "rec_time": np.full(1, np.nan),
                "rec_prev": np.full(1, np.nan),
                "rec_g": np.zeros((1, 6)),
                "rec_M": np.zeros((1, 6, 6)),
                "rec_A": np.zeros((1, 6, 6)),
            }
        )
    for r in rows:
        bt.tracks.append(r)  # type: ignore[arg-type]
    bt._merge_duplicates(10.0)
    tr = bt.tracks
    assert len(tr) == 2
    merged = int(np.flatnonzero(tr.track_id == 1)[0])
    assert tr.n_hits[merged] == 7 and tr.first_time[merged] == 5.0
    hits = dict(zip(tr.slot_sensor[merged].tolist(), tr.slot_hits[merged].tolist(), strict=True))
    assert hits[0] == 4 and hits[1] == 3
    assert 3 in tr.track_id.tolist()


def test_two_sites_confirm_a_drone_despite_fresh_seeds_on_its_rays() -> None:
    """Two arrays only (the two-site rivalry rule applies), one drone, clutter on both: a
    candidate is confirmed near the drone."""
    sensors = acoustic_grid(2, 1, 3000.0)
    cat = SensorCatalog.build(sensors)
    dr = Drones(
        np.array([[1500.0, 1800.0, 300.0]]), np.array([[0.0, 45.0, 0.0]]), np.array([113.0])
    )
    rep, _ = acoustic_reports(
        sensors, dr, np.arange(0.0, 30.0, 1.0), seed=3, clutter_per_report=0.3
    )
    bt = BearingTracker(BearingSensors.build(cat), InitiatorConfig())
    best = np.inf
    for batch in rep.batches_by_time():
        t = float(batch.time[0])
        bt.process(bearings_from_reports(batch, bt.sensors))
        pic = bt.picture(t)
        if len(pic):
            best = min(best, float(np.linalg.norm(pic.state[:, :3] - dr.at(t)[0], axis=1).min()))
    assert best < 500.0


def test_emitter_fix_must_match_the_received_powers() -> None:
    """One emitter 1 km from site A and 8 km from site B arrives 18 dB weaker at B: a line
    pair with that RSSI difference passes, a pair with equal powers (two different emitters
    whose lines cross there) clashes, unknown power never clashes."""
    cat = SensorCatalog.build(acoustic_grid(2, 1, 3000.0))
    loc = StaticEmitterLocator(BearingSensors.build(cat))
    z = np.zeros(3)
    lines = Lines(
        group=np.zeros(3, np.int64),
        sensor=np.array([0, 1, 1], np.int32),
        az=z,
        sigma=z + 0.03,
        n=np.array([50, 50, 50], np.int64),
        first_time=z,
        last_time=z + 60.0,
        frequency=z + 868.3,
        rssi=np.array([-60.0, -78.0, -60.0]),
        rssi_se=np.array([0.4, 0.4, np.nan]),
    )
    rng = np.array([[1000.0, 8000.0]] * 2)
    clash = loc._power_clash(lines, np.array([0, 0]), np.array([1, 2]), rng)
    assert not clash[0]
    assert not clash[1]  # line 2 has no usable power estimate
    lines2 = Lines(
        **{
            **{f: getattr(lines, f) for f in Lines.__dataclass_fields__},
            "rssi_se": np.array([0.4, 0.4, 0.4]),
        }
    )
    assert loc._power_clash(lines2, np.array([0]), np.array([2]), rng[:1])[0]
