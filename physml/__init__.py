"""physml: machine learning for computational physics, with the physics checked."""

from ._version import __version__
from .data import Dataset
from .errors import DataError, OutputExistsError, ParameterError, PhysmlError, UnknownNameError
from .rl import _register as _rl_register  # noqa: F401  (makes physml/...-v0 available to gymnasium.make)

__all__ = [
    "__version__",
    "Dataset",
    "PhysmlError",
    "ParameterError",
    "DataError",
    "OutputExistsError",
    "UnknownNameError",
]
