"""``physml simulate <system>``: run a validated simulator and write its HDF5 dataset.

Each command builds the simulator's frozen parameters (which validate themselves), refuses an existing
output before any work, runs the simulator and saves the dataset; nothing else.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import typer

from ._options import (
    Force,
    Output,
    Quiet,
    Seed,
    SystemGroup,
    command_group,
    load_npy,
    parse_floats,
    parse_pair,
    seed_option,
)

__all__ = ["app", "simulate_ising", "simulate_water_phases", "simulate_pipe_flow", "simulate_schrodinger",
           "simulate_quantum_dynamics", "simulate_md", "simulate_scattering", "simulate_heat", "simulate_burgers",
           "simulate_navier_stokes"]

app = command_group("Run a validated simulator; write an HDF5 dataset.", cls=SystemGroup)


# ---------------------------------------------------------------------------- lattices and tabular physics
@app.command("ising")
def simulate_ising(
    output: Output,
    L: int = typer.Option(32, "--L", help="Linear lattice size (L x L spins), even, >= 4."),
    temperatures: str = typer.Option("1.5,2.269,3.0", help="Comma list '2.0,2.5' or range 'start:stop:count'."),
    samples: int = typer.Option(100, help="Configurations per temperature."),
    h: float = typer.Option(0.0, "--h", help="External field (units of J)."),
    algorithm: str = typer.Option("auto", help="auto | metropolis | wolff."),
    lattice: str = typer.Option("square", help="square | triangular (Wolff only, h = 0)."),
    engine: str = typer.Option("checkerboard", help="Metropolis kernel: checkerboard | multispin (64 replicas)."),
    equilibration: int | None = typer.Option(None, help="Equilibration sweeps (default: simulator's)."),
    decorrelation: int | None = typer.Option(None, help="Sweeps between samples (default: simulator's)."),
    seed: Seed = 0,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """2D Ising model (square or triangular lattice, J = k_B = 1): Metropolis (Numba) and Wolff updates."""
    _check_budget("ising", L=L, n_temperatures=_temperature_count(temperatures), samples=samples)
    from .._io import check_output
    from ..sim import ising

    kwargs = dict(L=L, temperatures=ising.parse_temperatures(temperatures), samples=samples, h=h, algorithm=algorithm,
                  lattice=lattice, engine=engine)
    if equilibration is not None:
        kwargs["equilibration_sweeps"] = equilibration
    if decorrelation is not None:
        kwargs["decorrelation_sweeps"] = decorrelation
    params = ising.IsingParams(**kwargs)
    check_output(output, force=force)
    dataset = ising.simulate(params, seed=seed, progress=not quiet)
    dataset.save(output, force=force)
    typer.echo(f"wrote {len(dataset)} configurations ({L}x{L}) to {output}")


@app.command("water-phases")
def simulate_water_phases(
    output: Output,
    n: int = typer.Option(5000, "--n-samples",
                          help="Number of (T, p) points (T uniform 200-1000 K, p log-uniform 1e-6-100 MPa)."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Phase of water (ice, liquid, vapour, supercritical) at random states, labelled by IAPWS."""
    _check_budget("water-phases", n_samples=n)
    from .._io import check_output
    from ..sim import water

    params = water.WaterPhaseParams(n_samples=n)
    check_output(output, force=force)
    water.phase_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} labelled states to {output}")


