"""``physml dataset info``: what a dataset file holds."""

from __future__ import annotations

from pathlib import Path

import typer

from ._options import command_group

__all__ = ["app", "dataset_info"]

app = command_group("Inspect datasets.")


@app.command("info")
def dataset_info(path: Path = typer.Argument(..., help="A physml HDF5 dataset.")) -> None:
    """Arrays, shapes, units and provenance of a dataset file."""
    from ..data import Dataset

    typer.echo(f"{path}: " + Dataset.load(path).describe())
