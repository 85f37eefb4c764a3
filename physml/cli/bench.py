"""``physml bench ising|pinn|md``: performance benchmarks, every ratio measured in the same run."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ._options import command_group, seed_option

__all__ = ["app", "bench_ising", "bench_pinn", "bench_md"]

app = command_group("Performance benchmarks (ratios measured in the same run).")

_JSON = typer.Option("--json", help="One JSON object on stdout.")


@app.command("ising")
def bench_ising(as_json: Annotated[bool, _JSON] = False,
                L: int = typer.Option(512, "--L", help="Lattice size.")) -> None:
    """Metropolis spin-flip attempts per ns (1 thread, all threads) vs a NumPy reference."""
    from ..bench import ising as bench

    result = bench.run(L=L)
    typer.echo(json.dumps(result) if as_json else bench.format_report(result))


@app.command("pinn")
def bench_pinn(as_json: Annotated[bool, _JSON] = False,
               points: int = typer.Option(2500, "--points", help="Collocation points (Latin hypercube)."),
               adam: int = typer.Option(200, "--adam", help="Adam steps (lr 1e-3)."),
               lbfgs: int = typer.Option(300, "--lbfgs", help="L-BFGS iterations at most (strong Wolfe)."),
               width: int = typer.Option(20, "--width", help="Neurons per hidden layer."),
               depth: int = typer.Option(8, "--depth", help="Hidden layers."),
               threads: int = typer.Option(1, "--threads", help="torch threads for both."),
               repeats: int = typer.Option(2, "--repeats", help="Alternating timed runs of each; best is kept."),
               float64: bool = typer.Option(False, "--float64", help="Train both in float64."),
               compile: bool = typer.Option(True, "--compile/--no-compile",
                                            help="Also time physml compiled (jet derivatives + torch.compile)."),
               seed: Annotated[int, seed_option("Seed of the points and the initial weights.")] = 0) -> None:
    """Seconds per iteration and final error of the same Burgers PINN in physml and DeepXDE (PyTorch backend)."""
    from ..bench import pinn as bench

    result = bench.run(width=width, depth=depth, n_collocation=points, adam_steps=adam, lbfgs_steps=lbfgs,
                       float64=float64, threads=threads, repeats=repeats, seed=seed, compile=compile)
    typer.echo(json.dumps(result) if as_json else bench.format_report(result))


@app.command("md")
def bench_md(as_json: Annotated[bool, _JSON] = False,
             sizes: str = typer.Option("4000,32000", "--sizes", help="Atom counts, 4 m^3 each (comma list)."),
             repeats: int = typer.Option(3, "--repeats", help="Alternating timed runs of each; best is kept."),
             drift_steps: int = typer.Option(10_000, "--drift-steps", help="NVE steps of the drift runs (0: none)."),
             ) -> None:
    """LAMMPS's in.lj in physml and (if `lmp` is on the PATH) LAMMPS: atom-steps/s, ratio, energy drift."""
    from ..bench import md as bench
    from ..errors import ParameterError
    from ..sim.md import MDParams
    from ..validation import check_int

    try:
        ns = tuple(int(v) for v in sizes.split(","))
        for n in ns:
            MDParams(n_particles=n, density=bench.IN_LJ["density"])  # 4 m^3 atoms, a box of at least 2 r_c
    except (ValueError, ParameterError):
        raise ParameterError.invalid("sizes", sizes, "a comma list of atom counts 4 m^3 (a box side >= 2 r_c) "
                                     "(e.g. 4000,32000)") from None
    result = bench.run_inlj(ns, repeats=check_int("repeats", repeats, 1),
                            drift_steps=check_int("drift_steps", drift_steps, 0))
    typer.echo(json.dumps(result) if as_json else bench.format_inlj(result))
