"""Learning helpers: metrics, seeded cross-validation, learning curves, hyper-parameter search, baselines,
split-conformal intervals and the applicability domain of a tabular model."""

from ._applicability import ApplicabilityDomain as ApplicabilityDomain
from ._baselines import ThresholdClassifier as ThresholdClassifier
from ._conformal import class_scores as class_scores
from ._conformal import conformal_coverage_band as conformal_coverage_band
from ._conformal import conformal_quantile as conformal_quantile
from ._conformal import native_std as native_std
from ._conformal import prediction_sets as prediction_sets
from ._conformal import regression_interval as regression_interval
from ._conformal import regression_scores as regression_scores
from ._conformal import std_floor as std_floor
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
           "TuneResult", "tune", "ApplicabilityDomain", "native_std", "std_floor", "conformal_quantile",
           "regression_scores", "regression_interval", "class_scores", "prediction_sets", "conformal_coverage_band"]
