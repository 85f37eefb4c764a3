"""Transfer-efficiency curve: target error against the number of labelled target samples.

For each size ``n`` and repeat ``r``, the same ``n`` target points (drawn from the pool with the
repeat's generator) train a transferred model and a model from scratch; both are scored on the
same held-out target set. The curve reports the median (and spread) over repeats, the crossover
(the first ``n`` from which scratch is at least as good), the labelled samples saved at a given
error (how many more points scratch needs to reach the error the transferred model reaches) and
flags every ``n`` where the transfer is worse than scratch (negative transfer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..validation import check_int
from ._checks import check_target

__all__ = ["TransferCurve", "efficiency_curve", "rmse"]


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


@dataclass(frozen=True)
class TransferCurve:
    """Errors of shape ``(repeats, len(sizes))`` for the transferred and the from-scratch model."""

    sizes: tuple[int, ...]
    transfer: np.ndarray
    scratch: np.ndarray

    @property
    def transfer_median(self) -> np.ndarray:
        return np.median(self.transfer, axis=0)

    @property
    def scratch_median(self) -> np.ndarray:
        return np.median(self.scratch, axis=0)

    @property
    def ratio(self) -> np.ndarray:
        """Median transfer error / median scratch error per size (< 1: the transfer helps)."""
        return self.transfer_median / self.scratch_median

    @property
    def negative_transfer(self) -> tuple[int, ...]:
        """Sizes at which the transferred model is worse than the one trained from scratch."""
        return tuple(n for n, r in zip(self.sizes, self.ratio) if r > 1.0)

    @property
    def crossover(self) -> int | None:
        """The first size from which scratch is at least as good as transfer at every larger size."""
        worse = self.ratio >= 1.0
        for i in range(len(self.sizes)):
            if worse[i:].all():
                return self.sizes[i]
        return None

    def samples_to_reach(self, error: float, which: str = "scratch") -> float:
        """Labelled samples needed to reach median ``error``, interpolated in log n (inf if never)."""
        med = self.scratch_median if which == "scratch" else self.transfer_median
        logn = np.log(np.asarray(self.sizes, float))
        if med[0] <= error:
            return float(self.sizes[0])
        for i in range(1, len(med)):
            if med[i] <= error:
                f = (np.log(med[i - 1]) - np.log(error)) / (np.log(med[i - 1]) - np.log(med[i]))
                return float(np.exp(logn[i - 1] + f * (logn[i] - logn[i - 1])))
        return float("inf")

    def samples_saved(self, n: int) -> float:
        """Labelled samples scratch needs to match the transfer's median error at ``n``, minus ``n``."""
        if n not in self.sizes:
            raise ParameterError.invalid("n", n, f"one of the curve's sizes {self.sizes}")
        return self.samples_to_reach(float(self.transfer_median[self.sizes.index(n)])) - n


def efficiency_curve(fit_transfer: Callable[[np.ndarray, np.ndarray, int], object],
                     fit_scratch: Callable[[np.ndarray, np.ndarray, int], object],
                     X_pool, y_pool, X_test, y_test, *, sizes: Sequence[int], repeats: int = 3,
                     seed: int | np.random.Generator = 0,
                     error: Callable[[np.ndarray, np.ndarray], float] = rmse,
                     progress: bool = False) -> TransferCurve:
    """Measure the curve. ``fit_*(X, y, seed) -> fitted model`` (with ``predict``) for each draw.

    Each (size, repeat) uses its own subsample of the pool; transferred and scratch models see the
    same points and the same integer seed, so the comparison is paired.
    """
    X_pool, y_pool = check_target(X_pool, y_pool, n_features=None, supervised=True, what="target pool")
    X_test, y_test = check_target(X_test, y_test, n_features=X_pool.shape[1], supervised=True, what="target test")
    sizes = tuple(int(n) for n in sizes)
    if not sizes or any(n < 1 or n > len(X_pool) for n in sizes) or list(sizes) != sorted(set(sizes)):
        raise ParameterError.invalid("sizes", sizes, f"increasing integers in [1, {len(X_pool)}] (the pool size)")
    check_int("repeats", repeats, 1)
    rng = np.random.default_rng(seed)
    draws = [(rng.permutation(len(X_pool)), int(rng.integers(2**31))) for _ in range(repeats)]
    transfer = np.empty((repeats, len(sizes)))
    scratch = np.empty((repeats, len(sizes)))
    from tqdm.auto import tqdm

    with tqdm(total=repeats * len(sizes), disable=not progress, desc="curve", leave=False) as bar:
        for r, (perm, s) in enumerate(draws):
            for j, n in enumerate(sizes):
                idx = perm[:n]  # nested subsets: n points of a repeat contain its smaller draws
                transfer[r, j] = error(y_test, fit_transfer(X_pool[idx], y_pool[idx], s).predict(X_test))
                scratch[r, j] = error(y_test, fit_scratch(X_pool[idx], y_pool[idx], s).predict(X_test))
                bar.update()
    return TransferCurve(sizes, transfer, scratch)
