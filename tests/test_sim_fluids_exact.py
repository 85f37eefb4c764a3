"""Cole-Hopf exact Burgers solutions: initial condition, agreement of the two independent
methods (Fourier series of the heat equation vs real-space heat-kernel quadrature), quadrature
convergence and the stated accuracy limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.fluids import burgers, burgers_exact_periodic, burgers_exact_sine


def test_sine_initial_condition_and_boundaries():
    x = np.linspace(-1, 1, 257)
    t = np.linspace(0, 1, 11)
    u = burgers_exact_sine(x[None, :], t[:, None], 0.01 / math.pi)
    assert u.shape == (11, 257)
    np.testing.assert_array_equal(u[0], -np.sin(math.pi * x))
    # u(+-1, t) = 0 by the odd symmetry of the weight: exact up to round-off of sin(pi)
    assert np.abs(u[:, [0, -1]]).max() < 1e-14
    # odd in x for all t
    np.testing.assert_allclose(u, -u[:, ::-1], atol=1e-12)


@pytest.mark.parametrize("nu", [0.1, 0.05])
def test_sine_matches_fourier_cole_hopf(nu):
    """Two different evaluations of the same exact solution; both are at round-off level
    (module docstring), so they agree to ~1e-12 (phi spans at most e^(1/(pi nu)) ~ 600 here)."""
    n = 128
    x = 2.0 * np.arange(n) / n  # periodic grid on [0, 2); -sin(pi x) is the same function
    t = np.array([0.0, 0.05, 0.3, 1.0, 2.0])
    ref = burgers_exact_periodic(-np.sin(math.pi * x), t, nu, length=2.0)
    got = burgers_exact_sine(x[None, :], t[:, None], nu)
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_sine_quadrature_converged_at_raissi_viscosity(monkeypatch):
    """Doubling the number of trapezoid points per peak width changes nothing beyond round-off."""
    nu = 0.01 / math.pi
    x = np.linspace(-1, 1, 64)[None, :]
    t = np.array([1e-3, 0.2, 0.5, 0.9, 1.0])[:, None]
    a = burgers_exact_sine(x, t, nu)
    monkeypatch.setattr(burgers, "_STEPS_PER_SIGMA", 16)
    b = burgers_exact_sine(x, t, nu)
    assert np.abs(a - b).max() < 1e-12
    # the shock at x = 0 has formed by t = 1/pi and stays there: u has the steepest slope at 0
    # with |u| < 1 everywhere (maximum principle)
    assert np.abs(a).max() <= 1.0


def test_periodic_galilean_shift_and_mean_conservation():
    """A constant c added to u0 shifts the solution by c t (Galilean invariance); the mean
    (momentum) is conserved."""
    n, length, nu, c = 256, 2 * math.pi, 0.1, 0.7  # fine enough for trigonometric interpolation to 1e-12
    x = length * np.arange(n) / n
    u0 = np.sin(x) + 0.3 * np.cos(2 * x)
    t = 0.8
    base = burgers_exact_periodic(u0, t, nu, length=length)
    moved = burgers_exact_periodic(u0 + c, t, nu, length=length)
    # base evaluated at x - c t by trigonometric interpolation (spectrally exact for the smooth solution)
    k = np.fft.rfftfreq(n, d=length / n) * 2 * math.pi
    shifted = np.fft.irfft(np.fft.rfft(base) * np.exp(-1j * k * c * t), n)
    np.testing.assert_allclose(moved, c + shifted, atol=1e-10)
    assert abs(base.mean() - u0.mean()) < 1e-13


def test_periodic_matches_burgers_pde_residual():
    """The returned field satisfies u_t + u u_x - nu u_xx = 0: spectral x-derivatives and a
    4th-order central difference in t (step 1e-3, error ~ h^4 u_ttttt ~ 1e-11)."""
    n, length, nu = 256, 2 * math.pi, 0.1  # resolves the solution: spectral derivatives at round-off
    x = length * np.arange(n) / n
    u0 = np.sin(x) - 0.5 * np.sin(3 * x + 1)
    t0, h = 0.5, 1e-3
    u = burgers_exact_periodic(u0, t0 + h * np.arange(-2, 3), nu, length=length)
    ut = (u[0] - 8 * u[1] + 8 * u[3] - u[4]) / (12 * h)
    k = np.fft.rfftfreq(n, d=length / n) * 2 * math.pi
    uk = np.fft.rfft(u[2])
    ux, uxx = np.fft.irfft(1j * k * uk, n), np.fft.irfft(-k**2 * uk, n)
    res = ut + u[2] * ux - nu * uxx
    assert np.abs(res).max() < 1e-8 * np.abs(ut).max() + 1e-9


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan")])
def test_bad_viscosity(bad):
    with pytest.raises(ParameterError, match="'nu'"):
        burgers_exact_sine(0.0, 0.5, bad)
    with pytest.raises(ParameterError, match="'nu'"):
        burgers_exact_periodic(np.sin(np.arange(8.0)), 0.5, bad)


def test_periodic_refuses_inaccurate_small_viscosity():
    """At nu = 0.001 with O(1) data phi spans ~e^1000: a clear error, not silent garbage."""
    x = 2 * math.pi * np.arange(64) / 64
    with pytest.raises(ParameterError, match="'nu'"):
        burgers_exact_periodic(np.sin(x), 0.5, 1e-3)


def test_nan_initial_condition():
    u0 = np.sin(np.arange(16.0))
    u0[3] = np.nan
    with pytest.raises(ParameterError, match="'u0'"):
        burgers_exact_periodic(u0, 0.5, 0.1)
