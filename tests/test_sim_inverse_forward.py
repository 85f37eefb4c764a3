"""Forward models of the inverse problems against exact results: layered-medium reflection, heat conduction, Radon."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim import heat_rod as heat
from physml.sim import scattering, tomography

F = np.linspace(100.0, 5000.0, 50)


def test_single_interface_reflection_is_the_impedance_contrast():
    Z0, Zs = 1.48, 5.3
    R, T = scattering.reflection_transmission([Z0, Zs], np.empty(0), np.empty(0), F)
    np.testing.assert_allclose(R, (Zs - Z0) / (Zs + Z0), atol=1e-15)  # no layer: frequency independent
    np.testing.assert_allclose(T, 2 * Zs / (Zs + Z0), atol=1e-15)


def test_quarter_wave_layer_with_geometric_mean_impedance_reflects_nothing():
    Z0, Zs, c = 1.48, 6.0, 1600.0
    f0 = 2000.0
    d = c / (4 * f0)  # k d = pi/2 at f0
    R = scattering.reflection([Z0, math.sqrt(Z0 * Zs), Zs], [c], [d], np.array([f0, 3 * f0, 2 * f0]))
    assert abs(R[0]) < 1e-14 and abs(R[1]) < 1e-14  # odd multiples of the quarter wave
    # at the half-wave frequency the layer is transparent: the bare interface's R returns
    assert abs(R[2] - (Zs - Z0) / (Zs + Z0)) < 1e-14


def test_energy_is_conserved_in_lossless_layers():
    rng = np.random.default_rng(3)
    Z = rng.uniform(0.5, 10, size=(20, 5))  # incident, 3 layers, substrate, 20 media
    c = rng.uniform(500, 4000, size=(20, 3))
    d = rng.uniform(0.01, 1.0, size=(20, 3))
    R, T = scattering.reflection_transmission(Z, c, d, F)
    flux = np.abs(R) ** 2 + Z[:, :1] / Z[:, -1:] * np.abs(T) ** 2
    np.testing.assert_allclose(flux, 1.0, atol=1e-12)  # rounding of a few 2x2 products


def test_reflection_rejects_non_physical_layers():
    with pytest.raises(ParameterError, match="impedances"):
        scattering.reflection([1.0, -2.0, 3.0], [1.0], [1.0], F)
    with pytest.raises(ParameterError, match="scattering_thickness|layer_thickness_range_m"):
        scattering.ScatteringParams(layer_thickness_range_m=(0.3, 0.1))


def test_scattering_dataset_is_reproducible_and_noise_has_the_stated_std():
    p = scattering.ScatteringParams(n_samples=200, noise_std=0.05)
    a, b = scattering.scattering_dataset(p, seed=4), scattering.scattering_dataset(p, seed=4)
    np.testing.assert_array_equal(a["observations"], b["observations"])
    theta = np.column_stack([a[n] for n in scattering.PARAMETER_NAMES])
    resid = a["observations"] - scattering.observe(p, theta)
    # 200 x 48 draws: the sample std is within 3 % of 0.05 (its relative std is 1/sqrt(2 n) = 0.7 %)
    assert abs(resid.std() / 0.05 - 1) < 0.03


def test_heat_fourier_mode_decays_at_the_exact_rate_with_second_order_convergence():
    """The scheme's error against exp(-alpha (n pi/L)^2 t) sin(n pi x/L) falls as h^2 (dt proportional to h)."""
    errors, hs = [], []
    for n_nodes in (31, 63, 127, 255):
        p = heat.HeatRodParams(n_nodes=n_nodes, n_times=1, t_max_s=60.0, steps_per_observation=(n_nodes + 1) // 4)
        num = heat.fourier_mode_numerical(p, 40.0, 2, p.steps_per_observation)
        exact = heat.fourier_mode_exact(p, 40.0, 2, 60.0, p.nodes)
        errors.append(np.abs(num - exact).max())
        hs.append(p.length_m / (n_nodes + 1))
    order = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert 1.9 < order < 2.1, (order, errors)  # central differences + Crank-Nicolson: both second order
    assert errors[-1] < 1e-4  # the mode itself has amplitude 1


def test_heat_modal_evaluation_equals_stepping_the_crank_nicolson_system():
    from scipy.linalg import solve_banded

    p = heat.HeatRodParams(n_nodes=40, n_times=3, steps_per_observation=5)
    k = 35.0
    N = p.n_nodes
    r = k / p.heat_capacity_J_m3K * p.dt / (2 * (p.length_m / (N + 1)) ** 2)
    T = p.initial_temperature(p.nodes)
    ab = np.zeros((3, N))
    ab[0, 1:], ab[1], ab[2, :-1] = -r, 1 + 2 * r, -r
    for _ in range(15):
        rhs = (1 - 2 * r) * T
        rhs[1:] += r * T[:-1]
        rhs[:-1] += r * T[1:]
        T = solve_banded((1, 1), ab, rhs)
    field = heat.temperature_field(p, k, 15)
    np.testing.assert_allclose(field[-1], T, atol=1e-10)  # same scheme, two evaluations: rounding only


def test_heat_content_falls_and_better_conductors_cool_faster():
    p = heat.HeatRodParams()
    T = heat.sensor_temperatures(p, np.array([10.0, 30.0, 90.0]))
    assert T.shape == (3, p.n_times, len(p.sensor_positions))
    field = heat.temperature_field(p, 30.0, 40)
    energy = field.sum(axis=1)
    assert np.all(np.diff(energy) < 0)  # cold ends: the heat content only falls
    assert np.all(field >= -0.5) and field.max() <= p.delta_T_K + 1e-9  # maximum principle up to CN's Gibbs wiggles
    # a better conductor cools faster: later readings at the centre are lower for larger k
    assert np.all(np.diff(T[:, -1, 2]) < 0)


def test_heat_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="sensor_positions"):
        heat.HeatRodParams(sensor_positions=(0.5, 1.2))
    with pytest.raises(ParameterError, match="conductivity"):
        heat.sensor_temperatures(heat.HeatRodParams(), -1.0)


