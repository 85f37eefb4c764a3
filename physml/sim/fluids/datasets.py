"""Data sets of many trajectories from Gaussian-random-field initial conditions (HDF5 via :class:`Dataset`).

Arrays (first axis: trajectory): Burgers ``u`` ``(n, n_save + 1, n_grid)``; Navier-Stokes
``vorticity`` ``(n, n_save + 1, n_grid, n_grid)``. Snapshot 0 is the initial condition. The
times and grid are in the provenance (``parameters``: the solver parameters, the random-field
parameters and ``n_samples``) and in the ``t`` and ``x`` attributes. One
``numpy.random.default_rng(seed)`` draws all initial conditions, so a seed gives identical files.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from physml.data import Dataset, provenance, seed_record

from ...validation import check_int
from .burgers import BurgersParams, _check_field, burgers_solve
from .grf import GRFParams, gaussian_random_field
from .navier_stokes import NavierStokesParams, navier_stokes_solve

__all__ = ["burgers_dataset", "navier_stokes_dataset"]


def _attrs(name: str, params, grf: GRFParams, n: int, seed) -> dict:
    record = {"solver": asdict(params), "grf": asdict(grf) if grf is not None else "given initial conditions",
              "n_samples": n}
    attrs = provenance(name, record, seed_record(seed) if seed is not None else None)
    attrs["t"] = params.times.tolist()
    attrs["x"] = params.x.tolist()
    return attrs


def burgers_dataset(n_samples: int, params: BurgersParams, grf: GRFParams = GRFParams(), *,
                    seed: int | np.random.Generator, batch: int = 256, initial: np.ndarray | None = None) -> Dataset:
    """``n_samples`` Burgers trajectories from GRF initial conditions (see module docstring).

    ``initial`` (``(n_grid,)`` or ``(n, n_grid)``): solve these initial conditions instead (no draws).
    """
    if initial is not None:
        u0 = _check_field(initial, (params.n_grid,), "initial").reshape(-1, params.n_grid)
        n_samples = len(u0)
        attrs = _attrs("fluids.burgers", params, None, n_samples, None)
    else:
        n_samples = check_int("n_samples", n_samples, 1)
        attrs = _attrs("fluids.burgers", params, grf, n_samples, seed)
        u0 = gaussian_random_field(n_samples, params.n_grid, params.length, grf, dim=1, seed=seed)
    u = np.empty((n_samples, params.n_save + 1, params.n_grid))
    for s in range(0, n_samples, batch):
        u[s:s + batch] = np.moveaxis(burgers_solve(u0[s:s + batch], params), 0, 1)
    return Dataset({"u": u}, {"u": "1"}, attrs)


def navier_stokes_dataset(n_samples: int, params: NavierStokesParams, grf: GRFParams, *,
                          seed: int | np.random.Generator, batch: int = 32,
                          initial: np.ndarray | None = None) -> Dataset:
    """``n_samples`` vorticity trajectories from 2D GRF initial vorticity (see module docstring).

    ``initial`` (``(n_grid, n_grid)`` or ``(n, n_grid, n_grid)``): solve these instead (no draws).
    """
    n = params.n_grid
    if initial is not None:
        w0 = _check_field(initial, (n, n), "initial").reshape(-1, n, n)
        n_samples = len(w0)
        attrs = _attrs("fluids.navier_stokes", params, None, n_samples, None)
    else:
        n_samples = check_int("n_samples", n_samples, 1)
        attrs = _attrs("fluids.navier_stokes", params, grf, n_samples, seed)
        w0 = gaussian_random_field(n_samples, n, params.length, grf, dim=2, seed=seed)
    w = np.empty((n_samples, params.n_save + 1, n, n))
    for s in range(0, n_samples, batch):
        w[s:s + batch] = np.moveaxis(navier_stokes_solve(w0[s:s + batch], params), 0, 1)
    return Dataset({"vorticity": w}, {"vorticity": "1/s"}, attrs)
