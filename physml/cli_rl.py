"""``physml simulate md`` and ``physml rl train|eval``: molecular dynamics and reinforcement learning commands.

Registered on :mod:`physml.cli` by one import; thin, like the rest of the CLI.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from .cli import _RUNS_DIR, _NamedGroup, _echo_metrics, app, simulate_app

__all__ = ["rl_app"]

rl_app = typer.Typer(cls=_NamedGroup, no_args_is_help=True,
                     help="Reinforcement learning: train an agent on a Gymnasium environment; evaluate a run.")
app.add_typer(rl_app, name="rl")


# ---------------------------------------------------------------------------- simulate md
@simulate_app.command("md")
def simulate_md(
    output: Path = typer.Option(..., "-o", "--output", help="HDF5 file to write."),
    n: int = typer.Option(256, "--n", help="Particles: 4 m^3 (32, 108, 256, 500, 864, ...), FCC start."),
    density: float = typer.Option(0.8, help="Number density (sigma^-3)."),
    temperature: float = typer.Option(1.0, help="Initial / bath temperature (epsilon/k_B)."),
    dt: float = typer.Option(0.005, help="Time step (LJ time units), <= 0.02."),
    steps: int = typer.Option(10_000, help="Recorded steps."),
    ensemble: str = typer.Option("nve", help="nve | berendsen | langevin."),
    r_cut: float = typer.Option(2.5, help="Cut-off radius (sigma)."),
    potential: str = typer.Option("shifted-force", help="shifted-force (continuous force, conserves energy) | shifted."),
    tau: float = typer.Option(0.1, help="Berendsen relaxation time."),
    gamma: float = typer.Option(1.0, help="Langevin friction (1/time)."),
    equilibrate: int = typer.Option(0, help="Unrecorded equilibration steps first (Berendsen for nve)."),
    every: int = typer.Option(1, help="Record the observables every k steps."),
    frames: int = typer.Option(0, help="Store positions every k steps (0: none) and g(r) from them."),
    seed: int = typer.Option(0, help="Random seed (velocities, Langevin noise)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Lennard-Jones molecular dynamics (reduced units); per-particle energies, temperature, pressure."""
    import h5py
    import numpy as np

    from ._io import atomic_output, check_output
    from .sim import md

    params = md.MDParams(n_particles=n, density=density, temperature=temperature, dt=dt, steps=steps,
                         ensemble=ensemble, r_cut=r_cut, potential=potential, tau=tau, gamma=gamma,
                         equilibration_steps=equilibrate, sample_every=every, frame_every=frames)
    check_output(output, force=force)
    start = time.perf_counter()
    ds, pos = md.simulate_frames(params, seed=seed, progress=not quiet)
    wall = time.perf_counter() - start
    ds.attrs["atom_steps_per_second"] = n * (steps + equilibrate) / wall
    with atomic_output(output, force=force) as tmp:
        ds.save(tmp, force=True)
        if len(pos):
            r, g = md.radial_distribution(pos, params.box_length)
            with h5py.File(tmp, "a") as f:  # groups: Dataset.load reads only the root's equal-length arrays
                f.create_dataset("frames/positions", data=pos, compression="gzip").attrs["unit"] = "sigma"
                f.create_dataset("frames/time", data=params.dt * frames * np.arange(len(pos)))
                f["frames/time"].attrs["unit"] = md.MD_UNITS["time"]
                f.create_dataset("rdf/r", data=r).attrs["unit"] = "sigma"
                f.create_dataset("rdf/g", data=g).attrs["unit"] = "1"
    E, t = ds["total_energy"], ds["time"]
    drift = np.polyfit(t, E, 1)[0] * (t[-1] - t[0]) if len(E) > 2 else E[-1] - E[0]
    conserved = f" (drift of a least-squares line {drift:.2e})" if ensemble == "nve" else ""
    typer.echo(f"wrote {len(ds)} samples ({n} atoms, {steps} steps, {ensemble}) to {output}; "
               f"total energy/N {E[0]:.6f} -> {E[-1]:.6f}{conserved}, "
               f"<T> {ds['temperature'].mean():.4f}, <P> {ds['pressure'].mean():.4f}, "
               f"{ds.attrs['atom_steps_per_second']:.3g} atom-steps/s")


# ---------------------------------------------------------------------------- rl
@rl_app.command("train")
def rl_train(
    env_id: str = typer.Argument(..., help="A Gymnasium id: physml/EnergyLevels-v0, physml/QubitControl-v0, "
                                           "physml/ThermostatControl-v0, CartPole-v1, Pendulum-v1, ..."),
    agent: str = typer.Option("ppo", "--agent", help="q-learning | dqn | reinforce | a2c | ppo."),
    steps: int = typer.Option(..., "--steps", help="Environment steps to train for (>= 1)."),
    seed: int = typer.Option(0, help="Random seed (agent and environment)."),
    env_kwargs: str = typer.Option("{}", "--env-kwargs", help="JSON object of environment parameters."),
    hyper: str = typer.Option("{}", "--hyper", help="JSON object of agent hyper-parameters (see the agent's file)."),
    episodes: int = typer.Option(20, "--eval-episodes", help="Greedy evaluation episodes after training."),
    runs_dir: Path = _RUNS_DIR,
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
) -> None:
    """Train an agent on any Gymnasium environment; write a run (learning curve, evaluation); print its directory."""
    from .workflows.rl_train import parse_json_object, train_run

    result = train_run(env_id, agent, steps, seed=seed, env_kwargs=parse_json_object("env_kwargs", env_kwargs),
                       hyper=parse_json_object("hyper", hyper), eval_episodes=episodes, progress=not quiet)
    from .runs import write_run

    record = write_run(result.study_result, runs_dir, wall_seconds=result.wall_seconds)
    if not quiet:
        _echo_metrics(result.study_result.metrics)
    typer.echo(str(record.path))


@rl_app.command("eval")
def rl_eval(
    run: str = typer.Argument(..., help="A run directory written by `physml rl train`, or its id."),
    episodes: int = typer.Option(20, "--episodes", help="Evaluation episodes (>= 1)."),
    seed: int = typer.Option(10_000, help="Seed of the first evaluation episode (then seed + 1, ...)."),
    runs_dir: Path = _RUNS_DIR,
) -> None:
    """Evaluate a trained run's agent greedily: mean and standard deviation of the return."""
    from .workflows.rl_train import evaluate_run

    returns = evaluate_run(run, episodes, seed=seed, runs_dir=runs_dir)
    typer.echo(f"episodes {len(returns)}  mean_return {returns.mean():.6g}  std_return {returns.std():.6g}")
