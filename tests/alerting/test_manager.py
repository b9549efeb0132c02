"""Alert lifecycle: raise, escalate, update, clear, hysteresis, hand-over, reasons, redaction."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from skyfuse.alerting import (
    Alert,
    AlertConfig,
    AlertManager,
    distance_words,
    duration_words,
    sensor_words,
)
from skyfuse.core.kinds import CLASSES, SensorKind
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario import Border, Context, Partner, Site
from skyfuse.threat import ThreatAssessor, ThreatPicture, picture_from_states

ENU = WorkFrame(False)
SITE = Site(site_id="tpp-1", name="Power station", x=0.0, y=0.0, radius_m=500.0, priority=1)
MASK = (1 << int(SensorKind.RADAR)) | (1 << int(SensorKind.ACOUSTIC))


def belief(p_attack: float, label: str = "attack_drone") -> list[float]:
    """``p_attack`` on ``label``, the rest on bird (so hostility is exactly ``p_attack``)."""
    out = [0.0] * len(CLASSES)
    out[CLASSES.index(label)] = p_attack
    out[CLASSES.index("bird")] = 1.0 - p_attack
    return out


class Scene:
    """An assessor over one site; `step` makes the threat picture of tracks flying west."""

    def __init__(self, context: Context | None = None) -> None:
        self.ta = ThreatAssessor(ENU, context or Context(sites=[SITE]))

    def step(
        self,
        t: float,
        tracks: Sequence[tuple[int, float, float]],
        p: float | Sequence[float] = 0.9,
        vel: tuple[float, float] = (-50.0, 0.0),
    ) -> ThreatPicture:
        """Tracks (id, x, y) at time t heading ``vel``, hostile with probability ``p``."""
        ps = [p] * len(tracks) if isinstance(p, float | int) else list(p)
        states = [[x, y, 1000.0, vel[0], vel[1], 0.0] for _, x, y in tracks]
        pic, bel = picture_from_states(
            t,
            ENU,
            [i for i, _, _ in tracks],
            states,
            [belief(q) for q in ps],
            vel_sigma_mps=0.2,
            sensor_mask=MASK,
        )
        return self.ta.assess(pic, bel)


def run(
    am: AlertManager, scene: Scene, steps: Sequence[tuple[float, list[tuple[int, float, float]]]]
) -> list[Alert]:
    out: list[Alert] = []
    for t, tracks in steps:
        out += am.update(scene.step(t, tracks))
    return out


def test_one_target_one_alert_new_escalated_cleared() -> None:
    scene, am = Scene(), AlertManager()
    # inbound from 10 km at 50 m/s: ETA 200 s, escalates under 120 s, impacts at t = 200
    events = run(am, scene, [(t, [(1, 10_000.0 - 50.0 * t, 0.0)]) for t in range(0, 196)])
    events += run(am, scene, [(float(t), []) for t in range(196, 230)])
    states = [(a.state, a.time) for a in events]
    assert states[0] == ("new", 2.0)  # raised after the 2 s dwell
    assert [s for s, _ in states] == ["new", "escalated", "cleared"]
    esc = events[1]
    assert esc.time == pytest.approx(80.0) and esc.eta_s == pytest.approx(120.0)
    assert esc.priority == 1 and "ESCALATED (ETA under 2 min)" in esc.reason
    clr = events[2]
    assert clr.time == pytest.approx(196.0 + AlertConfig().clear_dwell_s)
    assert len({a.alert_id for a in events}) == 1
    new = events[0]
    assert new.kind == "site_threat" and new.site_id == "tpp-1" and new.track_id == 1
    assert new.cls == "attack_drone" and new.class_prob == pytest.approx(0.9)
    assert new.priority == 2 and new.rank == 1
    assert new.eta_s == pytest.approx(198.0)
    assert new.point == pytest.approx((0.0, 0.0), abs=1e-6)
    assert new.sensors == ["radar", "acoustic"]
    assert new.reason.startswith(
        "Attack drone (p=0.90, radar+acoustic) heading to Power station, ETA 3 min 18 s, "
        "9.9 km out, impact within "
    )


def test_hysteresis_no_flicker_between_thresholds() -> None:
    scene, am = Scene(), AlertManager(AlertConfig(site_raise=0.5, site_clear=0.25))
    ps = [0.6, 0.6, 0.4, 0.3, 0.6, 0.3, 0.45, 0.6, 0.35, 0.3]
    events: list[Alert] = []
    for t, p in enumerate(ps):
        events += am.update(scene.step(float(t), [(1, 8000.0 - 50.0 * t, 0.0)], p))
    assert [a.state for a in events] == ["new"]
    # under the clear threshold, but not for the whole dwell: still open
    for t in range(10, 15):
        events += am.update(scene.step(float(t), [(1, 8000.0 - 50.0 * t, 0.0)], 0.1))
    assert [a.state for a in events] == ["new"]
    for t in range(15, 21):
        events += am.update(scene.step(float(t), [(1, 8000.0 - 50.0 * t, 0.0)], 0.1))
    assert [a.state for a in events] == ["new", "cleared"]
    expected = "Cleared: Attack drone track 1 to Power station: no longer a threat to this site"
    assert events[-1].reason == expected


def test_single_spike_is_not_raised() -> None:
    scene, am = Scene(), AlertManager(AlertConfig(raise_dwell_s=2.0))
    ps = [0.1, 0.9, 0.1, 0.1, 0.9, 0.2, 0.1]
    events: list[Alert] = []
    for t, p in enumerate(ps):
        events += am.update(scene.step(float(t), [(1, 8000.0 - 50.0 * t, 0.0)], p))
    assert events == []


def test_reacquired_track_takes_over_open_alert() -> None:
    scene, am = Scene(), AlertManager()
    events = run(am, scene, [(float(t), [(1, 10_000.0 - 50.0 * t, 0.0)]) for t in range(5)])
    # track 1 is lost; 3 s later track 2 appears where track 1 should be
    events += run(am, scene, [(float(t), []) for t in range(5, 8)])
    events += run(am, scene, [(float(t), [(2, 10_000.0 - 50.0 * t, 30.0)]) for t in range(8, 12)])
    assert [a.state for a in events] == ["new", "updated"]
    assert events[1].track_id == 2 and events[1].alert_id == events[0].alert_id
    assert "Track 1 re-acquired" in events[1].reason


def test_reacquired_after_clear_reopens_same_alert() -> None:
    cfg = AlertConfig(clear_dwell_s=3.0, reacquire_window_s=60.0)
    scene, am = Scene(), AlertManager(cfg)
    events = run(am, scene, [(float(t), [(1, 10_000.0 - 50.0 * t, 0.0)]) for t in range(5)])
    events += run(am, scene, [(float(t), []) for t in range(5, 20)])
    assert [a.state for a in events] == ["new", "cleared"]
    events += run(am, scene, [(float(t), [(7, 10_000.0 - 50.0 * t, 0.0)]) for t in range(20, 25)])
    assert [a.state for a in events] == ["new", "cleared", "updated"]
    assert events[2].alert_id == events[0].alert_id and events[2].track_id == 7
    assert events[2].reason.startswith("Re-opened, track 1 re-acquired as: ")


def test_existing_track_does_not_take_over_a_lost_alert() -> None:
    scene, am = Scene(), AlertManager()
    events: list[Alert] = []
    for t in range(12):
        # track 1 inbound; track 2 (a raid mate 200 m behind, flying since t = 0) scores low
        # until t = 8, when it is where track 1 would be: another target, so a new alert
        tracks = [(1, 10_000.0 - 50.0 * t, 0.0)] if t < 5 else []
        tracks.append((2, 10_200.0 - 50.0 * t, 0.0))
        p = [0.9] * (len(tracks) - 1) + [0.9 if t >= 8 else 0.1]
        pic, bel = picture_from_states(
            float(t),
            ENU,
            [i for i, _, _ in tracks],
            [[x, y, 1000.0, -50.0, 0.0, 0.0] for _, x, y in tracks],
            [belief(q) for q in p],
            first_time=[0.0] * len(tracks),
            vel_sigma_mps=0.2,
        )
        events += am.update(scene.ta.assess(pic, bel))
    news = [a for a in events if a.state == "new"]
    assert [a.track_id for a in news] == [1, 2]
    assert news[0].alert_id != news[1].alert_id


def test_distant_new_track_gets_its_own_alert() -> None:
    scene, am = Scene(), AlertManager()
    events = run(am, scene, [(float(t), [(1, 10_000.0 - 50.0 * t, 0.0)]) for t in range(5)])
    # track 2 appears 5 km behind where track 1 is: a different target
    events += run(
        am,
        scene,
        [
            (float(t), [(1, 10_000.0 - 50.0 * t, 0.0), (2, 15_000.0 - 50.0 * t, 0.0)])
            for t in range(5, 9)
        ],
    )
    assert [a.state for a in events if a.state == "new"] == ["new", "new"]
    assert len({a.alert_id for a in events}) == 2


def test_updated_when_eta_jumps_not_every_step() -> None:
    scene, am = Scene(), AlertManager()
    events = run(am, scene, [(float(t), [(1, 12_000.0 - 50.0 * t, 0.0)]) for t in range(30)])
    assert [a.state for a in events] == ["new"]  # steady approach: no chatter
    # the target slows to 25 m/s: ETA doubles -> one update
    events += run(am, scene, [(float(t), [(1, 10_500.0 - 25.0 * (t - 30), 0.0)]) for t in [30]])
    events += am.update(scene.step(31.0, [(1, 10_475.0, 0.0)], vel=(-25.0, 0.0)))
    assert events[-1].state == "updated"
    assert events[-1].eta_s == pytest.approx(10_475.0 / 25.0)


def test_class_near_tie_does_not_flap() -> None:
    scene, am = Scene(), AlertManager()
    events: list[Alert] = []
    for t in range(40):
        # attack drone and decoy within a few percent of each other, the winner alternating
        a = 0.5 if t % 10 < 5 else 0.45
        p = [0.0] * len(CLASSES)
        p[CLASSES.index("attack_drone")] = a
        p[CLASSES.index("decoy")] = 0.95 - a
        p[CLASSES.index("bird")] = 0.05
        pic, bel = picture_from_states(
            float(t), ENU, [1], [[12_000.0 - 50.0 * t, 0.0, 1000.0, -50.0, 0.0, 0.0]], [p]
        )
        events += am.update(scene.ta.assess(pic, bel))
    assert [a.state for a in events] == ["new"]
    # a clear change of class is reported
    p = [0.0] * len(CLASSES)
    p[CLASSES.index("decoy")] = 0.9
    p[CLASSES.index("bird")] = 0.1
    pic, bel = picture_from_states(40.0, ENU, [1], [[10_000.0, 0.0, 1000.0, -50.0, 0.0, 0.0]], [p])
    events += am.update(scene.ta.assess(pic, bel))
    assert [a.state for a in events] == ["new", "updated"] and events[-1].cls == "decoy"


def test_class_confirmation_escalates_once() -> None:
    scene, am = Scene(), AlertManager(AlertConfig(escalate_prob=0.95))
    ps = [0.8, 0.8, 0.8, 0.97, 0.97, 0.98, 0.8, 0.97]
    events: list[Alert] = []
    for t, p in enumerate(ps):
        events += am.update(scene.step(float(t), [(1, 12_000.0 - 50.0 * t, 0.0)], p))
    assert [a.state for a in events] == ["new", "escalated"]
    assert "Attack drone confirmed" in events[1].reason


def test_border_alert_redaction_and_sharing() -> None:
    def ctx(redact: bool) -> Context:
        return Context(
            borders=[Border(border_id="pl", partner="PL", points=[(-9e4, 0.0), (9e4, 0.0)])],
            partners=[Partner(partner="PL", share=["attack_drone"], redact_sensor_sites=redact)],
        )

    for redact in (True, False):
        scene, am = Scene(ctx(redact)), AlertManager()
        events: list[Alert] = []
        for t in range(3):
            events += am.update(scene.step(float(t), [(1, 0.0, -5000.0 + 50.0 * t)], 0.9, (0, 50)))
        assert [a.kind for a in events] == ["border_crossing"]
        a = events[0]
        assert a.border_id == "pl" and a.partner == "PL" and a.site_id is None
        assert a.eta_s == pytest.approx(98.0)  # raised at t = 2 s, 4900 m out
        assert a.point == pytest.approx((0.0, 0.0), abs=1e-6)
        assert ("radar" in a.reason) is False
        assert a.sensors == (None if redact else ["radar", "acoustic"])
        assert a.reason.startswith("Attack drone (p=0.90) will cross into PL (border pl) in 1 min")


def test_border_alert_only_within_max_eta() -> None:
    context = Context(
        borders=[Border(border_id="pl", partner="PL", points=[(-9e4, 0.0), (9e4, 0.0)])],
        partners=[Partner(partner="PL", share=["attack_drone"])],
    )
    scene, am = Scene(context), AlertManager(AlertConfig(border_max_eta_s=100.0))
    events: list[Alert] = []
    for t in range(0, 50, 5):  # from 7.5 km out at 50 m/s: 150 s to go
        events += am.update(scene.step(float(t), [(1, 0.0, -7500.0 + 50.0 * t)], 0.9, (0, 50)))
    assert events == []  # crossing more than 100 s ahead: not yet
    for t in (55, 56, 57):
        events += am.update(scene.step(float(t), [(1, 0.0, -7500.0 + 50.0 * t)], 0.9, (0, 50)))
    assert [a.state for a in events] == ["new"]
    assert events[0].time == 57.0 and events[0].eta_s == pytest.approx(93.0)


def test_words() -> None:
    assert duration_words(130.4) == "2 min 10 s"
    assert duration_words(45.0) == "45 s"
    assert duration_words(120.0) == "2 min"
    assert duration_words(3900.0) == "1 h 05 min"
    assert duration_words(-3.0) == "0 s"
    assert distance_words(4100.0) == "4.1 km"
    assert distance_words(183.0) == "180 m"
    assert distance_words(250_000.0) == "250 km"
    assert sensor_words(MASK) == ["radar", "acoustic"]


def test_config_validation_names_field() -> None:
    with pytest.raises(ValueError, match="site_clear"):
        AlertConfig(site_raise=0.3, site_clear=0.4)
    with pytest.raises(ValueError, match="clear_dwell_s"):
        AlertConfig(clear_dwell_s=-1.0)


def test_relay_alert_persists_and_is_handed_over() -> None:
    ta, am = ThreatAssessor(ENU, Context()), AlertManager()
    routes = [[-5000.0, y, 1000.0, 50.0, 0.0, 0.0] for y in (-500.0, 0.0, 500.0)]
    emitter = [-10_000.0, 1000.0, 10.0, 0.0, 0.0, 0.0]
    events: list[Alert] = []
    for t in range(40):
        relay_id = 50 if t < 20 else 60  # the emitter's track is re-initiated at t = 20
        states = [[x + 50.0 * t, y, z, vx, vy, vz] for x, y, z, vx, vy, vz in routes]
        pic, bel = picture_from_states(
            float(t),
            ENU,
            [1, 2, 3, relay_id],
            [*states, emitter],
            [belief(0.9)] * 3 + [belief(0.8, "ground_emitter")],
            static=[False, False, False, True],
            first_time=[0.0, 0.0, 0.0, 0.0 if t < 20 else 20.0],
        )
        events += am.update(ta.assess(pic, bel))
    relay = [a for a in events if a.kind == "relay"]
    assert [(a.state, a.time, a.track_id) for a in relay] == [
        ("new", 10.0, 50),  # after the 10 s group raise dwell
        ("updated", 20.0, 60),
    ]
    assert relay[0].alert_id == relay[1].alert_id
    assert relay[0].point == pytest.approx((-10_000.0, 1000.0))
