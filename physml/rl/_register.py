"""Register physml's environments with Gymnasium: entry points are strings, so nothing heavy is imported here."""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

ENV_IDS = ("physml/EnergyLevels-v0", "physml/QubitControl-v0", "physml/ThermostatControl-v0")
_ENTRY = {
    "physml/EnergyLevels-v0": ("physml.rl.envs.energy_levels:EnergyLevelsEnv", 100),
    "physml/QubitControl-v0": ("physml.rl.envs.qubit_control:QubitControlEnv", None),
    "physml/ThermostatControl-v0": ("physml.rl.envs.thermostat:ThermostatControlEnv", None),
}

for _id, (_entry, _limit) in _ENTRY.items():
    if _id not in registry:
        register(id=_id, entry_point=_entry, max_episode_steps=_limit)
