"""The in.lj benchmark against LAMMPS: its deck, its log parsing, and its accounting (no timing is asserted)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from physml.bench import md as bench

LOG = """LAMMPS (29 Sep 2021 - Update 2)
Step Temp PotEng TotEng
       0         1.44   -6.7733681   -4.6139081
     100   0.75715334   -5.7581426   -4.6226965
Loop time of 4.7185 on 1 procs for 100 steps with 4000 atoms

Performance: 9155.452 tau/day, 21.193 timesteps/s
"""


def test_deck_is_in_lj():
    deck = bench.inlj_deck(4000, 100, 50).splitlines()
    for line in ("lattice fcc 0.8442", "region box block 0 10 0 10 0 10", "velocity all create 1.44 87287 loop geom",
                 "pair_style lj/cut 2.5", "neighbor 0.3 bin", "fix 1 all nve", "timestep 0.005", "run 100"):
        assert line in deck
    with pytest.raises(ValueError):
        bench.inlj_deck(4001, 10, 10)


def test_log_parsing():
    log = bench.parse_lammps_log(LOG)
    assert (log["loop_seconds"], log["procs"], log["steps"], log["atoms"]) == (4.7185, 1, 100, 4000)
    assert log["etotal"] == [(0, -4.6139081), (100, -4.6226965)]
    with pytest.raises(ValueError):
        bench.parse_lammps_log("no loop line")


def test_physml_only_run_accounts_and_conserves_energy():
    r = bench.run_inlj((256,), steps={256: 30}, repeats=1, drift_steps=200, drift_size=256, lmp="")
    row = r["sizes"]["256"]
    assert r["lammps"] == "" and set(row) == {"steps", "physml_atom_steps_per_s", "physml_atom_steps_per_cpu_s"}
    assert row["steps"] == 30 and np.isfinite(row["physml_atom_steps_per_s"])
    assert abs(r["drift"]["physml_drift_per_atom"]) < 5e-3  # 200 NVE steps from the lattice, dt = 0.005
    assert "N =    256: physml" in bench.format_inlj(r)


@pytest.mark.skipif(shutil.which("lmp") is None, reason="needs LAMMPS (lmp)")
def test_lammps_runs_the_same_problem():
    lmp = bench.lammps_inlj(256, 50, thermo=25)
    ours = bench.physml_inlj(256, 50, thermo=25)
    assert lmp["atoms"] == 256 and lmp["steps"] == 50 and len(lmp["etotal"]) == 3
    # the same lattice and temperature: the potential energy per atom of the fcc start is the same physics
    # (LAMMPS's lj/cut is unshifted: add back the shift u(r_c) times the pairs inside r_c per atom)
    assert lmp["etotal"][0][1] == pytest.approx(-6.7733681 + 1.5 * 1.44 * (3 * 256 - 3) / (3 * 256), abs=0.02)
    assert ours["etotal"][0][1] > lmp["etotal"][0][1]  # the shifted potential lies above the plain cut one
