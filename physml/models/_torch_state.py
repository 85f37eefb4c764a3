"""Torch estimators to safetensors + JSON (the writing half; :mod:`._torch_io` reads them back).

The weights and the scaling arrays go to safetensors; the hyper-parameters
(the network factory by its registered name and fields) and the small fitted
attributes go to JSON. Only the factories in ``FACTORIES`` can be rebuilt, so a
file can never name code to run. This module does not import the estimator
classes (their ``save`` calls it); the reader, which builds them, does.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from sklearn.utils.validation import check_is_fitted

from .._io import atomic_output, check_output
from ..errors import DataError, ParameterError
from ._cnn import FieldCNNFactory, PeriodicCNNFactory
from ._fieldnets import PeriodicConvNetFactory, PeriodicUNetFactory
from ._mlp import MLPFactory
from ._operators import FNOFactory, ResidualPeriodicCNNFactory
from ._sequence import LSTMForecasterFactory, TransformerForecasterFactory
from ._torch_base import TorchEstimatorBase

__all__ = ["FACTORIES", "FORMAT", "ARRAY_PREFIX", "ARRAYS", "JSON_FITTED", "torch_state", "save_torch_estimator",
           "one_line", "read_json", "read_safetensors"]

FACTORIES = {f.__name__: f for f in (MLPFactory, PeriodicCNNFactory, FieldCNNFactory, LSTMForecasterFactory,
                                     TransformerForecasterFactory, FNOFactory, ResidualPeriodicCNNFactory,
                                     PeriodicConvNetFactory, PeriodicUNetFactory)}
FORMAT = "physml-torch-estimator"
ARRAY_PREFIX = "_physml_"  # the estimator's arrays; every other tensor is the network's state_dict, as saved
ARRAYS = ("mean_", "scale_", "y_mean_", "y_scale_")
JSON_FITTED = ("input_shape_", "n_features_in_", "loss_curve_", "validation_curve_", "best_epoch_", "n_iter_",
               "n_outputs_", "y_ndim_")


def _factory_json(module) -> dict | None:
    if module is None:
        return None
    name = type(module).__name__
    if FACTORIES.get(name) is not type(module):
        raise ParameterError.invalid("module", module, f"one of {', '.join(FACTORIES)} (or None) for a model "
                                     "saved without pickle; save the state_dict of a custom network yourself")
    return {"factory": name, "fields": {f.name: getattr(module, f.name) for f in dataclasses.fields(module)}}


def torch_state(est: TorchEstimatorBase) -> tuple[dict[str, torch.Tensor], dict]:
    """The safetensors tensors and the JSON config of a fitted torch estimator."""
    check_is_fitted(est, "module_")
    tensors = {k: v.detach().cpu().contiguous() for k, v in est.module_.state_dict().items()}
    tensors.update({ARRAY_PREFIX + a.rstrip("_"): torch.as_tensor(getattr(est, a)) for a in ARRAYS if hasattr(est, a)})
    params = est.get_params(deep=False)
    params["module"] = _factory_json(params["module"])
    fitted = {a: getattr(est, a) for a in JSON_FITTED if hasattr(est, a)}
    fitted["input_shape_"] = list(est.input_shape_)
    if hasattr(est, "classes_"):
        fitted["classes_"] = {"values": est.classes_.tolist(), "dtype": est.classes_.dtype.str}
    if hasattr(est, "feature_names_in_"):
        fitted["feature_names_in_"] = est.feature_names_in_.tolist()
    config = {"format": FORMAT, "format_version": 1, "estimator": type(est).__name__, "params": params,
              "fitted": fitted,
              # read by people and by scripts written for the first version of the format
              "module": repr(est.module), "input_shape": list(est.input_shape_), "standardize": est.standardize}
    if hasattr(est, "classes_"):
        config["classes"] = est.classes_.tolist()
    return tensors, json.loads(json.dumps(config))  # JSON types only (tuples become lists)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (at most 300 characters), for a DataError."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise DataError(f"weights file {str(path)!r} does not exist")
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise DataError(f"weights file {str(path)!r} is corrupt or not safetensors: {one_line(exc)}") from None


def read_json(path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"file {str(path)!r} is not valid JSON: {one_line(exc)}") from None
    if not isinstance(data, dict):
        raise DataError(f"file {str(path)!r} does not hold a JSON object")
    return data


def save_torch_estimator(est: TorchEstimatorBase, path: str | Path, *, force: bool = False) -> tuple[Path, Path]:
    """Write ``<path>.safetensors`` and ``<path>.json``, each atomically; refuse existing ones unless ``force``."""
    from safetensors.torch import save_file

    path = Path(path)
    weights, meta = path.with_suffix(".safetensors"), path.with_suffix(".json")
    tensors, config = torch_state(est)
    check_output(weights, force=force)
    check_output(meta, force=force)
    with atomic_output(weights, force=force) as tmp:
        save_file(tensors, str(tmp))
    with atomic_output(meta, force=force) as tmp:
        tmp.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return weights, meta


