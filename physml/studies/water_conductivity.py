"""Study ``water-conductivity``: thermal conductivity of water and steam, linear baseline first.

k(T, p) from the IAPWS R15-11 formulation (``physml.sim.water``) at random
state points in T 275–1000 K, p 0.1–50 MPa (log-uniform), points within
1 K of saturation and the immediate critical region excluded. Features: T,
log10 p and T - T_sat(p), the distance to the saturation curve (T - T_c above
the critical pressure), a coordinate in which the liquid-vapour boundary is a
straight line: the physicist's way of telling a model where the phase
boundary is, since the curve itself is known exactly (IAPWS-IF97). Linear
regression is the textbook baseline; it cannot follow the jump of k by a
factor of ~20 across the saturation line, which the report shows per phase.
The rest of the zoo is compared against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import water
from ..workflows import add_to_result, compare
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

FEATURES = ["temperature_K", "log10_pressure_MPa", "T_minus_Tsat_K"]


def features(T: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(T, log10 p, T - T_sat(p)) with T_sat = T_c at and above the critical pressure."""
    T, p = np.asarray(T, float), np.asarray(p, float)
    t_sat = np.full_like(T, water.T_CRITICAL_K)
    below = p < water.P_CRITICAL_MPA
    t_sat[below] = water.saturation_temperature(p[below])
    return np.column_stack([T, np.log10(p), T - t_sat])


@dataclass(frozen=True)
class Config:
    """Configuration of ``water-conductivity``."""

    n_samples: int = 2000
    """State points (T uniform, p log-uniform); the Gaussian process costs O(n^3), so keep this modest."""
    models: tuple[str, ...] = ("linear", "ridge", "poly_ridge", "tree", "forest", "gbt", "svm", "gp", "mlp")
    """Regressors compared; 'linear' is the baseline and must be among them."""
    cv: int = 5
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        if self.n_samples < 100:
            raise ParameterError.invalid("n_samples", self.n_samples, ">= 100")
        if "linear" not in self.models:
            raise ParameterError.invalid("models", self.models, "a list that includes 'linear' (the baseline)")


