"""Validated simulators, one module (or package) per physical system; each ships its exact references.

Import the system you need (``from physml.sim import ising``): nothing is imported here, so
``physml simulate NAME`` loads only its own simulator.
"""

__all__ = ["elements", "fluids", "heat_rod", "ising", "lj_argon", "md", "pipe_flow", "quantum_dynamics",
           "scattering", "schrodinger", "tomography", "water"]
