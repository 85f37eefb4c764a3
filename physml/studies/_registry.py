"""The study registry: one ``StudyInfo`` line per study (name, module, one-line description)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ..errors import UnknownNameError

__all__ = ["StudyInfo", "list_studies", "get_study"]


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
                  "phase of water (ice, liquid, vapour, supercritical) from T and p, "
                  "labels from IAPWS; MLP vs the zoo"),
        StudyInfo("water-conductivity", "physml.studies.water_conductivity",
                  "thermal conductivity of water and steam (IAPWS R15-11): linear baseline, then the zoo"),
        StudyInfo("element-properties", "physml.studies.element_properties",
                  "melting points of the elements from periodic-table descriptors (mendeleev); leaderboard + SHAP"),
        StudyInfo("feature-importance", "physml.studies.feature_importance",
                  "pipe-flow pressure drop (Darcy-Weisbach/Colebrook) with a decoy: "
                  "do three explanations find the physics?"),
        StudyInfo("ground-state-energy", "physml.studies.ground_state_energy",
                  "ground-state energy of an electron in 2D potentials (Mills et al. 2017): a D4-invariant CNN per "
                  "family vs the exact solver; MLP on a parametric 1D family"),
        StudyInfo("quantum-forecast", "physml.studies.quantum_forecast",
                  "quench dynamics of a transverse-field Ising chain (exact): LSTM and transformer forecasts vs "
                  "persistence and linear prediction, error vs horizon, energy conservation"),
        StudyInfo("transfer-water", "physml.studies.transfer_water",
                  "viscosity model of H2O (IAPWS-95) fine-tuned to heavy water D2O with 5-50 points; vs scratch"),
        StudyInfo("transfer-argon", "physml.studies.transfer_argon",
                  "Lennard-Jones fluid (JZG 1993 EOS) to real argon (CoolProp): the sim-to-experiment gap closed"),
        StudyInfo("transfer-ising", "physml.studies.transfer_ising",
                  "square-lattice Ising phase classifier adapted without labels (CORAL, DANN) "
                  "to the triangular lattice"),
        StudyInfo("gnn-forcefield", "physml.studies.gnn_forcefield",
                  "SchNet force field trained on LJ MD, judged by NVE drift, Langevin g(r)/P/U and stability"),
        StudyInfo("rl-energy-levels", "physml.studies.rl_energy_levels",
                  "tabular Q-learning on a ladder of energy levels recovers value iteration's optimal policy"),
        StudyInfo("rl-qubit", "physml.studies.rl_qubit",
                  "state preparation of a driven qubit (Bukov et al. 2018): "
                  "RL against the exhaustive bang-bang optimum"),
        StudyInfo("rl-thermostat", "physml.studies.rl_thermostat",
                  "an RL heating-rate controller holds a Lennard-Jones MD system "
                  "at a target temperature vs a tuned PID"),
        StudyInfo("tomography", "physml.studies.tomography",
                  "limited-angle CT of the Shepp-Logan phantom: "
                  "filtered back-projection vs TV-regularised (PSNR/SSIM)"),
        StudyInfo("bayes-conductivity", "physml.studies.bayes_conductivity",
                  "thermal conductivity from noisy rod sensors: linearised conjugate update vs MCMC, coverage"),
        StudyInfo("inverse-scattering", "physml.studies.inverse_scattering",
                  "layer parameters from noisy acoustic reflection: "
                  "neural inversion vs MCMC vs NPE, coverage and cost"),
        StudyInfo("inverse-calibration", "physml.studies.inverse_calibration",
                  "Gaussian-linear task with an exact posterior: MCMC and NPE by C2ST, coverage of every method"),
        StudyInfo("burgers-operator", "physml.studies.burgers_operator",
                  "Fourier neural operator for viscous Burgers u0 -> u(t=1) (spectral solver data, Cole-Hopf checked); "
                  "zero-shot at 2x resolution"),
        StudyInfo("fluid-cnn", "physml.studies.fluid_cnn",
                  "residual CNN surrogate for the time step of forced 2D Navier-Stokes: one-step and rollout error, "
                  "speed-up per step, vorticity-equation residual of its predictions"),
        StudyInfo("pipe-scaling", "physml.studies.pipe_scaling", "Hagen-Poiseuille exponents by least squares"),
        StudyInfo("pinn-burgers", "physml.studies.pinn_burgers",
                  "Burgers' equation, nu = 0.01/pi (Raissi et al. 2019): "
                  "forward PINN vs Cole-Hopf, inverse PINN for nu"),
        StudyInfo("pinn-continuity", "physml.studies.pinn_continuity",
                  "Kovasznay flow from 40 noisy velocity samples: data-only vs continuity- and Navier-Stokes-informed"),
        StudyInfo("boltzmann-sampler", "physml.studies.boltzmann_sampler",
                  "normalising flow (double well, dF vs quadrature) and autoregressive network (Ising, F vs Kaufman) "
                  "trained by reverse KL"),
        StudyInfo("md-structure", "physml.studies.md_structure",
                  "solid-like vs liquid-like atoms of Lennard-Jones MD across melting from Steinhardt descriptors, "
                  "unsupervised (Gaussian mixture), against runs of known state"),
        StudyInfo("ising-latent", "physml.studies.ising_latent",
                  "autoencoder and VAE latents of 2D Ising configurations: the magnetisation, T_c from their "
                  "susceptibility and a one-class autoencoder, extrapolated in L vs Onsager; t-SNE/UMAP maps"),
        StudyInfo("anomaly-detection", "physml.studies.anomaly_detection",
                  "rare events injected at 1 % (Ising at a wrong T or with a domain wall, D2O among H2O): "
                  "autoencoder, isolation forest, LOF vs a physics score; ROC AUC, SI at efficiency 0.2"),
    ]
}


def list_studies() -> list[StudyInfo]:
    return [_STUDIES[k] for k in sorted(_STUDIES)]


def get_study(name: str) -> StudyInfo:
    try:
        return _STUDIES[name]
    except KeyError:
        raise UnknownNameError("study", name, list(_STUDIES)) from None
