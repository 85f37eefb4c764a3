"""Multi-spin coded Metropolis: 64 independent replicas of the square lattice, one per bit of a uint64.

Layout. Word ``w[i, j]`` holds spin ``(i, j)`` of 64 replicas, bit ``b`` for replica ``b`` (1 = spin +1).
The lattice is kept in the checkerboard split layout of :mod:`._metropolis` (two sublattices with ghost
columns), so a half-sweep updates one colour of all 64 replicas with word-wide bit operations.

Classes. With ``a_k = s XOR n_k`` (1 where neighbour ``k`` is antiparallel) the number ``c`` of
antiparallel neighbours is bit-sliced into masks ``K_c`` (``c = 0..4``); a replica's class is
``(s, c)``, and ``dE = 2 s (n + h)`` with ``s n = 4 - 2c``. At ``h = 0`` every class with ``c >= 2``
flips (``dE <= 0``), ``c = 1`` flips with ``p_4 = exp(-4 beta)`` and ``c = 0`` with ``p_8 = exp(-8 beta)``.

Exact acceptance. Replica ``b`` flips with probability ``p`` (its class's float64 probability) by
comparing a uniform ``U = 0.u_1 u_2 ...`` with the exact binary expansion ``p = 0.p_1 p_2 ...``,
most significant bit first and bit-sliced: plane ``j`` uses one random 64-bit word ``r_j`` (bit ``b``
is ``u_j`` of replica ``b``) and the per-replica threshold word ``t_j`` (bit ``p_j`` of each replica's
class). A replica is decided at the first plane where ``u_j != t_j``: it flips iff ``u_j < t_j``; it
stays undecided while they agree (probability 1/2 per plane). This is ``U < p`` exactly: a float64
``p`` has a finite binary expansion, and a replica still undecided after its last 1 bit has ``U >= p``
and stays. So the acceptance probability is exactly the float64 value of ``p``: no truncation.

The first ``PLANES`` planes are run for a whole row at once: per site, the classes, then the planes
unrolled, each plane's random word computed in registers from the counter-based stream (no buffer), so
the loop over the row's sites is branch-free and vectorises (AVX2: 4 sites at a time). The sites that
still have undecided replicas (after 10 planes a site has one with probability about 6 %) are listed
without branches, and continue plane by plane, one site at a time, until none is undecided.

Speed (profiled at L = 256-512, T_c, h = 0, one core, CPU time, on a core shared with other jobs). Of
about 11 ns per site (64 replica updates), the random words take some 6.5 ns (the row's SplitMix64 words
alone: 0.65 ns each, vectorised), the classes and plane logic 3-4 ns, the serial tail about 1 ns. The
earlier layout (random words buffered, then the bit logic in a separate loop) took 25 ns per site: its
bit-logic loop did not vectorise (stores into rows of one scratch array that LLVM could not prove
apart), and a 22 % serial tail scanned with a branch per site. Blocks of 9 to 12 planes measured equally
fast; 10 is used. In a field (``h != 0``) LLVM does not unroll the plane loop (the ten-class step
is large), and the row loop stays scalar: 60-70 ns per site, as before. (Unrolled by hand and inlined
into the parallel kernel it ran at 17 ns, but only there, and the four inlined copies of the row
update tripled the compile time; the row update is now one compiled function called per row.)

Randomness. Row ``i`` uses stream ``i`` of a :func:`new_rng_state` state (counter-based SplitMix64,
:mod:`._rng`): per half-sweep, ``PLANES * L / 2`` words for the row's block (plane ``p``, site ``k``:
word ``p * L / 2 + k + 1`` of the stream), then one word per extra plane of the sites that need one,
in site order. Rows can be updated on any number of threads with bit-identical results.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
from numba import get_thread_id, njit, prange

from ._metropolis import PARALLEL_MIN_L, merge, metropolis_probabilities, split
from ._rng import mix64

__all__ = ["REPLICAS", "PLANES", "pack_replicas", "unpack_replicas", "acceptance_planes", "MultispinChain",
           "multispin_sweeps"]

REPLICAS = 64
#: bit planes of the vectorised block per half-sweep; a site needs a further (serial) plane with
#: probability about 1 - (1 - 2**-PLANES)**64 (6 % at 10): 9..12 measured equally fast
PLANES = 10
#: planes of the exact binary expansion stored: a float64 in (0, 1) has at most 1074 fraction bits
MAX_PLANES = 1088
ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
ZERO = np.uint64(0)


def pack_replicas(spins: np.ndarray) -> np.ndarray:
    """``(R, L, L)`` int8 +-1 spins of ``R <= 64`` replicas as an ``(L, L)`` uint64 array (bit ``b`` = replica ``b``).

    Bits ``R..63`` are copies of replica 0 (they are simulated too, and ignored by :func:`unpack_replicas`).
    """
    spins = np.asarray(spins)
    if spins.ndim != 3 or not 1 <= spins.shape[0] <= REPLICAS:
        raise ValueError(f"spins must be (R, L, L) with 1 <= R <= 64; got shape {spins.shape}")
    up = spins > 0
    words = np.zeros(spins.shape[1:], np.uint64)
    for b in range(REPLICAS):
        words |= up[b if b < spins.shape[0] else 0].astype(np.uint64) << np.uint64(b)
    return words


def unpack_replicas(words: np.ndarray, replicas: int = REPLICAS) -> np.ndarray:
    """Inverse of :func:`pack_replicas`: ``(replicas, L, L)`` int8 +-1."""
    bits = (words[None, :, :] >> np.arange(replicas, dtype=np.uint64)[:, None, None]) & np.uint64(1)
    return (2 * bits.astype(np.int8) - 1).astype(np.int8)


def _expansion(p: float) -> np.ndarray:
    """The exact binary expansion of float64 ``p`` in [0, 1): ``MAX_PLANES`` words, all ones where bit j is 1."""
    out = np.zeros(MAX_PLANES, np.uint64)
    if p <= 0.0:
        return out
    m, e = math.frexp(p)  # p = m 2**e, 0.5 <= m < 1, e <= 0
    mant = int(m * 2**53)  # p = mant * 2**(e - 53), exactly
    for j in range(1, MAX_PLANES + 1):
        shift = 53 - e - j
        if shift < 0:
            break
        if (mant >> shift) & 1:
            out[j - 1] = ONES
    return out


def acceptance_planes(beta: float, h: float = 0.0,
                      acceptance: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(always, planes)``: per class (the ten entries of :func:`metropolis_thresholds`' table) whether it
    always flips (``p == 1``) and the exact binary expansion of its flip probability, as ``(10, MAX_PLANES)``
    uint64 words (all ones where the bit is 1). ``acceptance`` as in :func:`metropolis_thresholds`."""
    p = metropolis_probabilities(beta, h, acceptance)
    always = p >= 1.0
    planes = np.stack([np.zeros(MAX_PLANES, np.uint64) if a else _expansion(float(q)) for a, q in zip(always, p)])
    return always, planes


