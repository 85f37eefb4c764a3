"""physml.generative: exact normalisation of the samplers, sampling = log_prob, reverse-KL training against exact
free energies (Kaufman on a 4x4 torus, a Gaussian), the importance estimators and the double well's quadrature."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from physml.generative import (
    AutoregressiveIsing,
    DoubleWell,
    NeuralSplineFlow,
    RealNVP,
    importance_summary,
    ising_energy,
    reweighted_mean,
    rq_spline,
    seeded,
    train_autoregressive,
    train_flow,
)
from physml.sim.ising import energy_per_spin, kaufman_free_energy


def _perturbed(model: torch.nn.Module, seed: int, scale: float = 0.5) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return model.double()


@pytest.mark.parametrize("depth,z2", [(0, False), (1, True), (2, False)])
def test_autoregressive_model_is_normalised_over_all_states(depth, z2):
    # sum_s q(s) = 1 holds only if every output depends on earlier spins alone: a mask error breaks it
    model = _perturbed(seeded(lambda: AutoregressiveIsing(9, depth=depth, width=2, z2=z2), 0), 1)
    states = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=9)), dtype=torch.float64)
    total = torch.exp(model.log_prob(states)).sum().item()
    assert total == pytest.approx(1.0, abs=1e-12)
    if z2:
        torch.testing.assert_close(model.log_prob(states), model.log_prob(-states))


def test_autoregressive_sampling_draws_from_its_own_log_prob():
    # 5 sites, 32 states, 64,000 samples: each frequency within 5 binomial standard errors of exp(log_prob)
    model = _perturbed(seeded(lambda: AutoregressiveIsing(5, depth=2, width=3, z2=False), 2), 3, scale=1.0)
    s, log_q = model.sample(64_000, torch.Generator().manual_seed(4))
    torch.testing.assert_close(log_q, model.log_prob(s))
    codes = ((s > 0).long() * (2 ** torch.arange(5))).sum(1)
    freq = torch.bincount(codes, minlength=32).double() / len(codes)
    states = torch.tensor([[1.0 if (c >> k) & 1 else -1.0 for k in range(5)] for c in range(32)], dtype=torch.float64)
    p = torch.exp(model.log_prob(states))
    assert torch.all((freq - p).abs() <= 5 * torch.sqrt(p * (1 - p) / len(codes)) + 1e-4)


def test_ising_energy_matches_the_simulators_convention():
    rng = np.random.default_rng(0)
    s = rng.choice([-1, 1], size=(50, 6, 6)).astype(np.int8)
    e = ising_energy(torch.tensor(s.reshape(50, -1), dtype=torch.float64), 6).numpy() / 36
    np.testing.assert_allclose(e, energy_per_spin(s), atol=1e-12)


def test_flow_log_prob_inverts_sampling_and_is_normalised():
    flow = _perturbed(seeded(lambda: RealNVP(2, 4, 16), 0), 1, scale=0.3).requires_grad_(False)
    x, log_q = flow.sample(500, torch.Generator().manual_seed(2))
    torch.testing.assert_close(flow.log_prob(x), log_q, atol=1e-9, rtol=0)
    # the density integrates to 1 (trapezoid on a grid wide enough for the sampled spread)
    lim = 3 * float(x.abs().max())
    g = torch.linspace(-lim, lim, 301, dtype=torch.float64)
    gx, gy = torch.meshgrid(g, g, indexing="ij")
    dens = torch.exp(flow.log_prob(torch.stack([gx.ravel(), gy.ravel()], 1))).reshape(gx.shape)
    integral = torch.trapezoid(torch.trapezoid(dens, g, dim=1), g).item()
    assert integral == pytest.approx(1.0, abs=2e-3)


def test_flow_learns_a_gaussian_by_reverse_kl():
    # target N((1, -2), diag(0.5^2, 2^2)): ln Z = ln(2 pi * 0.5 * 2); an affine coupling stack can represent it exactly
    def energy(x):
        return 0.5 * (((x[:, 0] - 1) / 0.5) ** 2 + ((x[:, 1] + 2) / 2.0) ** 2)

    flow = seeded(lambda: RealNVP(2, 2, 8), 0)
    gen = torch.Generator().manual_seed(1)
    history = train_flow(flow, energy, steps=150, batch=128, lr=1e-2, generator=gen)
    assert np.all(np.isfinite(history))
    with torch.no_grad():
        x, log_q = flow.sample(10_000, gen)
        s = importance_summary((-energy(x) - log_q).double().numpy())
    assert s.ess > 0.9
    assert s.log_z == pytest.approx(math.log(2 * math.pi), abs=max(4 * s.log_z_stderr, 1e-3))
    assert s.variational >= -math.log(2 * math.pi) - 4 * s.log_z_stderr  # beta F_q >= beta F


def test_autoregressive_network_reaches_kaufmans_free_energy_on_a_4x4_torus():
    L, beta = 4, 0.44
    model = seeded(lambda: AutoregressiveIsing(L * L, depth=0), 0)
    gen = torch.Generator().manual_seed(1)
    train_autoregressive(model, lambda s: ising_energy(s, L), beta=beta, steps=300, batch=256, lr=1e-2, generator=gen)
    with torch.no_grad():
        s, log_q = model.sample(20_000, gen)
        log_w = (-beta * ising_energy(s, L) - log_q).double().numpy()
    summ = importance_summary(log_w)
    exact = -beta * L * L * kaufman_free_energy(L, 1 / beta)  # ln Z
    assert summ.ess > 0.5
    assert summ.log_z == pytest.approx(exact, abs=4 * summ.log_z_stderr + 1e-9)
    assert summ.variational >= -exact - 4 * summ.log_z_stderr  # variational bound beta F_q >= beta F
    assert summ.variational + exact < 0.05 * L * L * beta * 2  # and within a few per cent of it


def test_importance_estimators_on_known_weights():
    s = importance_summary(np.full(100, 3.0))
    assert s.ess == pytest.approx(1.0) and s.log_z == pytest.approx(3.0) and s.log_z_stderr == 0.0
    # one weight e^1, one e^0, rest none: ESS = (e + 1)^2 / (n (e^2 + 1))
    lw = np.array([1.0, 0.0] + [-800.0] * 8)
    assert importance_summary(lw).ess == pytest.approx((math.e + 1) ** 2 / (10 * (math.e**2 + 1)))
    mean, se = reweighted_mean(np.array([2.0, 4.0]), np.log([3.0, 1.0]))
    assert mean == pytest.approx(2.5) and se == pytest.approx(math.sqrt((0.75 * 0.5) ** 2 + (0.25 * 1.5) ** 2))
    with pytest.raises(ValueError):
        importance_summary(np.array([0.0, np.nan]))


def test_double_well_quadrature():
    assert DoubleWell(3.0, 0.0).free_energy_difference() == pytest.approx(0.0, abs=1e-12)
    well = DoubleWell(2.5, 0.5)
    x = np.linspace(-4, 4, 400_001)
    wx = np.exp(-(2.5 * (x * x - 1) ** 2 - 0.5 * x))
    dF = -math.log(np.trapezoid(wx[x >= 0], x[x >= 0]) / np.trapezoid(wx[x <= 0], x[x <= 0]))
    assert well.free_energy_difference() == pytest.approx(dF, abs=1e-8)
    assert well.log_partition() == pytest.approx(math.log(np.trapezoid(wx, x)) + 0.5 * math.log(2 * math.pi),
                                                 abs=1e-8)
    assert np.trapezoid(well.x_density(x), x) == pytest.approx(1.0, abs=1e-8)


def test_rational_quadratic_spline_is_monotone_with_exact_derivative_and_inverse():
    g = torch.Generator().manual_seed(5)
    K, n = 6, 2001
    w, h, d = (torch.randn(k, generator=g, dtype=torch.float64).expand(n, -1) for k in (K, K, K - 1))
    x = torch.linspace(-5, 5, n, dtype=torch.float64)
    y, log_det = rq_spline(x, w, h, d, 3.0)
    assert torch.all(torch.diff(y) > 0)  # monotone: invertible
    torch.testing.assert_close(y[x.abs() >= 3], x[x.abs() >= 3])  # identity outside [-bound, bound]
    eps = 1e-6  # central differences: error ~ eps**2 y''' / 6 inside a bin, ~eps y'' / 2 across a knot
    slope = (rq_spline(x + eps, w, h, d, 3.0)[0] - rq_spline(x - eps, w, h, d, 3.0)[0]) / (2 * eps)
    torch.testing.assert_close(torch.exp(log_det), slope, rtol=1e-5, atol=0)
    back, log_det_inv = rq_spline(y, w, h, d, 3.0, inverse=True)
    torch.testing.assert_close(back, x, atol=1e-10, rtol=0)
    torch.testing.assert_close(log_det_inv, -log_det, atol=1e-10, rtol=0)


def test_spline_flow_log_prob_inverts_sampling_and_is_normalised():
    flow = _perturbed(seeded(lambda: NeuralSplineFlow(2, 4, 16, 8), 0), 1, scale=0.1).requires_grad_(False)
    x, log_q = flow.sample(500, torch.Generator().manual_seed(2))
    torch.testing.assert_close(flow.log_prob(x), log_q, atol=1e-9, rtol=0)
    g = torch.linspace(-9, 9, 301, dtype=torch.float64)
    gx, gy = torch.meshgrid(g, g, indexing="ij")
    dens = torch.exp(flow.log_prob(torch.stack([gx.ravel(), gy.ravel()], 1))).reshape(gx.shape)
    assert torch.trapezoid(torch.trapezoid(dens, g, dim=1), g).item() == pytest.approx(1.0, abs=2e-3)
