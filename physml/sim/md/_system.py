"""``LJSystem``: the state of a Lennard-Jones MD run and the steps that advance it; ``simulate``.

Reduced units throughout (sigma = epsilon = m = k_B = 1). The instantaneous
temperature is ``2 K / dof`` with ``dof = 3N - 3`` when the total momentum is
conserved (NVE, Berendsen, heating-rate control) and ``3N`` under Langevin
dynamics, whose friction and noise do not conserve it. The pressure is the
virial one, ``P = rho T_kin + W / (3V)`` with ``W = sum_pairs r_ij . f_ij`` of the
truncated-shifted forces (``T_kin = 2K/(3N)``: the kinetic pressure counts
every momentum).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from . import _kernels as K
from ._params import MDParams, fcc_cells

__all__ = ["fcc_lattice", "maxwell_boltzmann", "LJSystem", "simulate", "radial_distribution", "MD_UNITS"]

MD_UNITS = {
    "time": "sqrt(m sigma^2/epsilon)", "kinetic_energy": "epsilon", "potential_energy": "epsilon",
    "total_energy": "epsilon", "temperature": "epsilon/k_B", "pressure": "epsilon/sigma^3",
    "positions": "sigma", "rdf_r": "sigma", "rdf_g": "1",
}
_KINDS = {"nve": K.NVE, "berendsen": K.BERENDSEN, "langevin": K.LANGEVIN}


def fcc_lattice(n_particles: int, box_length: float) -> np.ndarray:
    """``n = 4 m^3`` positions on a face-centred cubic lattice filling ``[0, L)^3``."""
    m = fcc_cells(n_particles)
    a = box_length / m
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) + 0.25
    cells = np.stack(np.meshgrid(*(np.arange(m),) * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    return ((cells + basis[None]) * a).reshape(-1, 3)


def maxwell_boltzmann(n: int, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """Velocities drawn at ``temperature``, shifted to zero total momentum and scaled to exactly that temperature
    (``2K / (3n - 3) = T``)."""
    v = rng.standard_normal((n, 3)) * np.sqrt(temperature)
    v -= v.mean(axis=0)
    v *= np.sqrt(temperature * (3 * n - 3) / np.sum(v * v))
    return v


class LJSystem:
    """A Lennard-Jones system in a periodic cubic box, advanced in place.

    ``LJSystem(params, seed=...)`` starts from the FCC lattice with
    Maxwell-Boltzmann velocities (zero total momentum). :meth:`run` advances
    under an ensemble; :meth:`run_heating` under a set heating/cooling rate
    (velocities scaled by ``sqrt(1 + rate dt)`` each step), the actuator of the
    thermostat-control environment.
    """

    def __init__(self, params: MDParams, *, seed: int | np.random.Generator):
        if not isinstance(params, MDParams):
            raise TypeError(f"params must be MDParams; got {type(params).__name__}")
        self.params = params
        self.rng = np.random.default_rng(seed)
        self.L = params.box_length
        self.n = params.n_particles
        # the neighbour-list skin cannot exceed what the minimum image allows
        self.skin = float(min(params.skin, max(self.L / 2 - params.r_cut, 0.0)))
        self.pos = fcc_lattice(self.n, self.L)
        self.vel = maxwell_boltzmann(self.n, params.temperature, self.rng)
        self.force = np.zeros_like(self.pos)
        self.ref = self.pos.copy()
        self._list = K.build_half_list(self.pos, self.L, params.r_cut + self.skin)
        self.shifted_force = params.potential == "shifted-force"
        order, start, nbr = self._list
        f = np.zeros_like(self.pos)
        self.U, self.W, self.inside = K.half_list_forces(self.pos[order], self.L, start, nbr, params.r_cut, f,
                                                         self.shifted_force, True)
        self.force[order] = f
        self.time = 0.0
        self.rebuilds = 0

    # -- observables (per particle where the name says energy) --------------------------------
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
        V = self.L**3
        return (2.0 * self.kinetic * self.n / 3.0 + self.W / 3.0) / V

    @property
    def momentum(self) -> np.ndarray:
        return self.vel.sum(axis=0)

    # -- dynamics -------------------------------------------------------------------------------
    def _advance(self, n_steps: int, kind: int, T0: float, coupling: float, dof: float) -> None:
        if n_steps <= 0:
            return
        noise = (self.rng.standard_normal((n_steps, self.n, 3)) if kind == K.LANGEVIN
                 else np.empty((0, self.n, 3)))
        U, W, inside, *lst, rebuilds = K.run_block(
            self.pos, self.vel, self.force, self.ref, *self._list, self.L, self.params.r_cut, self.skin,
            self.params.dt, n_steps, kind, T0, coupling, dof, noise, self.shifted_force)
        self._list = tuple(lst)
        self.U, self.W, self.inside = U, W, inside
        self.rebuilds += rebuilds
        self.time += n_steps * self.params.dt

    def run(self, n_steps: int, ensemble: str | None = None, *, temperature: float | None = None) -> None:
        """Advance ``n_steps`` under ``ensemble`` (default: the params'), thermostat target ``temperature``."""
        ensemble = ensemble or self.params.ensemble
        T0 = self.params.temperature if temperature is None else float(temperature)
        kind = _KINDS[ensemble]
        coupling = self.params.gamma if kind == K.LANGEVIN else self.params.tau
        dof = 3.0 * self.n - 3.0
        # Langevin noise is drawn in chunks to bound memory (3N doubles per step)
        chunk = 1000 if kind == K.LANGEVIN else n_steps
        while n_steps > 0:
            k = min(chunk, n_steps)
            self._advance(k, kind, T0, coupling, dof)
            n_steps -= k

    def run_heating(self, n_steps: int, rate: float) -> None:
        """Advance ``n_steps`` of velocity Verlet with the kinetic energy scaled by ``1 + rate dt`` per step."""
        if not np.isfinite(rate) or rate * self.params.dt <= -1.0:
            raise ParameterError.invalid("rate", rate, f"finite and > -1/dt = {-1 / self.params.dt:g}")
        self._advance(n_steps, K.RESCALE, 0.0, float(rate), 3.0 * self.n - 3.0)


def radial_distribution(frames: np.ndarray, box_length: float, *, r_max: float | None = None,
                        n_bins: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """g(r) averaged over ``frames`` (shape ``(n_frames, N, 3)``), minimum image, up to ``r_max <= L/2``.

    Normalised by the ideal-gas pair count ``(N - 1)/V * 4 pi r^2 dr`` per particle, so g -> 1 at large r.
    """
    frames = np.asarray(frames, np.float64)
    L = float(box_length)
    r_max = L / 2 if r_max is None else min(float(r_max), L / 2)
    edges = np.linspace(0.0, r_max, n_bins + 1)
    hist = np.zeros(n_bins)
    n = frames.shape[1]
    iu = np.triu_indices(n, 1)
    for x in frames:
        d = x[:, None, :] - x[None, :, :]
        d -= L * np.rint(d / L)
        r = np.sqrt(np.sum(d * d, axis=-1))[iu]
        hist += np.histogram(r, bins=edges)[0]
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    ideal = len(frames) * n * (n - 1) / 2 / L**3 * shell
    return 0.5 * (edges[1:] + edges[:-1]), hist / ideal


def simulate(params: MDParams, *, seed: int | np.random.Generator, progress: bool = False) -> Dataset:
    """Run ``params``; return the recorded observables (per particle) as a :class:`Dataset`.

    Arrays (one row per sample, every ``sample_every`` steps, the start included):
    ``time``, ``kinetic_energy``, ``potential_energy``, ``total_energy``,
    ``temperature``, ``pressure``. Position frames (``frame_every > 0``) come
    from :func:`simulate_frames`.
    """
    ds, _ = simulate_frames(params, seed=seed, progress=progress)
    return ds


def simulate_frames(params: MDParams, *, seed: int | np.random.Generator, progress: bool = False,
                    frame_data: dict | None = None, system=None) -> tuple[Dataset, np.ndarray]:
    """Like :func:`simulate`, also returning the position frames (``(n_frames, N, 3)``; empty if none).

    ``frame_data``: a dict filled with what each frame also records: ``forces`` ``(n_frames, N, 3)``,
    ``potential_energy`` (total, epsilon) and ``virial`` (``sum_pairs r_ij . f_ij``) ``(n_frames,)``.
    ``system``: an already built system with :class:`LJSystem`'s interface to run instead of a new
    ``LJSystem(params, seed=seed)`` (a :class:`~physml.sim.md.learned.ForceFieldSystem`: a learned potential).
    """
    from tqdm.auto import tqdm

    record = seed_record(seed)
    system = LJSystem(params, seed=seed) if system is None else system
    if params.equilibration_steps:
        eq = "berendsen" if params.ensemble == "nve" else params.ensemble
        system.run(params.equilibration_steps, eq)
        system.time = 0.0
    n_samples = params.steps // params.sample_every + 1
    rows = np.empty((n_samples, 6))
    frames, extra = [], []

    def keep_frame() -> None:
        frames.append(system.pos.copy())
        extra.append((system.force.copy(), system.U, system.W))

    def sample(i: int) -> None:
        K_, U = system.kinetic, system.potential
        rows[i] = (system.time, K_, U, K_ + U, system.temperature(params.ensemble), system.pressure)

    sample(0)
    step = 0
    if params.frame_every:
        keep_frame()
    bar = tqdm(total=params.steps, disable=not progress, desc="md", unit="step")
    for i in range(1, n_samples):
        target = i * params.sample_every
        while step < target:  # stop at every frame and sample step
            nxt = target
            if params.frame_every:
                nxt = min(nxt, (step // params.frame_every + 1) * params.frame_every)
            system.run(nxt - step)
            bar.update(nxt - step)
            step = nxt
            if params.frame_every and step % params.frame_every == 0:
                keep_frame()
        sample(i)
    bar.close()
    names = ("time", "kinetic_energy", "potential_energy", "total_energy", "temperature", "pressure")
    arrays = {k: rows[:, j] for j, k in enumerate(names)}
    attrs = provenance("lennard-jones-md", asdict(params), record)
    attrs.update(
        units_note="reduced LJ units; energies per particle; truncated-shifted potential (no tail corrections)",
        box_length=system.L, neighbour_list_rebuilds=system.rebuilds,
        temperature_dof="3N for langevin, 3N-3 otherwise",
        final_momentum=json.dumps(system.momentum.tolist()),
    )
    ds = Dataset(arrays, {k: MD_UNITS[k] for k in names}, attrs)
    if frame_data is not None:
        n = params.n_particles
        frame_data["forces"] = np.array([e[0] for e in extra]) if extra else np.empty((0, n, 3))
        frame_data["potential_energy"] = np.array([e[1] for e in extra], float)
        frame_data["virial"] = np.array([e[2] for e in extra], float)
    return ds, (np.array(frames) if frames else np.empty((0, params.n_particles, 3)))
