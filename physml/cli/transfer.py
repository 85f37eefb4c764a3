"""``physml transfer fine-tune``: fine-tune a saved torch model (a run's best model) on target data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._options import Force, Quiet, RunsDir, Seed, command_group, echo_metrics, output_option

__all__ = ["app", "fine_tune"]

app = command_group("Transfer a saved model to a new domain (fine-tuning with frozen layers).")


@app.command("fine-tune")
def fine_tune(
    model: str = typer.Argument(..., help="A saved torch model folder, a run directory or a run id."),
    data: Path = typer.Argument(..., help="Labelled target data: CSV, Parquet or physml HDF5 (units checked)."),
    target: str = typer.Option(..., "--target", help="Column to predict."),
    output: Annotated[Path, output_option("Folder to write the fine-tuned model to.")] = ...,
    mode: str = typer.Option("last_layer", help="linear_probe | last_layer | full."),
    epochs: int = typer.Option(300, help="Training epochs on the target data."),
    lr: float | None = typer.Option(None, help="Learning rate (default: the source's; a tenth for 'full')."),
    holdout: float = typer.Option(0.25, help="Fraction of the target rows kept out of the fine-tuning to measure "
                                              "the error before, after and from scratch, in (0, 0.9]."),
    seed: Seed = 0,
    quiet: Quiet = False,
    force: Force = False,
    runs_dir: RunsDir = Path("runs"),
) -> None:
    """Fine-tune MODEL on DATA; write the fine-tuned model (loads with `physml predict`) and a run whose report
    compares the held-out error before, after and from scratch, with an audit (frozen parameters unchanged)."""
    from ..runs import write_run
    from ..workflows.finetune import fine_tune as run_fine_tune

    run = run_fine_tune(model, data, target=target, output=output, mode=mode, epochs=epochs, lr=lr, seed=seed,
                        force=force, runs_dir=runs_dir, holdout=holdout)
    record = write_run(run.study_result, runs_dir, wall_seconds=run.wall_seconds)
    if not quiet:
        echo_metrics(run.study_result.metrics)
    typer.echo(f"fine-tuned {mode} on {run.n_samples} samples ({len(run.tuner.trainable_)} trainable tensors, "
               f"{len(run.tuner.frozen_)} frozen); wrote {output}")
    typer.echo(str(record.path))
