"""Helpers shared by the study tests (imported as ``from study_helpers import ...``; pytest puts tests/ on the path)."""

from __future__ import annotations

import inspect

import numpy as np

from physml.models import load_model
from physml.studies import run_study

__all__ = ["run_tiny", "audit_checks", "reloads_identically"]


def run_tiny(name: str, overrides: dict, seed: int = 0):
    """The quick preset with ``overrides``, on one CPU thread, without progress bars."""
    return run_study(name, quick=True, seed=seed, progress=False, device="cpu", overrides=overrides, threads=1)


def audit_checks(result) -> dict[str, dict[str, bool]]:
    """``{audit subject: {check name: passed}}``."""
    return {a.subject: {c.name: c.passed for c in a.checks} for a in result.audits}


def reloads_identically(result, artifact: str, X: np.ndarray, tmp_path):
    """The artifact written by the study loads with physml.models.load_model and predicts what the in-memory
    model predicts, bit for bit (same weights, same CPU kernels)."""
    writer = result.artifacts[artifact]
    model = inspect.signature(writer).parameters["model"].default
    writer(tmp_path / artifact)
    saved = load_model(tmp_path / artifact)
    assert type(saved.estimator) is type(model)
    np.testing.assert_array_equal(saved.estimator.predict(X), model.predict(X))
    return saved
