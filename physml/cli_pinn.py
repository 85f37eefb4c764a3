"""``physml bench pinn``: the same Burgers PINN in physml and in DeepXDE, timed in one run.

Registered on :data:`physml.cli.bench_app` by one import line in ``physml/cli.py``.
"""

from __future__ import annotations

import json

import typer

from .cli import bench_app

__all__ = ["bench_pinn"]


@bench_app.command("pinn")
def bench_pinn(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
               points: int = typer.Option(2500, "--points", help="Collocation points (Latin hypercube)."),
               adam: int = typer.Option(200, "--adam", help="Adam steps (lr 1e-3)."),
               lbfgs: int = typer.Option(300, "--lbfgs", help="L-BFGS iterations at most (strong Wolfe)."),
               width: int = typer.Option(20, "--width", help="Neurons per hidden layer."),
               depth: int = typer.Option(8, "--depth", help="Hidden layers."),
               threads: int = typer.Option(1, "--threads", help="torch threads for both."),
               repeats: int = typer.Option(2, "--repeats", help="Alternating timed runs of each; best is kept."),
               float64: bool = typer.Option(False, "--float64", help="Train both in float64."),
               seed: int = typer.Option(0, "--seed", help="Seed of the points and the initial weights.")) -> None:
    """Seconds per iteration and final error of the same Burgers PINN in physml and DeepXDE (PyTorch backend)."""
    from .bench import pinn as bench

    result = bench.run(width=width, depth=depth, n_collocation=points, adam_steps=adam, lbfgs_steps=lbfgs,
                       float64=float64, threads=threads, repeats=repeats, seed=seed)
    typer.echo(json.dumps(result) if as_json else bench.format_report(result))
