"""Random 2D potential families after Mills, Spanner & Tamblyn (2017).

K. Mills, M. Spanner and I. Tamblyn, "Deep learning and the Schrödinger
equation", Phys. Rev. A 96, 042113 (2017), trained networks on 2D potentials
drawn from four families on the box ``[-20, 20]^2`` (atomic units, which are
hbar = m = 1 units). :func:`sample_potential` draws the same families, each
from an explicit seed (``numpy.random.default_rng(seed)``), on the grid of
:func:`solve_2d`:

``'harmonic'``
    ``V = 1/2 k_x (x - c_x)^2 + 1/2 k_y (y - c_y)^2``, ``k ~ U(0, 0.16)``,
    ``c ~ U(-8, 8)``.
``'infinite_well'``
    ``V = 0`` inside a random rectangle (sides ``~ U(4, 30)``, centre
    ``~ U(-8, 8)``, clipped to the box) and ``V = 20`` outside: a finite
    stand-in for the infinite wall (the grid edge is the true hard wall).
``'double_inverted_gaussian'``
    ``V = -sum_{i=1,2} A_i exp(-((x - c_xi) / k_xi)^2 - ((y - c_yi) / k_yi)^2)``,
    ``A ~ U(2, 4)``, ``c ~ U(-8, 8)``, ``k ~ U(1.6, 8)``.
``'random'``
    a 16 x 16 grid of random bits on the box (cells of 2.5 bohr), blurred
    with a Gaussian of width ``~ U(1.5, 4)`` (box units), rescaled to
    ``[0, A]`` with ``A ~ U(0.5, 2)``: smooth random landscapes. The blur is
    evaluated in closed form (error functions), so a draw is one continuous
    function sampled on whatever grid is asked for, and its energies converge
    with the grid. (The paper blurred a pixel image instead; the landscapes
    are alike, the details differ.)

The paper's ranges are for the half-width 20. On another box of half-width
``L`` (the smaller of the two half-widths, centred on the box) the family is
rescaled exactly: with ``s = L / 20``, ``V(r) = V_20(r / s) / s^2``, the
scaling under which the Schrödinger equation keeps its form (eigenvalues
scale by ``1 / s^2``, eigenfunctions stretch by ``s``).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import ndtr

from physml.errors import ParameterError

from ._grid import axis, parse_extent, parse_points_2d

__all__ = ["POTENTIAL_FAMILIES", "sample_potential"]

#: names accepted by :func:`sample_potential`
POTENTIAL_FAMILIES = ("harmonic", "infinite_well", "double_inverted_gaussian", "random")
_HALF_WIDTH = 20.0  # the box half-width of the paper, in bohr
_CELLS = 16         # the random family's coarse grid of bits, per axis
_WALL = 20.0        # height of the 'infinite' well's walls, in hartree (at half-width 20)


def _harmonic(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kx, ky = rng.uniform(0.0, 0.16, size=2)
    cx, cy = rng.uniform(-8.0, 8.0, size=2)
    return 0.5 * kx * (X - cx) ** 2 + 0.5 * ky * (Y - cy) ** 2


def _infinite_well(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    wx, wy = rng.uniform(4.0, 30.0, size=2)
    cx, cy = rng.uniform(-8.0, 8.0, size=2)
    inside = (np.abs(X - cx) <= wx / 2) & (np.abs(Y - cy) <= wy / 2)
    return np.where(inside, 0.0, _WALL)


def _double_inverted_gaussian(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    V = np.zeros_like(X)
    for _ in range(2):
        A = rng.uniform(2.0, 4.0)
        cx, cy = rng.uniform(-8.0, 8.0, size=2)
        kx, ky = rng.uniform(1.6, 8.0, size=2)
        V -= A * np.exp(-(((X - cx) / kx) ** 2) - ((Y - cy) / ky) ** 2)
    return V


def _blurred_cells(coord: np.ndarray, width: float) -> np.ndarray:
    """Weights ``P_i(coord)`` of the 16 coarse cells under a Gaussian blur of ``width``: shape ``coord.shape + (16,)``.

    ``P_i(u) = Phi((e_{i+1} - u) / w) - Phi((e_i - u) / w)`` with the cell edges
    ``e_i = -20 + 2.5 i`` and the outer edges at -inf and +inf (the edge cells
    extend outward, as a 'nearest' boundary does); ``Phi`` is the normal CDF.
    """
    edges = _HALF_WIDTH * np.linspace(-1.0, 1.0, _CELLS + 1)
    edges[0], edges[-1] = -np.inf, np.inf
    cdf = ndtr((edges - coord[..., None]) / width)
    return np.diff(cdf, axis=-1)


def _random(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bits = rng.integers(0, 2, size=(_CELLS, _CELLS)).astype(float)
    width = rng.uniform(1.5, 4.0)  # blur width in box units
    amplitude = rng.uniform(0.5, 2.0)
    # The blur of the piecewise-constant bit field, in closed form (a sum of
    # products of error functions), so the potential is one smooth function of
    # (x, y) whatever the grid: its energies converge under grid refinement.
    # Its range is taken on a fixed fine grid of the box, independent of the caller's.
    ref = _blurred_cells(np.linspace(-_HALF_WIDTH, _HALF_WIDTH, 257), width)
    ref_field = ref @ bits @ ref.T
    lo, span = ref_field.min(), np.ptp(ref_field)
    if span == 0:  # all bits equal: a flat potential
        return np.zeros_like(X)
    x_axis, y_axis = X[:, 0], Y[0, :]
    field = _blurred_cells(x_axis, width) @ bits @ _blurred_cells(y_axis, width).T
    return amplitude * (field - lo) / span


_FAMILIES = {
    "harmonic": _harmonic,
    "infinite_well": _infinite_well,
    "double_inverted_gaussian": _double_inverted_gaussian,
    "random": _random,
}


def sample_potential(family: str, extent=20.0, n_points=128, *, seed: int) -> np.ndarray:
    """One potential of ``family`` on the interior grid of ``solve_2d(V, extent, n_points)``, drawn from ``seed``.

    ``family`` is one of :data:`POTENTIAL_FAMILIES`; ``extent`` and
    ``n_points`` mean what they mean for :func:`solve_2d` (so the array can be
    passed to it as ``V``); ``seed`` is an integer for
    ``numpy.random.default_rng``. Returns an array of shape ``(nx, ny)`` in
    energy units hbar^2 / (m length^2) (hartree at half-width 20 bohr).
    """
    if family not in _FAMILIES:
        raise ParameterError.invalid("family", family, f"one of {', '.join(POTENTIAL_FAMILIES)}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterError.invalid("seed", seed, "an integer >= 0")
    x0, x1, y0, y1 = parse_extent(extent)
    nx, ny = parse_points_2d(n_points, 1)
    x, _ = axis(x0, x1, nx, "extent", "extent")
    y, _ = axis(y0, y1, ny, "extent", "extent")
    s = min(x1 - x0, y1 - y0) / 2 / _HALF_WIDTH
    X, Y = np.meshgrid((x - (x0 + x1) / 2) / s, (y - (y0 + y1) / 2) / s, indexing="ij")
    rng = np.random.default_rng(int(seed))
    return _FAMILIES[family](X, Y, rng) / s**2
