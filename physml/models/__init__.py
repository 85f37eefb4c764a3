"""PyTorch networks and the scikit-learn-compatible estimators that train them."""

from ._cnn import PeriodicCNN as PeriodicCNN
from ._cnn import PeriodicCNNFactory as PeriodicCNNFactory
from ._mlp import MLPFactory as MLPFactory
from ._torch_classifier import TorchClassifier as TorchClassifier

__all__ = ["PeriodicCNN", "PeriodicCNNFactory", "MLPFactory", "TorchClassifier"]
