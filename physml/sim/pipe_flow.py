"""Pressure drop of fully developed, incompressible flow in a straight round pipe.

Darcy-Weisbach: ``dp = f (L / D) rho v^2 / 2`` with the Darcy friction factor
``f(Re, eps/D)``, ``Re = rho v D / mu``:

* laminar, ``Re < 2300``: ``f = 64 / Re`` (Hagen-Poiseuille, exact);
* ``Re >= 2300``: the Colebrook-White equation
  ``1/sqrt(f) = -2 log10(eps / (3.7 D) + 2.51 / (Re sqrt(f)))``, solved to
  machine precision. Switching sharply at 2300 is the usual engineering
  convention; real flow in 2300 <= Re < ~4000 is intermittent, and f jumps
  there from 64/2300 = 0.028 to about 0.05. Data sets record the fraction of
  samples in that band.

SI units throughout: m/s, m, kg/m^3, Pa s, Pa. :func:`pipe_flow_dataset` adds a
``decoy`` feature drawn independently of everything else: by construction it
has no effect on the pressure drop, which makes it a check for feature
attributions (a decoy should rank last).
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import newton

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ..validation import check_range

__all__ = [
    "LAMINAR_LIMIT",
    "MAX_RELATIVE_ROUGHNESS",
    "reynolds_number",
    "colebrook_residual",
    "friction_factor",
    "pressure_drop",
    "PipeFlowParams",
    "pipe_flow_dataset",
]

#: Reynolds number below which the flow is taken as laminar
LAMINAR_LIMIT = 2300.0
#: largest eps/D the data generator accepts: the range of the Moody chart
MAX_RELATIVE_ROUGHNESS = 0.05
_LN10 = math.log(10.0)


def reynolds_number(velocity: object, diameter: object, density: object, viscosity: object) -> np.ndarray:
    """``Re = rho v D / mu`` (dimensionless); SI inputs, elementwise."""
    rho, v, D, mu = (np.asarray(x, np.float64) for x in (density, velocity, diameter, viscosity))
    return rho * v * D / mu


def colebrook_residual(f: object, reynolds: object, relative_roughness: object) -> np.ndarray:
    """``1/sqrt(f) + 2 log10(eps/D / 3.7 + 2.51 / (Re sqrt(f)))``: zero where ``f`` solves Colebrook-White."""
    x = 1.0 / np.sqrt(np.asarray(f, np.float64))
    rel, Re = np.asarray(relative_roughness, np.float64), np.asarray(reynolds, np.float64)
    return x + 2.0 * np.log10(rel / 3.7 + 2.51 * x / Re)


def _colebrook(reynolds: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Colebrook-White f by Newton's method on x = 1/sqrt(f), vectorised.

    g(x) = x + 2 log10(a + b x) with a = (eps/D)/3.7, b = 2.51/Re is increasing
    and concave, so Newton converges from any x > 0 with a + b x > 0; the
    Swamee-Jain (1976) explicit formula (within 3 %) is the start, and two
    or three steps reach machine precision.
    """
    a, b = rel / 3.7, 2.51 / reynolds
    x0 = -2.0 * np.log10(a + 5.74 * reynolds**-0.9)
    x = newton(lambda x: x + 2.0 * np.log10(a + b * x), x0,
               fprime=lambda x: 1.0 + 2.0 * b / ((a + b * x) * _LN10), tol=1e-13, maxiter=50)
    return 1.0 / np.square(x)


