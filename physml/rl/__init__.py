"""Reinforcement learning on physics: Gymnasium environments (:mod:`physml.rl.envs`) and agents
(:mod:`physml.rl.agents`). ``import physml.rl`` registers the environments with Gymnasium (cheaply: the entry
points are strings, so neither torch nor the environments' modules are imported here)."""

from ._register import ENV_IDS

__all__ = ["ENV_IDS"]
