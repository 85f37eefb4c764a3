"""PDE residual operators: ~0 on exact solutions written in torch, clearly non-zero on perturbed ones.

Tolerances: every residual is a sum of a few terms each computed by autograd to a few ulps of its own
size, so |residual| <= C * eps * (largest term) with C ~ 10-100; we allow 1e3 * eps * scale.
A perturbation of amplitude 1e-3 changes u_t alone by ~1e-3, so its residual RMS is >= 1e-4.
"""

from __future__ import annotations

import math

import pytest
import torch

from conftest import single_threaded
from physml.physics import Audit
from physml.physics.pde import (
    burgers_residual,
    check_residual,
    derivatives,
    divergence,
    heat_residual,
    navier_stokes_residual,
    residual_rms,
)

pytestmark = []
_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)
EPS = torch.finfo(torch.float64).eps


def _max(t: torch.Tensor) -> float:
    return float(t.detach().abs().max())


def _points(n: int, lows, highs, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    lo, hi = torch.tensor(lows, dtype=torch.float64), torch.tensor(highs, dtype=torch.float64)
    return lo + (hi - lo) * torch.rand(n, len(lows), generator=g, dtype=torch.float64)


def _shock(nu: float, amp: float = 1.0, c: float = 0.3, eps: float = 0.0):
    """Viscous shock u = c − A tanh(A (x − c t) / (2ν)) (travelling-wave solution of Burgers), + eps t sin(πx)."""
    def u(p):
        x, t = p[:, :1], p[:, 1:2]
        return c - amp * torch.tanh(amp * (x - c * t) / (2 * nu)) + eps * t * torch.sin(math.pi * x)
    return u


def _heat(alpha: float, dim: int, eps: float = 0.0):
    """u = exp(−dim α π² t) Π sin(π x_i) solves u_t = α ∇²u; + eps t² cos(x)."""
    def u(p):
        t = p[:, -1:]
        prod = torch.prod(torch.sin(math.pi * p[:, :dim]), 1, keepdim=True)
        return torch.exp(-dim * alpha * math.pi ** 2 * t) * prod + eps * t ** 2 * torch.cos(p[:, :1])
    return u


def _taylor_green(nu: float, eps: float = 0.0, div_only: bool = False):
    """Taylor–Green vortex u = cos x sin y F, v = −sin x cos y F, p = −(cos 2x + cos 2y) F² / 4, F = exp(−2νt).

    ``eps`` adds eps·sin(x) to u, which breaks both momentum and continuity (∂u/∂x gains eps·cos x)."""
    def f(p):
        x, y, t = p[:, :1], p[:, 1:2], p[:, 2:3]
        F = torch.exp(-2 * nu * t)
        u = torch.cos(x) * torch.sin(y) * F + eps * torch.sin(x)
        v = -torch.sin(x) * torch.cos(y) * F
        pr = -(torch.cos(2 * x) + torch.cos(2 * y)) * F ** 2 / 4
        return torch.cat([u, v] if div_only else [u, v, pr], 1)
    return f


@pytest.mark.parametrize("nu", [0.1, 0.01 / math.pi])
def test_burgers_residual_vanishes_on_viscous_shock(nu):
    pts = _points(2000, [-1, 0], [1, 1])
    r = burgers_residual(_shock(nu), pts, nu)
    _, du, d2u = derivatives(_shock(nu), pts, (0,))
    scale = max(_max(du), nu * _max(d2u), 1.0)  # the largest term of the equation
    assert _max(r) <= 1e3 * EPS * scale
    assert residual_rms(lambda p: burgers_residual(_shock(nu, eps=1e-3), p, nu), pts) >= 1e-4


def test_burgers_residual_trainable_viscosity_gets_gradient():
    nu = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
    pts = _points(200, [-1, 0], [1, 1])
    loss = burgers_residual(_shock(0.1), pts, nu).pow(2).mean()
    loss.backward()
    # the residual is ν_true u_xx − ν u_xx = (0.1 − ν) u_xx, so d loss/dν = −2 (0.1 − ν) mean(u_xx²) < 0
    assert nu.grad is not None and float(nu.grad) < 0


@pytest.mark.parametrize("dim", [1, 2])
def test_heat_residual_vanishes_on_fourier_mode(dim):
    alpha = 0.3
    pts = _points(1000, [-1] * dim + [0], [1] * dim + [1])
    r = heat_residual(_heat(alpha, dim), pts, alpha)
    scale = dim * alpha * math.pi ** 2  # |u_t| and |α ∇²u| are at most this (|u| <= 1)
    assert _max(r) <= 1e3 * EPS * scale
    assert residual_rms(lambda p: heat_residual(_heat(alpha, dim, eps=1e-3), p, alpha), pts) >= 1e-4


def test_heat_residual_detects_wrong_diffusivity():
    pts = _points(500, [-1, 0], [1, 1])
    # residual = (α_true − α) ∇²u; with α off by 10 % it is ~0.1 α π² |u|, far above round-off
    assert residual_rms(lambda p: heat_residual(_heat(0.3, 1), p, 0.33), pts) >= 1e-2


def test_navier_stokes_residuals_vanish_on_taylor_green():
    nu = 0.05
    pts = _points(1000, [0, 0, 0], [2 * math.pi, 2 * math.pi, 1])
    mx, my, cont = navier_stokes_residual(_taylor_green(nu), pts, nu)
    for r in (mx, my, cont):
        assert _max(r) <= 1e3 * EPS * 2.0  # every term is at most ~1 in size (|F| <= 1)
    assert _max(divergence(_taylor_green(nu, div_only=True), pts)) <= 1e3 * EPS
    bad = navier_stokes_residual(_taylor_green(nu, eps=1e-3), pts, nu)
    assert residual_rms(lambda p: bad[0], pts) >= 1e-4
    assert residual_rms(lambda p: bad[2], pts) >= 1e-4  # continuity: eps cos x, RMS eps/√2


def test_navier_stokes_detects_wrong_pressure_sign():
    nu = 0.05

    def wrong(p):
        out = _taylor_green(nu)(p)
        return torch.cat([out[:, :2], -out[:, 2:]], 1)

    pts = _points(500, [0, 0, 0], [2 * math.pi, 2 * math.pi, 1])
    mx, my, cont = navier_stokes_residual(wrong, pts, nu)
    # the pressure gradient balances u·∇u, of size ~1/2: with the wrong sign the residual is 2 ∇p
    assert residual_rms(lambda p: mx, pts) >= 0.1
    assert _max(cont) <= 1e3 * EPS


def test_check_residual_records_an_audit_check():
    nu = 0.1
    pts = _points(300, [-1, 0], [1, 1])
    a = Audit("shock")
    good = check_residual(a, "burgers_residual_rms", lambda p: burgers_residual(_shock(nu), p, nu), pts, 1e-8,
                          "exact solution")
    bad = check_residual(a, "perturbed_residual_rms", lambda p: burgers_residual(_shock(nu, eps=1e-2), p, nu),
                         pts, 1e-8, "perturbed")
    assert good.passed and not bad.passed and not a.passed


def test_residuals_reject_wrong_point_shapes():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        burgers_residual(_shock(0.1), torch.zeros(5, 3, dtype=torch.float64), 0.1)
    with pytest.raises(ValueError, match=r"\(N, 3\) = \(u, v, p\)"):
        navier_stokes_residual(_taylor_green(0.1, div_only=True), torch.zeros(5, 3, dtype=torch.float64), 0.1)
