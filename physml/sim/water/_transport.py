"""Viscosity and thermal conductivity of ordinary water (H2O) and heavy water (D2O), in reduced states.

H2O: IAPWS-95 equation of state (``iapws.IAPWS95``) with the IAPWS 2008 viscosity (R12-08) and
2011 thermal conductivity (R15-11); D2O: the IAPWS 2017 equation of state (``iapws.D2O``) with the
IAPWS 2020 viscosity and 2021 thermal conductivity of heavy water. Everything is computed by ``iapws``.

States are drawn in *reduced* coordinates of each fluid, T_r = T / T_c and p_r = p / p_c (H2O:
647.096 K, 22.064 MPa; D2O: 643.847 K, 21.6618 MPa), so the two data sets cover corresponding
states: the principle of corresponding states makes the two fluids most alike there, and a model of
one is the best starting point for the other. Excluded, as in ``water-conductivity``: points within
``saturation_gap`` (in T_r) of the saturation curve and the near-critical box
:data:`NEAR_CRITICAL_REDUCED`, where the properties are (nearly) singular.

Units: T in K, p in MPa, viscosity in Pa s, thermal conductivity in W/(m K), density in kg/m^3.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from iapws import D2O, IAPWS95

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ...validation import check_int, check_range, check_real

__all__ = ["FLUIDS", "CRITICAL", "NEAR_CRITICAL_REDUCED", "TransportParams", "transport_dataset",
           "transport_properties", "reduced_saturation_temperature"]

FLUIDS = {"H2O": IAPWS95, "D2O": D2O}
#: (T_c in K, p_c in MPa, triple-point T in K) of each fluid
CRITICAL = {"H2O": (IAPWS95.Tc, IAPWS95.Pc, 273.16), "D2O": (D2O.Tc, D2O.Pc, 276.969)}
#: ((T_r low, high), (p_r low, high)) excluded around the critical point
NEAR_CRITICAL_REDUCED = ((0.97, 1.08), (0.7, 1.6))


def _check_fluid(fluid: object) -> str:
    if fluid not in FLUIDS:
        raise ParameterError.invalid("fluid", fluid, f"one of {', '.join(FLUIDS)}")
    return str(fluid)


def reduced_saturation_temperature(fluid: str, p_r: np.ndarray) -> np.ndarray:
    """T_sat / T_c at reduced pressure ``p_r`` from the fluid's vapour-pressure equation; 1 for p_r >= 1."""
    fluid = _check_fluid(fluid)
    tc, pc, tt = CRITICAL[fluid]
    T = np.linspace(tt, tc, 2000)
    log_pr = np.log(np.array([FLUIDS[fluid]._Vapor_Pressure(t) for t in T]) / pc)
    p_r = np.asarray(p_r, float)
    out = np.ones_like(p_r)
    below = p_r < 1.0
    out[below] = np.interp(np.log(p_r[below]), log_pr, T / tc)
    return out


def _root_is_right(cls, fluid: str, t: float, pp: float, rho: float) -> bool:
    """The density solves p(rho, T) = p and lies on the stable side (vapour below p_sat, liquid above).

    Needed because ``iapws.D2O(T, P)`` can return a root on the unstable branch of the isotherm: at
    T = 0.995 T_c, p = 0.05 p_c it gives 230 kg/m^3 where the vapour has 4.2 (measured).
    """
    tc, _, _ = CRITICAL[fluid]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_back = cls(rho=rho, T=t).P
    if not abs(p_back / pp - 1.0) < 1e-6:
        return False
    if t >= tc:
        return True
    p_sat = cls._Vapor_Pressure(t)
    if abs(pp / p_sat - 1.0) < 1e-3:
        return False  # on the saturation line within the ancillary equation's accuracy: ambiguous
    return (rho < cls.rhoc) == (pp < p_sat)


