"""The model zoo on the user's own table, as a run (what ``physml train`` calls).

:func:`train_table` reads the table, picks the features and the task, compares the named models
(:func:`physml.workflows.compare.compare`) and returns the comparison with the run's
:class:`~physml.result.StudyResult` (study ``"train"``: leaderboard, figures, metrics, the best model),
ready for :func:`physml.runs.write_run`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..device import resolve_device
from ..result import StudyResult
from ..tabular_io import load_table, select_xy
from .compare import Comparison, compare, parse_models
from .tabular_report import add_to_result

__all__ = ["train_table"]


def train_table(data: str | os.PathLike, target: str, *, features: str | list[str] | None = None,
                task: str | None = None, models: str | list[str] = "all", cv: int = 5, tune: int = 0,
                test_fraction: float = 0.2, learning_curve: bool = False, seed: int = 0, device: str = "cpu",
                progress: bool = True, tune_options: dict | None = None) -> tuple[Comparison, StudyResult]:
    """Compare ``models`` (``"all"`` or zoo names, comma-separated or a list) predicting column ``target`` of
    the CSV, Parquet or physml HDF5 file ``data`` from ``features`` (default: every other column).

    ``task``: ``regression`` or ``classification`` (default: inferred from the target); ``tune``: Optuna
    trials per model (0: defaults); ``learning_curve``: add the best model's learning curve;
    ``tune_options``: ``backend`` (local | ray), ``batch``, ``address`` of the search (:func:`physml.learn.tune`).
    """
    data = Path(data)
    if isinstance(features, str):
        features = [f.strip() for f in features.split(",") if f.strip()] if features else None
    X, y, names, task = select_xy(load_table(data), target, features, task)
    model_list = parse_models(models, task)
    resolve_device(device)
    comp = compare(X, y, names, task=task, target=target, models=model_list, cv=cv, n_trials=tune,
                   test_fraction=test_fraction, seed=seed, device=device, progress=progress,
                   learning_curve_sizes=(0.1, 0.25, 0.5, 1.0) if learning_curve else (), tune_options=tune_options)
    config = {"data": str(data), "target": target, "features": names, "task": task, "models": model_list, "cv": cv,
              "tune": tune, "test_fraction": test_fraction, "seed": seed, "device": device, "n_rows": len(y),
              **({"tune_options": tune_options} if tune_options else {})}
    result = StudyResult(study="train", config=config, title=f"physml train: {target} from {data.name}")
    add_to_result(comp, result, seed=seed)
    return comp, result
