"""``physml simulate burgers`` and ``physml simulate navier-stokes``: trajectory data sets from the flow solvers.

Registered on :mod:`physml.cli` by one import; thin, like the rest of the CLI.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Optional

import typer

from .cli import _load_npy, simulate_app

__all__: list[str] = []


@simulate_app.command("burgers")
def simulate_burgers(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n_samples: int = typer.Option(100, "--n-samples", help="Trajectories (random initial conditions)."),
    nu: float = typer.Option(0.1, help="Viscosity (> 0)."),
    length: float = typer.Option(2 * math.pi, help="Period of the domain [0, length) (default 2 pi)."),
    n_grid: int = typer.Option(256, "--n-grid", help="Grid points (even; no periodic end point)."),
    dt: float = typer.Option(1e-3, help="Largest time step (CFL: dt max|u0| / dx <= 1)."),
    t_final: float = typer.Option(1.0, "--t-final", help="Final time."),
    n_save: int = typer.Option(10, "--n-save", help="Snapshots stored after t = 0, evenly spaced."),
    grf_sigma: float = typer.Option(10.0, "--grf-sigma", help="Random field: sigma of sigma^2 (-Lap + tau^2)^-alpha."),
    grf_tau: float = typer.Option(5.0, "--grf-tau", help="Random field: tau."),
    grf_alpha: float = typer.Option(2.0, "--grf-alpha", help="Random field: alpha (> 1/2)."),
    initial: Optional[Path] = typer.Option(None, "--initial", help="Solve these initial conditions instead: "
                                           ".npy of shape (n_grid,) or (n, n_grid)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """Viscous Burgers, pseudo-spectral (validated against Cole-Hopf), from Gaussian-random-field initial conditions."""
    from ._io import check_output
    from .sim import fluids

    params = fluids.BurgersParams(nu=nu, length=length, n_grid=n_grid, dt=dt, t_final=t_final, n_save=n_save)
    grf = fluids.GRFParams(sigma=grf_sigma, tau=grf_tau, alpha=grf_alpha)
    u0 = _load_npy("initial", initial) if initial is not None else None
    check_output(output, force=force)
    start = time.perf_counter()
    ds = fluids.burgers_dataset(n_samples, params, grf, seed=seed, initial=u0)
    wall = time.perf_counter() - start
    ds.save(output, force=force)
    u = ds["u"]
    typer.echo(f"wrote {len(ds)} Burgers trajectories ({n_grid} points, {n_save + 1} times to t = {t_final:g}, "
               f"nu = {nu:g}) to {output}; max|u| {abs(u[:, 0]).max():.3g} -> {abs(u[:, -1]).max():.3g}, "
               f"{wall:.1f} s")


@simulate_app.command("navier-stokes")
def simulate_navier_stokes(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n_samples: int = typer.Option(10, "--n-samples", help="Trajectories (random initial vorticity)."),
    nu: float = typer.Option(1e-3, help="Viscosity (> 0)."),
    length: float = typer.Option(1.0, help="Side of the periodic box [0, length)^2."),
    n_grid: int = typer.Option(64, "--n-grid", help="Grid points per side (even)."),
    dt: float = typer.Option(1e-2, help="Largest time step (CFL: dt (max|u| + max|v|) / dx <= 1)."),
    t_final: float = typer.Option(10.0, "--t-final", help="Final time."),
    n_save: int = typer.Option(10, "--n-save", help="Snapshots stored after t = 0, evenly spaced."),
    drag: float = typer.Option(0.0, help="Linear drag rate (>= 0)."),
    forcing: str = typer.Option("li", help="none | kolmogorov | li (0.1 (sin + cos)(2 pi (x + y) / length))."),
    forcing_amplitude: float = typer.Option(0.1, "--forcing-amplitude", help="Forcing amplitude."),
    forcing_wavenumber: int = typer.Option(4, "--forcing-wavenumber", help="Kolmogorov forcing wavenumber."),
    grf_sigma: float = typer.Option(7.0**1.5, "--grf-sigma", help="Random field: sigma (vorticity)."),
    grf_tau: float = typer.Option(7.0, "--grf-tau", help="Random field: tau."),
    grf_alpha: float = typer.Option(2.5, "--grf-alpha", help="Random field: alpha (> 1)."),
    initial: Optional[Path] = typer.Option(None, "--initial", help="Solve these initial vorticities instead: "
                                           ".npy of shape (n_grid, n_grid) or (n, n_grid, n_grid)."),
    seed: int = typer.Option(0, help="Random seed."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
) -> None:
    """2D incompressible Navier-Stokes (vorticity form, pseudo-spectral; Taylor-Green validated)."""
    from ._io import check_output
    from .sim import fluids

    params = fluids.NavierStokesParams(nu=nu, length=length, n_grid=n_grid, dt=dt, t_final=t_final, n_save=n_save,
                                       drag=drag, forcing=forcing, forcing_amplitude=forcing_amplitude,
                                       forcing_wavenumber=forcing_wavenumber)
    grf = fluids.GRFParams(sigma=grf_sigma, tau=grf_tau, alpha=grf_alpha)
    w0 = _load_npy("initial", initial) if initial is not None else None
    check_output(output, force=force)
    start = time.perf_counter()
    ds = fluids.navier_stokes_dataset(n_samples, params, grf, seed=seed, initial=w0)
    wall = time.perf_counter() - start
    ds.save(output, force=force)
    w = ds["vorticity"]
    rms = [math.sqrt(float((w[:, i] ** 2).mean())) for i in (0, -1)]
    typer.echo(f"wrote {len(ds)} vorticity trajectories ({n_grid}x{n_grid}, {n_save + 1} times to t = {t_final:g}, "
               f"nu = {nu:g}) to {output}; rms vorticity {rms[0]:.3g} -> {rms[1]:.3g}, {wall:.1f} s")
