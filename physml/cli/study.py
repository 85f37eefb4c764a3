"""``physml study list|show|run``: the registered case studies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from ._options import (
    CheckpointEvery,
    Device,
    Quiet,
    Resume,
    RunsDir,
    Seed,
    command_group,
    echo_metrics,
    parse_assignments,
    resumable_run,
)

__all__ = ["app", "study_list", "study_show", "study_run"]

app = command_group("List and run case studies.")


@app.command("list")
def study_list() -> None:
    """The registered studies."""
    from ..studies import list_studies

    for info in list_studies():
        typer.echo(f"{info.name:<20} {info.description}")


def _shown(value: Any) -> str:
    """A config value as it would be typed after ``--set field=`` (JSON; tuples as lists)."""
    try:
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    except TypeError:
        return repr(value)


@app.command("show")
def study_show(name: str = typer.Argument(..., help="Study name (see `physml study list`).")) -> None:
    """A study's configuration: every field with its type, default, --quick value and meaning (for --set)."""
    from ..studies import config_fields, get_study

    typer.echo(f"{name}: {get_study(name).description}")
    for field in config_fields(name):
        typer.echo(f"{field.name}: {field.type} = {_shown(field.default)}  (--quick: {_shown(field.quick)})")
        if field.doc:
            typer.echo(f"    {field.doc}")


@app.command("run")
def study_run(
    name: str = typer.Argument(..., help="Study name (see `physml study list`)."),
    quick: bool = typer.Option(False, "--quick", help="Quick preset (about a minute on a laptop)."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override a Config field: field=value (JSON or "
                                             "text; repeatable). `physml study show NAME` lists the fields."),
    config: Path | None = typer.Option(None, "--config", help="TOML file of Config overrides (field = value "
                                          "lines); --set wins over it field by field."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads (default: the study's choice, "
                                          "else OMP_NUM_THREADS or the cores available)."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    device: Device = "auto",
    quiet: Quiet = False,
    resume: Resume = None,
    checkpoint_every: CheckpointEvery = None,
) -> None:
    """Run a study; print its run directory as the last line."""
    from ..runs import Registry, write_run
    from ..studies import read_config_file, run_study

    overrides = {**(read_config_file(config) if config is not None else {}), **parse_assignments(set_ or [])}
    Registry(runs_dir).check_writable()  # before any work
    start = time.perf_counter()
    spec = {"study": name, "quick": quick, "seed": seed, "device": device, "overrides": overrides, "threads": threads}
    with resumable_run(runs_dir, name, spec, resume, checkpoint_every, quiet):
        result = run_study(name, quick=quick, seed=seed, progress=not quiet, device=device, overrides=overrides,
                           threads=threads)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        for audit in result.audits:
            typer.echo(f"audit  {audit.summary()}")
        echo_metrics(result.metrics)
    typer.echo(str(record.path))
