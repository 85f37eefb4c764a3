"""TorchClassifier keeps scikit-learn's contract; the periodic CNN respects the lattice symmetry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from physml.errors import TrainingError
from physml.models import PeriodicCNN, PeriodicCNNFactory, TorchClassifier

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning",
                                        "ignore::sklearn.exceptions.SkipTestWarning")


@pytest.mark.third_party_global_rng
@parametrize_with_checks([TorchClassifier(epochs=5)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _two_phase_data(n=200, L=8, seed=0):
    """Ordered (all aligned, a few flipped spins) vs disordered (independent spins): T = 0+ and T = infinity limits."""
    rng = np.random.default_rng(seed)
    ordered = np.sign(rng.choice([-1, 1], size=(n // 2, 1, 1))) * np.where(rng.random((n // 2, L, L)) < 0.05, -1, 1)
    disordered = rng.choice([-1, 1], size=(n // 2, L, L))
    X = np.concatenate([ordered, disordered]).astype(np.float32)
    return X, np.repeat([1, 0], n // 2)


def test_cnn_classifier_learns_and_is_reproducible():
    X, y = _two_phase_data(n=400)
    make = lambda seed: TorchClassifier(PeriodicCNNFactory((4, 4)), epochs=40, lr=1e-2, standardize=False, seed=seed)  # noqa: E731
    a, b, c = make(0).fit(X, y), make(0).fit(X, y), make(1).fit(X, y)
    Xt, yt = _two_phase_data(seed=1)
    assert a.score(Xt, yt) >= 0.95
    assert np.array_equal(a.predict_proba(Xt), b.predict_proba(Xt))
    assert not np.array_equal(a.predict_proba(Xt), c.predict_proba(Xt))


def test_periodic_cnn_is_translation_invariant():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = PeriodicCNN(channels=(4, 4)).eval()
    x = torch.as_tensor(np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 12, 12)), dtype=torch.float32)
    with torch.no_grad():
        out, shifted = net(x), net(torch.roll(x, shifts=(3, 7), dims=(1, 2)))
    assert torch.allclose(out, shifted, atol=1e-5)


def test_diverging_training_stops_with_advice():
    X, y = _two_phase_data(n=40)

    class Diverging(torch.nn.Module):  # stands for a network whose loss became NaN
        def __init__(self, shape, n_out):
            super().__init__()
            self.lin = torch.nn.Linear(int(np.prod(shape)), n_out)

        def forward(self, x):
            return self.lin(x.flatten(1)) * float("nan")

    with pytest.raises(TrainingError, match="smaller lr"):
        TorchClassifier(Diverging, epochs=3, standardize=False).fit(X, y)


def test_save_is_safetensors_plus_json(tmp_path):
    from safetensors.numpy import load_file

    X, y = _two_phase_data(n=40)
    clf = TorchClassifier(PeriodicCNNFactory((2,)), epochs=1, standardize=False).fit(X, y)
    weights, meta = clf.save(tmp_path / "model")
    tensors = load_file(str(weights))
    assert "head.weight" in tensors and tensors["head.weight"].shape == (2, 2)
    assert json.loads(meta.read_text())["classes"] == [0, 1]


def test_periodic_cnn_flip_invariance_and_any_size():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = PeriodicCNN(channels=(4,), flip_invariant=True).eval()
        plain = PeriodicCNN(channels=(4,)).eval()
    x = torch.as_tensor(np.random.default_rng(1).choice([-1.0, 1.0], size=(4, 10, 10)), dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(net(x), net(-x), atol=1e-6)
        assert not torch.allclose(plain(x), plain(-x), atol=1e-3)  # not invariant without it


def test_any_size_classifier_reads_other_lattice_sizes():
    X, y = _two_phase_data(n=80, L=8)
    clf = TorchClassifier(PeriodicCNNFactory((2,)), epochs=2, standardize=False, any_size=True).fit(X, y)
    assert clf.predict_proba(_two_phase_data(n=10, L=16)[0]).shape == (10, 2)
    with pytest.raises(ValueError, match="expecting 8 features"):
        TorchClassifier(PeriodicCNNFactory((2,)), epochs=1, standardize=False).fit(X, y).predict(
            _two_phase_data(n=10, L=16)[0])
