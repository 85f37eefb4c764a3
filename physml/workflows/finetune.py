"""Fine-tune a saved torch model on a labelled table and save the result (what ``physml transfer fine-tune`` calls).

The checks come first, before any training and before anything is written: the output must not exist
(unless ``force``), the model must be a saved :class:`~physml.models.TorchRegressor` or
:class:`~physml.models.TorchClassifier`, the table must hold every feature the model reads and the target,
at least one row, finite numbers, and (for a physml HDF5 file) the same units as the source model's features.
Each failure is one :class:`~physml.errors.PhysmlError` line.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import check_output
from ..data import Dataset
from ..errors import DataError, ParameterError
from ..models import SavedModel, TorchClassifier, TorchRegressor, save_model
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..tabular_io import load_table, numeric_column
from ..transfer import FineTuner, check_units, rmse
from ..validation import check_real
from .predict import find_saved_model

__all__ = ["FineTuneRun", "fine_tune", "target_table", "held_out_split", "frozen_change"]


@dataclass(frozen=True)
class FineTuneRun:
    """What :func:`fine_tune` did: the fitted ``tuner`` (``tuner.estimator_`` is the new model), the number
    of target samples and the path the model was written to."""

    tuner: FineTuner
    n_samples: int
    path: Path
    study_result: StudyResult | None = None
    wall_seconds: float = 0.0


def target_table(saved: SavedModel, data: str | os.PathLike, target: str
                 ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """``(X, y, units)`` from the table ``data`` in the column order ``saved`` reads: every feature and the
    target present, at least one row, numeric finite features (and target, for a regressor); ``units`` of the
    features when ``data`` is a physml HDF5 file and the source model records its units, checked against them."""
    features = [str(f) for f in saved.metadata.get("feature_names", [])]
    if not features:
        raise DataError("the saved model records no feature names (metadata 'feature_names'): "
                        "cannot match the target data's columns to its inputs")
    df = load_table(data)
    columns = [str(c) for c in df.columns]
    missing = [f for f in features + [target] if f not in columns]
    if missing:
        raise DataError(f"the target data lacks {', '.join(missing)}: the source model reads {', '.join(features)} "
                        f"and the data has {', '.join(columns)}")
    if len(df) == 0:
        raise DataError(f"no labelled target samples in {str(data)!r}: fine-tuning needs at least 1")
    X = np.column_stack([numeric_column(df[f], f, "feature") for f in features])
    y = numeric_column(df[target], target, "target") if isinstance(saved.estimator, TorchRegressor) \
        else df[target].to_numpy()
    source_units = saved.metadata.get("feature_units")
    units = None
    if source_units is not None and Path(data).suffix.lower() in (".h5", ".hdf5"):
        ds = Dataset.load(data)
        units = [ds.units.get(f, "1") for f in features]
        check_units(source_units, units, features)
    return X, y, units


def held_out_split(n: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(fit_rows, held_out_rows)``: a seeded random ``holdout`` fraction (at least one row each side)."""
    holdout = check_real("holdout", holdout, 0.0, 0.9, closed="right")
    if n < 2:
        raise DataError(f"fine-tuning with a held-out check needs at least 2 labelled target rows; got {n}")
    n_out = min(max(1, round(holdout * n)), n - 1)
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_out:]), np.sort(perm[:n_out])


def frozen_change(source, tuned, frozen: tuple[str, ...]) -> float:
    """Largest absolute change of any frozen parameter between ``source`` and ``tuned`` (0: untouched)."""
    a = dict(source.module_.named_parameters())
    b = dict(tuned.module_.named_parameters())
    worst = 0.0
    for name in frozen:
        worst = max(worst, float((a[name].detach().cpu() - b[name].detach().cpu()).abs().max()))
    return worst


def _error(est, X, y) -> float:
    """Regressor: RMSE; classifier: error rate."""
    if isinstance(est, TorchClassifier):
        return float(np.mean(est.predict(X) != y))
    return rmse(y, est.predict(X))


