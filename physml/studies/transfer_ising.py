"""Study ``transfer-ising``: a square-lattice phase classifier adapted, without labels, to the triangular lattice.

Source: spin configurations of the square-lattice Ising model (``physml.sim.ising``), labelled
ordered / disordered by T < T_c = 2 / ln(1 + sqrt 2). Target: configurations of the triangular
lattice (``IsingParams(lattice='triangular')``, same L x L array with six neighbours), unlabelled.
T_c is read, as in ``ising-phases``, from the temperature where the mean P(ordered) crosses 1/2
(``physml.physics.scaling.crossing_point``); the exact answer, 4 / ln 3 = 3.6410, is used only to
score the result.

Temperatures: without the answer, the natural scale of each lattice is the mean-field critical
temperature z J (z = 4 neighbours on the square lattice, 6 on the triangular). Both lattices are
sampled on the same grid of T / z, [0.25, 0.875] (square: 1.0-3.5, the ``ising-phases`` range;
triangular: 1.5-5.25), so the target sampling uses no knowledge of its exact T_c.

The classifier reads two observables of each configuration: the energy per spin e and |m|
(``observables``), a logistic regression trained on the square lattice. Unadapted, it reads the
triangular lattice's energies (three bonds per spin instead of two: e = -3 at T = 0, -2 at T_c,
against -2 and -sqrt 2 on the square lattice) as far more ordered than they are and puts T_c too
high. Adapted without labels by CORAL (``physml.transfer.CoralAdapted``): the unlabelled
triangular features are mapped onto the square lattice's mean and covariance before the same
classifier reads them. The target temperature grid matters to any such alignment of distributions;
``grid_shift`` re-runs the adaptation on a grid shifted in T / z and reports the T_c it then gives.

A second experiment reads the raw spins: an MLP, unadapted and trained with DANN
(``physml.transfer.DANNClassifier``, adaptation = 1, not tuned against the answer), ``repeats``
seeds. Both lattices are in the 2D Ising universality class and a raw-spin classifier learns the
order parameter, so this one transfers nearly unchanged; its numbers are reported as
``tc_raw_unadapted`` / ``tc_raw_dann``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..physics.audit import Audit
from ..physics.scaling import crossing_point
from ..result import StudyResult, new_figure
from ..sim import ising
from ..transfer import DANNClassifier
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

Z_SQUARE, Z_TRIANGULAR = 4, 6
THREADS = 1
"""Many small fits (logistic regressions, MLPs on 256 spins): a thread pool costs more than it gains (the runner
limits torch, BLAS and Numba to this many threads)."""


@dataclass(frozen=True)
class Config:
    """Configuration of ``transfer-ising``."""

    L: int = 16
    """Linear lattice size of both lattices (L x L spins, periodic)."""
    t_over_z: tuple[float, float] = (0.25, 0.875)
    """Temperature range in units of the mean-field T_c = z J, the same for both lattices."""
    n_temperatures: int = 26
    samples: int = 100
    """Configurations per temperature and lattice."""
    repeats: int = 3
    """Seeds of the raw-spin classifiers (the simulations are shared)."""
    grid_shift: float = 0.05
    """Shift of the target T / z grid for the sensitivity check of the adaptation (0: skip)."""
    hidden: tuple[int, ...] = (64, 32)
    epochs: int = 30
    adaptation: float = 1.0

    def __post_init__(self) -> None:
        if self.L < 4 or self.L % 2:
            raise ParameterError.invalid("L", self.L, "an even integer >= 4")
        lo, hi = self.t_over_z
        if not 0 < lo < ising.T_C / Z_SQUARE < hi or not lo < ising.T_C_TRIANGULAR / Z_TRIANGULAR < hi:
            raise ParameterError.invalid("t_over_z", self.t_over_z, "a range (low, high) of T / z around 0.57-0.61")
        if self.n_temperatures < 5 or self.samples < 2 or self.repeats < 1:
            raise ParameterError.invalid("n_temperatures", self.n_temperatures,
                                         ">= 5 (with samples >= 2, repeats >= 1)")


QUICK = Config(samples=60, repeats=2)


def observables(ds) -> np.ndarray:
    """Per configuration: (energy per spin in J, |m|), each from the lattice's own Hamiltonian."""
    return np.column_stack([ds["energy"], np.abs(ds["magnetization"])])


