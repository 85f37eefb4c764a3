"""Sparse operators, product states and observables of a spin-1/2 chain.

Basis convention (the same as ``numpy.kron(op_0, op_1, ..., op_{N-1})``):
spin ``i`` is bit ``N - 1 - i`` of the basis index, bit 0 is ``Z = +1``
("up") and bit 1 is ``Z = -1`` ("down"). Pauli matrices (no factor 1/2), so
every magnetisation and correlator lies in [-1, 1]. Units: hbar = 1, energies
in E.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from physml.errors import ParameterError

from ._params import BOUNDARIES, MAX_SPINS, MIN_SPINS

__all__ = ["bonds", "z_signs", "tfim_hamiltonian", "product_state", "chain_observables"]


def bonds(n_spins: int, boundary: str = "open") -> np.ndarray:
    """Nearest-neighbour pairs ``(i, i+1)``, shape ``(n_bonds, 2)``; periodic adds ``(N-1, 0)``."""
    if boundary not in BOUNDARIES:
        raise ParameterError.invalid("boundary", boundary, f"one of {', '.join(repr(b) for b in BOUNDARIES)}")
    n_bonds = n_spins if boundary == "periodic" else n_spins - 1
    i = np.arange(n_bonds)
    return np.stack([i, (i + 1) % n_spins], axis=1)


def z_signs(n_spins: int) -> np.ndarray:
    """Eigenvalues of ``Z_i`` on every basis state, shape ``(n_spins, 2**n_spins)``, entries +-1."""
    index = np.arange(2**n_spins)
    bits = (index[None, :] >> (n_spins - 1 - np.arange(n_spins))[:, None]) & 1
    return (1 - 2 * bits).astype(np.float64)


def _flip_masks(n_spins: int) -> np.ndarray:
    """``index ^ mask[i]`` flips spin ``i`` (the action of ``X_i`` on the basis)."""
    return 1 << (n_spins - 1 - np.arange(n_spins))


def _check_spins(n_spins: object) -> int:
    if isinstance(n_spins, bool) or not isinstance(n_spins, numbers.Integral) or not MIN_SPINS <= n_spins <= MAX_SPINS:
        raise ParameterError.invalid("n_spins", n_spins, f"an integer in [{MIN_SPINS}, {MAX_SPINS}]")
    return int(n_spins)


def tfim_hamiltonian(n_spins: int, J: float | np.ndarray, h: float, *, boundary: str = "open") -> sp.csr_matrix:
    """``H = -sum_b J_b Z_i Z_j - h sum_i X_i`` as a sparse CSR matrix (energies in E).

    ``J`` is one coupling for every bond or an array of ``n_bonds`` couplings,
    in the order of :func:`bonds`. Built by bit manipulation: the ZZ part is
    diagonal, ``X_i`` maps basis index ``k`` to ``k ^ 2**(N-1-i)``.
    """
    n_spins = _check_spins(n_spins)
    pairs = bonds(n_spins, boundary)
    couplings = (np.broadcast_to(np.asarray(J, dtype=np.float64), (len(pairs),)) if np.ndim(J) == 0
                 else np.asarray(J, dtype=np.float64))
    if couplings.shape != (len(pairs),) or not np.all(np.isfinite(couplings)):
        raise ParameterError.invalid("J", J, f"a finite number or {len(pairs)} finite couplings (units E)")
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not np.isfinite(h):
        raise ParameterError.invalid("h", h, "a finite number (units E)")
    dim = 2**n_spins
    z = z_signs(n_spins)
    diagonal = -np.sum(couplings[:, None] * z[pairs[:, 0]] * z[pairs[:, 1]], axis=0)
    index = np.arange(dim)
    rows = [index]
    cols = [index]
    vals = [diagonal]
    if h != 0.0:
        for mask in _flip_masks(n_spins):
            rows.append(index)
            cols.append(index ^ mask)
            vals.append(np.full(dim, -float(h)))
    H = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim))
    return H.tocsr()


def product_state(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``kron_i (cos(theta_i/2) |up> + exp(i phi_i) sin(theta_i/2) |down>)``, shape ``(2**N,)``.

    ``theta`` (polar) and ``phi`` (azimuth) are Bloch angles in rad, shape
    ``(N,)``; the spin ``i`` has ``<Z_i> = cos theta_i``,
    ``<X_i> = sin theta_i cos phi_i``.
    """
    theta = np.asarray(theta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    if theta.ndim != 1 or theta.shape != phi.shape or not (np.all(np.isfinite(theta)) and np.all(np.isfinite(phi))):
        raise ParameterError.invalid("theta", theta, "finite 1-D Bloch angles (rad) of the same shape as phi")
    state = np.ones(1, dtype=np.complex128)
    for t, p in zip(theta, phi):
        state = np.kron(state, np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)]))
    return state


def chain_observables(states: np.ndarray, n_spins: int, hamiltonian: sp.spmatrix,
                      boundary: str = "open") -> dict[str, np.ndarray]:
    """Observables of ``states``, shape ``(n_times, 2**N)`` (normalised state vectors).

    Returns ``magnetization_z``, ``magnetization_x`` (``(n_times, N)``,
    ``<Z_i>``, ``<X_i>``), ``correlation_zz`` (``(n_times, n_bonds)``,
    ``<Z_i Z_j>`` over :func:`bonds`), ``energy`` (``(n_times,)``, E) and
    ``norm`` (``(n_times,)``, ``<psi|psi>``).
    """
    states = np.asarray(states)
    probs = np.abs(states) ** 2
    z = z_signs(n_spins)
    pairs = bonds(n_spins, boundary)
    mag_z = probs @ z.T
    corr = probs @ (z[pairs[:, 0]] * z[pairs[:, 1]]).T
    index = np.arange(states.shape[1])
    mag_x = np.stack([np.real(np.sum(np.conj(states) * states[:, index ^ m], axis=1))
                      for m in _flip_masks(n_spins)], axis=1)
    energy = np.real(np.sum(np.conj(states) * (hamiltonian @ states.T).T, axis=1))
    return {
        "magnetization_z": mag_z,
        "magnetization_x": mag_x,
        "correlation_zz": corr,
        "energy": energy,
        "norm": np.sum(probs, axis=1),
    }
