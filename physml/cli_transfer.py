"""``physml transfer fine-tune``: fine-tune a saved torch model (a run's best model) on target data."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cli import _NamedGroup, _RUNS_DIR, app

__all__ = ["transfer_app"]

transfer_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True,
                           help="Transfer a saved model to a new domain (fine-tuning with frozen layers).")
app.add_typer(transfer_app, name="transfer")


@transfer_app.command("fine-tune")
def fine_tune(
    model: str = typer.Argument(..., help="A saved torch model folder, a run directory or a run id."),
    data: Path = typer.Argument(..., help="Labelled target data: CSV, Parquet or physml HDF5 (units checked)."),
    target: str = typer.Option(..., "--target", help="Column to predict."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write the fine-tuned model to."),
    mode: str = typer.Option("last_layer", help="linear_probe | last_layer | full."),
    epochs: int = typer.Option(300, help="Training epochs on the target data."),
    lr: Optional[float] = typer.Option(None, help="Learning rate (default: the source's; a tenth for 'full')."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    runs_dir: Path = _RUNS_DIR,
) -> None:
    """Fine-tune MODEL on DATA; write the fine-tuned model (loads with `physml predict`)."""
    from ._io import check_output
    from .data import Dataset
    from .errors import DataError, ParameterError
    from .models import TorchClassifier, TorchRegressor, save_model
    from .tabular_io import load_table, numeric_column
    from .transfer import FineTuner
    from .transfer._checks import check_units
    from .workflows import find_saved_model

    check_output(output, force=force)
    saved = find_saved_model(model, runs_dir)
    if not isinstance(saved.estimator, (TorchRegressor, TorchClassifier)):
        raise ParameterError.invalid("model", model, "a saved TorchRegressor or TorchClassifier (e.g. the zoo's mlp)")
    features = [str(f) for f in saved.metadata.get("feature_names", [])]
    df = load_table(data)
    columns = [str(c) for c in df.columns]
    missing = [f for f in features + [target] if f not in columns]
    if missing:
        raise DataError(f"the target data lacks {', '.join(missing)}: the source model reads {', '.join(features)} "
                        f"and the data has {', '.join(columns)}")
    if len(df) == 0:
        raise DataError(f"no labelled target samples in {str(data)!r}: fine-tuning needs at least 1")
    X = [numeric_column(df[f], f, "feature") for f in features]
    y = numeric_column(df[target], target, "target") if isinstance(saved.estimator, TorchRegressor) \
        else df[target].to_numpy()
    source_units = saved.metadata.get("feature_units")
    units = None
    if source_units is not None and Path(data).suffix.lower() in (".h5", ".hdf5"):
        ds = Dataset.load(data)
        units = [ds.units.get(f, "1") for f in features]
        check_units(source_units, units, features)
    import numpy as np

    tuner = FineTuner(saved.estimator, mode=mode, epochs=epochs, lr=lr, seed=seed,
                      source_units=source_units).fit(np.column_stack(X), y, units=units)
    metadata = {**saved.metadata, "fine_tuned_from": str(model), "fine_tune_mode": mode,
                "fine_tune_samples": int(len(df)), "fine_tune_data": str(data)}
    save_model(tuner.estimator_, output, metadata=metadata, force=force)
    typer.echo(f"fine-tuned {mode} on {len(df)} samples ({len(tuner.trainable_)} trainable tensors, "
               f"{len(tuner.frozen_)} frozen); wrote {output}")
