"""The quantum studies at tiny sizes: every promised metric present, physics audits of the data, honest baselines."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.schrodinger import POTENTIAL_FAMILIES
from physml.studies import ground_state_energy as gse
from physml.studies import quantum_forecast as qf

from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)
pytestmark = pytest.mark.slow


def test_quantum_forecast_tiny():
    config = dataclasses.replace(qf.QUICK, n_trajectories=20, n_spins=4, horizon=5, window=8, n_times=41,
                                 epochs=2, hidden=8)
    r = qf.run(config, seed=0, progress=False, device="cpu")
    m = r.metrics
    for model in ("persistence", "linear", "lstm", "transformer"):
        for k in (1, 2, 5):
            assert f"rmse_{model}_h{k}" in m
    # persistence holds the last observables, so the energy they imply is exactly the conserved one
    assert m["energy_error_persistence"] < 1e-12
    assert m["audit_exact_tfim_evolution_passed"] == 1.0
    assert m["out_of_range_fraction_lstm"] == 0.0 and m["out_of_range_fraction_transformer"] == 0.0
    # linear prediction of a finite quantum system beats persistence at short horizons even from few windows
    assert m["rmse_linear_h1"] < m["rmse_persistence_h1"]
    assert m["beats_persistence_lstm"] in ("yes", "no")
    again = qf.run(config, seed=0, progress=False, device="cpu").metrics
    assert all(again[k] == m[k] for k in m if k.startswith("rmse_"))


def test_ground_state_energy_tiny():
    config = dataclasses.replace(gse.QUICK, n_random=40, n_other=20, solve_points=16, epochs=2, epochs_other=2,
                                 learning_fractions=(0.5,), n_1d=40, epochs_1d=5)
    r = gse.run(config, seed=0, progress=False, device="cpu")
    m = r.metrics
    for family in (*POTENTIAL_FAMILIES, "parametric_1d"):
        assert m[f"median_abs_error_mha_{family}"] >= 0 and m[f"mean_abs_error_mha_{family}"] >= 0
        assert f"label_error_mha_{family}" in m
    assert m["audit_random_potential_cnn_d4_invariance_mha_passed"] == 1.0
    assert m["speedup_cnn"] > 0 and m["speedup_mlp"] > 0
    # the random family is a smooth closed-form potential: its labels are converged even on 16 points
    assert m["label_error_mha_random"] < 3.0
    assert len(r.figures) == 2 and r.tables


def test_configs_refuse_bad_values():
    with pytest.raises(ParameterError, match="'horizon'"):
        qf.Config(window=60, horizon=50, n_times=101)
    with pytest.raises(ParameterError, match="'network_base'"):
        qf.Config(network_base="ridge")
    with pytest.raises(ParameterError, match="'solve_points'"):
        gse.Config(solve_points=63, pool=2)
    assert np.isclose(gse.PAPER_MEDIAN_MHA["random"], 1.49)
