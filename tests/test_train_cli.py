"""``physml train`` and ``physml predict`` on tables made from exact physical laws; every bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from physml.cli import main

R_GAS = 8.314462618  # J/(mol K)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("physml: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


def ideal_gas(n: int, seed: int) -> pd.DataFrame:
    """p = n R T / V for one mole, with 0.5 % multiplicative measurement noise."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(200, 600, n)
    V = rng.uniform(0.01, 0.05, n)
    p = R_GAS * T / V * (1 + 0.005 * rng.standard_normal(n))
    return pd.DataFrame({"temperature_K": T, "volume_m3": V, "pressure_Pa": p})


def pipe_regime(n: int, seed: int) -> pd.DataFrame:
    """Laminar or turbulent pipe flow by the Reynolds number rho v D / mu against 2300."""
    rng = np.random.default_rng(seed)
    v, D = 10 ** rng.uniform(-2, 0, n), 10 ** rng.uniform(-2, -0.5, n)
    rho, mu = rng.uniform(800, 1200, n), 10 ** rng.uniform(-3, -1, n)
    log_re = np.log10(rho * v * D / mu)
    regime = np.where(log_re > np.log10(2300), "turbulent", "laminar")
    return pd.DataFrame({"log_velocity": np.log10(v), "log_diameter": np.log10(D), "log_viscosity": np.log10(mu),
                         "density": rho, "regime": regime})


@pytest.fixture(scope="module")
def gas_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gas")
    data = tmp / "gas.csv"
    ideal_gas(300, 0).to_csv(data, index=False)
    with pytest.raises(SystemExit) as exc:
        main(["train", str(data), "--target", "pressure_Pa", "--models", "ridge,gbt", "--cv", "3", "--quiet",
              "--runs-dir", str(tmp / "runs")])
    assert exc.value.code == 0
    runs = [p for p in (tmp / "runs").iterdir() if p.is_dir()]
    assert len(runs) == 1
    return runs[0], tmp


def test_train_writes_leaderboard_metrics_and_model(gas_run):
    run, _ = gas_run
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["best_model"] == "gbt"  # p ~ T/V is not linear in (T, V): the tree ensemble wins
    for name in ("ridge", "gbt"):
        assert f"cv_{name}_mean" in metrics and f"cv_{name}_std" in metrics
    assert metrics["best_cv_score"] == metrics["cv_gbt_mean"] >= 0.95
    assert (run / "artifacts" / "best_model" / "model.json").is_file()
    assert {"leaderboard.png", "parity.png", "importance.png", "shap_summary.png"} <= {
        p.name for p in (run / "figures").iterdir()}


def test_predict_from_run_directory(gas_run, capsys):
    run, tmp = gas_run
    new = ideal_gas(50, 1).drop(columns="pressure_Pa")
    new.to_csv(tmp / "new.csv", index=False)
    out = tmp / "pred.csv"
    code, _, err = cli(capsys, "predict", str(run), str(tmp / "new.csv"), "-o", str(out))
    assert code == 0, err
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["temperature_K", "volume_m3", "prediction", "lower_90", "upper_90",
                                  "applicability_score", "out_of_range", "flagged"]
    truth = R_GAS * new["temperature_K"] / new["volume_m3"]
    assert np.median(np.abs(pred["prediction"] / truth - 1)) < 0.05
    # 90 % conformal intervals for a noisy measurement hold the noiseless law on most rows (binomial: 50 rows at
    # 0.9 give >= 40 with probability 0.99); rows drawn like the training rows are rarely flagged
    assert np.sum((pred["lower_90"] <= truth) & (truth <= pred["upper_90"])) >= 40
    assert pred["flagged"].sum() <= 5
    # existing output without --force: refused, file untouched
    before = out.read_bytes()
    code, _, err = cli(capsys, "predict", str(run), str(tmp / "new.csv"), "-o", str(out))
    assert_one_line_error(code, err, "--force")
    assert out.read_bytes() == before


