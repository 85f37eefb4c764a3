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
    transform: list[str] = typer.Option([], "--transform", help="KIND:COLUMN (log10, ln, sqrt, inverse) applied to "
                                        "an input; stored in the model, so predict takes the raw column. Repeatable."),
    bounds: str | None = typer.Option(None, "--bounds", help="Declared bounds on the target, LOW:HIGH (either may be "
                                      "empty: 0:), checked on held-out rows."),
    monotonic: list[str] = typer.Option([], "--monotonic", help="Declared monotonic response, COLUMN:+ or COLUMN:-, "
                                        "checked by finite differences on held-out rows. Repeatable."),
    level: float = typer.Option(0.9, "--level", help="Level of the audited predictive intervals."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    device: Annotated[str, device_option("auto | cpu | cuda (for the MLP).")] = "cpu",
    quiet: Quiet = False,
    resume: Resume = None,
    checkpoint_every: CheckpointEvery = None,
) -> None:
    """Compare every model family on a table; write a run; print its directory last."""
    from ..runs import Registry
    from ..tabular_io import check_table_size

    check_table_size(data)  # before the heavy imports and any training
    Registry(runs_dir).check_writable()
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
            "tune_options": tune_options, "transforms": list(transform), "bounds": bounds,
            "monotonic": list(monotonic), "level": level}
    with resumable_run(runs_dir, "train", spec, resume, checkpoint_every, quiet):
        comp, result = train_table(data, target, features=features, task=task, models=models, cv=cv, tune=tune,
                                   test_fraction=test_fraction, learning_curve=learning_curve, seed=seed,
                                   device=device, progress=not quiet, tune_options=tune_options,
                                   transforms=transform, bounds=bounds, monotonic=monotonic, level=level)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        for s in comp.scores:
            typer.echo(f"{s.name:<12} CV {comp.score_name} {s.cv_mean:.5f} ± {s.cv_std:.5f}")
        typer.echo(f"best: {comp.best.name}")
        for audit in result.audits:
            failed = [c.name for c in audit.checks if not c.passed]
            typer.echo(f"audit {audit.summary()}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    typer.echo(str(record.path))


def predict(
    model: str = typer.Argument(..., help="A saved model folder, a run directory or a run id."),
    data: Path = typer.Argument(..., help="CSV, Parquet or physml HDF5 file with the model's feature columns."),
    output: Annotated[Path, output_option("CSV to write: input columns, prediction, interval, applicability "
                                          "(a field model: HDF5).")] = ...,
    level: float = typer.Option(0.9, "--level", help="Level of the predictive intervals (prediction sets)."),
    force: Force = False,
    runs_dir: RunsDir = Path("runs"),
    input: str | None = typer.Option(None, "--input", help="Field models: the input array(s) in DATA (default: "
                                                           "those the model was trained on, or the only array)."),
) -> None:
    """Apply a saved model (or a run's best model) to new data: predictions, intervals, applicability flags."""
    from .._io import atomic_output, check_output
    from ..tabular_io import check_table_size

    check_output(output, force=force)
    check_table_size(data)
    from ..tabular_io import load_table
    from ..workflows.predict import find_saved_model, predict_table

    saved = find_saved_model(model, runs_dir)
    from ..workflows.predict_field import is_field_model, predict_fields

    if is_field_model(saved):  # fields in, fields out: HDF5 to HDF5
        n, arrays = predict_fields(saved, data, output, input=input, force=force)
        typer.echo(f"wrote {', '.join(arrays)} for {n} samples to {output}")
        return
    pred = predict_table(saved, load_table(data), level=level)
    with atomic_output(output, force=force) as tmp:
        pred.table.to_csv(tmp, index=False)
    typer.echo(f"wrote {len(pred.table)} predictions to {output}")
    if pred.summary():
        typer.echo(pred.summary())
