"""Priors, inverse problems with Gaussian noise, and posterior samples: the vocabulary of ``physml.inverse``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, ParameterError

__all__ = ["Prior", "InverseProblem", "PosteriorSamples", "check_observation"]


@dataclass(frozen=True)
class Prior:
    """Independent priors per parameter: ``kind='uniform'`` on ``[a, b]`` or ``kind='normal'`` (mean a, std b).

    Build with :meth:`uniform` or :meth:`normal`. A width (``b - a`` or std) that is zero,
    negative or not finite is a :class:`ParameterError`: such a prior says the answer is known.
    """

    kind: str
    a: np.ndarray
    b: np.ndarray
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("uniform", "normal"):
            raise ParameterError.invalid("kind", self.kind, "'uniform' or 'normal'")
        a = np.atleast_1d(np.asarray(self.a, np.float64))
        b = np.atleast_1d(np.asarray(self.b, np.float64))
        if a.ndim != 1 or a.shape != b.shape or a.size == 0:
            raise ParameterError.invalid("prior", (a.shape, b.shape), "two 1-d arrays of the same length >= 1")
        width = b - a if self.kind == "uniform" else b
        label = "high - low" if self.kind == "uniform" else "std"
        bad = ~(np.isfinite(a) & np.isfinite(width) & (width > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError.invalid(f"prior width ({label}) of parameter {i}", float(width[i]),
                                         "finite and > 0")
        names = tuple(self.names) or tuple(f"theta_{i}" for i in range(a.size))
        if len(names) != a.size:
            raise ParameterError.invalid("names", self.names, f"{a.size} names")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "names", names)

    @classmethod
    def uniform(cls, low, high, names=()) -> Prior:
        return cls("uniform", low, high, tuple(names))

    @classmethod
    def normal(cls, mean, std, names=()) -> Prior:
        return cls("normal", mean, std, tuple(names))

    @property
    def dim(self) -> int:
        return self.a.size

    @property
    def mean(self) -> np.ndarray:
        return (self.a + self.b) / 2 if self.kind == "uniform" else self.a.copy()

    @property
    def std(self) -> np.ndarray:
        return (self.b - self.a) / math.sqrt(12.0) if self.kind == "uniform" else self.b.copy()

    def sample(self, n: int, seed: int | np.random.Generator) -> np.ndarray:
        rng = np.random.default_rng(seed)
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, size=(n, self.dim))
        return self.a + self.b * rng.standard_normal((n, self.dim))

    def log_prob(self, theta) -> np.ndarray:
        """Log density at ``theta`` ``(..., dim)``; ``-inf`` outside a uniform prior's box."""
        theta = np.asarray(theta, np.float64)
        if self.kind == "uniform":
            inside = np.all((theta >= self.a) & (theta <= self.b), axis=-1)
            return np.where(inside, -np.sum(np.log(self.b - self.a)), -np.inf)
        z = (theta - self.a) / self.b
        return -0.5 * np.sum(z**2, axis=-1) - np.sum(np.log(self.b)) - 0.5 * self.dim * math.log(2 * math.pi)

    def to_torch(self):
        """The same prior as a torch distribution (for ``sbi``)."""
        import torch
        from torch.distributions import Independent, Normal, Uniform

        a, b = torch.as_tensor(self.a, dtype=torch.float32), torch.as_tensor(self.b, dtype=torch.float32)
        base = Uniform(a, b) if self.kind == "uniform" else Normal(a, b)
        return Independent(base, 1)


def check_observation(y, n_obs: int) -> np.ndarray:
    """``y`` as a finite float vector of length ``n_obs``, else :class:`DataError`."""
    y = np.asarray(y, np.float64)
    if y.ndim != 1:
        y = y.reshape(-1)
    if y.size < n_obs:
        raise DataError(f"observation has {y.size} measurements; the forward model needs {n_obs}")
    if y.size != n_obs:
        raise DataError(f"observation has {y.size} measurements; the forward model gives {n_obs}")
    if not np.all(np.isfinite(y)):
        raise DataError(f"observation contains {int(np.sum(~np.isfinite(y)))} non-finite value(s) (NaN or inf)")
    return y


@dataclass(frozen=True)
class InverseProblem:
    """``y = forward(theta) + noise``, noise Gaussian with std ``noise_std`` (scalar or per measurement).

    ``forward`` maps a batch ``(B, dim)`` of parameters to ``(B, n_obs)`` noise-free observations.
    """

    forward: Callable[[np.ndarray], np.ndarray]
    prior: Prior
    noise_std: float | np.ndarray
    n_obs: int
    name: str = "problem"

    def __post_init__(self) -> None:
        s = np.asarray(self.noise_std, np.float64)
        if not (np.all(np.isfinite(s)) and np.all(s > 0)) or s.ndim > 1 or (s.ndim == 1 and s.size != self.n_obs):
            raise ParameterError.invalid("noise_std", self.noise_std, f"finite > 0, a scalar or {self.n_obs} values")

    @property
    def sigma(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.noise_std, np.float64), (self.n_obs,))

    def simulate(self, n: int, seed: int | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(theta, y)``: ``n`` parameter draws from the prior and their noisy observations (one stream)."""
        rng = np.random.default_rng(seed)
        theta = self.prior.sample(n, rng)
        return theta, self.forward(theta) + self.sigma * rng.standard_normal((n, self.n_obs))

    def log_likelihood(self, theta, y) -> np.ndarray:
        r = (self.forward(np.atleast_2d(theta)) - y) / self.sigma
        return -0.5 * np.sum(r**2, axis=-1)

    def log_posterior(self, theta, y) -> np.ndarray:
        """Unnormalised log posterior of a batch ``(B, dim)``; prior first, so out-of-box points never run."""
        theta = np.atleast_2d(theta)
        lp = self.prior.log_prob(theta)
        ok = np.isfinite(lp)
        if ok.any():
            lp[ok] += self.log_likelihood(theta[ok], y)
        return lp


@dataclass(frozen=True)
class PosteriorSamples:
    """Draws from a posterior (``(n, dim)``), with summary statistics and the method that made them."""

    samples: np.ndarray
    names: tuple[str, ...]
    method: str
    seconds: float = float("nan")
    info: dict = field(default_factory=dict)

    @property
    def mean(self) -> np.ndarray:
        return self.samples.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.samples.std(axis=0, ddof=1)

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Central credible interval ``(low, high)`` per parameter."""
        if not 0 < level < 1:
            raise ParameterError.invalid("level", level, "in (0, 1)")
        q = np.quantile(self.samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return q[0], q[1]
