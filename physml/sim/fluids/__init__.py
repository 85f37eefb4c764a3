"""Validated flow solvers: viscous Burgers (1D), incompressible Navier-Stokes (2D, vorticity form), heat.

Exact references: Cole-Hopf for Burgers (:mod:`.burgers`), Taylor-Green decay for Navier-Stokes,
single Fourier modes for heat.
"""

from .burgers import burgers_exact_periodic, burgers_exact_sine

__all__ = ["burgers_exact_periodic", "burgers_exact_sine"]
