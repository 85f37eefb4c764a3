"""Save and load fitted models as a directory, without pickle.

``save_model(model, "out/model", metadata=...)`` writes::

    out/model/
      model.json               format, estimator class, zoo name, versions, sha256 of each file, your metadata
      weights.safetensors      torch estimators: network weights and scaling arrays
      torch_estimator.json     torch estimators: hyper-parameters and fitted attributes
      model.skops              scikit-learn models (skops.io; no pickle)

The directory is built beside its destination and renamed into place, so a
reader never sees half of it. ``load_model`` verifies the checksums, rebuilds
torch estimators from safetensors + JSON (no code named by the file is run) and
lets skops rebuild only the types it trusts by default plus physml's explicit
allow-list (:data:`physml.models._skops_trust.TRUSTED_TYPES`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._io import check_output, clean_stale, note, temporary_name
from .._version import __version__
from ..errors import DataError, OutputExistsError, ParameterError
from ._skops_trust import TRUSTED_TYPES
from ._torch_base import TorchEstimatorBase
from ._torch_io import torch_from_state
from ._torch_state import one_line as _one_line
from ._torch_state import read_json, read_safetensors, torch_state
from ._validate import check_archive, check_estimator
from ._zoo import remember_zoo_name, zoo_name

__all__ = ["SavedModel", "save_model", "load_model"]

FORMAT = "physml-model"
MAX_FILE_BYTES = 2 * 1024**3
"""Largest file of a saved model that is read at all."""
_INFO_DIGEST = "description_sha256"
_TASKS = ("regression", "classification", "forecast")  # forecast: the sequence models of quantum-forecast
_MODEL_JSON, _WEIGHTS, _TORCH_JSON, _SKOPS = "model.json", "weights.safetensors", "torch_estimator.json", "model.skops"


@dataclass(frozen=True)
class SavedModel:
    """A loaded model: the fitted ``estimator`` and the caller's ``metadata`` given to :func:`save_model`."""

    estimator: Any
    metadata: dict
    estimator_class: str = ""
    zoo_name: str | None = None
    physml_version: str = ""
    versions: dict = field(default_factory=dict)


def _class_path(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _nested_torch(model) -> bool:
    params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
    return any(isinstance(v, TorchEstimatorBase) for v in params.values())


def _write_payload(model, folder: Path) -> str:
    """Write the estimator into ``folder``; return the storage kind."""
    if isinstance(model, TorchEstimatorBase):
        from safetensors.torch import save_file

        tensors, config = torch_state(model)
        save_file(tensors, str(folder / _WEIGHTS))
        (folder / _TORCH_JSON).write_text(json.dumps(config, indent=2), encoding="utf-8")
        return "torch"
    if _nested_torch(model):
        raise ParameterError.invalid("model", type(model).__name__, "a torch estimator on its own or a scikit-learn "
                                     "model without one inside (save the torch estimator separately)")
    import skops.io as sio

    sio.dump(model, folder / _SKOPS)
    return "skops"


def _versions() -> dict[str, str]:
    import sklearn
    import skops
    import torch

    return {"physml": __version__, "scikit-learn": sklearn.__version__, "skops": skops.__version__,
            "torch": torch.__version__}


def save_model(model, path: str | os.PathLike, *, metadata: dict, force: bool = False) -> Path:
    """Write the fitted ``model`` to the directory ``path`` (atomically); return ``path``.

    ``metadata``: a JSON-serialisable dict the caller wants kept with the model
    (feature names, target and its unit, task, classes, data provenance...).
    An existing ``path`` is refused (:class:`~physml.errors.OutputExistsError`) unless ``force``.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    path = Path(path)
    try:
        check_is_fitted(model)
    except (NotFittedError, TypeError):
        raise ParameterError.invalid("model", type(model).__name__, "a fitted estimator") from None
    if not isinstance(metadata, dict):
        raise ParameterError.invalid("metadata", metadata, "a dict")
    try:
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError.invalid("metadata", "...", f"JSON-serialisable ({exc})") from None
    check_output(path, force=force, kind="dir")
    clean_stale(path)
    tmp = temporary_name(path)
    tmp.mkdir()
    try:
        kind = _write_payload(model, tmp)
        files = {p.name: _sha256(p) for p in sorted(tmp.iterdir())}
        info = {"format": FORMAT, "format_version": 1, "storage": kind, "estimator": _class_path(model),
                "zoo_name": zoo_name(model), "physml_version": __version__, "versions": _versions(),
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"), "files": files,
                "metadata": metadata}
        info[_INFO_DIGEST] = _info_digest(info)
        (tmp / _MODEL_JSON).write_text(json.dumps(info, indent=2, allow_nan=False), encoding="utf-8")
        _move_into_place(tmp, path, force=force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return path


def _move_into_place(tmp: Path, path: Path, *, force: bool) -> None:
    if not (path.exists() or path.is_symlink()):
        os.replace(tmp, path)
        return
    if not force:  # appeared while we worked
        raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
    # a directory cannot be renamed over a non-empty one: move the old one aside, then delete it
    old = temporary_name(path, ".old")
    old.mkdir()
    os.replace(path, old / path.name)
    os.replace(tmp, path)
    shutil.rmtree(old)


def load_model(path: str | os.PathLike, *, device: str = "cpu", trusted: Iterable[str] = ()) -> SavedModel:
    """Load what :func:`save_model` wrote; :class:`~physml.errors.DataError` if missing, corrupt or untrusted.

    ``device``: where a torch estimator's network goes (``cpu | cuda | auto``).
    ``trusted``: further type names (``module.Class``) you trust in a skops file,
    on top of skops' defaults and physml's allow-list; never needed for zoo models.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"model directory {str(path)!r} does not exist")
    for name in (_MODEL_JSON, _SKOPS, _WEIGHTS, _TORCH_JSON):
        if (path / name).is_file() and (path / name).stat().st_size > MAX_FILE_BYTES:
            raise DataError(f"model file {str(path / name)!r} is larger than {MAX_FILE_BYTES >> 20} MiB; refused")
    info = read_json(path / _MODEL_JSON)
    _check_info(info, str(path / _MODEL_JSON))
    for name, digest in info["files"].items():
        file = path / name
        if Path(name).name != name or not file.is_file():
            raise DataError(f"model file {str(file)!r} is missing")
        if _sha256(file) != digest:
            raise DataError(f"model file {str(file)!r} is corrupt or was modified (sha256 mismatch)")
    storage = info.get("storage")
    if storage == "torch":
        estimator = torch_from_state(read_safetensors(path / _WEIGHTS), read_json(path / _TORCH_JSON),
                                     device=device, source=str(path / _TORCH_JSON))
        _check_torch(estimator, info["metadata"], str(path / _WEIGHTS))
    elif storage == "skops":
        estimator = _load_skops(path / _SKOPS, set(trusted))
        names = info["metadata"].get("feature_names")
        check_estimator(estimator, str(path / _SKOPS), n_features=len(names) if isinstance(names, list) else None)
    else:
        raise DataError(f"{str(path / _MODEL_JSON)!r} names an unknown storage {storage!r}")
    remember_zoo_name(estimator, info.get("zoo_name"))
    return SavedModel(estimator=estimator, metadata=info.get("metadata", {}), estimator_class=info.get("estimator", ""),
                      zoo_name=info.get("zoo_name"), physml_version=info.get("physml_version", ""),
                      versions=info.get("versions", {}))


