"""The torch estimators keep scikit-learn's contract and learn physics; the periodic CNN keeps the lattice symmetry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from physml.errors import DataError, ParameterError, TrainingError
from physml.models import (
    MLPFactory,
    PeriodicCNN,
    PeriodicCNNFactory,
    TorchClassifier,
    TorchRegressor,
    load_torch_estimator,
)

# pyproject turns every warning into an error; the one expected here is scikit-learn's SkipTestWarning for the
# array-API checks it skips (SCIPY_ARRAY_API unset). No RuntimeWarning or UserWarning is raised, so none is ignored.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")


from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


# Every scikit-learn estimator check passes, at the default hyper-parameters: none is expected to fail.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {"TorchClassifier": {}, "TorchRegressor": {}}


@pytest.mark.third_party_global_rng
@parametrize_with_checks([TorchClassifier(), TorchRegressor()],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__])
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


# ---------------------------------------------------------------- TorchRegressor on free fall
G = 9.81  # m/s^2


def _free_fall(n, seed, noise=0.05):
    """Drop distance d = g t^2 / 2 [m] at times t [s], measured with Gaussian noise of `noise` m."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 2.0, n)
    return t[:, None], 0.5 * G * t**2 + noise * rng.standard_normal(n)


def _regressor(**kw):
    return TorchRegressor(MLPFactory((32, 32)), **{"epochs": 300, "lr": 1e-2, "batch_size": 32, **kw})


@pytest.fixture(scope="module")
def fall_model():
    X, y = _free_fall(300, seed=0)
    return _regressor().fit(X, y)


def test_regressor_learns_free_fall_to_the_noise_level(fall_model):
    t = np.linspace(0.05, 1.95, 200)[:, None]
    rmse = np.sqrt(np.mean((fall_model.predict(t) - 0.5 * G * t[:, 0] ** 2) ** 2))
    assert rmse < 0.05  # below the measurement noise: it learned the law, not the noise
    assert fall_model.predict(t).shape == (200,) and fall_model.predict(t).dtype == np.float64
    assert fall_model.best_epoch_ is not None and fall_model.n_iter_ >= fall_model.best_epoch_ + 1
    assert len(fall_model.validation_curve_) == fall_model.n_iter_


def test_regressor_input_gradient_is_the_velocity(fall_model):
    t = np.linspace(0.3, 1.7, 15)[:, None]
    v = fall_model.input_gradient(t)[:, 0]  # d(distance)/dt in m/s: the velocity g t, never seen in training
    assert np.allclose(v, G * t[:, 0], atol=0.5)  # 3% of the velocity range, from 5 cm noisy distances


def test_regressor_target_units_do_not_matter():
    """Standardised targets: the same fall in metres and in millimetres gives the same (scaled) model."""
    X, y = _free_fall(200, seed=1)
    metres = _regressor(epochs=30).fit(X, y)
    millimetres = _regressor(epochs=30).fit(X, 1000 * y)
    assert np.allclose(1000 * metres.predict(X), millimetres.predict(X), rtol=1e-4, atol=1e-2)


def test_regressor_multi_output_and_reproducibility():
    X, d = _free_fall(200, seed=2)
    Y = np.column_stack([d, G * X[:, 0]])  # distance and velocity
    a, b = _regressor(epochs=20, seed=3).fit(X, Y), _regressor(epochs=20, seed=3).fit(X, Y)
    c = _regressor(epochs=20, seed=4).fit(X, Y)
    assert a.predict(X).shape == (200, 2)
    assert np.array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_early_stopping_restores_the_best_weights():
    X, y = _free_fall(200, seed=5, noise=0.5)
    model = TorchRegressor(MLPFactory((64, 64)), epochs=60, lr=3e-2, patience=5).fit(X, y)
    best = int(np.argmin(model.validation_curve_))
    assert model.best_epoch_ == best and model.n_iter_ < 60
    net = model.module_
    val_idx = np.random.default_rng(model.seed)  # the split is the first draws of the seed's generator
    val_idx.integers(2**31)
    perm = val_idx.permutation(len(X))[: int(round(0.15 * len(X)))]
    with torch.no_grad():
        out = net(model._tensor(X[perm].astype(np.float32))).numpy()[:, 0]
    val_mse = np.mean((out - (y[perm] - model.y_mean_[0]) / model.y_scale_[0]) ** 2)
    assert val_mse == pytest.approx(model.validation_curve_[best], rel=1e-5)


def test_regressor_diverging_training_stops_with_advice():
    X, y = _free_fall(40, seed=0)

    class Diverging(torch.nn.Module):  # stands for a network whose loss became NaN
        def __init__(self, shape, n_out):
            super().__init__()
            self.lin = torch.nn.Linear(int(np.prod(shape)), n_out)

        def forward(self, x):
            return self.lin(x.flatten(1)) * float("nan")

    with pytest.raises(TrainingError, match=r"loss became nan at epoch 1 of 3; try a smaller lr \(now 0.001\)"):
        TorchRegressor(Diverging, epochs=3).fit(X, y)


@pytest.mark.parametrize("cls", [TorchClassifier, TorchRegressor])
@pytest.mark.parametrize("param, value, allowed", [
    ("epochs", 0, "an integer >= 1"), ("lr", -1.0, r"a number in \(0, inf\)"), ("batch_size", 2.5, "an integer >= 1"),
    ("lr", float("nan"), r"a number in \(0, inf\)"), ("weight_decay", -0.1, r"a number in \[0, inf\]"),
    ("validation_fraction", 1.0, r"a number in \[0, 1\)"), ("device", "tpu", "one of auto, cpu, cuda"),
    ("module", "mlp", "None or a callable"), ("epochs", True, "an integer >= 1"), ("seed", -1, "an integer in"),
    ("standardize", "yes", "true or false"), ("patience", 0, "an integer >= 1"),
    ("lr_schedule", "step", "one of constant, cosine, warmup-cosine")])
