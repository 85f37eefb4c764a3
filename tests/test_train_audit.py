"""The audit of ``physml train`` and the intervals and applicability flags of ``physml predict``.

Data no one here wrote: nitrogen states from CoolProp's reference equation of state (Span et al. 2000), as a
physml HDF5 table with units. Physics the models are held to: density is positive, rises with pressure at
fixed temperature (mechanical stability) and falls with temperature at fixed pressure (thermal expansion
of a gas and a supercritical fluid).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from physml.cli import main
from physml.data import Dataset
from physml.learn import ApplicabilityDomain, conformal_coverage_band, conformal_quantile
from physml.runs import write_run
from physml.workflows.train_table import train_table

# CoolProp's density is noise-free: the GP's fitted noise level sits at its lower bound, which scikit-learn warns of
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
DECLARE = ["--features", "temperature_K,pressure_MPa", "--transform", "log10:pressure_MPa", "--bounds", "0:",
           "--monotonic", "pressure_MPa:+", "--monotonic", "temperature_K:-"]


def nitrogen(n: int, seed: int, t_range=(150.0, 500.0), p_unit: str = "MPa") -> Dataset:
    from CoolProp.CoolProp import PropsSI

    rng = np.random.default_rng(seed)
    T = rng.uniform(*t_range, n)
    p = 10 ** rng.uniform(-1, np.log10(30), n)
    rho = np.asarray(PropsSI("D", "T", T, "P", p * 1e6, "Nitrogen"), float)
    return Dataset({"temperature_K": T, "pressure_MPa": p * (10 if p_unit == "bar" else 1), "density_kg_m3": rho},
                   {"temperature_K": "K", "pressure_MPa": p_unit, "density_kg_m3": "kg/m^3"})


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def audit_of(run: Path, model: str) -> dict[str, float]:
    m = json.loads((run / "metrics.json").read_text())
    key = f"audit_{model}_density_kg_m3_model_"
    return {k[len(key):]: v for k, v in m.items() if k.startswith(key)}


def test_conformal_quantile_is_the_finite_sample_rank():
    scores = np.arange(19, 0, -1.0)  # 19 calibration scores 1..19, in any order
    assert conformal_quantile(scores, 0.9) == 18.0  # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(scores, 0.5) == 10.0
    assert conformal_quantile(scores, 0.96) == math.inf  # ceil(20 * 0.96) = 20 > 19: no finite interval holds it


def test_conformal_band_is_wider_than_binomial_and_tends_to_it():
    from physml.physics.audit import coverage_band

    small, large, binomial = (conformal_coverage_band(400, 80, 0.9), conformal_coverage_band(400, 100000, 0.9),
                              coverage_band(400, 0.9))
    assert small[0] < binomial[0] and small[1] > binomial[1]  # the width estimated from 80 rows adds spread
    assert abs(large[0] - binomial[0]) <= 0.005 and abs(large[1] - binomial[1]) <= 0.005


def test_applicability_flags_extrapolation_and_gaps():
    """Training rows fill the unit square but a central hole: rows in the hole are inside every range yet far
    from the data; rows outside the square are out of range; rows drawn like the training rows pass."""
    rng = np.random.default_rng(0)

    def draw(n):
        X = rng.uniform(0, 1, (3 * n, 2))
        return X[np.hypot(X[:, 0] - 0.5, X[:, 1] - 0.5) > 0.3][:n]

    dom = ApplicabilityDomain.fit(draw(2000), draw(500), ["a", "b"], seed=0)
    held_out = dom.assess(draw(1000))["flagged"].mean()
    assert held_out <= 0.03  # threshold at the 0.99 quantile of 500 calibration rows: ~1 %
    hole = dom.assess(0.5 + rng.uniform(-0.1, 0.1, (200, 2)))
    assert hole["flagged"].all() and (hole["out_of_range"] == "").all()
    outside = dom.assess(np.column_stack([rng.uniform(1.05, 2, 200), rng.uniform(0, 1, 200)]))
    assert outside["flagged"].all() and set(outside["out_of_range"]) == {"a"}
    back = ApplicabilityDomain.from_dict(json.loads(json.dumps(dom.to_dict())))  # as a saved model stores it
    probe = draw(50)
    assert np.array_equal(back.assess(probe)["score"], dom.assess(probe)["score"])


@pytest.fixture(scope="module")
def forest_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("n2")
    nitrogen(240, 0).save(tmp / "n2.h5")
    # what `physml train n2.h5 --target density_kg_m3 ... --bounds 0: --models forest` runs, without the SHAP
    # explanations (a permutation explainer over 200 trees: most of the time, and tested elsewhere)
    _, result = train_table(tmp / "n2.h5", "density_kg_m3", features="temperature_K,pressure_MPa", models="forest",
                            cv=2, transforms=["log10:pressure_MPa"], bounds="0:", progress=False, explain=False)
    return write_run(result, tmp / "runs", wall_seconds=0.0).path, tmp


def test_forest_passes_its_audit_and_the_declared_bounds(forest_run):
    run, _ = forest_run
    a = audit_of(run, "forest")
    for check in ("rmse_over_mean_baseline", "same_seed_max_rel_diff", "residual_trend_p_bonferroni",
                  "coverage_90_not_below_band", "coverage_90_not_above_band", "heldout_flagged_fraction",
                  "bounds_violations"):
        assert a[f"{check}_passed"] == 1.0, (check, a[check])
    assert a["rmse_over_mean_baseline"] < 0.3  # density spans 0.07-600 kg/m^3: far better than the mean
    info = json.loads((run / "artifacts" / "best_model" / "model.json").read_text())["metadata"]
    assert info["input_columns"] == ["temperature_K", "pressure_MPa"]
    assert info["transforms"] == [{"kind": "log10", "column": "pressure_MPa", "feature": "log10_pressure_MPa"}]
    assert info["units"] == {"temperature_K": "K", "pressure_MPa": "MPa"}
    assert info["uncertainty"]["native"] == "spread of the forest's trees"


def test_predict_raw_columns_intervals_and_flags(forest_run, capsys):
    run, tmp = forest_run
    new, hot = nitrogen(200, 1), nitrogen(100, 2, t_range=(520.0, 700.0))
    new.save(tmp / "new.h5"), hot.save(tmp / "hot.h5")
    code, out, err = cli(capsys, "predict", str(run), str(tmp / "new.h5"), "-o", str(tmp / "new.csv"))
    assert code == 0, err
    assert "rows flagged outside the applicability domain" in out
    pred = pd.read_csv(tmp / "new.csv")
    inside = (pred["lower_90"] <= pred["density_kg_m3"]) & (pred["density_kg_m3"] <= pred["upper_90"])
    # 90 % intervals calibrated on 24 held-out rows: the exact (beta-binomial) band for 200 new rows
    low, high = conformal_coverage_band(200, 24, 0.9)
    assert low <= inside.mean() <= high
    assert np.all(pred["std"] > 0)
    assert pred["flagged"].mean() <= 0.1  # in-range rows: ~1 % expected (threshold at the 0.99 quantile)
    code, out, err = cli(capsys, "predict", str(run), str(tmp / "hot.h5"), "-o", str(tmp / "hot.csv"))
    assert code == 0, err
    hot_pred = pd.read_csv(tmp / "hot.csv")
    assert hot_pred["flagged"].all() and set(hot_pred["out_of_range"]) == {"temperature_K"}


def test_broken_linear_fit_fails_the_declared_bounds_with_worst_rows(tmp_path, capsys):
    """A straight line in (T, log10 p) through a density spanning 0.07-600 kg/m^3 goes negative at low pressure
    and leaves a curved trend in its residuals."""
    nitrogen(240, 0).save(tmp_path / "n2.h5")
    code, out, err = cli(capsys, "train", str(tmp_path / "n2.h5"), "--target", "density_kg_m3", *DECLARE,
                         "--models", "linear", "--cv", "2", "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    assert "failed: " in out and "bounds_violations" in out
    run = Path(out.strip().splitlines()[-1])
    a = audit_of(run, "linear")
    assert a["bounds_violations_passed"] == 0.0 and a["bounds_violations"] >= 1
    assert a["residual_trend_p_bonferroni_passed"] == 0.0
    # a straight line is monotonic, in the declared directions here: those checks pass
    assert a["monotonic_pressure_mpa_violations_passed"] == a["monotonic_temperature_k_violations_passed"] == 1.0
    assert a["passed"] == 0.0
    report = (run / "report.html").read_text()
    assert "Declared bounds [0, inf] on density_kg_m3 violated: worst held-out rows" in report


def test_single_tree_fails_the_declared_monotonic_response(tmp_path, capsys):
    """A decision tree is piecewise constant in boxes of (T, log p): a step up in pressure can cross into a box
    fitted to a hotter, less dense state, against (d rho / d p)_T > 0."""
    nitrogen(240, 0).save(tmp_path / "n2.h5")
    code, out, err = cli(capsys, "train", str(tmp_path / "n2.h5"), "--target", "density_kg_m3", *DECLARE,
                         "--models", "tree", "--cv", "2", "--quiet", "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1])
    a = audit_of(run, "tree")
    assert a["monotonic_pressure_mpa_violations_passed"] == 0.0 and a["monotonic_pressure_mpa_violations"] > 0
    assert "Declared increasing response to pressure_MPa violated: worst held-out rows" in (
        run / "report.html").read_text()


@pytest.mark.parametrize("args, words", [
    (["--transform", "cube:temperature_K"], ["transform", "cube", "log10"]),
    (["--transform", "log10:pressure"], ["transform", "pressure_MPa"]),
    (["--monotonic", "volume:+"], ["monotonic", "volume"]),
    (["--monotonic", "temperature_K:up"], ["monotonic", "COLUMN:+"]),
    (["--bounds", "5:1"], ["bounds", "LOW < HIGH"]),
    (["--level", "1.5"], ["level"]),
])
def test_bad_declarations_exit_2_and_write_nothing(tmp_path, capsys, args, words):
    nitrogen(30, 0).save(tmp_path / "n2.h5")
    code, _, err = cli(capsys, "train", str(tmp_path / "n2.h5"), "--target", "density_kg_m3", *args, "--quiet",
                       "--runs-dir", str(tmp_path / "runs"))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert all(w in lines[0] for w in words), lines[0]
    assert not (tmp_path / "runs").exists()


def test_predict_checks_units_and_writes_nothing(forest_run, capsys):
    run, tmp = forest_run
    nitrogen(20, 3, p_unit="bar").save(tmp / "bar.h5")
    code, _, err = cli(capsys, "predict", str(run), str(tmp / "bar.h5"), "-o", str(tmp / "bar.csv"))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "'bar'" in lines[0] and "'MPa'" in lines[0], err
    assert not (tmp / "bar.csv").exists()
