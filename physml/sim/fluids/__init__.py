"""Validated flow solvers: viscous Burgers (1D), incompressible Navier-Stokes (2D, vorticity form), periodic
diffusion; the exact Kovasznay flow (:mod:`.kovasznay`).

Exact references: Cole-Hopf for Burgers (:mod:`.burgers`), Taylor-Green decay for Navier-Stokes
(:mod:`.navier_stokes`), single Fourier modes for periodic diffusion (:mod:`.diffusion`). Random initial conditions:
Gaussian random fields (:mod:`.grf`); trajectory data sets: :mod:`.datasets`.
"""

from ._spectral import CFL_MAX
from .burgers import BurgersParams, burgers_exact_periodic, burgers_exact_sine, burgers_solve
from .datasets import burgers_dataset, navier_stokes_dataset
from .diffusion import DiffusionParams, diffusion_solve
from .grf import GRFParams, gaussian_random_field
from .kovasznay import kovasznay, kovasznay_lambda
from .navier_stokes import (
                            NavierStokesParams,
                            forcing_field,
                            navier_stokes_solve,
                            taylor_green_vorticity,
                            velocity_from_vorticity,
                            vorticity_residual,
)

__all__ = ["CFL_MAX", "BurgersParams", "burgers_exact_periodic", "burgers_exact_sine", "burgers_solve",
           "burgers_dataset", "navier_stokes_dataset", "GRFParams", "gaussian_random_field",
           "DiffusionParams", "diffusion_solve", "kovasznay", "kovasznay_lambda",
           "NavierStokesParams", "forcing_field", "navier_stokes_solve", "taylor_green_vorticity",
           "velocity_from_vorticity", "vorticity_residual"]
