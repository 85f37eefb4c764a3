"""Explanations of trained models: importances and attribution maps, checked against physics."""

from ._importance import Importance as Importance
from ._importance import permutation_importances as permutation_importances
from ._importance import shap_importances as shap_importances
from ._importance import standardized_coefficients as standardized_coefficients
from ._maps import alignment as alignment

__all__ = ["Importance", "standardized_coefficients", "permutation_importances", "shap_importances", "alignment"]