@app.command("pipe-flow")
def simulate_pipe_flow(
    output: Output,
    n: int = typer.Option(2000, "--n-samples", help="Number of pipe-flow states."),
    noise: float = typer.Option(0.02, help="Std of ln(measured / true pressure drop)."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Darcy-Weisbach pressure drop with the Colebrook friction factor, plus a decoy input."""
    _check_budget("pipe-flow", n_samples=n)
    from .._io import check_output
    from ..sim import pipe_flow

    params = pipe_flow.PipeFlowParams(n_samples=n, noise_sigma=noise)
    check_output(output, force=force)
    pipe_flow.pipe_flow_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} pipe-flow states to {output}")


# ---------------------------------------------------------------------------- quantum
@app.command("schrodinger")
def simulate_schrodinger(
    output: Output,
    family: str = typer.Option("mixed", help="harmonic | infinite_well | double_inverted_gaussian | random | mixed."),
    n_potentials: int = typer.Option(100, help="Potentials to draw."),
    n_points: int = typer.Option(64, help="Interior grid points per axis (>= 16)."),
    extent: float = typer.Option(20.0, help="Half-width of the box (bohr)."),
    n_states: int = typer.Option(1, help="Lowest eigenvalues kept per potential."),
    seed: Seed = 0,
    potential: Path | None = typer.Option(None, "--potential", help="Solve this potential instead: a .npy "
                                             "array of interior grid values, 1D or 2D, on (-extent, extent)."),
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """2D potentials (Mills, Spanner & Tamblyn families) with their lowest energies (hbar = m = 1),
    or the lowest eigenpairs of your own potential (--potential)."""
    _check_budget("schrodinger", n_potentials=n_potentials, n_points=n_points, n_states=n_states)
    from .._io import check_output
    from ..sim import schrodinger

    if potential is not None:
        check_output(output, force=force)
        ds = schrodinger.spectrum_dataset(load_npy("potential", potential), extent, n_states)
        ds.save(output, force=force)
        levels = ", ".join(f"{e:.8g}" for e in ds["energies"][0])
        typer.echo(f"wrote the lowest {n_states} eigenpairs of {potential} to {output}: E = {levels} hartree")
        return
    params = schrodinger.GroundStateParams(family=family, n_potentials=n_potentials, n_points=n_points,
                                           extent=extent, n_states=n_states)
    check_output(output, force=force)
    schrodinger.ground_state_dataset(params, seed=seed, progress=not quiet).save(output, force=force)
    typer.echo(f"wrote {n_potentials} potentials with their lowest {n_states} energies to {output}")


@app.command("quantum-dynamics")
def simulate_quantum_dynamics(
    output: Output,
    system: str = typer.Option("tfim", help="tfim (transverse-field Ising chain) | rabi (driven two-level system)."),
    n_spins: int = typer.Option(8, help="tfim: chain length, 2-12."),
    J: float = typer.Option(1.0, "--J", help="tfim: coupling."),
    h: float = typer.Option(0.5, "--h", help="tfim: transverse field."),
    boundary: str = typer.Option("open", help="tfim: open | periodic."),
    delta: float = typer.Option(1.0, "--delta", help="rabi: level splitting."),
    omega_drive: float = typer.Option(1.0, "--omega-drive", help="rabi: drive frequency."),
    rabi: float = typer.Option(0.2, "--rabi", help="rabi: drive amplitude Omega."),
    t_max: float = typer.Option(10.0, help="Final time (hbar/E)."),
    n_times: int = typer.Option(101, help="Time points including t = 0."),
    n_trajectories: int = typer.Option(10, help="Random initial states."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Exact time evolution of small quantum systems; time series of observables."""
    _check_budget("quantum-dynamics", n_spins=n_spins if system == "tfim" else 1, n_times=n_times,
                  n_trajectories=n_trajectories)
    from .._io import check_output
    from ..errors import ParameterError
    from ..sim import quantum_dynamics as qd

    if system == "tfim":
        params = qd.TFIMParams(n_spins=n_spins, J=J, h=h, t_max=t_max, n_times=n_times, boundary=boundary,
                               n_trajectories=n_trajectories)
        make = qd.tfim_trajectories
    elif system == "rabi":
        params = qd.RabiParams(Delta=delta, Omega=rabi, omega=omega_drive, t_max=t_max, n_times=n_times,
                               n_trajectories=n_trajectories, initial_state="random")
        make = qd.rabi_trajectories
    else:
        raise ParameterError.invalid("system", system, "'tfim' or 'rabi'")
    check_output(output, force=force)
    make(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n_trajectories} {system} trajectories to {output}")


# ---------------------------------------------------------------------------- molecular dynamics
@app.command("md")
def simulate_md(
    output: Output,
    n: int = typer.Option(256, "--n", help="Particles: 4 m^3 (32, 108, 256, 500, 864, ...), FCC start."),
    density: float = typer.Option(0.8, help="Number density (sigma^-3)."),
    temperature: float = typer.Option(1.0, help="Initial / bath temperature (epsilon/k_B)."),
    dt: float = typer.Option(0.005, help="Time step (LJ time units), <= 0.02."),
    steps: int = typer.Option(10_000, help="Recorded steps."),
    ensemble: str = typer.Option("nve", help="nve | berendsen | langevin."),
    r_cut: float = typer.Option(2.5, help="Cut-off radius (sigma)."),
    potential: str = typer.Option("shifted-force",
                                  help="shifted-force (continuous force, conserves energy) | shifted | the folder "
                                       "of a learned potential (`physml train-potential`)."),
    allow_extrapolation: bool = typer.Option(False, "--allow-extrapolation",
                                             help="Run a learned potential outside its training densities "
                                                  "(a warning instead of an error)."),
    tau: float = typer.Option(0.1, help="Berendsen relaxation time."),
    gamma: float = typer.Option(1.0, help="Langevin friction (1/time)."),
    equilibrate: int = typer.Option(0, help="Unrecorded equilibration steps first (Berendsen for nve)."),
    every: int = typer.Option(1, help="Record the observables every k steps."),
    frames: int = typer.Option(0, help="Store positions every k steps (0: none) and g(r) from them."),
    seed: Annotated[int, seed_option("Random seed (velocities, Langevin noise).")] = 0,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Lennard-Jones molecular dynamics (reduced units); per-particle energies, temperature, pressure."""
    _check_budget("md", n=n, steps=steps, every=every, frames=frames)
    from .._io import check_output
    from ..sim import md
    from ..sim.md.frames import energy_drift, save_with_frames

    learned = potential not in md.POTENTIALS
    params = md.MDParams(n_particles=n, density=density, temperature=temperature, dt=dt, steps=steps,
                         ensemble=ensemble, r_cut=r_cut, potential="shifted-force" if learned else potential, tau=tau,
                         gamma=gamma, equilibration_steps=equilibrate, sample_every=every, frame_every=frames)
    system = _learned_system(potential, params, seed, allow_extrapolation) if learned else None
    check_output(output, force=force)
    start = time.perf_counter()
    frame_data: dict = {}
    ds, positions = md.simulate_frames(params, seed=seed, progress=not quiet, frame_data=frame_data, system=system)
    if learned:
        ds.attrs["learned_potential"] = str(Path(potential).resolve())
    ds.attrs["atom_steps_per_second"] = n * (steps + equilibrate) / (time.perf_counter() - start)
    save_with_frames(output, ds, positions, params, force=force, frame_data=frame_data)
    E = ds["total_energy"]
    conserved = f" (drift of a least-squares line {energy_drift(ds):.2e})" if ensemble == "nve" else ""
    typer.echo(f"wrote {len(ds)} samples ({n} atoms, {steps} steps, {ensemble}) to {output}; "
               f"total energy/N {E[0]:.6f} -> {E[-1]:.6f}{conserved}, "
               f"<T> {ds['temperature'].mean():.4f}, <P> {ds['pressure'].mean():.4f}, "
               f"{ds.attrs['atom_steps_per_second']:.3g} atom-steps/s")


def _learned_system(model: str, params, seed: int, allow_extrapolation: bool):
    """A ForceFieldSystem driven by the learned potential in the folder ``model``, after checking that the box
    fits its cutoff and that the density lies within its training densities (or only warning, if allowed)."""
    import sys

    from ..atomistic import load_potential
    from ..errors import ParameterError
    from ..sim import md

    if not Path(model).is_dir():
        raise ParameterError.invalid("potential", model, "one of " + ", ".join(md.POTENTIALS)
                                     + " or the folder of a learned potential (physml train-potential)")
    pot = load_potential(model)
    try:
        pot.check_density(params.density)
    except ParameterError as exc:
        if not allow_extrapolation:
            raise
        sys.stderr.write(f"physml: warning: {' '.join(str(exc).split())}\n")
    return md.ForceFieldSystem(params, pot.force_field(params.box_length, skin=params.skin), seed=seed)


# ---------------------------------------------------------------------------- inverse problems
@app.command("scattering")
def simulate_scattering(
    output: Output,
    n: int = typer.Option(1000, "--n-samples", help="Media drawn from the prior box."),
    n_frequencies: int = typer.Option(24, help="Frequencies evenly spaced over the band (>= 2)."),
    band: str = typer.Option("500,5000", help="Frequency band 'low,high' in Hz."),
    noise: float = typer.Option(0.02, help="Std of the Gaussian noise on Re R and Im R."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Acoustic reflection of a sediment layer on rock under water (transfer matrix), with noise."""
    _check_budget("scattering", n_samples=n, n_frequencies=n_frequencies)
    from .._io import check_output
    from ..sim import scattering

    params = scattering.ScatteringParams(n_samples=n, n_frequencies=n_frequencies,
                                         frequency_range_Hz=parse_pair("band", band), noise_std=noise)
    check_output(output, force=force)
    scattering.scattering_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} reflection spectra ({n_frequencies} frequencies) to {output}")


@app.command("heat")
def simulate_heat(
    output: Output,
    n: int = typer.Option(1000, "--n-samples", help="Rods with log-uniform conductivities."),
    conductivity: str = typer.Option("10,100", help="Conductivity range 'low,high' in W/(m K)."),
    sensors: str = typer.Option("0.15,0.3,0.5,0.75", help="Sensor positions as fractions of the length."),
    n_times: int = typer.Option(12, help="Readings per sensor, evenly spaced up to --t-max."),
    t_max: float = typer.Option(120.0, help="Last reading (s)."),
    noise: float = typer.Option(0.5, help="Sensor noise std (K)."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Transient conduction in a rod (Crank-Nicolson) read by a few noisy sensors."""
    _check_budget("heat", n_samples=n, n_sensors=sensors.count(",") + 1, n_times=n_times)
    from .._io import check_output
    from ..sim import heat_rod

    positions = parse_floats("sensor_positions", sensors, "comma-separated fractions in (0, 1)")
    params = heat_rod.HeatRodParams(n_samples=n, conductivity_range=parse_pair("conductivity_range", conductivity),
                                    sensor_positions=positions, n_times=n_times, t_max_s=t_max, noise_std_K=noise)
    check_output(output, force=force)
    heat_rod.heat_dataset(params, seed=seed).save(output, force=force)
    typer.echo(f"wrote {n} rods x {len(positions)} sensors x {n_times} times to {output}")


# ---------------------------------------------------------------------------- fluids
@app.command("burgers")
def simulate_burgers(
    output: Output,
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
    initial: Path | None = typer.Option(None, "--initial", help="Solve these initial conditions instead: "
                                           ".npy of shape (n_grid,) or (n, n_grid)."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """Viscous Burgers, pseudo-spectral (validated against Cole-Hopf), from Gaussian-random-field initial conditions."""
    _check_budget("burgers", n_samples=n_samples, n_grid=n_grid, n_save=n_save)
    from .._io import check_output
    from ..sim import fluids

    params = fluids.BurgersParams(nu=nu, length=length, n_grid=n_grid, dt=dt, t_final=t_final, n_save=n_save)
    grf = fluids.GRFParams(sigma=grf_sigma, tau=grf_tau, alpha=grf_alpha)
    u0 = load_npy("initial", initial) if initial is not None else None
    check_output(output, force=force)
    start = time.perf_counter()
    ds = fluids.burgers_dataset(n_samples, params, grf, seed=seed, initial=u0)
    wall = time.perf_counter() - start
    ds.save(output, force=force)
    u = ds["u"]
    typer.echo(f"wrote {len(ds)} Burgers trajectories ({n_grid} points, {n_save + 1} times to t = {t_final:g}, "
               f"nu = {nu:g}) to {output}; max|u| {abs(u[:, 0]).max():.3g} -> {abs(u[:, -1]).max():.3g}, "
               f"{wall:.1f} s")


@app.command("navier-stokes")
def simulate_navier_stokes(
    output: Output,
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
    initial: Path | None = typer.Option(None, "--initial", help="Solve these initial vorticities instead: "
                                           ".npy of shape (n_grid, n_grid) or (n, n_grid, n_grid)."),
    seed: Seed = 0,
    force: Force = False,
) -> None:
    """2D incompressible Navier-Stokes (vorticity form, pseudo-spectral; Taylor-Green validated)."""
    _check_budget("navier-stokes", n_samples=n_samples, n_grid=n_grid, n_save=n_save)
    from .._io import check_output
    from ..sim import fluids

    params = fluids.NavierStokesParams(nu=nu, length=length, n_grid=n_grid, dt=dt, t_final=t_final, n_save=n_save,
                                       drag=drag, forcing=forcing, forcing_amplitude=forcing_amplitude,
                                       forcing_wavenumber=forcing_wavenumber)
    grf = fluids.GRFParams(sigma=grf_sigma, tau=grf_tau, alpha=grf_alpha)
    w0 = load_npy("initial", initial) if initial is not None else None
    check_output(output, force=force)
    start = time.perf_counter()
    ds = fluids.navier_stokes_dataset(n_samples, params, grf, seed=seed, initial=w0)
    wall = time.perf_counter() - start
    ds.save(output, force=force)
    w = ds["vorticity"]
    rms = [math.sqrt(float((w[:, i] ** 2).mean())) for i in (0, -1)]
    typer.echo(f"wrote {len(ds)} vorticity trajectories ({n_grid}x{n_grid}, {n_save + 1} times to t = {t_final:g}, "
               f"nu = {nu:g}) to {output}; rms vorticity {rms[0]:.3g} -> {rms[1]:.3g}, {wall:.1f} s")


# ---------------------------------------------------------------------------- memory budget
def _check_budget(system: str, **sizes) -> None:
    """Refuse, before any allocation, a request whose estimated memory exceeds the budget (physml.budget)."""
    from ..budget import check_simulation

    check_simulation(system, **sizes)


def _temperature_count(text: str) -> int:
    """How many temperatures ``--temperatures`` asks for, read without building them (a range may ask for 10^9)."""
    text = str(text).strip()
    if ":" in text:
        count = text.rsplit(":", 1)[1].strip()
        return int(count) if count.isdigit() else 1  # a malformed count is refused by parse_temperatures
    return text.count(",") + 1
