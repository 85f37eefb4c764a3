"""physml: machine learning for computational physics, with the physics checked."""

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
