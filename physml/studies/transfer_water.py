"""Study ``transfer-water``: a viscosity model of ordinary water transferred to heavy water with few points.

Source: log10 of the viscosity of H2O (IAPWS-95 + IAPWS 2008 viscosity) at states drawn over the
liquid, vapour and supercritical regions (``physml.sim.water.transport_dataset``; near-saturation and
near-critical states excluded). Target: the same property of D2O (IAPWS 2017 EOS + IAPWS 2020
viscosity of heavy water), of which only 5-50 labelled states are given.

Features, the same for both fluids, in each fluid's *reduced* coordinates: T/T_c, log10(p/p_c) and
T/T_c - T_sat(p)/T_c (the distance to the fluid's own saturation curve, 0 at and 1 - T/T_c... above
p_c: T/T_c - 1). Why reduced: by the principle of corresponding states the two fluids are nearly the
same function of (T/T_c, p/p_c); the D2O critical point lies 3.2 K and 0.4 MPa below H2O's, so in
absolute units the saturation line, where the viscosity jumps by 10-50x, sits elsewhere and the H2O
model would mislabel states near it. In reduced form what remains between the fluids is the isotope
effect itself (D2O ~23 % more viscous at room temperature), the smooth residual that a few points can
teach. The target is log10 viscosity, which spans 2.1 decades here.

Transfer: the H2O network with every layer frozen but the output layer, which is re-fitted on the D2O
points (``FineTuner(mode='last_layer')``, closed-form ridge pulled towards the H2O weights); also the
full fine-tune at a tenth of the learning rate. Scratch: the same network class, same hyper-parameters,
trained on the same D2O points only. Errors are RMSE in log10 viscosity on held-out D2O states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import Dataset
from ..errors import ParameterError
from ..models import MLPFactory, TorchRegressor, save_model
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import water
from ..transfer import FineTuner, efficiency_curve, rmse
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "FEATURES", "features"]

FEATURES = ["reduced_temperature", "log10_reduced_pressure", "reduced_distance_to_saturation"]
TARGET = "log10_viscosity_Pa_s"
THREADS = 1
"""Hundreds of fits of small tabular networks on 5-1500 rows: a thread pool costs more than it gains (measured:
the quick preset took 6.5 min with the default threads on a loaded 2-core machine); the runner applies it."""


def features(ds: Dataset) -> np.ndarray:
    return np.column_stack([ds["reduced_temperature"], np.log10(ds["reduced_pressure"]),
                            ds["reduced_distance_to_saturation"]])


@dataclass(frozen=True)
class Config:
    """Configuration of ``transfer-water``."""

    n_source: int = 1500
    """H2O states the source model learns from."""
    n_target_pool: int = 200
    """D2O states the labelled subsets are drawn from."""
    n_target_test: int = 400
    """Held-out D2O states every error is measured on."""
    sizes: tuple[int, ...] = (5, 10, 20, 50)
    """Numbers of labelled D2O states on the efficiency curve (must include 20)."""
    repeats: int = 5
    """Random draws of the labelled states per size (medians are reported)."""
    hidden: tuple[int, ...] = (64, 64)
    epochs_source: int = 400
    epochs_target: int = 300
    """Epochs of the full fine-tune and of the from-scratch model on the D2O points."""

    def __post_init__(self) -> None:
        if self.n_source < 200:
            raise ParameterError.invalid("n_source", self.n_source, ">= 200")
        if 20 not in self.sizes or max(self.sizes) > self.n_target_pool:
            raise ParameterError.invalid("sizes", self.sizes, f"sizes including 20, none above n_target_pool "
                                         f"({self.n_target_pool})")
        if self.repeats < 1:
            raise ParameterError.invalid("repeats", self.repeats, ">= 1")


QUICK = Config(n_source=800, n_target_pool=100, n_target_test=200, repeats=3, epochs_source=300)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: H2O states (source), D2O states (labelled pool and held-out test)
    seeds = ctx.rng().integers(2**31, size=4)
    src = water.transport_dataset(water.TransportParams("H2O", n_samples=config.n_source), seed=int(seeds[0]))
    tgt = water.transport_dataset(water.TransportParams("D2O", n_samples=config.n_target_pool + config.n_target_test),
                                  seed=int(seeds[1]))
    Xs, ys = features(src), np.log10(src["viscosity"])
    Xt, yt = features(tgt), np.log10(tgt["viscosity"])
    Xp, yp = Xt[:config.n_target_pool], yt[:config.n_target_pool]
    Xte, yte = Xt[config.n_target_pool:], yt[config.n_target_pool:]
    # fit: the H2O network; fine-tuned (last layer, all layers) and from-scratch models on D2O subsets
    source = TorchRegressor(MLPFactory(config.hidden), epochs=config.epochs_source, lr=3e-3, patience=40,
                            seed=int(seeds[2]), device=ctx.device, progress=ctx.progress).fit(Xs, ys)

    def last_layer(X, y, s):
        return FineTuner(source, mode="last_layer", seed=s).fit(X, y)

    def full(X, y, s):
        return FineTuner(source, mode="full", epochs=config.epochs_target, seed=s).fit(X, y)

    def scratch(X, y, s):
        return TorchRegressor(MLPFactory(config.hidden), epochs=config.epochs_target, lr=3e-3,
                              validation_fraction=0.0, seed=s, device=ctx.device).fit(X, y)

    kw = dict(sizes=config.sizes, repeats=config.repeats, seed=int(seeds[3]), progress=ctx.progress)
    curve = efficiency_curve(last_layer, scratch, Xp, yp, Xte, yte, **kw)
    curve_full = efficiency_curve(full, scratch, Xp, yp, Xte, yte, **kw)  # same draws: same scratch errors
    ft20 = FineTuner(source, mode="last_layer", seed=0).fit(Xp[:20], yp[:20])  # the audited and drawn one
    scratch20 = scratch(Xp[:20], yp[:20], 0)  # drawn beside it
    # evaluate
    i20 = config.sizes.index(20)
    err_source_h2o = rmse(ys[-300:], source.predict(Xs[-300:]))
    err_no_adapt = rmse(yte, source.predict(Xte))

    result = ctx.result("Transfer learning: viscosity of H2O (IAPWS-95) to heavy water D2O (IAPWS)")
    m = result.add_metric
    ratio = float(curve.ratio[i20])
    m("error_ratio_finetune_vs_scratch_20", ratio)
    m("error_ratio_full_finetune_vs_scratch_20", float(curve_full.ratio[i20]))
    m("rmse_finetune_20", float(curve.transfer_median[i20]))
    m("rmse_full_finetune_20", float(curve_full.transfer_median[i20]))
    m("rmse_scratch_20", float(curve.scratch_median[i20]))
    m("rmse_source_no_adaptation", err_no_adapt)
    m("rmse_source_on_h2o_train_tail", err_source_h2o)
    m("crossover_found", float(curve.crossover is not None))
    if curve.crossover is not None:
        m("crossover_n", float(curve.crossover))
    m("negative_transfer_sizes", float(len(curve.negative_transfer)))
    need = curve.samples_to_reach(float(curve.transfer_median[i20]))
    m("scratch_samples_to_match_finetune_20_found", float(np.isfinite(need)))
    m("samples_saved_20" if np.isfinite(need) else "samples_saved_20_at_least",
      need - 20 if np.isfinite(need) else max(config.sizes) - 20)
    # audit; the frozen layers of one fine-tune, compared with the source's, must be bit-identical
    src_params = dict(source.module_.named_parameters())
    frozen_change = max(float((p - src_params[n]).detach().abs().max())
                        for n, p in ft20.estimator_.module_.named_parameters() if n in ft20.frozen_)
    a = Audit("D2O viscosity model fine-tuned on 20 points")
    a.check("error_ratio_finetune_vs_scratch_20", ratio, "<=", 0.5,
            "held-out RMSE of the fine-tuned model / the same network trained from scratch on the same 20 points")
    a.check("gain_over_no_adaptation", float(curve.transfer_median[i20]) / err_no_adapt, "<=", 1.0,
            "fine-tuning on 20 D2O points beats using the H2O model as it is (corresponding states only)")
    a.check("frozen_parameters_max_change", frozen_change, "<=", 0.0, "frozen layers are bit-identical to the source's")
    a.check("source_rmse_h2o", err_source_h2o, "<=", 0.02,
            "the H2O model itself fits H2O (log10 viscosity; 0.02 is 5 %)")
    result.add_audit(a)
    # report
    rows = [(n, round(float(t), 4), round(float(f), 4), round(float(s), 4), round(float(r), 3),
             "yes" if n in curve.negative_transfer else "")
            for n, t, f, s, r in zip(config.sizes, curve.transfer_median, curve_full.transfer_median,
                                     curve.scratch_median, curve.ratio)]
    result.add_table("Held-out RMSE in log10 viscosity on D2O (median over draws)",
                     ("labelled D2O points", "fine-tune last layer", "fine-tune all (lr/10)", "scratch",
                      "ratio last layer / scratch", "negative transfer"), rows)
    _figures(result, curve, curve_full, err_no_adapt, source, ft20, scratch20, Xp, yp)
    result.summary = (
        f"With 20 labelled D2O states the fine-tuned H2O model's held-out error is {ratio:.3f}x that of the same "
        f"network trained from scratch on those points (RMSE {curve.transfer_median[i20]:.4f} vs "
        f"{curve.scratch_median[i20]:.4f} in log10 viscosity); the H2O model used as it is, in reduced coordinates, "
        f"errs by {err_no_adapt:.4f}. Crossover within {config.sizes[0]}-{config.sizes[-1]} points: "
        f"{curve.crossover if curve.crossover is not None else 'none'}; negative transfer at "
        f"{list(curve.negative_transfer) or 'no size'}.")
    meta = {"feature_names": FEATURES, "feature_units": ["1", "1", "1"], "target": TARGET, "task": "regression",
            "source": "H2O, IAPWS-95 + IAPWS 2008 viscosity"}
    result.artifacts["source_model"] = lambda path: save_model(source, path, metadata=meta)
    labelled = Dataset({**dict(zip(FEATURES, Xp.T)), TARGET: yp}, {**{f: "1" for f in FEATURES}, TARGET: "1"},
                       dict(tgt.attrs))
    result.artifacts["d2o_labelled.h5"] = lambda path: labelled.save(path)
    return result


def _figures(result, curve, curve_full, err_no_adapt, source, ft20, scratch, Xp, yp) -> None:
    fig = new_figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2)
    ax = axes[0]
    n = np.asarray(curve.sizes)
    for errs, label, color in ((curve.transfer, "fine-tune last layer", "tab:blue"),
                               (curve_full.transfer, "fine-tune all layers (lr/10)", "tab:green"),
                               (curve.scratch, "scratch (same network)", "tab:red")):
        ax.plot(n, np.median(errs, axis=0), "o-", color=color, label=label)
        ax.fill_between(n, errs.min(axis=0), errs.max(axis=0), color=color, alpha=0.15)
    ax.axhline(err_no_adapt, color="k", ls=":", label="H2O model, no adaptation")
    if curve.crossover is not None:
        ax.axvline(curve.crossover, color="grey", ls="--", label=f"crossover n = {curve.crossover}")
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("labelled D2O states"), ax.set_ylabel("held-out RMSE, log10 viscosity")
    ax.set_title("Transfer efficiency: " + (f"crossover at n = {curve.crossover}" if curve.crossover
                                             else f"no crossover up to n = {curve.sizes[-1]}"))
    ax.legend(fontsize=8)
    ax = axes[1]
    tc, pc, _ = water.CRITICAL["D2O"]
    for pr, color in ((0.05, "tab:orange"), (0.5, "tab:purple"), (2.0, "tab:cyan")):
        tr = np.linspace(0.44, 1.24, 300)
        keep = (np.abs(tr - water.reduced_saturation_temperature("D2O", np.full_like(tr, pr))) >= 0.01) | (pr >= 1)
        tr = tr[keep]
        ds_like = {"reduced_temperature": tr, "reduced_pressure": np.full_like(tr, pr)}
        X = np.column_stack([tr, np.log10(ds_like["reduced_pressure"]),
                             tr - water.reduced_saturation_temperature("D2O", ds_like["reduced_pressure"])])
        mu, _, _ = water.transport_properties("D2O", tr * tc, np.full_like(tr, pr * pc))
        ok = np.isfinite(mu)
        tr, X, mu = tr[ok], X[ok], mu[ok]
        ax.plot(tr, np.log10(mu), color=color, lw=3, alpha=0.35, label=f"D2O (IAPWS), p/p_c = {pr:g}")
        ax.plot(tr, source.predict(X), color=color, ls=":", lw=1)
        ax.plot(tr, ft20.predict(X), color=color, lw=1)
    ax.plot(tr, scratch.predict(X), color="tab:red", lw=1, ls="--", label="scratch, 20 points (p/p_c = 2)")
    ax.plot(Xp[:20, 0], yp[:20], "k.", label="the 20 labelled D2O states (all pressures)")
    ax.set_xlabel("T / T_c"), ax.set_ylabel("log10 viscosity (Pa s)")
    ax.set_title("Isobars: D2O (thick), H2O model (dotted), fine-tuned on 20 (solid)")
    ax.legend(fontsize=7)
    result.add_figure("efficiency", fig, "Left: held-out D2O error vs labelled D2O states (median and range over "
                      "draws), transferred vs trained from scratch, and the crossover if any. Right: D2O isobars.")
