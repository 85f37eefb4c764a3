"""The model zoo on the user's own table, as a run (what ``physml train`` calls).

:func:`train_table` reads the table, applies the input transforms, picks the features and the task, compares
the named models (:func:`physml.workflows.compare.compare`) and returns the comparison with the run's
:class:`~physml.result.StudyResult` (study ``"train"``: leaderboard, figures, metrics, the audit of the best
model (:func:`physml.workflows.tabular_audit.train_audit`), the best model with its transforms, conformal
scores and applicability domain), ready for :func:`physml.runs.write_run`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..device import resolve_device
from ..errors import ParameterError
from ..models import make_model
from ..result import StudyResult
from ..tabular_io import apply_transforms, load_table, parse_transforms, select_xy
from .compare import Comparison, compare, parse_models
from .tabular_audit import parse_bounds, parse_monotonic, train_audit
from .tabular_report import add_to_result

__all__ = ["train_table"]


def train_table(data: str | os.PathLike, target: str, *, features: str | list[str] | None = None,
                task: str | None = None, models: str | list[str] = "all", cv: int = 5, tune: int = 0,
                test_fraction: float = 0.2, learning_curve: bool = False, seed: int = 0, device: str = "cpu",
                progress: bool = True, transforms: list[str] = (), bounds: str | None = None,
                monotonic: list[str] = (), level: float = 0.9, explain: bool = True,
                tune_options: dict | None = None) -> tuple[Comparison, StudyResult]:
    """Compare ``models`` (``"all"`` or zoo names, comma-separated or a list) predicting column ``target`` of
    the CSV, Parquet or physml HDF5 file ``data`` from ``features`` (default: every other column).

    ``task``: ``regression`` or ``classification`` (default: inferred from the target); ``tune``: Optuna
    trials per model (0: defaults); ``learning_curve``: add the best model's learning curve.
    ``transforms``: ``KIND:COLUMN`` (``log10:pressure_MPa``): the model learns from the transformed column
    and keeps the transform, so ``physml predict`` takes the raw one. ``bounds`` (``"0:"``) and ``monotonic``
    (``["T_K:+"]``): physics the user declares, checked by the audit; ``level``: of the audited intervals.
    ``tune_options``: ``backend`` (local | ray), ``batch``, ``address`` of the search
    (:func:`physml.learn.tune`). ``explain=False`` skips the best model's explanations (coefficients,
    permutation importance, SHAP).
    """
    data = Path(data)
    if isinstance(features, str):
        features = [f.strip() for f in features.split(",") if f.strip()] if features else None
    if not 0.0 < level < 1.0:
        raise ParameterError.invalid("level", level, "in (0, 1)")
    steps = parse_transforms(transforms)
    limits = parse_bounds(bounds)
    df = load_table(data)
    columns = [str(c) for c in df.columns]
    if any(t.column == target for t in steps):
        raise ParameterError.invalid("transform", target, "an input column, not the target")
    declared = parse_monotonic(monotonic, [c for c in columns if c != target])
    units = dict(df.attrs.get("units") or {})
    df = apply_transforms(df, steps)
    made = {t.column: t.feature for t in steps}
    chosen = features if features is not None else [c for c in columns if c != target]
    unused = [t for t in steps if t.column not in chosen and t.feature not in chosen]
    if unused:
        raise ParameterError.invalid("transform", f"{unused[0].kind}:{unused[0].column}", "a transform of a feature")
    names_in = [made.get(f, f) for f in chosen]
    X, y, names, task = select_xy(df, target, names_in, task)
    raw = {t.feature: t.column for t in steps}
    for m in declared:
        if m.column not in [raw.get(n, n) for n in names]:
            raise ParameterError.invalid("monotonic", f"{m.column}", f"a feature column ({', '.join(chosen)})")
    if task == "classification" and (limits or declared):
        raise ParameterError.invalid("bounds" if limits else "monotonic", bounds if limits else monotonic[0],
                                     "declared for a regression target only")
    model_list = parse_models(models, task)
    resolve_device(device)
    comp = compare(X, y, names, task=task, target=target, models=model_list, cv=cv, n_trials=tune,
                   test_fraction=test_fraction, seed=seed, device=device, progress=progress, explain=explain,
                   learning_curve_sizes=(0.1, 0.25, 0.5, 1.0) if learning_curve else (), tune_options=tune_options)
    config = {"data": str(data), "target": target, "features": names, "task": task, "models": model_list, "cv": cv,
              "tune": tune, "test_fraction": test_fraction, "seed": seed, "device": device, "n_rows": len(y),
              "transforms": [f"{t.kind}:{t.column}" for t in steps], "bounds": bounds, "monotonic": list(monotonic),
              "level": level, **({"tune_options": tune_options} if tune_options else {})}
    result = StudyResult(study="train", config=config, title=f"physml train: {target} from {data.name}")
    input_units = {raw.get(n, n): units[raw.get(n, n)] for n in names if raw.get(n, n) in units}
    calib = add_to_result(comp, result, seed=seed, transforms=steps, units=input_units)
    best = comp.best

    def refit():
        return make_model(best.name, task, seed=seed, device=device, **best.params).fit(comp.X_train, comp.y_train)

    audit = train_audit(comp, calib, result, refit=refit, level=level, bounds=limits, monotonic=declared,
                        transforms=steps)
    result.add_audit(audit)
    result.summary = (f"Best model: {best.name} (of {len(comp.scores)}). {audit.summary()}; failed: "
                      f"{', '.join(c.name for c in audit.checks if not c.passed) or 'none'}.")
    return comp, result
