"""PyTorch networks, the scikit-learn-compatible estimators that train them, the model zoo and its persistence.

:mod:`physml.models.torch_utils` holds the torch helpers other packages share (seeded RNG fork, seeded split,
the training loop and its divergence error, the estimators' parameter constraints); they are exported here.
"""

from ._cnn import FieldCNN as FieldCNN
from ._cnn import FieldCNNFactory as FieldCNNFactory
from ._cnn import PeriodicCNN as PeriodicCNN
from ._cnn import PeriodicCNNFactory as PeriodicCNNFactory
from ._fieldnets import PeriodicConvNet as PeriodicConvNet
from ._fieldnets import PeriodicConvNetFactory as PeriodicConvNetFactory
from ._fieldnets import PeriodicUNet as PeriodicUNet
from ._fieldnets import PeriodicUNetFactory as PeriodicUNetFactory
from ._mlp import MLPFactory as MLPFactory
from ._operators import FNO as FNO
from ._operators import FNOFactory as FNOFactory
from ._operators import ResidualPeriodicCNN as ResidualPeriodicCNN
from ._operators import ResidualPeriodicCNNFactory as ResidualPeriodicCNNFactory
from ._persist import SavedModel as SavedModel
from ._persist import load_model as load_model
from ._persist import save_model as save_model
from ._sequence import LSTMForecaster as LSTMForecaster
from ._sequence import LSTMForecasterFactory as LSTMForecasterFactory
from ._sequence import TransformerForecaster as TransformerForecaster
from ._sequence import TransformerForecasterFactory as TransformerForecasterFactory
from ._torch_classifier import TorchClassifier as TorchClassifier
from ._torch_io import load_torch_estimator as load_torch_estimator
from ._torch_regressor import TorchRegressor as TorchRegressor
from ._zoo import TASKS as TASKS
from ._zoo import make_model as make_model
from ._zoo import model_names as model_names
from ._zoo import model_params as model_params
from ._zoo import predict_with_std as predict_with_std
from ._zoo import zoo_name as zoo_name
from .torch_utils import LR_SCHEDULES as LR_SCHEDULES
from .torch_utils import TRAINING_CONSTRAINTS as TRAINING_CONSTRAINTS
from .torch_utils import TrainingHistory as TrainingHistory
from .torch_utils import check_params as check_params
from .torch_utils import divergence_error as divergence_error
from .torch_utils import forked_torch_rng as forked_torch_rng
from .torch_utils import seeded_split as seeded_split
from .torch_utils import train_module as train_module

__all__ = ["PeriodicCNN", "PeriodicCNNFactory", "FieldCNN", "FieldCNNFactory", "MLPFactory", "TorchClassifier",
           "TorchRegressor", "load_torch_estimator", "LR_SCHEDULES", "TRAINING_CONSTRAINTS", "TrainingHistory",
           "check_params", "divergence_error", "forked_torch_rng", "seeded_split", "train_module",
           "TASKS", "make_model", "model_names", "model_params", "predict_with_std",
           "zoo_name", "LSTMForecaster", "LSTMForecasterFactory", "TransformerForecaster",
           "TransformerForecasterFactory", "SavedModel", "save_model", "load_model", "FNO", "FNOFactory",
           "ResidualPeriodicCNN", "ResidualPeriodicCNNFactory", "PeriodicConvNet", "PeriodicConvNetFactory",
           "PeriodicUNet", "PeriodicUNetFactory"]
