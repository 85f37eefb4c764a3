"""Physics checks of models: audits, finite-size scaling, PDE residuals (autograd) and PINNs.

The torch-based parts (:mod:`.pde`, :mod:`.pinn`, :mod:`.fields`) load on first use, so importing the
audit does not import torch.
"""

import importlib

from .audit import Audit as Audit
from .audit import Check as Check
from .audit import invariance_error as invariance_error
from .audit import reproducibility_error as reproducibility_error
from .scaling import Crossing as Crossing
from .scaling import FiniteSizeFit as FiniteSizeFit
from .scaling import crossing_point as crossing_point
from .scaling import finite_size_extrapolation as finite_size_extrapolation

_LAZY = {name: ".pde" for name in ("burgers_residual", "check_residual", "derivatives", "divergence",
                                    "heat_residual", "navier_stokes_residual", "residual_rms")}
_LAZY.update({name: ".pinn" for name in ("AffineConstraint", "History", "PINNNet", "PositiveParameter",
                                         "TrainConfig", "sample_points", "train_pinn")})
_LAZY["PeriodicGridField"] = ".fields"

__all__ = ["Audit", "Check", "invariance_error", "reproducibility_error", "Crossing", "FiniteSizeFit",
           "crossing_point", "finite_size_extrapolation", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
