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

from ._io import atomic_output, check_output, note, write_error
from ._version import __version__
from .errors import DataError, ParameterError, PhysmlError

__all__ = ["Dataset", "provenance", "seed_record", "write_hdf5", "write_array", "array_digest", "check_finite",
           "DIGEST"]

FORMAT = "physml-dataset"
FORMAT_VERSION = 1
DIGEST = "physml_sha256"
"""The attribute holding an array's digest: sha256 of its dtype, shape and C-order bytes."""
ATTRS_DIGEST = "physml_attrs_sha256"


def array_digest(arr: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order), as hex."""
    import hashlib

    arr = np.ascontiguousarray(arr)
    h = hashlib.sha256(f"{arr.dtype.str}|{arr.shape}|".encode())
    if arr.dtype.kind == "O":
        for item in arr.ravel():
            h.update(repr(item).encode())
    else:
        h.update(memoryview(arr.reshape(-1).view(np.uint8)))
    return h.hexdigest()


def _attrs_digest(attrs: Mapping[str, Any], units: Mapping[str, str]) -> str:
    import hashlib

    payload = json.dumps({"attrs": {k: _decode(v) for k, v in attrs.items()}, "units": dict(units)},
                         sort_keys=True, default=_json_default)
    return hashlib.sha256(payload.encode()).hexdigest()


def check_finite(arrays: Mapping[str, np.ndarray], *, allow_nan: bool = False, what: str = "write") -> None:
    """Refuse (:class:`DataError`) a float or complex array holding an infinity (or a NaN unless ``allow_nan``)."""
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.dtype.kind not in "fc" or arr.size == 0:
            continue
        bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
        if bad.any():
            count = int(np.count_nonzero(bad))
            raise DataError(f"refusing to {what} array {name!r}: {count} of {arr.size} values are "
                            f"{'infinite' if allow_nan else 'NaN or infinite'} (an overflow? check the parameters)")


def write_array(group, name: str, arr: np.ndarray, unit: str, *, compression: str | None = "gzip"):
    """``group[name] = arr`` with its ``unit`` and digest attributes (compressed when larger than 1024 values)."""
    arr = np.asarray(arr)
    comp = compression if arr.size > 1024 else None
    dset = group.create_dataset(name, data=arr, compression=comp)
    dset.attrs["unit"] = unit
    dset.attrs[DIGEST] = array_digest(arr)
    return dset


def write_hdf5(path: str | os.PathLike, fill, *, force: bool = False) -> Path:
    """Write an HDF5 file by calling ``fill(h5py_file)``, atomically and safely on a full or failing disk.

    The file is built in memory (HDF5's core driver), then its image is written to a temporary name beside
    ``path`` (:func:`physml._io.atomic_output`) and renamed into place, so HDF5 itself never writes to the
    disk: a full disk or a lost permission is one :class:`DataError` and ``path`` is untouched.
    """
    import h5py

    path = check_output(path, force=force)
    f = h5py.File(f"physml-in-memory-{id(fill)}.h5", "w", driver="core", backing_store=False)
    try:
        fill(f)
        f.flush()
        image = f.id.get_file_image()
    finally:
        f.close()
    with atomic_output(path, force=force) as tmp:
        try:
            with open(tmp, "wb") as out:
                out.write(image)
        except OSError as exc:
            raise write_error(path, exc) from None
    return Path(path)


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
    def save(self, path: str | os.PathLike, *, force: bool = False, compression: str | None = "gzip",
             allow_nan: bool = False) -> Path:
        """Write to HDF5 atomically; refuse an existing ``path`` unless ``force``.

        Every array gets a SHA-256 digest attribute (verified by :meth:`load`). A float or complex array with
        a NaN or infinite value is refused (:class:`DataError`) before anything is written, unless
        ``allow_nan`` (infinities are refused always): a non-finite value is almost always an overflow.
        """
        check_finite(self.arrays, allow_nan=allow_nan)
        return write_hdf5(path, lambda f: self.write_to(f, compression=compression), force=force)

    def write_to(self, f, *, compression: str | None = "gzip") -> None:
        """Write the arrays, units and attributes into the open ``h5py.File`` ``f`` (its root), with digests."""
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        stored = {}
        for key, value in self.attrs.items():
            stored[key] = value if isinstance(value, (str, int, float, np.number)) else json.dumps(
                value, default=_json_default)
            f.attrs[key] = stored[key]
        for name, arr in self.arrays.items():
            write_array(f, name, arr, self.units.get(name, "1"), compression=compression)
        f.attrs[ATTRS_DIGEST] = _attrs_digest(stored, self.units)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Dataset:
        """Read a file written by :meth:`save`; a clear :class:`DataError` otherwise.

        The arrays' total size is read from the header first and checked against the memory budget
        (:mod:`physml.budget`); every array's digest is verified (a file from before digests loads, with a note).
        """
        import h5py

        from .budget import check_memory, format_size

        path = Path(path)
        if path.is_dir():
            raise DataError(f"dataset {str(path)!r} is a folder, not an HDF5 file")
        if not path.is_file():
            raise DataError(f"dataset file {str(path)!r} does not exist")
        unverified = []
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != FORMAT:
                    raise DataError(f"{str(path)!r} is an HDF5 file but not a physml dataset (no format attribute)")
                dsets = {name: obj for name, obj in f.items() if isinstance(obj, h5py.Dataset)}
                declared = sum(float(d.size or 0) * d.dtype.itemsize for d in dsets.values())
                check_memory(f"loading {str(path)!r}", declared,
                             f"its header declares {format_size(declared)} in {len(dsets)} arrays")
                attrs = {k: _decode(v) for k, v in f.attrs.items()
                         if k not in ("format", "format_version", ATTRS_DIGEST)}
                arrays, units = {}, {}
                for name, dset in dsets.items():
                    arrays[name] = dset[()]
                    units[name] = _decode(dset.attrs.get("unit", "1"))
                    digest = dset.attrs.get(DIGEST)
                    if digest is None:
                        unverified.append(name)
                    elif _decode(digest) != array_digest(arrays[name]):
                        raise DataError(f"dataset {str(path)!r} is corrupt: array {name!r} does not match its "
                                        "sha256 digest (the file changed after it was written)")
                stored_digest = f.attrs.get(ATTRS_DIGEST)
                if unverified and (stored_digest is not None or len(unverified) < len(dsets)):
                    raise DataError(f"dataset {str(path)!r} is corrupt: array {unverified[0]!r} lacks the digest "
                                    "every array of this file should carry")
                raw_attrs = {k: _decode(v) for k, v in f.attrs.items()
                             if k not in ("format", "format_version", ATTRS_DIGEST)}
                if stored_digest is not None and _decode(stored_digest) != _attrs_digest(raw_attrs, units):
                    raise DataError(f"dataset {str(path)!r} is corrupt: its attributes or units do not match "
                                    "their sha256 digest (the file changed after it was written)")
        except PhysmlError:
            raise
        except MemoryError:
            raise DataError(f"cannot read dataset {str(path)!r}: it does not fit in memory") from None
        except Exception as exc:  # h5py raises OSError, RuntimeError, KeyError, ValueError... on damaged files
            raise DataError(f"cannot read dataset {str(path)!r}: truncated, corrupt or not an HDF5 file "
                            f"({exc.__class__.__name__}: {' '.join(str(exc).split())[:120]})") from None
        if unverified:
            note(f"{str(path)!r} has no checksums (written before physml stored checksums); "
                 f"{len(unverified)} arrays loaded unverified")
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
