"""``tfim_trajectories``: exact quench dynamics of the transverse-field Ising chain.

For each trajectory the (time-independent) sparse Hamiltonian
``H = -sum_b J_b Z_i Z_j - h sum_i X_i`` acts on a product state and
``psi(t) = exp(-i H t) psi(0)`` is computed on the uniform time grid with
``scipy.sparse.linalg.expm_multiply`` (Al-Mohy & Higham; Taylor degree chosen
for double precision, so no time-stepping error beyond round-off). hbar = 1: energies in E, times in hbar/E.

Random draws from ``numpy.random.default_rng(seed)``, in this order: the
couplings of every trajectory (``(n_trajectories, n_bonds)``, only if
``random_couplings``), then the Bloch angles (only if
``initial_state='random'``): ``cos theta ~ Uniform(-1, 1)`` and
``phi ~ Uniform(0, 2 pi)``, each ``(n_trajectories, n_spins)``.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ._params import TFIMParams, _time_grid
from ._spin_chain import chain_observables, product_state, tfim_hamiltonian

__all__ = ["evolve_states", "tfim_trajectories", "TFIM_UNITS", "MAX_STEP_NORM"]

#: sub-step 1-norm bound; scipy 1.17 estimates norms with the global RNG above
#: 2*ell*p_max*(p_max+3)*theta_55/55 = 63.4 (Al-Mohy & Higham 2011, eq. 3.13)
MAX_STEP_NORM = 32.0
#: Hilbert-space dimensions up to this are evolved through one dense
#: diagonalisation (exact up to round-off, and ~100x faster than stepping
#: expm_multiply for 64-256 states); larger ones step with expm_multiply.
SPECTRAL_MAX_DIM = 1024

TFIM_UNITS = {
    "time": "hbar/E",
    "magnetization_z": "1",
    "magnetization_x": "1",
    "correlation_zz": "1",
    "energy": "E",
    "couplings": "E",
    "theta": "rad",
    "phi": "rad",
}


def evolve_states(hamiltonian: sp.spmatrix | np.ndarray, psi0: np.ndarray, t_max: float, n_times: int) -> np.ndarray:
    """``exp(-i H t) psi0`` at ``t = linspace(0, t_max, n_times)``, shape ``(n_times, dim)``.

    ``hamiltonian`` is a Hermitian ``(dim, dim)`` matrix in E (sparse or
    dense), ``psi0`` a state of shape ``(dim,)``, ``t_max`` in hbar/E.

    Each grid step is split into ``n_sub`` equal sub-steps with
    ``||H tau||_1 <= MAX_STEP_NORM`` and every sub-step is one call of
    ``expm_multiply``: below that norm scipy chooses its Taylor degree from the
    exact 1-norm, whereas above it it calls ``onenormest``, which draws from
    numpy's *global* RNG (reproducibility would then depend on hidden state).
    """
    t_max, n_times = _time_grid(t_max, n_times)
    psi = np.asarray(psi0, dtype=np.complex128)
    if psi.ndim != 1 or hamiltonian.shape != (psi.shape[0], psi.shape[0]):
        raise ParameterError.invalid("psi0", psi.shape, f"a state vector matching the Hamiltonian {hamiltonian.shape}")
    H = sp.csr_matrix(hamiltonian, dtype=np.complex128)
    shift = abs(H.diagonal().sum()) / H.shape[0]  # expm_multiply shifts by trace/dim
    norm_bound = float(abs(H).sum(axis=0).max()) + shift
    dt = t_max / (n_times - 1)
    n_sub = max(1, int(np.ceil(dt * norm_bound / MAX_STEP_NORM)))
    generator = H * (-1j * dt / n_sub)
    states = np.empty((n_times, psi.shape[0]), dtype=np.complex128)
    states[0] = psi
    for k in range(1, n_times):
        for _ in range(n_sub):
            psi = expm_multiply(generator, psi, traceA=generator.diagonal().sum())
        states[k] = psi
    return states


def evolve_states_spectral(eigenvalues: np.ndarray, eigenvectors: np.ndarray, psi0: np.ndarray,
                           times: np.ndarray) -> np.ndarray:
    """``exp(-i H t) psi0`` from ``H = U diag(w) U^dagger``: ``U (exp(-i w t) * (U^dagger psi0))``,
    shape ``(n_times, dim)``.

    ``U`` is unitary, so the norm is kept to round-off at every time, and
    every ``t`` costs the same whatever its size (no time stepping).
    """
    coefficients = eigenvectors.conj().T @ np.asarray(psi0, dtype=np.complex128)
    phases = np.exp(-1j * np.outer(times, eigenvalues))
    return (phases * coefficients[None, :]) @ eigenvectors.T


def _draw(params: TFIMParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Couplings ``(n_traj, n_bonds)`` and Bloch angles ``theta``, ``phi`` ``(n_traj, n_spins)``."""
    shape_b = (params.n_trajectories, params.n_bonds)
    shape_s = (params.n_trajectories, params.n_spins)
    if params.random_couplings:
        w = params.coupling_disorder
        couplings = params.J * rng.uniform(1.0 - w, 1.0 + w, size=shape_b)
    else:
        couplings = np.full(shape_b, params.J)
    if params.initial_state == "random":
        theta = np.arccos(rng.uniform(-1.0, 1.0, size=shape_s))
        phi = rng.uniform(0.0, 2.0 * np.pi, size=shape_s)
    else:
        theta, phi = np.zeros(shape_s), np.zeros(shape_s)
    return couplings, theta, phi


