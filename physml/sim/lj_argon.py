"""The Lennard-Jones fluid's equation of state, scaled to argon, and real argon (CoolProp) at the same states.

Source ("simulation"): the modified Benedict-Webb-Rubin equation of state of Johnson, Zollweg &
Gubbins, Mol. Phys. 78, 591 (1993), a fit to molecular-dynamics and Monte Carlo data of the
Lennard-Jones fluid (32 linear coefficients, Table 10, and gamma = 3), in reduced units
(T* = k_B T / eps, rho* = rho sigma^3, P* = P sigma^3 / eps):

    P* = rho* T* + sum_{i=1..8} a_i(T*) rho*^(i+1) + exp(-gamma rho*^2) sum_{i=1..6} b_i(T*) rho*^(2i+1).

Scaled to argon with eps / k_B = 119.8 K and sigma = 3.405 Angstrom (the classic fit of argon's
properties, e.g. Rowley, Nicholson & Parsonage 1975). Target ("experiment"): real argon from CoolProp's
reference equation of state (Tegeler, Span & Wagner, J. Phys. Chem. Ref. Data 28, 779 (1999)).

Both give the compressibility factor Z = p / (rho R T) at states (T, rho) where real argon is a stable
single phase (outside its liquid-vapour dome by ``dome_margin`` and outside a box around its critical
point). The difference is the sim-to-experiment gap: a pair potential with two parameters and no
three-body forces, against the measured fluid.

Validated (tests): Z -> 1 as rho -> 0; the second virial coefficient a_1(T*) / T* against the exact
B2*(T*) of the LJ potential by quadrature; the critical point T*_c ~ 1.31, rho*_c ~ 0.31 that JZG
report for their equation (1.313, 0.310).

Units: T in K, rho in mol/L (= kmol/m^3 = mol/dm^3), p in MPa, Z dimensionless; reduced LJ units where
marked with a star.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.integrate
import scipy.optimize

from physml.data import Dataset, provenance, seed_record

from ..validation import check_int, check_range, check_real
from .md import JZG_GAMMA, JZG_X, jzg_coefficients

__all__ = ["JZG_X", "JZG_GAMMA", "EPS_K", "SIGMA_ANGSTROM", "lj_pressure", "lj_compressibility",
           "lj_critical_point", "lj_second_virial_exact", "reduced_temperature", "reduced_density",
           "argon_pressure", "argon_compressibility", "ArgonStatesParams", "argon_dataset", "ARGON_CRITICAL"]

EPS_K = 119.8
SIGMA_ANGSTROM = 3.405
_NA = 6.02214076e23
_R = 8.314462618  # J/(mol K)
_KB = 1.380649e-23
#: rho* per mol/L: N_A sigma^3 with sigma in m, rho in mol/m^3 (1 mol/L = 1000 mol/m^3)
_RHO_STAR_PER_MOL_L = 1000.0 * _NA * (SIGMA_ANGSTROM * 1e-10) ** 3
#: MPa per unit of P*: eps / sigma^3
_P_MPA_PER_STAR = EPS_K * _KB / (SIGMA_ANGSTROM * 1e-10) ** 3 / 1e6


def lj_pressure(T_star, rho_star) -> np.ndarray:
    """P* of the Lennard-Jones fluid (JZG 1993 MBWR), at reduced temperature and density."""
    T, rho = np.broadcast_arrays(np.asarray(T_star, float), np.asarray(rho_star, float))
    a, b, _, _ = jzg_coefficients(T)
    F = np.exp(-JZG_GAMMA * rho**2)
    p = rho * T
    for i, ai in enumerate(a, start=1):
        p = p + ai * rho ** (i + 1)
    for i, bi in enumerate(b, start=1):
        p = p + F * bi * rho ** (2 * i + 1)
    return p


def lj_compressibility(T_star, rho_star) -> np.ndarray:
    """Z = P* / (rho* T*)."""
    return lj_pressure(T_star, rho_star) / (np.asarray(rho_star, float) * np.asarray(T_star, float))


def lj_critical_point() -> tuple[float, float, float]:
    """(T*_c, rho*_c, P*_c) of the equation: dP/drho = d2P/drho2 = 0 (finite differences, h = 1e-4)."""
    h = 1e-4

    def eqs(v):
        T, r = v
        p0, pp, pm = lj_pressure(T, r), lj_pressure(T, r + h), lj_pressure(T, r - h)
        return [(pp - pm) / (2 * h), (pp - 2 * p0 + pm) / h**2]

    # xtol 1e-12 is below what the finite differences resolve (their rounding noise, ~1e-16 P / h^2, stalls the
    # second equation near 1e-7), so fsolve may end with "not making good progress" (ier 5) at the answer:
    # take its result when both equations are at that noise floor, as the warning it would otherwise print says
    (T, r), info, ier, msg = scipy.optimize.fsolve(eqs, [1.3, 0.3], xtol=1e-12, full_output=True)
    if ier not in (1, 5) or abs(info["fvec"][0]) > 1e-8 or abs(info["fvec"][1]) > 1e-5:
        raise RuntimeError(f"the critical point of the JZG equation was not found: {' '.join(msg.split())}")
    return float(T), float(r), float(lj_pressure(T, r))


def lj_second_virial_exact(T_star: float) -> float:
    """B2* = -2 pi int_0^inf (exp(-u(r)/T*) - 1) r^2 dr for u = 4 (r^-12 - r^-6) (quadrature)."""
    def f(r):
        return (np.exp(-4.0 * (r**-12 - r**-6) / T_star) - 1.0) * r * r

    inner = scipy.integrate.quad(f, 1e-6, 1.0, limit=200)[0]
    outer = scipy.integrate.quad(f, 1.0, np.inf, limit=200)[0]
    return float(-2.0 * np.pi * (inner + outer))


def reduced_temperature(T_K) -> np.ndarray:
    return np.asarray(T_K, float) / EPS_K


def reduced_density(rho_mol_L) -> np.ndarray:
    return np.asarray(rho_mol_L, float) * _RHO_STAR_PER_MOL_L


def argon_pressure(T_K, rho_mol_L) -> np.ndarray:
    """Pressure of real argon (MPa) from CoolProp's reference EOS at (T, rho)."""
    from CoolProp.CoolProp import PropsSI

    T, rho = np.broadcast_arrays(np.asarray(T_K, float), np.asarray(rho_mol_L, float))
    return np.array([PropsSI("P", "T", float(t), "Dmolar", float(r) * 1000.0, "Argon")
                     for t, r in zip(T.ravel(), rho.ravel())]).reshape(T.shape) / 1e6


