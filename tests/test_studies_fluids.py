"""The fluid studies at tiny sizes: every promised metric present and sane, the solver audit passes,
runs are reproducible from the seed."""

from __future__ import annotations

import dataclasses
import math

import pytest

from physml.errors import ParameterError
from physml.studies import burgers_operator as bo

from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)
pytestmark = pytest.mark.slow


def test_burgers_operator_tiny():
    config = dataclasses.replace(bo.QUICK, n_grid=64, n_train=60, n_test=10, epochs=8, modes=8, width=16, layers=2)
    r = bo.run(config, seed=0, progress=False, device="cpu")
    m = r.metrics
    for key in ("rel_l2_test", "rel_l2_test_2x", "rel_l2_test_4x", "rel_l2_test_half", "rel_l2_train",
                "solver_vs_cole_hopf_rel_l2", "fno_seconds_per_sample", "solver_seconds_per_sample"):
        assert key in m and math.isfinite(m[key]) and m[key] >= 0, key
    assert m["solver_vs_cole_hopf_rel_l2"] <= 1e-6 and m["audit_pseudo_spectral_solver_passed"] == 1.0
    # the map is far from the identity; even 8 epochs of the FNO must beat predicting u0 unchanged
    assert m["rel_change_u0_to_u1"] > 0.5
    assert m["rel_l2_test"] < 0.5 * m["rel_change_u0_to_u1"]
    # zero-shot on the 2x grid: the same function, so the error stays of the same size
    assert m["rel_l2_test_2x"] < 2 * m["rel_l2_test"] + 1e-3
    assert {f.name for f in r.figures} == {"predictions", "resolution"}
    assert set(r.artifacts) == {"burgers_trajectories.h5", "fno"}
    again = bo.run(config, seed=0, progress=False, device="cpu").metrics
    assert again["rel_l2_test"] == m["rel_l2_test"]


def test_burgers_operator_config_validated():
    with pytest.raises(ParameterError, match="'modes'"):
        bo.Config(n_grid=32, modes=16)
    with pytest.raises(ParameterError, match="'nu'"):
        bo.Config(nu=-0.1)
