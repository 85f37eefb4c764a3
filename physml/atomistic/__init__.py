"""Atomistic machine learning: graph neural network force fields trained on physml's molecular dynamics.

* :class:`SchNet`: continuous-filter convolutions over neighbours within a smooth cutoff; per-atom energies
  summed to the total, forces and virial by autograd (energy-conserving by construction);
  :class:`DirectForceNet`: the same network predicting forces directly (non-conservative baseline).
* :func:`fit_potential` (:class:`PotentialConfig`): training on frames with energies, forces and virials
  (:func:`physml.sim.md.frames.load_frames`), a seeded held-out split, the best epoch kept;
  :func:`frame_errors`: force, energy and virial errors on frames.
* :class:`LearnedPotential`: a trained network as the MD engine's force callable
  (:class:`physml.sim.md.ForceFieldSystem`), its training range, ``save`` / :func:`load_potential`
  (safetensors + JSON, no pickle).
* :func:`symmetry_errors`: energy invariance and force equivariance under rotation, translation and
  permutation of the atoms.
"""

from ._net import DirectForceNet as DirectForceNet
from ._net import SchNet as SchNet
from ._net import cosine_cutoff as cosine_cutoff
from ._potential import LearnedPotential as LearnedPotential
from ._potential import load_potential as load_potential
from ._symmetry import symmetry_errors as symmetry_errors
from ._train import FitReport as FitReport
from ._train import PotentialConfig as PotentialConfig
from ._train import check_cutoff as check_cutoff
from ._train import fit_potential as fit_potential
from ._train import frame_errors as frame_errors

__all__ = ["SchNet", "DirectForceNet", "cosine_cutoff", "LearnedPotential", "load_potential", "symmetry_errors",
           "FitReport", "PotentialConfig", "check_cutoff", "fit_potential", "frame_errors"]
