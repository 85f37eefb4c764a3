"""Forecasting windows, the sequence forecasters and the box CNN: structure, symmetry and learning on exact physics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import single_threaded  # noqa: E402
from physml.errors import ParameterError
from physml.learn import forecast_windows, persistence_forecast
from physml.models import (
    FieldCNN,
    FieldCNNFactory,
    LSTMForecaster,
    LSTMForecasterFactory,
    TorchRegressor,
    TransformerForecasterFactory,
    load_torch_estimator,
)
from physml.sim.quantum_dynamics import RabiParams, rabi_trajectories
from physml.sim.schrodinger import harmonic_potential, sample_potential, solve_2d

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def test_forecast_windows_are_consecutive_and_stay_inside_one_trajectory():
    n_traj, n_times, C = 3, 12, 2
    # each entry encodes (trajectory, time, channel), so any misplacement is visible
    series = (np.arange(n_traj)[:, None, None] * 1000 + np.arange(n_times)[None, :, None] * 10
              + np.arange(C)[None, None, :]).astype(float)
    X, Y = forecast_windows(series, window=4, horizon=3, stride=2)
    starts = np.arange(0, n_times - 4 - 3 + 1, 2)
    assert X.shape == (n_traj * len(starts), 4, C) and Y.shape == (n_traj * len(starts), 3, C)
    for row, (traj, s) in enumerate((t, s) for t in range(n_traj) for s in starts):
        np.testing.assert_array_equal(X[row], series[traj, s:s + 4])
        np.testing.assert_array_equal(Y[row], series[traj, s + 4:s + 7])
    P = persistence_forecast(X, 3)
    np.testing.assert_array_equal(P, np.repeat(X[:, -1:], 3, axis=1))


@pytest.mark.parametrize("kwargs, name", [({"window": 0, "horizon": 2}, "window"),
                                          ({"window": 10, "horizon": 5}, "window"),
                                          ({"window": 2, "horizon": 2.5}, "horizon"),
                                          ({"window": 2, "horizon": 2, "stride": 0}, "stride")])
def test_forecast_windows_bad_input(kwargs, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        forecast_windows(np.zeros((2, 12, 1)), **kwargs)
    with pytest.raises(ParameterError, match="'series'"):
        forecast_windows(np.zeros((12, 1)), 2, 2)


def test_residual_forecaster_starts_at_persistence_and_bounds_hold():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = LSTMForecaster(channels=3, n_outputs=6, hidden=8, residual=True, bounded=True)
    torch.nn.init.zeros_(net.head.weight), torch.nn.init.zeros_(net.head.bias)
    x = torch.tensor(np.random.default_rng(0).uniform(-1, 1, (5, 7, 3)), dtype=torch.float32)
    np.testing.assert_array_equal(net(x).detach().numpy(), x[:, -1:, :].repeat(1, 2, 1).reshape(5, 6).numpy())
    torch.nn.init.constant_(net.head.bias, 5.0)  # far outside [-1, 1]: clamped to the physical range
    assert torch.all(net(x) == 1.0)


@pytest.mark.parametrize("factory", [LSTMForecasterFactory(hidden=16), TransformerForecasterFactory(d_model=16)])
def test_forecasters_learn_rabi_oscillations_better_than_persistence(factory):
    # exact driven two-level dynamics (RWA) from random initial states: smooth, so a few
    # epochs must beat persistence, whose error at horizon k grows like k * |d<sigma>/dt| dt
    p = RabiParams(Delta=1.0, Omega=0.6, omega=1.0, t_max=30.0, n_times=151, n_trajectories=24,
                   rwa=True, initial_state="random")
    ds = rabi_trajectories(p, seed=3)
    series = np.stack([ds["sigma_x"], ds["sigma_y"], ds["sigma_z"]], axis=2)
    X, Y = forecast_windows(series[:18], 12, 6, stride=2)
    Xt, Yt = forecast_windows(series[18:], 12, 6)
    base = persistence_forecast(X, 6)
    model = TorchRegressor(factory, epochs=25, batch_size=64, lr=3e-3, validation_fraction=0.0,
                           standardize=False, standardize_target=True, seed=0)
    model.fit(X, (Y - base).reshape(len(Y), -1))
    pred = persistence_forecast(Xt, 6) + model.predict(Xt).reshape(Yt.shape)
    rmse = np.sqrt(np.mean((pred - Yt) ** 2, axis=(0, 2)))
    rmse_p = np.sqrt(np.mean((persistence_forecast(Xt, 6) - Yt) ** 2, axis=(0, 2)))
    assert np.all(rmse < 0.5 * rmse_p), (rmse, rmse_p)


def test_field_cnn_is_exactly_d4_invariant_like_the_spectrum():
    # the spectrum of -1/2 Laplacian + V in a square box is invariant under its 8 symmetries
    V = sample_potential("double_inverted_gaussian", 20.0, 24, seed=2)
    E = solve_2d(V, 20.0, 24, 1).energies[0]
    views = [np.rot90(V, r) for r in range(4)]
    views += [v[:, ::-1] for v in views]
    for v in views[1:]:
        assert abs(solve_2d(np.ascontiguousarray(v), 20.0, 24, 1).energies[0] - E) < 1e-9
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = FieldCNN(channels=(4, 8), hidden=8, d4_invariant=True)
        plain = FieldCNN(channels=(4, 8), hidden=8, d4_invariant=False)
    x = torch.tensor(np.stack([np.ascontiguousarray(v) for v in views]), dtype=torch.float32)
    out = net(x).detach().numpy().ravel()
    assert np.ptp(out) < 1e-5 * max(1.0, np.abs(out).max())
    assert np.ptp(plain(x).detach().numpy()) > 1e-4  # without the group average it is not invariant


def test_field_cnn_regressor_round_trip(tmp_path):
    X = np.stack([harmonic_potential(omega=w)(*np.meshgrid(np.linspace(-3, 3, 12), np.linspace(-3, 3, 12)))
                  for w in np.linspace(0.5, 1.5, 20)]).astype(np.float32)
    y = np.linspace(0.5, 1.5, 20)  # E0 = omega for the 2D oscillator
    model = TorchRegressor(FieldCNNFactory(channels=(4,), hidden=4, d4_invariant=True), epochs=2,
                           standardize=False, lr_schedule="cosine", validation_fraction=0.0).fit(X, y)
    model.save(tmp_path / "cnn")
    back = load_torch_estimator(tmp_path / "cnn")
    assert back.get_params()["module"] == model.get_params()["module"] and back.lr_schedule == "cosine"
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_field_cnn_augment_trains_on_one_view_per_sample_and_predicts_invariantly(tmp_path):
    V = np.stack([sample_potential("random", 20.0, 16, seed=s) for s in range(3)]).astype(np.float32)
    x = torch.tensor(V)[:, None]
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = FieldCNN(channels=(4, 8), hidden=8, d4_invariant=True, d4_training="augment")
    net.train()
    for call in range(8):  # sample i is shown in view (i + call) mod 8: all 8 views over 8 calls
        out = net(x).detach()
        views = torch.stack([FieldCNN._view(x[i:i + 1], (i + call) % 8)[0] for i in range(3)])
        torch.testing.assert_close(out, net._one(views).detach(), rtol=0, atol=0)
    net.eval()  # prediction: the mean over the group, exactly invariant
    rotated = torch.rot90(x, 1, dims=(2, 3)).flip(3)
    torch.testing.assert_close(net(rotated), net(x), rtol=1e-5, atol=1e-6)
    model = TorchRegressor(FieldCNNFactory(channels=(4,), hidden=4, d4_invariant=True, d4_training="augment"),
                           epochs=2, standardize=False, validation_fraction=0.0).fit(V, np.arange(3.0))
    model.save(tmp_path / "aug")
    np.testing.assert_array_equal(load_torch_estimator(tmp_path / "aug").predict(V), model.predict(V))
    with pytest.raises(ParameterError, match="parameter 'd4_training' must be one of average, augment"):
        FieldCNNFactory(d4_invariant=True, d4_training="random")
