"""Study ``anomaly-detection``: rare events injected at 1 % into physics data whose normal class is exact.

Each kind mixes a normal class from a validated source with a small share of anomalies the detectors are not
told about; the detectors are fitted on the mixed, unlabelled data and rank every sample (the anomaly-detection
setting of the LHC Olympics, Kasieczka et al. 2021, and its measures):

* ``ising_wrong_temperature``: 2D Ising configurations (``physml.sim.ising``) at ``T_normal``, with a share
  sampled at ``T_wrong``;
* ``ising_domain_wall``: the same normal class, with a share of ordered configurations whose one half is
  flipped (two straight domain walls, 4L broken bonds, costing 8L J);
* ``heavy_water``: states of ordinary water (IAPWS-95 with the IAPWS viscosity and conductivity, via ``iapws``)
  with a share of heavy-water states (IAPWS 2017 D2O) at the same temperatures and pressures, each property
  measured with ``noise`` relative error.

Detectors: an autoencoder's reconstruction error (the periodic convolutional one for lattices, an MLP with a
2-wide bottleneck for the water table), isolation forest and local outlier factor, against a physics score that
knows the normal class's law: the robust z-score of the energy per spin (Ising) and the z-score of the density's
residual from the H2O equation of state (water). Each gets the ROC AUC with a bootstrap interval and the
significance improvement at signal efficiency 0.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..physics import Audit
from ..result import StudyResult, new_figure
from ..sim import ising
from ..unsupervised import AnomalyDetector, ConvAutoencoder, roc_auc_interval, significance_improvement
from ..validation import Int, Real, Strs, validate_fields
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "KINDS", "DETECTORS"]

KINDS = ("ising_wrong_temperature", "ising_domain_wall", "heavy_water")
DETECTORS = ("autoencoder", "isolation_forest", "lof", "physics")


@dataclass(frozen=True)
class Config:
    """Configuration of ``anomaly-detection`` (default preset = the real experiment)."""

    kinds: tuple[str, ...] = KINDS
    """Which injected kinds to run."""
    n_normal: int = 4000
    """Normal samples per kind."""
    anomaly_fraction: float = 0.01
    """Share of anomalies in the mixed data."""
    L: int = 16
    """Ising lattice size."""
    t_normal: float = 2.0
    """Temperature of the normal Ising configurations (J/k_B; ordered phase)."""
    t_wrong: float = 2.6
    """Temperature of the injected wrong-temperature configurations."""
    noise: float = 0.01
    """Relative measurement noise on each water property (viscosity, conductivity, density)."""
    epochs: int = 20
    """Training epochs of the convolutional autoencoder."""
    lof_neighbors: int = 35
    """Neighbours of the local outlier factor."""
    n_boot: int = 1000
    """Bootstrap resamples of each ROC AUC interval."""
    auc_floor: float = 0.95
    """ROC AUC the best detector must reach on every kind."""

    def __post_init__(self) -> None:
        validate_fields(self, {
            "kinds": Strs(KINDS), "n_normal": Int(200), "anomaly_fraction": Real(0.001, 0.2),
            "L": Int(8), "t_normal": Real(0.5, ising.T_C - 0.05), "t_wrong": Real(0.5, 10.0),
            "noise": Real(0.0, 0.1, closed="neither"), "epochs": Int(1), "lof_neighbors": Int(2),
            "n_boot": Int(50), "auc_floor": Real(0.5, 1.0)})


QUICK = Config(n_normal=1500, epochs=12, n_boot=300)


# ---------------------------------------------------------------------------------------------- data
def _ising_kind(kind: str, config: Config, rng: np.random.Generator):
    """(spins (n, L, L), is_anomaly, physics score): normal configurations with the injected share mixed in."""
    n_anom = max(2, round(config.anomaly_fraction * config.n_normal))
    L = config.L
    normal = ising.simulate(ising.IsingParams(L=L, temperatures=(config.t_normal,), samples=config.n_normal),
                            seed=rng)["spins"]
    if kind == "ising_wrong_temperature":
        anomalies = ising.simulate(ising.IsingParams(L=L, temperatures=(config.t_wrong,), samples=n_anom),
                                   seed=rng)["spins"]
    else:  # two straight domain walls: flip the right half of ordered configurations
        anomalies = ising.simulate(ising.IsingParams(L=L, temperatures=(config.t_normal,), samples=n_anom),
                                   seed=rng)["spins"].copy()
        anomalies[:, :, L // 2:] *= -1
    X = np.concatenate([normal, anomalies]).astype(np.float32)
    y = np.r_[np.zeros(len(normal), int), np.ones(n_anom, int)]
    order = rng.permutation(len(X))
    X, y = X[order], y[order]
    e = ising.energy_per_spin(X.astype(np.int8))
    # robust z-score of the energy: the normal class's exact Boltzmann distribution is unimodal in e
    med = np.median(e)
    mad = 1.4826 * np.median(np.abs(e - med))
    return X, y, np.abs(e - med) / mad


def _water_kind(config: Config, rng: np.random.Generator):
    """(features (n, 5), is_anomaly, physics score): H2O states with D2O states mixed in, noisy measurements."""
    from ..sim.water import transport_properties

    n_anom = max(2, round(config.anomaly_fraction * config.n_normal))

    def draw(fluid: str, n: int):
        T, p, props = [], [], []
        while sum(len(t) for t in T) < n:  # liquid and compressed liquid, inside both formulations' ranges
            m = n + 8 - sum(len(t) for t in T)
            t = rng.uniform(290.0, 600.0, int(1.3 * m))
            pp = np.exp(rng.uniform(np.log(1.0), np.log(50.0), int(1.3 * m)))
            mu, k, rho = transport_properties(fluid, t, pp)
            ok = np.isfinite(mu) & (rho > 300)
            T.append(t[ok])
            p.append(pp[ok])
            props.append(np.c_[mu, k, rho][ok])
        return np.concatenate(T)[:n], np.concatenate(p)[:n], np.concatenate(props)[:n]

    Tn, pn, normal = draw("H2O", config.n_normal)
    Ta, pa, heavy = draw("D2O", n_anom)
    # the H2O law at every state's T and p (for the D2O states: what ordinary water would have there)
    rho_law = np.r_[normal[:, 2], transport_properties("H2O", Ta, pa)[2]]
    props = np.concatenate([normal, heavy])
    props = props * (1 + config.noise * rng.standard_normal(props.shape))  # measured, with relative noise
    X = np.c_[np.r_[Tn, Ta], np.r_[pn, pa], np.log(props[:, 0]), props[:, 1], props[:, 2]]
    y = np.r_[np.zeros(config.n_normal, int), np.ones(n_anom, int)]
    # physics score: the measured density against the exact H2O equation of state at the measured T and p
    physics = np.abs(props[:, 2] / rho_law - 1.0) / config.noise
    order = rng.permutation(len(X))
    return X[order], y[order], physics[order]


# ---------------------------------------------------------------------------------------------- run
def run(config: Config, ctx: StudyContext) -> StudyResult:
    result = ctx.result("Rare events in physics data: detectors against the physics score")
    rows, scores_by_kind, best = [], {}, {}
    seeds = np.random.SeedSequence(ctx.seed).spawn(len(config.kinds))
    for kind, sq in tqdm(list(zip(config.kinds, seeds)), disable=not ctx.progress, desc="anomaly-detection"):
        rng = np.random.default_rng(sq)
        # simulate: the normal class and the injected share, mixed and shuffled; no labels reach the detectors
        X, y, physics = _water_kind(config, rng) if kind == "heavy_water" else _ising_kind(kind, config, rng)
        learn_seed = int(rng.integers(2**31))
        # fit and score each detector on the mixed data itself (the unsupervised setting)
        scores = {"physics": physics}
        for name in ("autoencoder", "isolation_forest", "lof"):
            ae = ConvAutoencoder(1, epochs=config.epochs, seed=learn_seed, device=ctx.device)
            det = AnomalyDetector(name, n_neighbors=config.lof_neighbors, autoencoder=ae, random_state=learn_seed)
            scores[name] = det.fit(X).anomaly_score(X)
        scores_by_kind[kind] = (y, scores)
        # evaluate
        for name in DETECTORS:
            r = roc_auc_interval(y, scores[name], n_boot=config.n_boot, seed=learn_seed)
            si = significance_improvement(y, scores[name], 0.2)
            result.add_metric(f"{kind}_{name}_auc", r.auc)
            result.add_metric(f"{kind}_{name}_auc_low", r.low)
            result.add_metric(f"{kind}_{name}_auc_high", r.high)
            result.add_metric(f"{kind}_{name}_si", si)
            rows.append((kind, name, round(r.auc, 4), f"[{r.low:.3f}, {r.high:.3f}]", round(si, 2)))
        learned = max(("autoencoder", "isolation_forest", "lof"), key=lambda n: result.metrics[f"{kind}_{n}_auc"])
        top = max(result.metrics[f"{kind}_{n}_auc"] for n in DETECTORS)
        winner = " = ".join(n for n in DETECTORS if result.metrics[f"{kind}_{n}_auc"] >= top - 1e-9)  # ties named
        best[kind] = (learned, winner)
        result.add_metric(f"{kind}_best_learned_auc", result.metrics[f"{kind}_{learned}_auc"])
        result.add_metric(f"{kind}_n_anomalies", int(y.sum()))
        result.metrics[f"{kind}_winner"] = winner

    # audit
    audit = Audit("anomaly detectors")
    for kind in config.kinds:
        learned, winner = best[kind]
        audit.check(f"{kind}_best_auc", max(result.metrics[f"{kind}_{n}_auc"] for n in DETECTORS), ">=",
                    config.auc_floor, f"ROC AUC of the best detector ({winner}) on the injected kind")
        audit.check(f"{kind}_best_learned_auc", result.metrics[f"{kind}_best_learned_auc"], ">=", 0.5,
                    f"the best learned detector ({learned}) ranks anomalies above chance")
    result.add_audit(audit)

    # report
    result.add_table("ROC AUC (95 % bootstrap interval) and significance improvement at signal efficiency 0.2",
                     ("kind", "detector", "ROC AUC", "interval", "SI(0.2)"), rows)
    result.add_table("Which wins", ("kind", "best learned detector", "best overall"),
                     [(k, *best[k]) for k in config.kinds])
    _figure(result, scores_by_kind)
    parts = []
    for kind in config.kinds:
        learned, winner = best[kind]
        m = result.metrics
        parts.append(f"{kind}: {winner} wins (AUC {max(m[f'{kind}_{n}_auc'] for n in DETECTORS):.3f}); "
                     f"best learned {learned} "
                     f"{m[f'{kind}_{learned}_auc']:.3f}, physics score {m[f'{kind}_physics_auc']:.3f}.")
    result.summary = (" ".join(parts) + "\n\n" +
                      f"Anomalies injected at {config.anomaly_fraction:.1%} of {config.n_normal} normal samples per "
                      "kind; every detector is fitted on the mixed, unlabelled data and scores it. The physics score "
                      "knows the normal class's law (the energy distribution of the Ising model at T_normal, the "
                      "equation of state of H2O); the learned detectors know nothing but the data.")
    return result


def _figure(result: StudyResult, scores_by_kind) -> None:
    from sklearn.metrics import roc_curve

    fig = new_figure(figsize=(4 * len(scores_by_kind), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(scores_by_kind)))
    for ax, (kind, (y, scores)) in zip(axes, scores_by_kind.items()):
        for name, s in scores.items():
            fpr, tpr, _ = roc_curve(y, s)
            ax.plot(fpr, tpr, label=name)
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set_title(kind, fontsize=9)
        ax.set_xlabel("false positive rate (normal flagged)")
        ax.set_ylabel("true positive rate")
        ax.legend(fontsize=7)
    result.add_figure("roc", fig, "ROC curves of every detector on each injected kind.")
