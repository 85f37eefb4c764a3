"""Benchmarks: physml's kernels against plain NumPy, and its PINN against DeepXDE.

Each module (e.g. :mod:`physml.bench.ising`) times one kernel and returns a
flat ``{name: number}`` dict (suitable for ``metrics.json``) plus a
``format_report`` for people.
"""

__all__ = ["ising", "pinn"]
