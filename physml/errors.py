"""The physml error hierarchy.

Every error a user can cause is a :class:`PhysmlError`; the command line turns
any of them into one line on stderr and exit code 2. Messages name the
parameter (or file), the value and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "PhysmlError",
    "ParameterError",
    "DataError",
    "OutputExistsError",
    "UnknownNameError",
    "TrainingError",
    "ResourceError",
]


class PhysmlError(Exception):
    """Base class of every error physml raises on purpose."""


class ParameterError(PhysmlError, ValueError):
    """A parameter has a non-physical or otherwise invalid value."""

    @classmethod
    def invalid(cls, name: str, value: object, allowed: str) -> ParameterError:
        """The one message format: ``'<name>' must be <allowed>; got <value>.``"""
        return cls(f"parameter '{name}' must be {allowed}; got {value!r}")


class DataError(PhysmlError):
    """A data file is missing, truncated, not a physml file, or does not fit."""


class OutputExistsError(PhysmlError, FileExistsError):
    """An output exists already and ``force`` was not given."""


class UnknownNameError(PhysmlError, LookupError):
    """A name (system, study, run, model) that physml does not know."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]):
        self.kind, self.name, self.known = kind, name, tuple(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(sorted(known)) or 'none'}")

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return self.args[0]


class TrainingError(PhysmlError):
    """Training failed (e.g. the loss became NaN); the message says what to try."""


class ResourceError(PhysmlError):
    """A request needs more memory than the budget allows (see :mod:`physml.budget`); refused before allocating."""
