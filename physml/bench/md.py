"""Must-show numbers of physml.sim.md: NVE energy drift, equation of state vs JZG 1993, g(r), throughput.

Run: ``python -m physml.bench.md [--json]`` (a few minutes on a quiet 2-core machine).
Drift = slope of a least-squares line through total energy per particle vs time, times the run length
(the secular part; the bounded O(dt^2) fluctuation is reported separately as its standard deviation).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from physml.sim import md

__all__ = ["drift", "eos", "throughput", "run", "main"]
R_CUT = 2.5


def _lj(r: float) -> float:
    """The Lennard-Jones pair potential 4 (r^-12 - r^-6), reduced units: its value at r_c is the shift."""
    return 4.0 * (r**-12 - r**-6)


def drift(potential: str, equilibration: int, seed: int) -> dict:
    p = md.MDParams(n_particles=256, density=0.8, temperature=1.0, dt=0.005, steps=10_000, sample_every=10,
                    equilibration_steps=equilibration, potential=potential)
    t0 = time.perf_counter()
    ds = md.simulate(p, seed=seed)
    wall = time.perf_counter() - t0
    E, t = ds["total_energy"], ds["time"]
    slope = np.polyfit(t, E, 1)[0]
    return dict(potential=potential, equilibration=equilibration, seed=seed, T=float(ds["temperature"].mean()),
                drift=float(slope * t[-1]), end_minus_start=float(E[-1] - E[0]),
                fluct_std=float(np.std(E - np.polyval(np.polyfit(t, E, 1), t))),
                atom_steps_per_s=256 * (10_000 + equilibration) / wall)


def eos(seed: int = 0) -> dict:
    p = md.MDParams(n_particles=500, density=0.8, temperature=1.0, ensemble="langevin", steps=20_000,
                    sample_every=10, equilibration_steps=2000, frame_every=500, potential="shifted")
    ds, frames = md.simulate_frames(p, seed=seed)
    T = float(ds["temperature"].mean())
    P_ts = ds["pressure"]
    blocks = np.array_split(P_ts, 10)
    P_err = float(np.std([b.mean() for b in blocks]) / np.sqrt(10))
    P = float(P_ts.mean() + md.tail_pressure(0.8, R_CUT))
    pairs = 0.8 * 4 / 3 * np.pi * R_CUT**3 / 2
    U = float(ds["potential_energy"].mean() + pairs * _lj(R_CUT) + md.tail_energy(0.8, R_CUT))
    r, g = md.radial_distribution(frames, p.box_length, n_bins=400)
    U_g, P_g = md.energy_pressure_from_rdf(r, g, 0.8, T)
    return dict(T=T, P_sim_ts=float(P_ts.mean()), P_err=P_err, P_corrected=P, P_jzg=md.jzg_pressure(0.8, T),
                U_corrected=U, U_jzg=md.jzg_energy(0.8, T), g_peak=float(g.max()), r_peak=float(r[np.argmax(g)]),
                g_large_r=float(g[r > 3.0].mean()), U_from_rdf=U_g, P_from_rdf=P_g)


def throughput(n: int) -> float:
    p = md.MDParams(n_particles=n, steps=1, equilibration_steps=0)
    s = md.LJSystem(p, seed=0)
    s.run(200)
    t0 = time.perf_counter()
    s.run(2000)
    return n * 2000 / (time.perf_counter() - t0)


def run(*, echo: bool = False) -> dict:
    """Every measurement: drift of both potentials (three runs each), the equation of state, throughput.

    ``echo`` prints each line as soon as it is measured (the whole run takes minutes).
    """
    md.LJSystem(md.MDParams(n_particles=108), seed=0).run(2)  # compile
    out: dict = {"drift": [], "eos": None, "throughput_atom_steps_per_s": {}}
    for pot in ("shifted", "shifted-force"):
        for eq, seed in ((0, 0), (2000, 1), (2000, 2)):
            out["drift"].append(drift(pot, eq, seed))
            if echo:
                print("drift", out["drift"][-1], flush=True)
    out["eos"] = eos()
    if echo:
        print("eos", out["eos"], flush=True)
    for n in (256, 864, 2048):
        out["throughput_atom_steps_per_s"][n] = throughput(n)
        if echo:
            print(f"throughput N={n}: {out['throughput_atom_steps_per_s'][n]:.3g} atom-steps/s", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physml.bench.md", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = parser.parse_args(argv)
    result = run(echo=not args.json)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":  # python -m physml.bench.md
    raise SystemExit(main())