def _is_zero_field(always: np.ndarray, planes: np.ndarray) -> bool:
    """Does the rule depend on ``s n`` only, with every ``s n <= 0`` (``dE <= 0`` at h = 0) always accepted?"""
    sym = all(always[k] == always[9 - k] and np.array_equal(planes[k], planes[9 - k]) for k in range(5))
    return bool(sym and always[5:8].all())


@njit(inline="always", cache=True)
def _classes(s, a1, a2, a3, a4):
    """Bit-sliced count of antiparallel neighbours: masks for 0, 1, 2, 3, 4 of them."""
    x, y = a1 ^ a2, a3 ^ a4
    pair = (a1 & a2) | (a3 & a4)
    odd = x ^ y
    k0 = ~(a1 | a2 | a3 | a4)
    k1 = odd & ~pair
    k3 = odd & pair
    k4 = a1 & a2 & a3 & a4
    k2 = ~(k0 | k1 | k3 | k4)
    return k0, k1, k2, k3, k4


@njit(inline="always", cache=True)
def _threshold(zero_field, s, ks, tab, p):
    """Threshold word of plane ``p`` for a site with spins ``s`` and class masks ``ks``: each replica's bit
    ``p`` of its class probability."""
    if zero_field:  # class dE = 8 (table entry 9), dE = 4 (entry 8)
        return (ks[0] & tab[9, 1 + p]) | (ks[1] & tab[8, 1 + p])
    ns = ~s
    t = ZERO
    for c in range(5):  # spin +1 with c antiparallel neighbours: entry 9 - c; spin -1: entry c
        t |= ks[c] & ((s & tab[9 - c, 1 + p]) | (ns & tab[c, 1 + p]))
    return t


