"""Finite-difference solvers of the time-independent Schrödinger equation.

``H psi = E psi`` with ``H = -1/2 laplacian + V`` (hbar = m = 1) on a uniform
grid with Dirichlet walls (``psi = 0`` on the boundary). The Hamiltonian is a
sparse matrix; its lowest eigenpairs come from ARPACK (``scipy.sparse.linalg.eigsh``)
in shift-invert mode with the shift just below ``min(V)``, so that the wanted
eigenvalues are the ones nearest the shift and converge in a few iterations.

Stencils for ``d^2/dx^2``:

* ``stencil=2``: ``(psi[i-1] - 2 psi[i] + psi[i+1]) / h^2``, error O(h^2);
* ``stencil=4``: ``(-psi[i-2] + 16 psi[i-1] - 30 psi[i] + 16 psi[i+1] - psi[i+2]) / (12 h^2)``,
  error O(h^4). Next to a wall the point outside is the mirror image
  ``psi[-1] = -psi[1]`` (the odd continuation across a Dirichlet wall), which
  keeps the matrix symmetric and the fourth order (exactly so for the
  infinite well, whose eigenfunctions are odd about each wall).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from ._grid import axis, check_int, check_points, check_stencil, evaluate_potential, parse_extent, parse_points_2d

__all__ = ["SchrodingerResult", "solve_1d", "solve_2d", "kinetic_matrix", "DEFAULT_POINTS_1D", "DEFAULT_POINTS_2D"]

#: default interior points of :func:`solve_1d`
DEFAULT_POINTS_1D = 1000
#: default interior points per axis of :func:`solve_2d`
DEFAULT_POINTS_2D = 128


@dataclass(frozen=True)
class SchrodingerResult:
    """Lowest eigenpairs of ``H = -1/2 laplacian + V`` (hbar = m = 1).

    x:
        interior grid points along x, shape ``(nx,)`` (the walls ``x_min``,
        ``x_max`` are excluded; ``psi`` is zero there).
    y:
        interior grid points along y, shape ``(ny,)``; ``None`` in 1D.
    energies:
        eigenvalues in ascending order, shape ``(n_states,)``, in units of
        hbar^2 / (m length^2).
    wavefunctions:
        real eigenfunctions, shape ``(n_states, nx)`` in 1D and
        ``(n_states, nx, ny)`` in 2D (``psi[k, i, j]`` at ``(x[i], y[j])``),
        normalised so that ``sum |psi|^2 dx (dy) = 1``; sign fixed so that the
        largest-magnitude value is positive. Within a degenerate level the
        basis is an arbitrary orthonormal one.
    dx, dy:
        grid spacings (``dy`` is ``None`` in 1D).
    potential:
        ``V`` on the grid, shape ``(nx,)`` or ``(nx, ny)``.
    stencil:
        accuracy order of the Laplacian, 2 or 4.
    """

    x: np.ndarray
    y: np.ndarray | None
    energies: np.ndarray
    wavefunctions: np.ndarray
    dx: float
    dy: float | None
    potential: np.ndarray
    stencil: int

    @property
    def cell(self) -> float:
        """Area element ``dx`` (1D) or ``dx * dy`` (2D) of the normalisation."""
        return self.dx if self.dy is None else self.dx * self.dy


# ---------------------------------------------------------------- matrices

def kinetic_matrix(n: int, h: float, stencil: int = 4) -> sp.csr_matrix:
    """``-1/2 d^2/dx^2`` on ``n`` interior points of spacing ``h`` with Dirichlet walls (sparse, symmetric)."""
    stencil = check_stencil(stencil)
    if stencil == 2:
        main, off1, off2 = -2.0, 1.0, 0.0
        scale = 1.0 / h**2
    else:
        main, off1, off2 = -30.0, 16.0, -1.0
        scale = 1.0 / (12.0 * h**2)
    diag = np.full(n, main)
    if stencil == 4:  # the ghost psi[-1] = -psi[1] (and its mirror) folds onto the diagonal
        diag[0] -= off2
        diag[-1] -= off2
    offsets = [0, -1, 1] + ([-2, 2] if stencil == 4 else [])
    bands = [diag, np.full(n - 1, off1), np.full(n - 1, off1)] + ([np.full(n - 2, off2)] * 2 if stencil == 4 else [])
    return (-0.5 * scale) * sp.diags(bands, offsets, shape=(n, n), format="csr")


def _lowest_eigenpairs(H: sp.spmatrix, vmin: float, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_states`` lowest eigenpairs of a symmetric ``H`` whose spectrum lies above ``vmin``."""
    n = H.shape[0]
    if n <= max(3 * n_states, 60):  # tiny problems: dense is exact and cheap
        w, v = np.linalg.eigh(H.toarray())
        return w[:n_states], v[:, :n_states]
    # H >= min(V) (the kinetic matrices are positive semi-definite), so a shift
    # below min(V) makes the lowest eigenvalues the ones nearest the shift.
    sigma = vmin - 1.0 - 1e-3 * abs(vmin)
    v0 = np.random.default_rng(0).standard_normal(n)  # fixed start vector: reproducible, not symmetric
    w, v = eigsh(H.tocsc(), k=n_states, sigma=sigma, which="LM", v0=v0, tol=0.0)
    order = np.argsort(w)
    return w[order], v[:, order]


