"""Learning helpers: baselines (metrics, cross-validation and search come with the workbench)."""

from ._baselines import ThresholdClassifier as ThresholdClassifier

__all__ = ["ThresholdClassifier"]
