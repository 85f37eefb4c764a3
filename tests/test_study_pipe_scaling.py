"""pipe-scaling: least squares on laminar pipe flows recovers the Hagen-Poiseuille exponents."""

from __future__ import annotations

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.studies import run_study
from physml.studies.pipe_scaling import EXACT, INPUTS

CHECKS = {f"exponent_{k.split('_')[0]}_z" for k in INPUTS}


def _exponents(metrics: dict) -> np.ndarray:
    return np.array([metrics[f"exponent_{k.split('_')[0]}"] for k in INPUTS])


def test_nearly_noise_free_flows_give_the_exact_exponents():
    # sigma = 1e-6 in ln(dp): log10 noise 4.3e-7 over ~200 laminar flows whose log inputs spread ~0.3-0.6 decades,
    # so each exponent's standard error is ~1e-7; 1e-5 is a 100-SE margin and still 1e5 below an O(1) error.
    r = run_study("pipe-scaling", seed=0, progress=False, overrides={"n_samples": 1000, "noise_sigma": 1e-6})
    np.testing.assert_allclose(_exponents(r.metrics), EXACT, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_audit_passes_at_the_quick_noise_level(seed):
    # Each check is |fitted - exact| <= 4 standard errors: a false failure has probability 6e-5 per exponent.
    r = run_study("pipe-scaling", quick=True, seed=seed, progress=False)
    (audit,) = r.audits
    assert {c.name for c in audit.checks} == CHECKS
    assert audit.passed, audit.summary()
    assert r.metrics["n_laminar"] > 100


def test_zero_noise_is_refused_before_any_compute():
    with pytest.raises(ParameterError, match="noise_sigma"):
        run_study("pipe-scaling", overrides={"noise_sigma": 0.0})