def friction_factor(reynolds: object, relative_roughness: object) -> np.ndarray:
    """Darcy friction factor: ``64/Re`` below :data:`LAMINAR_LIMIT`, Colebrook-White at and above it.

    ``reynolds`` > 0 and ``relative_roughness`` (eps/D) >= 0, elementwise and broadcast;
    ``relative_roughness = 0`` is a hydraulically smooth pipe.
    """
    Re, rel = np.broadcast_arrays(np.asarray(reynolds, np.float64), np.asarray(relative_roughness, np.float64))
    for name, arr, ok, allowed in (("reynolds", Re, Re > 0, "finite and > 0"),
                                   ("relative_roughness", rel, rel >= 0, "finite and >= 0")):
        bad = ~(np.isfinite(arr) & ok)
        if bad.any():
            raise ParameterError.invalid(name, arr[bad].flat[0].item(), allowed)
    f = np.empty(Re.shape)
    laminar = Re < LAMINAR_LIMIT
    f[laminar] = 64.0 / Re[laminar]
    if (~laminar).any():
        f[~laminar] = _colebrook(Re[~laminar], rel[~laminar])
    return f


def pressure_drop(velocity: object, diameter: object, density: object, viscosity: object,
                  roughness: object, length: object) -> np.ndarray:
    """Darcy-Weisbach pressure drop in Pa over ``length`` m of pipe (SI inputs, elementwise)."""
    v, D, rho = (np.asarray(x, np.float64) for x in (velocity, diameter, density))
    f = friction_factor(reynolds_number(v, D, rho, viscosity), np.asarray(roughness, np.float64) / D)
    return f * (np.asarray(length, np.float64) / D) * rho * v**2 / 2.0


# -- data set ---------------------------------------------------------------------------------

_RANGES = {  # name: (unit, default)
    "velocity_range_m_s": ("m/s", (0.1, 5.0)),
    "diameter_range_m": ("m", (0.01, 0.5)),
    "density_range_kg_m3": ("kg/m^3", (700.0, 1300.0)),
    "viscosity_range_Pa_s": ("Pa s", (3e-4, 3e-2)),
    "roughness_range_m": ("m", (1e-6, 5e-4)),
    "length_range_m": ("m", (1.0, 100.0)),
}


def _positive_range(name: str, value: object) -> tuple[float, float]:
    return check_range(name, value, 0.0, math.inf, f"({_RANGES[name][0]})", allow_equal=True)


@dataclass(frozen=True)
class PipeFlowParams:
    """Parameters of :func:`pipe_flow_dataset` (SI units).

    Each ``*_range`` is ``(low, high)`` with ``0 < low <= high`` (equal ends fix
    the quantity) and is sampled log-uniformly, independently of the others.
    The largest relative roughness, ``roughness high / diameter low``, must not
    exceed :data:`MAX_RELATIVE_ROUGHNESS` (0.05). ``noise_sigma`` >= 0 is the
    standard deviation of ``ln(dp_observed / dp_true)`` (log-normal,
    multiplicative measurement noise; about the relative error when small).
    """

    n_samples: int = 2000
    velocity_range_m_s: tuple[float, float] = _RANGES["velocity_range_m_s"][1]
    diameter_range_m: tuple[float, float] = _RANGES["diameter_range_m"][1]
    density_range_kg_m3: tuple[float, float] = _RANGES["density_range_kg_m3"][1]
    viscosity_range_Pa_s: tuple[float, float] = _RANGES["viscosity_range_Pa_s"][1]
    roughness_range_m: tuple[float, float] = _RANGES["roughness_range_m"][1]
    length_range_m: tuple[float, float] = _RANGES["length_range_m"][1]
    noise_sigma: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = self.n_samples
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ParameterError.invalid("n_samples", n, "an integer >= 1")
        set_(self, "n_samples", int(n))
        for name in _RANGES:
            set_(self, name, _positive_range(name, getattr(self, name)))
        rel_max = self.roughness_range_m[1] / self.diameter_range_m[0]
        if rel_max > MAX_RELATIVE_ROUGHNESS:
            raise ParameterError.invalid("roughness_range_m", self.roughness_range_m,
                                         f"such that roughness high / diameter low <= {MAX_RELATIVE_ROUGHNESS} "
                                         f"(the Moody chart's range; diameter low is {self.diameter_range_m[0]:g} m)")
        s = self.noise_sigma
        if isinstance(s, bool) or not isinstance(s, numbers.Real) or not (math.isfinite(s) and 0 <= s <= 1):
            raise ParameterError.invalid("noise_sigma", s, "a number in [0, 1] (std of ln dp)")
        set_(self, "noise_sigma", float(s))