@njit(cache=True)  # compiled once, called per row (inlining it in the four callers quadrupled compile time)
def _update_row(a, o, i, colour, tab, zero_field, n_planes, state, acc, und, idx, offs):
    """Half-sweep of row ``i`` of sublattice ``a`` (neighbours in ``o``); scratch rows of this thread."""
    L, n = a.shape[0], a.shape[1] - 2
    iu = i - 1 if i > 0 else L - 1
    idn = i + 1 if i < L - 1 else 0
    dd = 2 if (i + colour) & 1 else 0
    c, g = state[i, 0], state[i, 1]
    step = np.uint64(n) * g
    z = c
    for p in range(PLANES):  # word p * n + k + 1 of the row's stream is offs[p] + (k + 1) * g
        offs[p] = z
        z += step
    ai, ou, od, oi = a[i], o[iu], o[idn], o[i]
    # the block: per site, classes, then the first PLANES planes with their random words computed in
    # registers (counter-based stream), unrolled; the loop over the row's sites vectorises
    zk = g
    if zero_field:
        t9, t8 = tab[9, 1:], tab[8, 1:]
        for k in range(n):
            s = ai[k + 1]
            k0, k1, k2, k3, k4 = _classes(s, s ^ ou[k + 1], s ^ od[k + 1], s ^ oi[k + 1], s ^ oi[k + dd])
            ac = k2 | k3 | k4  # dE <= 0: flip
            u = k0 | k1  # dE = 8, 4: to decide
            for p in range(PLANES):
                t = (k0 & t9[p]) | (k1 & t8[p])
                r = mix64(offs[p] + zk)
                ac |= u & t & ~r
                u &= ~(t ^ r)
            zk += g
            acc[k] = ac
            und[k] = u
    else:
        for k in range(n):
            s = ai[k + 1]
            k0, k1, k2, k3, k4 = _classes(s, s ^ ou[k + 1], s ^ od[k + 1], s ^ oi[k + 1], s ^ oi[k + dd])
            ns = ~s
            # spin +1 with c antiparallel neighbours: table entry 9 - c; spin -1: entry c
            sure = ((k0 & ((s & tab[9, 0]) | (ns & tab[0, 0]))) | (k1 & ((s & tab[8, 0]) | (ns & tab[1, 0])))
                    | (k2 & ((s & tab[7, 0]) | (ns & tab[2, 0]))) | (k3 & ((s & tab[6, 0]) | (ns & tab[3, 0])))
                    | (k4 & ((s & tab[5, 0]) | (ns & tab[4, 0]))))
            ac = sure
            u = ~sure
            # the ten classes as disjoint masks (spin +1 with c antiparallel neighbours: entry 9 - c)
            e9, e8, e7, e6, e5 = k0 & s, k1 & s, k2 & s, k3 & s, k4 & s
            e0, e1, e2, e3, e4 = k0 & ns, k1 & ns, k2 & ns, k3 & ns, k4 & ns
            for p in range(PLANES):
                q = 1 + p
                t = ((e0 & tab[0, q]) | (e1 & tab[1, q]) | (e2 & tab[2, q]) | (e3 & tab[3, q]) | (e4 & tab[4, q])
                     | (e5 & tab[5, q]) | (e6 & tab[6, q]) | (e7 & tab[7, q]) | (e8 & tab[8, q]) | (e9 & tab[9, q]))
                r = mix64(offs[p] + zk)
                ac |= u & t & ~r
                u &= ~(t ^ r)
            zk += g
            acc[k] = ac
            und[k] = u
    c = z
    # the sites with undecided replicas (listed without branches), in site order, continue plane by plane
    cnt = 0
    for k in range(n):
        idx[cnt] = k
        cnt += und[k] != ZERO
    for j in range(cnt):
        k = idx[j]
        u = und[k]
        ac = acc[k]
        s = ai[k + 1]  # not yet flipped: the classes again
        ks = _classes(s, s ^ ou[k + 1], s ^ od[k + 1], s ^ oi[k + 1], s ^ oi[k + dd])
        p = PLANES
        while u != ZERO and p < n_planes:
            c += g
            r = mix64(c)
            t = _threshold(zero_field, s, ks, tab, p)
            ac |= u & t & ~r
            u &= ~(t ^ r)
            p += 1
        acc[k] = ac
    for k in range(n):
        ai[k + 1] ^= acc[k]
    state[i, 0] = c
    ai[0] = ai[n]
    ai[n + 1] = ai[1]


