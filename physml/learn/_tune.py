"""Hyper-parameter search over a zoo model with Optuna (TPE, seeded), scored by seeded cross-validation.

Every trial is scored on the same folds (the splitter is seeded with ``seed``),
so trials are compared on equal terms. With ``storage="sqlite:///path.db"`` the
study is kept on disk under ``study_name`` and a second call with the same
arguments resumes it: ``n_trials`` is the total wanted, not a number to add.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError, TrainingError
from ..models import make_model, model_params
from ..validation import check_int
from ._cv import _check, cross_validate
from ._search_spaces import SEARCH_SPACES

__all__ = ["TuneResult", "tune"]


@dataclass(frozen=True)
class TuneResult:
    """The best hyper-parameters found and how to build the model with them.

    ``make_estimator()`` returns a new, unfitted estimator with ``best_params``
    (and ``seed``, ``device``), ready to fit on all the data.
    """

    name: str
    task: str
    best_params: dict[str, Any]
    best_score: float
    best_std: float
    n_trials: int
    scoring: str
    make_estimator: Callable[[], Any] = field(repr=False)
    study_name: str = ""
    storage: str | None = None
    study: Any = field(default=None, repr=False, compare=False)


def _check_storage(storage) -> None:
    if storage is None:
        return
    if not isinstance(storage, str) or "://" not in storage:
        raise ParameterError.invalid("storage", storage, "None (in memory) or a database URL like 'sqlite:///tune.db'")
    if storage.startswith("sqlite:///"):
        parent = Path(storage[len("sqlite:///"):]).parent
        if not parent.is_dir():
            raise ParameterError.invalid("storage", storage, f"a URL whose folder exists ({str(parent)!r} does not)")


def tune(name: str, X, y, *, task: str, n_trials: int, cv: int = 5, seed: int = 0, storage: str | None = None,
         study_name: str | None = None, groups=None, fixed: dict | None = None, device: str = "cpu",
         progress: bool = False, verbose: bool = False, backend: str = "local", batch: int = 1,
         address: str | None = None) -> TuneResult:
    """Search the hyper-parameters of zoo model ``name`` (space: ``physml.learn._search_spaces``).

    Maximises the mean cross-validated score (R² or accuracy, :func:`cross_validate`
    with ``cv``, ``groups`` and ``seed``) over ``n_trials`` trials of a TPE
    sampler seeded with ``seed``. ``fixed``: hyper-parameters held fixed in every
    trial (e.g. ``{"epochs": 100}`` for ``mlp``). A model without
    hyper-parameters (``linear``) is cross-validated once. A trial whose training
    diverges counts as failed and the search goes on. Optuna's log is silent
    unless ``verbose``; ``progress`` shows its progress bar.

    ``batch`` > 1: Optuna's ask-and-tell in batches: ``batch`` trials are asked (TPE with the constant liar for
    the pending ones), scored, then told in order, so the search depends on ``seed`` and ``batch`` only; with
    ``backend="ray"`` a batch is scored in parallel, one Ray task (one CPU, one thread) per trial, and finds
    the same trials, scores and best trial as ``backend="local"`` with the same ``batch``.
    """
    import optuna

    from ..distributed import check_backend

    check_backend(backend)
    batch = check_int("batch", batch, 1)
    _check(task, cv)
    allowed = model_params(name, task)  # also: UnknownNameError for an unknown name
    check_int("n_trials", n_trials, 1)
    fixed = dict(fixed or {})
    for key in fixed:
        if key not in allowed:
            raise ParameterError.invalid("fixed", key, f"hyper-parameters of {name!r}: {', '.join(allowed) or 'none'}")
    _check_storage(storage)
    space = SEARCH_SPACES[name]
    study_name = study_name or f"physml-{name}-{task}"
    identity = {"model": name, "task": task, "cv": int(cv), "seed": int(seed), "n_samples": int(len(y)),
                "fixed": json.loads(json.dumps(fixed, default=str))}

    def objective(trial) -> float:
        params = {**space(trial, task), **fixed}
        res = cross_validate(make_model(name, task, seed=seed, device=device, **params), X, y, task=task, cv=cv,
                             groups=groups, seed=seed)
        trial.set_user_attr("std", res.std)
        trial.set_user_attr("fold_scores", res.scores.tolist())
        if not np.isfinite(res.mean):
            raise TrainingError(f"trial {trial.number} scored {res.mean}")
        return res.mean

    old_verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO if verbose else optuna.logging.WARNING)
    try:
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=batch > 1)
        study = optuna.create_study(storage=storage, sampler=sampler, study_name=study_name, direction="maximize",
                                    load_if_exists=True)
        stored = study.user_attrs.get("physml")
        if stored is None:
            study.set_user_attr("physml", identity)
        elif stored != identity:
            raise ParameterError.invalid("study_name", study_name, f"a new name, or the arguments of the stored study "
                                         f"({stored}); got {identity}")
        wanted = n_trials if allowed else 1  # nothing to search: one cross-validation
        done = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
        if wanted > done and batch == 1 and backend == "local":
            study.optimize(objective, n_trials=wanted - done, catch=(TrainingError,), show_progress_bar=progress)
        elif wanted > done:
            score = functools.partial(_score, name, task, seed, device, cv, groups)
            _ask_tell(study, lambda trial: {**space(trial, task), **fixed}, score, X, y, wanted - done, batch,
                      backend, address)
        complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if not complete:
            raise TrainingError(f"every trial of {name!r} failed (training diverged); see the trials in study "
                                f"{study_name!r} and narrow the search with fixed=...")
        best = study.best_trial
    finally:
        optuna.logging.set_verbosity(old_verbosity)
    best_params = {**space(optuna.trial.FixedTrial(best.params), task), **fixed}
    return TuneResult(name=name, task=task, best_params=best_params, best_score=float(best.value),
                      best_std=float(best.user_attrs.get("std", float("nan"))), n_trials=len(complete),
                      scoring="r2" if task == "regression" else "accuracy",
                      make_estimator=functools.partial(make_model, name, task, seed=seed, device=device,
                                                       **best_params),
                      study_name=study_name, storage=storage, study=study)


def _score(name: str, task: str, seed: int, device: str, cv: int, groups, params: dict, X, y) -> tuple | None:
    """One trial's cross-validated (mean, std, fold scores); None when training diverged."""
    try:
        res = cross_validate(make_model(name, task, seed=seed, device=device, **params), X, y, task=task, cv=cv,
                             groups=groups, seed=seed)
    except TrainingError:
        return None
    return (float(res.mean), float(res.std), res.scores.tolist()) if np.isfinite(res.mean) else None


def _ray_score(score, params: dict, X, y) -> tuple | None:
    from ..distributed import set_thread_share

    set_thread_share(1)
    return score(params, X, y)


def _ask_tell(study, suggest, score, X, y, n_trials: int, batch: int, backend: str, address: str | None) -> None:
    """Optuna's ask-and-tell in batches of ``batch`` trials, scored here or as Ray tasks (same trials either way)."""
    import optuna

    def run_batches(evaluate) -> None:
        left = n_trials
        while left > 0:
            trials = [study.ask() for _ in range(min(batch, left))]
            params = [suggest(t) for t in trials]
            for trial, result in zip(trials, evaluate(params)):
                if result is None:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    continue
                trial.set_user_attr("std", result[1])
                trial.set_user_attr("fold_scores", result[2])
                study.tell(trial, result[0])
            left -= len(trials)

    if backend == "local":
        run_batches(lambda params: [score(p, X, y) for p in params])
        return
    from ..distributed import ray_session

    with ray_session(address) as ray:
        task = ray.remote(_ray_score).options(num_cpus=1, max_retries=2)
        X_ref, y_ref = ray.put(X), ray.put(y)
        run_batches(lambda params: ray.get([task.remote(score, p, X_ref, y_ref) for p in params]))
