"""Phase of water at ``(T, p)`` from the IAPWS coexistence curves.

The ``iapws`` property classes never report ice, so the phase is decided
from the curves themselves (units: K and MPa):

* sublimation curve of ice Ih, IAPWS R14-08(2011) Eq. 6 (``iapws._Sublimation_Pressure``,
  valid 50 K <= T <= 273.16 K);
* melting curve of ice Ih, IAPWS R14-08(2011) Eq. 1 (``iapws._Melting_Pressure``,
  valid 251.165 K <= T <= 273.16 K, where it rises from 611.657 Pa to 208.566 MPa);
* saturation (vapour-pressure) curve, IAPWS-IF97 Eq. 30 (``iapws.iapws97._PSat_T``),
  from the triple point to the critical point (647.096 K, 22.064 MPa); it
  agrees with the IAPWS-95 saturation pressure to a few parts in 1e4, far
  below any boundary resolution that matters for labels.

Classes: ``'ice'``, ``'liquid'``, ``'vapour'`` (including the gas above
T_c below p_c) and ``'supercritical'`` (T >= T_c and p >= p_c). Liquid at
T < T_c and p >= p_c is ``'liquid'``. A point exactly on a coexistence curve
takes the phase of the high-pressure side (ice on the sublimation curve,
liquid on the melting and saturation curves).

Labels are valid for 50 K <= T <= 1273.15 K and 0 < p <= 208.566 MPa (the
ice Ih - ice III - liquid triple point): below 251.165 K no liquid is stable
at these pressures, so the condensed phase there is ice (ice Ih for
p <= 100 MPa, which is the domain of the data generators).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from iapws import _Melting_Pressure, _Sublimation_Pressure
from iapws.iapws97 import _PSat_T, _TSat_P

from physml.errors import ParameterError

from ...validation import check_real

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
]

#: class names, in the order of :func:`phase_index`
PHASES = ("ice", "liquid", "vapour", "supercritical")
ICE, LIQUID, VAPOUR, SUPERCRITICAL = range(4)

T_TRIPLE_K = 273.16  # IAPWS-95 / R14-08 triple point
P_TRIPLE_MPA = 611.657e-6
T_CRITICAL_K = 647.096  # IAPWS R2-83 critical point
P_CRITICAL_MPA = 22.064
T_IH_III_K = 251.165  # ice Ih - ice III - liquid triple point (R14-08)
P_IH_III_MPA = 208.566  # melting pressure of ice Ih there (R14-08 Table 1)
T_MIN_K = 50.0  # lower limit of the sublimation equation
T_MAX_K = 1273.15  # upper limit of IAPWS-95; nothing changes phase above T_c anyway
_P_SAT_MIN_MPA = 611.212677e-6  # IF97 saturation pressure at 273.15 K, the lower end of Eq. 31


def _curve(func: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    # the iapws curve functions take one float (their range checks are Python
    # `if`s); at about 1 us a call, a loop over the points that need a curve
    # is fast enough (0.1 s per 1e5 points) and keeps the published code
    return np.fromiter((func(v) for v in x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def _checked(name: str, x: object, low: float, high: float, unit: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr >= low) & (arr <= high))
    if bad.any():
        raise ParameterError.invalid(name, arr[bad].flat[0].item(), f"in [{low:g}, {high:g}] {unit}")
    return arr


def melting_pressure(T_K: object) -> np.ndarray:
    """Melting pressure of ice Ih in MPa (R14-08 Eq. 1), for 251.165 K <= T <= 273.16 K."""
    return _curve(_Melting_Pressure, _checked("T_K", T_K, T_IH_III_K, T_TRIPLE_K, "K"))


def sublimation_pressure(T_K: object) -> np.ndarray:
    """Sublimation pressure of ice Ih in MPa (R14-08 Eq. 6), for 50 K <= T <= 273.16 K."""
    return _curve(_Sublimation_Pressure, _checked("T_K", T_K, T_MIN_K, T_TRIPLE_K, "K"))


def saturation_pressure(T_K: object) -> np.ndarray:
    """Vapour pressure of liquid water in MPa (IAPWS-IF97 Eq. 30), for 273.15 K <= T <= 647.096 K."""
    return _curve(_PSat_T, _checked("T_K", T_K, 273.15, T_CRITICAL_K, "K"))


def saturation_temperature(p_MPa: object) -> np.ndarray:
    """Boiling temperature in K at pressure ``p`` (IAPWS-IF97 Eq. 31), for 611.213 Pa <= p <= 22.064 MPa."""
    return _curve(_TSat_P, _checked("p_MPa", p_MPa, _P_SAT_MIN_MPA, P_CRITICAL_MPA, "MPa"))


def _state(T_K: object, p_MPa: object) -> tuple[np.ndarray, np.ndarray]:
    T = _checked("T_K", T_K, T_MIN_K, T_MAX_K, "K")
    p = np.asarray(p_MPa, dtype=np.float64)
    bad = ~(np.isfinite(p) & (p > 0) & (p <= P_IH_III_MPA))
    if bad.any():
        raise ParameterError.invalid("p_MPa", p[bad].flat[0].item(), f"in (0, {P_IH_III_MPA:g}] MPa")
    return np.broadcast_arrays(T, p)


def _phase_codes(T: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Phase codes of validated, broadcast float arrays (see the module docstring for the rules)."""
    out = np.full(T.shape, VAPOUR, np.int8)
    cold = T <= T_TRIPLE_K
    if cold.any():
        Tc, pc = T[cold], p[cold]
        code = np.where(pc >= _curve(_Sublimation_Pressure, Tc), ICE, VAPOUR).astype(np.int8)
        # liquid only above the Ih melting curve, which exists for T >= 251.165 K;
        # colder, ice Ih (or, above ~100 MPa, another ice) is the condensed phase
        melt = (code == ICE) & (Tc >= T_IH_III_K)
        if melt.any():
            code[melt] = np.where(pc[melt] >= _curve(_Melting_Pressure, Tc[melt]), LIQUID, ICE)
        out[cold] = code
    warm = (T > T_TRIPLE_K) & (T < T_CRITICAL_K)
    if warm.any():
        out[warm] = np.where(p[warm] >= _curve(_PSat_T, T[warm]), LIQUID, VAPOUR)
    hot = T >= T_CRITICAL_K
    out[hot] = np.where(p[hot] >= P_CRITICAL_MPA, SUPERCRITICAL, VAPOUR)
    return out


