"""The evidence a model trained on a user's table carries: calibrated uncertainty, applicability, an audit.

:func:`calibrate` splits the held-out rows of a :class:`~physml.workflows.compare.Comparison` in two
(seeded): on the *calibration* half it stores split-conformal scores and fits the applicability domain
(both saved with the model, so ``physml predict`` gives intervals and flags); on the *evaluation* half,
which neither saw, it measures the intervals' coverage and the share of ordinary rows flagged.

:func:`train_audit` is the :class:`~physml.physics.Audit` of ``physml train``:

* the best model beats the trivial baseline (training mean or majority class) on held-out rows by a margin;
* the same seed refits to the same predictions;
* held-out residuals show no trend against any input (Kruskal-Wallis across quantile bins, Bonferroni);
* held-out coverage of the predictive intervals within the exact acceptance band at their level (beta-binomial:
  the binomial band widened for the finite calibration set);
* the share of held-out rows flagged as outside the applicability domain;
* the user's declarations: bounds on the target, monotonic response to an input (finite differences on
  held-out rows, a move against the direction counted above 1 % of the held-out RMSE), each failing with
  the worst rows shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..learn import (
    ApplicabilityDomain,
    class_scores,
    conformal_coverage_band,
    native_std,
    prediction_sets,
    regression_interval,
    regression_scores,
    std_floor,
)
from ..physics.audit import Audit, coverage_band
from ..result import StudyResult
from ..tabular_io import InputTransform
from .compare import Comparison

__all__ = ["Calibration", "Monotonic", "calibrate", "interval_hits", "parse_bounds", "parse_monotonic", "train_audit",
           "BASELINE_MARGIN", "TREND_ALPHA", "FLAG_LIMIT", "MONOTONIC_TOLERANCE"]

BASELINE_MARGIN = 0.8
"""Held-out RMSE (error rate) at most this fraction of the trivial baseline's."""
TREND_ALPHA = 0.01
"""Significance of the residual-trend test, over all inputs together (Bonferroni)."""
FLAG_LIMIT = 0.05
"""Largest share of held-out rows the applicability domain may flag."""
MONOTONIC_TOLERANCE = 0.01
"""A move against a declared monotonic direction counts when larger than this fraction of the held-out RMSE."""
_NATIVE = {"GaussianProcessRegressor": "Gaussian-process posterior std",
           "RandomForestRegressor": "spread of the forest's trees"}


@dataclass
class Calibration:
    """Held-out rows split into calibration and evaluation halves, and what the model stores from them."""

    cal_rows: np.ndarray
    eval_rows: np.ndarray
    uncertainty: dict | None
    applicability: dict
    domain: ApplicabilityDomain = field(repr=False)


@dataclass(frozen=True)
class Monotonic:
    column: str
    sign: int  # +1 increasing, -1 decreasing


