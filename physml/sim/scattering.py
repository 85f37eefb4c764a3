"""Reflection of a plane acoustic wave from a layered medium, by the transfer-matrix method.

A plane pressure wave in a half-space of impedance ``Z_0`` hits, at normal
incidence, ``N`` homogeneous layers (impedance ``Z_j``, sound speed ``c_j``,
thickness ``d_j``) on a substrate half-space of impedance ``Z_s``. With time
dependence ``exp(-i omega t)`` the pressure and normal particle velocity
``(p, v)`` at the top of layer ``j`` follow from those at its bottom by

    M_j = [[cos(k_j d_j),           i Z_j sin(k_j d_j)],
           [i sin(k_j d_j) / Z_j,   cos(k_j d_j)      ]],   k_j = omega / c_j,

and continuity of ``(p, v)`` at every interface gives, with ``M = M_1 ... M_N``,
``A = M_11 + M_12 / Z_s`` and ``B = M_21 + M_22 / Z_s``:

    R = (A - Z_0 B) / (A + Z_0 B),    T = 2 / (A + Z_0 B).

Exact checks (tests): no layer gives the single-interface ``(Z_s - Z_0)/(Z_s + Z_0)``;
a quarter-wave layer (``k d = pi/2``) of impedance ``sqrt(Z_0 Z_s)`` reflects nothing;
lossless media conserve energy, ``|R|^2 + (Z_0/Z_s)|T|^2 = 1``.

Units: SI, impedances in MRayl (1e6 Pa s/m; only ratios matter), speeds in m/s,
thicknesses in m, frequencies in Hz. The inverse-problem setting
(:class:`ScatteringParams`) is water over one sediment layer on a rock
substrate: unknown layer impedance, layer thickness and substrate impedance,
observed as Re and Im of R at a band of frequencies with Gaussian noise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ..validation import check_int, check_range, check_real

__all__ = ["reflection_transmission", "reflection", "ScatteringParams", "PARAMETER_NAMES", "observe",
           "scattering_dataset"]


def _layers(impedances, speeds, thicknesses):
    Z = np.asarray(impedances, np.float64)
    c = np.asarray(speeds, np.float64)
    d = np.asarray(thicknesses, np.float64)
    if Z.ndim < 1 or Z.shape[-1] < 2:
        raise ParameterError.invalid("impedances", Z.shape, "an array (..., N + 2): incident, N layers, substrate")
    n = Z.shape[-1] - 2
    if c.shape[-1:] != (n,) or d.shape[-1:] != (n,):
        raise ParameterError.invalid("speeds/thicknesses", (c.shape, d.shape), f"arrays (..., {n}) for {n} layers")
    for name, arr, ok in (("impedances", Z, Z > 0), ("speeds", c, c > 0), ("thicknesses", d, d >= 0)):
        bad = ~(np.isfinite(arr) & ok)
        if bad.any():
            raise ParameterError.invalid(name, arr[bad].flat[0].item(), "finite and > 0 (thickness >= 0)")
    return Z, c, d, n


def reflection_transmission(impedances, speeds, thicknesses, frequencies) -> tuple[np.ndarray, np.ndarray]:
    """Complex pressure reflection and transmission coefficients ``(R, T)``, shape ``(..., F)``.

    ``impedances`` is ``(..., N + 2)`` (incident medium, N layers, substrate); ``speeds`` and
    ``thicknesses`` are ``(..., N)``; ``frequencies`` is ``(F,)``. Leading axes broadcast, so
    one call evaluates a whole batch of media (as MCMC walkers and simulation-based inference need).
    """
    Z, c, d, n = _layers(impedances, speeds, thicknesses)
    f = np.asarray(frequencies, np.float64)
    if f.ndim != 1 or not np.all(np.isfinite(f) & (f > 0)):
        raise ParameterError.invalid("frequencies", f, "a 1-d array of finite frequencies > 0 Hz")
    omega = 2.0 * np.pi * f
    batch = np.broadcast_shapes(Z.shape[:-1], c.shape[:-1], d.shape[:-1])
    m11 = np.ones(batch + f.shape, complex)
    m12 = np.zeros_like(m11)
    m21 = np.zeros_like(m11)
    m22 = np.ones_like(m11)
    for j in range(n):
        phase = omega * (d[..., j:j + 1] / c[..., j:j + 1])
        cs, sn, Zj = np.cos(phase), np.sin(phase), Z[..., j + 1:j + 2]
        a12, a21 = 1j * Zj * sn, 1j * sn / Zj
        m11, m12, m21, m22 = (m11 * cs + m12 * a21, m11 * a12 + m12 * cs,
                              m21 * cs + m22 * a21, m21 * a12 + m22 * cs)
    Z0, Zs = Z[..., :1], Z[..., -1:]
    A, B = m11 + m12 / Zs, m21 + m22 / Zs
    denom = A + Z0 * B
    return (A - Z0 * B) / denom, 2.0 / denom


def reflection(impedances, speeds, thicknesses, frequencies) -> np.ndarray:
    """Complex reflection coefficient ``R(f)``, shape ``(..., F)``; see :func:`reflection_transmission`."""
    return reflection_transmission(impedances, speeds, thicknesses, frequencies)[0]


# -- the inverse-problem setting: one sediment layer on rock, under water ------------------------

PARAMETER_NAMES = ("layer_impedance_MRayl", "layer_thickness_m", "substrate_impedance_MRayl")
UNITS = {"layer_impedance_MRayl": "MRayl", "layer_thickness_m": "m", "substrate_impedance_MRayl": "MRayl",
         "reflection_real": "1", "reflection_imag": "1", "frequency_Hz": "Hz", "observations": "1"}


@dataclass(frozen=True)
class ScatteringParams:
    """One layer of unknown impedance and thickness on a substrate of unknown impedance, under water.

    Parameters are drawn uniformly from their ranges (the prior of the inverse problem). The
    observation is ``(Re R, Im R)`` at ``n_frequencies`` frequencies evenly spaced over
    ``frequency_range_Hz``, plus independent Gaussian noise of std ``noise_std`` (|R| <= 1).
    """

    n_samples: int = 1000
    water_impedance_MRayl: float = 1.48
    layer_speed_m_s: float = 1600.0
    layer_impedance_range_MRayl: tuple[float, float] = (1.6, 4.0)
    layer_thickness_range_m: tuple[float, float] = (0.05, 0.30)
    substrate_impedance_range_MRayl: tuple[float, float] = (4.0, 12.0)
    frequency_range_Hz: tuple[float, float] = (500.0, 5000.0)
    n_frequencies: int = 24
    noise_std: float = 0.02

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_samples", check_int("n_samples", self.n_samples, 1))
        set_(self, "n_frequencies", check_int("n_frequencies", self.n_frequencies, 2))
        set_(self, "water_impedance_MRayl", check_real("water_impedance_MRayl", self.water_impedance_MRayl,
                                                        1e-6, 1e3, "MRayl"))
        set_(self, "layer_speed_m_s", check_real("layer_speed_m_s", self.layer_speed_m_s, 1.0, 1e5, "m/s"))
        for name, unit in (("layer_impedance_range_MRayl", "MRayl"), ("layer_thickness_range_m", "m"),
                           ("substrate_impedance_range_MRayl", "MRayl"), ("frequency_range_Hz", "Hz")):
            set_(self, name, check_range(name, getattr(self, name), 0.0, math.inf, unit, allow_equal=True))
        set_(self, "noise_std", check_real("noise_std", self.noise_std, 0.0, 1.0, "(|R| units)"))

    @property
    def frequencies(self) -> np.ndarray:
        return np.linspace(*self.frequency_range_Hz, self.n_frequencies)

    @property
    def bounds(self) -> np.ndarray:
        """``(3, 2)`` prior box, rows in :data:`PARAMETER_NAMES` order."""
        return np.array([self.layer_impedance_range_MRayl, self.layer_thickness_range_m,
                         self.substrate_impedance_range_MRayl])


def observe(params: ScatteringParams, theta) -> np.ndarray:
    """Noise-free observation ``[Re R(f), Im R(f)]`` (length ``2 F``) for parameters ``theta`` ``(..., 3)``."""
    theta = np.asarray(theta, np.float64)
    ones = np.ones(theta.shape[:-1] + (1,))
    Z = np.concatenate([params.water_impedance_MRayl * ones, theta[..., 0:1], theta[..., 2:3]], axis=-1)
    R = reflection(Z, params.layer_speed_m_s * ones, theta[..., 1:2], params.frequencies)
    return np.concatenate([R.real, R.imag], axis=-1)


def scattering_dataset(params: ScatteringParams, *, seed: int | np.random.Generator) -> Dataset:
    """``n_samples`` media drawn from the prior box and their noisy reflection spectra.

    Arrays: the three parameters (:data:`PARAMETER_NAMES`), ``reflection_real`` and
    ``reflection_imag`` ``(n, F)`` (noisy), ``observations`` ``(n, 2F)`` (the same, concatenated),
    ``frequency_Hz`` ``(n, F)``. One ``default_rng(seed)`` stream: parameters, then noise.
    """
    if not isinstance(params, ScatteringParams):
        raise TypeError(f"params must be ScatteringParams; got {type(params).__name__}")
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    lo, hi = params.bounds.T
    theta = rng.uniform(lo, hi, size=(params.n_samples, 3))
    x = observe(params, theta) + params.noise_std * rng.standard_normal((params.n_samples, 2 * params.n_frequencies))
    F = params.n_frequencies
    arrays = {name: theta[:, i] for i, name in enumerate(PARAMETER_NAMES)}
    arrays.update(reflection_real=x[:, :F], reflection_imag=x[:, F:], observations=x,
                  frequency_Hz=np.broadcast_to(params.frequencies, (params.n_samples, F)).copy())
    attrs = provenance("scattering", asdict(params), record)
    attrs.update(method="transfer matrix, normal incidence, exp(-i omega t)",
                 parameters_names=",".join(PARAMETER_NAMES))
    return Dataset(arrays, dict(UNITS), attrs)
