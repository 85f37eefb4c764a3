"""Tables of data for supervised learning: CSV, Parquet or a physml HDF5 dataset.

``load_table`` reads a file into a pandas DataFrame; ``select_xy`` picks the
target and feature columns and refuses, with one line naming the column and
the problem, anything a model cannot learn from (missing column, non-numeric
feature, NaN or infinite value, no rows).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, ParameterError

__all__ = ["load_table", "select_xy", "numeric_column", "TASKS", "infer_task", "TRANSFORMS", "InputTransform",
           "parse_transforms", "apply_transforms", "check_units", "check_target_varies", "check_table_size"]

TASKS = ("regression", "classification")
_SUFFIXES = {".csv": "CSV", ".parquet": "Parquet", ".pq": "Parquet", ".h5": "HDF5", ".hdf5": "HDF5"}


def load_table(path: str | os.PathLike):
    """Read CSV, Parquet or a physml HDF5 dataset (its 1-D arrays become columns)."""
    import pandas as pd

    path = Path(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"cannot read {str(path)!r}: unknown file type {path.suffix!r}; use .csv, .parquet or .h5")
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} does not exist")
    if path.stat().st_size == 0:
        raise DataError(f"data file {str(path)!r} is empty")
    try:
        if kind == "CSV":
            _check_csv_header(path)
            df = pd.read_csv(path)
        elif kind == "Parquet":
            check_table_size(path)
            df = pd.read_parquet(path)
        else:
            from .data import Dataset

            ds = Dataset.load(path)
            cols = {k: _decode(v) for k, v in ds.arrays.items() if v.ndim == 1}
            if not cols:
                raise DataError(f"dataset {str(path)!r} has no 1-D arrays to use as columns")
            df = pd.DataFrame(cols)
            df.attrs["units"] = {k: str(ds.units.get(k, "1")) for k in cols}  # checked by physml predict
    except DataError:
        raise
    except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError, ValueError) as exc:
        raise DataError(f"cannot read {kind} file {str(path)!r}: {' '.join(str(exc).split())[:200]}") from None
    if len(df) == 0:
        raise DataError(f"data file {str(path)!r} has no rows")
    names = [str(c) for c in df.columns]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DataError(f"data file {str(path)!r} has duplicate column names: {', '.join(dupes)}")
    return df


def check_table_size(path: str | os.PathLike) -> None:
    """Refuse, before reading, a table whose contents would not fit the memory budget (:mod:`physml.budget`):
    from the HDF5 header's declared array sizes, a Parquet file's row and column counts, a CSV file's size.
    Cheap (no heavy imports), so commands call it before importing their workflow."""
    from .budget import check_memory, format_size

    path = Path(path)
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None or not path.is_file():
        return  # load_table says what is wrong
    size = path.stat().st_size
    if kind == "CSV":
        check_memory(f"reading {str(path)!r}", 6.0 * size, f"a CSV file of {format_size(size)}")
    elif kind == "Parquet":
        try:
            import pyarrow.parquet as pq

            meta = pq.read_metadata(path)
        except Exception:  # noqa: BLE001 - load_table reports an unreadable file
            return
        declared = float(meta.num_rows) * meta.num_columns * 8 * 3
        check_memory(f"reading {str(path)!r}", declared, f"{meta.num_rows} rows x {meta.num_columns} columns")
    else:
        import h5py

        try:
            with h5py.File(path, "r") as f:
                declared = sum(float(d.size or 0) * d.dtype.itemsize for d in f.values() if isinstance(d, h5py.Dataset))
        except Exception:  # noqa: BLE001 - Dataset.load reports a damaged file in one line
            return
        check_memory(f"loading {str(path)!r}", declared, f"its header declares {format_size(declared)}")


def _check_csv_header(path: Path) -> None:
    """Refuse duplicate column names before pandas renames them (``x``, ``x.1``) and a budget-breaking file."""
    import csv

    check_table_size(path)
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        header = next(csv.reader(f), [])
    names = [h.strip() for h in header]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DataError(f"data file {str(path)!r} has duplicate column names: {', '.join(dupes)}; "
                        "each column needs its own name")


def _decode(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "S":
        return values.astype(str)
    return values


def infer_task(y) -> str:
    """Classification for strings, booleans or few integer levels; regression otherwise."""
    y = np.asarray(y)
    if y.dtype.kind in "OUSb":
        return "classification"
    if y.dtype.kind in "iu" and len(np.unique(y)) <= 20:
        return "classification"
    return "regression"


def select_xy(df, target: str, features: list[str] | None = None, task: str | None = None):
    """``(X, y, feature_names, task)`` from a DataFrame, validated.

    ``features`` defaults to every column but the target. Features must be
    finite numbers; a regression target must be a finite number; a
    classification target may be class names.
    """
    columns = [str(c) for c in df.columns]
    if len(df) < 2:
        raise DataError(f"the table has {len(df)} row{'s' if len(df) != 1 else ''}; learning needs at least 2 "
                        "(in practice, many more)")
    if target not in columns:
        raise ParameterError.invalid("target", target, f"a column of the data ({', '.join(columns)})")
    if features is None:
        features = [c for c in columns if c != target]
    missing = [f for f in features if f not in columns]
    if missing:
        raise ParameterError.invalid("features", missing[0], f"a column of the data ({', '.join(columns)})")
    if target in features:
        raise ParameterError.invalid("features", target, "columns other than the target")
    if not features:
        raise ParameterError.invalid("features", features, "at least one column besides the target")
    X = np.empty((len(df), len(features)), float)
    for j, name in enumerate(features):
        X[:, j] = numeric_column(df[name], name, "feature")
    if task is None:
        task = infer_task(df[target].to_numpy())
    if task not in TASKS:
        raise ParameterError.invalid("task", task, "'regression' or 'classification'")
    if task == "regression":
        y = numeric_column(df[target], target, "target")
        check_target_varies(y, target)
    else:
        y = df[target].to_numpy()
        if df[target].isna().any():
            row = int(np.flatnonzero(df[target].isna().to_numpy())[0])
            raise DataError(f"target column {target!r} has a missing value in row {row}")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise DataError(f"target column {target!r} has a non-finite value")
        if len(np.unique(y)) < 2:
            raise DataError(f"target column {target!r} has a single class; classification needs at least two")
    return X, y, list(features), task


def check_target_varies(y: np.ndarray, target: str) -> None:
    """Refuse a regression target that is constant, varies by less than 1e-9 of its size, or whose variance
    under- or overflows: every score of a model fitted to it would be meaningless (R² undefined)."""
    y = np.asarray(y, float)
    with np.errstate(all="ignore"):
        spread = float(np.ptp(y)) if y.size else 0.0
        scale = float(np.max(np.abs(y))) if y.size else 0.0
        var = float(np.var(y)) if y.size else 0.0
    if not (spread > 1e-9 * scale and np.isfinite(var) and var > 0 and np.isfinite(spread)):
        raise DataError(f"target column {target!r} is constant or nearly so (range {spread:.3g} around "
                        f"{scale:.3g}, variance {var:.3g}): there is nothing to learn and every score would be "
                        "meaningless")


def numeric_column(column, name: str, role: str) -> np.ndarray:
    """A pandas column as finite floats, or a :class:`DataError` naming the column and the first bad row."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise DataError(f"{role} column {name!r} is not numeric (dtype {column.dtype})")
    if pd.api.types.is_complex_dtype(column):
        raise DataError(f"{role} column {name!r} is complex (dtype {column.dtype}); physml learns from real "
                        "numbers only: split it into real and imaginary columns")
    values = column.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError(f"{role} column {name!r} has a NaN or infinite value in row {int(bad[0])} ({values[bad[0]]})")
    return values


