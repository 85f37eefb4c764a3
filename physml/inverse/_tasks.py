"""Reference problems with an exact posterior."""

from __future__ import annotations

import math

import numpy as np

from ._linear_gaussian import Gaussian, linear_gaussian_posterior
from ._problem import InverseProblem, Prior

__all__ = ["gaussian_linear", "gaussian_linear_exact"]


def gaussian_linear(dim: int = 10, *, prior_var: float = 0.1, noise_var: float = 0.1) -> InverseProblem:
    """sbibm's ``gaussian_linear`` task: ``theta ~ N(0, 0.1 I)``, ``y | theta ~ N(theta, 0.1 I)``, 10-d by default."""
    prior = Prior.normal(np.zeros(dim), np.full(dim, math.sqrt(prior_var)), names=[f"theta_{i}" for i in range(dim)])
    return InverseProblem(lambda th: np.asarray(th, np.float64), prior, math.sqrt(noise_var), dim,
                          name=f"gaussian-linear-{dim}d")


def gaussian_linear_exact(problem: InverseProblem, y) -> Gaussian:
    """The exact posterior of a :func:`gaussian_linear` problem (the closed-form update)."""
    prior = Gaussian.independent(problem.prior.a, problem.prior.b)
    return linear_gaussian_posterior(prior, np.eye(problem.n_obs), y, problem.sigma)
