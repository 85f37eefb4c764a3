"""Lennard-Jones molecular dynamics in reduced units (sigma = epsilon = m = k_B = 1).

* :class:`MDParams`: frozen, validated parameters (N = 4 m^3 on an FCC start,
  density, temperature, time step, ensemble nve | berendsen | langevin, cut-off).
* :class:`LJSystem`: positions, velocities and forces of a periodic cubic box,
  advanced in place by velocity Verlet (NVE), Berendsen weak coupling, BAOAB
  Langevin dynamics or a set heating/cooling rate; Numba kernels with Verlet
  neighbour lists built from cell lists.
* :func:`simulate` / :func:`simulate_frames`: a recorded run as a Dataset.
* :func:`radial_distribution`: g(r) from position frames.
* :class:`ForceFieldSystem` (:mod:`physml.sim.md.learned`): the same integrators and observables driven
  by any force callable ``pos -> (U, F, W)`` (a learned potential); :func:`lj_force_field`, the analytic
  one as such a callable; :func:`neighbour_pairs`, the engine's cell-list pair search.
* References: :func:`jzg_pressure`, :func:`jzg_energy` (Johnson, Zollweg & Gubbins 1993,
  full LJ; its coefficients :data:`JZG_X`, :data:`JZG_GAMMA`, :func:`jzg_coefficients`) and the
  long-range tail corrections :func:`tail_energy`, :func:`tail_pressure`.
"""

from ._params import ENSEMBLES, MAX_DT, POTENTIALS, MDParams, fcc_cells
from ._reference import (
           JZG_GAMMA,
           JZG_X,
           energy_pressure_from_rdf,
           jzg_coefficients,
           jzg_energy,
           jzg_pressure,
           tail_energy,
           tail_pressure,
)
from ._system import MD_UNITS, LJSystem, fcc_lattice, maxwell_boltzmann, radial_distribution, simulate, simulate_frames
from .learned import ForceField, ForceFieldSystem, lj_force_field, min_pair_distance, neighbour_pairs

__all__ = ["ENSEMBLES", "MAX_DT", "POTENTIALS", "MDParams", "fcc_cells", "MD_UNITS", "LJSystem", "fcc_lattice",
           "maxwell_boltzmann", "radial_distribution", "simulate", "simulate_frames", "JZG_X", "JZG_GAMMA",
           "jzg_coefficients", "jzg_energy", "jzg_pressure", "tail_energy", "tail_pressure", "energy_pressure_from_rdf",
           "ForceField", "ForceFieldSystem", "lj_force_field", "min_pair_distance", "neighbour_pairs"]