def test_predict_refuses_mismatched_columns(gas_run, capsys):
    run, tmp = gas_run
    ideal_gas(10, 2).rename(columns={"volume_m3": "V"}).to_csv(tmp / "wrong.csv", index=False)
    out = tmp / "never.csv"
    code, _, err = cli(capsys, "predict", str(run), str(tmp / "wrong.csv"), "-o", str(out))
    assert_one_line_error(code, err, "volume_m3", "do not match")
    assert not out.exists()


def test_classification_predicts_class_names(tmp_path, capsys):
    pipe_regime(400, 0).to_parquet(tmp_path / "flow.parquet")
    code, out, err = cli(capsys, "train", str(tmp_path / "flow.parquet"), "--target", "regime", "--models",
                         "linear,forest", "--cv", "3", "--quiet", "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text())
    # log Re is linear in the log features: logistic regression separates the regimes almost perfectly
    assert metrics["cv_linear_mean"] >= 0.95
    new = pipe_regime(60, 1)
    new.drop(columns="regime").to_csv(tmp_path / "new.csv", index=False)
    code, _, err = cli(capsys, "predict", str(run), str(tmp_path / "new.csv"), "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    pred = pd.read_csv(tmp_path / "p.csv")["prediction"]
    assert set(pred) <= {"laminar", "turbulent"}
    assert np.mean(pred.to_numpy() == new["regime"].to_numpy()) >= 0.9


def _bad_tables(tmp: Path) -> dict[str, tuple[Path, list[str], list[str]]]:
    good = ideal_gas(30, 3)
    cases = {}
    nan = good.copy()
    nan.loc[4, "volume_m3"] = np.nan
    cases["nan"] = (nan, ["--target", "pressure_Pa"], ["volume_m3", "row 4"])
    inf = good.copy()
    inf.loc[2, "pressure_Pa"] = np.inf
    cases["inf"] = (inf, ["--target", "pressure_Pa"], ["pressure_Pa", "row 2"])
    cases["missing_target"] = (good, ["--target", "enthalpy"], ["target", "enthalpy"])
    text = good.copy()
    text["gas"] = "argon"
    cases["non_numeric"] = (text, ["--target", "pressure_Pa"], ["gas", "not numeric"])
    cases["unknown_model"] = (good, ["--target", "pressure_Pa", "--models", "ridge,xgboost"], ["xgboost", "ridge"])
    out = {}
    for name, (df, args, words) in cases.items():
        path = tmp / f"{name}.csv"
        df.to_csv(path, index=False)
        out[name] = (path, args, words)
    empty = tmp / "empty.csv"
    empty.write_text("")
    out["empty"] = (empty, ["--target", "pressure_Pa"], ["empty"])
    return out


@pytest.mark.parametrize("case", ["nan", "inf", "missing_target", "non_numeric", "unknown_model", "empty"])
def test_bad_training_input(tmp_path, capsys, case):
    path, args, words = _bad_tables(tmp_path)[case]
    runs = tmp_path / "runs"
    code, _, err = cli(capsys, "train", str(path), *args, "--quiet", "--runs-dir", str(runs))
    assert_one_line_error(code, err, *words)
    assert not runs.exists()


def test_train_with_optuna_tuning(tmp_path, capsys):
    ideal_gas(200, 4).to_csv(tmp_path / "gas.csv", index=False)
    code, out, err = cli(capsys, "train", str(tmp_path / "gas.csv"), "--target", "pressure_Pa", "--models", "ridge",
                         "--cv", "3", "--tune", "4", "--learning-curve", "--quiet",
                         "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1])
    assert "alpha=" in (run / "report.html").read_text()  # the tuned value is reported in the leaderboard
    assert (run / "figures" / "learning_curve.png").is_file()


@pytest.mark.parametrize("system, args, words", [
    ("water-phases", ["--n-samples", "0"], ["n_samples", "0"]),
    ("pipe-flow", ["--noise", "-1"], ["noise"]),
])
def test_bad_tabular_simulation_parameters(tmp_path, capsys, system, args, words):
    code, _, err = cli(capsys, "simulate", system, *args, "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []
