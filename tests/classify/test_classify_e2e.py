"""End to end: reports -> real tracker -> classifier, scored against the scenario's truth.

Target (issue 5): attack drones are told from birds at least 99 % of the time once a track is
10 s old. "Told from" is the pairwise rule of `skyfuse.classify.calibration.pairwise_accuracy`:
over track samples whose true class is attack drone or bird, the true class has the higher
probability of the two.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer import Typer
from typer.testing import CliRunner

from skyfuse.classify.commands import register
from skyfuse.classify.learned import LearnedModel, load_default_model
from skyfuse.classify.train import collect, evaluate
from skyfuse.core.kinds import CLASSES

ATTACK_VS_BIRD_MIN = 0.99
MIN_AGE_S = 10.0


def test_mixed_demo_attack_drone_vs_bird_with_the_real_tracker(mixed_scenario: Path) -> None:
    """shared/scenarios/mixed-demo (seed 101: 20 attack drones, 4 birds, 12 decoys, ...)."""
    samples = collect(mixed_scenario, source="tracker", sample_every_s=2.0)
    rep = evaluate(samples, min_age_s=MIN_AGE_S, final=False)
    acc, n = rep.pairs["attack_drone_vs_bird"]
    assert n > 300, "too few attack-drone/bird samples to score"
    assert acc >= ATTACK_VS_BIRD_MIN
    # every class present is recognised better than chance, and beliefs are calibrated-ish
    assert rep.accuracy > 0.7
    assert rep.ece < 0.2
    # decoy vs attack drone is reported honestly, not asserted beyond what evidence allows
    assert 0.5 <= rep.pairs["attack_drone_vs_decoy"][0] <= 1.0


def test_mixed_demo_with_the_shipped_learned_model(mixed_scenario: Path) -> None:
    model = load_default_model()
    assert model is not None
    samples = collect(mixed_scenario, source="tracker", sample_every_s=4.0, model=model)
    rep = evaluate(samples, min_age_s=MIN_AGE_S)
    assert rep.pairs["attack_drone_vs_bird"][0] >= ATTACK_VS_BIRD_MIN
    np.testing.assert_allclose(samples.p_final.sum(axis=1), 1.0)


def test_oracle_tracks_give_the_same_bird_separation(mixed_scenario: Path) -> None:
    samples = collect(mixed_scenario, source="oracle", seed=3, sample_every_s=4.0)
    rep = evaluate(samples, min_age_s=MIN_AGE_S, final=False)
    assert rep.pairs["attack_drone_vs_bird"][0] >= ATTACK_VS_BIRD_MIN
    # the oracle knows the static relay: the ground emitter is recognised
    ge = CLASSES.index("ground_emitter")
    assert rep.confusion[ge, ge] > 0


def test_train_command_on_a_scenario(mixed_scenario: Path, tmp_path: Path) -> None:
    app = Typer()
    register(app)

    @app.command()
    def noop() -> None:  # a second command keeps `train` a sub-command
        """Nothing."""

    out = tmp_path / "m" / "classifier-test.pkl"
    rep = tmp_path / "report.json"
    res = CliRunner().invoke(
        app,
        [
            "train",
            "--scenario",
            str(mixed_scenario),
            "--source",
            "oracle",
            "--sample-every",
            "5",
            "--out",
            str(out),
            "--report",
            str(rep),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Brier" in res.output and "reliability" in res.output
    m = LearnedModel.load(out)
    assert m.meta["training"]["source"] == "oracle"
    assert rep.exists() and '"brier"' in rep.read_text()
    bad = CliRunner().invoke(app, ["train", "--source", "psychic", "-s", str(mixed_scenario)])
    assert bad.exit_code != 0


@pytest.mark.slow
def test_simulated_night_raid_attack_drone_vs_bird(tmp_path: Path) -> None:
    """skyfuse.sim preset night-raid, seed 5, 120 s: 24 attack drones, 16 decoys, 15 birds."""
    from skyfuse.sim import preset, simulate, write_result

    folder = tmp_path / "night-raid"
    write_result(simulate(preset("night-raid", seed=5, duration_s=120.0)), folder)
    samples = collect(folder, source="tracker", sample_every_s=2.0)
    rep = evaluate(samples, min_age_s=MIN_AGE_S, final=False)
    acc, n = rep.pairs["attack_drone_vs_bird"]
    assert n > 1000
    assert acc >= ATTACK_VS_BIRD_MIN
