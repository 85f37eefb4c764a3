"""A saved field model applied to the arrays of an HDF5 file, written to a new HDF5 file (``physml predict``).

Any saved torch estimator whose input is a field (``input_shape_`` with a grid) qualifies: a model from
``physml train-field`` (its metadata names the input and output arrays and their shapes) or a study's surrogate
(the ``burgers-operator`` FNO, the CNNs of ``ising-phases``, ``fluid-cnn``, ``ground-state-energy``), whose input
array is named with ``input`` or is the file's only array. Every check comes before anything is written: the
array exists, its per-sample shape is the one the model reads (any grid size for resolution-independent models,
with the channel axis added when the model has one channel and the array none).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataError

__all__ = ["is_field_model", "predict_fields"]


def is_field_model(saved) -> bool:
    """Whether ``saved`` (a :class:`~physml.models.SavedModel`) reads fields rather than table rows."""
    if saved.metadata.get("kind") == "field":
        return True
    shape = getattr(saved.estimator, "input_shape_", None)
    return shape is not None and len(shape) >= 2 and not saved.metadata.get("feature_names")


def _input_array(saved, path: Path, input: str | None) -> tuple[np.ndarray, list[str]]:
    import h5py

    from .train_field import parse_specs, read_fields

    meta = saved.metadata
    if input:
        specs = parse_specs("--input", input)
    elif meta.get("input_arrays"):
        specs = parse_specs("--input", ",".join(meta["input_arrays"]))
    else:
        try:
            with h5py.File(path, "r") as f:
                names = [k for k, v in f.items() if isinstance(v, h5py.Dataset)]
        except OSError:
            raise DataError(f"cannot read {str(path)!r} as HDF5") from None
        if len(names) != 1:
            raise DataError(f"{str(path)!r} has arrays {', '.join(names) or 'none'}: name the model's input with "
                            "--input NAME")
        specs = parse_specs("--input", names[0])
    x, _, _ = read_fields(path, specs, "--input")
    return x, [str(s) for s in specs]


def _shaped(saved, x: np.ndarray, what: str) -> np.ndarray:
    """``x`` (n, C, ...) in the shape the network reads, or a DataError naming both shapes."""
    est, meta = saved.estimator, saved.metadata
    want = tuple(est.input_shape_)
    any_size = bool(getattr(est, "any_size", False) or meta.get("any_size"))
    if meta.get("window"):  # a sequence forecaster: (n, 1, window, *grid) -> (n, window, points)
        if x.shape[2:] != tuple(meta["input_shape"]):
            raise DataError(f"{what} has samples of shape {x.shape[2:]}; the model reads {tuple(meta['input_shape'])} "
                            f"(window of {meta['window']} snapshots)")
        return x[:, 0].reshape(len(x), meta["window"], -1)
    candidates = [x] + ([x[:, 0]] if x.shape[1] == 1 else [])
    for c in candidates:
        got = c.shape[1:]
        if got == want or (any_size and len(got) == len(want) and got[0] == want[0]):
            return c
    raise DataError(f"{what} has samples of shape {x.shape[1:] if x.shape[1] > 1 else x.shape[2:]}; the model reads "
                    f"{want}" + (" (any grid size)" if any_size else ""))


def predict_fields(saved, data: str | os.PathLike, output: str | os.PathLike, *, input: str | None = None,
                   force: bool = False) -> tuple[int, list[str]]:
    """Predict from ``data``'s input arrays and write ``output`` (HDF5, physml Dataset); returns (rows, arrays)."""
    from .._io import check_output
    from ..data import Dataset, provenance
    from ..models import TorchClassifier

    check_output(output, force=force)
    data = Path(data)
    x, names = _input_array(saved, data, input)
    xs = _shaped(saved, x, f"--input {','.join(names)} in {str(data)!r}")
    est, meta = saved.estimator, saved.metadata
    arrays, units = {}, {}
    if isinstance(est, TorchClassifier):
        arrays["prediction"] = np.asarray(est.predict(xs.astype(np.float32)))
        arrays["probability"] = np.asarray(est.predict_proba(xs.astype(np.float32)))
    else:
        pred = np.asarray(est.predict(xs.astype(np.float32)))
        grid = x.shape[2:] if not meta.get("window") else tuple(meta["output_shape"][1:])
        outs = meta.get("output_arrays") or ["prediction"]
        per = int(np.prod(grid)) if grid else 0
        if per and pred.ndim == 2 and pred.shape[1] == per * len(outs):
            pred = pred.reshape(len(pred), len(outs), *grid)
            for k, name in enumerate(outs):
                clean = name.split("[")[0] if name.count("[") else name
                arrays[clean if clean not in arrays else f"{clean}_{k}"] = pred[:, k]
                units[clean] = (meta.get("output_units") or ["1"] * len(outs))[k]
        else:
            arrays["prediction"] = pred
    attrs = provenance("physml.predict", {"model_metadata": {k: v for k, v in meta.items() if k != "data"},
                                          "input_file": str(data), "input_arrays": names}, None)
    Dataset(arrays, units, attrs).save(output, force=force)
    return len(x), list(arrays)