def calibrate(comp: Comparison, *, seed: int) -> Calibration:
    """Conformal scores and applicability domain of ``comp.best`` from half of the held-out rows."""
    n = len(comp.y_test)
    perm = np.random.default_rng([seed, 19]).permutation(n)
    cal, ev = np.sort(perm[: max(1, n // 2)]), np.sort(perm[max(1, n // 2):])
    model, Xc, yc = comp.best.estimator, comp.X_test[cal], comp.y_test[cal]
    uncertainty = None
    if comp.task == "regression":
        std = native_std(model, Xc)
        floor = std_floor(std) if std is not None else 0.0
        scores = regression_scores(yc, model.predict(Xc), std, floor)
        last = model[-1] if hasattr(model, "steps") else model
        uncertainty = {"method": "split-conformal", "native": _NATIVE.get(type(last).__name__) if std is not None
                       else None, "score": "|y - f| / max(std, std_floor)" if std is not None else "|y - f|",
                       "std_floor": floor, "n_calibration": len(cal), "scores": np.sort(scores).tolist()}
    elif hasattr(model, "predict_proba"):
        scores = class_scores(model.predict_proba(Xc), yc, model.classes_)
        uncertainty = {"method": "split-conformal", "native": "predicted class probabilities",
                       "score": "1 - p(true class)", "n_calibration": len(cal), "scores": np.sort(scores).tolist()}
    domain = ApplicabilityDomain.fit(comp.X_train, Xc, comp.feature_names, seed=seed)
    return Calibration(cal, ev, uncertainty, domain.to_dict(), domain)


def interval_hits(comp: Comparison, calib: Calibration, level: float) -> np.ndarray | None:
    """Whether each evaluation row's interval (prediction set) at ``level`` holds its true value."""
    u, model = calib.uncertainty, comp.best.estimator
    if u is None or not calib.eval_rows.size:
        return None
    X, y = comp.X_test[calib.eval_rows], comp.y_test[calib.eval_rows]
    if comp.task == "regression":
        std = native_std(model, X) if u["native"] else None
        lo, hi = regression_interval(model.predict(X), u["scores"], level, std, u.get("std_floor", 0.0))
        return (y >= lo) & (y <= hi)
    sets = prediction_sets(model.predict_proba(X), u["scores"], level)
    index = {c: i for i, c in enumerate(model.classes_.tolist())}
    return sets[np.arange(len(y)), [index[c] for c in y.tolist()]]


# ---------------------------------------------------------------------------- declarations
def parse_bounds(text: str | None) -> tuple[float, float] | None:
    """``"0:"``, ``":1"``, ``"0:1"`` as ``(low, high)`` (``-inf`` / ``inf`` where open); ``None`` for none."""
    if text is None or text == "":
        return None
    low, sep, high = str(text).partition(":")
    try:
        lo = float(low) if low.strip() else -np.inf
        hi = float(high) if high.strip() else np.inf
    except ValueError:
        lo = hi = np.nan
    if not sep or np.isnan(lo) or np.isnan(hi) or lo >= hi or (np.isinf(lo) and np.isinf(hi)):
        raise ParameterError.invalid("bounds", text, "LOW:HIGH with LOW < HIGH, either side may be empty (e.g. 0:)")
    return lo, hi


def parse_monotonic(texts, columns: list[str]) -> list[Monotonic]:
    """``["T_K:+", "p:-"]`` as declarations; the column must be a column of the data."""
    out = []
    for text in texts or ():
        column, sep, sign = str(text).rpartition(":")
        if not sep or sign not in ("+", "-") or not column:
            raise ParameterError.invalid("monotonic", text, "COLUMN:+ or COLUMN:- (increasing or decreasing)")
        if column not in columns:
            raise ParameterError.invalid("monotonic", text, f"a column the model uses ({', '.join(columns)})")
        out.append(Monotonic(column, 1 if sign == "+" else -1))
    return out


# ---------------------------------------------------------------------------- the audit
def train_audit(comp: Comparison, calib: Calibration, result: StudyResult, *, refit: Callable[[], object],
                level: float = 0.9, bounds: tuple[float, float] | None = None,
                monotonic: list[Monotonic] = (), transforms: list[InputTransform] = (),
                row_ids: np.ndarray | None = None) -> Audit:
    """The audit of ``comp.best`` (see the module docstring); tables of evidence are added to ``result``.

    ``refit()`` returns a freshly fitted copy of the best model with the same seed; ``monotonic`` names raw
    columns (mapped through ``transforms``); ``row_ids`` are the input table's row numbers (default: the
    comparison's test index).
    """
    best, task = comp.best, comp.task
    model = best.estimator
    rows = comp.test_index if row_ids is None else row_ids
    a = Audit(f"{best.name} {comp.target} model")
    Xte, yte = comp.X_test, comp.y_test
    pred = model.predict(Xte)
    # trivial baseline
    if task == "regression":
        base = float(np.sqrt(np.mean((yte - comp.y_train.mean()) ** 2)))
        rmse = float(np.sqrt(np.mean((yte - pred) ** 2)))
        a.check("rmse_over_mean_baseline", rmse / base if base > 0 else np.inf, "<=", BASELINE_MARGIN,
                f"held-out RMSE ({rmse:.4g}) over that of predicting the training mean ({base:.4g})")
    else:
        labels, counts = np.unique(comp.y_train, return_counts=True)
        majority = labels[np.argmax(counts)]
        err_base = float(np.mean(yte != majority))
        err = float(np.mean(yte != pred))
        a.check("error_over_majority_baseline", err / err_base if err_base > 0 else np.inf, "<=", BASELINE_MARGIN,
                f"held-out error rate ({err:.4g}) over that of always predicting '{majority}' ({err_base:.4g})")
    # same seed, same predictions
    again = refit().predict(Xte)
    if task == "regression":
        scale = float(np.std(comp.y_train)) or 1.0
        diff = float(np.max(np.abs(np.asarray(again, float) - pred))) / scale
        a.check("same_seed_max_rel_diff", diff, "<=", 1e-9,
                "refit with the same seed: largest change of a held-out prediction, in target standard deviations")
    else:
        a.check("same_seed_changed_labels", float(np.mean(np.asarray(again) != pred)), "<=", 0.0,
                "refit with the same seed: share of held-out predictions that change")
    # residual trend against each input
    resid = (yte - pred) if task == "regression" else (yte != pred).astype(float)
    trend = [_trend_test(Xte[:, j], resid) for j in range(Xte.shape[1])]
    p_min = min(t[1] for t in trend) * len(trend)
    a.check("residual_trend_p_bonferroni", min(p_min, 1.0), ">=", TREND_ALPHA,
            f"smallest p-value, times {len(trend)} inputs, of a Kruskal-Wallis test that held-out "
            f"{'residuals' if task == 'regression' else 'errors'} have the same location in every quantile bin "
            "of an input: a small value is structure the model left unexplained")
    result.add_table(f"Held-out {'residuals' if task == 'regression' else 'error rate'} by quantile bin of each input "
                     "(a trend is structure left unexplained)", ("input", "H", "p", "mean per bin, low to high"),
                     [(n, round(h, 3), float(f"{p:.3g}"), ", ".join(f"{m:.3g}" for m in means))
                      for n, (h, p, means) in zip(comp.feature_names, trend)])
    # coverage of the intervals, applicability
    hits = interval_hits(comp, calib, level)
    if hits is not None:
        n_cal = calib.uncertainty["n_calibration"]
        low, high = conformal_coverage_band(len(hits), n_cal, level)
        b_low, b_high = coverage_band(len(hits), level)
        cov = float(np.mean(hits))
        tag = f"{round(100 * level)}"
        what = "interval" if task == "regression" else "prediction-set"
        a.check(f"coverage_{tag}_not_below_band", cov, ">=", low,
                f"{what} coverage on {len(hits)} held-out rows (not used to calibrate) at level {level}, against "
                f"the exact band [{low:.3f}, {high:.3f}] (alpha 0.01) for intervals calibrated on {n_cal} rows "
                f"(beta-binomial; the binomial band of {len(hits)} rows alone is [{b_low:.3f}, {b_high:.3f}])")
        a.check(f"coverage_{tag}_not_above_band", cov, "<=", high, "same coverage against the band's upper end "
                "(intervals wider than they need to be)")
    if calib.eval_rows.size:
        flagged = calib.domain.assess(Xte[calib.eval_rows])["flagged"]
        a.check("heldout_flagged_fraction", float(np.mean(flagged)), "<=", FLAG_LIMIT,
                f"share of {len(flagged)} held-out rows (not used to set the threshold) flagged as outside the "
                "applicability domain")
    # declarations
    if bounds is not None and task == "regression":
        _bounds_check(a, result, comp, pred, bounds, rows)
    for m in monotonic:
        _monotonic_check(a, result, comp, m, transforms, rows)
    return a


def _trend_test(x: np.ndarray, resid: np.ndarray, bins: int = 5) -> tuple[float, float, list[float]]:
    from scipy.stats import kruskal

    bins = max(2, min(bins, len(x) // 10))
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1))[1:-1])
    which = np.searchsorted(edges, x, side="right")
    groups = [resid[which == b] for b in np.unique(which)]
    groups = [g for g in groups if g.size >= 2]
    means = [float(g.mean()) for g in groups]
    if len(groups) < 2 or np.ptp(np.concatenate(groups)) == 0:
        return 0.0, 1.0, means
    h, p = kruskal(*groups)
    return float(h), float(p), means


def _worst_table(result, comp, title, rows, order, values, value_name, pred) -> None:
    shown = order[:10]
    result.add_table(title, ("row", *comp.feature_names, "prediction", value_name),
                     [(int(rows[i]), *(float(f"{v:.6g}") for v in comp.X_test[i]), float(f"{pred[i]:.6g}"),
                       float(f"{values[i]:.4g}")) for i in shown])


def _bounds_check(a, result, comp, pred, bounds, rows) -> None:
    lo, hi = bounds
    excess = np.maximum(np.maximum(lo - pred, pred - hi), 0.0)
    n_bad = int(np.sum(excess > 0))
    text = f"[{lo:g}, {hi:g}]"
    a.check("bounds_violations", float(n_bad), "<=", 0.0,
            f"held-out rows whose prediction leaves the declared bounds {text} on {comp.target} "
            f"(largest excess {float(excess.max()) if excess.size else 0.0:.4g})")
    if n_bad:
        order = np.argsort(-excess)[:n_bad]
        _worst_table(result, comp, f"Declared bounds {text} on {comp.target} violated: worst held-out rows", rows,
                     order, excess, "excess", pred)


def _monotonic_check(a, result, comp, m: Monotonic, transforms, rows) -> None:
    feature, sign = m.column, m.sign
    for t in transforms:
        if t.column == m.column:
            feature, sign = t.feature, m.sign * t.direction
    j = comp.feature_names.index(feature)
    X = comp.X_test
    lo, hi = comp.X_train[:, j].min(), comp.X_train[:, j].max()
    h = 0.02 * (hi - lo)
    if h <= 0:
        return
    base = np.clip(X[:, j], lo, hi - h)  # a forward step of 2 % of the training range, kept inside it
    X0, X1 = X.copy(), X.copy()
    X0[:, j], X1[:, j] = base, base + h
    model = comp.best.estimator
    f0, f1 = np.asarray(model.predict(X0), float), np.asarray(model.predict(X1), float)
    wrong = -sign * (f1 - f0)  # > 0: the response moves against the declared direction
    # a move against the direction smaller than 1 % of the model's own held-out RMSE is below what it resolves
    tol = MONOTONIC_TOLERANCE * float(np.sqrt(np.mean((comp.y_test - model.predict(X)) ** 2)))
    n_bad = int(np.sum(wrong > tol))
    arrow = "increasing" if m.sign > 0 else "decreasing"
    a.check(f"monotonic_{_snake(m.column)}_violations", n_bad / len(wrong), "<=", 0.0,
            f"share of held-out rows where {comp.target} is not {arrow} in {m.column}: over a step of 2 % of the "
            f"training range of {feature} the prediction moves against the declared direction by more than "
            f"{MONOTONIC_TOLERANCE:g} x the held-out RMSE ({tol:.3g}); worst {float(wrong.max()):.4g}")
    if n_bad:
        order = np.argsort(-wrong)[:n_bad]
        _worst_table(result, comp, f"Declared {arrow} response to {m.column} violated: worst held-out rows", rows,
                     order, wrong, "change against the declared direction", f0)


def _snake(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "x"
