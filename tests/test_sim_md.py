"""Lennard-Jones MD: conservation laws, forces as the gradient, thermostats, g(r), and the JZG equation of state."""

from __future__ import annotations

import json

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim import md
from physml.sim.md import _kernels as K


def _total_potential(pos: np.ndarray, L: float, r_cut: float, sf: bool) -> float:
    pi, pj = K.build_pairs(pos, L, r_cut)
    return K.pair_forces(pos, L, pi, pj, r_cut, np.zeros_like(pos), sf)[0]


@pytest.mark.parametrize("sf", [False, True])
def test_forces_are_minus_the_gradient_of_the_potential(sf):
    p = md.MDParams(n_particles=108, density=0.8)
    rng = np.random.default_rng(0)
    pos = md.fcc_lattice(108, p.box_length) + rng.normal(0, 0.05, (108, 3))
    pos %= p.box_length
    f = np.zeros_like(pos)
    pi, pj = K.build_pairs(pos, p.box_length, p.r_cut + 0.3)
    K.pair_forces(pos, p.box_length, pi, pj, p.r_cut, f, sf)
    h = 1e-6
    for i, a in [(0, 0), (17, 1), (63, 2), (107, 0)]:
        plus, minus = pos.copy(), pos.copy()
        plus[i, a] += h
        minus[i, a] -= h
        grad = (_total_potential(plus, p.box_length, p.r_cut, sf)
                - _total_potential(minus, p.box_length, p.r_cut, sf)) / (2 * h)
        # central difference: truncation O(h^2 u''') ~ 1e-10, round-off ~ eps |U| / h ~ 1e-8
        assert f[i, a] == pytest.approx(-grad, abs=1e-6)
    assert np.abs(f.sum(axis=0)).max() < 1e-10  # Newton's third law


def test_neighbour_list_matches_all_pairs_with_cell_lists():
    # N = 500 at density 0.8: L = 8.55, three cells of side >= r_list: the cell-list branch
    p = md.MDParams(n_particles=500)
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, p.box_length, (500, 3))
    pi, pj = K.build_pairs(pos, p.box_length, 2.8)
    d = pos[:, None] - pos[None]
    d -= p.box_length * np.rint(d / p.box_length)
    r = np.sqrt((d**2).sum(-1))
    iu = np.triu_indices(500, 1)
    expected = {(int(i), int(j)) for i, j, rr in zip(*iu, r[iu]) if rr < 2.8}
    assert set(zip(pi.tolist(), pj.tolist())) == expected


def test_initial_state_fcc_and_maxwell_boltzmann():
    p = md.MDParams(n_particles=108, temperature=1.3)
    s = md.LJSystem(p, seed=3)
    assert np.abs(s.momentum).max() < 1e-12
    assert s.temperature() == pytest.approx(1.3, rel=1e-12)
    # FCC nearest-neighbour distance a / sqrt(2), 12 neighbours
    a = p.box_length / 3
    d = s.pos[:, None] - s.pos[None]
    d -= p.box_length * np.rint(d / p.box_length)
    r = np.sort(np.sqrt((d**2).sum(-1)), axis=1)[:, 1:13]
    np.testing.assert_allclose(r, a / np.sqrt(2), rtol=1e-12)


def test_nve_conserves_energy_and_momentum():
    # the default shifted-force potential: with the plain shifted one the force jump at r_c adds an O(dt) random
    # walk per crossing (measured 1e-4 to 6e-4 per particle over 10,000 steps at T = 1); the continuous force removes it
    p = md.MDParams(n_particles=256, dt=0.005, steps=4000, sample_every=10, equilibration_steps=500)
    assert p.potential == "shifted-force"
    ds = md.simulate(p, seed=1)
    E, t = ds["total_energy"], ds["time"]
    drift = np.polyfit(t, E, 1)[0] * t[-1]
    # velocity Verlet: bounded fluctuation ~ dt^2 (measured ~1e-4 per particle at dt = 0.005), no secular drift
    assert abs(drift) < 1e-4 and np.abs(E - E[0]).max() < 1e-3
    assert np.abs(np.array(json.loads(ds.attrs["final_momentum"]))).max() < 1e-10  # sum of pair forces is zero


def test_energy_fluctuation_scales_as_dt_squared():
    # velocity Verlet's shadow Hamiltonian: |E - <E>| = O(dt^2). A large cut-off (3.4, force jump 0.005 vs 0.04 at
    # 2.5) keeps the O(dt) error of pairs crossing r_c below the O(dt^2) term across these dt.
    stds = []
    dts = (0.004, 0.002, 0.001)
    for dt in dts:
        p = md.MDParams(n_particles=256, dt=dt, steps=round(4 / dt), equilibration_steps=round(1 / dt), r_cut=3.4,
                        potential="shifted")
        ds = md.simulate(p, seed=1)
        E, t = ds["total_energy"], ds["time"]
        stds.append(np.std(E - np.polyval(np.polyfit(t, E, 1), t)))
    order = np.polyfit(np.log(dts), np.log(stds), 1)[0]
    assert 1.7 < order < 2.3, (order, stds)