def fine_tune(model: str | os.PathLike, data: str | os.PathLike, *, target: str, output: str | os.PathLike,
              mode: str = "last_layer", epochs: int = 300, lr: float | None = None, seed: int = 0,
              force: bool = False, runs_dir: str | os.PathLike = "runs", holdout: float = 0.25) -> FineTuneRun:
    """Fine-tune ``model`` (a saved model folder, a run directory or a run id in ``runs_dir``) on the labelled
    table ``data`` with :class:`~physml.transfer.FineTuner`; save it to ``output`` (loadable by
    ``physml predict``), its metadata the source's plus where and how it was fine-tuned.

    A seeded ``holdout`` fraction of the target rows is kept out of the fine-tuning; on it the run compares the
    source model before fine-tuning, the fine-tuned model, the same architecture trained from scratch on the same
    fine-tuning rows (the source's hyper-parameters) and the mean (or majority class) of those rows. The audit
    checks that the frozen parameters did not move, that fine-tuning improved on the source, and that it beat
    training from scratch (negative transfer fails). ``study_result`` is the run to write with
    :func:`physml.runs.write_run`."""
    from sklearn.base import clone

    start = time.perf_counter()
    holdout = check_real("holdout", holdout, 0.0, 0.9, closed="right")
    check_output(output, force=force, kind="dir")
    saved = find_saved_model(str(model), runs_dir)
    if not isinstance(saved.estimator, (TorchRegressor, TorchClassifier)):
        raise ParameterError.invalid("model", str(model),
                                     "a saved TorchRegressor or TorchClassifier (e.g. the zoo's mlp)")
    X_all, y_all, units = target_table(saved, data, target)
    fit_rows, out_rows = held_out_split(len(X_all), holdout, seed)
    X, y, X_out, y_out = X_all[fit_rows], y_all[fit_rows], X_all[out_rows], y_all[out_rows]
    source_units = saved.metadata.get("feature_units")
    source = saved.estimator
    tuner = FineTuner(source, mode=mode, epochs=epochs, lr=lr, seed=seed,
                      source_units=source_units).fit(X, y, units=units)
    scratch = clone(source).set_params(seed=seed).fit(X, y)
    classifier = isinstance(source, TorchClassifier)
    if classifier:
        values, counts = np.unique(y, return_counts=True)
        trivial = float(np.mean(y_out != values[np.argmax(counts)]))
    else:
        trivial = rmse(y_out, np.full(len(y_out), np.mean(y)))
    errors = {"source": _error(source, X_out, y_out), "fine_tuned": _error(tuner.estimator_, X_out, y_out),
              "scratch": _error(scratch, X_out, y_out), "trivial": trivial}
    moved = frozen_change(source, tuner.estimator_, tuner.frozen_)
    # the source's conformal scores and applicability domain describe the source data, not the new one: dropped
    kept = {k: v for k, v in saved.metadata.items() if k not in ("uncertainty", "applicability")}
    metadata = {**kept, "fine_tuned_from": str(model), "fine_tune_mode": mode,
                "fine_tune_samples": int(len(X)), "fine_tune_data": str(data)}
    path = save_model(tuner.estimator_, output, metadata=metadata, force=force)
    result = _report(str(model), str(data), target, mode, seed, holdout, Path(path), tuner, errors, moved,
                     classifier, (X_out, y_out, source, scratch), n_fit=len(X))
    return FineTuneRun(tuner=tuner, n_samples=int(len(X)), path=Path(path), study_result=result,
                       wall_seconds=time.perf_counter() - start)


def _report(model, data, target, mode, seed, holdout, path, tuner, errors, moved, classifier, held, n_fit
            ) -> StudyResult:
    X_out, y_out, source, scratch = held
    what = "error rate" if classifier else "RMSE"
    config = {"model": model, "data": data, "target": target, "mode": mode, "epochs": tuner.epochs, "lr": tuner.lr,
              "seed": seed, "holdout": holdout, "output": str(path), "n_fine_tune": n_fit, "n_held_out": len(y_out)}
    res = StudyResult("transfer-fine-tune", config, title=f"physml transfer fine-tune: {Path(model).name} on "
                                                          f"{Path(data).name}")
    for k, v in errors.items():
        res.add_metric(f"held_out_{'error_rate' if classifier else 'rmse'}_{k}", v)
    res.add_metric("n_fine_tune", n_fit)
    res.add_metric("n_held_out", len(y_out))
    res.add_metric("n_frozen_tensors", len(tuner.frozen_))
    res.add_metric("n_trainable_tensors", len(tuner.trainable_))
    audit = Audit(f"fine-tuned {mode}")
    audit.check("frozen_parameters_unchanged", moved, "<=", 0.0,
                f"largest change of the {len(tuner.frozen_)} frozen parameter tensors (bit-identical: 0)")
    audit.check("improves_on_source", errors["fine_tuned"] / max(errors["source"], 1e-300), "<=", 1.0,
                f"held-out {what} after / before fine-tuning")
    audit.check("beats_scratch", errors["fine_tuned"] / max(errors["scratch"], 1e-300), "<=", 1.0,
                f"held-out {what} fine-tuned / the same network trained from scratch on the same {n_fit} rows "
                "(> 1: negative transfer)")
    audit.check("beats_trivial_baseline", errors["fine_tuned"] / max(errors["trivial"], 1e-300), "<=", 1.0,
                f"held-out {what} / that of the fine-tuning rows' {'majority class' if classifier else 'mean'}")
    res.add_audit(audit)
    res.add_table(f"Held-out {what} on {len(y_out)} target rows kept out of the fine-tuning",
                  ("model", what), [("source model, before fine-tuning", round(errors["source"], 6)),
                                    (f"fine-tuned ({mode}, {n_fit} rows)", round(errors["fine_tuned"], 6)),
                                    (f"from scratch on the same {n_fit} rows", round(errors["scratch"], 6)),
                                    ("mean / majority of the fine-tuning rows", round(errors["trivial"], 6))])
    res.add_table("Parameters", ("tensor", "state"), [(n, "frozen") for n in tuner.frozen_]
                  + [(n, "trained") for n in tuner.trainable_])
    if not classifier and np.ndim(y_out) == 1:
        fig = new_figure(figsize=(4.8, 4.2))
        ax = fig.subplots()
        for label, est in (("source", source), ("fine-tuned", tuner.estimator_), ("scratch", scratch)):
            ax.plot(y_out, est.predict(X_out), "o", ms=4, alpha=0.7, label=label)
        lo, hi = float(np.min(y_out)), float(np.max(y_out))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set_xlabel(f"true {target}")
        ax.set_ylabel(f"predicted {target}")
        ax.legend(fontsize=8)
        res.add_figure("held_out", fig, "Held-out target rows: predictions of the source, fine-tuned and "
                                        "from-scratch models against the truth (dashed: perfect).")
    ratio = errors["fine_tuned"] / max(errors["source"], 1e-300)
    res.summary = (f"{mode} fine-tuning on {n_fit} target rows; held-out {what} {errors['source']:.4g} before, "
                   f"{errors['fine_tuned']:.4g} after ({ratio:.3g}x), from scratch {errors['scratch']:.4g}. "
                   f"{len(tuner.frozen_)} frozen tensors {'unchanged' if moved == 0 else 'CHANGED'}. "
                   f"Model written to {path}.")
    if not math.isfinite(ratio):
        res.summary += " (non-finite error)"
    return res
