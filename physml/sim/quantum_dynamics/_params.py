"""``TFIMParams`` and ``RabiParams``: validated parameters of the quantum simulators.

Units: hbar = 1. Energies (``J``, ``h``, ``Delta``, ``Omega``, ``omega``) are
in an arbitrary energy unit E; frequencies are energies (omega = E / hbar) and
times are in hbar/E. Every check runs on construction, before any compute,
and raises :class:`ParameterError` naming the parameter, what is allowed and
the value given.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from physml.errors import ParameterError

__all__ = ["TFIMParams", "RabiParams", "BOUNDARIES", "TFIM_INITIAL_STATES", "RABI_INITIAL_STATES",
           "MIN_SPINS", "MAX_SPINS"]

BOUNDARIES = ("open", "periodic")
TFIM_INITIAL_STATES = ("random", "up")
RABI_INITIAL_STATES = ("ground", "random")
MIN_SPINS, MAX_SPINS = 2, 12


# -- validators ----------------------------------------------------------------
def _int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError.invalid(name, value, allowed)
    if value < minimum or (maximum is not None and value > maximum):
        raise ParameterError.invalid(name, value, allowed)
    return int(value)


def _real(name: str, value: object, unit: str, *, positive: bool = False, non_negative: bool = False) -> float:
    if positive:
        allowed = f"a finite number > 0 (units {unit})"
    elif non_negative:
        allowed = f"a finite number >= 0 (units {unit})"
    else:
        allowed = f"a finite number (units {unit})"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ParameterError.invalid(name, value, allowed)
    if (positive and value <= 0) or (non_negative and value < 0):
        raise ParameterError.invalid(name, value, allowed)
    return float(value)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError.invalid(name, value, f"one of {', '.join(repr(a) for a in allowed)}")
    return value


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError.invalid(name, value, "True or False")
    return bool(value)


def _time_grid(t_max: object, n_times: object) -> tuple[float, int]:
    t = _real("t_max", t_max, "hbar/E", positive=True)
    n = _int("n_times", n_times, 2)
    dt = t / (n - 1)
    if not (math.isfinite(dt) and dt > 0.0):  # underflow of t_max / (n_times - 1)
        raise ParameterError.invalid("n_times", n_times,
                                     f"small enough that the time step t_max/(n_times-1) > 0 (t_max={t})")
    return t, n


# -- transverse-field Ising chain ---------------------------------------------
@dataclass(frozen=True)
class TFIMParams:
    """Parameters of :func:`tfim_trajectories` (``H = -sum_b J_b Z_i Z_j - h sum_i X_i``, hbar = 1).

    n_spins:
        chain length, an integer in [2, 12] (state dimension ``2**n_spins``);
        periodic boundaries need ``n_spins >= 3`` (with 2 spins the closing
        bond would repeat the open one).
    J:
        nearest-neighbour ZZ coupling in E (finite; > 0 is ferromagnetic).
    h:
        transverse field in E (finite).
    t_max:
        final time in hbar/E, finite and > 0.
    n_times:
        points of the uniform time grid ``linspace(0, t_max, n_times)``, >= 2.
    boundary:
        ``'open'`` (``n_spins - 1`` bonds) or ``'periodic'`` (``n_spins`` bonds,
        the last joins spin ``n_spins - 1`` to spin 0).
    n_trajectories:
        trajectories (dataset rows), >= 1.
    random_couplings:
        if True each trajectory draws its bond couplings
        ``J_b ~ Uniform(J (1 - coupling_disorder), J (1 + coupling_disorder))``
        from the seed; if False every bond has ``J_b = J``.
    coupling_disorder:
        relative half-width of the coupling distribution, finite and >= 0.
    initial_state:
        ``'random'``: a product state with Bloch angles uniform on the sphere
        (drawn from the seed), or ``'up'``: every spin ``<Z> = +1``.
    """

    n_spins: int
    J: float
    h: float
    t_max: float
    n_times: int
    boundary: str = "open"
    n_trajectories: int = 1
    random_couplings: bool = False
    coupling_disorder: float = 0.5
    initial_state: str = "random"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_spins", _int("n_spins", self.n_spins, MIN_SPINS, MAX_SPINS))
        set_(self, "J", _real("J", self.J, "E"))
        set_(self, "h", _real("h", self.h, "E"))
        t_max, n_times = _time_grid(self.t_max, self.n_times)
        set_(self, "t_max", t_max)
        set_(self, "n_times", n_times)
        set_(self, "boundary", _choice("boundary", self.boundary, BOUNDARIES))
        if self.boundary == "periodic" and self.n_spins < 3:
            raise ParameterError.invalid("n_spins", self.n_spins, "an integer in [3, 12] for periodic boundaries")
        set_(self, "n_trajectories", _int("n_trajectories", self.n_trajectories, 1))
        set_(self, "random_couplings", _bool("random_couplings", self.random_couplings))
        set_(self, "coupling_disorder", _real("coupling_disorder", self.coupling_disorder, "1", non_negative=True))
        set_(self, "initial_state", _choice("initial_state", self.initial_state, TFIM_INITIAL_STATES))

    @property
    def n_bonds(self) -> int:
        """Nearest-neighbour bonds: ``n_spins - 1`` (open) or ``n_spins`` (periodic)."""
        return self.n_spins if self.boundary == "periodic" else self.n_spins - 1

    @property
    def times(self) -> np.ndarray:
        """The time grid, shape ``(n_times,)``, in hbar/E."""
        return np.linspace(0.0, self.t_max, self.n_times)

    @property
    def time_step(self) -> float:
        """Grid spacing ``t_max / (n_times - 1)`` in hbar/E."""
        return self.t_max / (self.n_times - 1)


# -- driven two-level system --------------------------------------------------
@dataclass(frozen=True)
class RabiParams:
    """Parameters of :func:`rabi_trajectories` (hbar = 1).

    ``H(t) = (Delta/2) Z + Omega cos(omega t) X`` (lab frame), or with
    ``rwa=True`` its rotating-wave form
    ``H(t) = (Delta/2) Z + (Omega/2) (cos(omega t) X + sin(omega t) Y)``.
    ``Z = +1`` is the excited state when ``Delta > 0``.

    Delta:
        level splitting in E (finite).
    Omega:
        drive amplitude in E (finite); the resonant RWA Rabi frequency.
    omega:
        drive frequency in E (= hbar rad per hbar/E), finite and >= 0.
    t_max, n_times:
        the uniform time grid ``linspace(0, t_max, n_times)``; ``t_max > 0``
        in hbar/E, ``n_times >= 2``.
    n_trajectories:
        trajectories (dataset rows), >= 1.
    rwa:
        evolve the rotating-wave Hamiltonian instead of the lab-frame one.
    initial_state:
        ``'ground'`` (``<Z> = -1``) or ``'random'`` (Bloch angles uniform on
        the sphere, drawn from the seed).
    """

    Delta: float
    Omega: float
    omega: float
    t_max: float
    n_times: int
    n_trajectories: int = 1
    rwa: bool = False
    initial_state: str = "ground"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "Delta", _real("Delta", self.Delta, "E"))
        set_(self, "Omega", _real("Omega", self.Omega, "E"))
        set_(self, "omega", _real("omega", self.omega, "E", non_negative=True))
        t_max, n_times = _time_grid(self.t_max, self.n_times)
        set_(self, "t_max", t_max)
        set_(self, "n_times", n_times)
        set_(self, "n_trajectories", _int("n_trajectories", self.n_trajectories, 1))
        set_(self, "rwa", _bool("rwa", self.rwa))
        set_(self, "initial_state", _choice("initial_state", self.initial_state, RABI_INITIAL_STATES))

    @property
    def times(self) -> np.ndarray:
        """The time grid, shape ``(n_times,)``, in hbar/E."""
        return np.linspace(0.0, self.t_max, self.n_times)

    @property
    def detuning(self) -> float:
        """``Delta - omega`` in E."""
        return self.Delta - self.omega
