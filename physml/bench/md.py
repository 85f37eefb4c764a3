"""Must-show numbers of physml.sim.md: NVE energy drift, equation of state vs JZG 1993, g(r), throughput.

Run: ``python -m physml.bench.md [--json]`` (a few minutes on a quiet 2-core machine).
Drift = slope of a least-squares line through total energy per particle vs time, times the run length
(the secular part; the bounded O(dt^2) fluctuation is reported separately as its standard deviation).

``python -m physml.bench.md --lammps [--json]`` (and ``physml bench md``) runs LAMMPS's own ``in.lj``
benchmark instead (fcc at rho = 0.8442, T = 1.44, LJ cut at 2.5, skin 0.3, dt = 0.005, NVE) in physml
(``potential="shifted"``: the same forces as ``pair_style lj/cut``) and, when an ``lmp`` binary is on the
PATH, in LAMMPS in the same run (the deck written to a temporary folder, LAMMPS's "Loop time" parsed, one
thread): atom-steps per second of both and their ratio at each size, by wall clock (best of alternating
repeats) and by CPU time (robust to other processes on the machine), and the energy drift per particle
of both over the same steps. LAMMPS's deck rebuilds its neighbour list every 20 steps unchecked
(``neigh_modify every 20 check no``); physml rebuilds whenever an atom has moved half the skin.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time

import numpy as np

from physml.sim import md

__all__ = ["drift", "eos", "throughput", "run", "inlj_deck", "parse_lammps_log", "lammps_inlj", "physml_inlj",
           "run_inlj", "format_inlj", "main"]
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


IN_LJ = dict(density=0.8442, temperature=1.44, r_cut=2.5, skin=0.3, dt=0.005)


def inlj_deck(n_particles: int, steps: int, thermo: int) -> str:
    """LAMMPS's ``bench/in.lj`` for ``n_particles = 4 m^3`` atoms (an ``m`` x ``m`` x ``m`` fcc block)."""
    m = round((n_particles / 4) ** (1 / 3))
    if 4 * m**3 != n_particles:
        raise ValueError(f"n_particles must be 4 m^3; got {n_particles}")
    return "\n".join([
        "units lj", "atom_style atomic", f"lattice fcc {IN_LJ['density']}", f"region box block 0 {m} 0 {m} 0 {m}",
        "create_box 1 box", "create_atoms 1 box", "mass 1 1.0",
        f"velocity all create {IN_LJ['temperature']} 87287 loop geom",
        f"pair_style lj/cut {IN_LJ['r_cut']}", f"pair_coeff 1 1 1.0 1.0 {IN_LJ['r_cut']}",
        f"neighbor {IN_LJ['skin']} bin", "neigh_modify delay 0 every 20 check no", "fix 1 all nve",
        f"timestep {IN_LJ['dt']}", "thermo_style custom step temp pe etotal", f"thermo {thermo}", f"run {steps}", ""])


_LOOP = re.compile(r"Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms")


def parse_lammps_log(text: str) -> dict:
    """Loop time (s), steps, atoms and the thermo table's total energy per atom from a LAMMPS log."""
    m = _LOOP.search(text)
    if m is None:
        raise ValueError("no 'Loop time' line in the LAMMPS log")
    etotal, in_table = [], False
    for line in text.splitlines():
        words = line.split()
        if words[:4] == ["Step", "Temp", "PotEng", "TotEng"]:
            in_table = True
        elif in_table and len(words) == 4 and words[0].isdigit():
            etotal.append((int(words[0]), float(words[3])))
        elif in_table:
            in_table = False
    return {"loop_seconds": float(m.group(1)), "procs": int(m.group(2)), "steps": int(m.group(3)),
            "atoms": int(m.group(4)), "etotal": etotal}


