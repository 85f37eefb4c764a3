"""MD with any force field: the engine's integrators and observables driven by a force callable.

A force field is a callable ``force_field(pos) -> (U, F, W)``: the total potential energy, the forces
``(N, 3)`` and the virial ``W = sum_pairs r_ij . f_ij`` at the positions ``pos`` ``(N, 3)`` of the periodic
cubic box it was made for (reduced LJ units). :class:`ForceFieldSystem` advances such a system with the
same steps as :class:`~physml.sim.md.LJSystem` (velocity Verlet for NVE, Berendsen scaling after it,
BAOAB Langevin with the same noise draws) and exposes the same observables (``kinetic``, ``potential``,
``temperature``, ``pressure``, ``momentum``), so :func:`~physml.sim.md.simulate_frames` records it
unchanged (``system=ForceFieldSystem(...)``). :func:`lj_force_field` is the analytic Lennard-Jones force
field as such a callable: with it a :class:`ForceFieldSystem` reproduces ``LJSystem``'s trajectory
(the test of this module), which is what makes a learned potential's run comparable with the engine's.

The integrators are written again here in NumPy rather than taken from the Numba block kernel: that
kernel calls the LJ pair forces inside its compiled loop, and a Python callable (a PyTorch network)
cannot be called from there. The per-step NumPy cost (~20 us at N = 108) is small beside a network's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from physml.errors import ParameterError

from . import _kernels as K
from ._params import MDParams
from ._system import fcc_lattice, maxwell_boltzmann

__all__ = ["ForceField", "ForceFieldSystem", "lj_force_field", "neighbour_pairs", "min_pair_distance"]

ForceField = Callable[[np.ndarray], tuple[float, np.ndarray, float]]
"""``force_field(pos) -> (U, F, W)``: total energy, forces ``(N, 3)``, virial ``sum_pairs r_ij . f_ij``."""


def neighbour_pairs(pos: np.ndarray, box_length: float, r_list: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(i, j)``, ``i < j``, closer than ``r_list`` under the minimum image, from the engine's
    cell lists (all pairs when fewer than three cells fit along the box)."""
    pos = np.ascontiguousarray(pos, dtype=np.float64)
    if not np.all(np.isfinite(pos)):
        raise ParameterError.invalid("positions", "non-finite values", "finite coordinates (sigma)")
    return K.build_pairs(pos, float(box_length), float(r_list))


def min_pair_distance(pos: np.ndarray, box_length: float) -> float:
    """The smallest minimum-image distance between two particles."""
    d = pos[:, None, :] - pos[None, :, :]
    d -= box_length * np.rint(d / box_length)
    r2 = np.sum(d * d, axis=-1)
    np.fill_diagonal(r2, np.inf)
    return float(np.sqrt(r2.min()))


def lj_force_field(params: MDParams) -> ForceField:
    """The engine's truncated-shifted (or shifted-force, per ``params.potential``) Lennard-Jones potential as a
    force callable, with its own Verlet neighbour list (``params.skin``), rebuilt on a displacement of skin/2."""
    L, r_cut = params.box_length, params.r_cut
    skin = float(min(params.skin, max(L / 2 - r_cut, 0.0)))
    shifted_force = params.potential == "shifted-force"
    state: dict = {}

    def force_field(pos: np.ndarray) -> tuple[float, np.ndarray, float]:
        ref = state.get("ref")
        if ref is None or K._max_disp2(pos, ref, L) > 0.25 * skin * skin:
            state["pairs"] = neighbour_pairs(pos, L, r_cut + skin)
            state["ref"] = pos.copy()
        f = np.zeros_like(pos)
        U, W, _ = K.pair_forces(pos, L, *state["pairs"], r_cut, f, shifted_force)
        return float(U), f, float(W)

    return force_field


