"""A model-based reference controller for ``physml/ThermostatControl-v0`` and the calibration it needs.

:class:`EnergyFeedback` resets the total energy per particle each control interval to the canonical mean at
the target temperature; :func:`canonical_potential_energy` measures that mean's potential part by Langevin
runs of the environment's own system. Units: reduced Lennard-Jones units (epsilon = sigma = m = k_B = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EnergyFeedback", "canonical_potential_energy"]


def canonical_potential_energy(params, *, seed: int, replicas: int = 8, equilibrate: int = 2000,
                               samples: int = 1500, every: int = 10) -> tuple[float, float]:
    """Canonical mean potential energy per particle (and its standard error) of the thermostat environment's
    system (``params``: its ``ThermostatParams``) at its target temperature: ``replicas`` Langevin runs from the
    FCC lattice, ``equilibrate`` steps discarded, then ``samples`` samples ``every`` steps apart (the standard
    error treats replicas as independent; NaN for one replica). Replica ``r`` is seeded ``seed * 1009 + r``."""
    from ..sim.md import LJSystem, MDParams

    md = MDParams(n_particles=params.n_particles, density=params.density, temperature=params.target_temperature,
                  dt=params.dt)
    means = []
    for r in range(replicas):
        s = LJSystem(md, seed=seed * 1009 + r)
        s.run(equilibrate, "langevin")
        u = []
        for _ in range(samples):
            s.run(every, "langevin")
            u.append(s.potential)
        means.append(np.mean(u))
    return float(np.mean(means)), float(np.std(means, ddof=1) / np.sqrt(replicas)) if replicas > 1 else np.nan


@dataclass
class EnergyFeedback:
    """Each interval, choose the heating rate that takes the total energy per particle ``E`` (kinetic, from the
    instantaneous temperature, plus potential; observations 4 and 5 of the ``"full"`` observation) to
    ``E* = u* + (3N - 3) T_target / (2N)``, the canonical mean at the target (``u*`` from
    :func:`canonical_potential_energy`). Without forces, heating at rate ``r`` multiplies the kinetic energy
    ``K`` by ``exp(r tau)`` over an interval ``tau``, so ``r = ln(1 + (E* - E)/K) / tau``, clipped to the
    action range (``r / max_rate`` in [-1, 1])."""

    u_star: float
    params: object

    def __call__(self, obs) -> np.ndarray:
        p = self.params
        T0, n = p.target_temperature, p.n_particles
        c = (3 * n - 3) / (2 * n)  # kinetic energy per particle per unit temperature (momentum removed)
        K = c * T0 * (1.0 + float(obs[4]))
        dE = (c * T0 + self.u_star) - (K + T0 * float(obs[5]))
        r = np.log(max(1.0 + dE / K, 1e-6)) / (p.steps_per_action * p.dt)
        return np.array([np.clip(r / p.max_rate, -1.0, 1.0)], np.float32)
