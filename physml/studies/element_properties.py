"""Study ``element-properties``: melting points (or boiling points, density, thermal conductivity) of the elements
from periodic-table descriptors.

Real measured data shipped with ``mendeleev`` (``physml.sim.elements``):
atomic number and weight, period, group, block, covalent radius, Pauling
electronegativity, first ionisation energy and valence electrons, against the
measured melting point in K (``--set target=...``: boiling point, density or thermal conductivity at
25 degC, the last two learned on a log10 scale as they span four to five decades). Elements whose value
is an estimate (At, Fr, Es onward) or missing are dropped and counted. The zoo is cross-validated on the
~80 elements left (~60 for thermal conductivity); SHAP shows which descriptors carry the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..physics.audit import Audit
from ..result import StudyResult
from ..sim import elements
from ..workflows import add_to_result, compare
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

LOG_TARGETS = ("density", "thermal_conductivity")


@dataclass(frozen=True)
class Config:
    """Configuration of ``element-properties``."""

    target: str = "melting_point"
    """Element property to learn (melting_point, boiling_point, density or thermal_conductivity; the last two on a
    log10 scale)."""
    models: tuple[str, ...] = ("linear", "ridge", "lasso", "poly_ridge", "tree", "forest", "gbt", "svm", "gp", "mlp")
    cv: int = 5
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        if self.target not in elements.TARGETS:
            raise ParameterError.invalid("target", self.target, f"one of {', '.join(elements.TARGETS)}")


QUICK = Config(models=("linear", "forest", "gbt", "gp"), cv=3)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: here, the measured table (log10 for density)
    ds = elements.element_table(config.target)
    features, target = json.loads(ds.attrs["features"]), str(ds.attrs["target"])
    X = np.column_stack([ds[f].astype(float) for f in features])
    y = ds[target].astype(float)
    if config.target in LOG_TARGETS:  # gases at ~1e-4 g/cm3 and solids at 1-22; 0.005-429 W/(m K): learn the log
        y, target = np.log10(y), f"log10_{target}"
    # fit: the regressor zoo, cross-validated
    comp = compare(X, y, features, task="regression", target=target, models=list(config.models), cv=config.cv,
                   test_fraction=config.test_fraction, seed=ctx.seed, device=ctx.device, progress=ctx.progress)
    result = ctx.result(f"Element {config.target.replace('_', ' ')} from periodic-table descriptors",
                        n_elements=len(y), features=features)
    add_to_result(comp, result, seed=ctx.seed)
    # evaluate: against predicting the training mean
    best = comp.best
    baseline = float(np.sqrt(np.mean((comp.y_test - comp.y_train.mean()) ** 2)))
    result.add_metric("n_elements", len(y))
    result.add_metric("best_test_rmse", best.test["rmse"])
    result.add_metric("mean_predictor_test_rmse", baseline)
    # audit
    a = Audit(f"{best.name} {config.target} model")
    a.check("cv_r2_minus_2std", best.cv_mean - 2 * best.cv_std, ">=", 0.0,
            "cross-validated R² beats predicting the mean by more than twice its fold-to-fold spread")
    a.check("test_rmse_over_mean_predictor", best.test["rmse"] / baseline, "<=", 0.8,
            "held-out RMSE relative to predicting the training mean")
    result.add_audit(a)
    # report
    dropped = {k: v for k, v in ds.attrs.items() if str(k).startswith("dropped")}
    result.summary = (
        f"{len(y)} elements with a measured {config.target.replace('_', ' ')}; best model {best.name}, CV R² "
        f"{best.cv_mean:.3f} ± {best.cv_std:.3f}, held-out RMSE {best.test['rmse']:.4g} against "
        f"{baseline:.4g} for predicting the mean.\n\nDropped elements: {dropped}")
    result.artifacts["elements.h5"] = lambda path: ds.save(path)
    return result
