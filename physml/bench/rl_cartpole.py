"""physml's DQN and PPO against Stable-Baselines3's on CartPole-v1, in the same run, same hyper-parameters.

Run: ``python -m physml.bench.rl_cartpole [--algos dqn,ppo] [--seeds 0] [--json]``.

Budget (CPU, one environment, one torch thread): DQN 50,000 steps and PPO 100,000 steps, the RL Baselines3
Zoo's CartPole-v1 budgets; its hyper-parameters for both libraries (PPO with one environment and 256-step
rollouts in both instead of the zoo's 8 x 32). Target: greedy mean return >= 475 over 20 evaluation
episodes (the zoo reports 500 for both). Reported: training wall time of each, and the step and wall
time at which the 20-episode moving average of training returns first reaches 475 (physml only; SB3's
callbacks are not used, to keep its loop untouched).
SB3 seeds numpy's and torch's global RNGs (set_random_seed): fine in a benchmark, never in physml itself.
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np
import torch

from physml.rl.agents import evaluate, make_agent

__all__ = ["BUDGET", "DQN_HYPER", "PPO_HYPER", "run_physml", "run_sb3", "sb3_eval", "main"]

BUDGET = {"dqn": 50_000, "ppo": 100_000}
DQN_HYPER = dict(lr=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000, gamma=0.99, target_update=10,
                 train_freq=256, gradient_steps=128, exploration_fraction=0.16, eps_end=0.04, hidden=(256, 256))
PPO_HYPER = dict(n_steps=256, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0, lr=1e-3,
                 clip=0.2, anneal=True, hidden=(64, 64))


def sb3_eval(model, episodes: int = 20, seed: int = 10_000) -> np.ndarray:
    env = gym.make("CartPole-v1")
    out = []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            obs, r, term, trunc, _ = env.step(int(model.predict(obs, deterministic=True)[0]))
            total += r
            done = term or trunc
        out.append(total)
    return np.asarray(out)


def run_physml(algo: str, seed: int) -> dict:
    hyper = DQN_HYPER if algo == "dqn" else PPO_HYPER
    t0 = time.perf_counter()
    agent = make_agent(algo, gym.make("CartPole-v1"), seed=seed, **hyper).learn(BUDGET[algo])
    wall = time.perf_counter() - t0
    ma = agent.curve.moving_average(20)
    hit = np.flatnonzero(ma >= 475)
    ret = evaluate(agent, gym.make("CartPole-v1"), 20)
    return {"lib": "physml", "algo": algo, "seed": seed, "steps": BUDGET[algo], "train_seconds": wall,
            "eval_mean": float(ret.mean()), "eval_std": float(ret.std()),
            "first_step_ma475": int(agent.curve.steps[hit[0]]) if len(hit) else None}


def run_sb3(algo: str, seed: int) -> dict:
    import stable_baselines3 as sb3
    from stable_baselines3.common.utils import LinearSchedule

    env = gym.make("CartPole-v1")
    if algo == "dqn":
        model = sb3.DQN("MlpPolicy", env, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000,
                        learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
                        gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
                        policy_kwargs=dict(net_arch=[256, 256]), seed=seed, device="cpu")
    else:
        model = sb3.PPO("MlpPolicy", env, n_steps=256, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                        ent_coef=0.0, learning_rate=LinearSchedule(1e-3, 0.0, 1.0),
                        clip_range=LinearSchedule(0.2, 0.0, 1.0), seed=seed, device="cpu")
    t0 = time.perf_counter()
    model.learn(BUDGET[algo])
    wall = time.perf_counter() - t0
    ret = sb3_eval(model)
    return {"lib": "sb3", "algo": algo, "seed": seed, "steps": BUDGET[algo], "train_seconds": wall,
            "eval_mean": float(ret.mean()), "eval_std": float(ret.std())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m physml.bench.rl_cartpole", description=__doc__.splitlines()[0])
    ap.add_argument("--algos", default="dqn,ppo")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    try:
        for algo in args.algos.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                for fn in (run_physml, run_sb3):
                    r = fn(algo, seed)
                    rows.append(r)
                    if not args.json:
                        print(json.dumps(r), flush=True)
    finally:
        torch.set_num_threads(before)
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":  # python -m physml.bench.rl_cartpole
    raise SystemExit(main())