# ---------------------------------------------------------------------------- input transforms
#: transform name -> (function, domain test, domain in words, direction: +1 increasing, -1 decreasing)
TRANSFORMS = {
    "log10": (np.log10, lambda x: x > 0, "> 0", 1),
    "ln": (np.log, lambda x: x > 0, "> 0", 1),
    "sqrt": (np.sqrt, lambda x: x >= 0, ">= 0", 1),
    "inverse": (lambda x: 1.0 / x, lambda x: x != 0, "!= 0", -1),
}


@dataclass(frozen=True)
class InputTransform:
    """``kind`` applied to the raw input ``column``; the model sees the result as feature ``kind_column``."""

    kind: str
    column: str

    @property
    def feature(self) -> str:
        return f"{self.kind}_{self.column}"

    @property
    def direction(self) -> int:
        """+1 if the transform is increasing, -1 if decreasing (a monotonic response flips with it)."""
        return TRANSFORMS[self.kind][3]

    def apply(self, values) -> np.ndarray:
        func, ok, domain, _ = TRANSFORMS[self.kind]
        values = np.asarray(values, float)
        bad = np.flatnonzero(~ok(values))
        if bad.size:
            raise DataError(f"column {self.column!r} has the value {values[bad[0]]} in row {int(bad[0])}, outside the "
                            f"domain of {self.kind} (x {domain})")
        return func(values)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "column": self.column, "feature": self.feature}

    @classmethod
    def from_dict(cls, d: dict) -> InputTransform:
        return cls(str(d["kind"]), str(d["column"]))


def parse_transforms(texts) -> list[InputTransform]:
    """``["log10:pressure_MPa", ...]`` (``KIND:COLUMN``, kinds in :data:`TRANSFORMS`) as transforms."""
    out: list[InputTransform] = []
    for text in texts or ():
        kind, sep, column = str(text).partition(":")
        kind, column = kind.strip(), column.strip()
        if not sep or not column:
            raise ParameterError.invalid("transform", text, f"KIND:COLUMN with KIND one of {', '.join(TRANSFORMS)}")
        if kind not in TRANSFORMS:
            raise ParameterError.invalid("transform", text, f"a known transform ({', '.join(TRANSFORMS)}) and a column")
        if any(t.column == column for t in out):
            raise ParameterError.invalid("transform", text, "at most one transform per column")
        out.append(InputTransform(kind, column))
    return out


def apply_transforms(df, transforms: list[InputTransform], *, role: str = "transform"):
    """A copy of ``df`` with each transform's feature column added (raw columns kept)."""
    columns = [str(c) for c in df.columns]
    out = df.copy()
    for t in transforms:
        if t.column not in columns:
            raise ParameterError.invalid(role, f"{t.kind}:{t.column}", f"a column of the data ({', '.join(columns)})")
        out[t.feature] = t.apply(numeric_column(df[t.column], t.column, "feature"))
    return out


def check_units(df, expected: dict[str, str]) -> None:
    """Refuse a table whose stored units (HDF5 columns) differ from the units a model was trained with."""
    found = getattr(df, "attrs", {}).get("units") or {}
    for name, unit in (expected or {}).items():
        if name in found and str(found[name]) != str(unit):
            raise DataError(f"column {name!r} is in {found[name]!r} but the model was trained on {unit!r}; "
                            "convert it first")
