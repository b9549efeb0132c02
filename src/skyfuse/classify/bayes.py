"""The recursive Bayesian class update: log-domain evidence, tempering, forgetting, posterior.

Per track and class the classifier keeps log-evidence accumulators ``E`` (one per evidence
source). One step over ``dt`` seconds with new log-likelihoods ``l`` (k, C) does

    E <- exp(-dt / T) * E + tau * l          (forget, then add tempered evidence)
    log p(c | data) = log pi_c + sum_sources E_c - logsumexp(...)

Tempering (``tau`` < 1) discounts reports that are not independent given the class (the same
engine heard again, the same misassociated emitter); forgetting with time constant ``T``
bounds the total weight of any source to about ``T / interval`` reports, so the posterior can
recover from association errors and cannot converge to 0/1 on correlated evidence
(a power prior / exponential forgetting, cf. Kulhavy & Zarrop 1993).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from skyfuse.classify.likelihood import logsumexp

F64 = NDArray[np.float64]


def forget_factor(dt_s: F64, time_constant_s: float) -> F64:
    """(k,) exp(-dt / T): the weight old evidence keeps after dt seconds (1 when T is inf)."""
    if not np.isfinite(time_constant_s):
        return np.ones_like(dt_s)
    if time_constant_s <= 0:
        raise ValueError(f"forgetting time constant must be > 0 s, got {time_constant_s}")
    return np.asarray(np.exp(-np.maximum(dt_s, 0.0) / time_constant_s), dtype=np.float64)


def posterior(log_prior: F64, log_evidence: F64) -> F64:
    """(k, C) class posterior from a (C,) log prior and (k, C) summed log-evidence; rows sum to 1.

    Classes with log-evidence -inf get probability 0; a row that is -inf everywhere falls back
    to the prior.
    """
    z = log_prior[None, :] + log_evidence
    bad = np.asarray(~np.isfinite(z).any(axis=1), dtype=bool)
    z = np.where(bad[:, None], log_prior[None, :], z)
    return np.asarray(np.exp(z - logsumexp(z, axis=1)[:, None]), dtype=np.float64)


def log_linear_pool(p_a: F64, p_b: F64, weight_b: float) -> F64:
    """(k, C) log-linear (geometric) opinion pool ``p ∝ p_a^(1-w) p_b^w``, rows sum to 1.

    Used to stack the learned model's posterior on the Bayesian one; the pool is externally
    Bayesian (Genest & Zidek 1986): pooling then updating equals updating then pooling.
    """
    if not 0.0 <= weight_b <= 1.0:
        raise ValueError(f"pool weight must be in [0, 1], got {weight_b}")
    with np.errstate(divide="ignore"):
        z = (1.0 - weight_b) * np.log(p_a) + weight_b * np.log(p_b)
    return posterior(np.zeros(p_a.shape[1]), z)
