"""Reinforcement learning on physics: Gymnasium environments (:mod:`physml.rl.envs`) and agents
(:mod:`physml.rl.agents`). ``import physml`` registers the environments (cheaply: Gymnasium only)."""

from ._register import ENV_IDS

__all__ = ["ENV_IDS"]