QUICK = Config(n_samples=800, models=("linear", "poly_ridge", "gbt", "forest"), cv=3)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: IAPWS conductivity at random state points
    ds = water.conductivity_dataset(water.ConductivityParams(n_samples=config.n_samples), seed=ctx.seed)
    X = features(ds["temperature_K"], ds["pressure_MPa"])
    y = ds["thermal_conductivity"]
    # fit: the zoo, linear regression among it
    comp = compare(X, y, FEATURES, task="regression", target="thermal_conductivity", models=list(config.models),
                   cv=config.cv, test_fraction=config.test_fraction, seed=ctx.seed, device=ctx.device,
                   progress=ctx.progress)
    result = ctx.result("Thermal conductivity of water and steam (IAPWS R15-11)")
    add_to_result(comp, result, seed=ctx.seed)
    # evaluate: per phase, against the linear baseline
    best, linear = comp.best, comp.model("linear")
    phase = ds["phase"].astype(str)[comp.test_index]
    rows = []
    for s in (linear, best):
        err = s.estimator.predict(comp.X_test) - comp.y_test
        rows.append((s.name, *(round(float(np.sqrt(np.mean(err[phase == ph] ** 2))), 5) if np.any(phase == ph) else ""
                               for ph in ("liquid", "vapour", "supercritical"))))
    result.add_table("Where linear regression fails: RMSE in W/(m K) by phase (held-out)",
                     ("model", "liquid", "vapour", "supercritical"), rows)
    result.tables.insert(0, result.tables.pop())  # the headline table first
    m = result.add_metric
    m("best_r2", best.test["r2"])
    m("linear_r2", linear.test["r2"])
    m("best_rmse", best.test["rmse"])
    m("linear_rmse", linear.test["rmse"])
    # audit: fit quality, the jump across the saturation line at 1 MPa (T_sat ± 5 K), positivity
    a = Audit(f"{best.name} conductivity model")
    a.check("test_r2", best.test["r2"], ">=", 0.995, "held-out R² of the best model")
    a.check("r2_gain_over_linear", best.test["r2"] - linear.test["r2"], ">=", 0.0,
            "the chosen model does at least as well as the textbook linear baseline")
    t_sat = float(water.saturation_temperature(1.0))
    T = np.array([t_sat - 5.0, t_sat + 5.0])
    true = water.thermal_conductivity(T, np.array([1.0, 1.0]))
    pred = best.estimator.predict(features(T, np.array([1.0, 1.0])))
    jump_true, jump_pred = float(true[0] - true[1]), float(pred[0] - pred[1])
    a.check("saturation_jump_rel_error", abs(jump_pred - jump_true) / jump_true, "<=", 0.1,
            f"k(liquid) - k(vapour) across the saturation line at 1 MPa (T_sat ± 5 K): true {jump_true:.3f} W/(m K)")
    grid = features(np.linspace(275, 1000, 200).repeat(20), np.tile(np.logspace(-1, np.log10(50), 20), 200))
    a.check("min_predicted_k", float(best.estimator.predict(grid).min()), ">=", 0.0,
            "thermal conductivity is positive everywhere on a (T, log p) grid over the domain")
    result.add_audit(a)
    # report
    _figure(result, comp, best, linear)
    result.summary = (
        f"Best model {best.name}: held-out R² {best.test['r2']:.5f} (RMSE {best.test['rmse']:.4f} W/(m K)); "
        f"linear regression: R² {linear.test['r2']:.4f} (RMSE {linear.test['rmse']:.4f}).\n\n"
        "Water conducts heat about twenty times better than steam: k drops from ~0.6 to ~0.03 W/(m K) across the "
        "saturation line, a discontinuity in (T, p) that a linear model cannot represent; trees and kernels can.")
    result.artifacts["water_conductivity.h5"] = lambda path: ds.save(path)
    return result


def _figure(result, comp, best, linear) -> None:
    fig = new_figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2)
    T_line = np.linspace(275, 1000, 600)
    for lp, color in ((-1.0, "tab:orange"), (0.0, "tab:green"), (1.5, "tab:purple")):
        p = 10**lp
        axes[0].plot(T_line, water.thermal_conductivity(T_line, np.full_like(T_line, p)), color=color, lw=2,
                     alpha=0.4, label=f"IAPWS, p = {p:g} MPa")
        Xl = features(T_line, np.full_like(T_line, p))
        axes[0].plot(T_line, best.estimator.predict(Xl), color=color, lw=1, label=f"{best.name}")
        axes[0].plot(T_line, linear.estimator.predict(Xl), color=color, lw=1, ls=":", label="linear")
    axes[0].set_xlabel("T (K)"), axes[0].set_ylabel("k (W/(m K))"), axes[0].legend(fontsize=7, ncol=3)
    axes[0].set_title("Isobars: IAPWS (thick), best model (solid), linear (dotted)")
    for s, marker in ((linear, "x"), (best, ".")):
        axes[1].plot(comp.y_test, s.estimator.predict(comp.X_test), marker, ms=4, alpha=0.6,
                     label=f"{s.name}: R² = {s.test['r2']:.4f}")
    lims = [comp.y_test.min(), comp.y_test.max()]
    axes[1].plot(lims, lims, "k--", lw=1)
    axes[1].set_xlabel("IAPWS k (W/(m K))"), axes[1].set_ylabel("predicted k"), axes[1].legend(fontsize=8)
    axes[1].set_title("Held-out parity: linear baseline vs best")
    result.add_figure("conductivity", fig, "Thermal conductivity along three isobars and held-out parity: the linear "
                      "baseline averages across the liquid-vapour jump, the best model follows it.")
