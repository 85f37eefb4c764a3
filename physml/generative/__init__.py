"""Generative models that sample a Boltzmann distribution ``exp(-beta E) / Z`` with an exact ``log q``.

* :class:`RealNVP`: a normalising flow of affine couplings for continuous coordinates;
* :class:`AutoregressiveIsing`: a variational autoregressive network (masked dense layers) for Ising spins,
  optionally symmetric under the global spin flip (Wu, Wang & Zhang 2019);
* :func:`train_flow`, :func:`train_autoregressive`: reverse-KL training (variational free energy), with the
  reparametrisation and the score-function gradient respectively;
* :func:`importance_summary`, :func:`reweighted_mean`: effective sample size, ``ln Z`` and observables from the
  importance weights ``exp(-beta E) / q``, which turn the variational bound into an unbiased estimate;
* :class:`DoubleWell`, :func:`ising_energy`: targets with exact answers (quadrature; Kaufman's partition
  function in :mod:`physml.sim.ising`).

PyTorch is imported when a model is built, not by ``import physml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._estimators import ImportanceSummary, importance_summary, reweighted_mean
from ._targets import DoubleWell, ising_energy

if TYPE_CHECKING:
    from ._autoregressive import AutoregressiveIsing
    from ._flow import RealNVP
    from ._spline import NeuralSplineFlow, rq_spline

__all__ = ["RealNVP", "NeuralSplineFlow", "AutoregressiveIsing", "train_flow", "train_autoregressive",
           "ImportanceSummary", "importance_summary", "reweighted_mean", "DoubleWell", "ising_energy", "seeded",
           "rq_spline"]

_LAZY = {"RealNVP": "_flow", "NeuralSplineFlow": "_spline", "rq_spline": "_spline",
         "AutoregressiveIsing": "_autoregressive", "train_flow": "_train", "train_autoregressive": "_train"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def seeded(build, seed: int):
    """``build()`` with torch's default generator seeded by ``seed`` and restored afterwards (weights drawn
    reproducibly without touching global random state)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()
