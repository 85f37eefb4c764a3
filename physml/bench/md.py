"""Must-show numbers of physml.sim.md: NVE energy drift, equation of state vs JZG 1993, g(r), throughput.

Run: ``.venv/bin/python benchmarks/md_validation.py`` (about a minute on a quiet 2-core machine).
Drift = slope of a least-squares line through total energy per particle vs time, times the run length
(the secular part; the bounded O(dt^2) fluctuation is reported separately as its standard deviation).
"""

from __future__ import annotations

import time

import numpy as np

from physml.sim import md
from physml.sim.md import _kernels as K


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
    P = float(P_ts.mean() + md.tail_pressure(0.8, 2.5))
    pairs = 0.8 * 4 / 3 * np.pi * 2.5**3 / 2
    U = float(ds["potential_energy"].mean() + pairs * K.lj_shift(2.5) + md.tail_energy(0.8, 2.5))
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


if __name__ == "__main__":
    md.LJSystem(md.MDParams(n_particles=108), seed=0).run(2)  # compile
    for pot in ("shifted", "shifted-force"):
        for eq, seed in ((0, 0), (2000, 1), (2000, 2)):
            print("drift", drift(pot, eq, seed), flush=True)
    print("eos", eos(), flush=True)
    for n in (256, 864, 2048):
        print(f"throughput N={n}: {throughput(n):.3g} atom-steps/s", flush=True)
