"""save_model / load_model: every zoo model comes back bit for bit in a fresh process, without pickle;
tampered, corrupt or missing files are refused with one-line DataErrors."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.special import ellipk
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from physml.errors import DataError, OutputExistsError, ParameterError
from physml.models import TorchRegressor, load_model, make_model, model_names, predict_with_std, save_model, zoo_name
from physml.models._skops_trust import TRUSTED_TYPES

G = 9.81
# these tests are about files, not fit quality: a GP's optimiser may stop at a bound on 40 samples
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def pendulum(n, seed):
    """Period [s] of a pendulum (length L [m], amplitude theta0 [rad]), timed with 0.5% noise."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0.2, 2.0, n), rng.uniform(0.1, 2.0, n)])
    T = 4.0 * np.sqrt(X[:, 0] / G) * ellipk(np.sin(X[:, 1] / 2) ** 2)
    return X, T * (1 + 0.005 * rng.standard_normal(n))


def pendulum_regime(n, seed):
    """Three classes of the same pendulum: period below 1.2 s, 1.2-2.2 s, above 2.2 s (string labels)."""
    X, T = pendulum(n, seed)
    return X, np.array(["short", "medium", "long"])[np.digitize(T, [1.2, 2.2])]


# the child process: no pickle, no torch.load; one thread like the parent; writes every output as .npy
CHILD = r"""
import json, pickle, sys
from pathlib import Path
import numpy as np, torch
def forbidden(*a, **k):
    raise AssertionError("pickle/torch.load used while loading a model")
pickle.load = pickle.loads = torch.load = forbidden
torch.set_num_threads(1)
from physml.models import load_model, predict_with_std
root = Path(sys.argv[1])
X = np.load(root / "X.npy", allow_pickle=False)
for d in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "out"):
    saved = load_model(d)
    est, out = saved.estimator, root / "out"
    assert saved.metadata["task"] in d.name and saved.zoo_name == saved.metadata["zoo"]
    np.save(out / f"{d.name}.predict.npy", np.asarray(est.predict(X)), allow_pickle=False)
    if hasattr(est, "predict_proba"):
        np.save(out / f"{d.name}.proba.npy", est.predict_proba(X), allow_pickle=False)
    std = predict_with_std(est, X)[1]
    if std is not None:
        np.save(out / f"{d.name}.std.npy", std, allow_pickle=False)
"""


def test_every_zoo_model_reloads_bit_for_bit_in_a_fresh_process(tmp_path):
    data = {"regression": pendulum(150, 0), "classification": pendulum_regime(150, 0)}
    X_new, _ = pendulum(64, 1)
    np.save(tmp_path / "X.npy", X_new)
    (tmp_path / "out").mkdir()
    expected = {}
    for task, (X, y) in data.items():
        for name in model_names(task):
            model = make_model(name, task, seed=7).fit(X, y)
            key = f"{task}-{name}"
            meta = {"task": task, "zoo": name, "feature_names": ["L [m]", "theta0 [rad]"], "target": "T [s]"}
            save_model(model, tmp_path / key, metadata=meta)
            expected[f"{key}.predict"] = np.asarray(model.predict(X_new))
            if hasattr(model, "predict_proba"):
                expected[f"{key}.proba"] = model.predict_proba(X_new)
            if predict_with_std(model, X_new)[1] is not None:
                expected[f"{key}.std"] = predict_with_std(model, X_new)[1]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = {p.name[:-4]: np.load(p, allow_pickle=False) for p in (tmp_path / "out").iterdir()}
    assert sorted(got) == sorted(expected)
    assert len([k for k in got if k.endswith(".predict")]) == 20 and "regression-gp.std" in got
    for key, value in expected.items():
        assert got[key].dtype == value.dtype and np.array_equal(got[key], value), key


