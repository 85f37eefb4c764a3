"""Study ``transfer-argon``: a model of the Lennard-Jones fluid, adapted to real argon with <= 20 measurements.

Source ("simulation"): the compressibility factor Z(T, rho) of the Lennard-Jones fluid from the
published equation of state of Johnson, Zollweg & Gubbins (1993), itself a fit to MD/MC simulations,
scaled to argon with eps/k_B = 119.8 K and sigma = 3.405 Angstrom (``physml.sim.lj_argon``). A network
learns it from ``n_source`` states. Target ("experiment"): real argon, Z from CoolProp's reference
equation of state (Tegeler, Span & Wagner 1999), at states where argon is a stable single phase.

The sim-to-experiment gap is the LJ model's error on real argon before adaptation (the pair potential
has no three-body forces; its critical point, scaled, sits at 157 K and 5.4 MPa against argon's 150.7 K
and 4.86 MPa). Adaptation: ``FineTuner(mode='last_layer')`` on ``n_labelled`` (<= 20) real states,
the hidden layers frozen. Errors: RMSE in Z on held-out real states; medians over ``repeats`` draws of
the labelled states. Features: T in K and rho in mol/L (the units the metadata of the saved model state).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..models import MLPFactory, TorchRegressor, save_model
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import lj_argon as la
from ..transfer import FineTuner, efficiency_curve, rmse
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

THREADS = 1
"""Hundreds of fits of a 2-input network on 5-2000 rows: a thread pool costs more than it gains (the runner
limits torch, BLAS and Numba to this many threads)."""

FEATURES = ["temperature_K", "density_mol_L"]


@dataclass(frozen=True)
class Config:
    """Configuration of ``transfer-argon``."""

    n_source: int = 2000
    """LJ states the source network learns from."""
    n_target_pool: int = 100
    """Real-argon states the labelled ones are drawn from."""
    n_target_test: int = 500
    """Held-out real-argon states every error is measured on."""
    n_labelled: int = 20
    """Real states the model is adapted with (the must-show uses <= 20)."""
    sizes: tuple[int, ...] = (5, 10, 20)
    repeats: int = 5
    hidden: tuple[int, ...] = (64, 64)
    epochs_source: int = 600
    epochs_target: int = 300

    def __post_init__(self) -> None:
        if self.n_source < 200:
            raise ParameterError.invalid("n_source", self.n_source, ">= 200")
        if not 1 <= self.n_labelled <= self.n_target_pool or self.n_labelled not in self.sizes:
            raise ParameterError.invalid("n_labelled", self.n_labelled, "in [1, n_target_pool] and one of sizes")
        if max(self.sizes) > self.n_target_pool or self.repeats < 1:
            raise ParameterError.invalid("sizes", self.sizes, f"sizes <= n_target_pool ({self.n_target_pool})")


QUICK = Config(n_source=1500, n_target_test=300, repeats=3, epochs_source=500)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: LJ states (source) and real-argon states (target pool and held-out test)
    seeds = ctx.rng().integers(2**31, size=4)
    src = la.argon_dataset(la.ArgonStatesParams(n_samples=config.n_source), seed=int(seeds[0]))
    tgt = la.argon_dataset(la.ArgonStatesParams(n_samples=config.n_target_pool + config.n_target_test),
                           seed=int(seeds[1]))

    def feats(ds):
        return np.column_stack([ds["temperature_K"], ds["density_mol_L"]])

    Xs, ys = feats(src), src["Z_lj"]
    Xt, yt = feats(tgt), tgt["Z_real"]
    pool, test = slice(0, config.n_target_pool), slice(config.n_target_pool, None)
    Xp, yp, Xte, yte = Xt[pool], yt[pool], Xt[test], yt[test]
    # fit: the source network on the LJ fluid; adapted and from-scratch models on the labelled real states
    source = TorchRegressor(MLPFactory(config.hidden), epochs=config.epochs_source, lr=3e-3, patience=60,
                            seed=int(seeds[2]), device=ctx.device, progress=ctx.progress).fit(Xs, ys)

    def adapt(X, y, s):
        return FineTuner(source, mode="last_layer", seed=s).fit(X, y)

    def scratch(X, y, s):
        return TorchRegressor(MLPFactory(config.hidden), epochs=config.epochs_target, lr=3e-3,
                              validation_fraction=0.0, seed=s, device=ctx.device).fit(X, y)

    curve = efficiency_curve(adapt, scratch, Xp, yp, Xte, yte, sizes=config.sizes, repeats=config.repeats,
                             seed=int(seeds[3]), progress=ctx.progress)
    ft = FineTuner(source, mode="last_layer", seed=0).fit(Xp[:config.n_labelled], yp[:config.n_labelled])
    # evaluate: the gap before and after adaptation, the source fit, the LJ critical point
    j = config.sizes.index(config.n_labelled)
    before = rmse(yte, source.predict(Xte))
    after = float(curve.transfer_median[j])
    eos_gap = rmse(yte, tgt["Z_lj"][test])
    fit_lj = rmse(tgt["Z_lj"][test], source.predict(Xte))
    tcs, rcs, pcs = la.lj_critical_point()

    result = ctx.result("Sim-to-experiment: Lennard-Jones fluid (JZG 1993 EOS) adapted to real argon")
    m = result.add_metric
    m("error_ratio_after_vs_before", after / before)
    m("rmse_before", before)
    m("rmse_after", after)
    m("rmse_scratch_same_points", float(curve.scratch_median[j]))
    m("error_ratio_after_vs_scratch", after / float(curve.scratch_median[j]))
    m("rmse_lj_eos_vs_real", eos_gap)
    m("rmse_source_network_vs_lj", fit_lj)
    m("n_labelled", config.n_labelled)
    m("lj_critical_temperature_reduced", tcs)
    m("lj_critical_density_reduced", rcs)
    m("lj_critical_temperature_K", tcs * la.EPS_K)
    m("argon_critical_temperature_K", la.ARGON_CRITICAL[0])
    # audit
    a = Audit("LJ model adapted to argon")
    a.check("error_ratio_after_vs_before", after / before, "<=", 0.5,
            f"held-out RMSE in Z after adapting with {config.n_labelled} real states / before")
    a.check("lj_eos_critical_temperature", abs(tcs - 1.313), "<=", 0.005,
            "the LJ equation's critical point T* = dP/drho = d2P/drho2 = 0 agrees with JZG's 1.313")
    a.check("source_network_fits_lj", fit_lj, "<=", 0.25 * eos_gap,
            "the source network reproduces the LJ equation well inside the sim-to-experiment gap")
    a.check("adapted_beats_scratch", after / float(curve.scratch_median[j]), "<=", 1.0,
            "adapted model vs the same network trained from scratch on the same real states")
    result.add_audit(a)
    # report
    tc_ar, rc_ar = la.ARGON_CRITICAL
    result.add_table("The sim-to-experiment gap at the critical point (LJ scaled with eps/k_B = 119.8 K, "
                     "sigma = 3.405 A)", ("", "T_c (K)", "rho_c (mol/L)"),
                     (("LJ fluid (JZG 1993 EOS)", round(tcs * la.EPS_K, 2), round(rcs / la.reduced_density(1.0), 3)),
                      ("real argon (CoolProp)", round(tc_ar, 2), round(rc_ar, 3))))
    result.add_table("Held-out RMSE in Z on real argon (median over draws)",
                     ("labelled real states", "LJ model adapted", "scratch", "ratio"),
                     [(n, round(float(t), 5), round(float(s), 5), round(float(r), 3))
                      for n, t, s, r in zip(config.sizes, curve.transfer_median, curve.scratch_median, curve.ratio)])
    _figure(result, source, ft, curve, before, Xp[:config.n_labelled], yp[:config.n_labelled])
    result.summary = (
        f"The LJ model's error on real argon (RMSE in Z on held-out states) is {before:.4f} before adaptation "
        f"(the LJ equation itself: {eos_gap:.4f}); after adapting its output layer with {config.n_labelled} real "
        f"states it is {after:.4f}, {after / before:.3f}x. The same network trained from scratch on those states: "
        f"{curve.scratch_median[j]:.4f}.")
    meta = {"feature_names": FEATURES, "feature_units": ["K", "mol/L"], "target": "Z", "task": "regression",
            "source": "Lennard-Jones fluid, JZG 1993 EOS, eps/k_B = 119.8 K, sigma = 3.405 A"}
    result.artifacts["source_model"] = lambda path: save_model(source, path, metadata=meta)
    return result


def _figure(result, source, ft, curve, before, X20, y20) -> None:
    fig = new_figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2)
    ax = axes[0]
    for T, color in ((110.0, "tab:blue"), (200.0, "tab:green"), (350.0, "tab:red")):
        rho = np.linspace(0.6, 32.0, 200)
        if T < la.ARGON_CRITICAL[0]:
            from CoolProp.CoolProp import PropsSI

            rv = PropsSI("Dmolar", "T", T, "Q", 1, "Argon") / 1000
            rl = PropsSI("Dmolar", "T", T, "Q", 0, "Argon") / 1000
            rho = np.where((rho < rv) | (rho > rl), rho, np.nan)  # NaN: a gap in the line across the dome
        X = np.column_stack([np.full_like(rho, T), np.nan_to_num(rho, nan=20.0)])
        gap = 0 * rho  # NaN inside the dome, 0 elsewhere: every curve breaks there
        ax.plot(rho, la.argon_compressibility(T, X[:, 1]) + gap, color=color, lw=3, alpha=0.35,
                label=f"real argon, {T:g} K")
        ax.plot(rho, source.predict(X) + gap, color=color, ls=":", lw=1.2)
        ax.plot(rho, ft.predict(X) + gap, color=color, lw=1)
    ax.plot(X20[:, 1], y20, "k.", label="the labelled real states (all T)")
    ax.set_xlabel("density (mol/L)"), ax.set_ylabel("Z = p / (rho R T)")
    ax.set_title("Real argon (thick), LJ model (dotted), adapted (solid)")
    ax.legend(fontsize=7)
    ax = axes[1]
    n = np.asarray(curve.sizes)
    for errs, label, color in ((curve.transfer, "LJ model adapted (last layer)", "tab:blue"),
                               (curve.scratch, "scratch (same network)", "tab:red")):
        ax.plot(n, np.median(errs, axis=0), "o-", color=color, label=label)
        ax.fill_between(n, errs.min(axis=0), errs.max(axis=0), color=color, alpha=0.15)
    ax.axhline(before, color="k", ls=":", label="LJ model before adaptation (the gap)")
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("labelled real-argon states"), ax.set_ylabel("held-out RMSE in Z")
    ax.set_title("The gap, and how few real states close it")
    ax.legend(fontsize=8)
    result.add_figure("argon", fig, "Left: compressibility factor along isotherms. Right: held-out error vs labelled "
                      "real states; the dotted line is the LJ model's error before adaptation.")
