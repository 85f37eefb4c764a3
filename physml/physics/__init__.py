"""Physics checks of models: audits, finite-size scaling (PDE residuals come later)."""

from .audit import Audit as Audit
from .audit import Check as Check
from .audit import invariance_error as invariance_error
from .audit import reproducibility_error as reproducibility_error
from .scaling import Crossing as Crossing
from .scaling import FiniteSizeFit as FiniteSizeFit
from .scaling import crossing_point as crossing_point
from .scaling import finite_size_extrapolation as finite_size_extrapolation

__all__ = ["Audit", "Check", "invariance_error", "reproducibility_error", "Crossing", "FiniteSizeFit",
           "crossing_point", "finite_size_extrapolation"]
