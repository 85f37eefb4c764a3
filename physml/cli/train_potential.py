"""``physml train-potential``: a graph-network force field trained on MD frames with forces, as a run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ._options import Force, Quiet, RunsDir, Seed, output_option

__all__ = ["train_potential"]


def train_potential(
    data: list[Path] = typer.Argument(..., help="HDF5 files from `physml simulate md --frames K` (with forces)."),
    output: Annotated[Path, output_option("Model folder to write (safetensors + JSON).")] = ...,
    cutoff: float = typer.Option(2.5, help="Neighbour cutoff (sigma), <= half the smallest box side."),
    epochs: int = typer.Option(50, help="Training epochs."),
    hidden: int = typer.Option(32, help="Features per atom."),
    n_rbf: int = typer.Option(20, "--n-rbf", help="Gaussian radial basis functions."),
    interactions: int = typer.Option(2, help="Message-passing blocks."),
    kind: str = typer.Option("conservative", help="conservative (forces = -grad E) | direct (baseline)."),
    lr: float = typer.Option(3e-3, help="Adam's initial learning rate."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Train a SchNet force field on MD frames; write the model folder and a run; print the run last."""
    from .._io import check_output
    from ..atomistic import PotentialConfig
    from ..runs import Registry, write_run
    from ..workflows.train_potential import train_potential as train

    config = PotentialConfig(kind=kind, cutoff=cutoff, epochs=epochs, hidden=hidden, n_rbf=n_rbf,
                             n_interactions=interactions, lr=lr)
    check_output(output, force=force, kind="dir")
    Registry(runs_dir).check_writable()  # before any training
    start = time.perf_counter()
    pot, result = train(data, config, seed=seed, progress=not quiet)
    pot.save(output, force=force, metadata={"data": [str(p) for p in data]})
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    m = result.metrics
    typer.echo(f"wrote {output}: held-out force MAE {m.get('heldout_force_mae', float('nan')):.4g} "
               f"({m.get('heldout_force_mae_rel', float('nan')):.2%} of the force std), {m['train_seconds']:.0f} s")
    typer.echo(str(record.path))
