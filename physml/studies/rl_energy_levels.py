"""Study ``rl-energy-levels``: does tabular Q-learning find the optimal policy that value iteration computes?

The MDP is ``physml/EnergyLevels-v0`` (a ladder of levels with one- and
two-photon drives, spontaneous decay, a dipole-forbidden level). Its exact
transition model gives Q* by value iteration; Q-learning sees only sampled
transitions (uniformly random behaviour, exploring starts, step sizes
``n(s, a)^-alpha_power``) and must recover the greedy policy in every
non-terminal level, for every seed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import gymnasium as gym
import numpy as np

from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..rl.agents import QLearning, evaluate
from ..rl.envs import value_iteration
from ..validation import check_int, check_real
from ..workflows.rl_train import learning_curve_figure
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

ACTIONS = ("wait", "one-photon", "two-photon")


@dataclass(frozen=True)
class Config:
    """Configuration of ``rl-energy-levels``."""

    steps: int = 200_000
    """Environment steps of Q-learning per seed."""
    n_seeds: int = 3
    gamma: float = 0.8
    alpha_power: float = 0.85
    """Step size n(s, a)^-alpha_power (Robbins-Monro for 1/2 < power <= 1)."""
    eval_episodes: int = 200

    def __post_init__(self) -> None:
        check_int("steps", self.steps, 1)
        check_int("n_seeds", self.n_seeds, 1)
        check_real("gamma", self.gamma, 0.0, 0.999, "")
        check_real("alpha_power", self.alpha_power, 0.5, 1.0, "")
        check_int("eval_episodes", self.eval_episodes, 1)


QUICK = Config(steps=100_000, n_seeds=2, eval_episodes=100)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: the exact transition model, and Q* by value iteration
    env_kwargs = {"random_start": True}
    model = gym.make("physml/EnergyLevels-v0", **env_kwargs).unwrapped
    P, R = model.transition_model()
    terminal = np.arange(P.shape[0]) == model.params.target
    V, Q, pi = value_iteration(P, R, config.gamma, terminal=terminal)
    q_sorted = np.sort(Q[~terminal], axis=1)
    gap = float(np.min(q_sorted[:, -1] - q_sorted[:, -2]))
    # fit: Q-learning from sampled transitions, one agent per seed
    agents = {}
    for k in range(config.n_seeds):
        env = gym.make("physml/EnergyLevels-v0", **env_kwargs)
        agents[f"seed {ctx.seed + k}"] = QLearning(env, seed=ctx.seed + k, gamma=config.gamma,
                                                   alpha_power=config.alpha_power, eps_start=1.0,
                                                   eps_end=1.0).learn(config.steps, progress=ctx.progress)
    # evaluate: policy agreement and Q error per seed; the first greedy policy's return from the ground state
    agreements = [float(np.mean(ag.policy()[~terminal] == pi[~terminal])) for ag in agents.values()]
    errors = [float(np.abs(ag.q[~terminal] - Q[~terminal]).max()) for ag in agents.values()]
    first = next(iter(agents.values()))
    ret_q = evaluate(first, gym.make("physml/EnergyLevels-v0"), config.eval_episodes, seed=ctx.seed + 1000)
    result = ctx.result("Q-learning against value iteration on a ladder of energy levels", env_kwargs=env_kwargs,
                        env=asdict(model.params))
    result.add_metric("policy_exact_all_seeds", float(min(agreements) == 1.0))
    result.add_metric("min_action_gap", gap)
    result.add_metric("max_q_error", max(errors))
    result.add_metric("value_ground_state_optimal", V[0])
    result.add_metric("eval_mean_return_q_learning", ret_q.mean())
    # audit
    a = Audit("Q-learning policy vs value iteration")
    a.check("policy_agreement_min", min(agreements), ">=", 1.0,
            "fraction of non-terminal levels where Q-learning's greedy action is value iteration's (worst seed)")
    a.check("max_q_error", max(errors), "<=", gap,
            f"max |Q - Q*| over seeds, states, actions; below the smallest action gap of Q* ({gap:.4f})")
    a.check("two_photon_at_forbidden_level", float(all(ag.policy()[2] == 2 for ag in agents.values())), ">=", 1.0,
            "at the dipole-forbidden level 2 the learned policy uses the two-photon drive")
    result.add_audit(a)
    # report
    rows = [(s, ACTIONS[pi[s]], *(ACTIONS[ag.policy()[s]] for ag in agents.values()),
             *(round(float(x), 5) for x in Q[s]), *(round(float(x), 5) for x in first.q[s]))
            for s in range(P.shape[0]) if not terminal[s]]
    result.add_table("Greedy action by level: value iteration vs Q-learning; Q* and learned Q (first seed)",
                     ("level", "value iteration", *(f"Q-learning {k}" for k in agents),
                      *(f"Q*({n})" for n in ACTIONS), *(f"Q({n})" for n in ACTIONS)), rows)
    result.add_figure("q_values", _q_figure(Q, first.q, terminal),
                      "Q*(s, a) from value iteration (bars) and Q-learning's estimates (dots), per level and action.")
    result.add_figure("learning_curve", learning_curve_figure(agents, "physml/EnergyLevels-v0 (random starts)"),
                      "Episode return of Q-learning's (uniformly random) behaviour policy while it learns.")
    result.summary = (f"Value iteration's optimal policy: {', '.join(ACTIONS[a] for a in pi[~terminal])}. "
                      f"Q-learning recovers it exactly in {sum(x == 1.0 for x in agreements)}/{len(agreements)} "
                      f"seeds (max |Q - Q*| = {max(errors):.4f}; smallest action gap {gap:.4f}).")
    return result


def _q_figure(Q: np.ndarray, q: np.ndarray, terminal: np.ndarray):
    fig = new_figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    levels = np.flatnonzero(~terminal)
    w = 0.27
    for j, name in enumerate(ACTIONS):
        ax.bar(levels + (j - 1) * w, Q[levels, j], w, label=f"Q* {name}", alpha=0.6)
        ax.plot(levels + (j - 1) * w, q[levels, j], "k.", ms=5)
    ax.set_xlabel("level")
    ax.set_ylabel("action value")
    ax.legend(fontsize=8)
    return fig