def test_layout_metadata_and_zoo_name(tmp_path):
    X, y = pendulum(60, 2)
    mlp = make_model("mlp", "regression", epochs=5).fit(X, y)
    path = save_model(mlp, tmp_path / "mlp", metadata={"target": "T [s]"})
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "torch_estimator.json", "weights.safetensors"]
    info = json.loads((path / "model.json").read_text())
    assert info["estimator"] == "physml.models._torch_regressor.TorchRegressor" and info["zoo_name"] == "mlp"
    assert info["metadata"] == {"target": "T [s]"} and info["storage"] == "torch" and info["physml_version"]
    frame = pd.DataFrame(X, columns=["L [m]", "theta0 [rad]"])
    named = load_model(save_model(make_model("mlp", "regression", epochs=2).fit(frame, y), tmp_path / "named",
                                  metadata={})).estimator
    assert named.feature_names_in_.tolist() == ["L [m]", "theta0 [rad]"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same feature names: no warning
        named.predict(frame)
    gbt = make_model("gbt", "regression").fit(X, y)
    path = save_model(gbt, tmp_path / "gbt", metadata={})
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.skops"]
    saved = load_model(path)
    assert saved.zoo_name == "gbt" and zoo_name(saved.estimator) == "gbt" and saved.metadata == {}
    plain = make_pipeline(StandardScaler(), TorchRegressor(epochs=1)).fit(X, y)
    with pytest.raises(ParameterError, match="parameter 'model' must be a torch estimator on its own"):
        save_model(plain, tmp_path / "nested", metadata={})
    with pytest.raises(ParameterError, match="parameter 'model' must be a fitted estimator"):
        save_model(make_model("ridge", "regression"), tmp_path / "unfitted", metadata={})
    with pytest.raises(ParameterError, match="parameter 'metadata' must be JSON-serialisable"):
        save_model(gbt, tmp_path / "bad-meta", metadata={"x": np.float32(1.0)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gbt", "mlp", "named"]  # no half-written leftovers


def test_existing_output_is_refused_unless_force(tmp_path):
    X, y = pendulum(40, 3)
    a = make_model("ridge", "regression").fit(X, y)
    b = make_model("ridge", "regression", alpha=100.0).fit(X, y)
    save_model(a, tmp_path / "m", metadata={"v": 1})
    with pytest.raises(OutputExistsError, match="exists already; pass --force"):
        save_model(b, tmp_path / "m", metadata={"v": 2})
    assert load_model(tmp_path / "m").metadata == {"v": 1}
    save_model(b, tmp_path / "m", metadata={"v": 2}, force=True)
    assert load_model(tmp_path / "m").metadata == {"v": 2}
    assert np.array_equal(load_model(tmp_path / "m").estimator.predict(X), b.predict(X))
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def _rewrite_skops(path, edit) -> None:
    """Apply ``edit`` to the skops file's schema and, as an attacker would, fix the checksum in model.json."""
    skops = path / "model.skops"
    with zipfile.ZipFile(skops) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["schema.json"] = json.dumps(edit(json.loads(members["schema.json"]))).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    skops.write_bytes(buf.getvalue())
    info = json.loads((path / "model.json").read_text())
    info["files"]["model.skops"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (path / "model.json").write_text(json.dumps(_resealed(info)))


def _resealed(info: dict) -> dict:
    """``model.json`` with its own digest recomputed, as whoever edits a model folder can do."""
    from physml.models._persist import _info_digest

    return {**info, "description_sha256": _info_digest(info)}


def _inject(node):
    """Replace the first StandardScaler in the schema by a reference to ``os.system``."""
    if isinstance(node, dict):
        if node.get("__class__") == "StandardScaler":
            return {"__class__": "system", "__module__": "os", "__loader__": "FunctionNode", "__id__": 1}
        return {k: _inject(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inject(v) for v in node]
    return node


def test_tampered_skops_file_with_an_untrusted_type_is_refused(tmp_path):
    X, y = pendulum(40, 4)
    path = save_model(make_model("ridge", "regression").fit(X, y), tmp_path / "m", metadata={})
    (path / "model.skops").write_bytes((path / "model.skops").read_bytes() + b"x")
    with pytest.raises(DataError, match="model.skops' is corrupt or was modified \\(sha256 mismatch\\)"):
        load_model(path)
    path = save_model(make_model("ridge", "regression").fit(X, y), tmp_path / "m", metadata={}, force=True)
    _rewrite_skops(path, _inject)
    with pytest.raises(DataError, match="holds types physml does not trust: os.system; pass trusted="):
        load_model(path)
    assert "os.system" not in TRUSTED_TYPES


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "model.json").unlink(), "model.json' does not exist"),
    (lambda p: (p / "model.json").write_text("{oops"), "model.json' is not valid JSON"),
    (lambda p: (p / "model.json").write_text("{}"), "is not a physml model description"),
    (lambda p: (p / "model.skops").unlink(), "model.skops' is missing"),
    (lambda p: _rewrite_skops(p, lambda s: s["content"]), "could not be loaded|not a skops file"),
])
def test_damaged_model_directories_are_data_errors(tmp_path, damage, message):
    X, y = pendulum(40, 5)
    path = save_model(make_model("tree", "regression").fit(X, y), tmp_path / "m", metadata={})
    damage(path)
    with pytest.raises(DataError, match=message) as info:
        load_model(path)
    assert "\n" not in str(info.value)
    with pytest.raises(DataError, match="does not exist"):
        load_model(tmp_path / "nowhere")


def test_torch_weights_that_do_not_fit_the_network_are_data_errors(tmp_path):
    from safetensors.torch import load_file, save_file

    X, y = pendulum(40, 6)
    path = save_model(make_model("mlp", "regression", epochs=2, hidden=(8,)).fit(X, y), tmp_path / "m", metadata={})
    tensors = load_file(str(path / "weights.safetensors"))
    tensors["1.weight"] = torch.zeros(9, 2)
    save_file(tensors, str(path / "weights.safetensors"))
    info = json.loads((path / "model.json").read_text())
    info["files"]["weights.safetensors"] = hashlib.sha256((path / "weights.safetensors").read_bytes()).hexdigest()
    (path / "model.json").write_text(json.dumps(_resealed(info)))
    with pytest.raises(DataError, match="is not a loadable physml torch estimator: .*size mismatch"):
        load_model(path)


def test_allow_list_is_exactly_what_the_zoo_needs():
    """Every non-default type a zoo model's skops file names is on the allow-list, and nothing on it is unused
    except the standard GP kernels a user may pass."""
    import skops.io as sio

    X, y = pendulum(60, 7)
    needed = set()
    for task, yy in (("regression", y), ("classification", pendulum_regime(60, 7)[1])):
        for name in model_names(task):
            if name != "mlp":
                needed |= set(sio.get_untrusted_types(data=sio.dumps(make_model(name, task).fit(X, yy))))
    assert needed <= TRUSTED_TYPES
    extra = {t for t in TRUSTED_TYPES - needed if not t.startswith("sklearn.gaussian_process.kernels.")}
    assert extra == {"physml.learn._baselines.ThresholdClassifier"}


def test_field_models_and_physml_baselines_round_trip(tmp_path):
    """A lattice CNN (any_size) and the threshold baseline, on two Ising-like limits: aligned vs random spins."""
    from physml.learn import ThresholdClassifier
    from physml.models import PeriodicCNNFactory, TorchClassifier

    rng = np.random.default_rng(0)
    ordered = np.where(rng.random((40, 8, 8)) < 0.05, -1.0, 1.0) * rng.choice([-1.0, 1.0], size=(40, 1, 1))
    X = np.concatenate([ordered, rng.choice([-1.0, 1.0], size=(40, 8, 8))]).astype(np.float32)
    y = np.repeat([1, 0], 40)
    cnn = TorchClassifier(PeriodicCNNFactory((2,), flip_invariant=True), epochs=3, standardize=False,
                          any_size=True).fit(X, y)
    back = load_model(save_model(cnn, tmp_path / "cnn", metadata={"L": 8})).estimator
    X16 = rng.choice([-1.0, 1.0], size=(5, 16, 16)).astype(np.float32)
    assert np.array_equal(back.predict_proba(X16), cnn.predict_proba(X16))
    m = np.abs(X.mean(axis=(1, 2)))[:, None]  # |magnetisation|
    base = ThresholdClassifier().fit(m, y)
    assert np.array_equal(load_model(save_model(base, tmp_path / "thr", metadata={})).estimator.predict(m),
                          base.predict(m))
