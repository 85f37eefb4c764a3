"""Per-atom structure descriptors of particle configurations: Steinhardt bond order, coordination, local g(r).

For atom ``i`` with neighbours ``N(i)`` (every atom closer than ``r_cut``, or its ``n_neighbors`` nearest),
Steinhardt, Nelson & Ronchetti (1983) define ``q_lm(i) = (1/|N(i)|) sum_{j in N(i)} Y_lm(r_ij / |r_ij|)`` and
``q_l(i) = sqrt(4 pi / (2l + 1) sum_m |q_lm(i)|^2)``, invariant under rotations. Lechner & Dellago (2008) average
``q_lm`` over the atom and its neighbours before forming the invariant, ``q̄_l``, which separates solid-like
from liquid-like atoms far more sharply. Perfect lattices (first shell): fcc ``q4 = 0.19094, q6 = 0.57452``;
hcp ``0.09722, 0.48476``; bcc (8 neighbours) ``0.50918, 0.62854``; simple cubic ``0.76376, 0.35355``.

Positions are in a periodic cubic box of side ``box`` (minimum image; neighbours found with the MD engine's
cell lists) or, with ``box=None``, an open cluster (all pairs). Units are whatever the positions use (sigma
for physml's Lennard-Jones runs).

* :func:`neighbours`: the neighbour pairs and their separation vectors;
* :func:`steinhardt`: ``q_l`` and ``q̄_l`` for several ``l``;
* :func:`coordination`: neighbours per atom;
* :func:`local_rdf`: each atom's g(r) histogram;
* :func:`descriptors`: all of them as one feature matrix per atom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ParameterError
from ...validation import check_int, check_real
from ._kernels import build_pairs

__all__ = ["Neighbours", "neighbours", "steinhardt", "coordination", "local_rdf", "descriptors"]


@dataclass(frozen=True)
class Neighbours:
    """Directed neighbour pairs: atom ``i[k]`` sees atom ``j[k]`` at separation ``d[k] = r_j - r_i`` (minimum image);
    each unordered pair appears twice. ``n_atoms`` atoms."""

    i: np.ndarray
    j: np.ndarray
    d: np.ndarray
    n_atoms: int

    @property
    def r(self) -> np.ndarray:
        return np.sqrt(np.sum(self.d * self.d, axis=1))


def _positions(positions: object, box: float | None) -> tuple[np.ndarray, float | None]:
    x = np.asarray(positions, np.float64)
    if x.ndim != 2 or x.shape[1] != 3 or len(x) < 2 or not np.all(np.isfinite(x)):
        raise ParameterError.invalid("positions", f"array of shape {x.shape}", "a finite (N, 3) array, N >= 2")
    if box is None:
        return x, None
    L = check_real("box", box, 0.0, np.inf, "(length)")
    if L <= 0:
        raise ParameterError.invalid("box", box, "a box side > 0")
    return x - L * np.floor(x / L), L


def _pairs_within(x: np.ndarray, L: float | None, r_list: float) -> tuple[np.ndarray, np.ndarray]:
    if L is None:
        iu, ju = np.triu_indices(len(x), 1)
        d = x[ju] - x[iu]
        keep = np.sum(d * d, axis=1) < r_list * r_list
        return iu[keep], ju[keep]
    if r_list > L / 2:
        raise ParameterError.invalid("r_cut", r_list, f"at most half the box side ({L / 2:.4g}) for the minimum image")
    pi, pj = build_pairs(x, L, r_list)
    return np.asarray(pi), np.asarray(pj)


def neighbours(positions: np.ndarray, box: float | None = None, *, r_cut: float | None = 1.5,
               n_neighbors: int | None = None) -> Neighbours:
    """Neighbours closer than ``r_cut``, or (``n_neighbors`` given) each atom's ``n_neighbors`` nearest among
    those closer than ``r_cut`` (``r_cut=None``: as far as the minimum image allows). The nearest-neighbour list
    is not symmetric (j may be among i's nearest but not the reverse)."""
    x, L = _positions(positions, box)
    if n_neighbors is not None:
        n_neighbors = check_int("n_neighbors", n_neighbors, 1, len(x) - 1)
    if r_cut is None:
        if n_neighbors is None:
            raise ParameterError.invalid("r_cut", r_cut, "a distance > 0 when n_neighbors is not given")
        r_cut = (L / 2 * 0.999) if L is not None else np.inf
    else:
        r_cut = check_real("r_cut", r_cut, 0.0, np.inf, "(length)", closed="neither")
    if L is None and not np.isfinite(r_cut):
        r_cut = float(np.ptp(x, axis=0).max() * 2 + 1.0)
    pi, pj = _pairs_within(x, L, r_cut)
    i = np.concatenate([pi, pj])
    j = np.concatenate([pj, pi])
    d = x[j] - x[i]
    if L is not None:
        d -= L * np.rint(d / L)
    r2 = np.sum(d * d, axis=1)
    keep = r2 < r_cut * r_cut
    i, j, d, r2 = i[keep], j[keep], d[keep], r2[keep]
    if n_neighbors is not None:
        order = np.lexsort((r2, i))
        i, j, d = i[order], j[order], d[order]
        counts = np.bincount(i, minlength=len(x))
        if counts.min() < n_neighbors:
            raise ParameterError.invalid("n_neighbors", n_neighbors,
                                         f"at most {counts.min()}, the fewest atoms any atom has within r_cut")
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(i)) - start[i]
        keep = rank < n_neighbors
        i, j, d = i[keep], j[keep], d[keep]
    return Neighbours(i, j, d, len(x))


