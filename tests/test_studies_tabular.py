"""The tabular studies, quick presets, end to end: real physical data in, audited models out.

Each test checks that the study's audits exist by name and pass, and holds every model of its zoo to a
quality floor over the mean predictor (held-out R² = 1 - MSE / MSE of predicting the test mean, so R² > 0
beats it). Floors are set below the lowest value measured over seeds 0-2 at the quick preset, margin stated.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import single_threaded
from physml.cli import main
from physml.sim import water
from physml.studies import run_study

pytestmark = pytest.mark.slow
_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def quick(name: str, **overrides):
    return run_study(name, quick=True, seed=0, progress=False, device="cpu", overrides=overrides or None)


def assert_audit(result, subject: str, names: list[str]) -> None:
    """The audit on ``subject`` exists, holds every check in ``names``, and all of them pass (and reach metrics)."""
    (audit,) = [a for a in result.audits if a.subject == subject]
    checks = {c.name: c for c in audit.checks}
    assert set(names) <= set(checks), sorted(set(names) - set(checks))
    assert [n for n in names if not checks[n].passed] == []
    key = "audit_" + re.sub(r"[^a-z0-9]+", "_", subject.lower()).strip("_")
    for n in names:
        assert result.metrics[f"{key}_{n}_passed"] == 1.0, n


def test_water_phases_and_predict_from_the_study_run(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(SystemExit) as exc:
        main(["study", "run", "water-phases", "--quick", "--seed", "0", "--runs-dir", str(runs), "--quiet",
              "--device", "cpu"])
    assert exc.value.code == 0
    run = next(p for p in runs.iterdir() if p.is_dir() and p.name.startswith("water-phases"))
    m = json.loads((run / "metrics.json").read_text())
    subjects = {m["best_model"], "mlp"}
    for s in subjects:
        for check in ("test_accuracy", "hard_accuracy", "grid_agreement", "textbook_points"):
            assert m[f"audit_{s}_phase_classifier_{check}_passed"] == 1.0, (s, check)
    # the audits hold the best classifier and the MLP to >= 0.99 held-out accuracy (the majority class is ~0.5)
    assert m["mlp_test_accuracy"] >= 0.99 and m["test_accuracy"] >= 0.99
    # the run's best model applied to new states with `physml predict`, from raw temperature and pressure (the
    # model keeps its log10 transform): phases agree with IAPWS
    rng = np.random.default_rng(5)
    T, lp = rng.uniform(200, 1000, 300), rng.uniform(-6, 2, 300)
    pd.DataFrame({"temperature_K": T, "pressure_MPa": 10**lp}).to_csv(tmp_path / "states.csv", index=False)
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(run), str(tmp_path / "states.csv"), "-o", str(tmp_path / "phases.csv")])
    assert exc.value.code == 0
    table = pd.read_csv(tmp_path / "phases.csv")
    pred = table["prediction"].to_numpy()
    assert np.mean(pred == water.phase_of(T, 10**lp)) >= 0.97
    # every state lies in the training ranges: few are flagged; 90 % prediction sets hold the IAPWS phase
    assert table["flagged"].mean() <= 0.05
    hits = [p in s.split("|") for p, s in zip(water.phase_of(T, 10**lp), table["prediction_set_90"])]
    assert np.mean(hits) >= 0.9


def test_water_conductivity_beats_linear():
    r = quick("water-conductivity")
    m = r.metrics
    assert_audit(r, f"{m['best_model']} conductivity model",
                 ["test_r2", "r2_gain_over_linear", "saturation_jump_rel_error", "min_predicted_k"])
    # the jump of k by ~20x at saturation defeats a linear model: R² well below 0.9, yet above the mean predictor
    # (R² 0) since the trend in T is learned (seeds 0-2: 0.50-0.65)
    assert 0.3 < m["linear_r2"] < 0.9
    # the rest of the zoo against the mean predictor; floors below the lowest of seeds 0-2 (poly_ridge 0.72,
    # gbt 0.984, forest 0.9957) by 0.2, 0.03 and 0.005
    for name, floor in (("poly_ridge", 0.5), ("gbt", 0.95), ("forest", 0.99)):
        assert m[f"test_{name}_r2"] >= floor, name


def test_element_properties_beats_the_mean_predictor():
    r = quick("element-properties")
    m = r.metrics
    assert m["n_elements"] >= 70
    assert_audit(r, f"{m['best_model']} melting_point model", ["cv_r2_minus_2std", "test_rmse_over_mean_predictor"])
    assert m["best_test_rmse"] <= 0.8 * m["mean_predictor_test_rmse"]
    # ~80 elements and a test split of ~17: held-out R² scatters with the split. Each nonlinear model beats the mean
    # predictor (R² 0) with a floor ~0.1 below the lowest of seeds 0-2 (forest 0.61-0.77, gp 0.51-0.88,
    # gbt 0.31-0.79). Linear regression gets no floor: on seed 2 it is worse than the mean (-1.31).
    for name, floor in (("forest", 0.5), ("gp", 0.4), ("gbt", 0.2)):
        assert m[f"test_{name}_r2"] >= floor, name
    assert any(f.name == "shap_summary" for f in r.figures)


def test_feature_importance_finds_the_physics():
    r = quick("feature-importance")
    m = r.metrics
    names = [f"{kind}_{method}" for method in ("coefficients_linear", "permutation_linear", "shap_linear",
                                                f"permutation_{m['best_model']}", f"shap_{m['best_model']}")
             for kind in ("decoy_rank", "top2_match")]
    assert_audit(r, "explanations vs the Darcy–Weisbach law", sorted(set(names)) + ["length_exponent_error"])
    assert abs(m["length_exponent"] - 1.0) <= 0.02
    # log10 Δp with 2 % log-normal noise (0.0087 in log10) over a spread of ~1.3 decades: R² ~ 0.985-0.99;
    # floor 0.97 for both models (seeds 0-2: >= 0.98)
    for name in ("linear", "gbt"):
        assert m[f"test_{name}_r2"] >= 0.97, name