def phase_index(T_K: object, p_MPa: object) -> np.ndarray | int:
    """Index into :data:`PHASES` of the phase at ``T_K`` (K) and ``p_MPa`` (MPa), vectorised.

    Inputs broadcast against each other; both scalars give a Python ``int``.
    Out-of-range values (T outside [50, 1273.15] K, p outside (0, 208.566] MPa)
    raise :class:`ParameterError`.
    """
    T, p = _state(T_K, p_MPa)
    codes = _phase_codes(T, p)
    return int(codes) if codes.ndim == 0 else codes


def phase_of(T_K: object, p_MPa: object) -> np.ndarray | str:
    """Phase name (``'ice'``, ``'liquid'``, ``'vapour'``, ``'supercritical'``) at ``(T_K, p_MPa)``.

    Vectorised like :func:`phase_index`; returns a ``str`` array (a ``str`` for scalar inputs).
    """
    codes = np.asarray(phase_index(T_K, p_MPa))
    names = np.asarray(PHASES)[codes]
    return str(names) if names.ndim == 0 else names


def hard_points_mask(T_K: object, p_MPa: object, *, rel_dT: float = 0.05, dlog10_p: float = 0.4) -> np.ndarray:
    """True where the phase changes within ``T (1 +- rel_dT)`` at fixed p or ``log10 p +- dlog10_p`` at fixed T.

    This is the working definition of a point "near a phase boundary" (defaults:
    +-5 % in temperature, +-0.4 decades in pressure). Shifted points are clipped
    to the range where labels are valid (T in [50, 1273.15] K, p <= 208.566 MPa).

    Checking the four end points is exact, not a sampling of the segments:
    along an isobar the phases come in the fixed order ice, liquid, then
    vapour or supercritical as T rises, and along an isotherm vapour, ice,
    liquid (or vapour, supercritical) as p rises, so a phase that differs
    anywhere on a segment also differs at that segment's end.
    """
    rel_dT = check_real("rel_dT", rel_dT, 0.0, 0.5, "")
    dlog10_p = check_real("dlog10_p", dlog10_p, 0.0, 3.0, "decades")
    T, p = _state(T_K, p_MPa)
    center = _phase_codes(T, p)
    hard = np.zeros(T.shape, bool)
    factor = 10.0**dlog10_p
    for Ts, ps in ((T * (1 - rel_dT), p), (T * (1 + rel_dT), p), (T, p / factor), (T, p * factor)):
        Ts = np.clip(Ts, T_MIN_K, T_MAX_K)
        ps = np.minimum(ps, P_IH_III_MPA)
        hard |= _phase_codes(Ts, ps) != center
    return hard
