"""End-to-end case studies, registered by name.

Each study module defines a frozen ``Config`` dataclass (the default preset),
``QUICK`` (the ``--quick`` preset, a second instance of the same config) and
``run(config, *, seed, progress, device) -> StudyResult``. Modules are imported
only when their study is run, so ``physml study list`` stays fast.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import UnknownNameError
from ..result import StudyResult

__all__ = ["StudyInfo", "list_studies", "get_study", "run_study"]


@dataclass(frozen=True)
class StudyInfo:
    name: str
    module: str
    description: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


_STUDIES: dict[str, StudyInfo] = {
    info.name: info
    for info in [
        StudyInfo(
            "ising-phases",
            "physml.studies.ising_phases",
            "2D Ising ferromagnetic transition learned from spin configurations "
            "(supervised + unsupervised), T_c checked against Onsager",
        ),
        StudyInfo("water-phases", "physml.studies.water_phases",
                  "phase of water (ice, liquid, vapour, supercritical) from T and p, labels from IAPWS; MLP vs the zoo"),
        StudyInfo("water-conductivity", "physml.studies.water_conductivity",
                  "thermal conductivity of water and steam (IAPWS R15-11): linear baseline, then the zoo"),
        StudyInfo("element-properties", "physml.studies.element_properties",
                  "melting points of the elements from periodic-table descriptors (mendeleev); leaderboard + SHAP"),
        StudyInfo("feature-importance", "physml.studies.feature_importance",
                  "pipe-flow pressure drop (Darcy-Weisbach/Colebrook) with a decoy: do three explanations find the physics?"),
        StudyInfo("tomography", "physml.studies.tomography",
                  "limited-angle CT of the Shepp-Logan phantom: filtered back-projection vs TV-regularised (PSNR/SSIM)"),
        StudyInfo("bayes-conductivity", "physml.studies.bayes_conductivity",
                  "thermal conductivity from noisy rod sensors: linearised conjugate update vs MCMC, coverage"),
        StudyInfo("inverse-scattering", "physml.studies.inverse_scattering",
                  "layer parameters from noisy acoustic reflection: neural inversion vs MCMC vs NPE, coverage and cost"),
        StudyInfo("inverse-calibration", "physml.studies.inverse_calibration",
                  "Gaussian-linear task with an exact posterior: MCMC and NPE by C2ST, coverage of every method"),
    ]
}


def list_studies() -> list[StudyInfo]:
    return [_STUDIES[k] for k in sorted(_STUDIES)]


def get_study(name: str) -> StudyInfo:
    try:
        return _STUDIES[name]
    except KeyError:
        raise UnknownNameError("study", name, list(_STUDIES)) from None


def run_study(name: str, *, quick: bool = False, seed: int = 0, progress: bool = True,
              device: str = "auto", overrides: dict[str, Any] | None = None) -> StudyResult:
    """Run a registered study with its default or quick preset (plus ``overrides``)."""
    module = get_study(name).load()
    config = module.QUICK if quick else module.Config()
    if overrides:
        config = dataclasses.replace(config, **overrides)
    return module.run(config, seed=seed, progress=progress, device=device)
