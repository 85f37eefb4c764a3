"""Water and steam from the IAPWS formulations: phase labels and thermal conductivity.

Units: temperature in K, pressure in MPa, thermal conductivity in W/(m K),
density in kg/m^3. Everything comes from the ``iapws`` package (IAPWS
R14-08 melting and sublimation curves, IAPWS-IF97 saturation curve, IAPWS-95
and IAPWS-IF97 equations of state, IAPWS R15-11 thermal conductivity); no
data is fetched at run time.

* :func:`phase_of` / :func:`phase_index` label ``(T, p)`` as ice, liquid,
  vapour or supercritical; :func:`hard_points_mask` flags points near a
  phase boundary; :func:`phase_dataset` samples a labelled data set.
* :func:`thermal_conductivity` and :func:`conductivity_dataset` give
  k(T, p) of water and steam for regression.
* :func:`melting_pressure`, :func:`sublimation_pressure`,
  :func:`saturation_pressure` and :func:`saturation_temperature` are the
  coexistence curves the labels are built from.
"""

from ._conductivity import (
    FORMULATIONS,
    NEAR_CRITICAL_WINDOW,
    ConductivityParams,
    conductivity_dataset,
    thermal_conductivity,
)
from ._phase import (
    P_CRITICAL_MPA,
    P_IH_III_MPA,
    P_TRIPLE_MPA,
    PHASES,
    T_CRITICAL_K,
    T_IH_III_K,
    T_MAX_K,
    T_MIN_K,
    T_TRIPLE_K,
    hard_points_mask,
    melting_pressure,
    phase_index,
    phase_of,
    saturation_pressure,
    saturation_temperature,
    sublimation_pressure,
)
from ._phase_data import WaterPhaseParams, phase_dataset
from ._transport import (
    CRITICAL,
    FLUIDS,
    NEAR_CRITICAL_REDUCED,
    TransportParams,
    reduced_saturation_temperature,
    transport_dataset,
    transport_properties,
)

__all__ = [
    "PHASES",
    "T_TRIPLE_K",
    "P_TRIPLE_MPA",
    "T_CRITICAL_K",
    "P_CRITICAL_MPA",
    "T_IH_III_K",
    "P_IH_III_MPA",
    "T_MIN_K",
    "T_MAX_K",
    "melting_pressure",
    "sublimation_pressure",
    "saturation_pressure",
    "saturation_temperature",
    "phase_index",
    "phase_of",
    "hard_points_mask",
    "WaterPhaseParams",
    "phase_dataset",
    "FORMULATIONS",
    "NEAR_CRITICAL_WINDOW",
    "thermal_conductivity",
    "ConductivityParams",
    "conductivity_dataset",
    "FLUIDS",
    "CRITICAL",
    "NEAR_CRITICAL_REDUCED",
    "TransportParams",
    "transport_dataset",
    "transport_properties",
    "reduced_saturation_temperature",
]
