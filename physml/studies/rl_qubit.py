"""Study ``rl-qubit``: an RL agent prepares a qubit state (Bukov et al., PRX 8, 031086, 2018) against optimal control.

``H(t) = -S^z - h(t) S^x`` with bang-bang fields ``h = +-h_max``; from the ground
state of ``H(-2)`` to that of ``H(+2)`` in time ``t_total`` (above the quantum
speed limit, about 2.4, a fidelity near 1 is reachable). The baselines are exact:
the global optimum over all ``2^n_steps`` bang-bang protocols (exhaustive
search), the best protocol with a single switch, and holding ``h = +h_max``.
The agent sees the Bloch vector and the time and is rewarded by the change of
fidelity, so its return is ``F(T) - F(0)``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import gymnasium as gym
import numpy as np

from ..physics.audit import Audit
from ..result import StudyResult, Table
from ..rl.agents import AGENTS, make_agent
from ..rl.envs.qubit_control import QubitControlEnv, QubitParams, best_bang_bang, bloch
from ..workflows.rl_train import learning_curve_figure
from ..validation import check_int
from ..errors import ParameterError

__all__ = ["Config", "QUICK", "run", "protocol_fidelity"]


@dataclass(frozen=True)
class Config:
    """Configuration of ``rl-qubit``."""

    agent: str = "ppo"
    steps: int = 48_000
    """Environment steps of training (episodes of ``n_steps``)."""
    n_steps: int = 16
    t_total: float = 3.0
    hyper: dict = field(default_factory=lambda: {"gamma": 1.0, "gae_lambda": 0.95, "n_steps": 512,
                                                  "batch_size": 128, "n_epochs": 10, "ent_coef": 0.01})

    def __post_init__(self) -> None:
        if self.agent not in AGENTS or self.agent == "q-learning":
            raise ParameterError.invalid("agent", self.agent, "dqn, reinforce, a2c or ppo")
        check_int("steps", self.steps, 1)
        QubitParams(t_total=self.t_total, n_steps=self.n_steps)
        if self.n_steps > 20:
            raise ParameterError.invalid("n_steps", self.n_steps, "<= 20 (the exhaustive baseline enumerates 2^n)")


QUICK = Config(steps=24_000)


def protocol_fidelity(env: QubitControlEnv, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fidelity and Bloch vector after each step of a bang-bang protocol (the start included)."""
    env.reset(seed=0)
    F, B = [env.fidelity()], [bloch(env._psi)]
    for h in fields:
        _, _, _, _, info = env.step(int(h > 0))
        F.append(info["fidelity"])
        B.append(bloch(env._psi))
    return np.asarray(F), np.asarray(B)


