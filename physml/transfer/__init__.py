"""Transfer learning and domain adaptation: from abundant simulation to scarce real data.

* :class:`FineTuner`: fine-tune a fitted :class:`~physml.models.TorchRegressor` /
  :class:`~physml.models.TorchClassifier` on a few labelled target samples, with chosen layers
  frozen (linear probe, last layer, full fine-tune at a smaller learning rate).
* :class:`CoralAligner`, :class:`CoralAdapted`: CORAL, unsupervised alignment of the target's
  mean and covariance onto the source's.
* :class:`DANNClassifier`: domain-adversarial training with a gradient-reversal layer.
* :func:`efficiency_curve` / :class:`TransferCurve`: target error vs number of labelled target
  samples, transferred vs from scratch; crossover, samples saved, negative transfer.
"""

from ._checks import check_same_units_scale as check_same_units_scale
from ._checks import check_target as check_target
from ._checks import check_units as check_units
from ._coral import CoralAdapted as CoralAdapted
from ._coral import CoralAligner as CoralAligner
from ._coral import coral_matrix as coral_matrix
from ._curve import TransferCurve as TransferCurve
from ._curve import efficiency_curve as efficiency_curve
from ._curve import rmse as rmse
from ._dann import DANNClassifier as DANNClassifier
from ._dann import GradientReversal as GradientReversal
from ._finetune import MODES as MODES
from ._finetune import FineTuner as FineTuner
from ._finetune import output_layer_name as output_layer_name

__all__ = ["FineTuner", "MODES", "output_layer_name", "CoralAligner", "CoralAdapted", "coral_matrix",
           "DANNClassifier", "GradientReversal", "TransferCurve", "efficiency_curve", "rmse", "check_target",
           "check_units", "check_same_units_scale"]
