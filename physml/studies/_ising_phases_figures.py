"""Figures of the ``ising-phases`` study (matplotlib's object API, through :func:`physml.result.new_figure`)."""

from __future__ import annotations

import numpy as np

from ..result import new_figure
from ..sim import ising
from . import _ising_phases_analysis as analysis

LABELS = {"cnn": "CNN (raw spins)", "logistic": "logistic (gauge-fixed block magnetisations)",
          "kmeans": "PCA + k-means"}


def add_all(result, datasets, fits, extrapolations, config) -> None:
    Lmax = max(config.sizes)
    _configurations(result, datasets[Lmax])
    _p_ordered(result, fits, config)
    _scaling(result, fits, extrapolations, config)
    _pca(result, datasets[Lmax], fits[Lmax])
    _thermodynamics(result, datasets, config)
    _maps(result, fits[Lmax])


def _configurations(result, ds) -> None:
    T, spins = ds["temperature"], ds["spins"]
    temps = np.unique(T)
    picks = [temps[np.argmin(np.abs(temps - t))] for t in (1.5, 2.1, ising.T_C, 2.5, 3.2)]
    fig = new_figure(figsize=(2.6 * len(picks), 2.9))
    axes = fig.subplots(1, len(picks))
    for ax, t in zip(axes, picks):
        ax.imshow(spins[np.flatnonzero(T == t)[-1]], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(f"T = {t:.3f}")
        ax.set_xticks([]), ax.set_yticks([])
    result.add_figure("configurations", fig, f"Sample spin configurations at L = {spins.shape[-1]} (white = up).")


def _p_ordered(result, fits, config) -> None:
    fig = new_figure(figsize=(15, 4))
    axes = fig.subplots(1, 3, sharey=True)
    for ax, method in zip(axes, analysis.METHODS):
        for L in config.sizes:
            f = fits[L]
            ax.errorbar(f.temperatures, f.p_ordered[method], f.p_stderr[method], fmt=".-", ms=3, lw=1, label=f"L = {L}")
        ax.axvline(ising.T_C, color="k", ls="--", lw=1, label="exact $T_c$")
        ax.axvspan(config.t_min, config.train_below, color="tab:blue", alpha=0.06)
        ax.axvspan(config.train_above, config.t_max, color="tab:red", alpha=0.06)
        ax.axhline(0.5, color="gray", lw=0.5)
        ax.set_title(LABELS[method])
        ax.set_xlabel("T (J/k_B)")
    axes[0].set_ylabel("P(ordered) / ordered-cluster fraction")
    axes[0].legend(fontsize=8)
    result.add_figure("p_ordered", fig, "Probability of the ordered phase vs temperature per lattice size, on "
                      "configurations not trained on. Shaded: training regions. Dashed: Onsager's T_c.")


def _scaling(result, fits, extrapolations, config) -> None:
    fig = new_figure(figsize=(6.5, 4.5))
    ax = fig.subplots()
    x = 1.0 / np.array(config.sizes, float)
    grid = np.linspace(0, x.max() * 1.1, 50)
    for method, color in zip(analysis.METHODS, ("tab:blue", "tab:orange", "tab:green")):
        t = [fits[L].crossings[method].value for L in config.sizes]
        e = [fits[L].crossings[method].stderr for L in config.sizes]
        fit = extrapolations[method]
        ax.errorbar(x, t, e, fmt="o", color=color,
                    label=f"{LABELS[method]}: $T_c$ = {fit.tc:.4f} ± {fit.tc_stderr:.4f}")
        ax.plot(grid, fit.tc + fit.amplitude * grid, color=color, lw=1)
    ax.axhline(ising.T_C, color="k", ls="--", lw=1, label=f"Onsager $T_c$ = {ising.T_C:.4f}")
    ax.set_xlabel("1/L")
    ax.set_ylabel("T*(L)")
    ax.legend(fontsize=8)
    result.add_figure("finite_size_scaling", fig, "Finite-size scaling T*(L) = T_c + a/L (nu = 1): the intercept "
                      "at 1/L = 0 is the infinite-lattice critical temperature.")


def _pca(result, ds, fit) -> None:
    T, m = ds["temperature"], ds["magnetization"]
    s = fit.pc_scores
    fig = new_figure(figsize=(12, 4.5))
    axes = fig.subplots(1, 2)
    sc = axes[0].scatter(s[:, 0], s[:, 1], c=T, s=3, cmap="coolwarm")
    fig.colorbar(sc, ax=axes[0], label="T")
    axes[0].set_xlabel(r"PC1 / $\sqrt{N}$ $\times L^{\beta/\nu}$")
    axes[0].set_ylabel(r"PC2 / $\sqrt{N}$ $\times L^{\beta/\nu}$")
    axes[0].set_title(f"PCA of raw spins, L = {fit.L}")
    axes[1].scatter(m, s[:, 0], c=T, s=3, cmap="coolwarm")
    axes[1].set_xlabel("magnetization per spin m"), axes[1].set_ylabel(r"PC1 / $\sqrt{N}$ $\times L^{\beta/\nu}$")
    axes[1].set_title(f"|corr(PC1, m)| = {fit.pc1_corr:.4f}")
    result.add_figure("pca", fig, "Unsupervised: PCA of the configurations coloured by temperature, and PC1 "
                      "against the magnetization (PC1 is the order parameter).")


def _thermodynamics(result, datasets, config) -> None:
    fig = new_figure(figsize=(12, 4.2))
    axes = fig.subplots(1, 2)
    grid = np.linspace(config.t_min, config.t_max, 400)
    for L in config.sizes:
        check = analysis.physics_check(datasets[L], window=0.25).table
        axes[0].errorbar(check["T"], check["e"], check["e_err"], fmt=".", ms=3, label=f"L = {L}")
        axes[1].errorbar(check["T"], check["m"], check["m_err"], fmt=".", ms=3, label=f"L = {L}")
    axes[0].plot(grid, ising.onsager_energy(grid), "k-", lw=1, label="Onsager (exact)")
    axes[1].plot(grid, ising.yang_magnetization(grid), "k-", lw=1, label="Yang (exact)")
    for ax, label in zip(axes, ("<e> (J per spin)", "<|m|>")):
        ax.axvline(ising.T_C, color="gray", ls="--", lw=1)
        ax.set_xlabel("T (J/k_B)"), ax.set_ylabel(label), ax.legend(fontsize=8)
    result.add_figure("thermodynamics", fig, "Physics check of the simulator: energy per spin and mean absolute "
                      "magnetization against the exact infinite-lattice results.")


def _maps(result, fit) -> None:
    fig = new_figure(figsize=(10, 4.3))
    axes = fig.subplots(1, 2)
    for ax, key, title in ((axes[0], "logistic", "logistic coefficients"),
                           (axes[1], "cnn", "CNN saliency sign(m) d logit/d s")):
        if key in fit.maps:
            im = ax.imshow(fit.maps[key], cmap="viridis")
            fig.colorbar(im, ax=ax)
        ax.set_title(title), ax.set_xticks([]), ax.set_yticks([])
    result.add_figure("attribution_maps", fig, f"What the classifiers look at (L = {fit.L}): a uniform map means "
                      "they sum the spins, i.e. read the magnetization.")
