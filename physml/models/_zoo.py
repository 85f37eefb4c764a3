"""The model zoo: every standard learner by name, for regression and classification.

==========  ================================================  ==============================================
name        regression                                        classification
==========  ================================================  ==============================================
linear      LinearRegression                                  LogisticRegression, unpenalised (C = inf)
ridge       Ridge (``alpha``)                                 LogisticRegression, L2 (``C``)
lasso       Lasso (``alpha``)                                 LogisticRegression, L1, saga (``C``)
poly_ridge  PolynomialFeatures(``degree``) + Ridge            PolynomialFeatures(``degree``) + L2 logistic
tree        DecisionTreeRegressor                             DecisionTreeClassifier
forest      RandomForestRegressor                             RandomForestClassifier
gbt         HistGradientBoostingRegressor                     HistGradientBoostingClassifier
svm         SVR (``kernel``, ``C``, ``epsilon``, ``gamma``)   SVC (``kernel``, ``C``, ``gamma``), Platt-scaled
gp          GaussianProcessRegressor: amplitude x kernel      GaussianProcessClassifier: amplitude x kernel
            + WhiteKernel, ``normalize_y``
mlp         TorchRegressor(MLPFactory((64, 32)))              TorchClassifier(MLPFactory((64, 32)))
==========  ================================================  ==============================================

Inputs are standardised where a model is not scale invariant, and the target
too where a hyper-parameter is in target units (see ``_zoo_builders.py``), so
``alpha``, ``epsilon`` and ``C`` are dimensionless. The GP ``kernel`` is one of
rbf, matern32, matern52, rational_quadratic or a scikit-learn ``Kernel``.

The hyper-parameters each name accepts, and their defaults, are the keywords of
its builder in ``_zoo_builders.py`` (``model_params(name, task)`` lists them).
``seed`` goes to every ``random_state``; ``device`` is used by ``mlp`` only
(the scikit-learn models run on the CPU).
"""

from __future__ import annotations

import inspect
import weakref

from ..errors import ParameterError, UnknownNameError
from ._zoo_builders import CLASSIFICATION, REGRESSION

__all__ = ["TASKS", "make_model", "model_names", "model_params", "predict_with_std", "zoo_name"]

TASKS = ("regression", "classification")
_BUILDERS = {"regression": REGRESSION, "classification": CLASSIFICATION}
_NAMES: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ParameterError.invalid("task", task, "'regression' or 'classification'")
    return task


def model_names(task: str) -> list[str]:
    """The zoo's model names for ``task`` (``"regression"`` or ``"classification"``)."""
    return list(_BUILDERS[check_task(task)])


def _builder(name: str, task: str):
    builders = _BUILDERS[check_task(task)]
    if name not in builders:
        raise UnknownNameError("model", name, list(builders))
    return builders[name]


def model_params(name: str, task: str) -> dict[str, object]:
    """The hyper-parameters ``make_model(name, task, **params)`` accepts, with their defaults."""
    sig = inspect.signature(_builder(name, task))
    return {k: p.default for k, p in sig.parameters.items() if k not in ("seed", "device")}


def make_model(name: str, task: str, *, seed: int = 0, device: str = "cpu", **params):
    """A new, unfitted estimator of the zoo model ``name`` for ``task`` (see the module table).

    ``params`` are the model's hyper-parameters (:func:`model_params`); an
    unknown one is a :class:`~physml.errors.ParameterError`, an unknown name an
    :class:`~physml.errors.UnknownNameError`.
    """
    builder = _builder(name, task)
    allowed = model_params(name, task)
    for key, value in params.items():
        if key not in allowed:
            raise ParameterError(f"parameter {key!r} of model {name!r} ({task}) is not one of "
                                 f"{', '.join(allowed) or 'none (it has no hyper-parameters)'}; got {key}={value!r}")
    model = builder(seed=seed, device=device, **params)
    _NAMES[model] = name
    return model


def zoo_name(model) -> str | None:
    """The zoo name ``model`` was made under (``None`` for an estimator not made by :func:`make_model`)."""
    try:
        return _NAMES.get(model)
    except TypeError:  # not weak-referenceable
        return None


def remember_zoo_name(model, name: str | None) -> None:
    if name is not None:
        _NAMES[model] = name


def predict_with_std(model, X):
    """``(mean, std)`` of the predictive distribution; ``std`` is ``None`` for a model without one.

    The GP regressor (alone or as a Pipeline's last step) gives its posterior
    standard deviation, in target units, including the fitted white noise.
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.pipeline import Pipeline

    last = model[-1] if isinstance(model, Pipeline) else model
    if isinstance(last, GaussianProcessRegressor):
        mean, std = model.predict(X, return_std=True)
        return mean, std
    return model.predict(X), None
