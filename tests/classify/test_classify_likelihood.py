"""Likelihood models: normalised densities, closed forms, hierarchical RCS and latent RF."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import integrate, stats

from skyfuse.classify import likelihood as lk
from skyfuse.core.kinds import CLASSES

M = lk.ClassModel.default()
C = len(CLASSES)


def _trapz_per_class(x: np.ndarray, logpdf: np.ndarray) -> np.ndarray:
    return np.asarray(integrate.trapezoid(np.exp(logpdf), x, axis=0))


def test_speed_density_is_normalised_on_half_line() -> None:
    x = np.linspace(0.0, 800.0, 80_001)
    mass = _trapz_per_class(x, lk.speed_loglik(x, np.full(x.size, 3.0), M))
    np.testing.assert_allclose(mass, 1.0, atol=1e-4)


def test_altitude_mixture_is_normalised() -> None:
    x = np.linspace(-40_000.0, 60_000.0, 40_001)
    mass = _trapz_per_class(x, lk.altitude_loglik(x, np.full(x.size, 20.0), M))
    np.testing.assert_allclose(mass, 1.0, atol=1e-4)


def test_climb_density_is_normalised() -> None:
    x = np.linspace(-200.0, 200.0, 200_001)
    mass = _trapz_per_class(x, lk.climb_loglik(x, np.full(x.size, 0.5), M))
    np.testing.assert_allclose(mass, 1.0, atol=1e-5)


def test_manoeuvre_beta_is_normalised() -> None:
    x = np.linspace(1e-3, 1.0 - 1e-3, 200_001)
    mass = _trapz_per_class(x, lk.manoeuvre_loglik(x, M))
    # Beta(2, 2) etc. put almost no mass in the clipped 1e-3 tails
    np.testing.assert_allclose(mass, 1.0, atol=5e-3)


def test_single_rcs_report_density_in_db_is_normalised() -> None:
    y = np.linspace(-120.0, 80.0, 20_001)
    mass = _trapz_per_class(y, lk.rcs_report_logpdf(y, M))
    # quadrature error of the latent-mean integral is ~1e-4 for the broad (unknown) class
    np.testing.assert_allclose(mass, 1.0, atol=5e-4)


def test_rcs_report_density_matches_direct_quadrature() -> None:
    """p(y | c) = int (ln10/10) u e^-u N(m; mu, sd) dm, u = 10^((y - m)/10), by scipy.quad."""
    c = CLASSES.index("attack_drone")
    mu, sd = M.rcs_mean_dbsm[c], M.rcs_sd_db[c]
    for y in (-20.0, -6.0, 3.0):

        def f(m: float, y: float = y) -> float:
            u = 10.0 ** ((y - m) / 10.0)
            return float(np.log(10) / 10 * u * np.exp(-u) * stats.norm.pdf(m, mu, sd))

        ref, _ = integrate.quad(f, mu - 12 * sd, mu + 12 * sd, limit=200, points=[y])
        got = np.exp(lk.rcs_report_logpdf(np.array([y]), M))[0, c]
        assert got == pytest.approx(ref, rel=1e-3)


def test_rcs_marginal_reduces_to_exponential_likelihood_for_a_known_mean() -> None:
    """With a (near) point-mass mean, log p = -n ln sbar - S / sbar (Swerling 1)."""
    tiny = dataclasses.replace(M, rcs_sd_db=np.full(C, 1e-9))
    n = np.array([1.0, 5.0, 12.5])
    S = np.array([0.2, 1.3, 4.0])
    sbar = 10.0 ** (M.rcs_mean_dbsm / 10.0)
    expect = -n[:, None] * np.log(sbar)[None, :] - S[:, None] / sbar[None, :]
    np.testing.assert_allclose(lk.rcs_log_marginal(n, S, tiny), expect, rtol=1e-6, atol=1e-6)


def test_rcs_marginal_of_no_reports_is_zero() -> None:
    np.testing.assert_allclose(lk.rcs_log_marginal(np.zeros(2), np.zeros(2), M), 0.0, atol=1e-12)


def test_rcs_separates_bird_from_attack_drone() -> None:
    ll = lk.rcs_report_logpdf(np.array([-25.0, -6.0]), M)
    bird, attack = CLASSES.index("bird"), CLASSES.index("attack_drone")
    assert ll[0, bird] > ll[0, attack]
    assert ll[1, attack] > ll[1, bird]


def test_f0_density_is_normalised() -> None:
    x = np.linspace(0.0, 1000.0, 100_001)
    mass = _trapz_per_class(x, lk.f0_loglik(x, M))
    # engine classes lose only the normal's mass below 0 Hz (negligible); silent classes are U
    np.testing.assert_allclose(mass, 1.0, atol=1e-4)


def test_f0_mean_of_n_reports_narrows_towards_the_class_spread() -> None:
    """Var of the mean of n reports = sd_c^2 + noise_c^2 / n (hierarchical marginal)."""
    c = CLASSES.index("multirotor")
    model = dataclasses.replace(M, f0_clutter=1e-12)
    f = np.array([M.f0_mean_hz[c]])
    for n in (1.0, 4.0, 100.0):
        sd = np.hypot(M.f0_sd_hz[c], M.f0_noise_hz[c] / np.sqrt(n))
        peak = -np.log(sd) - 0.5 * np.log(2 * np.pi)
        got = lk.f0_loglik(f, model, np.array([n]))[0, c]
        assert got == pytest.approx(peak, abs=1e-9)


def test_categorical_tables_are_distributions() -> None:
    for table in (M.rf_band, M.rf_bw, M.coop):
        np.testing.assert_allclose(table.sum(axis=1), 1.0, atol=1e-12)
        assert np.all(table > 0)


def test_rf_report_likelihood_sums_to_one_over_all_outcomes() -> None:
    band_f = np.array([434.0, 868.3, 915.0, 2440.0, 5800.0, 3000.0])
    bw = np.array([0.5, 2.0, 20.0])
    f, b = np.meshgrid(band_f, bw)
    ll = lk.rf_loglik(f.ravel(), b.ravel(), M)
    np.testing.assert_allclose(np.exp(ll).sum(axis=0), 1.0, atol=1e-12)


def test_rf_band_and_bandwidth_indices() -> None:
    np.testing.assert_array_equal(
        lk.rf_band_index(np.array([433.9, 868.3, 915.0, 2450.0, 5800.0, 100.0, np.nan])),
        [0, 1, 2, 3, 4, 5, 5],
    )
    np.testing.assert_array_equal(
        lk.rf_bandwidth_index(np.array([0.5, 1.0, 10.0, 15.0, 20.0, np.nan])),
        [0, 1, 1, 2, 2, -1],
    )


def test_latent_category_hand_computed() -> None:
    """Two classes, K = 2, eps = 0.1, counts (2, 1):
    p = sum_j T[c,j] (1-eps)^n_j eps^(n-n_j), divided by eps^n (class-independent)."""
    table = np.array([[0.7, 0.3], [0.2, 0.8]])
    counts = np.array([[2.0, 1.0]])
    eps = 0.1
    p = [
        0.7 * 0.9**2 * 0.1**1 + 0.3 * 0.9**1 * 0.1**2,
        0.2 * 0.9**2 * 0.1**1 + 0.8 * 0.9**1 * 0.1**2,
    ]
    expect = np.log(p) - 3 * np.log(0.1)
    np.testing.assert_allclose(lk.latent_category_loglik(counts, table, eps)[0], expect)


def test_many_reports_of_one_band_weigh_like_one() -> None:
    """Thirty reports of the emitter's band move the class odds by the table ratio only."""
    counts = np.zeros((2, lk.N_RF_BANDS))
    counts[0, 2] = 1.0
    counts[1, 2] = 30.0
    ll = lk.latent_category_loglik(counts, M.rf_band, 0.05)
    a, f = CLASSES.index("attack_drone"), CLASSES.index("fixed_wing_uav")
    one = ll[0, f] - ll[0, a]
    thirty = ll[1, f] - ll[1, a]
    assert thirty == pytest.approx(np.log(M.rf_band[f, 2] / M.rf_band[a, 2]), abs=1e-6)
    assert abs(thirty) <= abs(one) + 1e-6 or np.sign(thirty) == np.sign(one)


