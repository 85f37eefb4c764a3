"""The one-call path: ``infer(problem, y, method=...)`` -> posterior samples (or an error, never a silent number)."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._mcmc import mcmc
from ._problem import InverseProblem, PosteriorSamples, check_observation
from ._sbi import train_npe

__all__ = ["infer"]


def infer(problem: InverseProblem, y, *, method: str = "mcmc", seed: int = 0, n_samples: int = 4000,
          **options) -> PosteriorSamples:
    """Posterior samples of ``problem`` given ``y``.

    ``method="mcmc"``: emcee (``options`` go to :func:`~physml.inverse.mcmc`); an unconverged run
    raises :class:`~physml.inverse.NotConvergedError`. ``method="npe"``: trains NPE on
    ``options.get("n_simulations", 10000)`` simulations, then samples (for many observations,
    keep the :func:`~physml.inverse.train_npe` result and reuse it).
    """
    y = check_observation(y, problem.n_obs)
    if method == "mcmc":
        return mcmc(problem, y, seed=seed, **options).posterior()
    if method == "npe":
        rng = np.random.default_rng(seed)
        npe = train_npe(problem, options.pop("n_simulations", 10_000), seed=int(rng.integers(2**31 - 1)), **options)
        return npe.sample(y, n_samples, seed=int(rng.integers(2**31 - 1)))
    raise ParameterError.invalid("method", method, "'mcmc' or 'npe'")
