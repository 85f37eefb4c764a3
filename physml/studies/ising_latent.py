"""Study ``ising-latent``: what an autoencoder learns from 2D Ising configurations, judged against Onsager.

After Wetzel (PRE 96, 022140, 2017: the latent of a (variational) autoencoder is the magnetisation), Alexandrou
et al. (PRE 101, 062122, 2020: the latent's susceptibility locates T_c with finite-size scaling) and the
one-class autoencoder of Abuali et al. (2026: trained only deep in the ordered phase, T_c where its reconstruction
error departs). Configurations come from physml's validated sampler (``physml.sim.ising``: Metropolis, Wolff
below 1.25 T_c) at several L, over a coarse grid of temperatures and a dense window around T_c.

* A convolutional autoencoder and a VAE (``physml.unsupervised.ConvAutoencoder``: periodic convolutions, odd
  under the global spin flip) are trained on configurations of the largest lattice from every temperature,
  without labels. Their encoder ends in a global mean, so it reads every L: each size sees the same observable,
  which finite-size scaling needs. Their one latent is compared with |m| by Spearman's rank correlation.
* T_c from the latent: the peak of the latent susceptibility ``chi_z = N (<z^2> - <|z|>^2) / T``, made a smooth
  function of T by multiple-histogram reweighting (Ferrenberg & Swendsen 1989), gives T*(L); the finite-size form
  ``T*(L) = T_c + a L^(-1/nu)`` with nu = 1 gives T_c. PCA's first component (the baseline) and the exact |m| go
  through the same pipeline.
* One-class: an autoencoder trained only on T <= ``one_class_below`` configurations; its reconstruction error is
  an anomaly score whose canonical mean rises fastest (d<err>/dT = cov(err, E) / T^2, reweighted) at T*(L),
  extrapolated the same way.
* Maps: t-SNE and UMAP of the configurations of the largest lattice (after PCA to ``embed_pcs`` components, the
  usual preprocessing), coloured by T, with their trustworthiness.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..physics import Audit, finite_size_extrapolation
from ..physics.reweighting import slope_peak, susceptibility_peak
from ..result import StudyResult, new_figure
from ..sim import ising
from ..unsupervised import ConvAutoencoder, Embedding, latent_spearman, trustworthiness
from ..validation import Int, Ints, Real, Strs, validate_fields
from ._ising_phases_analysis import physics_check
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "METHODS"]

METHODS = ("autoencoder", "vae", "pca", "one_class", "abs_m")
LABELS = {"autoencoder": "autoencoder latent", "vae": "VAE latent", "pca": "PCA (PC1)",
          "one_class": "one-class AE error", "abs_m": "|m| (exact order parameter)"}


@dataclass(frozen=True)
class Config:
    """Configuration of ``ising-latent`` (default preset = the real experiment)."""

    sizes: tuple[int, ...] = (16, 24, 32)
    """Lattice sizes L (periodic L x L), even."""
    coarse_range: tuple[float, float] = (1.0, 3.5)
    """Temperatures of the coarse grid (J/k_B): training data, Spearman, maps."""
    coarse_step: float = 0.25
    """Step of the coarse grid."""
    critical_range: tuple[float, float] = (2.2, 2.64)
    """Dense window that must bracket every size's susceptibility peak (T*(L) ~ T_c + 2.2/L)."""
    critical_step: float = 0.02
    """Step of the dense window."""
    samples: int = 200
    """Configurations per temperature and size."""
    train_samples: int = 3000
    """Configurations of the largest lattice (drawn from every temperature) the autoencoder and the VAE train on."""
    latent_dim: int = 1
    channels: tuple[int, ...] = (4, 4)
    """Channels of the encoder's periodic convolutions."""
    linear_encoder: bool = True
    """No activation inside the encoder (its latent is then linear in the spins). With tanh between the convolutions
    (False) the latent still ranks configurations as |m| does (|Spearman| 0.97-0.99) but is a saturating local
    observable whose susceptibility peak does not follow T_c + a/L at L = 16-32 (measured: T_c 1.7-3 % off)."""
    epochs: int = 30
    one_class_below: float = 1.6
    """The one-class autoencoder sees only configurations with T <= this (deep in the ordered phase)."""
    one_class_epochs: int = 40
    embed_samples: int = 1200
    """Configurations of the largest lattice (coarse grid) mapped by t-SNE and UMAP."""
    embed_pcs: int = 10
    """Principal components t-SNE and UMAP start from (their trustworthiness is measured in that space)."""
    maps: tuple[str, ...] = ("tsne", "umap")
    """Nonlinear maps drawn and audited (PCA's is always drawn)."""
    tc_tolerance: float = 0.01
    """Relative T_c error the audit accepts for the latents (the one-class autoencoder gets 1.5 times it)."""

    def __post_init__(self) -> None:
        validate_fields(self, {
            "sizes": Ints(4), "coarse_step": Real(0.0, closed="neither"), "critical_step": Real(0.0, closed="neither"),
            "samples": Int(20), "train_samples": Int(100), "latent_dim": Int(1), "channels": Ints(1),
            "epochs": Int(1), "one_class_below": Real(0.5, ising.T_C - 0.3), "one_class_epochs": Int(1),
            "embed_samples": Int(60), "embed_pcs": Int(2), "maps": Strs(("tsne", "umap")),
            "tc_tolerance": Real(0.0, 1.0, closed="neither")})
        from ..errors import ParameterError

        if len(set(self.sizes)) < 2 or any(L % 2 for L in self.sizes):
            raise ParameterError.invalid("sizes", self.sizes, "at least two distinct even lattice sizes")
        lo, hi = self.critical_range
        if not 0 < lo < ising.T_C < hi:
            raise ParameterError.invalid("critical_range", self.critical_range,
                                         f"a window around T_c = {ising.T_C:.4f}")
        if not 0 < self.coarse_range[0] <= self.one_class_below < self.coarse_range[1]:
            raise ParameterError.invalid("coarse_range", self.coarse_range, "a range containing one_class_below")

    def temperatures(self) -> tuple[np.ndarray, np.ndarray]:
        """(coarse grid, dense window), rounded to 1e-6."""
        coarse = np.arange(self.coarse_range[0], self.coarse_range[1] + 1e-9, self.coarse_step)
        window = np.arange(self.critical_range[0], self.critical_range[1] + 1e-9, self.critical_step)
        return np.round(coarse, 6), np.round(window, 6)