def tfim_trajectories(params: TFIMParams, *, seed: int | np.random.Generator) -> Dataset:
    """Exact time series of the TFIM chain after a quench from product states.

    Returns a :class:`Dataset` with one row per trajectory (sample axis first):

    * ``time`` ``(n_traj, n_times)`` hbar/E: the grid, repeated on every row;
    * ``magnetization_z``, ``magnetization_x`` ``(n_traj, n_times, n_spins)``:
      ``<Z_i>(t)``, ``<X_i>(t)`` (Pauli, dimensionless, in [-1, 1]);
    * ``correlation_zz`` ``(n_traj, n_times, n_bonds)``: ``<Z_i Z_j>(t)``
      over the bonds ``(i, i+1)`` (and ``(N-1, 0)`` if periodic);
    * ``energy`` ``(n_traj, n_times)`` E: ``<H>(t)``, constant up to round-off;
    * ``couplings`` ``(n_traj, n_bonds)`` E: the bond couplings ``J_b``;
    * ``theta``, ``phi`` ``(n_traj, n_spins)`` rad: the initial Bloch angles.
    """
    if not isinstance(params, TFIMParams):
        raise ParameterError.invalid("params", params, "a TFIMParams")
    record = seed_record(seed)  # before the generator (if one) advances
    rng = np.random.default_rng(seed)
    couplings, theta, phi = _draw(params, rng)
    n, nt = params.n_trajectories, params.n_times
    out = {
        "magnetization_z": np.empty((n, nt, params.n_spins)),
        "magnetization_x": np.empty((n, nt, params.n_spins)),
        "correlation_zz": np.empty((n, nt, params.n_bonds)),
        "energy": np.empty((n, nt)),
    }
    spectral = 2**params.n_spins <= SPECTRAL_MAX_DIM
    shared_H = None if params.random_couplings else tfim_hamiltonian(
        params.n_spins, params.J, params.h, boundary=params.boundary)
    shared_eig = np.linalg.eigh(shared_H.toarray()) if spectral and shared_H is not None else None
    for k in range(n):
        H = shared_H if shared_H is not None else tfim_hamiltonian(
            params.n_spins, couplings[k], params.h, boundary=params.boundary)
        psi0 = product_state(theta[k], phi[k])
        if spectral:
            w, U = shared_eig if shared_eig is not None else np.linalg.eigh(H.toarray())
            states = evolve_states_spectral(w, U, psi0, params.times)
        else:
            states = evolve_states(H, psi0, params.t_max, nt)
        obs = chain_observables(states, params.n_spins, H, params.boundary)
        for name in out:
            out[name][k] = obs[name]
    arrays = {"time": np.tile(params.times, (n, 1)), **out, "couplings": couplings, "theta": theta, "phi": phi}
    attrs = provenance("quantum_dynamics.tfim", asdict(params), record)
    return Dataset(arrays, dict(TFIM_UNITS), attrs)