def _check_ls(ls: object) -> tuple[int, ...]:
    ls = (ls,) if isinstance(ls, (int, np.integer)) else tuple(ls)
    if not ls:
        raise ParameterError.invalid("ls", ls, "one or more integers in [1, 12]")
    return tuple(check_int("ls", v, 1, 12) for v in ls)


def _q_lm(nb: Neighbours, ell: int) -> np.ndarray:
    """``q_lm(i)`` for m = -ell..ell: shape (N, 2 ell + 1), complex."""
    try:
        from scipy.special import sph_harm_y  # scipy >= 1.15
    except ImportError:  # older scipy: sph_harm(m, l, azimuth, polar)
        from scipy.special import sph_harm

        def sph_harm_y(n, m, theta, phi):
            return sph_harm(m, n, phi, theta)

    r = nb.r
    theta = np.arccos(np.clip(nb.d[:, 2] / np.where(r > 0, r, 1.0), -1.0, 1.0))
    phi = np.arctan2(nb.d[:, 1], nb.d[:, 0])
    m = np.arange(-ell, ell + 1)
    Y = sph_harm_y(ell, m[None, :], theta[:, None], phi[:, None])
    count = np.bincount(nb.i, minlength=nb.n_atoms).astype(float)
    out = np.zeros((nb.n_atoms, 2 * ell + 1), complex)
    np.add.at(out, nb.i, Y)
    return out / np.maximum(count, 1.0)[:, None]


def _invariant(q_lm: np.ndarray, ell: int) -> np.ndarray:
    return np.sqrt(4 * np.pi / (2 * ell + 1) * np.sum(np.abs(q_lm) ** 2, axis=1))


def steinhardt(nb: Neighbours, ls: int | tuple[int, ...] = (4, 6), *, averaged: bool = False) -> np.ndarray:
    """Per-atom ``q_l`` (``averaged=True``: Lechner-Dellago ``q̄_l``) for each ``l`` in ``ls``: shape (N, len(ls)).

    An atom without neighbours gets 0."""
    out = []
    for ell in _check_ls(ls):
        q = _q_lm(nb, ell)
        if averaged:
            count = np.bincount(nb.i, minlength=nb.n_atoms).astype(float)
            s = q.copy()
            np.add.at(s, nb.i, q[nb.j])
            q = s / (count + 1.0)[:, None]
        out.append(_invariant(q, ell))
    return np.stack(out, axis=1)


def coordination(nb: Neighbours) -> np.ndarray:
    """Number of neighbours of each atom (int array of length N)."""
    return np.bincount(nb.i, minlength=nb.n_atoms)


def local_rdf(nb: Neighbours, density: float, *, r_max: float, n_bins: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Each atom's radial distribution: ``(r, g)`` with bin centres ``r`` and ``g`` of shape (N, n_bins), the
    neighbour count in each shell divided by the ideal-gas count ``density * 4/3 pi (r_hi^3 - r_lo^3)``
    (so g -> 1 at large r on average). ``nb`` must hold every neighbour out to ``r_max`` (built with
    ``r_cut >= r_max``, no ``n_neighbors``)."""
    n_bins = check_int("n_bins", n_bins, 1)
    r_max = check_real("r_max", r_max, 0.0, np.inf, "(length)", closed="neither")
    density = check_real("density", density, 0.0, np.inf, "(per volume)", closed="neither")
    edges = np.linspace(0.0, r_max, n_bins + 1)
    r = nb.r
    keep = r < r_max
    b = np.minimum((r[keep] / r_max * n_bins).astype(np.int64), n_bins - 1)
    hist = np.zeros((nb.n_atoms, n_bins))
    np.add.at(hist, (nb.i[keep], b), 1.0)
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3) * density
    return 0.5 * (edges[1:] + edges[:-1]), hist / shell


def descriptors(positions: np.ndarray, box: float | None, *, r_cut: float = 1.5, ls: tuple[int, ...] = (4, 6),
                rdf_r_max: float | None = None, rdf_bins: int = 10) -> tuple[np.ndarray, list[str]]:
    """Per-atom feature matrix and column names: ``q_l`` and ``q̄_l`` for ``l`` in ``ls``, the coordination
    within ``r_cut`` and (``rdf_r_max`` given) the local g(r) in ``rdf_bins`` shells."""
    ls = _check_ls(ls)
    nb = neighbours(positions, box, r_cut=max(r_cut, rdf_r_max or 0.0))
    inner = nb if not rdf_r_max or rdf_r_max <= r_cut else Neighbours(
        *(a[nb.r < r_cut] for a in (nb.i, nb.j, nb.d)), nb.n_atoms)
    cols = [steinhardt(inner, ls), steinhardt(inner, ls, averaged=True), coordination(inner)[:, None].astype(float)]
    names = [f"q{ell}" for ell in ls] + [f"qbar{ell}" for ell in ls] + ["coordination"]
    if rdf_r_max:
        n = nb.n_atoms
        density = n / box**3 if box is not None else None
        if density is None:
            raise ParameterError.invalid("rdf_r_max", rdf_r_max, "None for an open cluster (no density)")
        r, g = local_rdf(nb, density, r_max=rdf_r_max, n_bins=rdf_bins)
        cols.append(g)
        names += [f"g_{x:.2f}" for x in r]
    return np.column_stack(cols), names
