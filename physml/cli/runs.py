"""``physml runs list|show``: the run registry."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ._options import Force, RunsDir, command_group, echo_metrics

__all__ = ["app", "runs_list", "runs_show", "runs_index", "runs_compare"]

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


@app.command("index")
def runs_index(runs_dir: RunsDir = Path("runs"), force: Force = False) -> None:
    """Write RUNS_DIR/index.html: every run (kind, date, seed, headline metrics, audit and failing checks, link to
    its report) in one self-contained page, sortable and filterable. An earlier index is replaced."""
    from ..run_index import write_index

    path, n = write_index(runs_dir, force=force)
    typer.echo(f"indexed {n} runs in {path}")


@app.command("compare")
def runs_compare(run_a: str = typer.Argument(..., help="A run directory, its name or its id."),
                 run_b: str = typer.Argument(..., help="The other run."),
                 runs_dir: RunsDir = Path("runs"),
                 differences: bool = typer.Option(False, "--diff", help="Only the keys that differ.")) -> None:
    """Two runs' configurations and metrics side by side ('*': they differ; numbers: B - A)."""
    from ..run_index import compare_runs, find_run

    rows = compare_runs(run_a, run_b, runs_dir)
    if differences:
        rows = [r for r in rows if r[4]]
    names = (find_run(run_a, runs_dir).name, find_run(run_b, runs_dir).name)
    wk = max([len(r[1]) for r in rows] + [8])
    wa = min(max([len(r[2]) for r in rows] + [len(names[0])]), 40)
    wb = min(max([len(r[3]) for r in rows] + [len(names[1])]), 40)
    typer.echo(f"{'':<8} {'key':<{wk}}  {names[0]:<{wa}}  {names[1]:<{wb}}")
    for section, key, a, b, mark in rows:
        typer.echo(f"{section:<8} {key:<{wk}}  {a:<{wa}}  {b:<{wb}}  {mark}".rstrip())
