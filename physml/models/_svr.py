"""``SeededSVR``: scikit-learn's SVR without its hidden draw from numpy's global random generator."""

from __future__ import annotations

from sklearn.svm import SVR

__all__ = ["SeededSVR"]


class SeededSVR(SVR):
    """:class:`sklearn.svm.SVR` whose libsvm seed comes from ``random_state``.

    scikit-learn's ``SVR`` has no ``random_state``, so every ``fit`` draws
    libsvm's seed from ``np.random`` (advancing the global generator) although
    epsilon-SVR training uses no randomness. physml reads no global RNG state
    (DESIGN: randomness is explicit); the fitted model is otherwise identical.
    """

    _parameter_constraints: dict = {**SVR._parameter_constraints, "random_state": ["random_state"]}

    def __init__(self, *, kernel="rbf", degree=3, gamma="scale", coef0=0.0, tol=1e-3, C=1.0, epsilon=0.1,
                 shrinking=True, cache_size=200, verbose=False, max_iter=-1, random_state=None):
        super().__init__(kernel=kernel, degree=degree, gamma=gamma, coef0=coef0, tol=tol, C=C, epsilon=epsilon,
                         shrinking=shrinking, cache_size=cache_size, verbose=verbose, max_iter=max_iter)
        self.random_state = random_state
