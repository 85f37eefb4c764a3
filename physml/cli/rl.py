"""``physml rl train|eval``: train an agent on a Gymnasium environment as a run; evaluate a run's agent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._options import CheckpointEvery, Quiet, Resume, RunsDir, command_group, echo_metrics, resumable_run, seed_option

__all__ = ["app", "rl_train", "rl_eval"]

app = command_group("Reinforcement learning: train an agent on a Gymnasium environment; evaluate a run.")


@app.command("train")
def rl_train(
    env_id: str = typer.Argument(..., help="A Gymnasium id: physml/EnergyLevels-v0, physml/QubitControl-v0, "
                                           "physml/ThermostatControl-v0, CartPole-v1, Pendulum-v1, ..."),
    agent: str = typer.Option("ppo", "--agent", help="q-learning | dqn | reinforce | a2c | ppo."),
    steps: int = typer.Option(..., "--steps", help="Environment steps to train for (>= 1)."),
    seed: Annotated[int, seed_option("Random seed (agent and environment).")] = 0,
    env_kwargs: str = typer.Option("{}", "--env-kwargs", help="JSON object of environment parameters."),
    hyper: str = typer.Option("{}", "--hyper", help="JSON object of agent hyper-parameters (see the agent's file)."),
    episodes: int = typer.Option(20, "--eval-episodes", help="Greedy evaluation episodes after training."),
    runs_dir: RunsDir = Path("runs"),
    quiet: Quiet = False,
    resume: Resume = None,
    checkpoint_every: CheckpointEvery = None,
) -> None:
    """Train an agent on any Gymnasium environment; write a run (learning curve, evaluation); print its directory."""
    from ..runs import write_run
    from ..workflows.rl_train import parse_json_object, train_run

    spec = {"env": env_id, "agent": agent, "steps": steps, "seed": seed, "env_kwargs": env_kwargs, "hyper": hyper,
            "episodes": episodes}
    with resumable_run(runs_dir, "rl-train", spec, resume, checkpoint_every, quiet):  # PPO and A2C checkpoint
        result = train_run(env_id, agent, steps, seed=seed, env_kwargs=parse_json_object("env_kwargs", env_kwargs),
                           hyper=parse_json_object("hyper", hyper), eval_episodes=episodes, progress=not quiet)
    record = write_run(result.study_result, runs_dir, wall_seconds=result.wall_seconds)
    if not quiet:
        echo_metrics(result.study_result.metrics)
    typer.echo(str(record.path))


@app.command("eval")
def rl_eval(
    run: str = typer.Argument(..., help="A run directory written by `physml rl train`, or its id."),
    episodes: int = typer.Option(20, "--episodes", help="Evaluation episodes (>= 1)."),
    seed: Annotated[int, seed_option("Seed of the first evaluation episode (then seed + 1, ...).")] = 10_000,
    runs_dir: RunsDir = Path("runs"),
) -> None:
    """Evaluate a trained run's agent greedily: mean and standard deviation of the return."""
    from ..workflows.rl_train import evaluate_run

    returns = evaluate_run(run, episodes, seed=seed, runs_dir=runs_dir)
    typer.echo(f"episodes {len(returns)}  mean_return {returns.mean():.6g}  std_return {returns.std():.6g}")
