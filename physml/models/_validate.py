"""Saved models checked on load for the invariants the code that runs them relies on, before any prediction.

A hash in ``model.json`` only says the files were not changed by accident: whoever can edit ``model.skops``
can recompute it. So every object rebuilt from a file is checked for what scikit-learn's compiled code
assumes without checking (it reads out of bounds, loops forever or answers wrongly otherwise):

* decision trees (``sklearn.tree._tree.Tree``, in trees, forests and gradient boosting) and histogram
  gradient-boosting predictors: node arrays of matching length, every child index in range and larger than
  its parent's (so there is no cycle), every split feature below the model's ``n_features_in_``, finite
  thresholds and leaf values;
* fitted arrays (``coef_``, ``intercept_``, scaler statistics, support vectors, GP training data, ...):
  finite, and shaped for ``n_features_in_`` features;
* ``classes_``: distinct, at least two;
* the archive itself before decompression: member count and declared sizes capped (a zip bomb is refused).

Each failure is one :class:`~physml.errors.DataError` naming the file and the broken invariant.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError

__all__ = ["check_archive", "check_estimator", "MAX_MEMBERS", "MAX_UNPACKED_BYTES", "MAX_RATIO"]

MAX_MEMBERS = 100_000
"""Most members a model archive may hold."""
MAX_UNPACKED_BYTES = 1024**3
"""Most bytes a model archive may unpack to (further capped by the memory budget)."""
MAX_RATIO = 100
"""Largest compression ratio of one member larger than 1 MiB (deflate bombs reach about 1000; arrays of
real fitted numbers compress by a few)."""

_FINITE_ARRAYS = ("coef_", "intercept_", "mean_", "scale_", "var_", "alpha_", "X_train_", "y_train_",
                  "support_vectors_", "dual_coef_", "_intercept_", "theta_", "class_prior_", "feature_importances_")


def check_archive(file: Path) -> None:
    """Refuse a zip archive with too many members or that would unpack to too much, reading only its directory."""
    from ..budget import check_memory, format_size

    try:
        with zipfile.ZipFile(file) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"model file {str(file)!r} is corrupt or not a zip archive ({exc})") from None
    if len(infos) > MAX_MEMBERS:
        raise DataError(f"model file {str(file)!r} holds {len(infos)} archive members (at most {MAX_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise DataError(f"model file {str(file)!r} would unpack to {format_size(total)} "
                        f"(at most {format_size(MAX_UNPACKED_BYTES)}): refused before decompressing")
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise DataError(f"model file {str(file)!r}: member {i.filename!r} would unpack to "
                            f"{format_size(i.file_size)} from {format_size(i.compress_size)} (a ratio over "
                            f"{MAX_RATIO}, a zip bomb?): refused before decompressing")
    check_memory(f"loading {str(file)!r}", 3.0 * total, f"it unpacks to {format_size(total)}")


def _fail(source: str, what: str) -> DataError:
    return DataError(f"model file {source!r} is inconsistent: {what}; it was crafted or damaged, refusing to use it")


def _check_tree(tree, n_features: int | None, source: str, where: str) -> None:
    n = int(tree.node_count)
    left, right = np.asarray(tree.children_left), np.asarray(tree.children_right)
    feature, threshold = np.asarray(tree.feature), np.asarray(tree.threshold)
    value = np.asarray(tree.value)
    if n < 1 or not all(len(a) == n for a in (left, right, feature, threshold)) or value.shape[0] != n:
        raise _fail(source, f"{where}: node arrays of different lengths (node_count {n})")
    _check_nodes(left, right, feature, source, where, n_features, leaf=-1)
    internal = left != -1
    if tree.n_features != n_features and n_features is not None:
        raise _fail(source, f"{where}: the tree reads {tree.n_features} features, the model {n_features}")
    if not np.all(np.isfinite(threshold[internal])):
        raise _fail(source, f"{where}: a split threshold is NaN or infinite")
    if not np.all(np.isfinite(value)):
        raise _fail(source, f"{where}: a leaf value is NaN or infinite")


def _check_nodes(left, right, feature, source, where, n_features, *, leaf, is_leaf=None) -> None:
    n = len(left)
    idx = np.arange(n)
    internal = (left != leaf) if is_leaf is None else ~is_leaf
    if is_leaf is None and np.any((left == leaf) != (right == leaf)):
        raise _fail(source, f"{where}: a node has one child only")
    li, ri = left[internal], right[internal]
    if np.any(li <= idx[internal]) or np.any(ri <= idx[internal]) or np.any(li >= n) or np.any(ri >= n):
        raise _fail(source, f"{where}: a child index is out of range or not after its parent (a cycle)")
    if n_features is not None and np.any((feature[internal] < 0) | (feature[internal] >= n_features)):
        bad = int(feature[internal][(feature[internal] < 0) | (feature[internal] >= n_features)][0])
        raise _fail(source, f"{where}: a split reads feature {bad}, but the model has {n_features} features")


def _check_predictor(pred, n_features: int | None, source: str, where: str) -> None:
    nodes = pred.nodes
    if len(nodes) < 1:
        raise _fail(source, f"{where}: no nodes")
    is_leaf = nodes["is_leaf"].astype(bool)
    _check_nodes(nodes["left"].astype(np.int64), nodes["right"].astype(np.int64), nodes["feature_idx"].astype(np.int64),
                 source, where, n_features, leaf=0, is_leaf=is_leaf)
    if np.any(nodes["is_categorical"][~is_leaf]):
        bits = np.asarray(getattr(pred, "raw_left_cat_bitsets", np.empty((0, 8))))
        if np.any(nodes["bitset_idx"][~is_leaf & nodes["is_categorical"].astype(bool)] >= len(bits)):
            raise _fail(source, f"{where}: a categorical split's bitset index is out of range")
    if not np.all(np.isfinite(nodes["value"])) or np.any(np.isnan(nodes["num_threshold"][~is_leaf])):
        raise _fail(source, f"{where}: a leaf value or threshold is NaN or infinite")


def check_estimator(est: Any, source: str, *, n_features: int | None = None) -> None:
    """Check ``est`` (and every estimator, tree and predictor inside it) for the invariants above."""
    _walk(est, source, n_features, "model", set(), 0)


def _walk(obj: Any, source: str, n_features: int | None, where: str, seen: set, depth: int) -> None:
    from sklearn.tree._tree import Tree

    if id(obj) in seen or depth > 50:
        return
    seen.add(id(obj))
    if isinstance(obj, Tree):
        _check_tree(obj, n_features, source, where)
        return
    if type(obj).__name__ == "TreePredictor":
        _check_predictor(obj, n_features, source, where)
        return
    if isinstance(obj, (list, tuple)) or (isinstance(obj, np.ndarray) and obj.dtype == object):
        for i, item in enumerate(np.asarray(obj, dtype=object).ravel() if isinstance(obj, np.ndarray) else obj):
            _walk(item, source, n_features, f"{where}[{i}]", seen, depth + 1)
        return
    if isinstance(obj, dict):
        for key, item in obj.items():
            _walk(item, source, n_features, f"{where}[{key!r}]", seen, depth + 1)
        return
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict) or type(obj).__module__.split(".")[0] in ("builtins", "numpy"):
        return
    own = attrs.get("n_features_in_")
    if own is not None:
        if isinstance(own, bool) or not isinstance(own, (int, np.integer)) or own < 1:
            raise _fail(source, f"{where}: n_features_in_ is {own!r}")
        if n_features is not None and where == "model" and own != n_features:
            raise _fail(source, f"the model reads {own} features, its description lists {n_features}")
        n_features = int(own)
    _check_arrays(attrs, source, n_features, where)
    for key, value in attrs.items():
        if key.startswith("__"):
            continue
        _walk(value, source, n_features, f"{where}.{key}", seen, depth + 1)


def _check_arrays(attrs: dict, source: str, n_features: int | None, where: str) -> None:
    for name in _FINITE_ARRAYS:
        arr = attrs.get(name)
        if isinstance(arr, (float, np.floating)):
            arr = np.asarray(arr)
        if isinstance(arr, np.ndarray) and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise _fail(source, f"{where}.{name} holds NaN or infinite values")
    if n_features is not None:
        for name in ("coef_", "mean_", "scale_", "var_", "support_vectors_", "X_train_"):
            arr = attrs.get(name)
            if isinstance(arr, np.ndarray) and arr.ndim >= 1 and arr.shape[-1] != n_features and arr.size:
                raise _fail(source, f"{where}.{name} has shape {arr.shape}, not {n_features} features")
    coef, intercept = attrs.get("coef_"), attrs.get("intercept_")
    if isinstance(coef, np.ndarray) and coef.ndim == 2 and isinstance(intercept, np.ndarray) and intercept.ndim == 1 \
            and intercept.shape[0] not in (coef.shape[0], 1):
        raise _fail(source, f"{where}: intercept_ {intercept.shape} does not match coef_ {coef.shape}")
    classes = attrs.get("classes_")
    if isinstance(classes, np.ndarray) and classes.ndim == 1 and classes.dtype != object:
        if len(classes) < 2 or len(np.unique(classes)) != len(classes):
            raise _fail(source, f"{where}.classes_ must be at least two distinct classes; got {classes.tolist()[:10]}")
