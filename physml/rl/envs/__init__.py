"""Gymnasium environments around physml's simulators (registered as ``physml/...-v0`` on ``import physml``).

* ``physml/EnergyLevels-v0`` (:class:`EnergyLevelsEnv`): a ladder of levels, one- and two-photon drives,
  a selection rule; exact model and :func:`value_iteration` for comparison.
* ``physml/QubitControl-v0`` (:class:`QubitControlEnv`): state preparation of a driven qubit, exact 2x2
  propagators; :func:`best_bang_bang` (exhaustive optimum).
* ``physml/ThermostatControl-v0`` (:class:`ThermostatControlEnv`): the heating rate of a Lennard-Jones MD system.
"""

from .energy_levels import EnergyLevelsEnv, EnergyLevelsParams, value_iteration
from .qubit_control import QubitControlEnv, QubitParams, best_bang_bang
from .thermostat import ThermostatControlEnv, ThermostatParams

__all__ = ["EnergyLevelsEnv", "EnergyLevelsParams", "value_iteration", "QubitControlEnv", "QubitParams",
           "best_bang_bang", "ThermostatControlEnv", "ThermostatParams"]