def test_bad_hyper_parameters_are_parameter_errors(cls, param, value, allowed):
    X, y = _free_fall(20, seed=0)
    with pytest.raises(ParameterError, match=f"parameter '{param}' must be {allowed}"):
        cls(**{param: value}).fit(X, (y > 5).astype(int) if cls is TorchClassifier else y)


def test_mlp_factory_validates():
    with pytest.raises(ParameterError, match="parameter 'activation' must be one of tanh, relu, gelu, silu"):
        MLPFactory(activation="sigmoid")
    with pytest.raises(ParameterError, match="parameter 'hidden'"):
        MLPFactory(hidden=(64, 0))


@pytest.mark.parametrize("cls", [TorchClassifier, TorchRegressor])
def test_save_and_load_torch_estimator_round_trip(tmp_path, cls):
    X, y = _free_fall(60, seed=0)
    if cls is TorchClassifier:
        y = np.where(y > 5.0, "far", "near")  # string classes keep their dtype
    model = cls(MLPFactory((8,)), epochs=3).fit(X, y)
    model.save(tmp_path / "m")
    back = load_torch_estimator(tmp_path / "m")
    assert type(back) is cls and back.get_params()["module"] == MLPFactory((8,))
    assert np.array_equal(back.predict(X), model.predict(X))
    assert back.loss_curve_ == model.loss_curve_
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(DataError, match="is not valid JSON"):
        load_torch_estimator(tmp_path / "m")


def test_saving_a_custom_network_factory_is_refused(tmp_path):
    X, y = _free_fall(30, seed=0)
    model = TorchRegressor(lambda shape, n: torch.nn.Linear(1, n), epochs=1).fit(X, y)
    with pytest.raises(ParameterError, match="parameter 'module' must be one of MLPFactory, PeriodicCNNFactory"):
        model.save(tmp_path / "m")


def test_progress_bar_and_device_choice(capsys):
    X, y = _free_fall(50, seed=0)
    TorchRegressor(epochs=2, progress=True).fit(X, y)
    assert "train" in capsys.readouterr().err
    assert TorchRegressor(epochs=1, device="auto").fit(X, y).device_.type in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="parameter 'device' must be 'cpu' or 'auto' on this machine"):
            TorchRegressor(epochs=1, device="cuda").fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_matches_cpu_closely():
    X, y = _free_fall(300, seed=0)
    cpu, gpu = _regressor(epochs=50).fit(X, y), _regressor(epochs=50, device="cuda").fit(X, y)
    assert np.allclose(cpu.predict(X), gpu.predict(X), atol=0.05)
    assert gpu.module_.training is False and next(gpu.module_.parameters()).is_cuda


def test_shared_torch_helpers_are_exported_and_the_split_is_seeded():
    from physml import models
    from physml.models import torch_utils

    for name in ("forked_torch_rng", "seeded_split", "train_module", "divergence_error", "check_params"):
        assert getattr(models, name) is getattr(torch_utils, name)
    train, val = models.seeded_split(20, 0.15, np.random.default_rng(4))
    assert len(val) == 3 and sorted(torch.cat([train, val]).tolist()) == list(range(20))
    np.testing.assert_array_equal(val.numpy(), np.random.default_rng(4).permutation(20)[:3])  # the rng's draw
    train, val = models.seeded_split(9, 0.5, np.random.default_rng(0))  # under 10 samples: nothing held out
    assert len(val) == 0 and len(train) == 9
    assert len(models.seeded_split(10, 0.99, np.random.default_rng(0))[0]) == 1  # one sample always trains
    err = models.divergence_error("validation", float("nan"), 4, 10, 1e-3, ", or fewer layers", unit="step")
    assert str(err) == ("training stopped: the validation loss became nan at step 5 of 10; "
                        "try a smaller lr (now 0.001), or fewer layers")


def test_torch_estimator_modules_import_no_cycle():
    import ast
    import pathlib

    import physml.models as pm

    root = pathlib.Path(pm.__file__).parent
    graph = {}
    for path in root.glob("_torch*.py"):
        tree = ast.parse(path.read_text())
        graph[path.stem] = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}
    assert "_torch_io" not in graph["_torch_classifier"] | graph["_torch_regressor"] | graph["_torch_state"]
    assert {"_torch_classifier", "_torch_regressor"} <= graph["_torch_io"]


def test_warmup_cosine_schedule_rises_linearly_then_falls_as_a_cosine():
    from physml.models.torch_utils import _scheduler

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2.0)
    sched = _scheduler(opt, "warmup-cosine", 200)  # 10 warm-up steps (5 %), then 190 of cosine
    lrs = []
    for _ in range(200):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    lrs = np.array(lrs)
    np.testing.assert_allclose(lrs[:11], 2.0 * (0.01 + 0.99 * np.arange(11) / 10), rtol=1e-9)
    np.testing.assert_allclose(lrs[10:], 1.0 + np.cos(np.pi * np.arange(190) / 190), rtol=1e-9, atol=1e-12)
    assert _scheduler(opt, "constant", 200) is None
