"""``physml.sim.quantum_dynamics`` against exact references.

Oracles: dense ``scipy.linalg.expm`` of a Hamiltonian built independently
with ``numpy.kron``; the single-spin precession ``<Z>(t) = cos(2 h t)``
(J = 0, all spins up); the RWA Rabi formula
``P_e = (Omega^2/Omega_gen^2) sin^2(Omega_gen t/2)``; conservation of norm and
energy under a time-independent Hamiltonian.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.linalg

import physml.sim.quantum_dynamics as qd
from physml.errors import ParameterError
from physml.sim.quantum_dynamics import (
    SPECTRAL_MAX_DIM,
    RabiParams,
    TFIMParams,
    chain_observables,
    evolve_states,
    evolve_states_spectral,
    evolve_two_level,
    product_state,
    rabi_excited_probability,
    rabi_trajectories,
    tfim_hamiltonian,
    tfim_trajectories,
)

X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)


def _site_op(op: np.ndarray, i: int, n: int) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for k in range(n):
        out = np.kron(out, op if k == i else np.eye(2))
    return out


def _dense_tfim(n: int, couplings: np.ndarray, h: float, periodic: bool) -> np.ndarray:
    H = np.zeros((2**n, 2**n), dtype=complex)
    pairs = [(i, (i + 1) % n) for i in range(n if periodic else n - 1)]
    for Jb, (i, j) in zip(couplings, pairs):
        H -= Jb * _site_op(Z, i, n) @ _site_op(Z, j, n)
    for i in range(n):
        H -= h * _site_op(X, i, n)
    return H


# -- public surface -------------------------------------------------------------
def test_all_is_consistent():
    exported = qd.__all__
    assert len(exported) == len(set(exported))
    for item in exported:
        assert hasattr(qd, item)
    defined = {n for n, o in vars(qd).items()
               if not n.startswith("_") and (inspect.isclass(o) or inspect.isfunction(o))}
    assert defined <= set(exported)


# -- TFIM chain -----------------------------------------------------------------
@pytest.mark.parametrize("periodic", [False, True])
def test_sparse_hamiltonian_and_evolution_match_dense_expm(periodic):
    n, h, t_max, n_times = 4, 0.8, 2.0, 9
    rng = np.random.default_rng(3)
    couplings = rng.uniform(0.5, 1.5, size=n if periodic else n - 1)
    boundary = "periodic" if periodic else "open"
    H = tfim_hamiltonian(n, couplings, h, boundary=boundary)
    H_dense = _dense_tfim(n, couplings, h, periodic)
    np.testing.assert_allclose(H.toarray(), H_dense, atol=1e-14)
    psi0 = product_state(np.arccos(rng.uniform(-1, 1, n)), rng.uniform(0, 2 * np.pi, n))
    states = evolve_states(H, psi0, t_max, n_times)
    for t, psi in zip(np.linspace(0, t_max, n_times), states):
        np.testing.assert_allclose(psi, scipy.linalg.expm(-1j * H_dense * t) @ psi0, atol=1e-10)
    obs = chain_observables(states, n, H, boundary)
    for k, psi in enumerate(states):
        for i in range(n):
            assert obs["magnetization_z"][k, i] == pytest.approx(
                np.real(psi.conj() @ _site_op(Z, i, n) @ psi), abs=1e-12)
            assert obs["magnetization_x"][k, i] == pytest.approx(
                np.real(psi.conj() @ _site_op(X, i, n) @ psi), abs=1e-12)
        zz = _site_op(Z, 0, n) @ _site_op(Z, 1, n)
        assert obs["correlation_zz"][k, 0] == pytest.approx(np.real(psi.conj() @ zz @ psi), abs=1e-12)


def test_free_spins_precess_as_cos_2ht():
    # J = 0: each spin sees -h X, so from |up> <Z_i>(t) = cos(2 h t), <X_i> = 0
    p = TFIMParams(n_spins=3, J=0.0, h=0.7, t_max=6.0, n_times=61, initial_state="up")
    d = tfim_trajectories(p, seed=0)
    expected = np.cos(2 * p.h * p.times)
    np.testing.assert_allclose(d["magnetization_z"][0], np.repeat(expected[:, None], 3, axis=1), atol=1e-10)
    np.testing.assert_allclose(d["magnetization_x"][0], 0.0, atol=1e-10)
    np.testing.assert_allclose(d["correlation_zz"][0], np.repeat(expected[:, None] ** 2, 2, axis=1), atol=1e-10)


def test_norm_and_energy_conserved_n10():
    n = 10
    rng = np.random.default_rng(7)
    H = tfim_hamiltonian(n, rng.uniform(0.5, 1.5, size=n), 1.1, boundary="periodic")
    psi0 = product_state(np.arccos(rng.uniform(-1, 1, n)), rng.uniform(0, 2 * np.pi, n))
    obs = chain_observables(evolve_states(H, psi0, 10.0, 41), n, H, "periodic")
    assert np.max(np.abs(obs["norm"] - 1.0)) < 1e-10
    assert np.max(np.abs(obs["energy"] - obs["energy"][0])) < 1e-8


def test_long_step_n12_is_exact_and_leaves_global_rng_alone():
    # ||H dt||_1 = 24 * 50 is far above scipy's exact-norm threshold; sub-stepping keeps
    # expm_multiply off onenormest (global RNG; the autouse conftest fixture checks it)
    p = TFIMParams(n_spins=12, J=1.0, h=1.0, t_max=50.0, n_times=2, initial_state="up")
    d = tfim_trajectories(p, seed=0)
    assert abs(d["energy"][0, 1] - d["energy"][0, 0]) < 1e-8
    assert d["energy"][0, 0] == pytest.approx(-11.0, abs=1e-12)  # all up, open chain: -J (N - 1)


def test_dataset_layout_bounds_and_reproducibility():
    p = TFIMParams(n_spins=5, J=1.0, h=0.5, t_max=3.0, n_times=16, boundary="open",
                   n_trajectories=3, random_couplings=True)
    a, b = tfim_trajectories(p, seed=11), tfim_trajectories(p, seed=11)
    assert a["magnetization_z"].shape == (3, 16, 5)
    assert a["magnetization_x"].shape == (3, 16, 5)
    assert a["correlation_zz"].shape == (3, 16, 4)
    assert a["energy"].shape == a["time"].shape == (3, 16)
    assert a["couplings"].shape == (3, 4) and np.all((a["couplings"] >= 0.5) & (a["couplings"] <= 1.5))
    assert a.units["energy"] == "E" and a.units["time"] == "hbar/E"
    assert a.attrs["simulator"] == "quantum_dynamics.tfim" and a.parameters["n_spins"] == 5
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["theta"], tfim_trajectories(p, seed=12)["theta"])
    for name in ("magnetization_z", "magnetization_x", "correlation_zz"):
        assert np.all(np.abs(a[name]) <= 1.0 + 1e-12)
    assert np.max(np.abs(a["energy"] - a["energy"][:, :1])) < 1e-8
    gen = tfim_trajectories(p, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(gen["magnetization_z"], a["magnetization_z"])


def test_spectral_evolution_matches_expm_multiply_stepping():
    # two exact methods, one diagonalisation and one Taylor-stepped exponential
    # at machine precision: they agree to round-off times the number of steps
    n = 6
    H = tfim_hamiltonian(n, np.linspace(0.6, 1.4, n - 1), 0.8, boundary="open")
    psi0 = product_state(np.linspace(0.2, 2.9, n), np.linspace(0.0, 5.0, n))
    w, U = np.linalg.eigh(H.toarray())
    times = np.linspace(0.0, 5.0, 26)
    np.testing.assert_allclose(evolve_states_spectral(w, U, psi0, times), evolve_states(H, psi0, 5.0, 26),
                               rtol=0, atol=1e-11)
    assert 2**8 <= SPECTRAL_MAX_DIM < 2**12  # the dataset uses both paths within the supported chain lengths


# -- two-level system -----------------------------------------------------------
@pytest.mark.parametrize("omega", [2.0, 1.7])  # resonant and detuned by 0.3
def test_rwa_matches_rabi_formula(omega):
    p = RabiParams(Delta=2.0, Omega=0.5, omega=omega, t_max=40.0, n_times=401, rwa=True)
    d = rabi_trajectories(p, seed=0)
    exact = rabi_excited_probability(p.times, p.Omega, p.detuning)
    assert np.max(np.abs(d["p_excited"][0] - exact)) < 1e-8
    np.testing.assert_allclose(d["sigma_x"] ** 2 + d["sigma_y"] ** 2 + d["sigma_z"] ** 2, 1.0, atol=1e-9)


def test_lab_frame_matches_piecewise_exact_exponentials():
    p = RabiParams(Delta=1.0, Omega=0.4, omega=1.0, t_max=5.0, n_times=6, rwa=False)
    psi0 = np.array([0.6, 0.8j])
    states = evolve_two_level(p, psi0)
    # midpoint-product of exact exponentials, step 1e-4: error O(dt^2) ~ 1e-8
    n_sub, dt = 10000, 1.0 / 10000
    psi, ref = psi0.astype(complex), [psi0]
    for k in range(5 * n_sub):
        tm = (k + 0.5) * dt
        H = 0.5 * p.Delta * Z + p.Omega * np.cos(p.omega * tm) * X
        psi = _expm2(H, dt) @ psi
        if (k + 1) % n_sub == 0:
            ref.append(psi)
    np.testing.assert_allclose(states, np.array(ref), atol=1e-7)


def _expm2(H: np.ndarray, dt: float) -> np.ndarray:
    """exp(-i H dt) for a traceless Hermitian 2x2 H = n.sigma (closed form)."""
    nz, nx = H[0, 0].real, H[0, 1].real
    norm = np.hypot(nz, nx)
    return np.cos(norm * dt) * np.eye(2) - 1j * np.sin(norm * dt) * H / norm


def test_rabi_dataset_random_states_reproducible_and_bounded():
    p = RabiParams(Delta=1.0, Omega=0.8, omega=1.2, t_max=10.0, n_times=50, n_trajectories=4,
                   initial_state="random")
    a, b = rabi_trajectories(p, seed=5), rabi_trajectories(p, seed=5)
    assert a["sigma_z"].shape == a["time"].shape == (4, 50) and a["theta"].shape == (4,)
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_allclose(a["sigma_z"][:, 0], np.cos(a["theta"]), atol=1e-12)
    for name in ("sigma_x", "sigma_y", "sigma_z"):
        assert np.all(np.abs(a[name]) <= 1.0 + 1e-9)


# -- validation -----------------------------------------------------------------
GOOD_TFIM = dict(n_spins=4, J=1.0, h=0.5, t_max=1.0, n_times=5)
GOOD_RABI = dict(Delta=1.0, Omega=0.5, omega=1.0, t_max=1.0, n_times=5)


@pytest.mark.parametrize("name, value", [
    ("n_spins", 1), ("n_spins", 13), ("n_spins", 4.0), ("n_spins", True),
    ("J", float("nan")), ("h", float("inf")), ("J", "1"),
    ("t_max", 0.0), ("t_max", -1.0), ("n_times", 1), ("n_times", 2.0),
    ("boundary", "closed"), ("n_trajectories", 0), ("random_couplings", 1),
    ("coupling_disorder", -0.1), ("initial_state", "down"),
])
def test_bad_tfim_params_name_the_parameter(name, value):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        TFIMParams(**{**GOOD_TFIM, name: value})


def test_periodic_needs_three_spins_and_time_step_positive():
    with pytest.raises(ParameterError, match="'n_spins'"):
        TFIMParams(**{**GOOD_TFIM, "n_spins": 2, "boundary": "periodic"})
    with pytest.raises(ParameterError, match="'n_times'"):
        TFIMParams(**{**GOOD_TFIM, "t_max": 5e-324, "n_times": 10})
    with pytest.raises(ParameterError, match="'J'"):
        tfim_hamiltonian(4, [1.0, np.nan, 1.0], 0.5)
    with pytest.raises(ParameterError, match="'J'"):
        tfim_hamiltonian(4, [1.0, 1.0], 0.5)


@pytest.mark.parametrize("name, value", [
    ("Delta", float("nan")), ("Omega", float("inf")), ("omega", -1.0), ("t_max", 0.0),
    ("n_times", 1), ("n_trajectories", 0), ("rwa", "yes"), ("initial_state", "excited"),
])
def test_bad_rabi_params_name_the_parameter(name, value):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        RabiParams(**{**GOOD_RABI, name: value})
