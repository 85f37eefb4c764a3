"""``physml train-potential``: a force field trained on the user's MD frames, as a run.

:func:`train_potential` reads frames with forces (files written by ``physml simulate md --frames K``),
trains a :class:`~physml.atomistic.SchNet` (or the direct-force baseline) on them and returns the potential
with the run's :class:`~physml.result.StudyResult` (study ``"train-potential"``): held-out errors per state
point, the symmetry audit, the learning curve, and the potential itself as the artifact ``potential``.
"""

from __future__ import annotations

import os
from dataclasses import asdict

import numpy as np

from ..atomistic import LearnedPotential, PotentialConfig, fit_potential, frame_errors, symmetry_errors
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim.md.frames import load_frames

__all__ = ["train_potential"]


def train_potential(paths: list[str | os.PathLike], config: PotentialConfig, *, seed: int = 0,
                    progress: bool = True) -> tuple[LearnedPotential, StudyResult]:
    """Train on every frame of the files ``paths``; return the potential and the run's result."""
    sets = [load_frames(p) for p in paths]
    pot, fit = fit_potential(sets, config, seed=seed, progress=progress)
    result = StudyResult(study="train-potential", config={"data": [str(p) for p in paths], "seed": seed,
                                                          **asdict(config)},
                         title=f"physml train-potential: {config.kind} network on {len(sets)} state point(s)")
    offsets = np.cumsum([0] + [len(s.positions) for s in sets])
    rows, std = [], float(np.std(np.concatenate([s.forces.ravel() for s in sets])))
    for k, fs in enumerate(sets):
        held = [i - offsets[k] for i in fit.validation_frames if offsets[k] <= i < offsets[k + 1]]
        if not held:
            continue
        e = frame_errors(pot, fs, held)
        rows.append([fs.source, fs.density, fs.temperature, len(held), e["force_mae"], e["force_mae_rel"],
                     e["energy_mae_per_atom"], e["pressure_mae"]])
    if rows:
        result.add_table("Errors on held-out frames", ["file", "density", "temperature", "frames", "force MAE",
                                                       "force MAE / std", "energy MAE per atom", "pressure MAE"],
                         [[r[0]] + [float(f"{v:.4g}") for v in r[1:]] for r in rows])
        mae = float(np.average([r[4] for r in rows], weights=[r[3] for r in rows]))
        result.add_metric("heldout_force_mae", mae)
        result.add_metric("heldout_force_mae_rel", mae / std)
    result.add_metric("train_seconds", fit.seconds)
    result.add_metric("best_epoch", fit.best_epoch)
    sym = symmetry_errors(pot, sets[0].positions[-1], sets[0].box_length, np.random.default_rng(seed))
    audit = Audit(f"{config.kind} force field")
    for name, value in sym.items():
        audit.check(f"symmetry_{name}", value, "<=", 1e-5, "relative change under the transformation (exact: 0)")
    result.add_audit(audit)
    fig = new_figure(figsize=(5, 3.5))
    ax = fig.subplots()
    ax.semilogy(fit.validation_force_mae)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation force MAE")
    result.add_figure("training", fig, "Force MAE on the held-out frames per epoch (the best epoch is kept).")
    result.artifacts["potential"] = lambda path, p=pot: p.save(path, metadata={"run": "train-potential"})
    result.summary = (f"{len(fit.train_frames)} training frames, {len(fit.validation_frames)} held out; "
                      f"held-out force MAE {result.metrics.get('heldout_force_mae_rel', float('nan')):.2%} of the "
                      f"force std; {fit.seconds:.0f} s")
    return pot, result
