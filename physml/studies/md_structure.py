"""Study ``md-structure``: solid-like and liquid-like atoms of Lennard-Jones MD told apart without labels.

Lennard-Jones runs from physml's MD engine (:mod:`physml.sim.md`, Langevin thermostat, reduced units) at one
density across the melting line: each temperature is run twice, from the fcc crystal (heated, it stays a
superheated solid up to its stability limit) and from a melt (the crystal first molten at a high temperature,
then brought to the run's temperature; it stays liquid). Each run's state is known from its dynamics alone:
an atom of a solid rattles in its cage (mean squared displacement relative to the centre of mass below
``msd_solid``), an atom of a liquid diffuses (above ``msd_liquid``); runs in between (a glassy supercooled
melt, say) are kept out of the score. Nothing structural enters that label.

Per-atom descriptors (:mod:`physml.sim.md.structure`): Steinhardt ``q4, q6``, the Lechner-Dellago averages
``q̄4, q̄6``, the coordination within ``r_cut`` and a local g(r). A two-component Gaussian mixture is fitted, with
no labels, to the pooled atoms of every run: on ``(q̄4, q̄6)``, on the two leading principal components of all
descriptors, and on ``q6`` alone (the baseline that shows why the average matters). The component with the
larger mean ``q6`` is called solid-like (crystals order their bonds; Steinhardt et al. 1983). The audit is the
per-atom agreement of that call with the known state of each run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim.md import LJSystem, MDParams
from ..sim.md.structure import descriptors
from ..validation import Int, Real, validate_fields
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]


@dataclass(frozen=True)
class Config:
    """Configuration of ``md-structure``."""

    n_particles: int = 500
    """Atoms (4 m^3: an fcc start)."""
    density: float = 1.0
    """Number density (sigma^-3). At 1.0 the fcc solid melts near T ~ 0.9-1.0 and the liquid freezes below ~1.4
    (Agrawal & Kofke 1995, full LJ), so low T is solid and high T liquid whichever the start."""
    temperatures: tuple[float, ...] = (0.6, 0.9, 1.2, 1.5, 2.0, 2.5)
    """Run temperatures (epsilon/k_B); each is run from the crystal and from the melt."""
    melt_temperature: float = 4.0
    """Temperature at which the melt is prepared from the crystal."""
    melt_steps: int = 2000
    """Steps at melt_temperature before a melt-start run."""
    equilibration_steps: int = 2000
    """Steps at the run's temperature before recording."""
    production_steps: int = 4000
    """Recorded steps."""
    frame_every: int = 100
    """Steps between recorded frames (also the unwrapping interval of the displacements)."""
    frames_used: int = 5
    """Frames per run (evenly spaced in the production) whose atoms enter the fit."""
    dt: float = 0.005
    """Time step (LJ time)."""
    r_cut: float = 1.4
    """Neighbour cut-off (sigma) of the descriptors: between the fcc first (1.12) and second (1.59) shells at
    density 1, near the liquid's first minimum of g(r)."""
    msd_solid: float = 0.1
    """A run is known solid if its atoms' mean squared displacement over the production is below this (sigma^2)."""
    msd_liquid: float = 1.0
    """A run is known liquid if it is above this (sigma^2): the atoms moved past a neighbour."""

    def __post_init__(self) -> None:
        validate_fields(self, {
            "n_particles": Int(108), "density": Real(0.8, 1.3), "melt_temperature": Real(2.0, 20.0),
            "melt_steps": Int(0), "equilibration_steps": Int(0), "production_steps": Int(10), "frame_every": Int(1),
            "frames_used": Int(1), "dt": Real(1e-4, 0.01), "r_cut": Real(1.0, 2.0), "msd_solid": Real(0.0, 1.0),
            "msd_liquid": Real(0.1, 100.0)})
        t = self.temperatures
        if isinstance(t, (str, bytes)) or not hasattr(t, "__iter__") or len(tuple(t)) < 2 or any(
                isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.05 <= x <= 10 for x in t):
            raise ParameterError.invalid("temperatures", t, "two or more temperatures in [0.05, 10] (epsilon/k_B)")
        object.__setattr__(self, "temperatures", tuple(float(x) for x in t))
        if self.production_steps // self.frame_every < self.frames_used:
            raise ParameterError.invalid("frames_used", self.frames_used,
                                         f"at most production_steps // frame_every = "
                                         f"{self.production_steps // self.frame_every}")
        if self.msd_solid >= self.msd_liquid:
            raise ParameterError.invalid("msd_solid", self.msd_solid, f"below msd_liquid = {self.msd_liquid:g}")


