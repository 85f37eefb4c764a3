"""``IsingParams``: the validated parameters of an Ising simulation.

Units: J = k_B = 1, so temperatures are in J/k_B and the field ``h`` in J.
Every check runs on construction and raises :class:`ParameterError` naming
the parameter, what is allowed and the value given.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from physml.errors import ParameterError

from ._exact import T_C

__all__ = ["IsingParams", "parse_temperatures", "ALGORITHMS", "LATTICES", "ENGINES", "WOLFF_MAX_T_OVER_TC"]

ALGORITHMS = ("auto", "metropolis", "wolff")
LATTICES = ("square", "triangular")
ENGINES = ("checkerboard", "multispin")
#: 'auto' uses Wolff at h = 0 below this multiple of T_C (critical slowing down,
#: and so that ordered samples see both signs of the magnetisation)
WOLFF_MAX_T_OVER_TC = 1.25


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError.invalid(name, value, f"an integer >= {minimum}")
    return int(value)


def _temperatures(value: object) -> tuple[float, ...]:
    allowed = "a non-empty sequence of finite temperatures > 0 (units J/k_B)"
    if isinstance(value, str):
        return parse_temperatures(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value,)
    try:
        temps = tuple(float(t) for t in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ParameterError.invalid("temperatures", value, allowed) from None
    if not temps or not all(math.isfinite(t) and t > 0 for t in temps):
        raise ParameterError.invalid("temperatures", value, allowed)
    return temps


@dataclass(frozen=True)
class IsingParams:
    """Parameters of :func:`simulate` (square lattice, periodic, J = k_B = 1).

    L:
        linear lattice size; an even integer >= 4 (the checkerboard update
        needs two sublattices that close up under periodic boundaries).
    temperatures:
        temperatures to sample, in J/k_B; each finite and > 0. A string is
        read by :func:`parse_temperatures` (``"2.0,2.5"``, ``"1.0:3.5:26"``).
    samples:
        configurations recorded per temperature, >= 1.
    h:
        external field in J (finite).
    algorithm:
        ``'metropolis'`` (checkerboard, any field), ``'wolff'`` (cluster,
        ``h = 0`` only) or ``'auto'``: Wolff when ``h == 0`` and
        ``T < 1.25 T_C``, else Metropolis.
    equilibration_sweeps:
        sweeps discarded before the first sample, >= 0.
    decorrelation_sweeps:
        sweeps between recorded samples, >= 1.
    lattice:
        ``'square'`` (default) or ``'triangular'`` (six neighbours on the
        skewed ``L`` x ``L`` array, see :mod:`._triangular`); the triangular
        lattice is not bipartite, so it is sampled by Wolff clusters only
        (``algorithm`` 'auto' or 'wolff', ``h = 0``).
    engine:
        the Metropolis kernel: ``'checkerboard'`` (one lattice, int8 spins) or
        ``'multispin'`` (64 independent replicas bit-packed in uint64 words,
        exact acceptance, :mod:`._multispin`); samples then come 64 at a time,
        one per replica, ``decorrelation_sweeps`` apart. Square lattice only.
    """

    L: int
    temperatures: tuple[float, ...]
    samples: int
    h: float = 0.0
    algorithm: str = "auto"
    equilibration_sweeps: int = 500
    decorrelation_sweeps: int = 10
    lattice: str = "square"
    engine: str = "checkerboard"

    def __post_init__(self) -> None:
        L = _int("L", self.L, 4)
        if L % 2:
            raise ParameterError.invalid("L", self.L, "an even integer >= 4")
        set_ = object.__setattr__
        set_(self, "L", L)
        set_(self, "temperatures", _temperatures(self.temperatures))
        set_(self, "samples", _int("samples", self.samples, 1))
        if isinstance(self.h, bool) or not isinstance(self.h, numbers.Real) or not math.isfinite(self.h):
            raise ParameterError.invalid("h", self.h, "a finite number (units J)")
        set_(self, "h", float(self.h))
        if self.algorithm not in ALGORITHMS:
            raise ParameterError.invalid("algorithm", self.algorithm, f"one of {', '.join(ALGORITHMS)}")
        if self.algorithm == "wolff" and self.h != 0.0:
            raise ParameterError.invalid("algorithm", self.algorithm,
                                         "'metropolis' or 'auto' when h != 0 (Wolff needs h = 0)")
        set_(self, "equilibration_sweeps", _int("equilibration_sweeps", self.equilibration_sweeps, 0))
        set_(self, "decorrelation_sweeps", _int("decorrelation_sweeps", self.decorrelation_sweeps, 1))
        if self.lattice not in LATTICES:
            raise ParameterError.invalid("lattice", self.lattice, f"one of {', '.join(LATTICES)}")
        if self.lattice == "triangular" and self.algorithm == "metropolis":
            raise ParameterError.invalid("algorithm", self.algorithm, "'wolff' or 'auto' on the triangular lattice "
                                         "(not bipartite: no checkerboard Metropolis)")
        if self.engine not in ENGINES:
            raise ParameterError.invalid("engine", self.engine, f"one of {', '.join(ENGINES)}")
        if self.engine == "multispin" and self.lattice != "square":
            raise ParameterError.invalid("engine", self.engine, "'checkerboard' on the triangular lattice "
                                         "(multispin Metropolis is for the square lattice)")
        if self.lattice == "triangular" and self.h != 0.0:
            raise ParameterError.invalid("h", self.h, "0 on the triangular lattice (sampled by Wolff clusters)")

    def algorithm_at(self, T: float) -> str:
        """The update (``'metropolis'`` or ``'wolff'``) used at temperature ``T``."""
        if self.algorithm != "auto":
            return self.algorithm
        if self.lattice == "triangular":
            return "wolff"
        return "wolff" if self.h == 0.0 and T < WOLFF_MAX_T_OVER_TC * T_C else "metropolis"


def parse_temperatures(text: str) -> tuple[float, ...]:
    """Temperatures from ``"2.0,2.5,3.0"`` or an inclusive range ``"start:stop:count"``.

    ``"1.0:3.5:26"`` is ``numpy.linspace(1.0, 3.5, 26)``. A range with a zero
    step (``start == stop`` and ``count > 1``), ``count < 1``, text that is
    not numbers, or a temperature <= 0 raises :class:`ParameterError`.
    """
    allowed = "comma-separated temperatures > 0 or a range 'start:stop:count' (J/k_B)"
    text = str(text).strip()
    try:
        if ":" in text:
            start_s, stop_s, count_s = text.split(":")
            start, stop, count = float(start_s), float(stop_s), int(count_s)
            if count < 1 or (count > 1 and start == stop):
                raise ParameterError.invalid("temperatures", text, f"{allowed}, with count >= 1 and a non-zero step")
            temps = tuple(float(t) for t in np.linspace(start, stop, count))
        else:
            temps = tuple(float(t) for t in text.split(","))
    except ValueError as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError.invalid("temperatures", text, allowed) from None
    if not all(math.isfinite(t) and t > 0 for t in temps):
        raise ParameterError.invalid("temperatures", text, allowed)
    return temps
