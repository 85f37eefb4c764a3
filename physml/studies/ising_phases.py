"""Study ``ising-phases``: the 2D Ising ferromagnetic transition learned from spin configurations.

After Carrasquilla & Melko (Nature Physics 13, 431, 2017) and Wang (PRB 94,
195105, 2016). For each lattice size L, spin configurations across
T in [t_min, t_max] come from the validated simulator (``physml.sim.ising``).

* Supervised: a periodic CNN on raw spins and a logistic regression on
  gauge-fixed block magnetisations are trained on the largest lattice, only
  far from T_c (T < train_below ordered, T > train_above disordered), then
  read on every size. P(ordered) at every T gives a crossing T*(L); finite-size
  scaling T*(L) = T_c + a L^(-1/nu), nu = 1, gives T_c.
* Unsupervised: PCA of the configurations (PC1 is the magnetisation) and
  k-means on the leading components (per spin, fitted on the largest lattice);
  the fraction of configurations in the ordered clusters gives T*(L) and the
  same extrapolation.
* Physics: simulated <e> and <|m|> against Onsager's and Yang's exact results,
  and an audit of every trained model (symmetries, baseline, saliency, seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..models import save_model
from ..physics.scaling import finite_size_extrapolation
from ..result import StudyResult
from ..sim import ising
from . import _ising_phases_analysis as analysis
from . import _ising_phases_figures as figures
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]


@dataclass(frozen=True)
class Config:
    """Configuration of the ``ising-phases`` study (default preset = the real experiment)."""

    sizes: tuple[int, ...] = (16, 24, 32, 48)
    """Lattice sizes L (L x L spins, periodic)."""
    t_min: float = 1.0
    """Lowest temperature (units of J/k_B)."""
    t_max: float = 3.5
    """Highest temperature."""
    coarse_step: float = 0.1
    """Temperature step of the uniform grid over [t_min, t_max]."""
    critical_range: tuple[float, float] = (1.9, 2.8)
    """Window around T_c sampled more densely."""
    critical_step: float = 0.025
    """Temperature step inside ``critical_range``."""
    samples: int = 200
    """Configurations per temperature and size."""
    train_below: float = 2.0
    """Configurations with T below this are labelled ordered for training."""
    train_above: float = 2.6
    """Configurations with T above this are labelled disordered for training."""
    test_fraction: float = 0.25
    """Share of the far-from-T_c configurations held out for the test accuracy."""
    cnn_channels: tuple[int, ...] = (8, 16)
    """Channels of the periodic CNN's convolution layers."""
    epochs: int = 15
    """Maximum training epochs of the CNN (early stopping on a validation split)."""
    logistic_c: float = 1.0
    """Inverse L2 strength of the logistic regression."""
    block_grid: int = 8
    """The logistic regression sees gauge-fixed spins averaged over block_grid x block_grid blocks."""
    beta_over_nu: float = 0.125
    """Exponent rescaling the intensive features (block magnetisations, PCs per spin) by L^(beta/nu); exact 2D Ising."""
    n_components: int = 2
    """Principal components kept for k-means."""
    n_clusters: int = 3
    """k-means clusters (ordered up, ordered down, disordered)."""
    tc_tolerance: float = 0.01
    """Relative T_c error the audits accept."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(L) for L in self.sizes))
        sizes = self.sizes
        if len(sizes) < 2 or len(set(sizes)) != len(sizes) or any(L % self.block_grid for L in sizes):
            raise ParameterError.invalid("sizes", sizes, "at least two distinct lattice sizes, each a multiple of "
                                         f"block_grid={self.block_grid}")
        if not 0 < self.t_min < self.train_below < ising.T_C < self.train_above < self.t_max:
            raise ParameterError.invalid("train_below/train_above", (self.train_below, self.train_above),
                                         f"t_min < train_below < T_c={ising.T_C:.4f} < train_above < t_max")
        for name in ("coarse_step", "critical_step"):
            if not getattr(self, name) > 0:
                raise ParameterError.invalid(name, getattr(self, name), "> 0")
        if self.samples < 8:
            raise ParameterError.invalid("samples", self.samples, ">= 8")
        if not 0 < self.test_fraction < 1:
            raise ParameterError.invalid("test_fraction", self.test_fraction, "in (0, 1)")

    def temperatures(self) -> np.ndarray:
        coarse = np.arange(self.t_min, self.t_max + 1e-9, self.coarse_step)
        lo, hi = self.critical_range
        fine = np.arange(lo, hi + 1e-9, self.critical_step)
        return np.unique(np.round(np.concatenate([coarse, fine]), 6))


QUICK = Config(sizes=(16, 24, 32), coarse_step=0.25, critical_step=0.025, samples=150, epochs=10, tc_tolerance=0.03)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    temps = config.temperatures()
    *sim_seeds, learn_seq = np.random.SeedSequence(ctx.seed).spawn(len(config.sizes) + 1)
    learn_seed, Lmax, tc_exact = int(learn_seq.generate_state(1)[0]), max(config.sizes), ising.T_C
    datasets, fits = {}, {}
    with tqdm(total=2 * len(config.sizes) + 1, disable=not ctx.progress, desc="ising-phases") as bar:
        # simulate: one validated Monte Carlo dataset per lattice size, each from its own seed
        t = time.perf_counter()
        for L, sim_seed in zip(config.sizes, sim_seeds):
            bar.set_postfix_str(f"simulate L={L}")
            params = ising.IsingParams(L=L, temperatures=tuple(temps), samples=config.samples)
            datasets[L] = ising.simulate(params, seed=np.random.default_rng(sim_seed))
            bar.update()
        sim_seconds = time.perf_counter() - t
        # fit the learners on the largest lattice, then read every size with them
        bar.set_postfix_str(f"fit learners on L={Lmax}")
        models = analysis.fit_models(datasets[Lmax], config, seed=learn_seed, device=ctx.device)
        bar.update()
        for L in config.sizes:
            bar.set_postfix_str(f"read L={L}")
            fits[L] = analysis.analyse_size(datasets[L], models, config, seed=learn_seed, audit=(L == Lmax))
            bar.update()
    # extrapolate: finite-size scaling T*(L) = T_c + a L^(-1/nu), nu = 1, of each method's crossings
    sizes, extrapolations = np.array(config.sizes, float), {}
    for method in analysis.METHODS:
        tstar = np.array([fits[L].crossings[method].value for L in config.sizes])
        err = np.array([fits[L].crossings[method].stderr for L in config.sizes])
        extrapolations[method] = finite_size_extrapolation(sizes, tstar, err, nu=1.0)

    # metrics
    result = ctx.result("Learning the 2D Ising phase transition", temperatures=temps.tolist())
    tc = {method: extrapolations[method].tc for method in analysis.METHODS}
    m = result.add_metric
    m("tc_exact", tc_exact)
    m("tc_supervised", tc["cnn"])
    m("tc_supervised_stderr", extrapolations["cnn"].tc_stderr)
    m("tc_supervised_logistic", tc["logistic"])
    m("tc_unsupervised", tc["kmeans"])
    m("tc_unsupervised_stderr", extrapolations["kmeans"].tc_stderr)
    m("tc_rel_error_supervised", abs(tc["cnn"] - tc_exact) / tc_exact)
    m("tc_rel_error_supervised_logistic", abs(tc["logistic"] - tc_exact) / tc_exact)
    m("tc_rel_error_unsupervised", abs(tc["kmeans"] - tc_exact) / tc_exact)
    m("pc1_abs_corr_magnetization", min(fits[L].pc1_corr for L in config.sizes))
    m("test_accuracy", fits[Lmax].test_accuracy["cnn"])  # held out, far from T_c, at the training size
    m("test_accuracy_logistic", fits[Lmax].test_accuracy["logistic"])
    m("test_accuracy_min_over_sizes", min(fits[L].test_accuracy["cnn"] for L in config.sizes))
    for name, (gain, err) in fits[Lmax].baseline.items():
        m(f"auc_gain_over_abs_m_{name}", gain)
        m(f"auc_gain_over_abs_m_{name}_stderr", err)
    for L in config.sizes:
        for method in analysis.METHODS:
            m(f"tstar_{method}_L{L}", fits[L].crossings[method].value)
    m("simulation_seconds", sim_seconds)
    physics = analysis.physics_check(datasets[Lmax], window=0.25)
    for key, value in physics.metrics.items():
        m(key, value)

    # audit: the per-model audits of the training size, completed by T_c and same-seed reproducibility
    audits, mt = fits[Lmax].audits, result.metrics
    tc_meaning = "finite-size-extrapolated T_c vs Onsager's 2/ln(1+sqrt 2) (relative error)"
    for method, key in (("cnn", "supervised"), ("logistic", "supervised_logistic"), ("kmeans", "unsupervised")):
        audits[method].check("tc_rel_error", mt[f"tc_rel_error_{key}"], "<=", config.tc_tolerance, tc_meaning)
    audits["cnn"].check("reproducible_same_seed",
                        analysis.reproducibility(datasets[min(config.sizes)], config, seed=ctx.seed, device=ctx.device),
                        "<=", 1e-6, "max |dP| between two trainings with the same seed (0 = bit-identical)")
    for audit in (physics.audit, audits["cnn"], audits["logistic"], audits["kmeans"]):
        result.add_audit(audit)

    # report
    rows = [(L, *(round(fits[L].crossings[k].value, 4) for k in analysis.METHODS),
             round(fits[L].test_accuracy["cnn"], 4), round(fits[L].pc1_corr, 4)) for L in config.sizes]
    rows.append(("inf (fit)", *(round(extrapolations[k].tc, 4) for k in analysis.METHODS), "", ""))
    rows.append(("exact", *(round(tc_exact, 4),) * len(analysis.METHODS), "", ""))
    result.add_table("Pseudo-critical temperatures T*(L) and extrapolation",
                     ("L", *(f"T* {k}" for k in analysis.METHODS), "CNN test acc.", "|corr(PC1, m)|"), rows)
    figures.add_all(result, datasets, fits, extrapolations, config)
    result.summary = (
        f"T_c from the supervised CNN: {mt['tc_supervised']:.4f} ± {extrapolations['cnn'].tc_stderr:.4f} "
        f"(relative error {mt['tc_rel_error_supervised']:.2%}); from PCA + k-means: {mt['tc_unsupervised']:.4f} ± "
        f"{extrapolations['kmeans'].tc_stderr:.4f} ({mt['tc_rel_error_unsupervised']:.2%}); "
        f"exact (Onsager) {tc_exact:.4f}. Lattice sizes {list(config.sizes)}, {len(temps)} temperatures, "
        f"{config.samples} configurations each.\n\n"
        "Learners are fitted once, on the largest lattice, and classifiers see only configurations far from "
        f"T_c (T < {config.train_below}, T > {config.train_above}). The transition is where their answer changes: "
        "P(ordered) = 1/2 at T*(L) for each size, extrapolated to the infinite lattice with T*(L) = T_c + a/L "
        "(nu = 1). The audit tables check the models against the physics: symmetries of the Hamiltonian, the order "
        "parameter |m| as a baseline, what the models look at, and the same seed giving the same numbers."
    )
    result.artifacts[f"ising_L{Lmax}.h5"] = lambda path, ds=datasets[Lmax]: ds.save(path)
    meta = {"task": "classification", "classes": [0, 1], "class_names": ["disordered", "ordered"],
            "input": "spin configurations (n, L, L) of +-1 on a periodic square lattice, any L (trained at "
                     f"L = {Lmax})", "target": "ordered (T < T_c) or not; J = k_B = 1",
            "trained_below_above": [config.train_below, config.train_above], "seed": ctx.seed}
    result.artifacts[f"cnn_L{Lmax}"] = lambda path, model=models.cnn, md=meta: save_model(model, path, metadata=md)
    return result
