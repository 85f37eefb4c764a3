"""FNO and the residual periodic CNN: shapes, the resolution consistency of the Fourier layer, periodic
translation equivariance, and the no-pickle save/load round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from conftest import single_threaded  # noqa: E402
from physml.models import FNO, FNOFactory, ResidualPeriodicCNNFactory, TorchRegressor, load_torch_estimator
from physml.models._operators import _SpectralConv
from physml.models._torch_io import FACTORIES

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def _band_limited(n_fine, n_modes, seed, dim=1, channels=3):
    """Random trigonometric polynomials with modes < n_modes, sampled on n_fine points per axis."""
    rng = np.random.default_rng(seed)
    x = 2 * math.pi * np.arange(n_fine) / n_fine
    f = np.zeros((2, channels) + (n_fine,) * dim)
    for k in range(n_modes):
        a, b = rng.standard_normal((2, 2, channels, 1))
        if dim == 1:
            f += (a * np.cos(k * x) + b * np.sin(k * x))[:, :, :]
        else:
            c = rng.standard_normal((2, channels, 1, 1))
            f += a[..., None] * np.cos(k * x)[None, None, :, None] \
                * np.cos((k + 1) % n_modes * x)[None, None, None, :] \
                + c * np.sin(k * x[:, None] + 2 * x[None, :])
    return torch.as_tensor(f, dtype=torch.float64)


@pytest.mark.parametrize("dim", [1, 2])
def test_spectral_layer_is_resolution_consistent(dim):
    """On a band-limited input the Fourier layer computes the same function on any grid holding its modes:
    the output on 2N points, sampled at every second point, equals the output on N points (to round-off)."""
    with torch.random.fork_rng(devices=[]):  # the layer's default init draws from the global generator
        layer = _SpectralConv(3, modes=4, dim=dim).double()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        layer.weight_re.copy_(torch.rand(layer.weight_re.shape, generator=g, dtype=torch.float64))
        layer.weight_im.copy_(torch.rand(layer.weight_im.shape, generator=g, dtype=torch.float64))
    fine = _band_limited(32, 6, seed=2, dim=dim)
    coarse = fine[..., ::2] if dim == 1 else fine[..., ::2, ::2]
    with torch.no_grad():
        out_f, out_c = layer(fine), layer(coarse)
    sub = out_f[..., ::2] if dim == 1 else out_f[..., ::2, ::2]
    assert torch.allclose(sub, out_c, atol=1e-12)
    assert out_c.abs().max() > 1e-3  # not trivially zero


def test_fno_shapes_and_any_grid():
    with torch.random.fork_rng(devices=[]):
        net = FNOFactory(dim=1, modes=4, width=8, layers=2)((2, 32), 32)
        net2 = FNOFactory(dim=2, modes=3, width=6, layers=2)((1, 16, 16), 2 * 256)
    x = torch.zeros(5, 2, 32)
    assert net(x).shape == (5, 32)
    assert net(torch.zeros(5, 2, 64)).shape == (5, 64)
    assert isinstance(net2, FNO) and net2(torch.zeros(3, 1, 16, 16)).shape == (3, 512)
    with pytest.raises(ValueError, match="n_outputs"):
        FNOFactory(dim=1)((1, 32), 33)


def test_residual_cnn_is_periodic_translation_equivariant():
    torch_gen = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        net = ResidualPeriodicCNNFactory(channels=(4,), kernel_size=3)((2, 12, 12), 144).double()
    x = torch.randn(3, 2, 12, 12, generator=torch_gen, dtype=torch.float64)
    with torch.no_grad():
        a = net(torch.roll(x, (3, 5), dims=(2, 3))).reshape(3, 12, 12)
        b = torch.roll(net(x).reshape(3, 12, 12), (3, 5), dims=(1, 2))
    assert torch.allclose(a, b, atol=1e-12)


def test_fno_regressor_learns_a_linear_operator_and_round_trips(tmp_path):
    """The heat semigroup exp(t d^2/dx^2) is a Fourier multiplier: a 1-layer FNO fits it closely; predictions
    on a 2x finer grid need no retraining; save/load (safetensors + JSON) gives the same numbers."""
    assert (FACTORIES["FNOFactory"] is FNOFactory
            and FACTORIES["ResidualPeriodicCNNFactory"] is ResidualPeriodicCNNFactory)
    rng = np.random.default_rng(0)
    n, t = 32, 0.05
    k = np.fft.rfftfreq(n, 1 / n)
    coef = (rng.standard_normal((300, 6)) + 1j * rng.standard_normal((300, 6))) / (1 + np.arange(6))
    spec = np.zeros((300, n // 2 + 1), complex)
    spec[:, 1:7] = coef * n
    X = np.fft.irfft(spec, n)
    Y = np.fft.irfft(spec * np.exp(-k**2 * t), n)
    est = TorchRegressor(FNOFactory(modes=8, width=16, layers=2), epochs=60, batch_size=20, lr=3e-3,
                         validation_fraction=0.0, standardize=False, standardize_target=False, any_size=True,
                         lr_schedule="cosine", seed=0).fit(X[:, None, :].astype(np.float32), Y)
    pred = est.predict(X[:50, None, :].astype(np.float32))
    rel = np.linalg.norm(pred - Y[:50]) / np.linalg.norm(Y[:50])
    identity = np.linalg.norm(X[:50] - Y[:50]) / np.linalg.norm(Y[:50])
    assert rel < 0.2 * identity, (rel, identity)
    # 2x grid: the same band-limited functions sampled twice as finely
    spec2 = np.zeros((50, n + 1), complex)
    spec2[:, 1:7] = coef[:50] * 2 * n
    X2 = np.fft.irfft(spec2, 2 * n)
    pred2 = est.predict(X2[:, None, :].astype(np.float32))
    assert pred2.shape == (50, 64)
    assert np.abs(pred2[:, ::2] - pred).max() < 0.05 * np.abs(Y[:50]).max()  # only the pointwise layers differ
    est.save(tmp_path / "fno")
    back = load_torch_estimator(tmp_path / "fno")
    np.testing.assert_array_equal(back.predict(X2[:, None, :].astype(np.float32)), pred2)


def test_predict_on_other_grid_needs_unscaled_targets():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 1, 16)).astype(np.float32)
    est = TorchRegressor(FNOFactory(modes=4, width=4, layers=1), epochs=1, standardize=False, standardize_target=True,
                         any_size=True, validation_fraction=0.0).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="standardize_target"):
        est.predict(rng.standard_normal((2, 1, 32)).astype(np.float32))
