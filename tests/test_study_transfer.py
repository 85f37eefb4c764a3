"""The transfer studies' must-show numbers, on presets reduced to test time."""

from __future__ import annotations

import numpy as np
import pytest

from physml.studies import run_study

from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def test_transfer_water_fine_tune_halves_the_scratch_error():
    res = run_study("transfer-water", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(n_source=500, n_target_pool=60, n_target_test=150, sizes=(5, 20), repeats=2,
                                   epochs_source=250, epochs_target=200))
    m = res.metrics
    assert m["error_ratio_finetune_vs_scratch_20"] <= 0.5
    assert m["audit_d2o_viscosity_model_fine_tuned_on_20_points_frozen_parameters_max_change"] == 0.0
    assert np.isfinite(m["rmse_source_no_adaptation"])
    assert {"source_model", "d2o_labelled.h5"} <= set(res.artifacts)


def test_transfer_argon_closes_half_the_gap_with_20_real_states():
    res = run_study("transfer-argon", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(n_source=1000, n_target_test=200, sizes=(20,), repeats=2, epochs_source=400))
    m = res.metrics
    assert m["error_ratio_after_vs_before"] <= 0.5
    assert m["rmse_before"] > 0.01  # the gap is there to close: Z off by > 1 % rms
    assert m["lj_critical_temperature_reduced"] == pytest.approx(1.313, abs=0.005)


def test_transfer_ising_adapted_tc_within_2_percent_and_better_than_unadapted():
    res = run_study("transfer-ising", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(samples=40, repeats=1, grid_shift=0.0, epochs=10))
    m = res.metrics
    exact = 4.0 / np.log(3.0)
    assert abs(m["tc_adapted"] - exact) / exact <= 0.02
    assert abs(m["tc_adapted"] - exact) < abs(m["tc_unadapted"] - exact)
    assert abs(m["tc_square_source"] - 2.269185) / 2.269185 <= 0.03  # the classifier is right on its own lattice
