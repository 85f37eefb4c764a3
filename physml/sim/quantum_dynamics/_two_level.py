"""The driven two-level system: Rabi oscillations, lab frame and rotating-wave.

``H(t) = (Delta/2) Z + Omega cos(omega t) X`` (lab frame) or, keeping only the
co-rotating terms, ``H_RWA(t) = (Delta/2) Z + (Omega/2)(cos(omega t) X +
sin(omega t) Y)``. The state ``psi = a |e> + b |g>`` (``|e>``: ``Z = +1``) is
integrated with ``scipy.integrate.solve_ivp`` (DOP853, ``rtol = 1e-12``,
``atol = 1e-12``). hbar = 1: energies and frequencies in E, times in hbar/E.

Exact reference (:func:`rabi_excited_probability`): from the ground state the
RWA Hamiltonian gives ``P_e(t) = (Omega^2 / Omega_gen^2) sin^2(Omega_gen t / 2)``
with detuning ``delta = Delta - omega`` and generalized Rabi frequency
``Omega_gen = sqrt(Omega^2 + delta^2)``.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from scipy.integrate import solve_ivp

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ._params import RabiParams

__all__ = ["two_level_hamiltonian", "evolve_two_level", "bloch_vector", "rabi_excited_probability",
           "rabi_trajectories", "RABI_UNITS", "RTOL", "ATOL"]

RTOL = 1e-12
ATOL = 1e-12

RABI_UNITS = {
    "time": "hbar/E",
    "sigma_x": "1",
    "sigma_y": "1",
    "sigma_z": "1",
    "p_excited": "1",
    "theta": "rad",
    "phi": "rad",
}

_X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
_Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
_Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)


def two_level_hamiltonian(t: float, params: RabiParams) -> np.ndarray:
    """The 2x2 Hamiltonian at time ``t`` (hbar/E), in E; RWA form if ``params.rwa``."""
    drift = 0.5 * params.Delta * _Z
    if params.rwa:
        phase = params.omega * t
        return drift + 0.5 * params.Omega * (np.cos(phase) * _X + np.sin(phase) * _Y)
    return drift + params.Omega * np.cos(params.omega * t) * _X


def evolve_two_level(params: RabiParams, psi0: np.ndarray) -> np.ndarray:
    """Integrate ``i d psi/dt = H(t) psi`` on ``params.times``.

    ``psi0`` has shape ``(2,)`` or ``(2, n_states)`` (several initial states
    evolved together); returns shape ``(n_times, 2)`` or ``(n_times, 2, n_states)``.
    """
    psi0 = np.asarray(psi0, dtype=np.complex128)
    if psi0.shape[:1] != (2,) or psi0.ndim > 2:
        raise ParameterError.invalid("psi0", psi0.shape, "a state of shape (2,) or (2, n_states)")
    shape = psi0.shape

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        return (-1j * two_level_hamiltonian(t, params) @ y.reshape(2, -1)).ravel()

    sol = solve_ivp(rhs, (0.0, params.t_max), psi0.ravel(), method="DOP853", t_eval=params.times,
                    rtol=RTOL, atol=ATOL)
    if not sol.success:  # pragma: no cover - DOP853 on a bounded linear ODE does not fail
        raise RuntimeError(f"two-level integration failed: {sol.message}; try a smaller t_max")
    return np.moveaxis(sol.y.reshape(*shape, -1), -1, 0)


def bloch_vector(states: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(<X>, <Y>, <Z>)`` of states with the component axis 1 (``(n_times, 2, ...)``)."""
    a, b = states[:, 0], states[:, 1]
    ab = np.conj(a) * b
    return 2.0 * ab.real, 2.0 * ab.imag, np.abs(a) ** 2 - np.abs(b) ** 2


def rabi_excited_probability(t: np.ndarray | float, Omega: float, detuning: float = 0.0) -> np.ndarray:
    """Exact RWA excited population from the ground state (dimensionless).

    ``P_e(t) = (Omega^2 / Omega_gen^2) sin^2(Omega_gen t / 2)``,
    ``Omega_gen = sqrt(Omega^2 + detuning^2)``; ``t`` in hbar/E, ``Omega``
    and ``detuning = Delta - omega`` in E.
    """
    t = np.asarray(t, dtype=np.float64)
    omega_gen = np.hypot(Omega, detuning)
    if omega_gen == 0.0:
        return np.zeros_like(t)
    return (Omega / omega_gen) ** 2 * np.sin(0.5 * omega_gen * t) ** 2


def rabi_trajectories(params: RabiParams, *, seed: int | np.random.Generator) -> Dataset:
    """Time series of the driven two-level system as a :class:`Dataset`.

    One row per trajectory (sample axis first):

    * ``time`` ``(n_traj, n_times)`` hbar/E (the grid, repeated);
    * ``sigma_x``, ``sigma_y``, ``sigma_z`` ``(n_traj, n_times)``: the Bloch
      vector (dimensionless, in [-1, 1]);
    * ``p_excited`` ``(n_traj, n_times)``: ``(1 + <Z>) / 2``;
    * ``theta``, ``phi`` ``(n_traj,)`` rad: the initial Bloch angles.

    With ``initial_state='random'`` the angles are drawn from
    ``numpy.random.default_rng(seed)``: ``cos theta ~ Uniform(-1, 1)`` for all
    trajectories, then ``phi ~ Uniform(0, 2 pi)``; ``'ground'`` is ``theta = pi``.
    """
    if not isinstance(params, RabiParams):
        raise ParameterError.invalid("params", params, "a RabiParams")
    record = seed_record(seed)  # before the generator (if one) advances
    rng = np.random.default_rng(seed)
    n = params.n_trajectories
    if params.initial_state == "random":
        theta = np.arccos(rng.uniform(-1.0, 1.0, size=n))
        phi = rng.uniform(0.0, 2.0 * np.pi, size=n)
    else:
        theta, phi = np.full(n, np.pi), np.zeros(n)
    psi0 = np.stack([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)])  # (2, n)
    sx, sy, sz = (np.ascontiguousarray(v.T) for v in bloch_vector(evolve_two_level(params, psi0)))
    arrays = {
        "time": np.tile(params.times, (n, 1)),
        "sigma_x": sx,
        "sigma_y": sy,
        "sigma_z": sz,
        "p_excited": 0.5 * (1.0 + sz),
        "theta": theta,
        "phi": phi,
    }
    attrs = provenance("quantum_dynamics.rabi", asdict(params), record)
    return Dataset(arrays, dict(RABI_UNITS), attrs)
