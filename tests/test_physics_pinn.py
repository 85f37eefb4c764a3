"""PINN building blocks: collocation sampling, hard constraints, Adam + L-BFGS training, inverse coefficients."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import torch

from conftest import single_threaded
from physml.errors import ParameterError, TrainingError
from physml.physics.burgers_pinn import burgers_net, standard_grid
from physml.physics.pde import burgers_residual, derivatives
from physml.physics.pinn import AffineConstraint, PINNNet, PositiveParameter, TrainConfig, sample_points, train_pinn

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def test_latin_hypercube_puts_one_point_in_every_slab_of_every_axis():
    n = 50
    pts = sample_points(n, [(-1, 1), (0, 2)], seed=3)
    assert pts.shape == (n, 2)
    for j, (lo, hi) in enumerate([(-1, 1), (0, 2)]):
        slab = np.floor((pts[:, j] - lo) / (hi - lo) * n).astype(int)
        assert sorted(slab) == list(range(n))  # the defining property of a Latin hypercube
    np.testing.assert_array_equal(pts, sample_points(n, [(-1, 1), (0, 2)], seed=3))
    assert not np.array_equal(pts, sample_points(n, [(-1, 1), (0, 2)], seed=4))


def test_uniform_points_stay_in_the_box():
    pts = sample_points(1000, [(2, 3), (-5, -4), (0, 1)], seed=0, method="uniform")
    assert pts.shape == (1000, 3)
    assert np.all(pts.min(0) >= [2, -5, 0]) and np.all(pts.max(0) <= [3, -4, 1])


@pytest.mark.parametrize("kwargs, name", [({"n": 0}, "n"), ({"method": "sobol"}, "method"),
                                          ({"bounds": [(1, 0)]}, "bounds")])
def test_sample_points_rejects_bad_input(kwargs, name):
    args = {"n": 10, "bounds": [(0, 1)], "seed": 0, **kwargs}
    with pytest.raises(ParameterError, match=f"'{name}'"):
        sample_points(args.pop("n"), args.pop("bounds"), args.pop("seed"), **args)


def test_burgers_hard_constraint_holds_for_any_weights():
    net = burgers_net(8, 2, seed=5)
    x, t = standard_grid()
    ic = torch.tensor(np.column_stack([x, np.zeros_like(x)]))
    bc = torch.tensor(np.column_stack([np.r_[-np.ones_like(t), np.ones_like(t)], np.r_[t, t]]))
    with torch.no_grad():
        # u(x, 0) = −sin(πx) exactly, and u(±1, t) = −sin(±π) = O(1e-16)
        np.testing.assert_allclose(net(ic).numpy().ravel(), -np.sin(np.pi * x), atol=1e-15)
        assert float(net(bc).abs().max()) <= 1e-15


def _decay_terms(net, k, pts):
    def pde():
        u, du, _ = derivatives(net, pts)
        return (du[:, 0, :1] + k() * u).pow(2).mean()
    return pde


def test_adam_then_lbfgs_solves_an_ode_to_high_accuracy():
    """u' = −u, u(0) = 1 on [0, 2] with the hard constraint u = 1 + t·N(t): the PINN should reach exp(−t)
    to ~1e-5 (a smooth 1D problem; L-BFGS converges to near the network's approximation error)."""
    net = PINNNet(1, 1, width=16, depth=2, bounds=[(0, 2)], seed=0,
                  constraint=AffineConstraint(lambda p: torch.ones_like(p), lambda p: p))
    pts = torch.tensor(sample_points(64, [(0, 2)], seed=0))
    hist = train_pinn(net.parameters(), {"pde": _decay_terms(net, lambda: 1.0, pts)},
                      TrainConfig(adam_steps=200, adam_lr=1e-2, lbfgs_steps=300, log_every=50))
    tt = torch.linspace(0, 2, 101, dtype=torch.float64)[:, None]
    with torch.no_grad():
        err = float((net(tt) - torch.exp(-tt)).abs().max())
    assert err <= 1e-4
    assert hist.adam_iterations == 200 and 0 < hist.lbfgs_iterations <= 300
    assert hist.phase[0] == "adam" and hist.phase[-1] == "lbfgs" and hist.loss[-1] < hist.loss[0] * 1e-4
    assert set(hist.terms) == {"pde"}


def test_inverse_recovers_a_decay_rate_from_noisy_data():
    """u' = −k u with k unknown (log-parametrised, started 3x too large): data of exp(−0.7 t) with 1 % noise.
    With 40 samples the least-squares error of k is ~1e-2/√40 relative to the data scale: 2 % is generous."""
    rng = np.random.default_rng(0)
    t_obs = np.sort(rng.uniform(0, 2, 40))[:, None]
    u_obs = np.exp(-0.7 * t_obs) * (1 + 0.01 * rng.standard_normal(t_obs.shape))
    net = PINNNet(1, 1, width=16, depth=2, bounds=[(0, 2)], seed=1)
    k = PositiveParameter(2.1)
    pts = torch.tensor(sample_points(64, [(0, 2)], seed=1))
    to, uo = torch.tensor(t_obs), torch.tensor(u_obs)
    terms = {"pde": _decay_terms(net, lambda: k.value, pts), "data": lambda: (net(to) - uo).pow(2).mean()}
    train_pinn([*net.parameters(), k.log_value], terms, TrainConfig(adam_steps=300, adam_lr=1e-2, lbfgs_steps=300),
               weights={"data": 10.0})
    assert abs(float(k) - 0.7) / 0.7 <= 0.02


def test_nan_loss_stops_with_a_training_error():
    net = PINNNet(1, 1, width=4, depth=1, seed=0)
    with pytest.raises(TrainingError, match="NaN|nan"):
        train_pinn(net.parameters(), {"bad": lambda: net(torch.zeros(1, 1, dtype=torch.float64)).sum() * math.nan},
                   TrainConfig(adam_steps=5, lbfgs_steps=0, log_every=1))


def test_unknown_loss_weight_is_a_parameter_error():
    net = PINNNet(1, 1, width=4, depth=1, seed=0)
    with pytest.raises(ParameterError, match="'weights'"):
        train_pinn(net.parameters(), {"pde": lambda: net.raw(torch.zeros(1, 1, dtype=torch.float64)).sum()},
                   weights={"pdee": 1.0})


def test_same_seed_same_network_and_global_rng_untouched():
    a, b = burgers_net(10, 3, seed=7), burgers_net(10, 3, seed=7)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(next(a.parameters()), next(burgers_net(10, 3, seed=8).parameters()))


@pytest.mark.parametrize("kwargs, name", [({"adam_steps": -1}, "adam_steps"), ({"adam_lr": 0.0}, "adam_lr"),
                                          ({"lbfgs_history": 0}, "lbfgs_history")])
def test_train_config_rejects_bad_values(kwargs, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        TrainConfig(**kwargs)


def test_inverse_burgers_recovers_a_moderate_viscosity():
    """ν = 0.1 (a smooth solution): 300 exact Cole–Hopf samples with 1 % noise, ν started 3x too small.
    A small PINN pins ν to a few per cent in a few hundred iterations (the benchmark's ν = 0.01/π, with a
    shock, is the study's job)."""
    from physml.physics.burgers_pinn import fit_inverse
    from physml.sim.fluids.burgers import burgers_exact_sine

    rng = np.random.default_rng(0)
    x_obs = sample_points(300, [(-1, 1), (0, 1)], rng)
    u = burgers_exact_sine(x_obs[:, 0], x_obs[:, 1], 0.1)
    u_obs = u + 0.01 * np.std(u) * rng.standard_normal(u.size)
    fit = fit_inverse(x_obs, u_obs, nu_initial=0.033, width=16, depth=3, n_collocation=500, seed=0,
                      train=TrainConfig(adam_steps=300, adam_lr=3e-3, lbfgs_steps=300))
    assert abs(float(fit.nu) - 0.1) / 0.1 <= 0.03
    assert len(fit.nu_history) == len(fit.history.loss)


def test_refine_points_picks_the_largest_residuals():
    """Residual-based refinement returns, out of its candidates, the points where |residual| is largest."""
    from physml.physics.burgers_pinn import BURGERS_NU, refine_points
    from physml.physics.pde import burgers_residual

    net = burgers_net(8, 2, seed=0)
    picked = refine_points(net, BURGERS_NU, 20, 2000, seed=1)
    cand = sample_points(2000, [(-1, 1), (0, 1)], np.random.default_rng(1), method="uniform")
    res = burgers_residual(net, torch.tensor(cand), BURGERS_NU).detach().abs().numpy().ravel()
    r_picked = burgers_residual(net, torch.tensor(picked), BURGERS_NU).detach().abs().numpy().ravel()
    assert picked.shape == (20, 2)
    np.testing.assert_allclose(np.sort(r_picked), np.sort(res)[-20:], rtol=1e-12)


def _jet_cases():
    """A Burgers net (sine constraint), a 3-output net without constraint, and the ODE's constant-base constraint."""
    yield burgers_net(10, 3, seed=1), torch.tensor(sample_points(300, [(-1, 1), (0, 1)], seed=0)), (0,)
    net = PINNNet(3, 3, width=12, depth=3, bounds=[(0, 1), (-1, 1), (0, 2)], seed=2)
    yield net, torch.tensor(sample_points(200, [(0, 1), (-1, 1), (0, 2)], seed=1)), (0, 1)
    ode = PINNNet(1, 1, width=8, depth=2, bounds=[(0, 2)], seed=0,
                  constraint=AffineConstraint(lambda p: torch.ones_like(p), lambda p: p))
    yield ode, torch.tensor(sample_points(50, [(0, 2)], seed=0)), (0,)


def _assert_round_off(a: torch.Tensor, b: torch.Tensor) -> None:
    a, b = a.detach(), b.detach()
    assert float((a - b).abs().max()) <= 1e-12 * max(float(a.abs().max()), 1.0)


def test_jet_derivatives_and_their_gradient_agree_with_autograd():
    """Forward-propagated derivatives are the same numbers as nested autograd, up to float64 round-off (~1e-16 per
    operation over a few layers; a wrong tanh'' or constraint term would be off at the 1e-1 level)."""
    for net, pts, second in _jet_cases():
        ref, jet = derivatives(net, pts, second), derivatives(net, pts, second, method="jet")
        for a, b in zip(ref, jet):
            assert a.shape == b.shape
            _assert_round_off(a, b)
        loss_ref = sum(t.pow(2).sum() for t in ref)
        loss_jet = sum(t.pow(2).sum() for t in jet)
        params = list(net.parameters())
        for a, b in zip(torch.autograd.grad(loss_ref, params), torch.autograd.grad(loss_jet, params)):
            _assert_round_off(a, b)


def test_jet_method_errors():
    pts = torch.zeros(4, 2, dtype=torch.float64)
    with pytest.raises(ParameterError, match="method"):
        derivatives(burgers_net(4, 1, seed=0), pts, (0,), method="forward")
    with pytest.raises(ParameterError, match="jet"):
        derivatives(lambda p: p[:, :1] ** 2, pts, (0,), method="jet")


def _burgers_training(method, compile_, steps=(20, 10)):
    net = burgers_net(8, 2, seed=3)
    pts = torch.tensor(sample_points(200, [(-1, 1), (0, 1)], seed=4))
    terms = {"pde": lambda: burgers_residual(net, pts, 0.01 / math.pi, method=method).pow(2).mean()}
    return train_pinn(net.parameters(), terms, TrainConfig(adam_steps=steps[0], lbfgs_steps=steps[1], log_every=5),
                      compile=compile_)


def test_jet_training_follows_the_autograd_training():
    """Same losses at every logged step of Adam and L-BFGS, to float64 round-off amplified over 30 iterations."""
    ref, jet = _burgers_training("autograd", False), _burgers_training("jet", False)
    assert ref.iteration == jet.iteration == [5, 10, 15, 20, 25, 30]
    np.testing.assert_allclose(jet.loss, ref.loss, rtol=1e-10)
    assert ref.compile_seconds == jet.compile_seconds == 0.0


@pytest.mark.skipif(bool(os.environ.get("CI")), reason="torch.compile's first compile (inductor, gcc) takes 20-80 s "
                    "of CPU: too slow for CI; runs locally")
def test_compiled_training_matches_eager_and_autograd_falls_back(tmp_path, monkeypatch):
    """compile=True trains the same (fused kernels reorder float64 additions: round-off only, so 1e-10 after 30
    iterations); a loss with nested autograd cannot be compiled (double backward) and trains eagerly, with a warning."""
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    eager = _burgers_training("jet", False)
    compiled = _burgers_training("jet", True)
    assert compiled.compile_seconds > 0 and compiled.iteration == eager.iteration
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-10)
    assert (tmp_path / "inductor").is_dir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = _burgers_training("autograd", True, steps=(5, 0))
    assert any("training eagerly" in str(w.message) for w in caught)
    np.testing.assert_allclose(fallback.loss, _burgers_training("autograd", False, steps=(5, 0)).loss, rtol=1e-12)
