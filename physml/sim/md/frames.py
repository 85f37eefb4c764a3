"""An MD run on disk: the observables, the position frames and their g(r), in one HDF5 file written atomically.

Layout (readable with ``h5py`` alone): the root holds the :class:`~physml.data.Dataset` arrays (``time``,
energies, ``temperature``, ``pressure``, one row per recorded step; :meth:`Dataset.load` reads them), and,
when frames were stored, the groups ``frames/positions`` ``(n_frames, N, 3)`` and ``frames/time`` and
``rdf/r``, ``rdf/g`` (:func:`radial_distribution` of the frames). Every array carries its unit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from physml._io import atomic_output
from physml.data import Dataset

from ._params import MDParams
from ._system import MD_UNITS, radial_distribution

__all__ = ["save_with_frames", "energy_drift"]


def save_with_frames(path: str | os.PathLike, dataset: Dataset, frames: np.ndarray, params: MDParams, *,
                     force: bool = False) -> Path:
    """Write ``dataset`` and, if ``frames`` (``(n_frames, N, 3)``, one every ``params.frame_every`` steps) is
    not empty, the frames and their g(r) to ``path``; a temporary file renamed into place, so a reader never
    sees half a file. An existing ``path`` is kept unless ``force``."""
    import h5py

    with atomic_output(path, force=force) as tmp:
        dataset.save(tmp, force=True)
        if len(frames):
            r, g = radial_distribution(frames, params.box_length)
            with h5py.File(tmp, "a") as f:  # groups: Dataset.load reads only the root's equal-length arrays
                f.create_dataset("frames/positions", data=frames, compression="gzip")
                f["frames/positions"].attrs["unit"] = MD_UNITS["positions"]
                f.create_dataset("frames/time", data=params.dt * params.frame_every * np.arange(len(frames)))
                f["frames/time"].attrs["unit"] = MD_UNITS["time"]
                f.create_dataset("rdf/r", data=r).attrs["unit"] = MD_UNITS["rdf_r"]
                f.create_dataset("rdf/g", data=g).attrs["unit"] = MD_UNITS["rdf_g"]
    return Path(path)


def energy_drift(dataset: Dataset) -> float:
    """Change of the total energy per particle over the run, from a least-squares line through it
    (less noisy than last minus first, which it falls back to with two samples or fewer)."""
    E, t = dataset["total_energy"], dataset["time"]
    if len(E) > 2:
        return float(np.polyfit(t, E, 1)[0] * (t[-1] - t[0]))
    return float(E[-1] - E[0])