def transport_properties(fluid: str, T: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(viscosity Pa s, thermal conductivity W/(m K), density kg/m^3)`` at each ``(T K, p MPa)``.

    NaN where iapws finds no density, or a density on the wrong (unstable) branch.
    """
    cls = FLUIDS[_check_fluid(fluid)]
    T, p = np.broadcast_arrays(np.asarray(T, float), np.asarray(p, float))
    mu, k, rho = (np.full(T.shape, np.nan) for _ in range(3))
    for i, (t, pp) in enumerate(zip(T.ravel(), p.ravel())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # iapws warns when a state is outside a correlation's validated range
            s = cls(T=float(t), P=float(pp))
        if s.status and np.isfinite(s.mu) and _root_is_right(cls, fluid, float(t), float(pp), float(s.rho)):
            mu.flat[i], k.flat[i], rho.flat[i] = s.mu, s.k, s.rho
    return mu, k, rho


@dataclass(frozen=True)
class TransportParams:
    """State points of one fluid, drawn uniformly in T_r and log-uniformly in p_r.

    The defaults keep both fluids inside their formulations' ranges (D2O: 277-825 K).
    """

    fluid: str = "H2O"
    n_samples: int = 1000
    reduced_temperature: tuple[float, float] = (0.44, 1.24)
    reduced_pressure: tuple[float, float] = (0.005, 2.2)
    saturation_gap: float = 0.01

    def __post_init__(self) -> None:
        _check_fluid(self.fluid)
        check_int("n_samples", self.n_samples, 1)
        check_range("reduced_temperature", self.reduced_temperature, 0.43, 1.28, "(T / T_c)")
        check_range("reduced_pressure", self.reduced_pressure, 1e-4, 4.0, "(p / p_c)")
        check_real("saturation_gap", self.saturation_gap, 0.0, 0.1, "(in T / T_c)")


def _keep(params: TransportParams, tr: np.ndarray, pr: np.ndarray) -> np.ndarray:
    (t0, t1), (p0, p1) = NEAR_CRITICAL_REDUCED
    near_critical = (tr >= t0) & (tr <= t1) & (pr >= p0) & (pr <= p1)
    tsat = reduced_saturation_temperature(params.fluid, pr)
    near_sat = (pr < 1.0) & (np.abs(tr - tsat) < params.saturation_gap)
    return ~near_critical & ~near_sat


def transport_dataset(params: TransportParams, *, seed: int | np.random.Generator) -> Dataset:
    """``n_samples`` states with T, p, T_r, p_r, T_r - T_r,sat, viscosity, conductivity and density."""
    rng = np.random.default_rng(seed)
    tc, pc, _ = CRITICAL[params.fluid]
    parts, n = [], 0
    for _ in range(100):
        m = int(1.2 * (params.n_samples - n)) + 8
        tr = rng.uniform(*params.reduced_temperature, m)
        pr = np.exp(rng.uniform(*np.log(params.reduced_pressure), m))
        keep = _keep(params, tr, pr)
        tr, pr = tr[keep], pr[keep]
        props = transport_properties(params.fluid, tr * tc, pr * pc)
        ok = np.isfinite(props[0])  # states where iapws gives no trustworthy density are drawn again
        parts.append((tr[ok], pr[ok], *(a[ok] for a in props)))
        n += int(ok.sum())
        if n >= params.n_samples:
            break
    tr, pr, mu, k, rho = (np.concatenate([part[j] for part in parts])[:params.n_samples] for j in range(5))
    T, p = tr * tc, pr * pc
    arrays = {"temperature_K": T, "pressure_MPa": p, "reduced_temperature": tr, "reduced_pressure": pr,
              "reduced_distance_to_saturation": tr - reduced_saturation_temperature(params.fluid, pr),
              "viscosity": mu, "thermal_conductivity": k, "density": rho}
    units = {"temperature_K": "K", "pressure_MPa": "MPa", "reduced_temperature": "1", "reduced_pressure": "1",
             "reduced_distance_to_saturation": "1", "viscosity": "Pa s", "thermal_conductivity": "W/(m K)",
             "density": "kg/m^3"}
    return Dataset(arrays, units, provenance(f"iapws-{params.fluid}-transport", asdict(params), seed_record(seed)))