QUICK = Config(sizes=(8, 12, 16), critical_range=(2.2, 2.84), critical_step=0.04, samples=100, train_samples=1000,
               epochs=12, one_class_epochs=25, embed_samples=500, tc_tolerance=0.03)


def _train(X, config, seed, *, variational=False, epochs=None, device="cpu", linear=None):
    linear = config.linear_encoder if linear is None else linear
    return ConvAutoencoder(config.latent_dim, channels=config.channels, variational=variational,
                           linear_encoder=linear, epochs=epochs or config.epochs, seed=seed, device=device).fit(X)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    coarse, window = config.temperatures()
    temps = np.unique(np.concatenate([coarse, window]))
    seeds = np.random.SeedSequence(ctx.seed).spawn(2 * len(config.sizes) + 2)
    sizes, data, z, tstar = config.sizes, {}, {}, {m: [] for m in METHODS}
    spearman, t_start = {"autoencoder": [], "vae": [], "pca": []}, time.perf_counter()
    Lmax, Lmin = max(sizes), min(sizes)
    with tqdm(total=2 * len(sizes) + 1, disable=not ctx.progress, desc="ising-latent") as bar:
        # simulate every size; the one-class autoencoder (one per size: its decoder draws L x L) and PCA per size
        for i, L in enumerate(sizes):
            ds = ising.simulate(ising.IsingParams(L=L, temperatures=tuple(temps), samples=config.samples),
                                seed=np.random.default_rng(seeds[i]))
            data[L] = ds
            X, T, m = ds["spins"].astype(np.float32), ds["temperature"], ds["magnetization"]
            seed_L = int(np.random.default_rng(seeds[len(sizes) + i]).integers(2**31))
            one = _train(X[T <= config.one_class_below + 1e-9], config, seed_L, epochs=config.one_class_epochs,
                         device=ctx.device, linear=False)
            pc1 = Embedding("pca", 1, random_state=seed_L).fit_transform(X.reshape(len(X), -1))[:, 0]
            z[L] = {"pca": pc1, "one_class": one.reconstruction_error(X), "abs_m": np.abs(m)}
            bar.update()
        # fit the autoencoder and the VAE once, on the largest lattice (a random subset of every temperature); their
        # encoder (periodic convolutions and a global mean) reads every size, so each L sees the same observable
        rng = np.random.default_rng(seeds[-1])
        learn_seed = int(rng.integers(2**31))
        X = data[Lmax]["spins"].astype(np.float32)
        train = rng.choice(len(X), min(config.train_samples, len(X)), replace=False)
        ae = _train(X[train], config, learn_seed, device=ctx.device)
        vae = _train(X[train], config, learn_seed + 1, variational=True, device=ctx.device)
        spins_min = data[Lmin]["spins"]
        small = spins_min[:: max(1, len(spins_min) // 500)].astype(np.float32)  # for the symmetry and seed checks
        odd = float(np.max(np.abs(ae.transform(-small) + ae.transform(small))))
        repro = float(np.max(np.abs(_train(small, config, learn_seed, device=ctx.device).transform(small)
                                    - _train(small, config, learn_seed, device=ctx.device).transform(small))))
        bar.update()
        # evaluate: the latent against |m|; pseudo-critical temperatures by reweighting the dense window
        for L in sizes:
            ds = data[L]
            X, T, m, E = ds["spins"].astype(np.float32), ds["temperature"], ds["magnetization"], ds["energy"] * L * L
            z[L]["autoencoder"], z[L]["vae"] = ae.transform(X)[:, 0], vae.transform(X)[:, 0]
            for k in spearman:
                spearman[k].append(float(latent_spearman(np.abs(z[L][k])[:, None], np.abs(m))[0]))
            w = np.isin(T, window)
            for k in ("autoencoder", "vae", "pca", "abs_m"):
                tstar[k].append(susceptibility_peak(T[w], E[w], z[L][k][w] / (L * L) ** 0.5, L * L)[0])
            tstar["one_class"].append(slope_peak(T[w], E[w], z[L]["one_class"][w])[0])
            bar.update()
    fit_seconds = time.perf_counter() - t_start
    fits = {k: finite_size_extrapolation(np.array(sizes, float), np.array(tstar[k]), nu=1.0) for k in METHODS}
    tc = ising.T_C
    err = {k: abs(fits[k].tc - tc) / tc for k in METHODS}
    # maps: t-SNE and UMAP of the largest lattice's coarse-grid configurations
    ds = data[Lmax]
    on_grid = np.flatnonzero(np.isin(ds["temperature"], coarse))
    rng = np.random.default_rng(seeds[-2])
    pick = np.sort(rng.choice(on_grid, min(config.embed_samples, on_grid.size), replace=False))
    raw = ds["spins"][pick].reshape(pick.size, -1).astype(np.float64)
    pcs = Embedding("pca", config.embed_pcs, random_state=0).fit_transform(raw)
    maps, trust, trust_raw = {}, {}, {}
    for method in config.maps:
        maps[method] = Embedding(method, 2, perplexity=30.0, n_neighbors=15, random_state=ctx.seed).fit_transform(pcs)
        trust[method] = trustworthiness(pcs, maps[method], n_neighbors=5)
        trust_raw[method] = trustworthiness(raw, maps[method], n_neighbors=5)
    maps["pca"] = pcs[:, :2]
    trust["pca"] = trustworthiness(pcs, pcs[:, :2], n_neighbors=5)
    trust_raw["pca"] = trustworthiness(raw, pcs[:, :2], n_neighbors=5)

    # metrics
    result = ctx.result("What an autoencoder learns from the 2D Ising model", temperatures=temps.tolist())
    mt = result.add_metric
    mt("tc_exact", tc)
    for k in METHODS:
        mt(f"tc_{k}", fits[k].tc)
        mt(f"tc_rel_error_{k}", err[k])
        for L, t in zip(sizes, tstar[k]):
            mt(f"tstar_{k}_L{L}", t)
    for k, values in spearman.items():
        mt(f"abs_spearman_{k}_abs_m_min", min(values))
    for k in trust:
        mt(f"trustworthiness_{k}", trust[k])
        mt(f"trustworthiness_{k}_vs_raw_spins", trust_raw[k])
    mt("fit_seconds", fit_seconds)
    physics = physics_check(data[Lmax], window=0.25)
    for key, value in physics.metrics.items():
        mt(key, value)

    # audit
    audit = Audit("autoencoder latents (Ising)")
    for k in ("autoencoder", "vae"):
        audit.check(f"{k}_abs_spearman_abs_m", min(spearman[k]), ">=", 0.95,
                    "min over L of |Spearman(|z|, |m|)|: the latent is the magnetisation (Wetzel 2017)")
        audit.check(f"{k}_tc_rel_error", err[k], "<=", config.tc_tolerance,
                    "latent-susceptibility peaks extrapolated in L (nu = 1) vs Onsager's T_c")
    audit.check("one_class_tc_rel_error", err["one_class"], "<=", 1.5 * config.tc_tolerance,
                "steepest rise of the one-class reconstruction error, extrapolated, vs Onsager's T_c")
    audit.check("pca_tc_rel_error", err["pca"], "<=", config.tc_tolerance, "the PCA baseline through the same pipeline")
    for k in config.maps:
        audit.check(f"{k}_trustworthiness", trust[k], ">=", 0.9,
                    f"k = 5 neighbours of the {config.embed_pcs}-component PCA space kept in the 2D map")
    audit.check("latent_odd_under_spin_flip", odd, "<=", 1e-6, "max |z(-s) + z(s)|: the Z2 symmetry, built in")
    audit.check("reproducible_same_seed", repro, "<=", 1e-6, "max |dz| between two trainings with the same seed")
    result.add_audit(physics.audit)
    result.add_audit(audit)

    # report
    rows = [(L, *(round(tstar[k][i], 4) for k in METHODS)) for i, L in enumerate(sizes)]
    rows.append(("inf (fit)", *(round(fits[k].tc, 4) for k in METHODS)))
    rows.append(("|T_c - Onsager| / T_c", *(f"{err[k]:.2%}" for k in METHODS)))
    result.add_table(f"Pseudo-critical temperatures T*(L), extrapolated; Onsager T_c = {tc:.4f}",
                     ("L", *(LABELS[k] for k in METHODS)), rows)
    result.add_table("|Spearman(|z|, |m|)| per lattice size", ("L", "autoencoder", "VAE", "PCA"),
                     [(L, *(round(spearman[k][i], 4) for k in spearman)) for i, L in enumerate(sizes)])
    result.add_table(f"Maps of L = {Lmax}: trustworthiness (k = 5)",
                     ("map", f"vs {config.embed_pcs} PCs", "vs raw spins"),
                     [(k, round(trust[k], 4), round(trust_raw[k], 4)) for k in trust])
    _figures(result, data, z, tstar, fits, maps, ds["temperature"][pick], sizes, coarse, config)
    result.summary = (
        f"Latent T_c (susceptibility peaks, extrapolated in L = {list(sizes)}): "
        f"autoencoder {fits['autoencoder'].tc:.4f} "
        f"({err['autoencoder']:.2%}), VAE {fits['vae'].tc:.4f} ({err['vae']:.2%}); one-class autoencoder "
        f"{fits['one_class'].tc:.4f} ({err['one_class']:.2%}); PCA baseline {fits['pca'].tc:.4f} ({err['pca']:.2%}); "
        f"the exact |m| through the same pipeline {fits['abs_m'].tc:.4f} ({err['abs_m']:.2%}); Onsager {tc:.4f}. "
        f"|Spearman(|z|, |m|)| >= {min(spearman['autoencoder']):.3f} (AE), {min(spearman['vae']):.3f} (VAE).\n\n"
        f"No label is used in training: the autoencoder and the VAE see L = {Lmax} configurations from every "
        "temperature (their encoder then reads every L), and the one-class "
        f"autoencoder only those with T <= {config.one_class_below}. The pseudo-critical temperatures come from "
        "multiple-histogram reweighting of the dense window, so each peak is found on a smooth curve, and the "
        "extrapolation assumes nu = 1 (exact for the 2D Ising model). The exact order parameter |m| through the same "
        "pipeline shows what the finite sizes and statistics alone allow."
    )
    return result


def _figures(result, data, z, tstar, fits, maps, T_map, sizes, coarse, config) -> None:
    Lmax = max(sizes)
    ds = data[Lmax]
    fig = new_figure(figsize=(10, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    sc = ax1.scatter(ds["magnetization"], z[Lmax]["autoencoder"], c=ds["temperature"], s=3, cmap="coolwarm")
    ax1.set_xlabel("magnetisation m")
    ax1.set_ylabel("autoencoder latent z")
    fig.colorbar(sc, ax=ax1, label="T")
    T = ds["temperature"]
    for k, style in (("one_class", "o-"),):
        means = [z[Lmax][k][T == t].mean() for t in coarse]
        ax2.plot(coarse, means, style, ms=3, label=LABELS[k])
    ax2.axvline(ising.T_C, color="k", lw=0.8, ls="--", label="Onsager T_c")
    ax2.axvline(config.one_class_below, color="grey", lw=0.8, ls=":", label="trained below")
    ax2.set_xlabel("T")
    ax2.set_ylabel("reconstruction error per site (nats)")
    ax2.legend(fontsize=7)
    result.add_figure("latent", fig, f"Left: the autoencoder's latent against the magnetisation (L = {Lmax}); "
                      "right: the one-class autoencoder's mean reconstruction error against T.")
    fig = new_figure(figsize=(5, 3.6), layout="constrained")
    ax = fig.subplots()
    inv = 1.0 / np.array(sizes, float)
    grid = np.linspace(0, inv.max() * 1.05, 50)
    for k in METHODS:
        line = ax.plot(inv, tstar[k], "o", ms=4, label=LABELS[k])[0]
        ax.plot(grid, fits[k].tc + fits[k].amplitude * grid, color=line.get_color(), lw=0.8)
    ax.axhline(ising.T_C, color="k", ls="--", lw=0.8)
    ax.set_xlabel("1 / L")
    ax.set_ylabel("T*(L)")
    ax.legend(fontsize=7)
    result.add_figure("finite_size", fig, "Pseudo-critical temperatures against 1/L and their extrapolation to the "
                      "infinite lattice (dashed: Onsager).")
    fig = new_figure(figsize=(4 * len(maps), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(maps)))
    for ax, k in zip(axes, maps):
        sc = ax.scatter(maps[k][:, 0], maps[k][:, 1], c=T_map, s=3, cmap="coolwarm")
        ax.set_title(k)
    fig.colorbar(sc, ax=axes.tolist(), label="T")
    result.add_figure("maps", fig, f"{', '.join(maps)} maps of L = {Lmax} configurations, coloured by temperature.")