def argon_compressibility(T_K, rho_mol_L) -> np.ndarray:
    return argon_pressure(T_K, rho_mol_L) * 1e6 / (np.asarray(rho_mol_L, float) * 1000.0 * _R * np.asarray(T_K, float))


def _argon_critical() -> tuple[float, float]:
    from CoolProp.CoolProp import PropsSI

    return PropsSI("Tcrit", "Argon"), PropsSI("rhomolar_critical", "Argon") / 1000.0


ARGON_CRITICAL = (150.687, 13.40743)  # K, mol/L (CoolProp / Tegeler et al. 1999)


@dataclass(frozen=True)
class ArgonStatesParams:
    """States (T uniform, rho uniform) where real argon is a stable single phase."""

    n_samples: int = 1000
    temperature_K: tuple[float, float] = (100.0, 400.0)
    density_mol_L: tuple[float, float] = (0.5, 33.0)
    dome_margin: float = 0.03
    """Relative margin kept from the saturated vapour and liquid densities."""

    def __post_init__(self) -> None:
        check_int("n_samples", self.n_samples, 1)
        # the JZG fit covers 0.7 <= T* <= 6 (84-719 K) and rho* <= 1.2 (50 mol/L); CoolProp argon: 83.8-2000 K
        check_range("temperature_K", self.temperature_K, 84.0, 700.0, "K")
        check_range("density_mol_L", self.density_mol_L, 1e-3, 40.0, "mol/L")
        check_real("dome_margin", self.dome_margin, 0.0, 0.5, "")


def _stable(T: np.ndarray, rho: np.ndarray, margin: float) -> np.ndarray:
    from CoolProp.CoolProp import PropsSI

    tc, rc = ARGON_CRITICAL
    ok = np.ones(len(T), bool)
    for i, (t, r) in enumerate(zip(T, rho)):
        if 0.95 * tc <= t <= 1.1 * tc and 0.6 * rc <= r <= 1.4 * rc:
            ok[i] = False  # near-critical box: Z is steep, both EOS least certain
        elif t < tc:
            rv = PropsSI("Dmolar", "T", float(t), "Q", 1, "Argon") / 1000.0
            rl = PropsSI("Dmolar", "T", float(t), "Q", 0, "Argon") / 1000.0
            ok[i] = r < rv * (1 - margin) or r > rl * (1 + margin)
    return ok


def argon_dataset(params: ArgonStatesParams, *, seed: int | np.random.Generator) -> Dataset:
    """States with T, rho, T*, rho*, Z and p of real argon and of the scaled LJ fluid."""
    rng = np.random.default_rng(seed)
    T_parts, r_parts, n = [], [], 0
    while n < params.n_samples:
        m = 2 * (params.n_samples - n) + 16
        T = rng.uniform(*params.temperature_K, m)
        r = rng.uniform(*params.density_mol_L, m)
        ok = _stable(T, r, params.dome_margin)
        T_parts.append(T[ok]), r_parts.append(r[ok])
        n += int(ok.sum())
    T = np.concatenate(T_parts)[:params.n_samples]
    rho = np.concatenate(r_parts)[:params.n_samples]
    ts, rs = reduced_temperature(T), reduced_density(rho)
    p_real = argon_pressure(T, rho)
    p_lj = lj_pressure(ts, rs) * _P_MPA_PER_STAR
    arrays = {"temperature_K": T, "density_mol_L": rho, "reduced_temperature": ts, "reduced_density": rs,
              "pressure_real_MPa": p_real, "pressure_lj_MPa": p_lj,
              "Z_real": p_real * 1e6 / (rho * 1000.0 * _R * T), "Z_lj": lj_compressibility(ts, rs)}
    units = {"temperature_K": "K", "density_mol_L": "mol/L", "reduced_temperature": "1", "reduced_density": "1",
             "pressure_real_MPa": "MPa", "pressure_lj_MPa": "MPa", "Z_real": "1", "Z_lj": "1"}
    return Dataset(arrays, units, provenance("lj-jzg1993-vs-coolprop-argon", asdict(params), seed_record(seed)))
