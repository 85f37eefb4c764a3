"""Published Lennard-Jones references: the Johnson-Zollweg-Gubbins (1993) equation of state and tail corrections.

J. K. Johnson, J. A. Zollweg and K. E. Gubbins, "The Lennard-Jones equation of
state revisited", Mol. Phys. 78, 591 (1993): a 33-parameter modified
Benedict-Webb-Rubin fit (their Table 10) to MD and MC data of the *full*
LJ fluid (simulations with long-range corrections), accurate to about 1-2 %
in pressure and 0.5 % in energy in the dense liquid. A truncated-and-shifted
simulation is compared with it after the standard corrections
(Allen & Tildesley, 2nd ed., sec. 2.8): the shift is added back to the energy
(``u(r_c)/2`` per pair inside r_c) and the long-range tails, assuming
``g(r) = 1`` beyond r_c, are added to energy and pressure.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["JZG_X", "JZG_GAMMA", "jzg_coefficients", "jzg_pressure", "jzg_energy", "tail_energy", "tail_pressure",
           "energy_pressure_from_rdf"]

#: Johnson, Zollweg & Gubbins (1993), Table 10: x_1 ... x_32 (also used by :mod:`physml.sim.lj_argon`)
JZG_X = np.array([
    0.8623085097507421, 2.976218765822098, -8.402230115796038, 0.1054136629203555, -0.8564583828174598,
    1.582759470107601, 0.7639421948305453, 1.753173414312048, 2.798291772190376e3, -4.8394220260857657e-2,
    0.9963265197721935, -3.698000291272493e1, 2.084012299434647e1, 8.305402124717285e1, -9.574799715203068e2,
    -1.477746229234994e2, 6.398607852471505e1, 1.603993673294834e1, 6.805916615864377e1, -2.791293578795945e3,
    -6.245128304568454, -8.116836104958410e3, 1.488735559561229e1, -1.059346754655084e4, -1.131607632802822e2,
    -8.867771540418822e3, -3.986982844450543e1, -4.689270299917261e3, 2.593535277438717e2, -2.694523589434903e3,
    -7.218487631550215e2, 1.721802063863269e2])
JZG_GAMMA = 3.0


def jzg_coefficients(T):
    """The temperature functions a_i, b_i (pressure) and c_i, d_i (energy) of JZG (1993) Table 5; T may be an array."""
    x = np.concatenate([[0.0], JZG_X])  # 1-based, as in the paper
    T = np.asarray(T, float)
    s = np.sqrt(T)
    a = [x[1] * T + x[2] * s + x[3] + x[4] / T + x[5] / T**2, x[6] * T + x[7] + x[8] / T + x[9] / T**2,
         x[10] * T + x[11] + x[12] / T, x[13] + 0 * T, x[14] / T + x[15] / T**2, x[16] / T,
         x[17] / T + x[18] / T**2, x[19] / T**2]
    b = [(x[20] + x[21] / T) / T**2, (x[22] + x[23] / T**2) / T**2, (x[24] + x[25] / T) / T**2,
         (x[26] + x[27] / T**2) / T**2, (x[28] + x[29] / T) / T**2, (x[30] + x[31] / T + x[32] / T**2) / T**2]
    c = [x[2] * s / 2 + x[3] + 2 * x[4] / T + 3 * x[5] / T**2, x[7] + 2 * x[8] / T + 3 * x[9] / T**2,
         x[11] + 2 * x[12] / T, x[13] + 0 * T, 2 * x[14] / T + 3 * x[15] / T**2, 2 * x[16] / T,
         2 * x[17] / T + 3 * x[18] / T**2, 3 * x[19] / T**2]
    d = [(3 * x[20] + 4 * x[21] / T) / T**2, (3 * x[22] + 5 * x[23] / T**2) / T**2,
         (3 * x[24] + 4 * x[25] / T) / T**2, (3 * x[26] + 5 * x[27] / T**2) / T**2,
         (3 * x[28] + 4 * x[29] / T) / T**2, (3 * x[30] + 4 * x[31] / T + 5 * x[32] / T**2) / T**2]
    return a, b, c, d


def jzg_pressure(density: float, temperature: float) -> float:
    """Pressure of the full LJ fluid, JZG (1993) eq. (7): ``rho T + sum a_i rho^(i+1) + F sum b_i rho^(2i+1)``."""
    rho, T = float(density), float(temperature)
    a, b, _, _ = jzg_coefficients(T)
    F = math.exp(-JZG_GAMMA * rho**2)
    return float(rho * T + sum(a[i] * rho ** (i + 2) for i in range(8))
                 + F * sum(b[i] * rho ** (2 * i + 3) for i in range(6)))


def jzg_energy(density: float, temperature: float) -> float:
    """Configurational (potential) energy per particle of the full LJ fluid, JZG (1993) eq. (9)."""
    rho, T = float(density), float(temperature)
    _, _, c, d = jzg_coefficients(T)
    F = math.exp(-JZG_GAMMA * rho**2)
    G = [(1 - F) / (2 * JZG_GAMMA)]
    for i in range(1, 6):
        G.append(-(F * rho ** (2 * i) - 2 * i * G[i - 1]) / (2 * JZG_GAMMA))
    return float(sum(c[i] * rho ** (i + 1) / (i + 1) for i in range(8)) + sum(d[i] * G[i] for i in range(6)))


def tail_energy(density: float, r_cut: float) -> float:
    """Energy per particle beyond ``r_cut`` (g = 1): ``(8/3) pi rho (r_c^-9 / 3 - r_c^-3)``."""
    return 8.0 / 3.0 * np.pi * density * (r_cut**-9 / 3.0 - r_cut**-3)


def tail_pressure(density: float, r_cut: float) -> float:
    """Pressure from beyond ``r_cut`` (g = 1): ``(16/3) pi rho^2 (2/3 r_c^-9 - r_c^-3)``."""
    return 16.0 / 3.0 * np.pi * density**2 * (2.0 / 3.0 * r_cut**-9 - r_cut**-3)


def energy_pressure_from_rdf(r: np.ndarray, g: np.ndarray, density: float, temperature: float) -> tuple[float, float]:
    """Full-LJ energy per particle and pressure from g(r) (energy and virial routes), with tails beyond r[-1].

    ``U/N = 2 pi rho int u(r) g(r) r^2 dr``, ``P = rho T - (2 pi / 3) rho^2 int r u'(r) g(r) r^2 dr``, with
    the full ``u = 4 (r^-12 - r^-6)`` (midpoint rule on the histogram's bins; ``g = 1`` beyond the last bin).
    """
    r, g = np.asarray(r, float), np.asarray(g, float)
    dr = r[1] - r[0]
    ok = g > 0
    ir6 = np.zeros_like(r)
    ir6[ok] = r[ok] ** -6.0
    u = 4 * ir6 * (ir6 - 1)
    r_du = -24 * ir6 * (2 * ir6 - 1)  # r u'(r)
    r_end = r[-1] + dr / 2
    U = 2 * np.pi * density * np.sum(u * g * r**2) * dr + tail_energy(density, r_end)
    P = (density * temperature - 2 * np.pi / 3 * density**2 * np.sum(r_du * g * r**2) * dr
         + tail_pressure(density, r_end))
    return float(U), float(P)
