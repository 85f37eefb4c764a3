"""Transient heat conduction in a rod of unknown conductivity, observed by a few sensors.

``C dT/dt = k d^2T/dx^2`` on ``0 < x < L``, ``T(0, t) = T(L, t) = 0`` (temperature rise
above the ends' ambient), ``T(x, 0) = T_0(x)``: a hot section ``|x - x_c| < w/2`` at
``delta_T``. Conductivity ``k`` in W/(m K), volumetric heat capacity ``C`` in J/(m^3 K),
diffusivity ``alpha = k / C`` in m^2/s, lengths in m, times in s, temperatures in K.

Discretisation: second-order central differences on ``n_nodes`` interior nodes
(``h = L / (n_nodes + 1)``) and Crank-Nicolson in time (step ``dt``), both second order.
The scheme is evaluated exactly in the eigenbasis of the discrete Laplacian, which the
discrete sine transform diagonalises: mode ``m`` (``sin(m pi x / L)``, eigenvalue
``lambda_m = (4/h^2) sin^2(m pi h / 2L)``) is multiplied per step by
``g_m = (1 - alpha dt lambda_m / 2) / (1 + alpha dt lambda_m / 2)``. This gives the same
numbers as stepping the tridiagonal Crank-Nicolson system, for a whole batch of
conductivities at once (MCMC walkers, simulation-based inference). Sensor readings
between nodes use the same sine series (trigonometric interpolation).

Exact check (tests): a single Fourier mode decays as ``exp(-alpha (n pi / L)^2 t)``; the
error of the scheme falls as ``h^2`` with ``dt`` proportional to ``h``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance, seed_record
from physml.errors import ParameterError

from ..validation import check_int, check_range, check_real

__all__ = ["HeatRodParams", "crank_nicolson_modes", "sensor_temperatures", "temperature_field",
           "fourier_mode_exact", "fourier_mode_numerical", "heat_dataset"]


@dataclass(frozen=True)
class HeatRodParams:
    """Rod, initial hot section, sensors and measurement noise (SI units, see module doc).

    ``sensor_positions`` are fractions of the length in (0, 1); observations are taken at
    ``n_times`` times evenly spaced in ``(0, t_max_s]``, each ``steps_per_observation``
    Crank-Nicolson steps apart. ``conductivity_range`` (log-uniform) is used by
    :func:`heat_dataset` only. ``noise_std_K``: std of the Gaussian sensor noise.
    """

    length_m: float = 0.1
    heat_capacity_J_m3K: float = 3.6e6
    delta_T_K: float = 50.0
    hot_center: float = 0.4
    hot_width: float = 0.3
    sensor_positions: tuple[float, ...] = (0.15, 0.3, 0.5, 0.75)
    t_max_s: float = 120.0
    n_times: int = 12
    n_nodes: int = 63
    steps_per_observation: int = 4
    noise_std_K: float = 0.5
    conductivity_range: tuple[float, float] = (10.0, 100.0)
    n_samples: int = 1000

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "length_m", check_real("length_m", self.length_m, 1e-6, 1e3, "m"))
        set_(self, "heat_capacity_J_m3K", check_real("heat_capacity_J_m3K", self.heat_capacity_J_m3K,
                                                     1e-3, 1e9, "J/(m^3 K)"))
        if self.heat_capacity_J_m3K <= 0:
            raise ParameterError.invalid("heat_capacity_J_m3K", self.heat_capacity_J_m3K, "> 0 J/(m^3 K)")
        set_(self, "delta_T_K", check_real("delta_T_K", self.delta_T_K, -1e4, 1e4, "K"))
        set_(self, "hot_center", check_real("hot_center", self.hot_center, 0.0, 1.0, "(fraction of L)"))
        set_(self, "hot_width", check_real("hot_width", self.hot_width, 1e-3, 1.0, "(fraction of L)"))
        pos = self.sensor_positions
        try:
            pos = tuple(float(p) for p in pos)
        except (TypeError, ValueError):
            raise ParameterError.invalid("sensor_positions", self.sensor_positions, "fractions in (0, 1)") from None
        if not pos or not all(math.isfinite(p) and 0 < p < 1 for p in pos):
            raise ParameterError.invalid("sensor_positions", self.sensor_positions, "one or more fractions in (0, 1)")
        set_(self, "sensor_positions", pos)
        set_(self, "t_max_s", check_real("t_max_s", self.t_max_s, 1e-9, 1e9, "s"))
        set_(self, "n_times", check_int("n_times", self.n_times, 1))
        set_(self, "n_nodes", check_int("n_nodes", self.n_nodes, 3))
        set_(self, "steps_per_observation", check_int("steps_per_observation", self.steps_per_observation, 1))
        set_(self, "noise_std_K", check_real("noise_std_K", self.noise_std_K, 0.0, 1e3, "K"))
        set_(self, "conductivity_range", check_range("conductivity_range", self.conductivity_range, 0.0, math.inf,
                                                     "W/(m K)", allow_equal=True))
        set_(self, "n_samples", check_int("n_samples", self.n_samples, 1))

    @property
    def times(self) -> np.ndarray:
        return self.t_max_s * np.arange(1, self.n_times + 1) / self.n_times

    @property
    def dt(self) -> float:
        return self.t_max_s / (self.n_times * self.steps_per_observation)

    @property
    def nodes(self) -> np.ndarray:
        return self.length_m * np.arange(1, self.n_nodes + 1) / (self.n_nodes + 1)

    def initial_temperature(self, x) -> np.ndarray:
        x = np.asarray(x, np.float64) / self.length_m
        return np.where(np.abs(x - self.hot_center) < self.hot_width / 2, self.delta_T_K, 0.0)

    @property
    def n_observations(self) -> int:
        return self.n_times * len(self.sensor_positions)


def _conductivity(conductivity) -> np.ndarray:
    k = np.asarray(conductivity, np.float64)
    if not np.all(np.isfinite(k) & (k > 0)):
        bad = k[~(np.isfinite(k) & (k > 0))]
        raise ParameterError.invalid("conductivity", bad.flat[0].item(), "finite and > 0 W/(m K)")
    return k


def crank_nicolson_modes(n_nodes: int, length: float, alpha, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``(lambda_m, g_m)``: discrete-Laplacian eigenvalues ``(n_nodes,)`` and CN amplification ``(..., n_nodes)``."""
    h = length / (n_nodes + 1)
    m = np.arange(1, n_nodes + 1)
    lam = 4.0 / h**2 * np.sin(m * np.pi * h / (2.0 * length)) ** 2
    r = np.asarray(alpha, np.float64)[..., None] * dt * lam / 2.0
    return lam, (1.0 - r) / (1.0 + r)