@njit(parallel=True, cache=True)
def _sweeps_parallel(black, white, tab, zero_field, state, n_sweeps, acc, und, idx, offs):
    L = black.shape[0]
    n_planes = tab.shape[1] - 1
    for _ in range(n_sweeps):
        for i in prange(L):
            t = get_thread_id()
            _update_row(black, white, i, 0, tab, zero_field, n_planes, state, acc[t], und[t], idx[t],
                        offs[t])
        for i in prange(L):
            t = get_thread_id()
            _update_row(white, black, i, 1, tab, zero_field, n_planes, state, acc[t], und[t], idx[t],
                        offs[t])


@njit(cache=True)
def _sweeps_serial(black, white, tab, zero_field, state, n_sweeps, acc, und, idx, offs):
    L = black.shape[0]
    n_planes = tab.shape[1] - 1
    for _ in range(n_sweeps):
        for i in range(L):
            _update_row(black, white, i, 0, tab, zero_field, n_planes, state, acc[0], und[0], idx[0],
                        offs[0])
        for i in range(L):
            _update_row(white, black, i, 1, tab, zero_field, n_planes, state, acc[0], und[0], idx[0],
                        offs[0])


class MultispinChain:
    """64 replicas of an ``L`` x ``L`` lattice kept in the kernel's layout between calls.

    ``words``: ``(L, L)`` uint64 from :func:`pack_replicas`; ``rng_state`` from ``new_rng_state(seed, L)``
    (advanced in place). ``(always, planes)`` from :func:`acceptance_planes`.
    """

    def __init__(self, words: np.ndarray, always: np.ndarray, planes: np.ndarray, rng_state: np.ndarray):
        if words.ndim != 2 or words.shape[0] != words.shape[1] or words.shape[0] % 2 or words.dtype != np.uint64:
            raise ValueError(f"words must be a uint64 L x L array with L even; got {words.dtype} {words.shape}")
        L = words.shape[0]
        if rng_state.dtype != np.uint64 or rng_state.shape != (L + 1, 2):
            raise ValueError(f"rng_state must be new_rng_state(seed, {L}); got {rng_state.shape}")
        self.black, self.white = split(words)
        self.always = np.ascontiguousarray(always, dtype=np.bool_)
        self.planes = np.ascontiguousarray(planes, dtype=np.uint64)
        self.zero_field = _is_zero_field(self.always, self.planes)
        self.rng_state = rng_state
        self._kernel = _sweeps_parallel if L >= PARALLEL_MIN_L else _sweeps_serial
        # the kernel's table: column 0 all ones where the class always flips, column 1 + j plane j
        self._table = np.ascontiguousarray(np.concatenate([np.where(self.always, ONES, ZERO)[:, None], self.planes], 1))
        # per-thread scratch; each thread's rows padded by a cache line (no false sharing)
        threads, n, pad = numba.config.NUMBA_NUM_THREADS, L // 2, 8
        self._acc = np.empty((threads, n + pad), np.uint64)
        self._und = np.empty((threads, n + pad), np.uint64)
        self._idx = np.empty((threads, n + pad), np.int64)
        self._offs = np.empty((threads, PLANES + pad), np.uint64)

    def sweep(self, n_sweeps: int) -> None:
        """``n_sweeps`` sweeps of all 64 replicas (every spin of each once), in place."""
        self._kernel(self.black, self.white, self._table, self.zero_field, self.rng_state,
                     int(n_sweeps), self._acc, self._und, self._idx, self._offs)

    def words(self, out: np.ndarray | None = None) -> np.ndarray:
        """The current ``(L, L)`` uint64 words (into ``out`` if given)."""
        return merge(self.black, self.white, out=out)


def multispin_sweeps(words: np.ndarray, beta: float, h: float, n_sweeps: int, rng_state: np.ndarray, *,
                     acceptance: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """``n_sweeps`` checkerboard Metropolis sweeps of the 64 replicas in ``words``, in place; returns ``words``.

    ``beta = 1/T`` in 1/J, ``h`` in J; ``acceptance`` replaces the Metropolis rule (tests).
    """
    chain = MultispinChain(words, *acceptance_planes(beta, h, acceptance), rng_state)
    chain.sweep(n_sweeps)
    return chain.words(out=words)
