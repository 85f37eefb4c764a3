"""End-to-end runs that are not registered studies: what ``physml train``, ``physml predict`` and
``physml rl train`` call. Like the studies, each builds a :class:`~physml.result.StudyResult`
that :func:`physml.runs.write_run` turns into a run directory; unlike the studies, the data is the user's.

* :mod:`~physml.workflows.compare`: the model zoo compared on a table; :mod:`~physml.workflows.tabular_report`: the
  comparison as a report; :mod:`~physml.workflows.tabular_audit`: conformal calibration, applicability domain
  and the audit of a model trained on a table; :mod:`~physml.workflows.predict`: a saved model applied to a table,
  with intervals and applicability flags;
* :mod:`~physml.workflows.train_table`: ``physml train`` as a run; :mod:`~physml.workflows.finetune`: a saved
  model fine-tuned to a user's table;
* :mod:`physml.workflows.rl_train`: train and evaluate an agent on a Gymnasium id (imported on its own: it needs
  gymnasium).
"""

from .compare import Comparison, ModelScore, compare, parse_models
from .predict import Prediction, find_saved_model, predict_table
from .tabular_audit import Calibration, calibrate, train_audit
from .tabular_report import add_to_result

__all__ = ["Comparison", "ModelScore", "compare", "parse_models", "add_to_result", "find_saved_model",
           "predict_table", "Prediction", "Calibration", "calibrate", "train_audit"]
