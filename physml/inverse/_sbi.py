"""Amortised neural posterior estimation (NPE) with the ``sbi`` package.

``sbi`` draws from torch's global generator (training batches, initial weights, posterior
sampling) and can touch numpy's. physml never reads or sets global RNG state
(DESIGN.md), so every call into ``sbi`` runs inside :func:`_isolated_rng`: numpy's and
torch's global states are saved, torch's is seeded from our own seed for the call, and both
are restored afterwards. Same seed, same numbers; the caller's global state is untouched.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np

from ..errors import ParameterError
from ._problem import InverseProblem, PosteriorSamples, check_observation

__all__ = ["NPEPosterior", "train_npe"]


@contextlib.contextmanager
def _isolated_rng(seed: int):
    import torch

    np_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            with warnings.catch_warnings():
                # sbi warns about its own defaults (e.g. z-scoring, deprecated names); they are not ours to fix
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", FutureWarning)
                yield
        finally:
            np.random.set_state(np_state)


class NPEPosterior:
    """A trained NPE density estimator ``q(theta | y)``, amortised: one training, any observation."""

    def __init__(self, posterior, problem: InverseProblem, n_simulations: int, seconds: float, seed: int):
        self._posterior = posterior
        self.problem = problem
        self.n_simulations = n_simulations
        self.train_seconds = seconds
        self._seed = seed

    def sample(self, y, n: int, *, seed: int) -> PosteriorSamples:
        import torch

        y = check_observation(y, self.problem.n_obs)
        t0 = time.perf_counter()
        with _isolated_rng(seed):
            s = self._posterior.sample((n,), x=torch.as_tensor(y, dtype=torch.float32), show_progress_bars=False)
        return PosteriorSamples(s.numpy().astype(np.float64), self.problem.prior.names, "npe",
                                time.perf_counter() - t0)

    def sample_batched(self, Y, n: int, *, seed: int) -> np.ndarray:
        """``(n_problems, n, dim)`` draws for many observations at once (the amortisation)."""
        import torch

        Y = np.asarray(Y, np.float64)
        for y in Y:
            check_observation(y, self.problem.n_obs)
        with _isolated_rng(seed):
            s = self._posterior.sample_batched((n,), x=torch.as_tensor(Y, dtype=torch.float32),
                                               show_progress_bars=False)
        return np.swapaxes(s.numpy().astype(np.float64), 0, 1)


def train_npe(problem: InverseProblem, n_simulations: int, *, seed: int = 0, density_estimator: str = "nsf",
              max_epochs: int = 500) -> NPEPosterior:
    """Simulate ``n_simulations`` pairs from the prior and train NPE (sbi's ``NPE``).

    The density estimator is a neural spline flow (``"nsf"``, as sbibm's NPE). sbi 0.27's ``"maf"``
    ignored the observation for the first parameter in our 2-d Gaussian-linear check (its posterior
    mean stayed at the prior's for every y); the spline flow matched the exact posterior.
    """
    import torch
    from sbi.inference import NPE

    if n_simulations < 100:
        raise ParameterError.invalid("n_simulations", n_simulations, "an integer >= 100")
    rng = np.random.default_rng(seed)
    theta, x = problem.simulate(n_simulations, rng)
    t0 = time.perf_counter()
    import tempfile

    from torch.utils.tensorboard import SummaryWriter

    # sbi logs to TensorBoard, by default in ./sbi-logs of the working directory: keep that in a temporary folder
    with _isolated_rng(int(rng.integers(2**31 - 1))), tempfile.TemporaryDirectory(prefix="physml-sbi-") as logdir:
        writer = SummaryWriter(log_dir=logdir)
        inference = NPE(prior=problem.prior.to_torch(), density_estimator=density_estimator, show_progress_bars=False,
                        summary_writer=writer)
        inference.append_simulations(torch.as_tensor(theta, dtype=torch.float32),
                                     torch.as_tensor(x, dtype=torch.float32))
        estimator = inference.train(max_num_epochs=max_epochs, show_train_summary=False)
        posterior = inference.build_posterior(estimator)
        writer.close()
    return NPEPosterior(posterior, problem, n_simulations, time.perf_counter() - t0, seed)
