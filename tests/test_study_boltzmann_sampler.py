"""boltzmann-sampler: a flow and an autoregressive network reproduce exact free energies through their weights."""

from __future__ import annotations

import pytest

from physml.errors import ParameterError
from physml.studies import run_study
from study_helpers import audit_checks, run_tiny

# L = 4 at beta = 0.44: 16 spins, Kaufman's F exact; 300 steps give ESS ~ 0.5-0.9, so 10,000 reweighted samples pin
# ln Z to ~1e-2, F/N to ~5e-4 relative: inside the study's 0.1 % threshold
TINY = {"flow_steps": 200, "flow_batch": 128, "flow_samples": 20000, "L": 4, "betas": (0.44,), "van_steps": 300,
        "van_batch": 128, "van_lr": 1e-2, "van_samples": 10000, "mc_samples": 400}


def test_tiny_run_meets_the_exact_free_energies_and_is_reproducible():
    r = run_tiny("boltzmann-sampler", TINY, seed=0)
    flow = audit_checks(r)["normalising flow on the tilted double well"]
    van = audit_checks(r)["autoregressive network on the 4x4 Ising model"]
    assert flow == {"double_well_ess": True, "double_well_df_abs_err": True}
    assert set(van) == {f"b044_{k}" for k in ("f_reweighted_rel_err", "f_variational_rel_err", "f_variational_bound",
                                              "energy_vs_exact_z", "energy_vs_mc_z", "abs_m_vs_mc_z")}
    assert all(van.values()), van
    # the variational free energy is an upper bound, reweighting removes its bias
    assert r.metrics["b044_f_var"] > r.metrics["b044_f_exact"]
    assert abs(r.metrics["b044_f_rw"] - r.metrics["b044_f_exact"]) < r.metrics["b044_f_var"] - r.metrics["b044_f_exact"]
    assert run_tiny("boltzmann-sampler", TINY, seed=0).metrics == r.metrics


def test_bad_settings_are_refused_before_any_compute():
    with pytest.raises(ParameterError, match="betas"):
        run_study("boltzmann-sampler", quick=True, overrides={"betas": ()})
    with pytest.raises(ParameterError, match="L"):
        run_study("boltzmann-sampler", quick=True, overrides={"L": 5})
    with pytest.raises(ParameterError, match="flow"):
        run_study("boltzmann-sampler", quick=True, overrides={"flow": "glow"})
