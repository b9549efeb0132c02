"""Alerts an operator can trust (issue 9 section 3), end to end through threat assessment and
the alert lifecycle on synthetic air pictures flown second by second:

- a landing airliner whose ADS-B identity and position agree with our radar raises no alert
  for the protected airport, although its class is `unknown` with p = 0.98 (nor does a radar
  duplicate of it); the same airliner with its claim flagged as spoofed is alerted;
- an attack drone flying at a site is warned >= 60 s before it arrives;
- a drone passing 3 km from a site whose warning zone is 1 km, on its way to another site,
  never raises an alert for the site it passes; its own goal is warned >= 60 s ahead;
- birds and friendly traffic raise nothing; a cooperative-only track is still assessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from skyfuse.alerting import Alert, AlertManager
from skyfuse.core.kinds import CLASSES, SensorKind
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario import Context, Site
from skyfuse.threat import CoopState, ThreatAssessor, cooperative_state, picture_from_states
from skyfuse.threat.assessor import ThreatConfig

ENU = WorkFrame(False)
RADAR = 1 << int(SensorKind.RADAR)
ADSB = 1 << int(SensorKind.ADSB)
AIRPORT = Site(site_id="apt", name="Airport", x=0.0, y=0.0, radius_m=2000.0, priority=1)


def belief(**mass: float) -> list[float]:
    """Class probabilities from keyword masses; the rest goes to `unknown`."""
    out = [0.0] * len(CLASSES)
    for k, v in mass.items():
        out[CLASSES.index(k)] = v
    out[-1] += 1.0 - sum(out)
    return out


@dataclasses.dataclass(frozen=True)
class Flyer:
    """One track flown at constant velocity from ``start`` (x, y, z m; v m/s)."""

    track_id: int
    start: tuple[float, float, float]
    vel: tuple[float, float, float]
    probs: list[float]
    mask: int = RADAR
    coop_id: str | None = None
    spoof: bool = False

    def state(self, t: float) -> list[float]:
        p = np.asarray(self.start) + t * np.asarray(self.vel)
        return [*p.tolist(), *self.vel]


def fly(
    context: Context,
    flyers: Sequence[Flyer],
    until_s: float,
    *,
    friendly_ids: frozenset[str] = frozenset(),
    stop: Callable[[Flyer, float], bool] | None = None,
) -> list[Alert]:
    """Assess and alert once a second from 0 to ``until_s``; a flyer is dropped once
    ``stop(flyer, t)`` (it landed or impacted). Returns every alert event."""
    ta = ThreatAssessor(ENU, context, friendly_ids=friendly_ids)
    am = AlertManager()
    events: list[Alert] = []
    for t in np.arange(0.0, until_s + 0.5, 1.0).tolist():
        live = [f for f in flyers if stop is None or not stop(f, t)]
        if not live:
            continue
        pic, bel = picture_from_states(
            t,
            ENU,
            [f.track_id for f in live],
            [f.state(t) for f in live],
            [f.probs for f in live],
            coop_id=[f.coop_id for f in live],
            first_time=[0.0] * len(live),
        )
        pic = dataclasses.replace(
            pic,
            sensor_mask=np.array([f.mask for f in live], dtype=np.int32),
            spoof_suspect=np.array([f.spoof for f in live], dtype=bool),
        )
        events.extend(am.update(ta.assess(pic, bel)))
    return events


def site_alerts(events: Sequence[Alert], site_id: str | None = None) -> list[Alert]:
    """The `new` site-threat events (optionally for one site)."""
    return [
        a
        for a in events
        if a.kind == "site_threat" and a.state == "new" and site_id in (None, a.site_id)
    ]


def airliner(**kw: object) -> Flyer:
    """A landing airliner: 20 km west of the airport at 1,050 m, 75 m/s east, descending on a
    3-degree slope (3.9 m/s) to touch down at the airport at t = 267 s; `unknown` p = 0.98."""
    base: dict[str, object] = {
        "track_id": 1,
        "start": (-20_000.0, 0.0, 1050.0),
        "vel": (75.0, 0.0, -3.93),
        "probs": belief(aircraft=0.02),
        "mask": RADAR | ADSB,
        "coop_id": "39c4a1",
    }
    base.update(kw)
    return Flyer(**base)  # type: ignore[arg-type]


def landed(f: Flyer, t: float) -> bool:
    return f.state(t)[2] <= 0.0


def test_consistent_adsb_airliner_landing_at_a_protected_airport_raises_nothing() -> None:
    ctx = Context(sites=[AIRPORT])
    events = fly(ctx, [airliner()], 300.0, stop=landed)
    assert site_alerts(events) == []
    # ... and neither does a radar-only duplicate of it (the same aircraft tracked twice)
    dup = airliner(track_id=2, start=(-20_000.0, 150.0, 1060.0), mask=RADAR, coop_id=None)
    events = fly(ctx, [airliner(), dup], 300.0, stop=landed)
    assert site_alerts(events) == []


def test_spoofed_airliner_claim_is_alerted_for_the_airport() -> None:
    ctx = Context(sites=[AIRPORT])
    events = fly(ctx, [airliner(spoof=True)], 300.0, stop=landed)
    new = site_alerts(events, "apt")
    assert len(new) == 1 and new[0].track_id == 1
    # warned well before touch-down (267 s)
    assert 267.0 - new[0].time >= 60.0


def test_cooperative_only_track_is_still_assessed() -> None:
    """ADS-B alone, nothing of ours confirms it: assessed like any other fast `unknown`."""
    ctx = Context(sites=[AIRPORT])
    lone = airliner(mask=ADSB)
    events = fly(ctx, [lone], 300.0, stop=landed)
    assert len(site_alerts(events, "apt")) == 1
    # a friendly identity is never a threat, confirmed or not
    events = fly(ctx, [lone], 300.0, stop=landed, friendly_ids=frozenset({"39c4a1"}))
    assert site_alerts(events) == []


def test_cooperative_state_codes() -> None:
    near = (-20_000.0, 120.0, 1050.0)
    rows = [
        airliner(track_id=1),  # consistent
        airliner(track_id=2, mask=ADSB),  # cooperative-only: NONE
        airliner(track_id=3, spoof=True),  # spoofed
        airliner(track_id=4, coop_id="f00d01"),  # friendly
        airliner(track_id=5, start=near, mask=RADAR, coop_id=None),
        airliner(track_id=6, start=near, vel=(45.0, 0.0, 0.0), mask=RADAR, coop_id=None),
    ]
    pic, _ = picture_from_states(
        0.0,
        ENU,
        [f.track_id for f in rows],
        [f.state(0.0) for f in rows],
        coop_id=[f.coop_id for f in rows],
    )
    pic = dataclasses.replace(
        pic,
        sensor_mask=np.array([f.mask for f in rows], dtype=np.int32),
        spoof_suspect=np.array([f.spoof for f in rows], dtype=bool),
    )
    st = cooperative_state(pic, frozenset({"f00d01"}), ThreatConfig())
    assert st.tolist() == [
        CoopState.CONSISTENT,
        CoopState.NONE,
        CoopState.SPOOFED,
        CoopState.FRIENDLY,
        CoopState.CONSISTENT,  # radar duplicate 120 m away, same velocity
        CoopState.NONE,  # 120 m away but 30 m/s slower: another object
    ]


def test_attack_drone_at_a_site_is_warned_60_s_ahead() -> None:
    site = Site(site_id="tpp", name="Power station", x=15_000.0, y=0.0, radius_m=500.0)
    drone = Flyer(7, (0.0, 0.0, 600.0), (48.0, 0.0, 0.0), belief(attack_drone=0.9))
    arrival = 15_000.0 / 48.0
    events = fly(Context(sites=[site]), [drone], arrival, stop=lambda f, t: t >= arrival)
    new = site_alerts(events, "tpp")
    assert len(new) == 1
    assert arrival - new[0].time >= 60.0
    assert new[0].eta_s is not None and new[0].eta_s >= 60.0


@pytest.mark.parametrize("side", [1.0, -1.0])
def test_drone_passing_3_km_from_a_1_km_zone_is_not_alerted_for_it(side: float) -> None:
    """Bound for site B 20 km east, it passes site A (1 km warning zone) 3 km to one side
    halfway: A is never named; B is warned >= 60 s before the drone arrives."""
    a = Site(site_id="a", name="Site A", x=10_000.0, y=side * 3000.0, radius_m=1000.0)
    b = Site(site_id="b", name="Site B", x=20_000.0, y=0.0, radius_m=500.0)
    drone = Flyer(9, (0.0, 0.0, 800.0), (48.0, 0.0, 0.0), belief(attack_drone=0.95))
    arrival = 20_000.0 / 48.0
    events = fly(Context(sites=[a, b]), [drone], arrival, stop=lambda f, t: t >= arrival)
    assert site_alerts(events, "a") == []
    to_b = site_alerts(events, "b")
    assert len(to_b) == 1 and arrival - to_b[0].time >= 60.0


def test_birds_are_never_site_threats() -> None:
    """A flock flying over the airport at 15 m/s, and a fast 'bird' belief (a raptor's dive
    speed), raise nothing."""
    birds = [
        Flyer(20 + k, (-3000.0, 100.0 * k, 200.0), (15.0, 0.0, 0.0), belief(bird=0.9))
        for k in range(5)
    ]
    birds.append(Flyer(30, (-4000.0, 0.0, 300.0), (40.0, 0.0, 0.0), belief(bird=0.85)))
    assert site_alerts(fly(Context(sites=[AIRPORT]), birds, 200.0)) == []