@pytest.mark.parametrize("ensemble, target", [("berendsen", 1.5), ("langevin", 0.9)])
def test_thermostats_reach_the_target_temperature(ensemble, target):
    # from an FCC start at T = 1 (which melts to ~0.55 without a bath) to the bath temperature
    p = md.MDParams(n_particles=108, temperature=1.0, ensemble=ensemble, steps=3000, sample_every=10,
                    equilibration_steps=0)
    s = md.LJSystem(p, seed=4)
    s.run(1000, temperature=target)
    temps = []
    for _ in range(200):
        s.run(10, temperature=target)
        temps.append(s.temperature(ensemble))
    # canonical fluctuation of T_kin: T sqrt(2 / 3N) = 8 % per sample; the mean of 200 correlated samples ~1-2 %
    assert np.mean(temps) == pytest.approx(target, rel=0.04)
    if ensemble == "berendsen":
        assert np.abs(s.momentum).max() < 1e-10


def test_equation_of_state_and_rdf_against_jzg_1993():
    """rho = 0.8, T = 1.0: pressure and energy of the truncated-shifted fluid, corrected to the full potential,
    against Johnson, Zollweg & Gubbins (1993); JZG is accurate to ~1-2 % in P here, the run's error ~2 %."""
    p = md.MDParams(n_particles=256, density=0.8, temperature=1.0, ensemble="langevin", steps=4000,
                    sample_every=10, equilibration_steps=1000, frame_every=200, potential="shifted")
    ds, frames = md.simulate_frames(p, seed=5)
    T = ds["temperature"].mean()
    assert T == pytest.approx(1.0, rel=0.03)
    P = ds["pressure"].mean() + md.tail_pressure(0.8, 2.5)
    assert P == pytest.approx(md.jzg_pressure(0.8, T), abs=0.08)
    # undo the shift (u(r_c) for each pair inside r_c: about rho 4/3 pi r_c^3 / 2 pairs per particle), add the tail
    pairs = 0.8 * 4 / 3 * np.pi * 2.5**3 / 2
    U = ds["potential_energy"].mean() + pairs * K.lj_shift(2.5) + md.tail_energy(0.8, 2.5)
    assert U == pytest.approx(md.jzg_energy(0.8, T), rel=0.01)
    r, g = md.radial_distribution(frames, p.box_length, n_bins=60)
    assert g[r < 0.85].max() == 0.0  # the repulsive core
    assert 1.05 < r[np.argmax(g)] < 1.15 and 2.3 < g.max() < 3.0  # first shell near 2^(1/6); liquid peak height
    assert np.mean(g[r > 2.8]) == pytest.approx(1.0, abs=0.05)  # no structure at large r
    # g(r) against the published thermodynamics: energy and virial routes with the full potential (tails beyond
    # L/2 with g = 1) reproduce JZG; 60 bins of 0.057 sigma blur the first peak: ~1 % in U, ~0.15 in P
    U_g, P_g = md.energy_pressure_from_rdf(r, g, 0.8, T)
    assert U_g == pytest.approx(md.jzg_energy(0.8, T), rel=0.02)
    assert P_g == pytest.approx(md.jzg_pressure(0.8, T), abs=0.2)


def test_jzg_reduces_to_the_ideal_gas_and_matches_published_points():
    assert md.jzg_pressure(1e-6, 2.0) == pytest.approx(2e-6, rel=1e-3)
    # JZG (1993) give their fit's critical point as T_c = 1.313, rho_c = 0.310, P_c = 0.13
    assert md.jzg_pressure(0.310, 1.313) == pytest.approx(0.13, abs=0.01)


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_particles=100), "n_particles"),
    (dict(n_particles=32), "n_particles"),  # box 3.4 < 2 r_c
    (dict(density=0.0), "density"),
    (dict(density=-0.5), "density"),
    (dict(temperature=0.0), "temperature"),
    (dict(dt=0.0), "dt"),
    (dict(dt=0.05), "dt"),
    (dict(steps=0), "steps"),
    (dict(ensemble="npt"), "ensemble"),
    (dict(tau=0.001), "tau"),
    (dict(potential="morse"), "potential"),
])
def test_bad_parameters(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        md.MDParams(**kwargs)


@pytest.mark.parametrize("n", [108, 500, 864, 4000])  # 1, 3, 4 and 6 cells of side >= r_list along the box
def test_half_list_and_its_forces_match_the_flat_pair_list(n):
    p = md.MDParams(n_particles=n, density=0.8442)
    L = p.box_length
    pos = (md.fcc_lattice(n, L) + np.random.default_rng(n).normal(0, 0.1, (n, 3))) % L
    pi, pj = K.build_pairs(pos, L, 2.8)
    order, start, nbr = K.build_half_list(pos, L, 2.8)
    assert sorted(order.tolist()) == list(range(n)) and start[-1] == len(nbr) == len(pi)
    rows, cols = order[np.repeat(np.arange(n), np.diff(start))], order[nbr]  # list indices count in cell order
    assert set(zip(np.minimum(rows, cols).tolist(), np.maximum(rows, cols).tolist())) == set(zip(pi.tolist(),
                                                                                                 pj.tolist()))
    for sf in (False, True):
        f_ref, f = np.zeros_like(pos), np.zeros_like(pos)
        U_ref, W_ref, in_ref = K.pair_forces(pos, L, pi, pj, 2.5, f_ref, sf)
        U, W, inside = K.half_list_forces(pos[order], L, start, nbr, 2.5, f, sf, True)
        tol = 1e-9 * np.abs(f_ref).max()
        np.testing.assert_allclose(f, f_ref[order], rtol=0, atol=tol)  # summed in another order
        assert inside == in_ref and U == pytest.approx(U_ref, rel=1e-12) and W == pytest.approx(W_ref, rel=1e-12)
        assert K.half_list_forces(pos[order], L, start, nbr, 2.5, f, sf, False) == (0.0, 0.0, 0)
        np.testing.assert_allclose(f, f_ref[order], rtol=0, atol=tol)
