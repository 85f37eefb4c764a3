"""Learning helpers: metrics, seeded cross-validation, learning curves, hyper-parameter search, baselines."""

from ._baselines import ThresholdClassifier as ThresholdClassifier
from ._cv import CVResult as CVResult
from ._cv import cross_validate as cross_validate
from ._cv import learning_curve as learning_curve
from ._cv import make_splitter as make_splitter
from ._metrics import classification_metrics as classification_metrics
from ._metrics import regression_metrics as regression_metrics
from ._search_spaces import SEARCH_SPACES as SEARCH_SPACES
from ._sequences import forecast_windows as forecast_windows
from ._sequences import persistence_forecast as persistence_forecast
from ._tune import TuneResult as TuneResult
from ._tune import tune as tune

__all__ = ["ThresholdClassifier", "regression_metrics", "classification_metrics", "CVResult", "cross_validate",
           "learning_curve", "make_splitter", "forecast_windows", "persistence_forecast", "SEARCH_SPACES",
           "TuneResult", "tune"]
