"""Per-atom structure descriptors: exact Steinhardt values on perfect lattices, rotation invariance, neighbour
search against brute force, local g(r) normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from physml.errors import ParameterError
from physml.sim.md.structure import coordination, descriptors, local_rdf, neighbours, steinhardt

FCC = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
BCC = [[0, 0, 0], [0.5, 0.5, 0.5]]
SC = [[0, 0, 0]]


def _lattice(basis, m: int, a: float = 1.0) -> tuple[np.ndarray, float]:
    cells = np.stack(np.meshgrid(*(np.arange(m),) * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    return ((cells + np.array(basis, float)[None]) * a).reshape(-1, 3), m * a


def _hcp(m: int) -> tuple[np.ndarray, np.ndarray]:
    """An hcp crystal (ideal c/a, nearest distance 1) in an orthorhombic box: positions and box sides."""
    a, c = 1.0, np.sqrt(8 / 3)
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 1 / 6, 0.5], [0, 2 / 3, 0.5]])
    sides = np.array([a, a * np.sqrt(3), c])
    cells = np.stack(np.meshgrid(*(np.arange(m),) * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    return ((cells + basis[None]) * sides).reshape(-1, 3), sides * m


# Steinhardt et al. 1983 / Lechner & Dellago 2008, Table I (first shell)
@pytest.mark.parametrize("basis,r_cut,n,q4,q6", [
    (FCC, 0.8, 12, 0.19094, 0.57452),
    (BCC, 0.9, 8, 0.50918, 0.62854),
    (BCC, 1.1, 14, 0.03637, 0.51069),
    (SC, 1.1, 6, 0.76376, 0.35355),
])
def test_perfect_lattices_give_the_tabulated_values(basis, r_cut, n, q4, q6):
    x, L = _lattice(basis, 4)
    nb = neighbours(x, L, r_cut=r_cut)
    assert np.all(coordination(nb) == n)
    q, qbar = steinhardt(nb), steinhardt(nb, averaged=True)
    np.testing.assert_allclose(q, np.tile([q4, q6], (len(x), 1)), atol=1e-5)  # tables give 5 digits
    np.testing.assert_allclose(qbar, q, atol=1e-12)  # every neighbour has the same environment


def test_hcp_differs_from_fcc_at_the_same_coordination():
    # a dense box of hcp built in an open cluster: the central atom's environment is exact
    x, sides = _hcp(4)
    centre = np.argmin(np.sum((x - sides / 2) ** 2, axis=1))
    nb = neighbours(x, None, r_cut=1.2)
    assert coordination(nb)[centre] == 12
    np.testing.assert_allclose(steinhardt(nb)[centre], [0.09722, 0.48476], atol=1e-5)


def test_invariant_under_rotation_translation_and_periodic_images():
    rng = np.random.default_rng(0)
    x, L = _lattice(FCC, 4, a=1.55)
    x = x + rng.normal(0, 0.08, x.shape)  # a thermal crystal
    nb = neighbours(x, L, r_cut=1.4)
    ref = np.column_stack([steinhardt(nb, (4, 6, 8)), steinhardt(nb, (4, 6), averaged=True)])
    # translation by any vector, with wrapping into the box, and images shifted by whole boxes
    shifted = x + rng.uniform(-3 * L, 3 * L, 3)
    nb2 = neighbours(shifted + L * rng.integers(-2, 3, x.shape), L, r_cut=1.4)
    np.testing.assert_allclose(np.column_stack([steinhardt(nb2, (4, 6, 8)), steinhardt(nb2, (4, 6), averaged=True)]),
                               ref, atol=1e-12)
    # rotation: an open cluster (a periodic box is not rotation invariant); the invariants do not change
    R = Rotation.random(random_state=1).as_matrix()
    cluster = neighbours(x, None, r_cut=1.4)
    rotated = neighbours(x @ R.T, None, r_cut=1.4)
    np.testing.assert_array_equal(coordination(cluster), coordination(rotated))
    a = np.column_stack([steinhardt(cluster, (4, 6, 8)), steinhardt(cluster, (4, 6), averaged=True)])
    b = np.column_stack([steinhardt(rotated, (4, 6, 8)), steinhardt(rotated, (4, 6), averaged=True)])
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_neighbours_match_brute_force_minimum_image():
    rng = np.random.default_rng(2)
    L = 7.0
    x = rng.uniform(0, L, (300, 3))
    nb = neighbours(x, L, r_cut=1.6)
    d = x[None] - x[:, None]
    d -= L * np.rint(d / L)
    r = np.sqrt((d * d).sum(-1))
    np.fill_diagonal(r, np.inf)
    expected = {(i, j) for i, j in zip(*np.nonzero(r < 1.6))}
    assert set(zip(nb.i.tolist(), nb.j.tolist())) == expected
    np.testing.assert_allclose(nb.d, d[nb.i, nb.j], atol=1e-12)
    k = neighbours(x, L, r_cut=3.0, n_neighbors=6)
    assert np.all(coordination(k) == 6)
    np.testing.assert_allclose(np.sort(k.r.reshape(300, 6), axis=1), np.sort(r, axis=1)[:, :6], atol=1e-12)


def test_local_rdf_of_an_ideal_gas_averages_to_one():
    # Poisson points: each shell's count is Poisson with the ideal-gas mean, so the mean over 2000 atoms of g in
    # a shell with ~n expected neighbours is 1 within 5 / sqrt(2000 n)
    rng = np.random.default_rng(3)
    L, n = 12.0, 2000
    x = rng.uniform(0, L, (n, 3))
    r, g = local_rdf(neighbours(x, L, r_cut=3.0), n / L**3, r_max=3.0, n_bins=6)
    expected = n / L**3 * 4 / 3 * np.pi * ((r + 0.25) ** 3 - (r - 0.25) ** 3)
    assert np.all(np.abs(g.mean(0) - 1) < 5 / np.sqrt(n * expected))
    # in a perfect fcc crystal the first shell holds exactly 12 neighbours
    xf, Lf = _lattice(FCC, 4)
    r, g = local_rdf(neighbours(xf, Lf, r_cut=1.0), len(xf) / Lf**3, r_max=1.0, n_bins=10)
    shell = len(xf) / Lf**3 * 4 / 3 * np.pi * (0.8**3 - 0.7**3)  # 1/sqrt(2) = 0.707 lies in [0.7, 0.8)
    np.testing.assert_allclose(g[:, 7] * shell, 12.0)


def test_descriptor_matrix_and_bad_input():
    x, L = _lattice(FCC, 4, a=1.6)
    X, names = descriptors(x, L, r_cut=1.4, rdf_r_max=2.0, rdf_bins=5)
    assert X.shape == (len(x), 5 + 5) and names[:5] == ["q4", "q6", "qbar4", "qbar6", "coordination"]
    np.testing.assert_allclose(X[:, :4], np.tile([0.19094, 0.57452, 0.19094, 0.57452], (len(x), 1)), atol=1e-5)
    with pytest.raises(ParameterError, match="r_cut"):
        neighbours(x, L, r_cut=L)  # beyond the minimum image
    with pytest.raises(ParameterError, match="positions"):
        neighbours(np.full((4, 3), np.nan), L)
    with pytest.raises(ParameterError, match="n_neighbors"):
        neighbours(x, L, r_cut=1.2, n_neighbors=13)  # only 12 atoms within 1.2
