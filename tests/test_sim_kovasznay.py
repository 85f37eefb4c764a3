"""The exact Kovasznay flow: its steady Navier-Stokes residual and divergence vanish (finite differences)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.fluids.kovasznay import kovasznay, kovasznay_lambda


def _residuals(x, y, re, h, flow_re=None):
    """Central-difference (O(h^2)) momentum and continuity residuals of the flow at ``flow_re`` with nu = 1/re."""
    flow_re = re if flow_re is None else flow_re

    def f(dx=0.0, dy=0.0):
        return np.stack(kovasznay(x + dx, y + dy, flow_re))

    c, e, w, n, s = f(), f(h), f(-h), f(0, h), f(0, -h)
    dx, dy = (e - w) / (2 * h), (n - s) / (2 * h)
    lap = (e + w + n + s - 4 * c) / h ** 2
    u, v = c[0], c[1]
    mx = u * dx[0] + v * dy[0] + dx[2] - lap[0] / re
    my = u * dx[1] + v * dy[1] + dy[2] - lap[1] / re
    return mx, my, dx[0] + dy[1]


@pytest.mark.parametrize("re", [1.0, 20.0, 40.0])
def test_navier_stokes_residual_and_divergence_vanish_at_second_order(re):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-0.5, 1.0, 200), rng.uniform(-0.5, 1.5, 200)
    res = [np.stack(_residuals(x, y, re, h)) for h in (1e-2, 5e-3, 2.5e-3)]  # (x-mom, y-mom, continuity)
    norms = np.array([np.abs(r).max(axis=1) for r in res])
    # truncation error c h^2 + O(h^4): halving h divides it by 4 (measured 3.9994-4.0015 at Re = 1-40)
    np.testing.assert_allclose(norms[:-1] / norms[1:], 4.0, rtol=0.01)
    # Richardson: (4 r(h/2) - r(h)) / 3 removes the h^2 term; what is left is O(h^4), the limit h -> 0 is 0
    # (measured: at most 8e-6 of the raw residual at h = 1e-2; a residual that does not vanish stays O(1))
    extrapolated = np.abs(4 * res[2] - res[1]).max(axis=1) / 3
    np.testing.assert_array_less(extrapolated, 1e-4 * norms[0] + 1e-12)


def test_wrong_reynolds_number_leaves_a_residual():
    # the test above can fail: the Re = 20 flow does not solve the equations with nu = 1/40
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-0.5, 1.0, 200), rng.uniform(-0.5, 1.5, 200)
    mx, my, div = _residuals(x, y, 40.0, 2.5e-3, flow_re=20.0)
    assert max(np.max(np.abs(mx)), np.max(np.abs(my))) > 0.1  # the viscous term is off by a factor 2
    assert np.max(np.abs(div)) < 1e-3  # it stays divergence-free: continuity does not involve nu


def test_closed_form_values():
    lam = 20 / 2 - math.sqrt(100 + 4 * math.pi ** 2)
    assert kovasznay_lambda(20.0) == pytest.approx(lam, rel=1e-15)
    u, v, p = kovasznay(np.array([0.0]), np.array([0.0]), 20.0)
    # at the origin: u = 1 - 1, v = 0, p = (1 - 1) / 2
    assert (u[0], v[0], p[0]) == (0.0, 0.0, 0.0)
    u, v, p = kovasznay(np.array([0.0]), np.array([0.25]), 20.0)
    assert u[0] == pytest.approx(1.0, abs=1e-15) and v[0] == pytest.approx(lam / (2 * math.pi), rel=1e-15)


@pytest.mark.parametrize("re", [0.0, -1.0, float("nan")])
def test_reynolds_number_must_be_positive(re):
    with pytest.raises(ParameterError, match="'re'"):
        kovasznay_lambda(re)
