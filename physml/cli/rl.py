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
    keep: str = typer.Option("best", "--keep", help="best: the policy with the best greedy selection return during "
                                                    "training; last: the last step's policy."),
    select_every: int = typer.Option(0, "--select-every", help="Steps between greedy selection evaluations "
                                                               "(0: steps // 25)."),
    select_episodes: int = typer.Option(10, "--select-episodes", help="Episodes per selection evaluation (seeds "
                                                                      "apart from the final evaluation's)."),
    runs_dir: RunsDir = Path("runs"),
    quiet: Quiet = False,
    resume: Resume = None,
    checkpoint_every: CheckpointEvery = None,
) -> None:
    """Train an agent on any Gymnasium environment, keep its best policy, compare it with a random policy and a
    heuristic on the same episodes (audit); write a run; print its directory."""
    from ..runs import Registry, write_run
    from ..workflows.rl_train import parse_json_object, train_run

    Registry(runs_dir).check_writable()  # before any training
    spec = {"env": env_id, "agent": agent, "steps": steps, "seed": seed, "env_kwargs": env_kwargs, "hyper": hyper,
            "episodes": episodes, "keep": keep, "select_every": select_every, "select_episodes": select_episodes}
    with resumable_run(runs_dir, "rl-train", spec, resume, checkpoint_every, quiet):  # the torch agents checkpoint
        result = train_run(env_id, agent, steps, seed=seed, env_kwargs=parse_json_object("env_kwargs", env_kwargs),
                           hyper=parse_json_object("hyper", hyper), eval_episodes=episodes, select_every=select_every,
                           select_episodes=select_episodes, keep=keep, progress=not quiet)
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