def _load_skops(file: Path, extra_trusted: set[str]):
    import skops.io as sio

    if not file.is_file():
        raise DataError(f"model file {str(file)!r} is missing")
    check_archive(file)
    try:
        found = set(sio.get_untrusted_types(file=file))
    except Exception as exc:  # a corrupt zip/schema can fail in many ways inside skops
        raise DataError(f"model file {str(file)!r} is corrupt or not a skops file: {_one_line(exc)}") from None
    refused = sorted(found - TRUSTED_TYPES - extra_trusted)
    if refused:
        raise DataError(f"model file {str(file)!r} holds types physml does not trust: {', '.join(refused)}; "
                        "pass trusted=[...] to load_model only if you trust the file's author")
    try:
        return sio.load(file, trusted=sorted(found))
    except Exception as exc:
        raise DataError(f"model file {str(file)!r} could not be loaded: {_one_line(exc)}") from None


def _info_digest(info: dict) -> str:
    """sha256 of ``model.json``'s content without its own digest (so a changed field is noticed)."""
    body = {k: v for k, v in info.items() if k != _INFO_DIGEST}
    return hashlib.sha256(json.dumps(body, sort_keys=True, allow_nan=False).encode()).hexdigest()


def _check_info(info: dict, source: str) -> None:
    """``model.json``: its digest (when present) and every field physml reads, each of the right kind."""
    def bad(what: str) -> DataError:
        return DataError(f"model description {source!r} is corrupt or was modified: {what}")

    if info.get("format") != FORMAT:
        raise DataError(f"{source!r} is not a physml model description")
    digest = info.get(_INFO_DIGEST)
    if digest is None:
        note(f"{source!r} has no checksum of its own (saved before physml stored one); its fields are checked only")
    else:
        try:
            ok = digest == _info_digest(info)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise bad("its content does not match its sha256 digest")
    files = info.get("files")
    if not isinstance(files, dict) or not files or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in files.items()):
        raise bad("'files' must map file names to sha256 digests")
    storage = info.get("storage")
    needed = {"torch": (_WEIGHTS, _TORCH_JSON), "skops": (_SKOPS,)}.get(storage)
    if needed is None:
        raise bad(f"unknown storage {storage!r} (torch or skops)")
    if any(name not in files for name in needed):
        raise bad(f"'files' does not list {', '.join(needed)}")
    if not isinstance(info.get("estimator", ""), str) or not isinstance(info.get("versions", {}), dict):
        raise bad("'estimator' must be a text and 'versions' an object")
    meta = info.get("metadata", {})
    if not isinstance(meta, dict):
        raise bad("'metadata' must be an object")
    info.setdefault("metadata", meta)
    if "task" in meta and meta["task"] not in _TASKS:
        raise bad(f"task {meta['task']!r} is not one of {', '.join(_TASKS)}")
    names = meta.get("feature_names")
    if names is not None and (not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names)
                              or len(set(names)) != len(names)):
        raise bad("'feature_names' must be a non-empty list of distinct names")
    classes = meta.get("classes")
    if classes is not None and (not isinstance(classes, list) or len(classes) < 2):
        raise bad("'classes' must be a list of at least two classes")


def _check_torch(est, metadata: dict, source: str) -> None:
    import numpy as np

    for name, tensor in est.module_.state_dict().items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise DataError(f"model file {source!r} is inconsistent: weight {name!r} holds NaN or infinite values")
    names = metadata.get("feature_names")
    n_in = int(np.prod(est.input_shape_)) if getattr(est, "input_shape_", None) else None
    if isinstance(names, list) and n_in is not None and len(est.input_shape_) == 1 and n_in != len(names):
        raise DataError(f"model file {source!r} is inconsistent: the network reads {n_in} inputs, its description "
                        f"lists {len(names)} features")
