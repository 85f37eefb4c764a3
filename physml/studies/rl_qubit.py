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

from dataclasses import asdict, dataclass, field

import gymnasium as gym
import numpy as np

from ..errors import ParameterError
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..rl.agents import make_agent
from ..rl.envs.qubit_control import QubitControlEnv, QubitParams, best_bang_bang, bloch
from ..validation import check_choice, check_int
from ..workflows.rl_train import learning_curve_figure
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "protocol_fidelity", "HYPER"]

HYPER: dict[str, dict] = {
    "ppo": {"gamma": 1.0, "gae_lambda": 0.95, "n_steps": 512, "batch_size": 128, "n_epochs": 10, "ent_coef": 0.01},
    "a2c": {"gamma": 1.0},
    "reinforce": {"gamma": 1.0},
    "dqn": {"gamma": 1.0, "learning_starts": 500, "buffer_size": 20_000, "train_freq": 16, "gradient_steps": 8,
            "target_update": 256, "exploration_fraction": 0.3, "hidden": (64, 64)},
}
"""The agents this study runs (those for discrete actions; tabular Q-learning would need a discretised Bloch
sphere) and each one's hyper-parameters for 16-step episodes: ``gamma = 1`` everywhere, since the return is
``F(T) - F(0)`` and every step counts the same; the rest are each agent's own keys (``Config.hyper`` is merged
over them, so it may hold only keys the chosen agent takes)."""


@dataclass(frozen=True)
class Config:
    """Configuration of ``rl-qubit``."""

    agent: str = "ppo"
    """One of ``HYPER``: ppo, a2c, reinforce or dqn."""
    steps: int = 48_000
    """Environment steps of training (episodes of ``n_steps``)."""
    n_steps: int = 16
    t_total: float = 3.0
    hyper: dict = field(default_factory=dict)
    """Hyper-parameters merged over ``HYPER[agent]`` (an unknown key is an error naming the agent's keys)."""

    def __post_init__(self) -> None:
        check_choice("agent", self.agent, HYPER)
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


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: the exact baselines (exhaustive optimum, best single switch, constant field)
    env_kwargs = {"n_steps": config.n_steps, "t_total": config.t_total}
    params = QubitParams(**env_kwargs)
    F_opt, h_opt = best_bang_bang(params)
    hm = params.h_max
    singles = [np.where(np.arange(config.n_steps) < k, -hm, hm) for k in range(config.n_steps + 1)]
    env = QubitControlEnv(**env_kwargs)
    single_F = [protocol_fidelity(env, h)[0][-1] for h in singles]
    k_best = int(np.argmax(single_F))
    F_const = protocol_fidelity(env, np.full(config.n_steps, hm))[0][-1]
    # fit: the agent, with its own hyper-parameters
    hyper = {**HYPER[config.agent], **config.hyper}
    agent = make_agent(config.agent, gym.make("physml/QubitControl-v0", **env_kwargs), seed=ctx.seed,
                       **hyper).learn(config.steps, progress=ctx.progress)
    # evaluate: the greedy protocol, replayed exactly
    obs, _ = env.reset(seed=0)
    h_rl = []
    for _ in range(config.n_steps):
        a = agent.predict(obs)
        h_rl.append(env.field(a))
        obs, *_ = env.step(a)
    h_rl = np.asarray(h_rl)
    F_rl_t, B_rl = protocol_fidelity(env, h_rl)
    F_opt_t, B_opt = protocol_fidelity(env, h_opt)
    norm_error = abs(np.linalg.norm(env._psi) - 1.0)  # after the 16 exact propagators of the optimum
    F_rl = float(F_rl_t[-1])
    result = ctx.result("Qubit state preparation: reinforcement learning against the optimal bang-bang protocol",
                        env=asdict(params), agent_hyper=hyper)
    result.add_metric("final_fidelity", F_rl)
    result.add_metric("optimal_fidelity_exhaustive", F_opt)
    result.add_metric("single_switch_fidelity", single_F[k_best])
    result.add_metric("constant_field_fidelity", F_const)
    result.add_metric("initial_fidelity", F_rl_t[0])
    # audit
    a = Audit(f"{config.agent} protocol")
    a.check("final_fidelity", F_rl, ">=", 0.99, "fidelity of the greedy learned protocol with the target state")
    a.check("fidelity_gap_to_optimum", F_opt - F_rl, "<=", 0.01,
            f"below the exhaustive-search optimum {F_opt:.6f}")
    a.check("beats_single_switch", F_rl - single_F[k_best], ">=", 0.0,
            f"better than the best one-switch protocol (F = {single_F[k_best]:.4f})")
    a.check("norm_error", norm_error, "<=", 1e-12, "the evolution is unitary (|psi| after a full protocol)")
    result.add_audit(a)
    # report
    result.add_table("Protocols (field h per step, units of E)", ("step", config.agent, "optimum (exhaustive)",
                                                                   "best one switch"),
                     [(k, h_rl[k], h_opt[k], singles[k_best][k]) for k in range(config.n_steps)])
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
    return result


def _protocol_figure(config, h_rl, h_opt, F_rl, F_opt):
    dt = config.t_total / config.n_steps
    t = np.arange(config.n_steps + 1) * dt
    fig = new_figure(figsize=(6.4, 4.8))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
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
    fig = new_figure(figsize=(4.2, 4.2))
    ax = fig.subplots()
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
