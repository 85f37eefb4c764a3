"""Flow solvers against exact results: Burgers vs Cole-Hopf, Navier-Stokes vs Taylor-Green,
heat vs single Fourier modes; time/grid refinement orders; stability checks; data sets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.data import Dataset
from physml.errors import ParameterError
from physml.sim import fluids as fl

TWO_PI = 2.0 * math.pi


def _burgers_case(n):
    x = TWO_PI * np.arange(n) / n
    return x, np.sin(x) + 0.5 * np.cos(2 * x + 0.3)


def _rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# -- Burgers --------------------------------------------------------------------------------
def test_burgers_matches_cole_hopf_nu_0p1():
    """Must-show: relative L2 <= 1e-6 at nu = 0.1 (N = 256, dt = 1e-3: the 4th-order time error
    ~1e-9 * (1e-3 / 5e-3)^4 and the resolved spectrum put it near 1e-11)."""
    _, u0 = _burgers_case(256)
    p = fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=256, dt=1e-3, t_final=1.0, n_save=4)
    u = fl.burgers_solve(u0, p)
    ref = fl.burgers_exact_periodic(u0, p.times, 0.1, length=TWO_PI)
    errs = [_rel(u[i], ref[i]) for i in range(1, 5)]
    assert max(errs) <= 1e-6, errs


def test_burgers_time_order_four():
    """ETDRK4: halving dt divides the error by 2^4 = 16 (accept 12..20) while the spatial error
    (N = 256, ~4e-12) is negligible against the time error (>= 1e-9)."""
    _, u0 = _burgers_case(256)
    ref = fl.burgers_exact_periodic(u0, 1.0, 0.1, length=TWO_PI)
    e = [_rel(fl.burgers_solve(u0, fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=256, dt=dt, t_final=1.0,
                                                     n_save=1))[-1], ref) for dt in (0.01, 0.005)]
    assert 12 < e[0] / e[1] < 20, e


def test_burgers_grid_spectral_convergence():
    """Spectral accuracy: doubling N from 64 to 128 cuts the error by far more than any algebraic
    order would (a 2nd-order scheme: 4x); the solution is analytic, so the error falls geometrically."""
    errs = []
    for n in (64, 128):
        _, u0 = _burgers_case(n)
        ref = fl.burgers_exact_periodic(u0, 1.0, 0.1, length=TWO_PI)
        errs.append(_rel(fl.burgers_solve(u0, fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=n, dt=2e-3,
                                                               t_final=1.0, n_save=1))[-1], ref))
    assert errs[0] / errs[1] > 50, errs


def test_burgers_raissi_benchmark_against_quadrature():
    """burgers_exact_sine (heat-kernel quadrature) and the spectral solver agree at nu = 0.01/pi, where
    the shock is ~0.01 wide: N = 2048 resolves it (measured 4e-10 max difference at t = 0.5)."""
    nu = 0.01 / math.pi
    p = fl.BurgersParams(nu=nu, length=2.0, n_grid=2048, dt=2e-4, t_final=1.0, n_save=2)
    x = p.x  # the periodic grid on [0, 2): the same 2-periodic problem as on [-1, 1)
    u = fl.burgers_solve(-np.sin(math.pi * x), p)
    ex = fl.burgers_exact_sine(x[None, :], p.times[:, None], nu)
    assert np.abs(u - ex).max() < 1e-7


def test_burgers_conserves_mean():
    _, u0 = _burgers_case(64)
    u = fl.burgers_solve(u0 + 0.2, fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=64, dt=1e-2, t_final=1.0, n_save=3))
    assert np.abs(u.mean(axis=-1) - (u0.mean() + 0.2)).max() < 1e-13


def test_burgers_batch_equals_single():
    _, u0 = _burgers_case(64)
    p = fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=64, dt=1e-2, t_final=0.5, n_save=2)
    batch = fl.burgers_solve(np.stack([u0, 2 * u0]), p)
    np.testing.assert_allclose(batch[:, 1], fl.burgers_solve(2 * u0, p), rtol=0, atol=1e-13)


def test_burgers_unstable_dt_is_an_error():
    _, u0 = _burgers_case(128)
    with pytest.raises(ParameterError, match="'dt'.*CFL"):
        fl.burgers_solve(u0, fl.BurgersParams(nu=0.1, length=TWO_PI, n_grid=128, dt=0.1))


@pytest.mark.parametrize("field,value", [("nu", -0.1), ("nu", 0.0), ("n_grid", 63), ("n_grid", 4), ("dt", 0.0),
                                         ("t_final", -1.0), ("n_save", 0)])
def test_burgers_params_validated(field, value):
    with pytest.raises(ParameterError, match=f"'{field}'"):
        fl.BurgersParams(**{field: value})


def test_burgers_rejects_nan_and_wrong_grid():
    p = fl.BurgersParams(n_grid=16)
    u0 = np.zeros(16)
    u0[2] = np.nan
    with pytest.raises(ParameterError, match="'u0'"):
        fl.burgers_solve(u0, p)
    with pytest.raises(ParameterError, match="'u0'"):  # 17 points: the periodic end point included
        fl.burgers_solve(np.zeros(17), p)


# -- Navier-Stokes ----------------------------------------------------------------------------
@pytest.mark.parametrize("drag", [0.0, 0.1])
def test_taylor_green_decays_at_exact_rate(drag):
    """Must-show: Taylor-Green vorticity matches exp(-(2 nu k^2 + drag) t) to 1e-6 relative. The advection
    of this mode vanishes identically and the linear part is integrated exactly, so only round-off remains."""
    p = fl.NavierStokesParams(nu=0.05, n_grid=32, dt=0.02, t_final=2.0, n_save=4, drag=drag)
    w = fl.navier_stokes_solve(fl.taylor_green_vorticity(p, 0.0, wavenumber=2), p)
    for i, t in enumerate(p.times):
        ex = fl.taylor_green_vorticity(p, t, wavenumber=2)
        assert _rel(w[i], ex) <= 1e-6
    # and the decay rate fitted from the energy-norm ratio is the exact one
    rate = -math.log(np.linalg.norm(w[-1]) / np.linalg.norm(w[0])) / p.t_final
    assert rate == pytest.approx(2 * 0.05 * 4 + drag, rel=1e-6)


def _ns_initial(n=64):
    return fl.gaussian_random_field(1, n, TWO_PI, fl.GRFParams(sigma=5.0, tau=3.0, alpha=2.5), dim=2, seed=3)[0]


def test_navier_stokes_time_order_four():
    """Nonlinear flow from a random field: errors against a dt/8 reference fall 16x per halving (accept 12..20)."""
    w0 = _ns_initial()

    def run(dt):
        return fl.navier_stokes_solve(w0, fl.NavierStokesParams(nu=0.01, n_grid=64, dt=dt, t_final=1.0, n_save=1))[-1]

    ref = run(0.0025)
    e1, e2 = _rel(run(0.04), ref), _rel(run(0.02), ref)
    assert 12 < e1 / e2 < 20, (e1, e2)


def test_navier_stokes_velocity_divergence_free_and_energy_decays():
    w0 = _ns_initial(32)
    p = fl.NavierStokesParams(nu=0.02, n_grid=32, dt=0.05, t_final=2.0, n_save=4)
    w = fl.navier_stokes_solve(w0, p)
    u, v = fl.velocity_from_vorticity(w, TWO_PI)
    k = np.fft.fftfreq(32, 1 / 32)
    div = np.fft.ifft(1j * k[:, None] * np.fft.fft(u, axis=-2), axis=-2).real \
        + np.fft.ifft(1j * k[None, :] * np.fft.fft(v, axis=-1), axis=-1).real
    assert np.abs(div).max() < 1e-12 * np.abs(u).max()
    energy = (u**2 + v**2).mean(axis=(-2, -1))
    assert np.all(np.diff(energy) < 0)  # unforced: viscosity only removes energy
    assert np.abs(w.mean(axis=(-2, -1))).max() < 1e-13  # zero-mean vorticity stays zero mean


def test_navier_stokes_residual_of_solver_steps_is_small():
    """The implicit-midpoint residual of an exact step is O(dt^2): halving dt quarters it."""
    w0 = _ns_initial(32)
    res = []
    for dt in (0.02, 0.01):
        p = fl.NavierStokesParams(nu=0.01, n_grid=32, dt=dt / 4, t_final=dt, n_save=1, forcing="kolmogorov",
                                  forcing_amplitude=0.1)
        w = fl.navier_stokes_solve(w0, p)
        res.append(np.sqrt(np.mean(fl.vorticity_residual(w[0], w[1], p, dt) ** 2)))
    assert 3.5 < res[0] / res[1] < 4.5, res


def test_kolmogorov_steady_state_is_exact():
    """Laminar Kolmogorov flow w = A k_f cos(k_f y) / (nu k_f^2 + drag) is a steady solution."""
    p = fl.NavierStokesParams(nu=0.05, n_grid=32, dt=0.05, t_final=1.0, n_save=1, drag=0.1, forcing="kolmogorov",
                              forcing_amplitude=0.2, forcing_wavenumber=2)
    kf = 2.0
    ws = fl.forcing_field(p) / (p.nu * kf**2 + p.drag)
    w = fl.navier_stokes_solve(ws, p)
    assert _rel(w[-1], ws) < 1e-12


def test_navier_stokes_unstable_dt_is_an_error():
    p = fl.NavierStokesParams(nu=0.05, n_grid=32, dt=0.05, t_final=1.0, n_save=1)
    with pytest.raises(ParameterError, match="'dt'.*CFL"):
        fl.navier_stokes_solve(fl.taylor_green_vorticity(p, 0.0, wavenumber=2), p)


@pytest.mark.parametrize("field,value", [("nu", -1e-3), ("n_grid", 31), ("forcing", "wind"), ("drag", -1.0),
                                         ("forcing_wavenumber", 30)])
def test_navier_stokes_params_validated(field, value):
    with pytest.raises(ParameterError, match=f"'{field}'"):
        fl.NavierStokesParams(**{field: value})


# -- heat ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [1, 2])
def test_heat_spectral_mode_exact(dim):
    p = fl.DiffusionParams(kappa=0.5, length=1.0, n_grid=16, dim=dim, t_final=0.05, n_save=2)
    x = p.x
    mode = np.cos(TWO_PI * 3 * x) if dim == 1 else np.outer(np.cos(TWO_PI * 3 * x), np.sin(TWO_PI * 2 * x))
    k2 = (TWO_PI * 3) ** 2 + (0 if dim == 1 else (TWO_PI * 2) ** 2)
    u = fl.diffusion_solve(mode, p)
    for i, t in enumerate(p.times):
        np.testing.assert_allclose(u[i], mode * math.exp(-0.5 * k2 * t), atol=1e-14)


def test_heat_ftcs_amplification_and_second_order():
    """FTCS multiplies mode k per step by g = 1 - 4 r sin^2(k dx / 2) (to round-off), and at fixed
    r the error against exp(-kappa k^2 t) falls as dx^2 (ratio 4, accept 3.8..4.2)."""
    errs = []
    for n in (32, 64):
        p = fl.DiffusionParams(kappa=1.0, length=1.0, n_grid=n, dim=1, dt=0.25 / n**2, t_final=0.02, n_save=1,
                          scheme="ftcs")
        k, dx = TWO_PI * 2, 1.0 / n
        mode = np.sin(k * p.x)
        u = fl.diffusion_solve(mode, p)[-1]
        r = p.dt_effective / dx**2
        g = 1 - 4 * r * math.sin(k * dx / 2) ** 2
        np.testing.assert_allclose(u, mode * g ** (p.steps_per_save), atol=1e-13)
        errs.append(np.abs(u - mode * math.exp(-k**2 * p.t_final)).max())
    assert 3.8 < errs[0] / errs[1] < 4.2, errs


@pytest.mark.parametrize("dim", [1, 2])
def test_heat_ftcs_diffusion_number_checked(dim):
    n = 32
    r_max = 1 / (2 * dim)
    fl.DiffusionParams(kappa=1.0, n_grid=n, dim=dim, dt=r_max / n**2, t_final=1e-3, scheme="ftcs")  # at the limit: fine
    with pytest.raises(ParameterError, match="'dt'.*diffusion number"):
        fl.DiffusionParams(kappa=1.0, n_grid=n, dim=dim, dt=1.01 * r_max / n**2, t_final=1e-3, n_save=1, scheme="ftcs")


# -- random fields and data sets -----------------------------------------------------------------
def test_grf_variance_spectrum_and_seed():
    g = fl.GRFParams(sigma=2.0, tau=3.0, alpha=2.0)
    a = fl.gaussian_random_field(400, 64, TWO_PI, g, dim=1, seed=5)
    b = fl.gaussian_random_field(400, 64, TWO_PI, g, dim=1, seed=5)
    np.testing.assert_array_equal(a, b)
    # expected pointwise variance: sum over kept k != 0 of sigma^2 (k^2 + tau^2)^-alpha / length
    m = np.arange(-21, 22)
    m = m[m != 0]
    var = np.sum(4.0 * (m.astype(float) ** 2 + 9.0) ** -2.0) / TWO_PI
    # 400 samples x 64 points, strongly correlated: allow 15 %
    assert a.var() == pytest.approx(var, rel=0.15)
    assert np.abs(a.mean(axis=1)).max() < 1e-12  # zero-mean fields
    g2 = fl.gaussian_random_field(200, 32, 1.0, fl.GRFParams(sigma=1.0, tau=2.0, alpha=2.0), dim=2, seed=1)
    m2 = np.arange(-10, 11)
    k2 = (TWO_PI * m2[:, None]) ** 2 + (TWO_PI * m2[None, :]) ** 2
    var2 = np.sum(np.where(k2 > 0, (k2 + 4.0) ** -2.0, 0.0))
    assert g2.var() == pytest.approx(var2, rel=0.15)


def test_burgers_dataset_roundtrip(tmp_path):
    p = fl.BurgersParams(nu=0.1, length=1.0, n_grid=32, dt=5e-3, t_final=0.2, n_save=2)
    ds = fl.burgers_dataset(3, p, seed=7)
    assert ds["u"].shape == (3, 3, 32)
    again = fl.burgers_dataset(3, p, seed=7)
    np.testing.assert_array_equal(ds["u"], again["u"])
    for i in range(3):  # each trajectory is the exact solution of its own initial condition
        ref = fl.burgers_exact_periodic(ds["u"][i, 0], 0.2, 0.1, length=1.0)
        assert _rel(ds["u"][i, -1], ref) < 1e-6
    path = ds.save(tmp_path / "b.h5")
    back = Dataset.load(path)
    np.testing.assert_array_equal(back["u"], ds["u"])
    assert back.parameters["solver"]["nu"] == 0.1 and back.attrs["simulator"] == "fluids.burgers"
