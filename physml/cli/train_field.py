"""``physml train-field``: a field model (FNO, CNN, U-Net, LSTM, transformer) on the user's own HDF5 arrays."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._options import Quiet, RunsDir, Seed, device_option, echo_metrics

__all__ = ["train_field"]


def train_field(
    data: Path = typer.Argument(..., help="HDF5 file holding the arrays (n, *grid) or (n, times, *grid)."),
    input: str = typer.Option(..., "--input", help="Input array(s): NAME, NAME[i] (index i on axis 1, e.g. a time), "
                                                   "or a comma list stacked as channels."),
    output: str | None = typer.Option(None, "--output", help="Output array(s), same syntax (not for lstm | "
                                                             "transformer, which forecast the next snapshot)."),
    model: str = typer.Option("fno", "--model", help="fno | cnn | unet (fields -> fields) | lstm | transformer "
                                                     "(next snapshot from a window over axis 1)."),
    holdout: float = typer.Option(0.2, help="Fraction of the samples (trajectories) held out, in (0, 0.9]."),
    epochs: int = typer.Option(100, help="Training epochs."),
    window: int = typer.Option(4, help="Snapshots per window (lstm | transformer)."),
    pde: str | None = typer.Option(None, "--pde", help="burgers | heat | navier-stokes: add its step residual and "
                                                       "mean conservation to the audit."),
    pde_param: list[str] = typer.Option([], "--pde-param", help="nu=0.1, alpha=..., length=..., dt=... (default: "
                                                                "the file's provenance, for `physml simulate` data)."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    device: Annotated[str, device_option("auto | cpu | cuda.")] = "cpu",
    quiet: Quiet = False,
) -> None:
    """Train a field model with a held-out split, baselines and an audit; write a run (model in
    artifacts/best_model, for `physml predict`); print its directory."""
    from ..errors import ParameterError
    from ..runs import write_run
    from ..workflows.train_field import train_field as run

    params = {}
    for item in pde_param:
        key, sep, value = item.partition("=")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or key.strip() not in ("nu", "alpha", "length", "dt"):
            raise ParameterError.invalid("pde_param", item, "NAME=NUMBER with NAME one of nu, alpha, length, dt")
    result = run(data, input=input, output=output, model=model, holdout=holdout, epochs=epochs, window=window,
                 pde=pde, pde_params=params, seed=seed, device=device, progress=not quiet)
    record = write_run(result.study_result, runs_dir, wall_seconds=result.wall_seconds)
    if not quiet:
        echo_metrics(result.study_result.metrics)
    typer.echo(str(record.path))
