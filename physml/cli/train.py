"""``physml train`` and ``physml predict``: the model zoo on the user's own table, and a saved model applied."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ._options import CheckpointEvery, Force, Quiet, Resume, RunsDir, Seed, device_option, output_option, resumable_run

__all__ = ["train", "predict"]


def train(
    data: Path = typer.Argument(..., help="CSV, Parquet or physml HDF5 file."),
    target: str = typer.Option(..., "--target", help="Column to predict."),
    features: str | None = typer.Option(None, help="Comma list of feature columns (default: all others)."),
    task: str | None = typer.Option(None, help="regression | classification (default: inferred)."),
    models: str = typer.Option("all", help="'all' or a comma list of zoo names (ridge,gbt,mlp,...)."),
    cv: int = typer.Option(5, help="Cross-validation folds."),
    tune: int = typer.Option(0, "--tune", help="Optuna trials per model (0: defaults)."),
    backend: str = typer.Option("local", "--backend", help="Where --tune trials run: local | ray (Ray tasks, one "
                                "CPU each, in batches)."),
    tune_batch: int | None = typer.Option(None, "--tune-batch", help="Optuna trials asked per batch (default: 1 "
                                          "local, 4 ray); the same batch gives the same trials on either backend."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster to join (default: a local instance)."),
    test_fraction: float = typer.Option(0.2, help="Share held out for the test set."),
    learning_curve: bool = typer.Option(False, "--learning-curve", help="Add the best model's learning curve."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    device: Annotated[str, device_option("auto | cpu | cuda (for the MLP).")] = "cpu",
    quiet: Quiet = False,
    resume: Resume = None,
    checkpoint_every: CheckpointEvery = None,
) -> None:
    """Compare every model family on a table; write a run; print its directory last."""
    from ..runs import write_run
    from ..workflows.train_table import train_table

    start = time.perf_counter()
    from ..distributed import check_backend

    check_backend(backend)
    tune_options = None
    if backend != "local" or tune_batch is not None:
        tune_options = {"backend": backend, "batch": tune_batch or (4 if backend == "ray" else 1), "address": address}
    spec = {"data": str(Path(data).resolve()), "target": target, "features": features, "task": task,
            "models": models, "cv": cv, "tune": tune, "test_fraction": test_fraction,
            "learning_curve": learning_curve, "seed": seed, "device": device,
            "tune_options": tune_options}
    with resumable_run(runs_dir, "train", spec, resume, checkpoint_every, quiet):
        comp, result = train_table(data, target, features=features, task=task, models=models, cv=cv, tune=tune,
                                   test_fraction=test_fraction, learning_curve=learning_curve, seed=seed,
                                   device=device, progress=not quiet, tune_options=tune_options)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        for s in comp.scores:
            typer.echo(f"{s.name:<12} CV {comp.score_name} {s.cv_mean:.5f} ± {s.cv_std:.5f}")
        typer.echo(f"best: {comp.best.name}")
    typer.echo(str(record.path))


def predict(
    model: str = typer.Argument(..., help="A saved model folder, a run directory or a run id."),
    data: Path = typer.Argument(..., help="CSV, Parquet or physml HDF5 file with the model's feature columns."),
    output: Annotated[Path, output_option("CSV to write: input columns + prediction.")] = ...,
    force: Force = False,
    runs_dir: RunsDir = Path("runs"),
) -> None:
    """Apply a saved model (or a run's best model) to new data."""
    from .._io import atomic_output, check_output
    from ..tabular_io import load_table
    from ..workflows.predict import find_saved_model, predict_table

    saved = find_saved_model(model, runs_dir)
    table = predict_table(saved, load_table(data))
    check_output(output, force=force)
    with atomic_output(output, force=force) as tmp:
        table.to_csv(tmp, index=False)
    typer.echo(f"wrote {len(table)} predictions to {output}")
