"""Write a property table of a real fluid from CoolProp, for ``physml train`` on data no one here wrote.

    python scripts/coolprop_table.py -o co2.h5 [--fluid CO2] [--n 2000] [--seed 0] [--t-range 220:500]
                                      [--p-range 0.1:30] [--force]

Rows: temperature ``temperature_K`` [K] drawn uniformly, pressure ``pressure_MPa`` [MPa] drawn log-uniformly,
and the fluid's mass density ``density_kg_m3`` [kg/m^3] and viscosity ``viscosity_uPa_s`` [uPa s] from
CoolProp's reference equations of state (for CO2: Span & Wagner 1996; viscosity: Laesecke & Muzny 2017),
across gas, liquid and supercritical states. Written as a physml HDF5 dataset, so every column carries its
unit (``physml predict`` checks them) and the file its provenance. The physics a model of it must respect:
density is positive, rises with pressure at fixed temperature ((d rho / d p)_T = rho kappa_T > 0, mechanical
stability) and falls with temperature at fixed pressure for CO2 (positive thermal expansion).
"""

from __future__ import annotations

import argparse

import numpy as np


def property_table(fluid: str = "CO2", n: int = 2000, seed: int = 0, t_range=(220.0, 500.0),
                   p_range=(0.1, 30.0)):
    """A :class:`physml.data.Dataset` of ``n`` CoolProp states of ``fluid`` (see the module docstring)."""
    import CoolProp
    from CoolProp.CoolProp import PropsSI

    from physml.data import Dataset, provenance

    rng = np.random.default_rng(seed)
    T = rng.uniform(*t_range, n)
    p = 10 ** rng.uniform(np.log10(p_range[0]), np.log10(p_range[1]), n)
    rho = PropsSI("D", "T", T, "P", p * 1e6, fluid)
    mu = PropsSI("V", "T", T, "P", p * 1e6, fluid) * 1e6
    arrays = {"temperature_K": T, "pressure_MPa": p, "density_kg_m3": np.asarray(rho, float),
              "viscosity_uPa_s": np.asarray(mu, float)}
    units = {"temperature_K": "K", "pressure_MPa": "MPa", "density_kg_m3": "kg/m^3", "viscosity_uPa_s": "uPa s"}
    params = {"fluid": fluid, "n": n, "t_range": list(t_range), "p_range": list(p_range),
              "coolprop": CoolProp.__version__}
    return Dataset(arrays, units, provenance("coolprop_table", params, seed))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--fluid", default="CO2")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--t-range", default="220:500")
    ap.add_argument("--p-range", default="0.1:30")
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    pair = lambda s: tuple(float(v) for v in s.split(":"))  # noqa: E731
    ds = property_table(a.fluid, a.n, a.seed, pair(a.t_range), pair(a.p_range))
    ds.save(a.output, force=a.force)
    print(f"wrote {len(ds)} {a.fluid} states to {a.output}")


if __name__ == "__main__":
    main()
