"""2D Ising model on the square lattice with periodic boundaries.

``H = -sum_<ij> s_i s_j - h sum_i s_i`` with spins ``s_i = +-1``, nearest
neighbours ``<ij>`` counted once each. Units: J = k_B = 1, so temperatures
are in J/k_B, energies and the field ``h`` in J, magnetisation is per spin
and dimensionless.

* :func:`simulate` samples equilibrium configurations (checkerboard
  Metropolis, or Wolff clusters at ``h = 0``) into a :class:`physml.Dataset`.
* :func:`onsager_energy`, :func:`yang_magnetization` and
  :func:`exact_energy_distribution` are the exact results the sampler is
  tested against; :func:`kaufman_log_partition`, :func:`kaufman_free_energy` and
  :func:`kaufman_energy` are the exact finite-lattice results (Kaufman 1949) and
  :func:`onsager_free_energy` their infinite-lattice limit.
* ``IsingParams(engine="multispin")``: 64 replicas bit-packed in uint64
  words, updated with bit operations and an exact bit-sliced acceptance.
* ``IsingParams(lattice="triangular")``: the triangular lattice (six
  neighbours, exact T_c = 4 / ln 3), sampled by Wolff clusters at ``h = 0``.
* The Numba kernels (:func:`metropolis_sweeps`, :func:`wolff_sweeps`) and
  the observables work on plain int8 arrays for use outside :func:`simulate`.
"""

from ._exact import T_C, exact_energy_distribution, onsager_energy, yang_magnetization
from ._kaufman import kaufman_energy, kaufman_free_energy, kaufman_log_partition, onsager_free_energy
from ._metropolis import MetropolisChain, metropolis_probabilities, metropolis_sweeps, metropolis_thresholds
from ._multispin import MultispinChain, acceptance_planes, multispin_sweeps, pack_replicas, unpack_replicas
from ._observables import energy_per_spin, magnetization_per_spin
from ._params import IsingParams, parse_temperatures
from ._rng import new_rng_state
from ._simulate import simulate
from ._triangular import T_C_TRIANGULAR, triangular_energy_per_spin, triangular_wolff_sweeps
from ._wolff import wolff_sweeps

__all__ = [
    "T_C",
    "IsingParams",
    "parse_temperatures",
    "simulate",
    "onsager_energy",
    "yang_magnetization",
    "exact_energy_distribution",
    "energy_per_spin",
    "magnetization_per_spin",
    "metropolis_sweeps",
    "metropolis_thresholds",
    "MetropolisChain",
    "metropolis_probabilities",
    "MultispinChain",
    "multispin_sweeps",
    "acceptance_planes",
    "pack_replicas",
    "unpack_replicas",
    "wolff_sweeps",
    "new_rng_state",
    "T_C_TRIANGULAR",
    "triangular_energy_per_spin",
    "triangular_wolff_sweeps",
    "kaufman_log_partition",
    "kaufman_free_energy",
    "kaufman_energy",
    "onsager_free_energy",
]
