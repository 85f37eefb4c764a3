"""The tabular studies, quick presets, end to end: real physical data in, audited models and a run out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from physml.cli import main
from physml.sim import water

pytestmark = pytest.mark.slow


def run_quick(name: str, runs: Path) -> tuple[Path, dict]:
    with pytest.raises(SystemExit) as exc:
        main(["study", "run", name, "--quick", "--seed", "0", "--runs-dir", str(runs), "--quiet", "--device", "cpu"])
    assert exc.value.code == 0
    run = next(p for p in runs.iterdir() if p.is_dir() and p.name.startswith(name))
    return run, json.loads((run / "metrics.json").read_text())


def failed_audits(metrics: dict) -> list[str]:
    return [k for k, v in metrics.items() if k.startswith("audit_") and k.endswith("_passed") and v != 1.0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("tabular-runs")


def test_water_phases_and_predict_from_the_study_run(runs, tmp_path, capsys):
    run, m = run_quick("water-phases", runs)
    assert failed_audits(m) == []
    assert m["test_accuracy"] >= 0.99 and m["hard_accuracy"] >= 0.95
    for key in ("best_model", "best_cv_score", "mlp_test_accuracy", "cv_mlp_mean", "cv_mlp_std"):
        assert key in m
    # the run's best model applied to new states with `physml predict`: phases agree with IAPWS
    rng = np.random.default_rng(5)
    T, lp = rng.uniform(200, 1000, 300), rng.uniform(-6, 2, 300)
    pd.DataFrame({"temperature_K": T, "log10_pressure_MPa": lp}).to_csv(tmp_path / "states.csv", index=False)
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(run), str(tmp_path / "states.csv"), "-o", str(tmp_path / "phases.csv")])
    assert exc.value.code == 0
    pred = pd.read_csv(tmp_path / "phases.csv")["prediction"].to_numpy()
    assert np.mean(pred == water.phase_of(T, 10**lp)) >= 0.97


def test_water_conductivity_beats_linear(runs):
    _, m = run_quick("water-conductivity", runs)
    assert failed_audits(m) == []
    assert m["best_r2"] >= 0.995 and m["linear_r2"] < 0.9  # the jump at saturation defeats a linear model


def test_element_properties(runs):
    run, m = run_quick("element-properties", runs)
    assert failed_audits(m) == []
    assert m["n_elements"] >= 70 and m["best_cv_score"] > 0.5
    assert (run / "figures" / "shap_summary.png").is_file()


def test_feature_importance_finds_the_physics(runs):
    _, m = run_quick("feature-importance", runs)
    assert failed_audits(m) == []
    assert abs(m["length_exponent"] - 1.0) <= 0.02
