"""Time-independent Schrödinger equation in 1D and 2D by finite differences.

Units: hbar = m = 1, so ``H = -1/2 laplacian + V``; lengths are in the unit
of the grid bounds and energies in hbar^2 / (m length^2).

* :func:`solve_1d` and :func:`solve_2d` build the sparse Hamiltonian on a
  uniform grid with Dirichlet walls (second- or fourth-order stencil) and
  return the lowest eigenpairs as a :class:`SchrodingerResult`.
* The ``*_levels`` functions are the exact spectra they are tested against
  (harmonic oscillator in 1D and 2D, infinite well, Morse, Pöschl–Teller),
  with the matching ``*_potential`` callables.
* :func:`sample_potential` draws 2D potentials from the families of Mills,
  Spanner & Tamblyn, Phys. Rev. A 96, 042113 (2017), from an explicit seed.
"""

from ._dataset import GroundStateParams, ground_state_dataset, spectrum_dataset
from ._exact import (
    harmonic_levels_1d,
    harmonic_levels_2d,
    harmonic_potential,
    infinite_well_levels,
    morse_bound_states,
    morse_levels,
    morse_potential,
    poschl_teller_bound_states,
    poschl_teller_levels,
    poschl_teller_potential,
)
from ._grid import STENCILS
from ._potentials import POTENTIAL_FAMILIES, sample_potential
from ._solve import DEFAULT_POINTS_1D, DEFAULT_POINTS_2D, SchrodingerResult, kinetic_matrix, solve_1d, solve_2d

__all__ = [
    "GroundStateParams",
    "ground_state_dataset",
    "spectrum_dataset",
    "STENCILS",
    "DEFAULT_POINTS_1D",
    "DEFAULT_POINTS_2D",
    "SchrodingerResult",
    "solve_1d",
    "solve_2d",
    "kinetic_matrix",
    "harmonic_levels_1d",
    "harmonic_levels_2d",
    "harmonic_potential",
    "infinite_well_levels",
    "morse_bound_states",
    "morse_levels",
    "morse_potential",
    "poschl_teller_bound_states",
    "poschl_teller_levels",
    "poschl_teller_potential",
    "POTENTIAL_FAMILIES",
    "sample_potential",
]