def lammps_inlj(n_particles: int, steps: int, *, thermo: int = 0, lmp: str = "lmp") -> dict:
    """Run in.lj in LAMMPS (one thread); wall rate from its Loop time, CPU seconds of the child process."""
    with tempfile.TemporaryDirectory(prefix="physml-inlj-") as tmp:
        with open(os.path.join(tmp, "in.lj"), "w") as fh:
            fh.write(inlj_deck(n_particles, steps, thermo or steps))
        env = dict(os.environ, OMP_NUM_THREADS="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([lmp, "-in", "in.lj", "-log", "log.lammps", "-screen", "none"], cwd=tmp, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(os.path.join(tmp, "log.lammps")) as fh:
            log = parse_lammps_log(fh.read())
    log["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return log


def physml_inlj(n_particles: int, steps: int, *, thermo: int = 0, seed: int = 0) -> dict:
    """The same problem in physml: wall and CPU seconds of ``steps`` NVE steps, energy per atom every ``thermo``."""
    p = md.MDParams(n_particles=n_particles, potential="shifted", steps=1, equilibration_steps=0, **IN_LJ)
    s = md.LJSystem(p, seed=seed)
    energy = [(0, s.kinetic + s.potential)]
    every = thermo or steps
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    while done < steps:
        k = min(every, steps - done)
        s.run(k)
        done += k
        energy.append((done, s.kinetic + s.potential))
    return {"loop_seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "steps": steps,
            "atoms": n_particles, "etotal": energy, "rebuilds": s.rebuilds}


def _drift_per_atom(etotal: list) -> float:
    steps, e = np.array(etotal, dtype=float).T
    return float(np.polyfit(steps, e, 1)[0] * steps[-1])


def run_inlj(sizes: tuple[int, ...] = (4000, 32000), steps: dict | None = None, *, repeats: int = 3,
             drift_steps: int = 10_000, drift_size: int = 4000, lmp: str | None = None) -> dict:
    """physml vs LAMMPS on in.lj: atom-steps/s at each size (best of ``repeats`` alternating runs), and drift.

    ``steps``: timed steps per size (default 1000 at N <= 4000, 200 above). ``lmp``: the LAMMPS binary
    (default: ``lmp`` if on the PATH; ``""`` or none found: only physml runs).
    """
    lmp = shutil.which("lmp") if lmp is None else lmp
    physml_inlj(256, 20)  # compile
    out: dict = {"lammps": lmp, "threads": 1, "sizes": {}}
    for n in sizes:
        n_steps = (steps or {}).get(n, 1000 if n <= 4000 else 200)
        best = {"physml": (np.inf, np.inf), "lammps": (np.inf, np.inf)}
        for _ in range(repeats):
            r = physml_inlj(n, n_steps)
            best["physml"] = (min(best["physml"][0], r["loop_seconds"]), min(best["physml"][1], r["cpu_seconds"]))
            if lmp:
                r = lammps_inlj(n, n_steps, lmp=lmp)
                best["lammps"] = (min(best["lammps"][0], r["loop_seconds"]), min(best["lammps"][1], r["cpu_seconds"]))
        row = {"steps": n_steps, "physml_atom_steps_per_s": n * n_steps / best["physml"][0],
               "physml_atom_steps_per_cpu_s": n * n_steps / best["physml"][1]}
        if lmp:
            row["lammps_atom_steps_per_s"] = n * n_steps / best["lammps"][0]
            row["lammps_atom_steps_per_cpu_s"] = n * n_steps / best["lammps"][1]
            row["ratio_wall"] = best["lammps"][0] / best["physml"][0]
            row["ratio_cpu"] = best["lammps"][1] / best["physml"][1]
        out["sizes"][str(n)] = row
    if drift_steps:
        thermo = max(1, drift_steps // 100)
        d = {"steps": drift_steps, "atoms": drift_size,
             "physml_drift_per_atom": _drift_per_atom(physml_inlj(drift_size, drift_steps, thermo=thermo)["etotal"])}
        if lmp:
            d["lammps_drift_per_atom"] = _drift_per_atom(lammps_inlj(drift_size, drift_steps, thermo=thermo,
                                                                     lmp=lmp)["etotal"])
        out["drift"] = d
    return out


def format_inlj(result: dict) -> str:
    """A few lines for a terminal."""
    lines = [f"LAMMPS in.lj (rho 0.8442, T 1.44, rc 2.5, skin 0.3), one thread; LAMMPS: {result['lammps']}"]
    for n, r in result["sizes"].items():
        line = f"  N = {n:>6}: physml {r['physml_atom_steps_per_s']:.3g} atom-steps/s"
        if "lammps_atom_steps_per_s" in r:
            line += (f", LAMMPS {r['lammps_atom_steps_per_s']:.3g}; physml/LAMMPS x{r['ratio_wall']:.2f} (wall), "
                     f"x{r['ratio_cpu']:.2f} (CPU time)")
        lines.append(line)
    if "drift" in result:
        d = result["drift"]
        line = (f"  energy drift per atom over {d['steps']} steps (N = {d['atoms']}): "
                f"physml {d['physml_drift_per_atom']:.2e}")
        if "lammps_drift_per_atom" in d:
            line += f", LAMMPS {d['lammps_drift_per_atom']:.2e}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physml.bench.md", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--lammps", action="store_true", help="in.lj against LAMMPS instead (see the docstring)")
    args = parser.parse_args(argv)
    if args.lammps:
        result = run_inlj()
        print(json.dumps(result) if args.json else format_inlj(result))
        return 0
    result = run(echo=not args.json)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":  # python -m physml.bench.md
    raise SystemExit(main())
