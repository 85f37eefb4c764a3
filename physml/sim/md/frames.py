"""An MD run on disk: the observables, the position frames and their g(r), in one HDF5 file written atomically.

Layout (readable with ``h5py`` alone): the root holds the :class:`~physml.data.Dataset` arrays (``time``,
energies, ``temperature``, ``pressure``, one row per recorded step; :meth:`Dataset.load` reads them), and,
when frames were stored, the groups ``frames/positions`` ``(n_frames, N, 3)`` and ``frames/time`` and
``rdf/r``, ``rdf/g`` (:func:`radial_distribution` of the frames). Every array carries its unit. With
``frame_data`` (what :func:`~physml.sim.md.simulate_frames` fills), each frame also has its forces
``frames/forces`` ``(n_frames, N, 3)``, its total potential energy ``frames/potential_energy`` and virial
``frames/virial`` (``sum_pairs r_ij . f_ij``), and the ``frames`` group carries the state point as attributes
(``box_length``, ``density``, ``temperature``, ``n_particles``, ``r_cut``, ``potential``, ``ensemble``):
what :func:`load_frames` reads to train a force field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from physml.data import Dataset, check_finite, write_array, write_hdf5
from physml.errors import DataError

from ._params import MDParams
from ._system import MD_UNITS, radial_distribution

__all__ = ["save_with_frames", "energy_drift", "FrameSet", "load_frames", "FRAME_UNITS"]

FRAME_UNITS = {"forces": "epsilon/sigma", "potential_energy": "epsilon (total, not per particle)",
               "virial": "epsilon (sum over pairs of r_ij . f_ij)"}


def save_with_frames(path: str | os.PathLike, dataset: Dataset, frames: np.ndarray, params: MDParams, *,
                     force: bool = False, frame_data: dict | None = None) -> Path:
    """Write ``dataset`` and, if ``frames`` (``(n_frames, N, 3)``, one every ``params.frame_every`` steps) is
    not empty, the frames and their g(r) to ``path``; a temporary file renamed into place, so a reader never
    sees half a file. An existing ``path`` is kept unless ``force``."""
    check_finite({**dataset.arrays, "frames/positions": frames,
                  **{f"frames/{name}": arr for name, arr in (frame_data or {}).items()}})

    def fill(f) -> None:
        dataset.write_to(f)
        if len(frames):  # groups: Dataset.load reads only the root's equal-length arrays
            r, g = radial_distribution(frames, params.box_length)
            write_array(f, "frames/positions", frames, MD_UNITS["positions"])
            write_array(f, "frames/time", params.dt * params.frame_every * np.arange(len(frames)), MD_UNITS["time"])
            write_array(f, "rdf/r", r, MD_UNITS["rdf_r"])
            write_array(f, "rdf/g", g, MD_UNITS["rdf_g"])
            for name, unit in FRAME_UNITS.items() if frame_data else ():
                write_array(f, f"frames/{name}", frame_data[name], unit)
            f["frames"].attrs.update({"box_length": params.box_length, "density": params.density,
                                      "temperature": params.temperature, "n_particles": params.n_particles,
                                      "r_cut": params.r_cut, "potential": params.potential,
                                      "ensemble": params.ensemble})

    write_hdf5(path, fill, force=force)
    return Path(path)


@dataclass(frozen=True)
class FrameSet:
    """Frames of one MD state point with their forces: what a force field is trained on (reduced LJ units).

    ``positions`` and ``forces`` ``(n_frames, N, 3)``; ``energy`` and ``virial`` ``(n_frames,)`` (totals);
    ``box_length``, ``density``, ``temperature`` the state point; ``source`` the file.
    """

    positions: np.ndarray
    forces: np.ndarray
    energy: np.ndarray
    virial: np.ndarray
    box_length: float
    density: float
    temperature: float
    source: str = ""


def load_frames(path: str | os.PathLike) -> FrameSet:
    """The frames with forces in an HDF5 file written by ``physml simulate md --frames K``;
    :class:`~physml.errors.DataError` (one line) when the file has no frames, no forces or non-finite values."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} does not exist")
    try:
        with h5py.File(path, "r") as f:
            if "frames/positions" not in f:
                raise DataError(f"{str(path)!r} has no frames: write them with `physml simulate md --frames K`")
            if "frames/forces" not in f or "frames/potential_energy" not in f:
                raise DataError(f"{str(path)!r} has frames without forces or energies: regenerate it with this "
                                "physml's `physml simulate md --frames K`, which stores them")
            g = f["frames"]
            out = FrameSet(np.asarray(g["positions"][()], float), np.asarray(g["forces"][()], float),
                           np.asarray(g["potential_energy"][()], float), np.asarray(g["virial"][()], float),
                           float(g.attrs["box_length"]), float(g.attrs["density"]), float(g.attrs["temperature"]),
                           str(path))
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r} as HDF5: {exc}") from None
    for name in ("positions", "forces", "energy", "virial"):
        if not np.all(np.isfinite(getattr(out, name))):
            raise DataError(f"{str(path)!r}: frames/{name} holds non-finite values")
    return out


def energy_drift(dataset: Dataset) -> float:
    """Change of the total energy per particle over the run, from a least-squares line through it
    (less noisy than last minus first, which it falls back to with two samples or fewer)."""
    E, t = dataset["total_energy"], dataset["time"]
    if len(E) > 2:
        return float(np.polyfit(t, E, 1)[0] * (t[-1] - t[0]))
    return float(E[-1] - E[0])
