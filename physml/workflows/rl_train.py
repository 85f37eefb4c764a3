"""One-call training and evaluation of an agent on a Gymnasium id, as a run (what ``physml rl`` calls)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import DataError, ParameterError, PhysmlError, UnknownNameError
from ..result import StudyResult, Table, new_figure
from ..rl.agents import AGENTS, Agent, check_steps, evaluate, load_agent, make_agent

__all__ = ["make_env", "train_run", "evaluate_run", "parse_json_object", "learning_curve_figure", "TrainResult"]


def parse_json_object(name: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise ParameterError.invalid(name, text, "a JSON object, e.g. '{\"n_steps\": 16}'") from None
    if not isinstance(value, dict):
        raise ParameterError.invalid(name, text, "a JSON object, e.g. '{\"n_steps\": 16}'")
    return value


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None) -> gym.Env:
    """``gymnasium.make`` with physml's errors: an unknown id or a bad parameter is a one-line PhysmlError."""
    import physml.rl  # noqa: F401  (registers physml's environments)

    if env_id not in gym.registry:
        raise UnknownNameError("environment", env_id, [k for k in gym.registry if k.startswith("physml/")]
                               + ["CartPole-v1", "Pendulum-v1", "... (any registered Gymnasium id)"])
    try:
        return gym.make(env_id, **(env_kwargs or {}))
    except PhysmlError:
        raise
    except (TypeError, ValueError, gym.error.Error) as exc:
        msg = " ".join(str(exc).split())[:200]
        raise ParameterError.invalid("env_kwargs", env_kwargs, f"parameters {env_id} accepts ({msg})") from None


@dataclass
class TrainResult:
    agent: Agent
    returns: np.ndarray
    study_result: StudyResult
    wall_seconds: float


def train_run(env_id: str, agent: str, steps: int, *, seed: int = 0, env_kwargs: dict | None = None,
              hyper: dict | None = None, eval_episodes: int = 20, progress: bool = False) -> TrainResult:
    """Train ``agent`` on ``env_id`` for ``steps`` steps, evaluate greedily; everything a run needs."""
    steps = check_steps(steps)
    if agent not in AGENTS:
        raise UnknownNameError("agent", agent, list(AGENTS))
    if isinstance(eval_episodes, bool) or not isinstance(eval_episodes, int) or eval_episodes < 1:
        raise ParameterError.invalid("eval_episodes", eval_episodes, "an integer >= 1")
    env = make_env(env_id, env_kwargs)
    eval_env = make_env(env_id, env_kwargs)
    start = time.perf_counter()
    learner = make_agent(agent, env, seed=seed, **(hyper or {}))
    learner.learn(steps, progress=progress)
    train_seconds = time.perf_counter() - start
    returns = evaluate(learner, eval_env, eval_episodes, seed=10_000 + seed)
    wall = time.perf_counter() - start
    config = {"env_id": env_id, "env_kwargs": env_kwargs or {}, "agent": agent, "steps": steps, "seed": seed,
              "eval_episodes": eval_episodes, "hyper": dict(learner.hyper)}
    res = StudyResult("rl-train", config, title=f"physml rl train: {agent} on {env_id}")
    res.add_metric("eval_mean_return", returns.mean())
    res.add_metric("eval_std_return", returns.std())
    res.add_metric("train_seconds", train_seconds)
    res.add_metric("train_episodes", len(learner.curve.returns))
    if learner.curve.returns:
        res.add_metric("final_moving_average_return", learner.curve.moving_average()[-1])
    res.summary = (f"{agent} trained for {steps} steps ({len(learner.curve.returns)} episodes, "
                   f"{train_seconds:.1f} s); greedy evaluation over {eval_episodes} episodes: "
                   f"{returns.mean():.4g} ± {returns.std():.3g}.")
    res.add_figure("learning_curve", learning_curve_figure({agent: learner}, env_id),
                   "Return of every training episode against environment steps, with its 20-episode moving average.")
    res.tables.append(Table("Hyper-parameters", ("name", "value"),
                            tuple((k, str(v)) for k, v in sorted(learner.hyper.items()))))
    res.tables.append(Table("Greedy evaluation returns", ("episode", "return"),
                            tuple((i, round(float(r), 6)) for i, r in enumerate(returns))))
    res.artifacts["agent"] = lambda path: learner.save(path)
    res.artifacts["learning_curve.csv"] = lambda path: np.savetxt(
        path, np.column_stack([learner.curve.steps, learner.curve.returns]), delimiter=",",
        header="step,episode_return", comments="")
    return TrainResult(learner, returns, res, wall)


def learning_curve_figure(agents: dict[str, Agent], title: str):
    fig = new_figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for label, a in agents.items():
        steps = np.asarray(a.curve.steps)
        line, = ax.plot(steps, a.curve.returns, ".", ms=2, alpha=0.35)
        ax.plot(steps, a.curve.moving_average(20), "-", color=line.get_color(), label=f"{label} (moving avg. 20)")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def evaluate_run(run: str, episodes: int, *, seed: int = 10_000, runs_dir: str | Path = "runs") -> np.ndarray:
    """Greedy returns of a ``physml rl train`` run's saved agent (run directory or registry id)."""
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
        raise ParameterError.invalid("episodes", episodes, "an integer >= 1")
    path = Path(run)
    if not path.is_dir():
        from ..runs import Registry

        registry = Registry(runs_dir)
        path = registry.run_path(registry.get(run))
    try:
        config = json.loads((path / "config.json").read_text())
        env_id, env_kwargs = config["env_id"], config["env_kwargs"]
    except (OSError, ValueError, KeyError):
        raise DataError(f"{str(path)!r} is not a `physml rl train` run (no config.json with env_id)") from None
    env = make_env(env_id, env_kwargs)
    agent = load_agent(path / "artifacts" / "agent", env)
    return evaluate(agent, env, episodes, seed=seed)
