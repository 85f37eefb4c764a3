"""Datasets of 2D potentials with their exact (finite-difference) low-lying energies.

Units: hbar = m = 1; on the default half-width of 20 these are atomic units
(bohr, hartree), as in Mills, Spanner & Tamblyn (2017).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ._potentials import POTENTIAL_FAMILIES, sample_potential
from ._solve import solve_1d, solve_2d

__all__ = ["GroundStateParams", "ground_state_dataset", "spectrum_dataset"]


@dataclass(frozen=True)
class GroundStateParams:
    """Parameters of :func:`ground_state_dataset`.

    family: one of ``POTENTIAL_FAMILIES`` or ``"mixed"`` (a family drawn per potential).
    n_potentials: potentials to draw, >= 1.
    n_points: interior grid points per axis, >= 16.
    extent: half-width of the square box (bohr at the default 20).
    n_states: eigenvalues kept per potential, 1 <= n_states < n_points**2.
    """

    family: str = "mixed"
    n_potentials: int = 100
    n_points: int = 64
    extent: float = 20.0
    n_states: int = 1

    def __post_init__(self) -> None:
        if self.family not in (*POTENTIAL_FAMILIES, "mixed"):
            raise ParameterError.invalid("family", self.family, f"one of {', '.join(POTENTIAL_FAMILIES)}, mixed")
        for name, low in (("n_potentials", 1), ("n_points", 16), ("n_states", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ParameterError.invalid(name, value, f"an integer >= {low}")
        if self.n_states >= self.n_points**2:
            raise ParameterError.invalid("n_states", self.n_states, f"fewer than the {self.n_points**2} grid points")
        if not (isinstance(self.extent, numbers.Real) and math.isfinite(self.extent) and self.extent > 0):
            raise ParameterError.invalid("extent", self.extent, "a finite half-width > 0")


def ground_state_dataset(params: GroundStateParams, *, seed: int | np.random.Generator,
                         progress: bool = False) -> Dataset:
    """Arrays ``potential`` (n, nx, ny; hartree), ``energies`` (n, n_states; hartree), ``family`` (bytes)."""
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    n, k = params.n_potentials, params.n_points
    potentials = np.empty((n, k, k), np.float32)
    energies = np.empty((n, params.n_states))
    families = []
    iterator = range(n)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc=f"Schrodinger {params.family}", unit="potential")
    for i in iterator:
        family = params.family if params.family != "mixed" else str(rng.choice(POTENTIAL_FAMILIES))
        V = sample_potential(family, params.extent, k, seed=int(rng.integers(2**62)))
        energies[i] = solve_2d(V, params.extent, k, params.n_states).energies
        potentials[i] = V
        families.append(family)
    arrays = {"potential": potentials, "energies": energies, "family": np.array(families, dtype="S24")}
    units = {"potential": "hartree", "energies": "hartree", "family": "1"}
    attrs = provenance("schrodinger.ground_state", asdict(params), record)
    attrs["grid"] = f"{k}x{k} interior points on [-{params.extent}, {params.extent}]^2, psi = 0 on the edge"
    return Dataset(arrays, units, attrs)


def spectrum_dataset(V: np.ndarray, extent: float, n_states: int) -> Dataset:
    """The lowest ``n_states`` eigenpairs of one potential given on the grid, as a :class:`Dataset`.

    ``V`` is an array of the interior grid values (hartree at the default
    box): shape ``(n,)`` on ``(-extent, extent)`` (solved by :func:`solve_1d`) or
    ``(nx, ny)`` on ``[-extent, extent]^2`` (:func:`solve_2d`), psi = 0 on the
    edge. One row (a leading axis of 1) of the arrays ``x`` (and ``y``),
    ``potential``, ``energies`` ``(1, n_states)``, ``wavefunctions``
    ``(1, n_states, *V.shape)`` (normalised). Raises
    :class:`ParameterError` for a non-finite value, a grid too small or more
    states than the grid holds.
    """
    V = np.asarray(V, dtype=float)
    if V.ndim not in (1, 2):
        raise ParameterError.invalid("V", f"an array of shape {V.shape}", "a 1D or 2D array of grid values")
    if V.ndim == 1:
        res = solve_1d(V, -extent, extent, V.shape[0], n_states)
        axes = {"x": res.x}
    else:
        res = solve_2d(V, extent, V.shape, n_states)
        axes = {"x": res.x, "y": res.y}
    arrays = {name: value[None] for name, value in  # one row: the sample axis first, as in every Dataset
              {**axes, "potential": res.potential, "energies": res.energies,
               "wavefunctions": res.wavefunctions}.items()}
    units = {**{k: "bohr" for k in axes}, "potential": "hartree", "energies": "hartree",
             "wavefunctions": f"bohr^-{V.ndim / 2:g}"}
    attrs = provenance("schrodinger.spectrum", {"extent": extent, "n_states": n_states, "shape": list(V.shape),
                                                "stencil": res.stencil}, None)  # deterministic: no seed
    return Dataset(arrays, units, attrs)
