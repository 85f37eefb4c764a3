"""physml: machine learning for computational physics, with the physics checked.

``import physml`` stays light (NumPy only): the subpackages import torch, scikit-learn or Gymnasium when
they are imported themselves; ``import physml.rl`` registers the ``physml/...-v0`` environments with Gymnasium.
"""

from ._version import __version__
from .data import Dataset
from .errors import DataError, OutputExistsError, ParameterError, PhysmlError, UnknownNameError

__all__ = [
    "__version__",
    "Dataset",
    "PhysmlError",
    "ParameterError",
    "DataError",
    "OutputExistsError",
    "UnknownNameError",
]
