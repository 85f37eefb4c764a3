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

from physml.data import Dataset, check_finite, write_array, write_hdf5

from ._params import MDParams
from ._system import MD_UNITS, radial_distribution

__all__ = ["save_with_frames", "energy_drift"]


def save_with_frames(path: str | os.PathLike, dataset: Dataset, frames: np.ndarray, params: MDParams, *,
                     force: bool = False) -> Path:
    """Write ``dataset`` and, if ``frames`` (``(n_frames, N, 3)``, one every ``params.frame_every`` steps) is
    not empty, the frames and their g(r) to ``path``; a temporary file renamed into place, so a reader never
    sees half a file. An existing ``path`` is kept unless ``force``."""

    check_finite({**dataset.arrays, "frames/positions": frames})

    def fill(f) -> None:
        dataset.write_to(f)
        if len(frames):  # groups: Dataset.load reads only the root's equal-length arrays
            r, g = radial_distribution(frames, params.box_length)
            write_array(f, "frames/positions", frames, MD_UNITS["positions"])
            write_array(f, "frames/time", params.dt * params.frame_every * np.arange(len(frames)), MD_UNITS["time"])
            write_array(f, "rdf/r", r, MD_UNITS["rdf_r"])
            write_array(f, "rdf/g", g, MD_UNITS["rdf_g"])

    write_hdf5(path, fill, force=force)
    return Path(path)


def energy_drift(dataset: Dataset) -> float:
    """Change of the total energy per particle over the run, from a least-squares line through it
    (less noisy than last minus first, which it falls back to with two samples or fewer)."""
    E, t = dataset["total_energy"], dataset["time"]
    if len(E) > 2:
        return float(np.polyfit(t, E, 1)[0] * (t[-1] - t[0]))
    return float(E[-1] - E[0])