def _evolve(params: HeatRodParams, conductivity, initial: np.ndarray, x_out: np.ndarray, steps: np.ndarray,
            dt: float) -> np.ndarray:
    """Temperatures ``(..., len(steps), len(x_out))`` after ``steps`` CN steps from nodal ``initial``."""
    k = _conductivity(conductivity)
    N, L = params.n_nodes, params.length_m
    m = np.arange(1, N + 1)
    basis = np.sin(np.pi * np.outer(params.nodes / L, m))  # (N nodes, N modes), orthogonal: basis.T @ basis = (N+1)/2
    coeff = basis.T @ initial * (2.0 / (N + 1))
    _, g = crank_nicolson_modes(N, L, k / params.heat_capacity_J_m3K, dt)
    powers = g[..., None, :] ** np.asarray(steps)[:, None]  # (..., K, N)
    out_basis = np.sin(np.pi * np.outer(np.asarray(x_out) / L, m))  # (S, N)
    return (powers * coeff) @ out_basis.T


@functools.lru_cache(maxsize=16)
def _sensor_operator(params: HeatRodParams) -> tuple[np.ndarray, np.ndarray]:
    """``(coeff * out_basis.T)`` per mode and sensor ``(N, S)``, and ``lambda_m``: the parts that do not depend on k."""
    N, L = params.n_nodes, params.length_m
    m = np.arange(1, N + 1)
    basis = np.sin(np.pi * np.outer(params.nodes / L, m))
    coeff = basis.T @ params.initial_temperature(params.nodes) * (2.0 / (N + 1))
    out_basis = np.sin(np.pi * np.outer(np.asarray(params.sensor_positions), m))
    lam, _ = crank_nicolson_modes(N, L, 0.0, params.dt)
    op = coeff[:, None] * out_basis.T
    op.setflags(write=False)
    return op, lam


