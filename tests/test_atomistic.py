"""physml.atomistic and the force-callable MD path: exact properties, not training quality.

The networks here are untrained (seeded) or trained for an epoch: what is asserted holds for any weights
(symmetry, forces = -grad E, the virial = the strain derivative, a closed loop does no work, the engine's
integrators reproduced bit for bit, save/load exact). How well a trained network does is the study's.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from physml.atomistic import DirectForceNet, LearnedPotential, SchNet, load_potential, symmetry_errors
from physml.errors import DataError, ParameterError
from physml.sim import md

N, RHO = 108, 0.8


def _potential(cls=SchNet, cutoff=2.5, seed=0, scale=1.0) -> LearnedPotential:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = cls(cutoff=cutoff, n_rbf=8, hidden=8, n_interactions=2)
    net.energy_scale.fill_(scale)
    if cls is DirectForceNet:
        net.force_scale.fill_(scale)
    return LearnedPotential(net, {"training_states": [[0.75, 1.0], [0.85, 1.0]]})


def _liquidish(seed=0, n=N, rho=RHO) -> tuple[np.ndarray, float]:
    L = (n / rho) ** (1 / 3)
    pos = md.fcc_lattice(n, L) + np.random.default_rng(seed).normal(0, 0.08, (n, 3))
    return pos % L, L


@pytest.mark.parametrize("ensemble", ["nve", "langevin"])
def test_force_field_system_with_the_lj_callable_is_the_engine(ensemble):
    # the same splitting, the same noise draws, the same pair forces: today bit for bit; the tolerance leaves
    # room for a kernel that sums pairs in another order (1e-16 rounding grows ~e^(lambda t) over 1.5 tau)
    p = md.MDParams(n_particles=N, ensemble=ensemble, steps=10)
    a = md.LJSystem(p, seed=3)
    b = md.ForceFieldSystem(p, md.lj_force_field(p), seed=3)
    a.run(300)
    b.run(300)
    np.testing.assert_allclose(b.pos, a.pos, atol=1e-8)
    np.testing.assert_allclose(b.vel, a.vel, atol=1e-8)
    np.testing.assert_allclose([b.U, b.W, b.pressure], [a.U, a.W, a.pressure], rtol=1e-9)


def test_forces_are_minus_the_energy_gradient_and_the_virial_its_strain_derivative():
    pot = _potential()
    pos, L = _liquidish()
    U, F, W = pot.evaluate(pos, L)
    h = 1e-5
    rng = np.random.default_rng(1)
    for a in rng.choice(N, 4, replace=False):
        for k in range(3):
            e = np.zeros_like(pos)
            e[a, k] = h
            fd = -(pot.evaluate(pos + e, L)[0] - pot.evaluate(pos - e, L)[0]) / (2 * h)
            assert fd == pytest.approx(F[a, k], abs=1e-7 * max(1.0, abs(F[a, k])))  # O(h^2) ~ 1e-10 here
    # W = -dU/d(eps) under x -> (1 + eps) x, L -> (1 + eps) L
    up, down = (pot.evaluate(pos * (1 + s), L * (1 + s))[0] for s in (h, -h))
    assert -(up - down) / (2 * h) == pytest.approx(W, abs=1e-6 * max(1.0, abs(W)))
    np.testing.assert_allclose(F.sum(axis=0), 0.0, atol=1e-12 * np.abs(F).max() * N)  # Newton's third law


@pytest.mark.parametrize("cls", [SchNet, DirectForceNet])
def test_energy_invariant_and_forces_equivariant_for_any_weights(cls):
    pos, L = _liquidish()
    errors = symmetry_errors(_potential(cls), pos, L, np.random.default_rng(0))
    assert set(errors) == {f"{s}_{w}" for s in ("translation", "permutation", "rotation_cubic", "rotation_free")
                           for w in ("energy", "forces")}
    assert max(errors.values()) < 1e-12  # float64 rounding only


def test_a_closed_loop_does_no_work_for_the_conservative_net_but_does_for_the_direct_one():
    # carry one atom of a free cluster around a circle of radius 0.1: the work of -grad E vanishes (the
    # midpoint rule on a smooth periodic integrand is exact to rounding), the direct head's field has a curl
    pos, L = _liquidish(2)
    d = pos - pos[0]
    d -= L * np.rint(d / L)
    cluster = d[np.linalg.norm(d, axis=1) < 2.0]
    theta = (np.arange(100) + 0.5) * 2 * np.pi / 100
    works = {}
    for cls in (SchNet, DirectForceNet):
        pot, work = _potential(cls, seed=4), 0.0
        for t in theta:
            p = cluster.copy()
            p[0] += 0.1 * np.array([np.cos(t), np.sin(t), 0.0])
            work += pot.evaluate(p, None)[1][0] @ (0.1 * np.array([-np.sin(t), np.cos(t), 0.0])) * (2 * np.pi / 100)
        works[cls.kind] = abs(work)
    force = np.abs(_potential(SchNet, seed=4).evaluate(cluster, None)[1][0]).max()
    assert works["conservative"] < 1e-10 * max(force, 1.0)
    assert works["direct"] > 1e3 * works["conservative"]


def test_nve_with_a_network_conserves_its_own_energy():
    # LJ plus an untrained smooth network (weak, so atoms stay apart), float64: no secular drift beyond the
    # LJ engine's own (velocity Verlet's error is O(dt^2) and bounded), and the fluctuation is the engine's
    p = md.MDParams(n_particles=N, ensemble="nve", steps=10, temperature=0.5)
    pot = _potential(scale=0.05)
    E = {}
    for name in ("lj", "lj+net"):
        lj = md.lj_force_field(p)
        ff = lj if name == "lj" else (
            lambda x, lj=lj: tuple(a + b for a, b in zip(lj(x), pot.evaluate(x, p.box_length))))
        s = md.ForceFieldSystem(p, ff, seed=0)
        s.run(40)
        E[name] = []
        for _ in range(20):
            s.run(3)
            E[name].append(s.kinetic + s.potential)
    t = np.arange(20)
    slope = np.polyfit(t, E["lj+net"], 1)[0] * 20
    assert abs(slope) < 1e-4
    assert np.std(E["lj+net"]) < 2 * np.std(E["lj"]) + 1e-6
    assert abs(np.mean(E["lj+net"]) - np.mean(E["lj"])) > 1e-3  # the network term is really there


def test_save_and_load_are_exact_and_a_modified_file_is_refused(tmp_path):
    pot = _potential(DirectForceNet)
    pos, L = _liquidish()
    pot.save(tmp_path / "m", metadata={"note": "x"})
    with pytest.raises(Exception, match="exists"):
        pot.save(tmp_path / "m")
    back = load_potential(tmp_path / "m")
    assert back.kind == "direct" and back.meta == pot.meta
    for a, b in zip(pot.evaluate(pos, L), back.evaluate(pos, L)):
        np.testing.assert_array_equal(a, b)
    info = json.loads((tmp_path / "m" / "potential.json").read_text())
    assert info["format"] == "physml-potential" and "pickle" not in (tmp_path / "m" / "potential.json").read_text()
    with open(tmp_path / "m" / "weights.safetensors", "r+b") as f:
        f.seek(-3, 2)
        f.write(b"xyz")
    with pytest.raises(DataError, match="sha256"):
        load_potential(tmp_path / "m")


def test_density_outside_the_training_range_names_the_distance():
    pot = _potential()
    assert pot.check_density(0.8) == 0.0
    with pytest.raises(ParameterError, match=r"0\.15 sigma\^-3 outside"):
        pot.check_density(1.0)
    with pytest.raises(ParameterError, match="cutoff"):
        _potential(cutoff=2.6).force_field(5.13)
    with pytest.raises(ParameterError, match="positions"):
        pot.evaluate(np.full((N, 3), np.nan), 5.13)