QUICK = Config(n_particles=256, temperatures=(0.6, 1.2, 2.5), melt_steps=1000, equilibration_steps=1000,
               production_steps=2000, frames_used=4)

MIN_AGREEMENT = 0.95


@dataclass
class _Run:
    T: float
    start: str
    frames: np.ndarray
    msd: float
    state: str  # "solid", "liquid" or "unclear" (from the mean squared displacement)


def _simulate(config: Config, ctx: StudyContext, k: int, T: float, start: str) -> _Run:
    params = MDParams(n_particles=config.n_particles, density=config.density, temperature=T, dt=config.dt,
                      steps=config.production_steps, ensemble="langevin")
    system = LJSystem(params, seed=ctx.rng(k))
    if start == "melt":
        system.run(config.melt_steps, "langevin", temperature=config.melt_temperature)
    system.run(config.equilibration_steps, "langevin", temperature=T)
    L = system.L
    n_frames = config.production_steps // config.frame_every
    keep = set(np.linspace(0, n_frames, config.frames_used + 1).round().astype(int)[1:].tolist())
    frames, prev, disp = [], system.pos.copy(), np.zeros_like(system.pos)
    for f in range(1, n_frames + 1):
        system.run(config.frame_every, "langevin", temperature=T)
        step = system.pos - prev
        disp += step - L * np.rint(step / L)  # unwrapped: atoms move far less than L/2 between frames
        prev = system.pos.copy()
        if f in keep:
            frames.append(system.pos.copy())
    disp -= disp.mean(axis=0)  # Langevin noise moves the centre of mass (a random walk of the whole crystal)
    msd = float(np.mean(np.sum(disp * disp, axis=1)))
    state = "solid" if msd < config.msd_solid else "liquid" if msd > config.msd_liquid else "unclear"
    return _Run(T, start, np.array(frames), msd, state)


