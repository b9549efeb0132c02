"""ThreatAssessor on hand-built pictures with closed-form answers, and on mixed-demo truth."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import CLASSES
from skyfuse.geo.frames import ecef_from_geodetic, enu_rotation
from skyfuse.geo.workframe import WorkFrame
from skyfuse.scenario import (
    Border,
    Context,
    Partner,
    SensorCatalog,
    Site,
    read_context,
    read_ground_truth,
    read_sensors,
)
from skyfuse.threat import (
    ThreatAssessor,
    ThreatConfig,
    ThreatContext,
    hostile_probability,
    picture_from_states,
    truth_pictures,
)

ENU = WorkFrame(False)
SITES = [
    Site(site_id="tpp", name="Power station", x=10_000.0, y=0.0, radius_m=500.0, priority=1),
    Site(site_id="sub", name="Substation", x=0.0, y=10_000.0, radius_m=400.0, priority=2),
]


def probs(label: str, p: float = 0.9) -> list[float]:
    """A belief with ``p`` on ``label`` and the rest on unknown."""
    out = [0.0] * len(CLASSES)
    out[CLASSES.index(label)] += p
    out[-1] += 1.0 - p
    return out


def test_straight_track_eta_impact_and_probability() -> None:
    ta = ThreatAssessor(ENU, Context(sites=SITES))
    pic, bel = picture_from_states(
        0.0, ENU, [7], [[0.0, 0.0, 1000.0, 50.0, 0.0, 0.0]], [probs("attack_drone", 0.95)]
    )
    tp = ta.assess(pic, bel)
    assert len(tp.sites) == 1
    s = tp.sites
    assert tp.context.site_id[s.site[0]] == "tpp"
    assert s.eta_s[0] == pytest.approx(200.0)  # 10 km at 50 m/s
    assert s.eta_radius_s[0] == pytest.approx(190.0)  # enters the 500 m radius 10 s earlier
    assert s.range_m[0] == pytest.approx(10_000.0)
    assert s.impact[0] == pytest.approx([10_000.0, 0.0, 0.0])
    # cross-track sigma: sqrt(20^2 + (200 * 2)^2 + 30^2) from the default replay covariance
    sigma = math.sqrt(20.0**2 + 400.0**2 + 30.0**2)
    assert s.cross_sigma_m[0] == pytest.approx(sigma)
    p_hit = math.erf(500.0 / (sigma * math.sqrt(2.0)))
    assert s.p_hit[0] == pytest.approx(p_hit, rel=1e-9)
    # the 5 % unknown counts as fast only once the track is older than fast_mature_s
    assert s.p_threat[0] == pytest.approx(0.95 * p_hit, rel=1e-9)
    assert tp.tracks.site[0] == s.site[0] and tp.tracks.rank[0] == 1
    assert tp.tracks.threat_class[0] == "attack_drone"


def test_birds_and_slow_unknowns_are_not_threats() -> None:
    ta = ThreatAssessor(ENU, Context(sites=SITES))
    state = [[0.0, 0.0, 300.0, 15.0, 0.0, 0.0], [0.0, 100.0, 300.0, 12.0, 0.0, 0.0]]
    pic, bel = picture_from_states(0.0, ENU, [1, 2], state, [probs("bird"), probs("unknown", 1)])
    tp = ta.assess(pic, bel)
    assert len(tp.sites) == 0
    assert np.all(tp.tracks.p_hostile < 0.2)
    assert np.all(tp.tracks.rank == 0)


def test_hostile_probability_fast_unknown_and_cooperative() -> None:
    cfg = ThreatConfig()
    p = np.array([probs("unknown", 1.0)] * 4)
    speed = np.array([10.0, 50.0, 250.0, 50.0])
    coop = np.array([False, False, False, True])
    h = hostile_probability(p, speed, coop, cfg)
    assert h[0] < 0.01  # bird speed
    assert h[1] > 0.99  # Shahed speed
    assert h[2] < 0.01  # airliner speed
    # a consistent cooperative claim: a fast unknown is an aircraft telling us who it is
    assert h[3] == 0.0
    named = hostile_probability(np.array([probs("decoy", 0.8)]), speed[3:], coop[3:], cfg)
    assert named[0] == pytest.approx(cfg.coop_discount * 0.8)
    # a newborn track, or one whose speed is very uncertain, is not yet "fast"
    young = hostile_probability(p[:1], np.array([50.0]), coop[:1], cfg, age_s=1.0)
    assert young[0] == pytest.approx(h[1] / cfg.fast_mature_s, rel=1e-6)
    vague = hostile_probability(p[:1], np.array([60.0]), coop[:1], cfg, speed_sigma_mps=40.0)
    assert vague[0] < 0.7
    # class beliefs in attack_drone / decoy count whatever the speed
    sure = hostile_probability(np.array([probs("decoy", 0.8)]), np.array([5.0]), coop[:1], cfg)
    assert sure[0] == pytest.approx(0.8)


def test_engagement_rank_weighs_site_priority_and_deadline() -> None:
    ta = ThreatAssessor(ENU, Context(sites=SITES))
    state = [
        [0.0, 0.0, 1000.0, 50.0, 0.0, 0.0],  # to tpp (priority 1), ETA 200 s
        [0.0, 0.0, 1000.0, 0.0, 50.0, 0.0],  # to sub (priority 2), ETA 200 s
        [5000.0, 0.0, 1000.0, 50.0, 0.0, 0.0],  # to tpp, ETA 100 s
    ]
    pic, bel = picture_from_states(
        0.0, ENU, [1, 2, 3], state, [probs("attack_drone", 1.0)] * 3, vel_sigma_mps=0.1
    )
    tp = ta.assess(pic, bel)
    rank = dict(zip(tp.tracks.track_id.tolist(), tp.tracks.rank.tolist(), strict=True))
    assert rank == {3: 1, 1: 2, 2: 3}
    eta = dict(zip(tp.tracks.track_id.tolist(), tp.tracks.eta_s.tolist(), strict=True))
    assert eta[3] == pytest.approx(100.0) and eta[2] == pytest.approx(200.0)


def test_track_flying_over_two_sites_reports_both_with_primary_first() -> None:
    sites = [
        Site(site_id="a", x=5000.0, y=0.0, radius_m=300.0),
        Site(site_id="b", x=10_000.0, y=0.0, radius_m=300.0),
    ]
    ta = ThreatAssessor(ENU, Context(sites=sites))
    pic, bel = picture_from_states(
        0.0, ENU, [4], [[0.0, 0.0, 500.0, 50.0, 0.0, 0.0]], [probs("decoy", 1.0)]
    )
    tp = ta.assess(pic, bel)
    assert sorted(tp.sites.eta_s.tolist()) == pytest.approx([100.0, 200.0])
    assert tp.context.site_id[tp.tracks.site[0]] == "a"
    # a course through "a" mostly ends there: "b" behind it counts 1 - 0.8 p_hit(a) as much
    s = tp.sites
    ref = ThreatAssessor(ENU, Context(sites=sites), ThreatConfig(overfly_share=1.0))
    s_ref = ref.assess(pic, bel).sites
    assert s.p_threat[s.site == 0] == pytest.approx(s_ref.p_threat[s_ref.site == 0])
    p_a = float(s.p_hit[s.site == 0][0])
    assert p_a > 0.8
    assert s.p_threat[s.site == 1] == pytest.approx(
        s_ref.p_threat[s_ref.site == 1] * (1.0 - 0.8 * p_a)
    )


def test_closing_rule_yields_to_a_site_the_course_points_at() -> None:
    """A drone flying straight at a far site, passing 25 degrees off a near one, is not warned
    for the near one (its goal posterior is the far site's) until its final approach: able to
    reach the near radius within ``final_approach_s`` with a miss under two radii."""
    a = 0.44  # course straight at "far"; "near" is 25 degrees to its right
    sites = [
        Site(site_id="near", x=4000.0, y=0.0, radius_m=500.0),
        Site(site_id="far", x=30_000.0 * math.cos(a), y=30_000.0 * math.sin(a)),
    ]
    vel = [50.0 * math.cos(a), 50.0 * math.sin(a), 0.0]
    ta = ThreatAssessor(ENU, Context(sites=sites))
    pic, bel = picture_from_states(0.0, ENU, [1], [[0.0, 0.0, 800.0, *vel]], [probs("decoy", 1.0)])

    def p_near(assessor: ThreatAssessor) -> float:
        s = assessor.assess(pic, bel).sites
        return float(np.sum(s.p_threat[s.site == 0]))

    assert p_near(ta) < 0.1  # explained by the far site: passing by
    # 2 km from the near site (30 s away), passing 850 m from its centre: the last chance
    b = a - math.radians(25.0)
    close = [[4000.0 - 2000.0 * math.cos(b), -2000.0 * math.sin(b), 800.0, *vel]]
    pic, bel = picture_from_states(0.0, ENU, [1], close, [probs("decoy", 1.0)])
    assert p_near(ta) > 0.5
    late = ThreatAssessor(ENU, Context(sites=sites), ThreatConfig(final_approach_s=0.0))
    assert p_near(late) < 0.1


def _border_context(share: list[str], redact: bool = True) -> Context:
    # border along y = 0 walking west -> east: the partner is north (left)
    return Context(
        borders=[Border(border_id="pl", partner="PL", points=[(-20_000.0, 0.0), (20_000.0, 0.0)])],
        partners=[Partner(partner="PL", share=share, redact_sensor_sites=redact)],
    )


def test_border_crossing_time_point_and_sharing() -> None:
    ta = ThreatAssessor(ENU, _border_context(["attack_drone", "decoy"]))
    state = [
        [1000.0, -3000.0, 800.0, 0.0, 50.0, 0.0],  # attack drone northbound: crosses in 60 s
        [2000.0, -3000.0, 800.0, 0.0, 50.0, 0.0],  # an aircraft: not shared
        [3000.0, 3000.0, 800.0, 0.0, -50.0, 0.0],  # decoy coming from the partner: no warning
        [4000.0, -3000.0, 800.0, 30.0, 40.0, 0.0],  # decoy crossing at an angle
    ]
    beliefs = [probs("attack_drone"), probs("aircraft"), probs("decoy"), probs("decoy")]
    pic, bel = picture_from_states(0.0, ENU, [1, 2, 3, 4], state, beliefs)
    bc = ta.assess(pic, bel).borders
    assert sorted(bc.track_id.tolist()) == [1, 4]
    i = int(np.flatnonzero(bc.track_id == 1)[0])
    assert bc.eta_s[i] == pytest.approx(60.0)
    assert bc.point[i] == pytest.approx([1000.0, 0.0, 800.0])
    assert bc.shared_class[i] == "attack_drone" and bc.class_prob[i] == pytest.approx(0.9)
    j = int(np.flatnonzero(bc.track_id == 4)[0])
    assert bc.eta_s[j] == pytest.approx(75.0)
    assert bc.point[j, :2] == pytest.approx([4000.0 + 30.0 * 75.0, 0.0])


def test_border_crossing_after_a_site_is_discounted() -> None:
    context = _border_context(["attack_drone"])
    site = Site(site_id="s", x=0.0, y=-1000.0, radius_m=400.0)
    ta = ThreatAssessor(
        ENU, Context(sites=[site], borders=context.borders, partners=context.partners)
    )
    state = [
        [0.0, -5000.0, 800.0, 0.0, 50.0, 0.0],  # through the site, then the border
        [3000.0, -5000.0, 800.0, 0.0, 50.0, 0.0],  # straight to the border
    ]
    pic, bel = picture_from_states(0.0, ENU, [1, 2], state, [probs("attack_drone")] * 2)
    bc = ta.assess(pic, bel).borders
    order = np.argsort(bc.track_id)
    assert bc.p_share[order] == pytest.approx([0.9, 0.9])
    assert bc.p_site_first[order][0] > 0.9 and bc.p_site_first[order][1] == 0.0
    assert bc.p_cross[order][0] < 0.1 and bc.p_cross[order][1] == pytest.approx(0.9)


def test_closing_track_off_course_threatens_its_likely_goal() -> None:
    """3 km west of the power station on a 30-degree dogleg, no other site ahead: the power
    station is the course's likely goal (posterior ~0.75), so the intent rule warns it."""
    ta = ThreatAssessor(ENU, Context(sites=SITES))
    a = math.radians(30.0)
    state = [[7000.0, 0.0, 500.0, 50.0 * math.cos(a), 50.0 * math.sin(a), 0.0]]
    pic, bel = picture_from_states(0.0, ENU, [1], state, [probs("attack_drone", 1.0)])
    s = ta.assess(pic, bel).sites
    assert len(s) == 1 and not s.on_course[0]
    assert s.p_hit[0] < 0.01 and 0.6 < s.p_closing[0] < 0.8
    assert s.eta_s[0] == pytest.approx(3000.0 / 50.0)  # flying straight at it
    assert s.impact[0] == pytest.approx([10_000.0, 0.0, 0.0])  # the site centre
    assert s.impact_r95_m[0] == 500.0
    straight = ThreatAssessor(ENU, Context(sites=SITES), ThreatConfig(closing_horizon_s=0.0))
    assert len(straight.assess(pic, bel).sites) == 0
    # the same course with a second site straight ahead of it: the dogleg explains both less
    # well than the straight course explains the second, so the power station is not named
    ahead = Site(site_id="ahead", x=7000.0 + 20_000.0 * math.cos(a), y=20_000.0 * math.sin(a))
    two = ThreatAssessor(ENU, Context(sites=[*SITES, ahead]))
    s2 = two.assess(pic, bel).sites
    assert float(np.sum(s2.p_threat[s2.site == 0])) < 0.2


def test_border_warnings_need_a_partner_share_list() -> None:
    ta = ThreatAssessor(ENU, _border_context([]))
    pic, bel = picture_from_states(
        0.0, ENU, [1], [[0.0, -3000.0, 800.0, 0.0, 50.0, 0.0]], [probs("attack_drone")]
    )
    assert len(ta.assess(pic, bel).borders) == 0


def _raid_states(t: float, rng: np.random.Generator) -> np.ndarray:
    """Two raids of 5 (east- and north-bound, 20 km apart) and one straggler."""
    east = np.column_stack(
        (rng.uniform(-1000, 1000, 5), rng.uniform(-1000, 1000, 5), np.full(5, 1000.0))
    )
    north = east + np.array([20_000.0, 0.0, 0.0])
    pos = np.concatenate((east, north, [[-20_000.0, 5000.0, 1000.0]]))
    vel = np.array([[50.0, 0.0, 0.0]] * 5 + [[0.0, 50.0, 0.0]] * 5 + [[-40.0, 0.0, 0.0]])
    return np.concatenate((pos + vel * t, vel), axis=1)


def test_raids_grouped_with_stable_numbers() -> None:
    rng = np.random.default_rng(3)
    ta = ThreatAssessor(ENU, Context())
    states = _raid_states(0.0, rng)
    ids = np.arange(100, 111)
    pic, bel = picture_from_states(0.0, ENU, ids, states, [probs("attack_drone")] * 11)
    r0 = ta.assess(pic, bel)
    assert sorted(r0.raids.n_tracks.tolist()) == [5, 5]
    first = dict(zip(r0.tracks.track_id.tolist(), r0.tracks.raid_id.tolist(), strict=True))
    assert first[110] == -1  # the straggler is no raid
    # ten seconds later, tracks listed in another order, one raid member lost
    later = states.copy()
    later[:, :3] += later[:, 3:] * 10.0
    keep = np.array([10, 3, 2, 1, 0, 9, 8, 7, 6])
    pic2, bel2 = picture_from_states(10.0, ENU, ids[keep], later[keep], [probs("decoy")] * 9)
    r1 = ta.assess(pic2, bel2)
    second = dict(zip(r1.tracks.track_id.tolist(), r1.tracks.raid_id.tolist(), strict=True))
    for t in ids[keep][1:]:
        assert second[int(t)] == first[int(t)]


def test_launch_area_from_converging_courses() -> None:
    launch = np.array([-14_000.0, -5000.0])
    rng = np.random.default_rng(1)
    ang = rng.uniform(0.1, 1.2, 12)
    dist = rng.uniform(6000.0, 15_000.0, 12)
    u = np.stack((np.cos(ang), np.sin(ang)), axis=1)
    pos = launch + dist[:, None] * u
    state = np.column_stack((pos, np.full(12, 1500.0), 50.0 * u, np.zeros(12)))
    ta = ThreatAssessor(ENU, Context(), ThreatConfig(launch_period_s=0.0))
    # not enough tracks yet: nothing reported
    few, few_bel = picture_from_states(0.0, ENU, np.arange(3), state[:3], [probs("decoy")] * 3)
    assert ta.assess(few, few_bel).launch_areas == ()
    pic, bel = picture_from_states(1.0, ENU, np.arange(12), state, [probs("decoy")] * 12)
    areas = ta.assess(pic, bel).launch_areas
    assert len(areas) == 1
    assert areas[0].position[:2] == pytest.approx(launch, abs=1.0)
    assert areas[0].position[2] == 0.0
    assert len(areas[0].track_ids) == 12
    again = ta.assess(pic, bel).launch_areas
    assert again[0].area_id == areas[0].area_id
    assert again[0].sigma_m < areas[0].sigma_m  # the same fit again: fused, more certain
    assert again[0].position[:2] == pytest.approx(launch, abs=1.0)


def test_launch_areas_are_refitted_on_their_period() -> None:
    """Between fits the last areas are reported unchanged; the next fit (after
    ``launch_period_s``) fuses with them under the same number."""
    launch = np.array([-14_000.0, -5000.0])
    rng = np.random.default_rng(2)
    ang = rng.uniform(0.1, 1.2, 12)
    dist = rng.uniform(6000.0, 15_000.0, 12)
    u = np.stack((np.cos(ang), np.sin(ang)), axis=1)
    pos = launch + dist[:, None] * u
    state = np.column_stack((pos, np.full(12, 1500.0), 50.0 * u, np.zeros(12)))
    ta = ThreatAssessor(ENU, Context(), ThreatConfig(launch_period_s=5.0))
    bel = [probs("decoy")] * 12
    first = ta.assess(*picture_from_states(0.0, ENU, np.arange(12), state, bel)).launch_areas
    assert len(first) == 1
    held = ta.assess(*picture_from_states(2.0, ENU, np.arange(12), state, bel)).launch_areas
    assert held == first  # not re-fitted within the period: the same objects
    refit = ta.assess(*picture_from_states(5.0, ENU, np.arange(12), state, bel)).launch_areas
    assert refit[0].area_id == first[0].area_id
    assert refit[0].sigma_m < first[0].sigma_m  # fused with the previous fit
    assert refit[0].position[:2] == pytest.approx(launch, abs=1.0)


def test_relay_emitters_near_hostile_routes() -> None:
    ta = ThreatAssessor(ENU, Context())
    routes = [[-5000.0, y, 1000.0, 50.0, 0.0, 0.0] for y in (-500.0, 0.0, 500.0)]
    emitters = [[-10_000.0, 1000.0, 10.0, 0, 0, 0], [0.0, 20_000.0, 10.0, 0, 0, 0]]
    beliefs = [probs("attack_drone")] * 3 + [probs("ground_emitter", 0.7)] * 2
    pic, bel = picture_from_states(
        0.0,
        ENU,
        [1, 2, 3, 50, 51],
        routes + emitters,
        beliefs,
        static=[False, False, False, True, True],
    )
    rl = ta.assess(pic, bel).relays
    assert rl.track_id.tolist() == [50]
    assert rl.n_routes[0] == 3
    assert rl.distance_m[0] == pytest.approx(500.0)  # behind the route at y = 500
    assert rl.p_emitter[0] == pytest.approx(0.7)


def test_geodetic_site_eta_matches_flat_distance() -> None:
    frame = WorkFrame(True, 50.0, 30.0, 0.0)
    site = Site(site_id="s", lat_deg=50.1, lon_deg=30.0, radius_m=500.0)
    ta = ThreatAssessor(frame, Context(sites=[site]))
    p = ecef_from_geodetic(50.0, 30.0, 1000.0)
    R = enu_rotation(50.0, 30.0)
    v = R.T @ np.array([0.0, 50.0, 0.0])  # northbound in local ENU
    pic, bel = picture_from_states(
        0.0, frame, [1], [np.concatenate((p, v))], [probs("attack_drone")]
    )
    s = ta.assess(pic, bel).sites
    north_m = np.linalg.norm(
        ecef_from_geodetic(50.1, 30.0, 0.0) - ecef_from_geodetic(50.0, 30.0, 0)
    )
    assert len(s) == 1
    assert s.eta_s[0] == pytest.approx(north_m / 50.0, rel=2e-3)
    lat, lon, _ = frame.from_work(s.impact[0])
    assert float(lat) == pytest.approx(50.1, abs=1e-3) and float(lon) == pytest.approx(30.0, 1e-3)


def test_geodetic_border_crossing() -> None:
    frame = WorkFrame(True, 50.0, 30.0, 0.0)
    border = Border(border_id="b", partner="P", points=[(50.0, 29.9), (50.0, 30.1)])  # lat, lon
    context = Context(borders=[border], partners=[Partner(partner="P", share=["decoy"])])
    ta = ThreatAssessor(frame, context)
    p = ecef_from_geodetic(49.973, 30.0, 1000.0)
    v = enu_rotation(49.973, 30.0).T @ np.array([0.0, 50.0, 0.0])  # northbound: into P
    pic, bel = picture_from_states(0.0, frame, [1], [np.concatenate((p, v))], [probs("decoy")])
    bc = ta.assess(pic, bel).borders
    north_m = np.linalg.norm(
        ecef_from_geodetic(50.0, 30.0, 0.0) - ecef_from_geodetic(49.973, 30, 0)
    )
    assert len(bc) == 1 and bc.shared_class[0] == "decoy"
    assert bc.eta_s[0] == pytest.approx(north_m / 50.0, rel=2e-3)
    lat, lon, _ = frame.from_work(bc.point[0])
    assert float(lat) == pytest.approx(50.0, abs=1e-3) and float(lon) == pytest.approx(30.0, 1e-4)


def test_context_errors_name_the_field() -> None:
    with pytest.raises(InputError, match="field 'x'"):
        ThreatContext.build(Context(sites=[Site(site_id="s", y=1.0)]), ENU)
    with pytest.raises(InputError, match="lat_deg"):
        ThreatContext.build(Context(sites=[Site(site_id="s", x=1.0, y=1.0)]), WorkFrame(True))
    with pytest.raises(InputError, match="radius_m"):
        ThreatContext.build(Context(sites=[Site(site_id="s", x=0, y=0, radius_m=0)]), ENU)
    one_point = Border(border_id="b", partner="P", points=[(0.0, 0.0)])
    with pytest.raises(InputError, match="points"):
        ThreatContext.build(Context(borders=[one_point]), ENU)
    with pytest.raises(InputError, match="share"):
        ThreatContext.build(Context(partners=[Partner(partner="P", share=["ufo"])]), ENU)
    with pytest.raises(ValueError, match="fast_min_mps"):
        ThreatConfig(fast_min_mps=100.0)


def test_mixed_demo_truth(mixed_scenario: Path) -> None:
    """On mixed-demo truth: right sites and ETAs, the launch area, the relay, the border."""
    frame = SensorCatalog.build(read_sensors(mixed_scenario)).frame
    ground = read_ground_truth(mixed_scenario)
    tg = ground.targets
    assert tg is not None
    ta = ThreatAssessor(frame, read_context(mixed_scenario))
    arrival = tg.float_col("arrival_time_s")
    goal = dict(zip(tg.target_id.tolist(), tg.goal_site.tolist(), strict=True))
    checked = 0
    for pic, bel in truth_pictures(ground.truth, tg, frame, step_s=5.0):
        tp = ta.assess(pic, bel)
        s = tp.sites
        for k in range(len(s)):
            tid = int(s.track_id[k])
            if goal[tid] and s.p_threat[k] > 0.5:
                assert tp.context.site_id[s.site[k]] == goal[tid]
                arr = arrival[tg.target_id == tid][0]
                assert s.eta_s[k] + tp.time == pytest.approx(arr, abs=0.1 * (arr - tp.time))
                checked += 1
    assert checked > 100
    launch = np.column_stack((tg.float_col("launch_x"), tg.float_col("launch_y")))
    mean_launch = launch[np.isin(tg.cls, ["attack_drone", "decoy"])].mean(axis=0)
    assert len(tp.launch_areas) == 1
    assert np.linalg.norm(tp.launch_areas[0].position[:2] - mean_launch) < 1000.0
    assert tp.relays.track_id.tolist() == [40]  # the ground relay
