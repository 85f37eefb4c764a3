"""Counter-based SplitMix64 streams for the Numba kernels.

Each stream is a pair ``(counter, gamma)`` of ``uint64``; its ``k``-th output
(``k = 1, 2, ...``) is ``mix(counter + k * gamma)``, the SplitMix64 generator
of Steele, Lea & Flood (OOPSLA 2014, the algorithm of Java's
``SplittableRandom``). Because output ``k`` depends only on ``k`` and not on
the outputs before it, a kernel can draw a whole row of random numbers in a
SIMD-vectorised loop, which is why we write this generator by hand instead of
calling NumPy's (which Numba cannot vectorise and which is a single stream).

A state array of shape ``(L + 1, 2)`` holds one stream per lattice row (used
by the checkerboard Metropolis kernel) and, in its last row, the stream of the
serial Wolff kernel. Every stream gets its own random start and its own odd
gamma, both drawn from ``numpy.random.default_rng(seed)``, so the numbers a
row sees never depend on how rows are shared among threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["new_rng_state", "mix64", "S11", "S63"]

M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31 = np.uint64(30), np.uint64(27), np.uint64(31)
S11, S63 = np.uint64(11), np.uint64(63)  # 53-bit uniform, top bit


@njit(inline="always", cache=True)
def mix64(z):
    """SplitMix64 finaliser (variant 13 of Stafford's mixers); ``z`` is uint64."""
    z = (z ^ (z >> S30)) * M1
    z = (z ^ (z >> S27)) * M2
    return z ^ (z >> S31)


def _mix_gamma(z: np.ndarray) -> np.ndarray:
    """Java ``SplittableRandom.mixGamma``: an odd gamma with enough bit transitions."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
        z = (z ^ (z >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
        z = (z ^ (z >> np.uint64(33))) | np.uint64(1)
    flips = np.unpackbits((z ^ (z >> np.uint64(1))).view(np.uint8)).reshape(-1, 64).sum(axis=1)  # popcount
    return np.where(flips < 24, z ^ np.uint64(0xAAAAAAAAAAAAAAAA), z)


def new_rng_state(seed: int | np.random.Generator, L: int) -> np.ndarray:
    """A fresh ``(L + 1, 2)`` uint64 stream state for an ``L`` x ``L`` lattice.

    ``seed`` is an int or a :class:`numpy.random.Generator` (which is advanced);
    the same seed gives the same state.
    """
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, np.iinfo(np.uint64).max, size=(L + 1, 2), dtype=np.uint64, endpoint=True)
    raw[:, 1] = _mix_gamma(raw[:, 1])
    return raw
