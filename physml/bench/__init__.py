"""Benchmarks: each measures physml against the reference it must match, in the same run.

One module per benchmark, each runnable as ``python -m physml.bench.<name>`` (see ``README.md`` here):

* :mod:`physml.bench.ising`: the Numba Metropolis kernel against plain NumPy (``physml bench ising``);
* :mod:`physml.bench.pinn`: the Burgers PINN against DeepXDE's (``physml bench pinn``);
* :mod:`physml.bench.torch_loop`: ``TorchRegressor.fit`` against a bare PyTorch loop;
* :mod:`physml.bench.md`: Lennard-Jones MD energy drift, equation of state against JZG 1993, throughput;
* :mod:`physml.bench.rl_cartpole`: physml's DQN and PPO against Stable-Baselines3's on CartPole-v1.

A benchmark returns a flat (or nearly flat) dict of numbers for ``metrics.json`` or ``--json``, and prints
a few lines for people. Importing this package imports none of them.
"""

__all__ = ["ising", "pinn", "torch_loop", "md", "rl_cartpole"]
