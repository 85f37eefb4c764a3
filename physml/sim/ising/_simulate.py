"""``simulate``: equilibrium samples of the 2D Ising model as a ``Dataset``.

For each temperature the lattice starts cold (all +1) below T_C and random
at or above it, is equilibrated, and is then recorded every
``decorrelation_sweeps`` sweeps. (Wolff spends at least one sweep on
equilibration, even if ``equilibration_sweeps`` is 0, to fix its number of
clusters per sweep.) Every random number derives from
``numpy.random.default_rng(seed)``: the start configuration and one fresh
stream state (:func:`new_rng_state`) per temperature, so the output is
bit-identical for the same seed on any number of Numba threads.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from physml.data import Dataset, provenance, seed_record

from ._exact import T_C
from ._metropolis import MetropolisChain, metropolis_thresholds
from ._multispin import REPLICAS, MultispinChain, acceptance_planes, pack_replicas, unpack_replicas
from ._observables import energy_per_spin, magnetization_per_spin
from ._params import IsingParams
from ._rng import new_rng_state
from ._triangular import T_C_TRIANGULAR, triangular_energy_per_spin, triangular_wolff_sweeps
from ._wolff import wolff_sweeps

__all__ = ["simulate"]

UNITS = {"spins": "1", "temperature": "J/k_B", "energy": "J", "magnetization": "1"}


def initial_state(L: int, T: float, rng: np.random.Generator) -> np.ndarray:
    """All +1 below T_C (ordered), independent random spins at or above it."""
    if T < T_C:
        return np.ones((L, L), np.int8)
    return (2 * rng.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)


def _sample_metropolis(params: IsingParams, T: float, spins: np.ndarray, state: np.ndarray, out: np.ndarray) -> None:
    chain = MetropolisChain(spins, metropolis_thresholds(1.0 / T, params.h), state)
    chain.sweep(params.equilibration_sweeps)
    for k in range(params.samples):
        chain.sweep(params.decorrelation_sweeps)
        chain.spins(out=out[k])


def _sample_multispin(params: IsingParams, T: float, starts: np.ndarray, state: np.ndarray,
                      out: np.ndarray) -> None:
    """64 replicas at once: record ``k`` is replica ``k % 64`` after ``k // 64 + 1`` decorrelation blocks."""
    chain = MultispinChain(pack_replicas(starts), *acceptance_planes(1.0 / T, params.h), state)
    chain.sweep(params.equilibration_sweeps)
    for first in range(0, params.samples, REPLICAS):
        chain.sweep(params.decorrelation_sweeps)
        n = min(REPLICAS, params.samples - first)
        out[first : first + n] = unpack_replicas(chain.words(), n)


def _sample_wolff(params: IsingParams, T: float, spins: np.ndarray, state: np.ndarray, out: np.ndarray,
                  sweeps=wolff_sweeps) -> None:
    # equilibrate with sweeps of L*L flipped spins, then record with a fixed
    # number of clusters per sweep, L*L / (mean cluster size so far): a
    # stopping rule on the flipped count would bias the recorded states (see _wolff.py)
    calibration = max(params.equilibration_sweeps, 1)
    clusters, flipped = sweeps(spins, 1.0 / T, calibration, state)
    per_sweep = max(1, round(params.L**2 * clusters / flipped))
    for k in range(params.samples):
        sweeps(spins, 1.0 / T, params.decorrelation_sweeps, state, clusters_per_sweep=per_sweep)
        out[k] = spins


def simulate(params: IsingParams, *, seed: int | np.random.Generator, progress: bool = False) -> Dataset:
    """Sample ``params.samples`` configurations at each of ``params.temperatures``.

    Returns a :class:`Dataset` with one row per sample, ordered by temperature
    then sample: ``spins`` (int8, ``n x L x L``, +-1), ``temperature`` (J/k_B),
    ``energy`` (J per spin, including the field term) and ``magnetization``
    (signed, per spin). ``progress`` shows a bar over temperatures.
    """
    if not isinstance(params, IsingParams):
        raise TypeError(f"params must be IsingParams; got {type(params).__name__}")
    record = seed_record(seed)  # before the generator (if one) advances
    rng = np.random.default_rng(seed)
    L, n_per_T = params.L, params.samples
    temps = params.temperatures
    spins = np.empty((len(temps) * n_per_T, L, L), np.int8)
    iterator = temps
    if progress:
        from tqdm import tqdm

        iterator = tqdm(temps, desc=f"Ising L={L}", unit="T")
    triangular = params.lattice == "triangular"
    for t_idx, T in enumerate(iterator):
        state = new_rng_state(rng, L)
        start = initial_state(L, T * (T_C / T_C_TRIANGULAR if triangular else 1.0), rng)
        out = spins[t_idx * n_per_T : (t_idx + 1) * n_per_T]
        if triangular:
            _sample_wolff(params, T, start, state, out, sweeps=triangular_wolff_sweeps)
        elif params.algorithm_at(T) == "wolff":
            _sample_wolff(params, T, start, state, out)
        elif params.engine == "multispin":
            starts = np.stack([start] + [initial_state(L, T, rng) for _ in range(REPLICAS - 1)])
            _sample_multispin(params, T, starts, state, out)
        else:
            _sample_metropolis(params, T, start, state, out)
    arrays = {
        "spins": spins,
        "temperature": np.repeat(np.asarray(temps, dtype=np.float64), n_per_T),
        "energy": np.atleast_1d(triangular_energy_per_spin(spins) if triangular else energy_per_spin(spins, params.h)),
        "magnetization": np.atleast_1d(magnetization_per_spin(spins)),
    }
    attrs = provenance("ising", asdict(params), record)
    attrs["lattice"] = params.lattice
    return Dataset(arrays, dict(UNITS), attrs)