class ForceFieldSystem:
    """A periodic cubic system of ``params`` driven by ``force_field``, with :class:`LJSystem`'s interface.

    Starts like ``LJSystem(params, seed=seed)`` (FCC lattice, the same Maxwell-Boltzmann velocities) unless
    ``positions`` / ``velocities`` are given. ``track_min_distance``: record the smallest pair distance met
    after every step in ``min_distance`` (an O(N^2) check per step, for stability runs).
    """

    def __init__(self, params: MDParams, force_field: ForceField, *, seed: int | np.random.Generator,
                 positions: np.ndarray | None = None, velocities: np.ndarray | None = None,
                 track_min_distance: bool = False):
        if not isinstance(params, MDParams):
            raise TypeError(f"params must be MDParams; got {type(params).__name__}")
        self.params = params
        self.force_field = force_field
        self.rng = np.random.default_rng(seed)
        self.L = params.box_length
        self.n = params.n_particles
        self.pos = fcc_lattice(self.n, self.L)
        self.vel = maxwell_boltzmann(self.n, params.temperature, self.rng)
        if positions is not None:
            self.pos = _checked("positions", positions, self.n) % self.L
        if velocities is not None:
            self.vel = _checked("velocities", velocities, self.n).copy()
        self.track = track_min_distance
        self.min_distance = min_pair_distance(self.pos, self.L) if self.track else np.inf
        self._evaluate()
        self.time = 0.0
        self.rebuilds = 0

    def _evaluate(self) -> None:
        U, F, W = self.force_field(self.pos)
        if not (np.isfinite(U) and np.all(np.isfinite(F))):
            raise ParameterError.invalid("force_field", "non-finite energy or forces", "finite values: the "
                                         "configuration left the region the force field can describe")
        self.U, self.force, self.W = float(U), np.asarray(F, np.float64), float(W)

    # -- observables: as LJSystem's --------------------------------------------------------------
    @property
    def kinetic(self) -> float:
        return 0.5 * float(np.sum(self.vel * self.vel)) / self.n

    @property
    def potential(self) -> float:
        return self.U / self.n

    def temperature(self, ensemble: str = "nve") -> float:
        dof = 3 * self.n if ensemble == "langevin" else 3 * self.n - 3
        return 2.0 * self.kinetic * self.n / dof

    @property
    def pressure(self) -> float:
        return (2.0 * self.kinetic * self.n / 3.0 + self.W / 3.0) / self.L**3

    @property
    def momentum(self) -> np.ndarray:
        return self.vel.sum(axis=0)

    # -- dynamics: the splittings of the engine's run_block ----------------------------------------
    def _step(self, kind: int, T0: float, coupling: float, noise: np.ndarray | None) -> None:
        dt, L = self.params.dt, self.L
        self.vel += 0.5 * dt * self.force
        if kind == K.LANGEVIN:
            c1 = np.exp(-coupling * dt)
            self.pos = (self.pos + 0.5 * dt * self.vel) % L
            self.vel = c1 * self.vel + np.sqrt((1.0 - c1 * c1) * T0) * noise
            self.pos = (self.pos + 0.5 * dt * self.vel) % L
        else:
            self.pos = (self.pos + dt * self.vel) % L
        self._evaluate()
        self.vel += 0.5 * dt * self.force
        if kind == K.BERENDSEN:
            T = 2.0 * 0.5 * float(np.sum(self.vel * self.vel)) / (3.0 * self.n - 3.0)
            self.vel *= np.sqrt(max(1.0 + dt / coupling * (T0 / T - 1.0), 0.0))
        if self.track:
            self.min_distance = min(self.min_distance, min_pair_distance(self.pos, L))

    def run(self, n_steps: int, ensemble: str | None = None, *, temperature: float | None = None) -> None:
        """Advance ``n_steps`` under ``ensemble`` (nve | berendsen | langevin; default the params'), thermostat
        target ``temperature`` (default the params')."""
        ensemble = ensemble or self.params.ensemble
        kinds = {"nve": K.NVE, "berendsen": K.BERENDSEN, "langevin": K.LANGEVIN}
        if ensemble not in kinds:
            raise ParameterError.invalid("ensemble", ensemble, "one of " + ", ".join(kinds))
        kind = kinds[ensemble]
        T0 = self.params.temperature if temperature is None else float(temperature)
        coupling = self.params.gamma if kind == K.LANGEVIN else self.params.tau
        while n_steps > 0:  # Langevin noise drawn in chunks of 1000 steps, as LJSystem draws it
            k = min(1000, n_steps) if kind == K.LANGEVIN else n_steps
            noise = self.rng.standard_normal((k, self.n, 3)) if kind == K.LANGEVIN else None
            for s in range(k):
                self._step(kind, T0, coupling, None if noise is None else noise[s])
            self.time += k * self.params.dt
            n_steps -= k


def _checked(name: str, x: np.ndarray, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (n, 3):
        raise ParameterError.invalid(name, f"shape {x.shape}", f"shape ({n}, 3)")
    if not np.all(np.isfinite(x)):
        raise ParameterError.invalid(name, "non-finite values", "finite numbers")
    return x
