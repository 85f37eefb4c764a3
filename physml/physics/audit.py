"""``Audit``: the physics check of a trained model.

An audit is a list of named checks, each with the measured value, the threshold,
the direction of the comparison, pass/fail and one line saying what it means.
Studies attach one to every trained model; reports show it as a table and
``metrics.json`` stores every value and verdict.

The helpers below measure the checks every study needs: invariance of a
prediction under a symmetry transform, agreement with a baseline,
reproducibility under the same seed, and the binomial acceptance band of a
coverage check (:func:`coverage_band`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Check", "Audit", "invariance_error", "reproducibility_error", "coverage_band"]

_COMPARISONS = {"<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t}


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    threshold: float
    comparison: str  # "<=" or ">="
    meaning: str

    @property
    def passed(self) -> bool:
        return bool(math.isfinite(self.value) and _COMPARISONS[self.comparison](self.value, self.threshold))


@dataclass
class Audit:
    """Named physics checks of one trained model (``subject``)."""

    subject: str
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, value: float, comparison: str, threshold: float, meaning: str) -> Check:
        """Record a check; ``comparison`` is ``"<="`` or ``">="`` (value vs threshold)."""
        if comparison not in _COMPARISONS:
            raise ValueError(f"comparison must be '<=' or '>='; got {comparison!r}")
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise ValueError(f"check name must be snake_case; got {name!r}")
        c = Check(name, float(value), float(threshold), comparison, meaning)
        self.checks.append(c)
        return c

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def __getitem__(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_metrics(self) -> dict[str, float]:
        """``audit_<subject>_<check>`` (value) and ``..._passed`` (1.0 / 0.0) for every check."""
        key = re.sub(r"[^a-z0-9]+", "_", self.subject.lower()).strip("_")
        out: dict[str, float] = {}
        for c in self.checks:
            out[f"audit_{key}_{c.name}"] = c.value
            out[f"audit_{key}_{c.name}_passed"] = float(c.passed)
        out[f"audit_{key}_passed"] = float(self.passed)
        return out

    def summary(self) -> str:
        n_pass = sum(c.passed for c in self.checks)
        return f"{self.subject}: {n_pass}/{len(self.checks)} checks passed"


def invariance_error(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    transforms: Sequence[Callable[[np.ndarray], np.ndarray]],
) -> float:
    """Largest mean absolute change of ``predict`` over ``transforms`` of ``X``.

    For an exact symmetry of the physics, a trustworthy model's prediction
    should not change: 0 is perfect invariance.
    """
    base = np.asarray(predict(X), dtype=float)
    worst = 0.0
    for transform in transforms:
        moved = np.asarray(predict(transform(X)), dtype=float)
        worst = max(worst, float(np.mean(np.abs(moved - base))))
    return worst


def reproducibility_error(run: Callable[[int], np.ndarray], seed: int) -> float:
    """Max absolute difference between two runs with the same seed (0 means bit-identical)."""
    a = np.asarray(run(seed), dtype=float)
    b = np.asarray(run(seed), dtype=float)
    if a.shape != b.shape:
        return math.inf
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def coverage_band(n: int, level: float, *, alpha: float = 0.01) -> tuple[float, float]:
    """Acceptance band ``(low, high)`` for the coverage fraction of ``n`` independent problems.

    If a method's credible intervals at ``level`` are calibrated, the number ``K`` of ``n`` independent
    problems whose interval contains the truth is Binomial(n, level). The band is the central binomial
    acceptance interval ``[k_low, k_high] / n``: ``k_low`` the largest count with ``P(K < k_low) <= alpha/2``
    and ``k_high`` the smallest with ``P(K > k_high) <= alpha/2`` (exact tail sums, ``scipy.stats.binom``),
    so a perfectly calibrated method falls outside it with probability at most ``alpha``. Returned as
    fractions (``k / n``, the same float as ``numpy.mean`` of the hit indicators); ``low * n`` and
    ``high * n`` are the counts. A fixed band is not: 85-95 % rejects a calibrated 90 % method about
    18 % of the time at n = 40, and at n = 12 accepts only 11 hits.

    Checking ``d`` parameters at once (their coverage events need not be independent), pass
    ``alpha / d`` to each (Bonferroni): the chance that any of them fails stays <= ``alpha``.
    """
    from scipy.stats import binom

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1; got {n!r}")
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    n = int(n)
    k = np.arange(n + 1)
    below = binom.cdf(k - 1, n, level)  # P(K < k)
    above = binom.sf(k, n, level)  # P(K > k)
    k_low = int(k[below <= alpha / 2].max())
    k_high = int(k[above <= alpha / 2].min())
    return k_low / n, k_high / n
