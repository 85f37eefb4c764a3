"""Inverse problems: from measurements back to the physical parameters, with honest uncertainty.

One-call path: :func:`infer` (``method`` = ``"mcmc"`` or ``"npe"``). Beneath it: priors and
problems (:class:`Prior`, :class:`InverseProblem`), the closed-form linear-Gaussian update,
MCMC with a convergence verdict, amortised neural posterior estimation (``sbi``), neural
inversion by a deep ensemble, learned image reconstruction (a CNN on FBP), regularised least squares
(Tikhonov, total variation) with the weight chosen by the discrepancy principle, and calibration checks
(coverage, SBC, C2ST).
"""

from ._calibration import c2st as c2st
from ._calibration import coverage as coverage
from ._calibration import sbc_ranks as sbc_ranks
from ._calibration import sbc_uniformity_pvalues as sbc_uniformity_pvalues
from ._infer import infer as infer
from ._learned import LearnedReconstruction as LearnedReconstruction
from ._linear_gaussian import Gaussian as Gaussian
from ._linear_gaussian import linear_gaussian_posterior as linear_gaussian_posterior
from ._linear_gaussian import sequential_update as sequential_update
from ._mcmc import MCMCResult as MCMCResult
from ._mcmc import NotConvergedError as NotConvergedError
from ._mcmc import mcmc as mcmc
from ._mcmc import split_rhat as split_rhat
from ._neural import NeuralInversion as NeuralInversion
from ._problem import InverseProblem as InverseProblem
from ._problem import PosteriorSamples as PosteriorSamples
from ._problem import Prior as Prior
from ._problem import check_observation as check_observation
from ._regularized import TikhonovResult as TikhonovResult
from ._regularized import TVResult as TVResult
from ._regularized import radon_adjoint as radon_adjoint
from ._regularized import tikhonov as tikhonov
from ._regularized import tv_tomography as tv_tomography
from ._sbi import NPEPosterior as NPEPosterior
from ._sbi import train_npe as train_npe
from ._tasks import gaussian_linear as gaussian_linear
from ._tasks import gaussian_linear_exact as gaussian_linear_exact

__all__ = ["c2st", "coverage", "sbc_ranks", "sbc_uniformity_pvalues", "infer", "Gaussian", "LearnedReconstruction",
           "linear_gaussian_posterior", "sequential_update", "MCMCResult", "NotConvergedError", "mcmc",
           "split_rhat", "NeuralInversion", "InverseProblem", "PosteriorSamples", "Prior", "check_observation",
           "TikhonovResult", "TVResult", "radon_adjoint", "tikhonov", "tv_tomography", "NPEPosterior", "train_npe",
           "gaussian_linear", "gaussian_linear_exact"]
