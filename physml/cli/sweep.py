"""``physml sweep NAME``: a grid of study runs (seeds x --set values), locally or on Ray, and their aggregate."""

from __future__ import annotations

from pathlib import Path

import typer

from ._options import Device, Quiet, RunsDir, echo_metrics

__all__ = ["sweep"]


def sweep(
    name: str = typer.Argument(..., help="Study name (see `physml study list`)."),
    seeds: str = typer.Option("0:4", "--seeds", help="Seeds: start:stop (stop excluded: 0:4 = 0,1,2,3) or 0,3,7."),
    set_: list[str] | None = typer.Option(None, "--set", help="Config field and its values: field=v1,v2,... "
                                             "(JSON or text; one value = a fixed override; repeatable)."),
    quick: bool = typer.Option(False, "--quick", help="Each trial uses the study's quick preset."),
    backend: str = typer.Option("local", "--backend", help="local (one after another, no Ray) | ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster to join (default: start a local "
                                          "instance sized to this machine and stop it at the end)."),
    max_concurrent: int | None = typer.Option(None, "--max-concurrent", help="Trials in flight at once (ray; "
                                                 "default: CPUs / threads per trial)."),
    threads_per_trial: int | None = typer.Option(None, "--threads-per-trial", help="CPU threads (and Ray CPUs) "
                                                    "per trial (default local: the free cores; ray: CPUs / "
                                                    "max-concurrent)."),
    max_retries: int = typer.Option(2, "--max-retries", help="Ray retries of a trial whose worker died."),
    resume: str | None = typer.Option(None, "--resume", help="Sweep id to resume (printed when it started): "
                                         "rerun the same command with it; finished trials are skipped."),
    runs_dir: RunsDir = Path("runs"),
    device: Device = "auto",
    quiet: Quiet = False,
    checkpoint_every: int | None = typer.Option(None, "--checkpoint-every", help="The trials' training loops "
                                                   "checkpoint every N steps/epochs (default: every 30 s, and at "
                                                   "each loop's end); a retried trial resumes from them."),
) -> None:
    """Run a grid of study runs (each a normal run) and write a sweep run aggregating them; print its path last."""
    from ..studies import SweepSpec, parse_grid, parse_seeds, resume_line, run_sweep

    spec = SweepSpec(name, quick, parse_seeds(seeds), parse_grid(set_ or []), device)

    def on_start(sweep_id: str, n: int, skipped: int) -> None:
        typer.echo(f"sweep {sweep_id}: {n} trials" + (f", {skipped} already finished (skipped)" if skipped else ""))

    def on_trial(rec: dict, skipped: bool) -> None:
        if not quiet:
            typer.echo(f"trial {rec['key']} {'skipped, ran as' if skipped else 'done'} {rec['path']}")
            if not skipped and (line := resume_line(rec)):  # a retried trial: the evidence, in one line
                typer.echo(line)

    _, _, record = run_sweep(spec, runs_dir, backend=backend, address=address, max_concurrent=max_concurrent,
                             threads_per_trial=threads_per_trial, resume=resume, max_retries=max_retries,
                             on_trial=on_trial, on_start=on_start, checkpoint_every=checkpoint_every)
    if not quiet:
        echo_metrics({k: v for k, v in record.metrics.items() if k.endswith(("_mean", "_pass_rate"))})
    typer.echo(str(record.path))