def test_radon_of_a_disc_is_its_chord_length():
    size = 128
    yy, xx = np.mgrid[:size, :size]
    r = 30.0
    disc = ((xx - size // 2) ** 2 + (yy - size // 2) ** 2 <= r**2).astype(float)
    sino = tomography.project(disc, np.array([0.0, 45.0, 90.0]))
    s = np.arange(size) - size // 2
    chord = 2 * np.sqrt(np.clip(r**2 - s**2, 0, None))
    inner = np.abs(s) < r - 3  # away from the rim, where pixelisation dominates
    # pixelised disc: chords agree to ~1 pixel (the boundary's staircase) at every angle
    assert np.all(np.abs(sino[inner] - chord[inner, None]) < 1.5)
    np.testing.assert_allclose(sino.sum(axis=0), disc.sum(), rtol=1e-3)  # every projection integrates the image


def test_tomography_dataset_noise_level():
    p = tomography.TomographyParams(size=64, n_angles=10, noise_fraction=0.05)
    ds = tomography.sinogram_dataset(p, seed=0)
    resid = ds["sinogram"][0] - ds["sinogram_true"][0]
    assert abs(resid.std() / ds.attrs["noise_std"] - 1) < 0.1  # 640 draws: relative std of the std ~3 %
    with pytest.raises(ParameterError, match="n_angles"):
        tomography.TomographyParams(n_angles=0)


def test_heat_sensor_fast_path_equals_the_modal_evaluation():
    p = heat.HeatRodParams()
    k = np.array([12.0, 47.0, 95.0])
    steps = np.arange(1, p.n_times + 1) * p.steps_per_observation
    ref = heat._evolve(p, k, p.initial_temperature(p.nodes), np.asarray(p.sensor_positions) * p.length_m, steps, p.dt)
    np.testing.assert_allclose(heat.sensor_temperatures(p, k), ref, atol=1e-10)  # same algebra, other order


def test_random_ellipse_phantoms_are_seeded_head_like_images():
    a, b = tomography.random_ellipse_phantom(64, 3), tomography.random_ellipse_phantom(64, 3)
    np.testing.assert_array_equal(a, b)  # same seed, same image
    assert not np.array_equal(a, tomography.random_ellipse_phantom(64, 4))
    assert a.min() >= 0 and a.max() <= 1  # attenuation in [0, 1], as the Shepp-Logan phantom's
    assert np.all(a[~tomography.circle_mask(64)] == 0)  # zero outside the Radon transform's support
    # a skull of attenuation 1 around a brain of 0.15-0.25 plus features of at most +-0.3 each
    assert a.max() > 0.9 and 0.05 < np.median(a[a > 0]) < 0.6
