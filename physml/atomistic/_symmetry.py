"""The symmetry audit of a force field: energy invariant, forces equivariant.

Periodic boundaries allow only the rotations that map the cube onto itself, so rotations are tested twice:
a proper rotation of the cubic group applied to a periodic frame (exact for the periodic system), and a
random rotation of SO(3) applied to a free cluster cut out of the frame (every neighbour of one atom
within two cutoffs, unwrapped). Translations (by a random vector, wrapped back into the box) and
permutations (a random relabelling) are applied to the periodic frame. Each error is relative:
``|E' - E| / |E|`` and ``||F' - R F|| / ||F||``.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

__all__ = ["symmetry_errors"]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300))


def symmetry_errors(potential, pos: np.ndarray, box_length: float, rng: np.random.Generator) -> dict[str, float]:
    """``{transform_energy, transform_forces}`` relative errors for ``translation``, ``permutation``,
    ``rotation_cubic`` (periodic) and ``rotation_free`` (a free cluster), from ``potential.evaluate``."""
    L = float(box_length)
    pos = np.asarray(pos, np.float64) % L
    E, F, _ = potential.evaluate(pos, L)
    out = {}
    shift = rng.uniform(0, L, 3)
    E2, F2, _ = potential.evaluate((pos + shift) % L, L)
    out["translation_energy"], out["translation_forces"] = _rel(E2, E), _rel(F2, F)
    perm = rng.permutation(len(pos))
    E2, F2, _ = potential.evaluate(pos[perm], L)
    out["permutation_energy"], out["permutation_forces"] = _rel(E2, E), _rel(F2, F[perm])
    # a 90-degree rotation about z then a 120-degree one about the body diagonal: maps the cube onto itself
    R = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) @ np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0],
                                                                                  [0.0, 1.0, 0.0]])
    E2, F2, _ = potential.evaluate((pos @ R.T) % L, L)
    out["rotation_cubic_energy"], out["rotation_cubic_forces"] = _rel(E2, E), _rel(F2, F @ R.T)
    # a free cluster: atoms within two cutoffs of atom 0, unwrapped around it
    d = pos - pos[0]
    d -= L * np.rint(d / L)
    cluster = d[np.linalg.norm(d, axis=1) < min(2 * potential.cutoff, L / 2)]
    Ec, Fc, _ = potential.evaluate(cluster, None)
    Q = Rotation.random(random_state=rng).as_matrix()
    E2, F2, _ = potential.evaluate(cluster @ Q.T + rng.normal(size=3), None)
    out["rotation_free_energy"], out["rotation_free_forces"] = _rel(E2, Ec), _rel(F2, Fc @ Q.T)
    return out
