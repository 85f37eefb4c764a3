"""Torch estimators from safetensors + JSON: no pickle, nothing executed on load.

The reading half; :mod:`._torch_state` writes (and the estimators' ``save`` calls it, so the two never
import each other).

Only the factories in ``FACTORIES`` can be rebuilt, so a file can never name code to run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..device import resolve_device
from ..errors import DataError, ParameterError
from ._mlp import MLPFactory
from ._torch_base import TorchEstimatorBase
from ._torch_classifier import TorchClassifier
from ._torch_regressor import TorchRegressor
from ._torch_state import ARRAY_PREFIX, ARRAYS, FACTORIES, FORMAT, JSON_FITTED, one_line, read_json, read_safetensors
from .torch_utils import forked_torch_rng

__all__ = ["FACTORIES", "ESTIMATORS", "torch_from_state", "load_torch_estimator"]

ESTIMATORS = {"TorchClassifier": TorchClassifier, "TorchRegressor": TorchRegressor}


def _factory_from_json(spec: dict | None):
    if spec is None:
        return None
    cls = FACTORIES[spec["factory"]]
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec["fields"].items()})


def torch_from_state(tensors: dict[str, torch.Tensor], config: dict, *, device: str = "cpu",
                     source: str = "file") -> TorchEstimatorBase:
    """Rebuild a fitted torch estimator from :func:`torch_state`'s output; :class:`DataError` if it does not fit."""
    try:
        if config.get("format") != FORMAT:
            raise ValueError(f"format is {config.get('format')!r}, not {FORMAT!r}")
        params = dict(config["params"])
        params["module"] = _factory_from_json(params["module"])
        params["device"] = device
        est = ESTIMATORS[config["estimator"]](**params)
        fitted = dict(config["fitted"])
        if "classes_" in fitted:
            classes = fitted.pop("classes_")
            est.classes_ = np.array(classes["values"], dtype=np.dtype(classes["dtype"]))
        if "feature_names_in_" in fitted:
            est.feature_names_in_ = np.array(fitted.pop("feature_names_in_"), dtype=object)
        for name, value in fitted.items():
            if name not in JSON_FITTED:
                raise ValueError(f"unexpected fitted attribute {name!r}")
            setattr(est, name, value)
        est.input_shape_ = tuple(est.input_shape_)
        for a in ARRAYS:
            if ARRAY_PREFIX + a.rstrip("_") in tensors:
                setattr(est, a, tensors[ARRAY_PREFIX + a.rstrip("_")].numpy())
        est.device_ = resolve_device(device)
        factory = est.module if est.module is not None else MLPFactory()
        with forked_torch_rng(torch.device("cpu")):  # the initial weights drawn here are overwritten
            net = factory(est.input_shape_, est._n_outputs())
        net.load_state_dict({k: v for k, v in tensors.items() if not k.startswith(ARRAY_PREFIX)})
    except ParameterError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise DataError(f"{source} is not a loadable physml torch estimator: {one_line(exc)}") from None
    est.module_ = net.to(est.device_).eval()
    return est


def load_torch_estimator(path: str | Path, *, device: str = "cpu") -> TorchEstimatorBase:
    """Read back what ``TorchClassifier.save`` / ``TorchRegressor.save`` wrote (``path`` without suffix)."""
    path = Path(path)
    weights, meta = path.with_suffix(".safetensors"), path.with_suffix(".json")
    return torch_from_state(read_safetensors(weights), read_json(meta), device=device, source=str(meta))