def _cluster(X: np.ndarray, seed: int, sort_by: np.ndarray) -> np.ndarray:
    """Two-component Gaussian mixture on standardised ``X``; True where the atom is in the component whose
    mean of ``sort_by`` (q6) is larger."""
    from sklearn.mixture import GaussianMixture

    Z = (X - X.mean(0)) / X.std(0)
    gm = GaussianMixture(2, covariance_type="full", n_init=3, random_state=seed).fit(Z)
    lab = gm.predict(Z)
    solid = int(np.argmax([sort_by[lab == c].mean() if np.any(lab == c) else -np.inf for c in (0, 1)]))
    return lab == solid


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: each temperature from the crystal and from the melt
    runs = [_simulate(config, ctx, 2 * k + s, T, start) for k, T in enumerate(config.temperatures)
            for s, start in enumerate(("crystal", "melt"))]
    # descriptors, pooled over runs and frames
    L = (config.n_particles / config.density) ** (1 / 3)
    feats, run_of = [], []
    for r_idx, r in enumerate(runs):
        for x in r.frames:
            X, names = descriptors(x, L, r_cut=config.r_cut, rdf_r_max=min(2.5, L / 2), rdf_bins=10)
            feats.append(X)
            run_of.append(np.full(len(X), r_idx))
    X, run_of = np.concatenate(feats), np.concatenate(run_of)
    col = {n: i for i, n in enumerate(names)}
    q6 = X[:, col["q6"]]
    # fit, without labels
    from sklearn.decomposition import PCA

    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    pcs = PCA(2, random_state=ctx.seed).fit_transform(Z)
    methods = {
        "qbar4_qbar6": _cluster(X[:, [col["qbar4"], col["qbar6"]]], ctx.seed, q6),
        "pca_all_descriptors": _cluster(pcs, ctx.seed, q6),
        "q6_only": _cluster(X[:, [col["q6"]]], ctx.seed, q6),
    }
    # evaluate against the runs' known states
    state = np.array([runs[i].state for i in run_of])
    known = state != "unclear"
    truth = state == "solid"
    agreement = {m: float(np.mean(pred[known] == truth[known])) for m, pred in methods.items()}
    result = ctx.result("Solid-like and liquid-like atoms of Lennard-Jones MD, unsupervised",
                        n_atoms_scored=int(known.sum()))
    audit = Audit("Gaussian mixture on per-atom structure descriptors")
    n_solid_runs = sum(r.state == "solid" for r in runs)
    n_liquid_runs = sum(r.state == "liquid" for r in runs)
    audit.check("known_solid_runs", n_solid_runs, ">=", 1, "runs whose atoms stayed caged (MSD < msd_solid)")
    audit.check("known_liquid_runs", n_liquid_runs, ">=", 1, "runs whose atoms diffused (MSD > msd_liquid)")
    audit.check("agreement_qbar", agreement["qbar4_qbar6"], ">=", MIN_AGREEMENT,
                "per-atom agreement of the (qbar4, qbar6) mixture with the runs' known states")
    result.add_audit(audit)
    for m, a in agreement.items():  # the other two are reported beside it, not audited
        result.add_metric(f"agreement_{m}", a)
    # report
    rows = []
    for r_idx, r in enumerate(runs):
        sel = run_of == r_idx
        rows.append((f"{r.T:g}", r.start, f"{r.msd:.3f}", r.state, f"{X[sel, col['qbar6']].mean():.3f}",
                     f"{X[sel, col['coordination']].mean():.2f}",
                     *(f"{methods[m][sel].mean():.3f}" for m in methods)))
    result.add_table(f"Runs at density {config.density:g} ({config.n_particles} atoms): known state from the mean "
                     "squared displacement, fraction called solid-like by each mixture",
                     ("T", "start", "MSD (sigma^2)", "state", "mean qbar6", "mean coordination",
                      *(f"solid-like ({m})" for m in methods)), rows)
    result.add_table("Per-atom agreement with the known states (no labels in the fit)", ("method", "agreement"),
                     [(m, f"{a:.4f}") for m, a in agreement.items()])
    _figures(result, config, runs, X, col, run_of, methods)
    result.summary = (f"{n_solid_runs} solid and {n_liquid_runs} liquid runs (by their dynamics) of "
                      f"{len(runs)}; per-atom agreement: " + ", ".join(f"{m} {a:.3f}" for m, a in agreement.items())
                      + ".")
    return result


def _figures(result, config, runs, X, col, run_of, methods) -> None:
    fig = new_figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2)
    colours = {"solid": "tab:blue", "liquid": "tab:red", "unclear": "0.6"}
    rng = np.random.default_rng(0)
    for state, c in colours.items():
        idx = np.flatnonzero(np.array([runs[i].state for i in run_of]) == state)
        idx = rng.choice(idx, min(len(idx), 3000), replace=False) if len(idx) else idx
        ax1.plot(X[idx, col["qbar4"]], X[idx, col["qbar6"]], ".", ms=1.5, alpha=0.4, color=c, label=state + " runs")
    ax1.set(xlabel="qbar4", ylabel="qbar6", title="atoms by the known state of their run")
    ax1.legend(fontsize=7, markerscale=5)
    for start, marker in (("crystal", "o-"), ("melt", "s--")):
        T = [r.T for r in runs if r.start == start]
        frac = [methods["qbar4_qbar6"][run_of == i].mean() for i, r in enumerate(runs) if r.start == start]
        ax2.plot(T, frac, marker, label=f"from the {start}")
    ax2.set(xlabel="T (epsilon/k_B)", ylabel="fraction solid-like (qbar mixture)",
            title=f"density {config.density:g}: superheating and supercooling")
    ax2.legend(fontsize=7)
    result.add_figure("descriptors", fig, "Left: per-atom Lechner-Dellago order parameters, coloured by the state "
                      "each run's dynamics shows. Right: the fraction of atoms the unsupervised mixture calls "
                      "solid-like, for runs started from the crystal and from the melt.")
