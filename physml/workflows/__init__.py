"""End-to-end runs that are not registered studies: what ``physml train``, ``physml predict`` and
``physml rl train`` call. Like the studies, each builds a :class:`~physml.result.StudyResult`
that :func:`physml.runs.write_run` turns into a run directory; unlike the studies, the data is the user's.

* :mod:`physml.workflows.tabular`: compare the model zoo on a table, report it, apply a saved model;
* :mod:`physml.workflows.rl_train`: train and evaluate an agent on a Gymnasium id.
"""
