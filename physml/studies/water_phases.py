"""Study ``water-phases``: the phase of water from temperature and pressure, learned from IAPWS.

Labels come from the IAPWS formulations (``physml.sim.water``): ice Ih
(melting and sublimation curves of R14-08), liquid and vapour (IAPWS-IF97
saturation curve, gas above T_c below p_c counted as vapour) and
supercritical (T >= T_c and p >= p_c), over T in [200, 1000] K and
p in [1e-6, 100] MPa sampled log-uniformly. Pressure enters the models as
log10 p, the scale on which the phase diagram lives (the sublimation curve
spans six decades). The MLP (2 -> 64 -> 32 -> 4) is compared with the other
classifiers; accuracy is reported overall and on the hard points near a phase
boundary (where T +- 5 % or p +- 0.4 decades changes the phase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from ..errors import ParameterError
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import water
from ..tabular_io import InputTransform
from ..workflows import add_to_result, compare
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

FEATURES = ["temperature_K", "log10_pressure_MPa"]
TEXTBOOK = [(250.0, 0.1, "ice"), (300.0, 1.0, "liquid"), (400.0, 0.1, "vapour"), (700.0, 30.0, "supercritical"),
            (700.0, 10.0, "vapour"), (260.0, 1e-5, "vapour"), (500.0, 50.0, "liquid")]


@dataclass(frozen=True)
class Config:
    """Configuration of ``water-phases``."""

    n_samples: int = 20000
    """Labelled (T, p) points drawn (T uniform, p log-uniform)."""
    models: tuple[str, ...] = ("linear", "tree", "forest", "gbt", "svm", "mlp")
    """Classifiers compared. The Gaussian-process classifier is left out: O(n^3) at this size."""
    cv: int = 5
    """Cross-validation folds on the training set."""
    test_fraction: float = 0.25
    """Held-out share."""
    grid: int = 300
    """Points per axis of the (T, log p) grid on which the learned phase diagram is drawn and checked."""
    mlp_epochs: int = 200
    """Maximum MLP epochs (early stopping on a validation split)."""

    def __post_init__(self) -> None:
        if self.n_samples < 200:
            raise ParameterError.invalid("n_samples", self.n_samples, ">= 200")
        if "mlp" not in self.models:
            raise ParameterError.invalid("models", self.models, "a list that includes 'mlp' (the study's subject)")


QUICK = Config(n_samples=6000, models=("linear", "gbt", "mlp"), cv=3, grid=150)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: labelled states from IAPWS
    ds = water.phase_dataset(water.WaterPhaseParams(n_samples=config.n_samples), seed=ctx.seed)
    X = np.column_stack([ds["temperature_K"], ds["log10_pressure_MPa"]])
    y = ds["phase"].astype(str)
    # fit: the classifier zoo, cross-validated
    comp = compare(X, y, FEATURES, task="classification", target="phase", models=list(config.models), cv=config.cv,
                   test_fraction=config.test_fraction, seed=ctx.seed, device=ctx.device, progress=ctx.progress,
                   params={"mlp": {"epochs": config.mlp_epochs}})
    result = ctx.result("Phases of water from temperature and pressure (IAPWS)")
    # the saved model keeps the log10 of pressure, so `physml predict` takes temperature_K and pressure_MPa
    add_to_result(comp, result, seed=ctx.seed, transforms=[InputTransform("log10", "pressure_MPa")],
                  units={k: ds.units[k] for k in ("temperature_K", "pressure_MPa")})
    # evaluate: near the phase boundaries and over the whole diagram
    hard = ds["near_boundary"][comp.test_index]
    T_grid, lp_grid = np.meshgrid(np.linspace(200, 1000, config.grid), np.linspace(-6, 2, config.grid))
    grid_X = np.column_stack([T_grid.ravel(), lp_grid.ravel()])
    grid_true = water.phase_of(grid_X[:, 0], 10 ** grid_X[:, 1])
    rows = []
    for s in comp.scores:
        pred = s.estimator.predict(comp.X_test)
        acc_hard = float(np.mean(pred[hard] == comp.y_test[hard]))
        agree = float(np.mean(s.estimator.predict(grid_X) == grid_true))
        result.add_metric(f"hard_accuracy_{s.name}", acc_hard)
        result.add_metric(f"grid_agreement_{s.name}", agree)
        rows.append((s.name, round(s.test["accuracy"], 5), round(acc_hard, 5), round(agree, 5)))
    best, mlp = comp.best, comp.model("mlp")
    m = result.add_metric
    m("test_accuracy", best.test["accuracy"])
    m("hard_accuracy", result.metrics[f"hard_accuracy_{best.name}"])
    m("mlp_test_accuracy", mlp.test["accuracy"])
    m("mlp_hard_accuracy", result.metrics["hard_accuracy_mlp"])
    m("n_test", len(comp.y_test))
    m("n_hard_test", int(hard.sum()))
    # audit: the best classifier and the MLP
    for s in (best, mlp) if best.name != "mlp" else (best,):
        result.add_audit(_audit(s, result, grid_X, grid_true))
    # report
    result.add_table("Accuracy overall, near a boundary, and over the whole phase diagram",
                     ("model", "test accuracy", f"hard points ({int(hard.sum())})",
                      f"agreement on a {config.grid}x{config.grid} grid"), rows)
    result.tables.insert(0, result.tables.pop())  # the headline table first
    _phase_diagrams(result, [best] + ([mlp] if best.name != "mlp" else []), T_grid, lp_grid, comp)
    result.summary = (
        f"Best classifier: {best.name}, held-out accuracy {best.test['accuracy']:.4f}, "
        f"{result.metrics['hard_accuracy']:.4f} on the {int(hard.sum())} held-out points near a phase boundary. "
        f"The MLP (2 -> 64 -> 32 -> 4): {mlp.test['accuracy']:.4f} and {result.metrics['mlp_hard_accuracy']:.4f}.\n\n"
        "Labels are the IAPWS phase of water at (T, p): ice Ih, liquid, vapour (including gas above T_c below p_c) "
        "and supercritical (T >= T_c, p >= p_c). Features: temperature in K and log10 of pressure in MPa.")
    result.artifacts["water_phases.h5"] = lambda path: ds.save(path)
    return result


def _audit(score, result, grid_X, grid_true) -> Audit:
    a = Audit(f"{score.name} phase classifier")
    a.check("test_accuracy", score.test["accuracy"], ">=", 0.99, "held-out accuracy over the whole (T, p) domain")
    a.check("hard_accuracy", result.metrics[f"hard_accuracy_{score.name}"], ">=", 0.95,
            "held-out accuracy where T +- 5 % or p +- 0.4 decades changes the phase")
    a.check("grid_agreement", result.metrics[f"grid_agreement_{score.name}"], ">=", 0.99,
            "share of a dense (T, log p) grid where the learned phase is the IAPWS phase")
    pts = np.array([[t, np.log10(p)] for t, p, _ in TEXTBOOK])
    correct = np.sum(score.estimator.predict(pts) == np.array([c for _, _, c in TEXTBOOK]))
    a.check("textbook_points", float(correct), ">=", float(len(TEXTBOOK)),
            "correct phase at textbook states (ice 250 K/0.1 MPa, liquid 300 K/1 MPa, steam 400 K/0.1 MPa, "
            "supercritical 700 K/30 MPa, gas 700 K/10 MPa, vapour over ice 260 K/10 Pa, "
            "compressed liquid 500 K/50 MPa)")
    return a


def _phase_diagrams(result, scores, T_grid, lp_grid, comp) -> None:
    colors = {"ice": 0, "liquid": 1, "vapour": 2, "supercritical": 3}
    cmap = ListedColormap(["#9ecae1", "#3182bd", "#fdae6b", "#bcbddc"])
    fig = new_figure(figsize=(6.5 * len(scores), 5))
    axes = fig.subplots(1, len(scores), squeeze=False)
    for ax, s in zip(axes[0], scores):
        pred = s.estimator.predict(np.column_stack([T_grid.ravel(), lp_grid.ravel()])).reshape(T_grid.shape)
        codes = np.vectorize(colors.get)(pred)
        ax.pcolormesh(T_grid, lp_grid, codes, cmap=cmap, vmin=-0.5, vmax=3.5, shading="auto")
        _true_boundaries(ax)
        wrong = s.estimator.predict(comp.X_test) != comp.y_test
        ax.plot(comp.X_test[wrong, 0], comp.X_test[wrong, 1], "rx", ms=4, label=f"misclassified ({int(wrong.sum())})")
        ax.set_xlabel("T (K)"), ax.set_ylabel("log10 p (MPa)")
        ax.set_title(f"learned by {s.name}")
        ax.legend(fontsize=8, loc="lower right")
    handles = [Patch(color=cmap(i), label=k) for k, i in colors.items()]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=9)
    result.add_figure("phase_diagram", fig, "Learned phase diagram (colours) over the IAPWS phase boundaries (black): "
                      "melting and sublimation curves of ice Ih, the saturation curve and the critical isotherm and "
                      "isobar. Red crosses: misclassified held-out points.")


def _true_boundaries(ax) -> None:
    T_sub = np.linspace(200, water.T_TRIPLE_K, 200)
    ax.plot(T_sub, np.log10(water.sublimation_pressure(T_sub)), "k-", lw=1.2)
    T_melt = np.linspace(water.T_IH_III_K, water.T_TRIPLE_K, 200)
    p_melt = water.melting_pressure(T_melt)
    keep = p_melt <= 100
    ax.plot(T_melt[keep], np.log10(p_melt[keep]), "k-", lw=1.2)
    T_sat = np.linspace(water.T_TRIPLE_K, water.T_CRITICAL_K, 300)
    ax.plot(T_sat, np.log10(water.saturation_pressure(T_sat)), "k-", lw=1.2)
    ax.plot([water.T_CRITICAL_K, water.T_CRITICAL_K], [np.log10(water.P_CRITICAL_MPA), 2], "k--", lw=1)
    ax.plot([water.T_CRITICAL_K, 1000], [np.log10(water.P_CRITICAL_MPA)] * 2, "k--", lw=1)
    ax.set_xlim(200, 1000), ax.set_ylim(-6, 2)
