"""Pairwise reliability and ECE (`skyfuse.eval.calibration`) against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfuse.core.kinds import CLASSES
from skyfuse.eval.calibration import pair_calibration, pairwise_calibration

C = len(CLASSES)
A, D, B = CLASSES.index("attack_drone"), CLASSES.index("decoy"), CLASSES.index("bird")


def _rows(pa: list[float], pd: list[float], rest: float = 0.0) -> np.ndarray:
    """Rows with p(attack) = pa, p(decoy) = pd and ``rest`` on bird (not renormalised)."""
    p = np.zeros((len(pa), C))
    p[:, A] = pa
    p[:, D] = pd
    p[:, B] = rest
    return p


def test_constant_prior_mix_is_calibrated_when_it_matches_the_share() -> None:
    """q = 0.65 for all, 13 of 20 attack: one bin, ECE = |0.65 - 0.65| = 0."""
    p = _rows([0.65] * 20, [0.35] * 20)
    y = np.array([A] * 13 + [D] * 7)
    r = pair_calibration(p, y, "attack_drone", "decoy")
    assert r.n == 20 and r.share_a == pytest.approx(0.65)
    assert r.ece == pytest.approx(0.0, abs=1e-12)
    assert np.flatnonzero(r.bin_weight).tolist() == [6]  # q = 0.65 falls in [0.6, 0.7)
    # the same statement renormalised from rows that also put mass on other classes
    r2 = pair_calibration(_rows([0.13] * 20, [0.07] * 20, rest=0.8), y, A, D)
    assert r2.ece == pytest.approx(0.0, abs=1e-9)


def test_overconfident_pair_closed_form() -> None:
    """4 rows at q = 0.95 of which 2 attack, 4 rows at q = 0.05 of which 1 attack:
    ECE = 0.5 |0.5 - 0.95| + 0.5 |0.25 - 0.05| = 0.225 + 0.1 = 0.325; MCE = 0.45."""
    p = _rows([0.95] * 4 + [0.05] * 4, [0.05] * 4 + [0.95] * 4)
    y = np.array([A, A, D, D, A, D, D, D])
    r = pair_calibration(p, y, A, D)
    assert r.ece == pytest.approx(0.325)
    assert r.mce == pytest.approx(0.45)
    assert r.bin_share_a[9] == pytest.approx(0.5) and r.bin_share_a[0] == pytest.approx(0.25)
    assert r.bin_mean_q[9] == pytest.approx(0.95)


def test_other_truths_are_ignored_and_weights_replace_counts() -> None:
    p = _rows([0.9, 0.9, 0.9], [0.1, 0.1, 0.1])
    y = np.array([A, D, B])  # the bird row is not about the pair
    r = pair_calibration(p, y, A, D)
    assert r.n == 2 and r.ece == pytest.approx(abs(0.5 - 0.9))
    rw = pair_calibration(p, y, A, D, weights=np.array([3.0, 1.0, 100.0]))
    # weighted share of attack 0.75 at q = 0.9: ECE = 0.15
    assert rw.n == pytest.approx(4.0) and rw.ece == pytest.approx(0.15)


def test_pair_without_mass_is_left_out_and_empty_gives_nan() -> None:
    p = _rows([0.0, 0.7], [0.0, 0.3], rest=1.0)
    r = pair_calibration(p, np.array([A, A]), A, D)
    assert r.n == 1 and r.ece == pytest.approx(0.3)
    e = pair_calibration(p, np.array([B, B]), A, D)
    assert e.n == 0 and np.isnan(e.ece)
    assert e.to_json()["ece"] is None


def test_q_of_one_lands_in_the_last_bin() -> None:
    p = _rows([1.0, 1.0], [0.0, 0.0])
    r = pair_calibration(p, np.array([A, A]), A, D, n_bins=4)
    assert r.bin_weight.tolist() == [0.0, 0.0, 0.0, 2.0] and r.ece == 0.0


def test_pairwise_defaults_to_the_pairs_present() -> None:
    p = _rows([0.5, 0.5, 0.2], [0.5, 0.3, 0.2], rest=0.6)
    out = pairwise_calibration(p, np.array([A, D, B]))
    assert set(out) == {"attack_drone_vs_decoy", "attack_drone_vs_bird", "decoy_vs_bird"}


def test_bad_arguments_raise() -> None:
    p = _rows([0.5], [0.5])
    with pytest.raises(ValueError):
        pair_calibration(p, np.array([A]), A, A)
    with pytest.raises(ValueError):
        pair_calibration(p, np.array([A]), "attack_drone", "nope")
    with pytest.raises(ValueError):
        pair_calibration(p, np.array([A]), A, D, weights=np.array([-1.0]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40),
    st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_ece_is_bounded_and_zero_for_perfect_bins(qs: list[float], is_a: list[bool]) -> None:
    """0 <= ECE <= 1 always; stating each bin's own share gives ECE = 0."""
    q = np.array(qs)
    y = np.where(np.array(is_a[: q.size]), A, D)
    r = pair_calibration(_rows(list(q), list(1.0 - q)), y, A, D)
    assert 0.0 <= r.ece <= 1.0 + 1e-12
    share = r.share_a
    honest = pair_calibration(_rows([share] * q.size, [1.0 - share] * q.size), y, A, D)
    assert honest.ece == pytest.approx(0.0, abs=1e-9)