def sensor_temperatures(params: HeatRodParams, conductivity) -> np.ndarray:
    """Noise-free sensor temperatures ``(..., n_times, n_sensors)`` for conductivities ``(...)`` in W/(m K).

    The same numbers as :func:`_evolve` at the sensors (a test checks it); the k-independent parts are
    cached per ``params`` and the powers ``g^(j s)`` built by a cumulative product, since MCMC calls this
    thousands of times.
    """
    k = _conductivity(conductivity)
    op, lam = _sensor_operator(params)
    r = (k / params.heat_capacity_J_m3K)[..., None] * params.dt * lam / 2.0
    g_obs = ((1.0 - r) / (1.0 + r)) ** params.steps_per_observation  # (..., N): one observation interval
    powers = np.cumprod(np.broadcast_to(g_obs[..., None, :], g_obs.shape[:-1] + (params.n_times, lam.size)), axis=-2)
    return powers @ op


def temperature_field(params: HeatRodParams, conductivity: float, n_steps: int) -> np.ndarray:
    """Nodal temperatures ``(n_steps + 1, n_nodes)`` at steps 0..n_steps (for figures)."""
    return _evolve(params, conductivity, params.initial_temperature(params.nodes), params.nodes,
                   np.arange(n_steps + 1), params.dt)


def fourier_mode_exact(params: HeatRodParams, conductivity: float, mode: int, t: float, x) -> np.ndarray:
    """Exact ``sin(n pi x/L) exp(-alpha (n pi/L)^2 t)``: the PDE's solution from a single Fourier mode."""
    alpha = float(_conductivity(conductivity)) / params.heat_capacity_J_m3K
    kx = mode * np.pi / params.length_m
    return np.sin(kx * np.asarray(x)) * math.exp(-alpha * kx**2 * t)


def fourier_mode_numerical(params: HeatRodParams, conductivity: float, mode: int, n_steps: int) -> np.ndarray:
    """The scheme's nodal solution after ``n_steps`` steps of ``params.dt`` from ``sin(mode pi x / L)``."""
    initial = np.sin(mode * np.pi * params.nodes / params.length_m)
    return _evolve(params, conductivity, initial, params.nodes, np.array([n_steps]), params.dt)[0]


def heat_dataset(params: HeatRodParams, *, seed: int | np.random.Generator) -> Dataset:
    """``n_samples`` rods with log-uniform conductivities and their noisy sensor records.

    Arrays: ``conductivity_W_mK`` ``(n,)``, ``sensor_temperature_K`` ``(n, n_times, n_sensors)``
    (noisy), ``sensor_temperature_true_K`` (noise-free), ``times_s`` ``(n, n_times)``.
    One ``default_rng(seed)`` stream: conductivities, then noise.
    """
    if not isinstance(params, HeatRodParams):
        raise TypeError(f"params must be HeatRodParams; got {type(params).__name__}")
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    lo, hi = np.log(params.conductivity_range)
    k = np.exp(rng.uniform(lo, hi, params.n_samples))
    clean = sensor_temperatures(params, k)
    noisy = clean + params.noise_std_K * rng.standard_normal(clean.shape)
    arrays = {"conductivity_W_mK": k, "sensor_temperature_K": noisy, "sensor_temperature_true_K": clean,
              "times_s": np.broadcast_to(params.times, (params.n_samples, params.n_times)).copy()}
    units = {"conductivity_W_mK": "W/(m K)", "sensor_temperature_K": "K", "sensor_temperature_true_K": "K",
             "times_s": "s"}
    attrs = provenance("heat", asdict(params), record)
    attrs.update(method="central differences + Crank-Nicolson, evaluated in the discrete sine basis",
                 boundary="T = 0 at both ends (rise above ambient)")
    return Dataset(arrays, units, attrs)
