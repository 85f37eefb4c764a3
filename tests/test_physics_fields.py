"""Grid snapshots as differentiable fields: exact solutions sampled on a grid give ~0 PDE residuals.

Error budget: trigonometric interpolation of a band-limited field (here: a few low Fourier modes) and its
derivatives is exact to round-off; cubic Lagrange in time through snapshots Δt apart errs in u_t by at most
~Δt³ max|∂⁴u/∂t⁴| (a crude bound with constant <= 1), i.e. ≲ 1e-6 for the decay rates below with Δt = 0.05.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from conftest import single_threaded
from physml.errors import ParameterError
from physml.physics.fields import PeriodicGridField
from physml.physics.pde import heat_residual, navier_stokes_residual, residual_rms

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)
TIMES = np.arange(21) * 0.05


def _points(n, dim, seed=0):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(n, dim + 1, generator=g, dtype=torch.float64)
    p[:, :dim] *= 2 * math.pi
    return p


def _heat_snapshots(alpha):
    x = np.arange(32) * 2 * math.pi / 32
    t = TIMES[:, None]
    u = np.exp(-alpha * t) * np.sin(x) + 0.5 * np.exp(-4 * alpha * t) * np.cos(2 * x)
    return u[:, None, :]


def test_heat_mode_on_a_grid_has_zero_residual_and_wrong_alpha_does_not():
    alpha = 0.1
    field = PeriodicGridField(_heat_snapshots(alpha), TIMES, 2 * math.pi)
    pts = _points(500, 1)
    with torch.no_grad():  # interpolation through the grid values is exact at any x and at the snapshot times
        x = pts[:, :1]
        at_snap = torch.cat([x, torch.full_like(x, 0.5)], 1)
        exact = math.exp(-alpha * 0.5) * torch.sin(x) + 0.5 * math.exp(-2 * alpha) * torch.cos(2 * x)
        assert float((field(at_snap) - exact).abs().max()) <= 1e-13
    # ∂⁴u/∂t⁴ <= (4α)^4 · 0.5 + α^4 ≈ 0.013: the time-interpolation error of u_t is ≲ 0.05³ · 0.013 ≈ 2e-6
    assert residual_rms(lambda p: heat_residual(field, p, alpha), pts) <= 1e-5
    # a 10 % wrong diffusivity leaves 0.01 ∇²u, of RMS ~ 0.01 · 1.4
    assert residual_rms(lambda p: heat_residual(field, p, 1.1 * alpha), pts) >= 1e-3


def _taylor_green_snapshots(nu, n=16, eps=0.0):
    g = np.arange(n) * 2 * math.pi / n
    X, Y = np.meshgrid(g, g, indexing="ij")
    F = np.exp(-2 * nu * TIMES)[:, None, None]
    u = np.cos(X) * np.sin(Y) * F + eps * np.sin(X)
    v = -np.sin(X) * np.cos(Y) * F
    p = -(np.cos(2 * X) + np.cos(2 * Y)) * F ** 2 / 4
    return np.stack([u, v, p], 1)


def test_taylor_green_snapshots_solve_navier_stokes_and_a_perturbed_rollout_does_not():
    nu = 0.1
    pts = _points(400, 2)
    field = PeriodicGridField(_taylor_green_snapshots(nu), TIMES, 2 * math.pi)
    mx, my, cont = navier_stokes_residual(field, pts, nu)
    assert float(cont.detach().abs().max()) <= 1e-12  # spatial derivatives of band-limited fields: exact
    # time interpolation: ∂⁴/∂t⁴ of F² = e^{-4νt} is (4ν)^4 ≈ 0.026: error in u_t ≲ 0.05³ · 0.026 ≈ 3e-6
    assert max(float(mx.detach().abs().max()), float(my.detach().abs().max())) <= 1e-5
    bad = PeriodicGridField(_taylor_green_snapshots(nu, eps=1e-3), TIMES, 2 * math.pi)
    # the perturbation eps·sin x has divergence eps·cos x: RMS eps/√2 ≈ 7e-4
    assert residual_rms(lambda p: navier_stokes_residual(bad, p, nu)[2], pts) >= 3e-4


@pytest.mark.parametrize("values, times, name", [(np.zeros((3, 1, 8)), TIMES[:3], "times"),
                                                 (np.zeros((21, 8)), TIMES, "values"),
                                                 (np.full((21, 1, 8), np.nan), TIMES, "values")])
def test_bad_snapshots_are_parameter_errors(values, times, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        PeriodicGridField(values, times, 1.0)