def _p_ordered(model, X: np.ndarray, T: np.ndarray, temps: np.ndarray) -> np.ndarray:
    p = model.predict_proba(X)[:, 1]
    return np.array([p[T == t].mean() for t in temps])


def run(config: Config, ctx: StudyContext) -> StudyResult:
    from sklearn.linear_model import LogisticRegression

    from ..transfer import CoralAdapted

    # simulate: both lattices on the same T / z grid (and the triangular one on a shifted grid)
    seeds = ctx.rng().integers(2**31, size=2 + config.repeats)
    grid = np.linspace(*config.t_over_z, config.n_temperatures)
    Ts, Tt = np.round(grid * Z_SQUARE, 6), np.round(grid * Z_TRIANGULAR, 6)
    common = dict(L=config.L, samples=config.samples, equilibration_sweeps=100, decorrelation_sweeps=2)
    sq = ising.simulate(ising.IsingParams(temperatures=tuple(Ts), **common), seed=int(seeds[0]), progress=ctx.progress)
    tri = ising.simulate(ising.IsingParams(temperatures=tuple(Tt), lattice="triangular", **common),
                         seed=int(seeds[1]), progress=ctx.progress)
    if config.grid_shift:
        Tg = np.round((grid + config.grid_shift) * Z_TRIANGULAR, 6)
        shifted = ising.simulate(ising.IsingParams(temperatures=tuple(Tg), lattice="triangular", **common),
                                 seed=int(seeds[1]) + 1, progress=ctx.progress)
    Xs = sq["spins"].reshape(len(sq), -1).astype(np.float32)
    ys = (sq["temperature"] < ising.T_C).astype(int)
    Xt = tri["spins"].reshape(len(tri), -1).astype(np.float32)
    T_sq, T_tri = sq["temperature"], tri["temperature"]
    Fs, Ft = observables(sq), observables(tri)
    # fit: the (e, |m|) classifier on the square lattice, CORAL-adapted to the triangular one; raw-spin MLPs
    classifier = LogisticRegression().fit(Fs, ys)
    coral = CoralAdapted(classifier).fit(Ft, X_source=Fs)
    raw_models = [{name: DANNClassifier(hidden=config.hidden, epochs=config.epochs, adaptation=adaptation,
                                        seed=int(seeds[2 + r]), device=ctx.device).fit(Xs, ys, X_target=Xt)
                   for name, adaptation in (("unadapted", 0.0), ("dann", config.adaptation))}
                  for r in range(config.repeats)]
    # evaluate: T_c where the mean P(ordered) crosses 1/2
    curves = {"unadapted": _p_ordered(classifier, Ft, T_tri, Tt), "adapted": _p_ordered(coral, Ft, T_tri, Tt)}
    tc_obs = {k: crossing_point(Tt, v).value for k, v in curves.items()}
    tc_square = crossing_point(Ts, _p_ordered(classifier, Fs, T_sq, Ts)).value
    tc_shifted = None
    if config.grid_shift:
        Fg = observables(shifted)
        tc_shifted = crossing_point(Tg, _p_ordered(CoralAdapted(classifier).fit(Fg, X_source=Fs), Fg,
                                                   shifted["temperature"], Tg)).value
    raw = {name: [crossing_point(Tt, _p_ordered(models[name], Xt, T_tri, Tt)).value for models in raw_models]
           for name in ("unadapted", "dann")}
    exact = ising.T_C_TRIANGULAR
    result = ctx.result("Phase classifier: square-lattice Ising adapted without labels to the triangular lattice")
    m = result.add_metric
    err = {k: abs(v - exact) / exact for k, v in tc_obs.items()}
    m("tc_adapted", tc_obs["adapted"])
    m("tc_unadapted", tc_obs["unadapted"])
    m("tc_exact_triangular", exact)
    m("tc_adapted_rel_error", err["adapted"])
    m("tc_unadapted_rel_error", err["unadapted"])
    if tc_shifted is not None:
        m("tc_adapted_grid_shifted", tc_shifted)
        m("tc_adapted_grid_shifted_rel_error", abs(tc_shifted - exact) / exact)
    m("tc_square_source", tc_square)
    m("tc_square_exact", ising.T_C)
    raw_mean = {k: float(np.mean(v)) for k, v in raw.items()}
    m("tc_raw_unadapted", raw_mean["unadapted"])
    m("tc_raw_dann", raw_mean["dann"])
    m("tc_raw_unadapted_rel_error", abs(raw_mean["unadapted"] - exact) / exact)
    m("tc_raw_dann_rel_error", abs(raw_mean["dann"] - exact) / exact)
    # audit
    a = Audit("phase classifier on the triangular lattice")
    a.check("tc_adapted_rel_error", err["adapted"], "<=", 0.02,
            "the CORAL-adapted classifier's T_c is within 2 % of the exact 4 / ln 3")
    a.check("adapted_minus_unadapted_error", err["adapted"] - err["unadapted"], "<=", 0.0,
            "adaptation moves T_c closer to the exact value than the unadapted classifier")
    a.check("tc_square_rel_error", abs(tc_square - ising.T_C) / ising.T_C, "<=", 0.03,
            f"the classifier finds the square lattice's own T_c (Onsager) at L = {config.L}")
    if tc_shifted is not None:
        a.check("tc_adapted_grid_shifted_rel_error", abs(tc_shifted - exact) / exact, "<=", 0.05,
                f"with the target grid shifted by {config.grid_shift:g} in T / z the adapted T_c stays within 5 %")
    result.add_audit(a)
    # report
    rows = [("observables (e, |m|), logistic regression", round(tc_obs["unadapted"], 4), "CORAL",
             round(tc_obs["adapted"], 4))]
    rows += [(f"raw spins, MLP, seed {r}", round(u, 4), "DANN", round(d, 4))
             for r, (u, d) in enumerate(zip(raw["unadapted"], raw["dann"]))]
    result.add_table("T_c of the triangular lattice from the classifiers (exact 4 / ln 3 = 3.6410)",
                     ("classifier", "unadapted", "adaptation", "adapted"), rows)
    _figure(result, Tt, curves, tc_obs, exact)
    result.summary = (
        f"T_c of the triangular lattice from P(ordered) = 1/2 at L = {config.L}, classifier on (e, |m|) trained on "
        f"the square lattice: unadapted {tc_obs['unadapted']:.4f} ({100 * err['unadapted']:.2f} % off), adapted "
        f"without labels by CORAL {tc_obs['adapted']:.4f} ({100 * err['adapted']:.2f} % off); exact 4 / ln 3 = "
        f"{exact:.4f}. The energy per spin is lattice-specific (three bonds per spin instead of two), the order "
        f"parameter is not: a raw-spin MLP, which learns the order, transfers almost unchanged "
        f"({raw_mean['unadapted']:.4f} unadapted, {raw_mean['dann']:.4f} with DANN, "
        f"means over {config.repeats} seeds).")
    return result


def _figure(result, Tt, curves, tcs, exact) -> None:
    fig = new_figure(figsize=(7.5, 4.8))
    ax = fig.subplots()
    for name, color in (("unadapted", "tab:red"), ("adapted", "tab:blue")):
        ax.plot(Tt, curves[name], "o-", ms=3, color=color, label=f"{name}: T_c = {tcs[name]:.3f}")
        ax.axvline(tcs[name], color=color, ls=":", lw=1)
    ax.axvline(exact, color="k", ls="--", lw=1, label=f"exact 4 / ln 3 = {exact:.4f}")
    ax.axhline(0.5, color="grey", lw=0.5)
    ax.set_xlabel("T (J / k_B), triangular lattice"), ax.set_ylabel("mean P(ordered)")
    ax.set_title("Square-lattice classifier on (e, |m|) read on the triangular lattice")
    ax.legend(fontsize=8)
    result.add_figure("triangular_tc", fig, "P(ordered) on triangular-lattice configurations, unadapted vs adapted "
                      "without labels (CORAL); T_c where it crosses 1/2.")
