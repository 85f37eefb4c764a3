"""End-to-end case studies, registered by name.

Each study module defines a frozen ``Config`` dataclass (the default preset),
``QUICK`` (the ``--quick`` preset, a second instance of the same config) and
``run(config, ctx) -> StudyResult`` (``ctx``: a :class:`StudyContext`). The runner
(:func:`run_study`, in ``_runner.py``) owns overrides, seed, device, threads, the
config record and audit metrics. Modules are imported only when their study is run,
so ``physml study list`` stays fast.

Adding a study: write ``physml/studies/my_study.py`` with ``Config``, ``QUICK`` and
``run``, and add one ``StudyInfo`` line to ``_registry.py``.
"""

from __future__ import annotations

from ._config_fields import ConfigField, config_fields
from ._registry import StudyInfo, get_study, list_studies
from ._runner import StudyContext, limit_threads, make_config, read_config_file, run_study
from ._sweep import BACKENDS, SweepSpec, Trial, aggregate, parse_grid, parse_seeds, plan_sweep, resume_line, run_sweep

__all__ = ["StudyInfo", "StudyContext", "list_studies", "get_study", "run_study", "make_config", "limit_threads",
           "ConfigField", "config_fields",
           "read_config_file", "SweepSpec", "Trial", "parse_seeds", "parse_grid", "plan_sweep", "run_sweep",
           "resume_line",
           "aggregate", "BACKENDS"]
