"""The transfer studies through ``run_study`` on presets reduced to test time: every audit check named, the
must-show numbers against their baselines (from scratch, unadapted, before adaptation)."""

from __future__ import annotations

import numpy as np
import pytest

from physml.studies import run_study


def _checks(result) -> dict[str, object]:
    """Every audit check of a result, by ``"<audit subject>: <check name>"``."""
    return {f"{a.subject}: {c.name}": c for a in result.audits for c in a.checks}


def test_transfer_water_fine_tune_halves_the_scratch_error():
    res = run_study("transfer-water", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(n_source=500, n_target_pool=60, n_target_test=150, sizes=(5, 20), repeats=2,
                                   epochs_source=250, epochs_target=200))
    m, checks = res.metrics, _checks(res)
    subject = "D2O viscosity model fine-tuned on 20 points"
    names = ["error_ratio_finetune_vs_scratch_20", "gain_over_no_adaptation", "frozen_parameters_max_change",
             "source_rmse_h2o"]
    assert set(checks) == {f"{subject}: {n}" for n in names}
    assert all(checks[f"{subject}: {n}"].passed for n in WATER_PASS), [(k, c.value) for k, c in checks.items()]
    assert m["error_ratio_finetune_vs_scratch_20"] <= 0.5  # the must-show: half the scratch error with 20 points
    assert checks[f"{subject}: frozen_parameters_max_change"].value == 0.0  # bit-identical frozen layers
    assert {"source_model", "d2o_labelled.h5"} <= set(res.artifacts)


WATER_PASS = ["error_ratio_finetune_vs_scratch_20", "gain_over_no_adaptation", "frozen_parameters_max_change"]


def test_transfer_argon_closes_half_the_gap_with_20_real_states():
    res = run_study("transfer-argon", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(n_source=1000, n_target_test=200, sizes=(20,), repeats=2, epochs_source=400))
    m, checks = res.metrics, _checks(res)
    names = ["error_ratio_after_vs_before", "lj_eos_critical_temperature", "source_network_fits_lj",
             "adapted_beats_scratch"]
    assert set(checks) == {f"LJ model adapted to argon: {n}" for n in names}
    assert all(checks[f"LJ model adapted to argon: {n}"].passed for n in ARGON_PASS), \
        [(k, c.value) for k, c in checks.items()]
    assert m["error_ratio_after_vs_before"] <= 0.5
    assert m["rmse_before"] > 0.01  # the gap is there to close: Z off by > 1 % rms
    assert m["lj_critical_temperature_reduced"] == pytest.approx(1.313, abs=0.005)


ARGON_PASS = ["error_ratio_after_vs_before", "lj_eos_critical_temperature", "source_network_fits_lj",
              "adapted_beats_scratch"]


def test_transfer_ising_adapted_tc_within_2_percent_and_better_than_unadapted():
    res = run_study("transfer-ising", quick=True, seed=0, progress=False, device="cpu",
                    overrides=dict(samples=40, repeats=1, grid_shift=0.0, epochs=10))
    m, checks = res.metrics, _checks(res)
    subject = "phase classifier on the triangular lattice"
    names = ["tc_adapted_rel_error", "adapted_minus_unadapted_error", "tc_square_rel_error"]
    assert set(checks) == {f"{subject}: {n}" for n in names}  # grid_shift = 0: the shifted-grid check is skipped
    assert all(c.passed for c in checks.values()), [(k, c.value) for k, c in checks.items()]
    exact = 4.0 / np.log(3.0)
    assert abs(m["tc_adapted"] - exact) / exact <= 0.02
    assert abs(m["tc_adapted"] - exact) < abs(m["tc_unadapted"] - exact)
    assert abs(m["tc_square_source"] - 2.269185) / 2.269185 <= 0.03  # the classifier is right on its own lattice
