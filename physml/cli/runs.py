"""``physml runs list|show``: the run registry."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ._options import RunsDir, command_group, echo_metrics

__all__ = ["app", "runs_list", "runs_show"]

app = command_group("The run registry.")


@app.command("list")
def runs_list(runs_dir: RunsDir = Path("runs")) -> None:
    """One line per registered run."""
    from ..runs import Registry

    for r in Registry(runs_dir).list():
        typer.echo(f"{r.id}  {r.created}  {r.study:<16} {r.status:<9} {r.path}")


@app.command("show")
def runs_show(run_id: str = typer.Argument(..., help="Run id, id prefix or directory name."),
              runs_dir: RunsDir = Path("runs")) -> None:
    """A run's path, configuration and metrics."""
    from ..runs import Registry

    r = Registry(runs_dir).get(run_id)
    typer.echo(f"id       {r.id}\nstudy    {r.study}\ncreated  {r.created}\nstatus   {r.status}\npath     {r.path}")
    typer.echo("config   " + json.dumps(r.config, sort_keys=True))
    echo_metrics(r.metrics, indent="  ")