def _normalise(vectors: np.ndarray, cell: float) -> np.ndarray:
    """Columns scaled to ``sum |psi|^2 cell = 1``, largest-magnitude entry positive; returned as rows."""
    psi = vectors / np.sqrt(np.sum(vectors**2, axis=0) * cell)
    idx = np.argmax(np.abs(psi), axis=0)
    signs = np.sign(psi[idx, np.arange(psi.shape[1])])
    signs[signs == 0] = 1.0
    return (psi * signs).T.copy()


# ---------------------------------------------------------------- solvers

def solve_1d(V, x_min: float, x_max: float, n_points: int = DEFAULT_POINTS_1D, n_states: int = 5,
             *, stencil: int = 4) -> SchrodingerResult:
    """Lowest ``n_states`` eigenpairs of ``-1/2 psi'' + V psi = E psi`` on ``(x_min, x_max)``, ``psi = 0`` at both ends.

    ``V`` is a callable ``V(x) -> array`` (x in length units, V in energy
    units) or an array on the ``n_points`` interior points
    ``x_min + h * (1..n_points)``, ``h = (x_max - x_min) / (n_points + 1)``.
    ``n_points >= max(10, 3 * n_states)``. ``stencil`` is the order of the
    finite difference, 2 or 4 (default; 5-point). Raises
    :class:`ParameterError` naming the parameter on bad input, before any
    compute.
    """
    n_states = check_int("n_states", n_states, 1)
    stencil = check_stencil(stencil)
    n = check_points("n_points", n_points, n_states)
    x, h = axis(x_min, x_max, n)
    pot = evaluate_potential(V, (x,))
    H = kinetic_matrix(n, h, stencil) + sp.diags(pot, format="csr")
    w, v = _lowest_eigenpairs(H, float(pot.min()), n_states)
    return SchrodingerResult(x=x, y=None, energies=w, wavefunctions=_normalise(v, h), dx=h, dy=None,
                             potential=pot, stencil=stencil)


def solve_2d(V, extent=10.0, n_points=DEFAULT_POINTS_2D, n_states: int = 5,
             *, stencil: int = 4) -> SchrodingerResult:
    """Lowest ``n_states`` eigenpairs of ``-1/2 (psi_xx + psi_yy) + V psi = E psi`` on a rectangle,
    ``psi = 0`` on its edge.

    ``extent`` is ``(x_min, x_max, y_min, y_max)`` or a half-width ``L`` for
    ``[-L, L]^2``; ``n_points`` interior points per axis (an int, or a pair
    ``(nx, ny)``), each >= 10 and ``nx * ny >= 3 * n_states``. ``V`` is a
    callable ``V(X, Y)`` of the ``indexing='ij'`` mesh, or an array of shape
    ``(nx, ny)``. ``stencil`` is 2 or 4 (default). Raises
    :class:`ParameterError` naming the parameter on bad input.
    """
    n_states = check_int("n_states", n_states, 1)
    stencil = check_stencil(stencil)
    x0, x1, y0, y1 = parse_extent(extent)
    nx, ny = parse_points_2d(n_points, n_states)
    x, hx = axis(x0, x1, nx, "extent", "extent")
    y, hy = axis(y0, y1, ny, "extent", "extent")
    pot = evaluate_potential(V, (x, y))
    Tx, Ty = kinetic_matrix(nx, hx, stencil), kinetic_matrix(ny, hy, stencil)
    H = sp.kron(Tx, sp.identity(ny), format="csr") + sp.kron(sp.identity(nx), Ty, format="csr") \
        + sp.diags(pot.ravel(), format="csr")
    w, v = _lowest_eigenpairs(H, float(pot.min()), n_states)
    psi = _normalise(v, hx * hy).reshape(n_states, nx, ny)
    return SchrodingerResult(x=x, y=y, energies=w, wavefunctions=psi, dx=hx, dy=hy, potential=pot, stencil=stencil)
