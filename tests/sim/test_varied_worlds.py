"""Varied worlds (`skyfuse.sim.presets.varied_world`) and the population's per-class ranges."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from skyfuse.core.errors import InputError
from skyfuse.core.kinds import TargetClass
from skyfuse.sim import preset
from skyfuse.sim.config import PopulationParams, SimConfig
from skyfuse.sim.context import plan_geography
from skyfuse.sim.population import TargetPlan, plan_targets
from skyfuse.sim.presets import varied_world


def _plan(cfg: SimConfig) -> TargetPlan:
    rng = np.random.default_rng(cfg.seed)
    geo = plan_geography(cfg, rng)
    return plan_targets(cfg, geo, rng)


def test_varied_world_is_deterministic_and_differs_by_seed() -> None:
    a, b, c = varied_world(3), varied_world(3), varied_world(4)
    assert msgspec.to_builtins(a) == msgspec.to_builtins(b)
    assert msgspec.to_builtins(a) != msgspec.to_builtins(c)
    assert preset("varied-night-raid", seed=3) == a


def test_varied_worlds_span_the_documented_ranges() -> None:
    worlds = [varied_world(s) for s in range(40)]
    refl = [w.population.decoy_reflector_share for w in worlds]
    assert min(refl) < 0.2 and max(refl) > 0.8
    assert any(not w.radar.rcs for w in worlds) and any(w.radar.rcs for w in worlds)
    assert any(w.acoustic_arrays == 0 for w in worlds) and any(w.acoustic_arrays for w in worlds)
    assert any(w.population.jet_share > 0 for w in worlds)
    for w in worlds:
        p = w.population
        assert p.reflector_rcs_dbsm == p.attack_rcs_dbsm
        assert p.aircraft_speed_mps[0] <= 110.0 and p.aircraft_speed_mps[1] >= 180.0
        assert p.fixed_wing_speed_mps[0] <= 25.0


def test_reflector_decoys_draw_attack_drone_rcs() -> None:
    pop = PopulationParams(
        decoy_reflector_share=1.0, reflector_rcs_dbsm=(-6.0, -4.0), decoy_rcs_dbsm=(-14.0, -12.0)
    )
    cfg = SimConfig(targets=0, attack_drones=5, decoys=40, sites=2, population=pop)
    plan = _plan(cfg)
    decoy = plan.cls == int(TargetClass.DECOY)
    assert decoy.sum() == 40
    assert np.all((plan.rcs_dbsm[decoy] >= -6.0) & (plan.rcs_dbsm[decoy] <= -4.0))
    none = msgspec.structs.replace(pop, decoy_reflector_share=0.0)
    plan0 = _plan(msgspec.structs.replace(cfg, population=none))
    d0 = plan0.cls == int(TargetClass.DECOY)
    assert np.all(plan0.rcs_dbsm[d0] <= -12.0)


def test_jets_fly_their_speed_band() -> None:
    pop = PopulationParams(jet_share=1.0, jet_speed_mps=(120.0, 140.0))
    plan = _plan(SimConfig(targets=0, attack_drones=20, sites=2, population=pop))
    att = plan.cls == int(TargetClass.ATTACK_DRONE)
    assert np.all((plan.speed[att] >= 120.0) & (plan.speed[att] <= 140.0))


def test_default_population_keeps_the_class_models() -> None:
    """Default ranges reproduce the documented class models (and the same random stream)."""
    cfg = SimConfig(targets=0, birds=50, aircraft=10, fixed_wing_uavs=10, sites=1)
    plan = _plan(cfg)
    bird = plan.cls == int(TargetClass.BIRD)
    assert np.all((plan.speed[bird] >= 8.0) & (plan.speed[bird] <= 20.0))
    ac = plan.cls == int(TargetClass.AIRCRAFT)
    assert np.all((plan.cruise_alt[ac] >= 3000.0) & (plan.cruise_alt[ac] <= 11000.0))
    # level flight without a climb share: exit altitude = cruise altitude
    np.testing.assert_array_equal(plan.waypoint_alt[ac, 0], plan.cruise_alt[ac])
    again = _plan(
        msgspec.structs.replace(cfg, population=PopulationParams(bird_speed_mps=(8.0, 20.0)))
    )
    np.testing.assert_array_equal(again.speed, plan.speed)


def test_bad_population_ranges_are_rejected_with_the_field() -> None:
    with pytest.raises(InputError, match=r"population\.bird_speed_mps"):
        SimConfig(population=PopulationParams(bird_speed_mps=(20.0, 8.0)))
    with pytest.raises(InputError, match=r"population\.decoy_reflector_share"):
        SimConfig(population=PopulationParams(decoy_reflector_share=1.5))
    with pytest.raises(InputError, match="seed"):
        preset("varied-night-raid", seed="x")