def run(config: Config, *, seed: int = 0, progress: bool = True, device: str = "auto") -> StudyResult:
    t0 = time.perf_counter()
    env_kwargs = {"n_steps": config.n_steps, "t_total": config.t_total}
    params = QubitParams(**env_kwargs)
    F_opt, h_opt = best_bang_bang(params)
    hm = params.h_max
    singles = [np.where(np.arange(config.n_steps) < k, -hm, hm) for k in range(config.n_steps + 1)]
    env = QubitControlEnv(**env_kwargs)
    single_F = [protocol_fidelity(env, h)[0][-1] for h in singles]
    k_best = int(np.argmax(single_F))
    F_const = protocol_fidelity(env, np.full(config.n_steps, hm))[0][-1]

    train_env = gym.make("physml/QubitControl-v0", **env_kwargs)
    agent = make_agent(config.agent, train_env, seed=seed, **config.hyper).learn(config.steps, progress=progress)
    obs, _ = env.reset(seed=0)
    h_rl = []
    for _ in range(config.n_steps):
        a = agent.predict(obs)
        h_rl.append(env.field(a))
        obs, *_ = env.step(a)
    h_rl = np.asarray(h_rl)
    F_rl_t, B_rl = protocol_fidelity(env, h_rl)
    F_opt_t, B_opt = protocol_fidelity(env, h_opt)
    F_rl = float(F_rl_t[-1])

    result = StudyResult("rl-qubit", {**asdict(config), "seed": seed, "env": asdict(params)},
                         title="Qubit state preparation: reinforcement learning against the optimal bang-bang protocol")
    a = Audit(f"{config.agent} protocol")
    a.check("final_fidelity", F_rl, ">=", 0.99, "fidelity of the greedy learned protocol with the target state")
    a.check("fidelity_gap_to_optimum", F_opt - F_rl, "<=", 0.01,
            f"below the exhaustive-search optimum {F_opt:.6f} (the gap is >= 0 by construction)")
    a.check("beats_single_switch", F_rl - single_F[k_best], ">=", 0.0,
            f"better than the best one-switch protocol (F = {single_F[k_best]:.4f})")
    a.check("norm_error", abs(np.linalg.norm(env._psi) - 1.0), "<=", 1e-12, "the evolution is unitary")
    result.audits.append(a)
    result.metrics.update(a.to_metrics())
    result.add_metric("final_fidelity", F_rl)
    result.add_metric("optimal_fidelity_exhaustive", F_opt)
    result.add_metric("single_switch_fidelity", single_F[k_best])
    result.add_metric("constant_field_fidelity", F_const)
    result.add_metric("initial_fidelity", F_rl_t[0])
    result.tables.append(Table("Protocols (field h per step, units of E)", ("step", config.agent, "optimum (exhaustive)",
                                                                              "best one switch"),
                               tuple((k, h_rl[k], h_opt[k], singles[k_best][k]) for k in range(config.n_steps))))
    result.add_figure("protocols", _protocol_figure(config, h_rl, h_opt, F_rl_t, F_opt_t),
                      "Bang-bang fields (top) and the fidelity along the protocol (bottom): the learned protocol "
                      "and the exhaustive-search optimum.")
    result.add_figure("bloch", _bloch_figure(B_rl, B_opt, bloch(env.target), bloch(env.psi0)),
                      "Bloch-sphere trajectories (x-z plane projection) from the initial to the target state.")
    result.add_figure("learning_curve", learning_curve_figure({config.agent: agent}, "physml/QubitControl-v0"),
                      "Training return F(T) - F(0) per episode, with its moving average.")
    result.summary = (f"{config.agent} reaches fidelity {F_rl:.5f} (target >= 0.99) after {config.steps} steps; "
                      f"the exhaustive optimum over 2^{config.n_steps} bang-bang protocols is {F_opt:.6f}, the best "
                      f"one-switch protocol {single_F[k_best]:.4f}, constant h = +h_max {F_const:.4f}.")
    result.add_metric("study_seconds", time.perf_counter() - t0)
    return result


def _protocol_figure(config, h_rl, h_opt, F_rl, F_opt):
    import matplotlib.pyplot as plt

    dt = config.t_total / config.n_steps
    t = np.arange(config.n_steps + 1) * dt
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 4.8), sharex=True)
    ax1.step(t[:-1], h_rl, where="post", label=config.agent)
    ax1.step(t[:-1], h_opt, where="post", ls="--", label="optimum")
    ax1.set_ylabel("field h")
    ax1.legend(fontsize=8)
    ax2.plot(t, F_rl, "o-", ms=3, label=config.agent)
    ax2.plot(t, F_opt, "s--", ms=3, label="optimum")
    ax2.set_xlabel("time")
    ax2.set_ylabel("fidelity")
    ax2.legend(fontsize=8)
    return fig


def _bloch_figure(B_rl, B_opt, target, start):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    th = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(th), np.sin(th), color="0.8")
    ax.plot(B_rl[:, 0], B_rl[:, 2], "o-", ms=3, label="learned")
    ax.plot(B_opt[:, 0], B_opt[:, 2], "s--", ms=3, label="optimum")
    ax.plot(*start[[0, 2]], "k^", label="start")
    ax.plot(*target[[0, 2]], "r*", ms=12, label="target")
    ax.set_xlabel("x")
    ax.set_ylabel("z")
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
    return fig
