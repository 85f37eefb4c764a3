"""Thermal conductivity of water and steam, k(T, p), from the IAPWS 2011 formulation.

k comes from IAPWS R15-11 (Huber et al., J. Phys. Chem. Ref. Data 41, 033102,
2012) as implemented by ``iapws``; the density and the derivatives its
critical enhancement needs come from one of (``formulation``):

* ``'IAPWS-95'``: the scientific formulation (``iapws.IAPWS95``), the
  reference; about 5 ms a point (it solves for the density).
* ``'IAPWS-97'``: the industrial formulation IAPWS-IF97 (``iapws.IAPWS97``)
  with R15-11's simplified critical enhancement; about 0.15 ms a point.
  Measured against IAPWS-95 over T 275-1000 K, p 0.1-50 MPa it agrees
  within 0.1 % (median 2e-6) outside 620-720 K x 16-40 MPa; inside, along
  the pseudo-critical ridge just above the critical point, it is up to
  ~2 % off (4 % in the box the data set excludes around the critical point).
* ``'hybrid'`` (default): IAPWS-97 except in the near-critical window
  :data:`NEAR_CRITICAL_WINDOW` (620-720 K, 16-40 MPa), where it uses
  IAPWS-95; within 0.1 % of IAPWS-95 everywhere, at about 0.3 ms a point
  (2000 default points: 0.55 s; 'IAPWS-95' alone: 10 s).

Units: T in K, p in MPa, k in W/(m K), density in kg/m^3.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from iapws import IAPWS95, IAPWS97
from iapws.iapws97 import _TSat_P

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ...validation import check_int, check_range, check_real
from ._phase import (
    _P_SAT_MIN_MPA,
    P_CRITICAL_MPA,
    PHASES,
    T_CRITICAL_K,
    T_TRIPLE_K,
    _curve,
    _phase_codes,
)

__all__ = ["FORMULATIONS", "NEAR_CRITICAL_WINDOW", "thermal_conductivity", "ConductivityParams", "conductivity_dataset"]

FORMULATIONS = ("hybrid", "IAPWS-97", "IAPWS-95")
#: ((T_low, T_high) K, (p_low, p_high) MPa) where 'hybrid' switches to IAPWS-95
NEAR_CRITICAL_WINDOW = ((620.0, 720.0), (16.0, 40.0))
_T_LIMITS = (T_TRIPLE_K, 1073.15)  # IF97 regions 1-3 end at 1073.15 K
_P_LIMITS = (1e-6, 100.0)


def _in_window(T: float, p: float) -> bool:
    (t0, t1), (p0, p1) = NEAR_CRITICAL_WINDOW
    return t0 <= T <= t1 and p0 <= p <= p1


def _k_rho(T: float, p: float, formulation: str) -> tuple[float, float]:
    """``(k in W/(m K), density in kg/m^3)`` at one state point."""
    if formulation == "IAPWS-97" or (formulation == "hybrid" and not _in_window(T, p)):
        state = IAPWS97(T=T, P=p)
        return float(state.k), float(state.rho)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = IAPWS95(T=T, P=p)
        # IAPWS95 solves p(rho, T) = p with scipy's fsolve, which only warns when
        # it stalls: check the root instead of trusting it
        p_back = IAPWS95(rho=state.rho, T=T).P
    if not (state.status and abs(p_back / p - 1.0) < 1e-6):
        notes = "; ".join(str(w.message) for w in caught) or "no warning"
        raise RuntimeError(f"IAPWS-95 did not converge at T={T} K, p={p} MPa ({notes}); use formulation='IAPWS-97'")
    return float(state.k), float(state.rho)


def _check_formulation(formulation: object) -> str:
    if formulation not in FORMULATIONS:
        raise ParameterError.invalid("formulation", formulation, f"one of {', '.join(FORMULATIONS)}")
    return str(formulation)


def thermal_conductivity(T_K: object, p_MPa: object, *, formulation: str = "hybrid") -> np.ndarray:
    """Thermal conductivity of water in W/(m K) at ``T_K`` (K) and ``p_MPa`` (MPa), elementwise.

    Valid for 273.16 K <= T <= 1073.15 K and 1e-6 MPa <= p <= 100 MPa (fluid
    states; the phase on the saturation curve itself is whichever the
    formulation picks). See the module docstring for ``formulation``.
    """
    formulation = _check_formulation(formulation)
    T, p = np.broadcast_arrays(np.asarray(T_K, np.float64), np.asarray(p_MPa, np.float64))
    for name, arr, (lo, hi), unit in (("T_K", T, _T_LIMITS, "K"), ("p_MPa", p, _P_LIMITS, "MPa")):
        bad = ~(np.isfinite(arr) & (arr >= lo) & (arr <= hi))
        if bad.any():
            raise ParameterError.invalid(name, arr[bad].flat[0].item(), f"in [{lo:g}, {hi:g}] {unit}")
    k = np.array([_k_rho(t, q, formulation)[0] for t, q in zip(T.ravel().tolist(), p.ravel().tolist())])
    return k.reshape(T.shape)


@dataclass(frozen=True)
class ConductivityParams:
    """Parameters of :func:`conductivity_dataset` (units K, MPa).

    n_samples:
        number of state points, >= 1.
    T_range_K:
        ``(low, high)``, T drawn uniformly; within [273.16, 1073.15] K.
    p_range_MPa:
        ``(low, high)``, p drawn log-uniformly; within [1e-6, 100] MPa.
    saturation_margin_K:
        points with ``|T - T_sat(p)| < margin`` are redrawn, so no point sits on
        the liquid-vapour discontinuity of k (where the phase is ambiguous); in [0, 50] K.
    critical_margin_K, critical_margin_MPa:
        points with ``|T - T_c| < critical_margin_K`` and ``|p - p_c| < critical_margin_MPa``
        are redrawn: k diverges at the critical point (647.096 K, 22.064 MPa).
    formulation:
        ``'hybrid'`` (default), ``'IAPWS-97'`` or ``'IAPWS-95'``; see the module docstring.
    """

    n_samples: int = 2000
    T_range_K: tuple[float, float] = (275.0, 1000.0)
    p_range_MPa: tuple[float, float] = (0.1, 50.0)
    saturation_margin_K: float = 1.0
    critical_margin_K: float = 2.0
    critical_margin_MPa: float = 0.5
    formulation: str = "hybrid"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_samples", check_int("n_samples", self.n_samples, 1))
        set_(self, "T_range_K", check_range("T_range_K", self.T_range_K, *_T_LIMITS, "K"))
        set_(self, "p_range_MPa", check_range("p_range_MPa", self.p_range_MPa, *_P_LIMITS, "MPa"))
        set_(self, "saturation_margin_K", check_real("saturation_margin_K", self.saturation_margin_K, 0.0, 50.0, "K"))
        set_(self, "critical_margin_K", check_real("critical_margin_K", self.critical_margin_K, 0.0, 50.0, "K"))
        set_(self, "critical_margin_MPa", check_real("critical_margin_MPa", self.critical_margin_MPa, 0.0, 10.0, "MPa"))
        set_(self, "formulation", _check_formulation(self.formulation))


def _rejections(T: np.ndarray, p: np.ndarray, params: ConductivityParams) -> tuple[np.ndarray, np.ndarray]:
    """Masks of points too close to the saturation curve and to the critical point."""
    near_sat = np.zeros(T.shape, bool)
    has_sat = (p >= _P_SAT_MIN_MPA) & (p <= P_CRITICAL_MPA)
    if params.saturation_margin_K > 0 and has_sat.any():
        near_sat[has_sat] = np.abs(T[has_sat] - _curve(_TSat_P, p[has_sat])) < params.saturation_margin_K
    near_crit = ((np.abs(T - T_CRITICAL_K) < params.critical_margin_K)
                 & (np.abs(p - P_CRITICAL_MPA) < params.critical_margin_MPa))
    return near_sat, near_crit & ~near_sat


UNITS = {
    "temperature_K": "K",
    "pressure_MPa": "MPa",
    "log10_pressure_MPa": "log10(MPa)",
    "thermal_conductivity": "W/(m K)",
    "density_kg_m3": "kg/m^3",
    "phase": "1",
    "phase_index": "1",
}


def conductivity_dataset(params: ConductivityParams, *, seed: int | np.random.Generator,
                         progress: bool = False) -> Dataset:
    """k(T, p) of water and steam at ``params.n_samples`` random state points.

    T is uniform and p log-uniform in their ranges; points inside the
    saturation or critical margins are rejected and redrawn (the counts are
    in ``attrs``). Arrays: ``temperature_K``, ``pressure_MPa``,
    ``log10_pressure_MPa`` (features), ``thermal_conductivity`` (W/(m K),
    the target), ``density_kg_m3`` (from the same formulation), ``phase``
    (``S13`` class name: liquid, vapour or supercritical) and ``phase_index``
    (into ``attrs['classes']``). ``progress`` shows a bar over points.
    """
    if not isinstance(params, ConductivityParams):
        raise TypeError(f"params must be ConductivityParams; got {type(params).__name__}")
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    n = params.n_samples
    log_p_range = np.log10(params.p_range_MPa)
    Ts, logps, n_sat, n_crit, n_drawn = [], [], 0, 0, 0
    while (n_kept := sum(len(t) for t in Ts)) < n:
        if n_drawn >= 10_000 and n_kept < 1e-3 * n_drawn:
            raise ParameterError.invalid("T_range_K, p_range_MPa", (params.T_range_K, params.p_range_MPa),
                                         "ranges that are not almost all inside the saturation and critical margins")
        batch = max(64, 2 * (n - n_kept))
        n_drawn += batch
        T = rng.uniform(*params.T_range_K, size=batch)
        log_p = rng.uniform(*log_p_range, size=batch)
        near_sat, near_crit = _rejections(T, 10.0**log_p, params)
        n_sat, n_crit = n_sat + int(near_sat.sum()), n_crit + int(near_crit.sum())
        keep = ~(near_sat | near_crit)
        Ts.append(T[keep])
        logps.append(log_p[keep])
    T, log_p = np.concatenate(Ts)[:n], np.concatenate(logps)[:n]
    p = 10.0**log_p
    points = zip(T.tolist(), p.tolist())
    if progress:
        from tqdm import tqdm

        points = tqdm(points, total=n, desc="water k(T, p)", unit="pt")
    k_rho = np.array([_k_rho(t, q, params.formulation) for t, q in points]).reshape(n, 2)
    codes = _phase_codes(T, p)
    arrays = {
        "temperature_K": T,
        "pressure_MPa": p,
        "log10_pressure_MPa": log_p,
        "thermal_conductivity": k_rho[:, 0],
        "density_kg_m3": k_rho[:, 1],
        "phase": np.asarray(PHASES, dtype="S13")[codes],
        "phase_index": codes.astype(np.int64),
    }
    attrs = provenance("water-conductivity", asdict(params), record)
    attrs.update(
        classes=json.dumps(list(PHASES)),
        features=json.dumps(["temperature_K", "log10_pressure_MPa"]),
        target="thermal_conductivity",
        formulation=f"IAPWS R15-11 thermal conductivity with {params.formulation} properties",
        n_rejected_saturation=n_sat,
        n_rejected_critical=n_crit,
    )
    return Dataset(arrays, dict(UNITS), attrs)
