"""``MDParams``: the frozen, validated parameters of a Lennard-Jones MD run (reduced units)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from physml.errors import ParameterError

from ...validation import check_int, check_real

__all__ = ["MDParams", "ENSEMBLES", "POTENTIALS", "MAX_DT", "fcc_cells"]

ENSEMBLES = ("nve", "berendsen", "langevin")
POTENTIALS = ("shifted", "shifted-force")
#: largest time step accepted: velocity Verlet on LJ at liquid densities conserves energy to ~1e-4 per
#: particle up to dt ~ 0.005-0.01 and visibly heats beyond ~0.02 (tau_LJ ~ 1: ~200 steps per period)
MAX_DT = 0.02


def fcc_cells(n: object) -> int:
    """``m`` with ``n = 4 m^3`` (m >= 2: 32, 108, 256, 500, 864, ...), or :class:`ParameterError`."""
    allowed = "4 m^3 for an integer m >= 2 (an FCC start: 32, 108, 256, 500, 864, 1372, 2048, ...)"
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 32:
        raise ParameterError.invalid("n_particles", n, allowed)
    m = round((int(n) / 4) ** (1 / 3))
    if 4 * m**3 != n:
        raise ParameterError.invalid("n_particles", n, allowed)
    return m


def _positive(name: str, value: object, high: float, unit: str = "") -> float:
    v = check_real(name, value, -math.inf, high, unit)
    if v <= 0:
        raise ParameterError.invalid(name, value, f"a number in (0, {high:g}] {unit}".rstrip())
    return v


@dataclass(frozen=True)
class MDParams:
    """A Lennard-Jones MD run in reduced units (sigma = epsilon = m = k_B = 1; time in sigma sqrt(m/epsilon)).

    ``n_particles`` = 4 m^3 (m >= 2) start on an FCC lattice filling a cubic
    periodic box of side ``L = (n / density)^(1/3)``, which must be at least
    ``2 r_cut`` (minimum image). ``potential``: ``shifted-force`` (the default:
    ``u(r) - u(r_c) - (r - r_c) u'(r_c)``, continuous force, so velocity Verlet
    conserves energy: measured drift ~4e-6 per particle over 10,000 steps at
    dt = 0.005) or ``shifted`` (``u(r) - u(r_c)``, the fluid the JZG equation of
    state's standard corrections refer to; its force jumps by ``u'(r_c)`` at
    r_c, which adds a random walk of the energy: measured 1e-4 to 6e-4). Velocities are Maxwell-Boltzmann at
    ``temperature`` with zero total momentum. ``ensemble``: ``nve`` (velocity
    Verlet), ``berendsen`` (weak coupling, relaxation time ``tau``) or
    ``langevin`` (BAOAB, friction ``gamma``). ``equilibration_steps`` are run
    first with the thermostat (Berendsen for ``nve``) and not recorded. The
    observables are recorded every ``sample_every`` steps and positions every
    ``frame_every`` steps (0: none).
    """

    n_particles: int = 256
    density: float = 0.8
    temperature: float = 1.0
    dt: float = 0.005
    steps: int = 10_000
    ensemble: str = "nve"
    r_cut: float = 2.5
    potential: str = "shifted-force"
    skin: float = 0.3
    tau: float = 0.1
    gamma: float = 1.0
    equilibration_steps: int = 0
    sample_every: int = 1
    frame_every: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        fcc_cells(self.n_particles)
        set_(self, "n_particles", int(self.n_particles))
        set_(self, "density", _positive("density", self.density, 1.5, "(sigma^-3)"))
        set_(self, "temperature", _positive("temperature", self.temperature, 100.0, "(epsilon/k_B)"))
        set_(self, "dt", _positive("dt", self.dt, MAX_DT, "(LJ time)"))
        set_(self, "steps", check_int("steps", self.steps, 1))
        if self.ensemble not in ENSEMBLES:
            raise ParameterError.invalid("ensemble", self.ensemble, "one of " + ", ".join(ENSEMBLES))
        if self.potential not in POTENTIALS:
            raise ParameterError.invalid("potential", self.potential, "one of " + ", ".join(POTENTIALS))
        set_(self, "r_cut", check_real("r_cut", self.r_cut, 2.0, 6.0, "(sigma)"))
        set_(self, "skin", check_real("skin", self.skin, 0.0, 1.0, "(sigma)"))
        set_(self, "tau", check_real("tau", self.tau, self.dt, 1e6, "(LJ time, >= dt)"))
        set_(self, "gamma", _positive("gamma", self.gamma, 1.0 / self.dt, "(1/LJ time, <= 1/dt)"))
        set_(self, "equilibration_steps", check_int("equilibration_steps", self.equilibration_steps, 0))
        set_(self, "sample_every", check_int("sample_every", self.sample_every, 1))
        set_(self, "frame_every", check_int("frame_every", self.frame_every, 0))
        if self.box_length < 2 * self.r_cut:
            raise ParameterError.invalid(
                "n_particles", self.n_particles,
                f"large enough that the box side (n/density)^(1/3) = {self.box_length:.3g} is >= 2 r_cut = "
                f"{2 * self.r_cut:g} at density {self.density:g}")

    @property
    def box_length(self) -> float:
        return (self.n_particles / self.density) ** (1.0 / 3.0)
