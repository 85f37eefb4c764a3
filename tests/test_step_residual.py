"""The implicit-midpoint step residual vanishes as dt^2 on exact flows: heat modes (1D, 2D) and Burgers solver steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.physics.step_residual import mean_drift, step_residual


def _order(residual, dts) -> float:
    return float(np.polyfit(np.log(dts), np.log(residual), 1)[0])


@pytest.mark.parametrize("dim", [1, 2])
def test_heat_mode_residual_is_second_order(dim):
    n, alpha, t0 = 32, 0.3, 0.2
    x = 2 * np.pi * np.arange(n) / n
    shape = np.sin(3 * x) if dim == 1 else np.sin(3 * x)[:, None] * np.cos(2 * x)[None, :]
    rate = alpha * (9 if dim == 1 else 13)
    for dt in (0.2, 0.05, 0.0125):
        a, b = math.exp(-rate * t0), math.exp(-rate * (t0 + dt))
        got = step_residual("heat", (shape * a)[None], (shape * b)[None], dt, alpha=alpha)[0]
        # exactly: (b - a) / dt + rate (a + b) / 2 times the mode, = a rate^3 dt^2 / 12 + O(dt^3)
        exact = abs((b - a) / dt + rate * (a + b) / 2) * np.sqrt(np.mean(shape**2))
        assert got == pytest.approx(exact, rel=1e-9)
        assert got == pytest.approx(a * rate**3 * dt**2 / 12 * np.sqrt(np.mean(shape**2)), rel=rate * dt)
    assert mean_drift(shape[None], shape[None] * 0.5)[0] < 1e-12  # a mean-free mode stays mean-free


def test_burgers_solver_steps_residual_is_second_order():
    from physml.sim import fluids

    dts = np.array([0.1, 0.05, 0.025])
    res = []
    for dt in dts:
        p = fluids.BurgersParams(nu=0.1, n_grid=64, dt=1e-3, t_final=dt, n_save=1)
        u0 = np.sin(np.arange(64) * 2 * np.pi / 64)[None] + 0.3
        u = fluids.burgers_solve(u0, p)
        res.append(step_residual("burgers", u[0], u[-1], dt, nu=0.1)[0])
        assert mean_drift(u[0], u[-1])[0] < 1e-12
    assert _order(res, dts) == pytest.approx(2.0, abs=0.15)
    with pytest.raises(ParameterError, match="pde"):
        step_residual("maxwell", u[0], u[-1], 0.1)
