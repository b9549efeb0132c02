"""Recursive update primitives against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skyfuse.classify.bayes import forget_factor, log_linear_pool, posterior


def test_posterior_hand_computed() -> None:
    """prior (0.5, 0.3, 0.2), likelihoods (0.1, 0.4, 0.5): posterior = prior*L / 0.27."""
    prior = np.log(np.array([0.5, 0.3, 0.2]))
    ll = np.log(np.array([[0.1, 0.4, 0.5]]))
    np.testing.assert_allclose(posterior(prior, ll)[0], [0.05 / 0.27, 0.12 / 0.27, 0.10 / 0.27])


def test_two_updates_multiply_likelihoods() -> None:
    prior = np.log(np.array([0.5, 0.5]))
    l1, l2 = np.array([[0.9, 0.1]]), np.array([[0.2, 0.8]])
    p = posterior(prior, np.log(l1) + np.log(l2))[0]
    # 0.5*0.9*0.2 = 0.09, 0.5*0.1*0.8 = 0.04
    np.testing.assert_allclose(p, [0.09 / 0.13, 0.04 / 0.13])


def test_posterior_with_all_minus_inf_row_falls_back_to_prior() -> None:
    prior = np.log(np.array([0.25, 0.75]))
    p = posterior(prior, np.array([[-np.inf, -np.inf]]))
    np.testing.assert_allclose(p[0], [0.25, 0.75])


def test_forget_factor_closed_form() -> None:
    np.testing.assert_allclose(
        forget_factor(np.array([0.0, 10.0, 20.0]), 10.0), [1, np.e**-1, np.e**-2]
    )
    np.testing.assert_array_equal(forget_factor(np.array([5.0]), float("inf")), [1.0])
    with pytest.raises(ValueError, match="time constant"):
        forget_factor(np.array([1.0]), 0.0)


def test_log_linear_pool_endpoints_and_midpoint() -> None:
    a = np.array([[0.8, 0.2]])
    b = np.array([[0.2, 0.8]])
    np.testing.assert_allclose(log_linear_pool(a, b, 0.0), a)
    np.testing.assert_allclose(log_linear_pool(a, b, 1.0), b)
    np.testing.assert_allclose(log_linear_pool(a, b, 0.5), [[0.5, 0.5]])
    with pytest.raises(ValueError, match="pool weight"):
        log_linear_pool(a, b, 1.5)


@given(
    arrays(np.float64, (4, 8), elements=st.floats(-300, 300)),
    arrays(np.float64, 8, elements=st.floats(0.01, 1.0)),
)
def test_posterior_rows_are_distributions(loglik: np.ndarray, w: np.ndarray) -> None:
    p = posterior(np.log(w / w.sum()), loglik)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