def test_latent_category_of_no_reports_is_zero() -> None:
    np.testing.assert_allclose(
        lk.latent_category_loglik(np.zeros((3, 4)), np.full((C, 4), 0.25), 0.05), 0.0, atol=1e-12
    )


def test_eo_scores_favour_the_scored_class_and_ignore_missing_rows() -> None:
    scores = np.full((2, lk.N_KNOWN), 0.0)
    scores[0, CLASSES.index("bird")] = 1.0
    scores[1] = np.nan
    ll = lk.eo_loglik(scores, M)
    assert np.argmax(ll[0]) == CLASSES.index("bird")
    np.testing.assert_array_equal(ll[1], 0.0)


def test_one_rf_report_counts_like_the_single_report_model() -> None:
    f, bw = np.array([915.0]), np.array([0.5])
    counts_band = np.zeros((1, lk.N_RF_BANDS))
    counts_band[0, 2] = 1.0
    counts_bw = np.zeros((1, lk.N_RF_BW))
    counts_bw[0, 0] = 1.0
    latent = lk.rf_counts_loglik(counts_band, counts_bw, M, 1e-9)[0]
    single = lk.rf_loglik(f, bw, M)[0]
    np.testing.assert_allclose(latent - latent[0], single - single[0], atol=1e-6)


def test_bernoulli_outcomes_sum_to_one() -> None:
    p = M.p_static
    both = np.exp(lk.bernoulli_loglik(np.array([True, False]), p))
    np.testing.assert_allclose(both.sum(axis=0), 1.0)
