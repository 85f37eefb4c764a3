"""``phase_dataset``: labelled ``(T, p)`` samples of the phase of water."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance, seed_record

from ...validation import check_int, check_range, check_real
from ._phase import P_IH_III_MPA, PHASES, T_MAX_K, T_MIN_K, _phase_codes, hard_points_mask

__all__ = ["WaterPhaseParams", "phase_dataset"]

#: widest label-safe domain; the default stays at p <= 100 MPa where the ice is ice Ih
_T_LIMITS = (T_MIN_K, T_MAX_K)
_P_LIMITS = (1e-12, P_IH_III_MPA)


@dataclass(frozen=True)
class WaterPhaseParams:
    """Parameters of :func:`phase_dataset` (units K and MPa).

    n_samples:
        number of ``(T, p)`` points, >= 1.
    T_range_K:
        ``(low, high)``; T is drawn uniformly in it. Within [50, 1273.15] K.
    p_range_MPa:
        ``(low, high)``; p is drawn log-uniformly in it (uniform in log10 p).
        Within [1e-12, 208.566] MPa.
    rel_dT, dlog10_p:
        the neighbourhood of :func:`hard_points_mask` used for ``near_boundary``.
    """

    n_samples: int
    T_range_K: tuple[float, float] = (200.0, 1000.0)
    p_range_MPa: tuple[float, float] = (1e-6, 100.0)
    rel_dT: float = 0.05
    dlog10_p: float = 0.4

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_samples", check_int("n_samples", self.n_samples, 1))
        set_(self, "T_range_K", check_range("T_range_K", self.T_range_K, *_T_LIMITS, "K"))
        set_(self, "p_range_MPa", check_range("p_range_MPa", self.p_range_MPa, *_P_LIMITS, "MPa"))
        set_(self, "rel_dT", check_real("rel_dT", self.rel_dT, 0.0, 0.5, ""))
        set_(self, "dlog10_p", check_real("dlog10_p", self.dlog10_p, 0.0, 3.0, "decades"))


UNITS = {
    "temperature_K": "K",
    "pressure_MPa": "MPa",
    "log10_pressure_MPa": "log10(MPa)",
    "phase": "1",
    "phase_index": "1",
    "near_boundary": "1",
}


def phase_dataset(params: WaterPhaseParams, *, seed: int | np.random.Generator) -> Dataset:
    """Sample ``params.n_samples`` points and label their phase.

    Arrays: ``temperature_K`` (K), ``pressure_MPa`` (MPa), ``log10_pressure_MPa``,
    ``phase`` (class name as fixed-width bytes, ``S13``), ``phase_index``
    (int64 index into ``attrs['classes']``, a JSON list equal to :data:`PHASES`)
    and ``near_boundary`` (bool, :func:`hard_points_mask`). ``attrs['features']``
    lists the feature arrays and ``attrs['target']`` the label.
    """
    if not isinstance(params, WaterPhaseParams):
        raise TypeError(f"params must be WaterPhaseParams; got {type(params).__name__}")
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    n = params.n_samples
    T = rng.uniform(*params.T_range_K, size=n)
    log_p = rng.uniform(*np.log10(params.p_range_MPa), size=n)
    p = 10.0**log_p
    codes = _phase_codes(T, p)
    arrays = {
        "temperature_K": T,
        "pressure_MPa": p,
        "log10_pressure_MPa": log_p,
        "phase": np.asarray(PHASES, dtype="S13")[codes],
        "phase_index": codes.astype(np.int64),
        "near_boundary": hard_points_mask(T, p, rel_dT=params.rel_dT, dlog10_p=params.dlog10_p),
    }
    attrs = provenance("water-phase", asdict(params), record)
    attrs.update(
        classes=json.dumps(list(PHASES)),
        features=json.dumps(["temperature_K", "log10_pressure_MPa"]),
        target="phase",
        formulation="IAPWS R14-08(2011) melting/sublimation curves of ice Ih; IAPWS-IF97 saturation curve",
    )
    return Dataset(arrays, dict(UNITS), attrs)
