"""Exact time evolution of small quantum systems (hbar = 1).

Energies and frequencies are in an arbitrary energy unit E, times in hbar/E;
spin observables are Pauli expectation values (dimensionless, in [-1, 1]).

* :func:`rabi_trajectories` (:class:`RabiParams`): a driven two-level system,
  ``H(t) = (Delta/2) Z + Omega cos(omega t) X`` or its rotating-wave form,
  integrated with DOP853 at tight tolerances; tested against the exact RWA
  Rabi formula :func:`rabi_excited_probability`.
* :func:`tfim_trajectories` (:class:`TFIMParams`): the transverse-field
  Ising chain ``H = -sum J_b Z_i Z_j - h sum X_i`` (2 to 12 spins, open or
  periodic, uniform or random couplings), evolved exactly from product
  states with ``scipy.sparse.linalg.expm_multiply``.
* The parts beneath: :func:`tfim_hamiltonian` (sparse), :func:`product_state`,
  :func:`evolve_states`, :func:`chain_observables`, :func:`evolve_two_level`,
  :func:`two_level_hamiltonian`, :func:`bloch_vector`.
"""

from ._params import RabiParams, TFIMParams
from ._spin_chain import bonds, chain_observables, product_state, tfim_hamiltonian, z_signs
from ._tfim import SPECTRAL_MAX_DIM, TFIM_UNITS, evolve_states, evolve_states_spectral, tfim_trajectories
from ._two_level import (
    RABI_UNITS,
    bloch_vector,
    evolve_two_level,
    rabi_excited_probability,
    rabi_trajectories,
    two_level_hamiltonian,
)

__all__ = [
    "TFIMParams",
    "RabiParams",
    "tfim_trajectories",
    "rabi_trajectories",
    "tfim_hamiltonian",
    "product_state",
    "evolve_states",
    "evolve_states_spectral",
    "SPECTRAL_MAX_DIM",
    "chain_observables",
    "bonds",
    "z_signs",
    "evolve_two_level",
    "two_level_hamiltonian",
    "bloch_vector",
    "rabi_excited_probability",
    "TFIM_UNITS",
    "RABI_UNITS",
]