FEATURES = ("velocity_m_s", "diameter_m", "density_kg_m3", "viscosity_Pa_s", "roughness_m", "length_m", "decoy")
DERIVED = ("reynolds_number", "relative_roughness", "friction_factor", "pressure_drop_true_Pa", "laminar")
UNITS = {
    "velocity_m_s": "m/s", "diameter_m": "m", "density_kg_m3": "kg/m^3", "viscosity_Pa_s": "Pa s",
    "roughness_m": "m", "length_m": "m", "decoy": "1", "pressure_drop_Pa": "Pa",
    "log10_pressure_drop_Pa": "log10(Pa)", "reynolds_number": "1", "relative_roughness": "1",
    "friction_factor": "1", "pressure_drop_true_Pa": "Pa", "laminar": "1",
}


def pipe_flow_dataset(params: PipeFlowParams, *, seed: int | np.random.Generator) -> Dataset:
    """``params.n_samples`` pipe flows and their pressure drops.

    Features: ``velocity_m_s``, ``diameter_m``, ``density_kg_m3``,
    ``viscosity_Pa_s``, ``roughness_m``, ``length_m`` and ``decoy`` (uniform
    on [0, 1), drawn after the physical features and never used: no effect by
    construction). Targets: ``pressure_drop_Pa`` (with the measurement noise, if
    any) and ``log10_pressure_drop_Pa``. Derived, not features (they are the
    physics' own combinations and leak the answer): ``reynolds_number``,
    ``relative_roughness``, ``friction_factor``, ``pressure_drop_true_Pa``
    (noise-free) and ``laminar`` (bool). All draws come from one
    ``numpy.random.default_rng(seed)`` stream in a fixed order (features,
    decoy, noise), so the noise level changes neither features nor decoy.
    """
    if not isinstance(params, PipeFlowParams):
        raise TypeError(f"params must be PipeFlowParams; got {type(params).__name__}")
    record = seed_record(seed)  # before the generator (if one) advances
    rng = np.random.default_rng(seed)
    n = params.n_samples
    arrays: dict[str, np.ndarray] = {}
    for name in FEATURES[:-1]:
        low, high = _range_of(params, name)
        arrays[name] = 10.0 ** rng.uniform(math.log10(low), math.log10(high), size=n)
    arrays["decoy"] = rng.uniform(0.0, 1.0, size=n)
    noise = rng.standard_normal(n)
    v, D, rho, mu, eps, L = (arrays[k] for k in FEATURES[:-1])
    Re, rel = reynolds_number(v, D, rho, mu), eps / D
    f = friction_factor(Re, rel)
    dp_true = f * (L / D) * rho * v**2 / 2.0
    dp = dp_true * np.exp(params.noise_sigma * noise)
    arrays.update(pressure_drop_Pa=dp, log10_pressure_drop_Pa=np.log10(dp), reynolds_number=Re,
                  relative_roughness=rel, friction_factor=f, pressure_drop_true_Pa=dp_true,
                  laminar=Re < LAMINAR_LIMIT)
    attrs = provenance("pipe-flow", asdict(params), record)
    attrs.update(
        features=json.dumps(list(FEATURES)),
        target="pressure_drop_Pa",
        derived=json.dumps(list(DERIVED)),
        decoy_note="uniform [0, 1), independent of every other array; no effect on the target by construction",
        friction="64/Re for Re < 2300; Colebrook-White for Re >= 2300",
        laminar_fraction=float(np.mean(Re < LAMINAR_LIMIT)),
        transitional_fraction=float(np.mean((Re >= LAMINAR_LIMIT) & (Re < 4000.0))),
    )
    return Dataset(arrays, dict(UNITS), attrs)


def _range_of(params: PipeFlowParams, feature: str) -> tuple[float, float]:
    quantity, unit = feature.split("_", 1)
    return getattr(params, f"{quantity}_range_{unit}")

