"""One-call training and evaluation of an agent on a Gymnasium id, as a run (what ``physml rl`` calls)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import DataError, ParameterError, PhysmlError, UnknownNameError
from ..physics.audit import Audit
from ..result import StudyResult, Table, new_figure
from ..rl.agents import AGENTS, Agent, check_steps, evaluate, load_agent, make_agent
from ..rl.baselines import RandomPolicy, heuristic_policy
from ..validation import check_choice, check_int

__all__ = ["make_env", "train_run", "evaluate_run", "parse_json_object", "learning_curve_figure", "TrainResult",
           "Selection", "mean_ci", "SELECT_SEED_OFFSET"]


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


@dataclass
class Selection:
    """Greedy evaluations during training on the selection episodes; the best policy is kept."""

    steps: list[int]
    means: list[float]
    best_step: int = -1
    best_mean: float = -math.inf
    best_state: dict | None = None

    def checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """What an agent's checkpoint keeps of the selection (see :meth:`physml.rl.agents.Agent.learn`)."""
        return dict(self.best_state or {}), {"steps": self.steps, "means": self.means, "best_step": self.best_step,
                                             "best_mean": self.best_mean if math.isfinite(self.best_mean) else None}

    def restore_checkpoint(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.steps[:], self.means[:], self.best_step = state["steps"], state["means"], state["best_step"]
        self.best_mean = -math.inf if state["best_mean"] is None else state["best_mean"]
        self.best_state = {k: np.array(v, copy=True) for k, v in arrays.items()} if self.steps else None


class _Select:
    """The selection callback: a greedy evaluation on the selection episodes, the best policy kept in ``sel``;
    its state travels in the agent's checkpoints."""

    def __init__(self, sel: Selection, env: gym.Env, episodes: int, seed: int):
        self.sel, self.env, self.episodes, self.seed = sel, env, episodes, seed

    def __call__(self, a: Agent) -> None:
        m = float(evaluate(a, self.env, self.episodes, seed=self.seed).mean())
        sel = self.sel
        sel.steps.append(a.steps_done)
        sel.means.append(m)
        if m >= sel.best_mean:
            sel.best_step, sel.best_mean, sel.best_state = a.steps_done, m, a.snapshot()

    def checkpoint_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return self.sel.checkpoint_state()

    def restore_checkpoint(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.sel.restore_checkpoint(arrays, state)


def mean_ci(returns: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean return and the half-width of its Student-t confidence interval at ``level`` (0 for one episode)."""
    from scipy.stats import t

    r = np.asarray(returns, float)
    if len(r) < 2:
        return float(r.mean()), 0.0, 0.0
    half = float(t.ppf(0.5 + level / 2, len(r) - 1) * r.std(ddof=1) / math.sqrt(len(r)))
    return float(r.mean()), half, float(r.std(ddof=1) / math.sqrt(len(r)))


SELECT_SEED_OFFSET = 500_000
"""Selection episodes use seeds ``10_000 + SELECT_SEED_OFFSET + seed + i``, the final evaluation
``10_000 + seed + i``: the policy is chosen on episodes it is not scored on."""


def train_run(env_id: str, agent: str, steps: int, *, seed: int = 0, env_kwargs: dict | None = None,
              hyper: dict | None = None, eval_episodes: int = 20, select_every: int = 0, select_episodes: int = 10,
              keep: str = "best", progress: bool = False) -> TrainResult:
    """Train ``agent`` on ``env_id`` for ``steps`` steps; keep the best policy; evaluate it against baselines.

    Every ``select_every`` steps (0: ``steps // 25``) the greedy policy plays ``select_episodes`` selection
    episodes; with ``keep="best"`` the policy with the highest mean selection return (the later one on a tie)
    is the run's policy, with ``keep="last"`` the one the last step left. The run's policy, the last policy,
    a random policy and (where :mod:`physml.rl.baselines` has one) a heuristic then play the same
    ``eval_episodes`` evaluation episodes, on seeds the selection never saw; the audit compares them.
    """
    steps = check_steps(steps)
    if agent not in AGENTS:
        raise UnknownNameError("agent", agent, list(AGENTS))
    eval_episodes = check_int("eval_episodes", eval_episodes, 1)
    select_every = check_int("select_every", select_every, 0)
    select_episodes = check_int("select_episodes", select_episodes, 1)
    keep = check_choice("keep", keep, ("best", "last"))
    env = make_env(env_id, env_kwargs)
    eval_env = make_env(env_id, env_kwargs)
    select_env = make_env(env_id, env_kwargs)
    every = select_every or max(steps // 25, 1)
    eval_seed, select_seed = 10_000 + seed, 10_000 + SELECT_SEED_OFFSET + seed
    start = time.perf_counter()
    learner = make_agent(agent, env, seed=seed, **(hyper or {}))
    sel = Selection([], [])
    select = _Select(sel, select_env, select_episodes, select_seed)

    learner.learn(steps, progress=progress, callback=select if keep == "best" else None, every=every)
    train_seconds = time.perf_counter() - start
    if keep == "best" and (not sel.steps or sel.steps[-1] != learner.steps_done):
        select(learner)  # the last policy is a candidate too
    last_returns = evaluate(learner, eval_env, eval_episodes, seed=eval_seed)
    restored_mean = math.nan
    if keep == "best":
        learner.restore(sel.best_state)
        restored_mean = float(evaluate(learner, select_env, select_episodes, seed=select_seed).mean())
        returns = evaluate(learner, eval_env, eval_episodes, seed=eval_seed)
    else:
        returns = last_returns
    baselines = {"random": evaluate(RandomPolicy(eval_env.action_space, seed), eval_env, eval_episodes,
                                    seed=eval_seed)}
    heuristic = heuristic_policy(env_id)
    if heuristic is not None:
        baselines["heuristic"] = evaluate(heuristic, eval_env, eval_episodes, seed=eval_seed)
    wall = time.perf_counter() - start
    config = {"env_id": env_id, "env_kwargs": env_kwargs or {}, "agent": agent, "steps": steps, "seed": seed,
              "eval_episodes": eval_episodes, "select_every": every, "select_episodes": select_episodes,
              "keep": keep, "hyper": dict(learner.hyper)}
    res = StudyResult("rl-train", config, title=f"physml rl train: {agent} on {env_id}")
    mean, half, se = mean_ci(returns)
    res.add_metric("eval_mean_return", mean)
    res.add_metric("eval_std_return", returns.std())
    res.add_metric("eval_ci95_half_width", half)
    res.add_metric("last_policy_eval_mean_return", last_returns.mean())
    for name, r in baselines.items():
        res.add_metric(f"{name}_eval_mean_return", r.mean())
        res.add_metric(f"{name}_eval_ci95_half_width", mean_ci(r)[1])
    if keep == "best":
        res.add_metric("best_policy_step", sel.best_step)
        res.add_metric("best_selection_mean_return", sel.best_mean)
    res.add_metric("train_seconds", train_seconds)
    res.add_metric("train_episodes", len(learner.curve.returns))
    if learner.curve.returns:
        res.add_metric("final_moving_average_return", learner.curve.moving_average()[-1])
    res.add_audit(_audit(agent, returns, baselines, heuristic, keep, sel, restored_mean))
    chosen = (f"the best of {len(sel.steps)} greedy selection evaluations (step {sel.best_step})" if keep == "best"
              else "the last step's policy")
    res.summary = (f"{agent} trained for {steps} steps ({len(learner.curve.returns)} episodes, "
                   f"{train_seconds:.1f} s); the run's policy is {chosen}. Greedy evaluation over {eval_episodes} "
                   f"held-out episodes: {mean:.4g} ± {half:.3g} (95 % CI), random policy "
                   f"{baselines['random'].mean():.4g}"
                   + (f", heuristic {baselines['heuristic'].mean():.4g}" if heuristic else "") + ".")
    rows = [("agent (run's policy)", returns)]
    if keep == "best":
        rows.append(("agent (last step)", last_returns))
    rows += [(k + (f": {heuristic.description}" if k == "heuristic" else ""), v) for k, v in baselines.items()]
    res.add_table("Returns on the same evaluation episodes", ("policy", "mean", "95% CI low", "95% CI high", "std",
                                                              "min", "max"),
                  [(name, *_row(r)) for name, r in rows])
    res.add_figure("learning_curve", learning_curve_figure({agent: learner}, env_id, selection=sel,
                                                           baselines={k: v.mean() for k, v in baselines.items()}),
                   "Return of every training episode against environment steps, with its 20-episode moving average"
                   + ("; squares: greedy selection evaluations, the star the kept policy" if keep == "best" else "")
                   + "; dashed: baselines' mean evaluation return.")
    res.tables.append(Table("Hyper-parameters", ("name", "value"),
                            tuple((k, str(v)) for k, v in sorted(learner.hyper.items()))))
    res.tables.append(Table("Greedy evaluation returns", ("episode", "return"),
                            tuple((i, round(float(r), 6)) for i, r in enumerate(returns))))
    res.artifacts["agent"] = lambda path: learner.save(path)
    res.artifacts["learning_curve.csv"] = lambda path: np.savetxt(
        path, np.column_stack([learner.curve.steps, learner.curve.returns]), delimiter=",",
        header="step,episode_return", comments="")
    return TrainResult(learner, returns, res, wall)


def _row(r: np.ndarray) -> tuple:
    mean, half, _ = mean_ci(r)
    return tuple(round(float(x), 4) for x in (mean, mean - half, mean + half, r.std(), r.min(), r.max()))


def _audit(agent: str, returns, baselines, heuristic, keep: str, sel: Selection, restored_mean: float) -> Audit:
    audit = Audit(f"rl {agent}")
    mean, _, se = mean_ci(returns)
    for name, r in baselines.items():
        m_b, _, se_b = mean_ci(r)
        margin = (mean - m_b) - 2.0 * math.hypot(se, se_b)
        if name == "random":
            audit.check("beats_random_policy", margin, ">=", 0.0,
                        "mean return minus the random policy's, less two standard errors of the difference")
        else:
            audit.check("not_worse_than_heuristic", (mean - m_b) + 2.0 * math.hypot(se, se_b), ">=", 0.0,
                        f"mean return minus the heuristic's ({heuristic.description}), plus two standard errors")
    if keep == "best":
        audit.check("kept_policy_is_the_best", abs(restored_mean - sel.best_mean), "<=", 1e-9,
                    "restored policy replays its best selection return (the saved agent is the one chosen)")
    return audit


def learning_curve_figure(agents: dict[str, Agent], title: str, *, selection: Selection | None = None,
                          baselines: dict[str, float] | None = None):
    fig = new_figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    for label, a in agents.items():
        steps = np.asarray(a.curve.steps)
        line, = ax.plot(steps, a.curve.returns, ".", ms=2, alpha=0.35)
        ax.plot(steps, a.curve.moving_average(20), "-", color=line.get_color(), label=f"{label} (moving avg. 20)")
    if selection is not None and selection.steps:
        ax.plot(selection.steps, selection.means, "s", ms=4, color="k", mfc="none", label="greedy selection eval.")
        ax.plot([selection.best_step], [selection.best_mean], "*", ms=12, color="tab:red", label="kept policy")
    for k, (name, v) in enumerate((baselines or {}).items()):
        ax.axhline(v, ls="--", lw=1, color=f"C{k + 3}", label=f"{name} policy")
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
