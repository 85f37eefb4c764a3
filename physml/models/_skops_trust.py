"""The types physml lets skops rebuild from a model file, beyond those skops trusts by default.

skops refuses to rebuild any type that is not on its own safe list (builtins,
numpy, scipy and most scikit-learn estimators) unless the caller trusts it by
name. Trusting every name a file mentions (``trusted=True``, or passing back
``get_untrusted_types`` unread) would let a crafted file name any callable.
physml trusts exactly the scikit-learn internals its model zoo produces, its own
simple estimators, and the standard GP kernels a user may pass, written out here; anything else in a file
is refused unless the caller lists it in ``load_model(..., trusted=[...])``.
``tests/test_models_persist.py`` checks that every zoo model needs nothing more.
"""

from __future__ import annotations

__all__ = ["TRUSTED_TYPES"]

_KERNELS = ("ConstantKernel", "DotProduct", "ExpSineSquared", "Exponentiation", "Matern", "PairwiseKernel",
            "Product", "RBF", "RationalQuadratic", "Sum", "WhiteKernel")

TRUSTED_TYPES: frozenset[str] = frozenset({
    "physml.models._svr.SeededSVR",  # svm (regression)
    "physml.learn._baselines.ThresholdClassifier",  # physml's own baseline (plain attributes)
    "sklearn.calibration._CalibratedClassifier",  # svm (classification): Platt-calibrated SVC
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",  # gbt
    "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",  # gp (classification)
    "sklearn.tree._tree.Tree",  # tree, forest
    *(f"sklearn.gaussian_process.kernels.{k}" for k in _KERNELS),  # gp
})
