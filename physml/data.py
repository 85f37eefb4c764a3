"""``Dataset``: named numpy arrays with units and provenance, stored as HDF5.

A file written here is readable with plain ``h5py``: every array is an HDF5
dataset at the root with a ``unit`` attribute, and the provenance (simulator,
parameters as JSON, seed, physml version, creation time) is stored as root
attributes. Files are written atomically (temporary name, then ``os.replace``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._io import atomic_output
from ._version import __version__
from .errors import DataError, ParameterError

__all__ = ["Dataset", "provenance", "seed_record"]

FORMAT = "physml-dataset"
FORMAT_VERSION = 1


def provenance(simulator: str, parameters: Mapping[str, Any], seed: Any) -> dict[str, Any]:
    """The standard provenance attributes of a simulated dataset."""
    return {
        "simulator": simulator,
        "parameters": json.dumps(dict(parameters), sort_keys=True, default=_json_default),
        "seed": json.dumps(seed, default=_json_default),
        "physml_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def seed_record(seed: int | np.random.Generator) -> object:
    """What provenance records for ``seed``: the int, or a Generator's state (take it before drawing)."""
    if isinstance(seed, np.random.Generator):
        return {"generator": type(seed.bit_generator).__name__, "state": seed.bit_generator.state}
    return seed


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    return repr(obj)


@dataclass
class Dataset:
    """Named arrays sharing a first (sample) axis, with units and provenance.

    Parameters
    ----------
    arrays:
        name -> array; every array has the same length along axis 0.
    units:
        name -> unit string (e.g. ``"J"``, ``"1"`` for dimensionless).
    attrs:
        provenance attributes (strings, numbers); see :func:`provenance`.
    """

    arrays: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.arrays = {k: np.asarray(v) for k, v in self.arrays.items()}
        lengths = {k: v.shape[0] if v.ndim else None for k, v in self.arrays.items()}
        if any(n is None for n in lengths.values()):
            bad = [k for k, n in lengths.items() if n is None]
            raise ParameterError.invalid("arrays", bad, "arrays with a sample axis (ndim >= 1)")
        if len(set(lengths.values())) > 1:
            raise ParameterError.invalid("arrays", lengths, "arrays of equal length along axis 0")
        for name in self.arrays:
            self.units.setdefault(name, "1")

    # -- access --------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise DataError(f"dataset has no array {name!r}; it has {', '.join(self.arrays)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.arrays

    def __len__(self) -> int:
        return next(iter(self.arrays.values())).shape[0] if self.arrays else 0

    @property
    def names(self) -> list[str]:
        return list(self.arrays)

    @property
    def parameters(self) -> dict[str, Any]:
        """The simulator parameters recorded in the provenance (decoded JSON)."""
        raw = self.attrs.get("parameters", "{}")
        return json.loads(raw) if isinstance(raw, str) else dict(raw)

    def subset(self, index: np.ndarray | slice) -> Dataset:
        """Rows ``index`` of every array (same units and provenance)."""
        return Dataset({k: v[index] for k, v in self.arrays.items()}, dict(self.units), dict(self.attrs))

    def split(self, test_fraction: float, *, seed: int | np.random.Generator) -> tuple[Dataset, Dataset]:
        """Random train/test split of the rows."""
        if not 0.0 < test_fraction < 1.0:
            raise ParameterError.invalid("test_fraction", test_fraction, "in the open interval (0, 1)")
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(self))
        n_test = max(1, int(round(test_fraction * len(self))))
        return self.subset(np.sort(perm[n_test:])), self.subset(np.sort(perm[:n_test]))

    # -- disk ----------------------------------------------------------------
    def save(self, path: str | os.PathLike, *, force: bool = False, compression: str | None = "gzip") -> Path:
        """Write to HDF5 atomically; refuse an existing ``path`` unless ``force``."""
        import h5py

        with atomic_output(path, force=force) as tmp:
            with h5py.File(tmp, "w") as f:
                f.attrs["format"] = FORMAT
                f.attrs["format_version"] = FORMAT_VERSION
                for key, value in self.attrs.items():
                    f.attrs[key] = value if isinstance(value, (str, int, float, np.number)) else json.dumps(
                        value, default=_json_default
                    )
                for name, arr in self.arrays.items():
                    comp = compression if arr.size > 1024 else None
                    dset = f.create_dataset(name, data=arr, compression=comp)
                    dset.attrs["unit"] = self.units.get(name, "1")
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Dataset:
        """Read a file written by :meth:`save`; a clear :class:`DataError` otherwise."""
        import h5py

        path = Path(path)
        if not path.is_file():
            raise DataError(f"dataset file {str(path)!r} does not exist")
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != FORMAT:
                    raise DataError(f"{str(path)!r} is an HDF5 file but not a physml dataset (no format attribute)")
                attrs = {k: _decode(v) for k, v in f.attrs.items() if k not in ("format", "format_version")}
                arrays, units = {}, {}
                for name, dset in f.items():
                    if isinstance(dset, h5py.Dataset):
                        arrays[name] = dset[()]
                        units[name] = _decode(dset.attrs.get("unit", "1"))
        except DataError:
            raise
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"cannot read dataset {str(path)!r}: truncated or not an HDF5 file "
                            f"({exc.__class__.__name__})") from None
        return cls(arrays, units, attrs)

    def describe(self) -> str:
        """A short human-readable summary (what ``physml dataset info`` prints)."""
        lines = [f"{len(self)} samples"]
        for name, arr in self.arrays.items():
            lines.append(f"  {name:<16} {str(arr.dtype):<8} {str(arr.shape):<20} [{self.units.get(name, '1')}]")
        for key, value in self.attrs.items():
            lines.append(f"  @{key} = {value}")
        return "\n".join(lines)


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value
