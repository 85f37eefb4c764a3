"""md-structure: an unsupervised mixture on per-atom descriptors separates solid and liquid LJ atoms."""

from __future__ import annotations

import pytest

from physml.errors import ParameterError
from physml.studies import run_study
from study_helpers import audit_checks, run_tiny

TINY = {"temperatures": (0.6, 2.5), "melt_steps": 500, "equilibration_steps": 500, "production_steps": 1000,
        "frames_used": 2}


def test_tiny_run_separates_solid_from_liquid_atoms_and_is_reproducible():
    # at density 1 an fcc crystal at T = 0.6 is deep in the solid and any start at T = 2.5 is a liquid (Agrawal &
    # Kofke 1995); the Lechner-Dellago order of a thermal fcc atom (qbar6 ~ 0.5) and of a liquid one (~0.15) are
    # many widths apart, so a two-component mixture misplaces well under 5 % of the atoms
    r = run_tiny("md-structure", TINY, seed=3)
    checks = audit_checks(r)["Gaussian mixture on per-atom structure descriptors"]
    assert checks == {"known_solid_runs": True, "known_liquid_runs": True, "agreement_qbar": True}
    assert r.metrics["agreement_qbar4_qbar6"] >= 0.95
    again = run_tiny("md-structure", TINY, seed=3)
    assert again.metrics == r.metrics


def test_inconsistent_settings_are_refused_before_any_compute():
    with pytest.raises(ParameterError, match="frames_used"):
        run_study("md-structure", quick=True, overrides={"production_steps": 100, "frames_used": 5})
    with pytest.raises(ParameterError, match="temperatures"):
        run_study("md-structure", quick=True, overrides={"temperatures": (1.0,)})
