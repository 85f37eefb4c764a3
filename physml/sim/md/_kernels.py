"""Numba kernels of the Lennard-Jones MD engine (reduced units: sigma = epsilon = m = k_B = 1).

Pair potential ``u(r) = 4 (r^-12 - r^-6) - u(r_c)`` for ``r < r_c`` and 0 beyond
(truncated and shifted). Forces come from a Verlet neighbour list (pairs
``i < j`` within ``r_list = r_c + skin``), rebuilt when the two largest
displacements since the last build add up to more than ``skin``; the build uses a cell list when at
least three cells fit along the box, and all pairs otherwise (small boxes, where
the cell list would visit every pair anyway).

The time step (:func:`run_block`) uses a half list in compressed rows
(:func:`build_half_list`: each pair once, stored with the first of its atoms in
cell order, found through a half stencil of 13 neighbour cells plus the atom's
own), so the force loop (:func:`half_list_forces`) keeps one atom's force in
registers while it runs over that atom's neighbours, and consecutive atoms,
being in the same or adjacent cells, share most of theirs in cache. Energy and
virial are summed only on the step that reports them. :func:`build_pairs` and
:func:`pair_forces` (a flat pair list) are the simple reference they are tested
against.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["build_pairs", "pair_forces", "build_half_list", "half_list_forces", "run_block", "lj_shift",
           "lj_force_at", "NVE", "BERENDSEN", "LANGEVIN", "RESCALE"]

NVE, BERENDSEN, LANGEVIN, RESCALE = 0, 1, 2, 3


@njit(cache=True)
def lj_shift(r_cut: float) -> float:
    """``u_LJ(r_c)``: the constant subtracted inside the cut-off."""
    ir6 = 1.0 / r_cut**6
    return 4.0 * ir6 * (ir6 - 1.0)


@njit(cache=True)
def _min_image(d: float, L: float) -> float:
    return d - L * np.rint(d / L)


@njit(cache=True)
def build_pairs(pos: np.ndarray, L: float, r_list: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(i, j)``, ``i < j``, closer than ``r_list`` (minimum image)."""
    n = pos.shape[0]
    rl2 = r_list * r_list
    # a generous capacity from the mean density; doubled and retried if exceeded
    cap = int(n * (2.0 / 3.0 * np.pi * r_list**3 * n / L**3 * 1.6 + 16))
    ncell = int(L // r_list)
    while True:
        pi = np.empty(cap, np.int64)
        pj = np.empty(cap, np.int64)
        k = 0
        overflow = False
        if ncell < 3:
            for i in range(n - 1):
                for j in range(i + 1, n):
                    dx = _min_image(pos[i, 0] - pos[j, 0], L)
                    dy = _min_image(pos[i, 1] - pos[j, 1], L)
                    dz = _min_image(pos[i, 2] - pos[j, 2], L)
                    if dx * dx + dy * dy + dz * dz < rl2:
                        if k == cap:
                            overflow = True
                            break
                        pi[k] = i
                        pj[k] = j
                        k += 1
                if overflow:
                    break
        else:
            head = -np.ones(ncell**3, np.int64)
            nxt = np.empty(n, np.int64)
            cell = np.empty((n, 3), np.int64)
            for i in range(n):
                for a in range(3):
                    c = int(pos[i, a] / L * ncell)
                    cell[i, a] = min(max(c, 0), ncell - 1)
                idx = (cell[i, 0] * ncell + cell[i, 1]) * ncell + cell[i, 2]
                nxt[i] = head[idx]
                head[idx] = i
            for i in range(n):
                for ox in range(-1, 2):
                    for oy in range(-1, 2):
                        for oz in range(-1, 2):
                            cx = (cell[i, 0] + ox) % ncell
                            cy = (cell[i, 1] + oy) % ncell
                            cz = (cell[i, 2] + oz) % ncell
                            j = head[(cx * ncell + cy) * ncell + cz]
                            while j >= 0:
                                if j > i:
                                    dx = _min_image(pos[i, 0] - pos[j, 0], L)
                                    dy = _min_image(pos[i, 1] - pos[j, 1], L)
                                    dz = _min_image(pos[i, 2] - pos[j, 2], L)
                                    if dx * dx + dy * dy + dz * dz < rl2:
                                        if k == cap:
                                            overflow = True
                                            break
                                        pi[k] = i
                                        pj[k] = j
                                        k += 1
                                j = nxt[j]
                            if overflow:
                                break
                        if overflow:
                            break
                    if overflow:
                        break
                if overflow:
                    break
        if not overflow:
            return pi[:k].copy(), pj[:k].copy()
        cap *= 2


# the 13 cells of a half stencil: offsets (a, b, c) lexicographically after (0, 0, 0)
_HALF1 = np.array([(a, b, c) for a in range(-1, 2) for b in range(-1, 2) for c in range(-1, 2)
                   if (a, b, c) > (0, 0, 0)], np.int64)


@njit(cache=True)
def build_half_list(pos: np.ndarray, L: float, r_list: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half neighbour list in compressed rows: ``(order, start, nbr)``.

    Indices count atoms in cell order: atom ``order[k]`` has neighbours ``order[nbr[start[k]:start[k + 1]]]``
    (so the force loop runs over positions stored in that order, ``pos[order]``, with neighbours close in
    memory); every pair closer than ``r_list`` (minimum image) appears once. ``order`` runs through the
    atoms cell by cell (cells of side >= ``r_list``; all atoms in index order when fewer than three cells
    fit along the box). For each cell the atoms of its 13 half-stencil neighbours are gathered once,
    image-shifted, into one contiguous buffer that every atom of the cell scans (distances in one
    vectorised loop, then a branch-free compress).
    """
    n = pos.shape[0]
    rl2 = r_list * r_list
    inv = 1.0 / L
    ncell = int(L // r_list)
    cap = int(n * (2.0 / 3.0 * np.pi * r_list**3 * n / L**3 * 1.3 + 8))
    order = np.arange(n)
    start = np.empty(n + 1, np.int64)
    if ncell < 3:
        while True:
            nbr = np.empty(cap, np.int64)
            k = 0
            for i in range(n):
                start[i] = k
                if k + n > cap:
                    break
                for j in range(i + 1, n):
                    dx = pos[i, 0] - pos[j, 0]
                    dy = pos[i, 1] - pos[j, 1]
                    dz = pos[i, 2] - pos[j, 2]
                    dx -= L * np.rint(dx * inv)
                    dy -= L * np.rint(dy * inv)
                    dz -= L * np.rint(dz * inv)
                    nbr[k] = j
                    k += dx * dx + dy * dy + dz * dz < rl2
            else:
                start[n] = k
                return order, start, nbr[:k].copy()
            cap = max(2 * cap, n * n)
    nc3 = ncell**3
    cid = np.empty(n, np.int64)
    count = np.zeros(nc3 + 1, np.int64)
    for i in range(n):
        cx = min(max(int(pos[i, 0] * inv * ncell), 0), ncell - 1)
        cy = min(max(int(pos[i, 1] * inv * ncell), 0), ncell - 1)
        cz = min(max(int(pos[i, 2] * inv * ncell), 0), ncell - 1)
        cid[i] = (cx * ncell + cy) * ncell + cz
        count[cid[i] + 1] += 1
    most = 0
    for c in range(nc3):
        most = max(most, count[c + 1])
        count[c + 1] += count[c]
    fill = count[:nc3].copy()
    for i in range(n):  # counting sort: atoms by cell, index order within a cell
        order[fill[cid[i]]] = i
        fill[cid[i]] += 1
    xs, ys, zs = np.empty(n), np.empty(n), np.empty(n)
    for m in range(n):
        xs[m], ys[m], zs[m] = pos[order[m], 0], pos[order[m], 1], pos[order[m], 2]
    # cell coordinate a - 1 (a = 0 .. ncell + 1) wraps to wcell[a], image shifted by wshift[a]
    wcell = np.empty(ncell + 2, np.int64)
    wshift = np.zeros(ncell + 2)
    for a in range(ncell + 2):
        wcell[a] = (a - 1) % ncell
        wshift[a] = L if a - 1 >= ncell else (-L if a < 1 else 0.0)
    size = 13 * most
    bx, by, bz = np.empty(size), np.empty(size), np.empty(size)
    bi = np.empty(size, np.int64)
    r2 = np.empty(size)
    while True:
        nbr = np.empty(cap, np.int64)
        k = 0
        overflow = False
        for c in range(nc3):
            lo_c, hi_c = count[c], count[c + 1]
            if lo_c == hi_c:
                continue
            cx, cy, cz = c // (ncell * ncell), (c // ncell) % ncell, c % ncell
            nb = 0
            for s in range(13):
                ax, ay, az = cx + _HALF1[s, 0] + 1, cy + _HALF1[s, 1] + 1, cz + _HALF1[s, 2] + 1
                sx, sy, sz = wshift[ax], wshift[ay], wshift[az]
                d = (wcell[ax] * ncell + wcell[ay]) * ncell + wcell[az]
                for m in range(count[d], count[d + 1]):
                    bx[nb] = xs[m] + sx
                    by[nb] = ys[m] + sy
                    bz[nb] = zs[m] + sz
                    bi[nb] = m
                    nb += 1
            if k + (hi_c - lo_c) * (hi_c - lo_c + nb) > cap:
                overflow = True
                break
            for kk in range(lo_c, hi_c):
                start[kk] = k
                xi, yi, zi = xs[kk], ys[kk], zs[kk]
                for m in range(kk + 1, hi_c):  # the rest of the own cell
                    dx = xi - xs[m]
                    dy = yi - ys[m]
                    dz = zi - zs[m]
                    nbr[k] = m
                    k += dx * dx + dy * dy + dz * dz < rl2
                for m in range(nb):  # distances first (a vectorised loop), then a branch-free compress
                    dx = xi - bx[m]
                    dy = yi - by[m]
                    dz = zi - bz[m]
                    r2[m] = dx * dx + dy * dy + dz * dz
                for m in range(nb):
                    nbr[k] = bi[m]
                    k += r2[m] < rl2
        if not overflow:
            start[n] = k
            return order, start, nbr[:k].copy()
        cap *= 2


@njit(cache=True)
def lj_force_at(r_cut: float) -> float:
    """``-u_LJ'(r_c)``: the force jump at the cut-off of the (energy-)shifted potential."""
    ir6 = 1.0 / r_cut**6
    return 24.0 * ir6 * (2.0 * ir6 - 1.0) / r_cut


@njit(cache=True)
def pair_forces(pos: np.ndarray, L: float, pi: np.ndarray, pj: np.ndarray, r_cut: float,
                f: np.ndarray, shifted_force: bool = False) -> tuple[float, float, int]:
    """Fill ``f`` with the forces; return (potential energy, virial sum r.f, pairs inside r_c).

    ``shifted_force``: ``u(r) - u(r_c) - (r - r_c) u'(r_c)`` instead of ``u(r) - u(r_c)``: the force goes to
    zero continuously at r_c, which removes the energy error of pairs crossing r_c within a step.
    """
    f[:] = 0.0
    rc2 = r_cut * r_cut
    shift = lj_shift(r_cut)
    fc = lj_force_at(r_cut) if shifted_force else 0.0
    U = 0.0
    W = 0.0
    inside = 0
    for k in range(pi.shape[0]):
        i = pi[k]
        j = pj[k]
        dx = _min_image(pos[i, 0] - pos[j, 0], L)
        dy = _min_image(pos[i, 1] - pos[j, 1], L)
        dz = _min_image(pos[i, 2] - pos[j, 2], L)
        r2 = dx * dx + dy * dy + dz * dz
        if r2 < rc2:
            ir2 = 1.0 / r2
            ir6 = ir2 * ir2 * ir2
            U += 4.0 * ir6 * (ir6 - 1.0) - shift
            fr = 24.0 * ir6 * (2.0 * ir6 - 1.0)  # r . f_ij
            if shifted_force:
                r = np.sqrt(r2)
                U += (r - r_cut) * fc
                fr -= r * fc
            W += fr
            s = fr * ir2
            f[i, 0] += s * dx
            f[i, 1] += s * dy
            f[i, 2] += s * dz
            f[j, 0] -= s * dx
            f[j, 1] -= s * dy
            f[j, 2] -= s * dz
            inside += 1
    return U, W, inside


@njit(cache=True)
def half_list_forces(pos: np.ndarray, L: float, start: np.ndarray, nbr: np.ndarray, r_cut: float, f: np.ndarray,
                     shifted_force: bool, energy: bool) -> tuple[float, float, int]:
    """:func:`pair_forces` on a :func:`build_half_list` list, with ``pos`` and ``f`` in the list's cell order
    (``pos[order]``); energy, virial and count only if ``energy`` (else zeros): the same forces, summed in
    another order."""
    n = pos.shape[0]
    f[:] = 0.0
    rc2 = r_cut * r_cut
    inv = 1.0 / L
    shift = lj_shift(r_cut)
    fc = lj_force_at(r_cut) if shifted_force else 0.0
    U = 0.0
    W = 0.0
    inside = 0
    for i in range(n):
        xi, yi, zi = pos[i, 0], pos[i, 1], pos[i, 2]
        fx = 0.0
        fy = 0.0
        fz = 0.0
        for m in range(start[i], start[i + 1]):
            j = nbr[m]
            dx = xi - pos[j, 0]
            dy = yi - pos[j, 1]
            dz = zi - pos[j, 2]
            dx -= L * np.rint(dx * inv)
            dy -= L * np.rint(dy * inv)
            dz -= L * np.rint(dz * inv)
            r2 = dx * dx + dy * dy + dz * dz
            # branch-free: a pair beyond r_c contributes an exact zero (a quarter of the list: cheaper than a
            # mispredicted branch)
            ir2 = 1.0 / r2
            ir6 = ir2 * ir2 * ir2
            fr = 24.0 * ir6 * (2.0 * ir6 - 1.0)  # r . f_ij
            if shifted_force:
                r = np.sqrt(r2)
                fr -= r * fc
            if energy and r2 < rc2:
                U += 4.0 * ir6 * (ir6 - 1.0) - shift
                if shifted_force:
                    U += (r - r_cut) * fc
                W += fr
                inside += 1
            s = fr * ir2 if r2 < rc2 else 0.0
            fx += s * dx
            fy += s * dy
            fz += s * dz
            f[j, 0] -= s * dx
            f[j, 1] -= s * dy
            f[j, 2] -= s * dz
        f[i, 0] += fx
        f[i, 1] += fy
        f[i, 2] += fz
    return U, W, inside


@njit(cache=True)
def _max_disp2(pos: np.ndarray, ref: np.ndarray, L: float) -> float:
    m = 0.0
    for i in range(pos.shape[0]):
        dx = _min_image(pos[i, 0] - ref[i, 0], L)
        dy = _min_image(pos[i, 1] - ref[i, 1], L)
        dz = _min_image(pos[i, 2] - ref[i, 2], L)
        d2 = dx * dx + dy * dy + dz * dz
        if d2 > m:
            m = d2
    return m


@njit(cache=True)
def _two_largest_disp(pos: np.ndarray, ref: np.ndarray, L: float) -> float:
    """The sum of the two largest displacements since ``ref``: once it exceeds the skin, a pair outside the
    list may have come within r_c (their distance shrank by at most the sum of their displacements)."""
    h = 0.5 * L
    m1 = 0.0
    m2 = 0.0
    for i in range(pos.shape[0]):
        d2 = 0.0
        for a in range(3):
            d = pos[i, a] - ref[i, a]
            d = d - L if d > h else (d + L if d < -h else d)
            d2 += d * d
        if d2 > m2:
            if d2 > m1:
                m2 = m1
                m1 = d2
            else:
                m2 = d2
    return np.sqrt(m1) + np.sqrt(m2)


@njit(cache=True)
def _drift(pos: np.ndarray, vel: np.ndarray, h: float, L: float) -> None:
    for i in range(pos.shape[0]):
        for a in range(3):
            x = pos[i, a] + h * vel[i, a]
            # x - L floor(x / L) without the division: a step moves an atom far less than L
            pos[i, a] = x - L if x >= L else (x + L if x < 0.0 else x)


@njit(cache=True)
def _kick(vel: np.ndarray, f: np.ndarray, h: float) -> None:
    for i in range(vel.shape[0]):
        for a in range(3):
            vel[i, a] += h * f[i, a]


@njit(cache=True)
def _kinetic(vel: np.ndarray) -> float:
    return 0.5 * np.sum(vel * vel)


@njit(cache=True)
def run_block(pos: np.ndarray, vel: np.ndarray, f: np.ndarray, ref: np.ndarray, order: np.ndarray,
              start: np.ndarray, nbr: np.ndarray, L: float, r_cut: float, skin: float, dt: float, n_steps: int,
              kind: int, T0: float, coupling: float, dof: float, noise: np.ndarray, shifted_force: bool = False):
    """Advance ``n_steps`` in place; return (U, W, inside, order, start, nbr, rebuilds).

    ``kind``: NVE (velocity Verlet), BERENDSEN (velocity Verlet, then scale v by
    ``sqrt(1 + dt/tau (T0/T - 1))``, ``coupling = tau``), LANGEVIN (BAOAB
    splitting, friction ``coupling = gamma``, ``noise[step]`` standard normal),
    RESCALE (velocity Verlet, then scale v by ``sqrt(1 + coupling dt)``: a set
    heating (>0) or cooling (<0) rate of the kinetic energy). ``f`` holds the
    forces at ``pos`` on entry and on exit; ``ref`` the positions at the last
    neighbour-list build, ``(order, start, nbr)`` that list (:func:`build_half_list`).
    U, W and inside are those of the last step (the only step that sums them). Inside, the atoms are
    kept in the list's cell order (re-sorted at every rebuild), and put back in their own order at the end.
    """
    half = 0.5 * dt
    r_list = r_cut + skin
    U = 0.0
    W = 0.0
    inside = 0
    rebuilds = 0
    c1 = np.exp(-coupling * dt)
    c2 = np.sqrt((1.0 - c1 * c1) * T0)
    ps, vs, fs, rs = _gather(pos, order), _gather(vel, order), _gather(f, order), _gather(ref, order)
    for step in range(n_steps):
        _kick(vs, fs, half)
        if kind == LANGEVIN:
            _drift(ps, vs, half, L)
            for k in range(vs.shape[0]):
                i = order[k]
                for a in range(3):
                    vs[k, a] = c1 * vs[k, a] + c2 * noise[step, i, a]
            _drift(ps, vs, half, L)
        else:
            _drift(ps, vs, dt, L)
        if _two_largest_disp(ps, rs, L) > skin:
            _scatter(ps, order, pos)
            _scatter(vs, order, vel)
            order, start, nbr = build_half_list(pos, L, r_list)
            ps, vs = _gather(pos, order), _gather(vel, order)
            rs[:] = ps
            rebuilds += 1
        U, W, inside = half_list_forces(ps, L, start, nbr, r_cut, fs, shifted_force, step == n_steps - 1)
        _kick(vs, fs, half)
        if kind == BERENDSEN:
            T = 2.0 * _kinetic(vs) / dof
            lam2 = 1.0 + dt / coupling * (T0 / T - 1.0)
            vs *= np.sqrt(max(lam2, 0.0))
        elif kind == RESCALE:
            vs *= np.sqrt(max(1.0 + coupling * dt, 0.0))
    _scatter(ps, order, pos)
    _scatter(vs, order, vel)
    _scatter(fs, order, f)
    _scatter(rs, order, ref)
    return U, W, inside, order, start, nbr, rebuilds


@njit(cache=True)
def _gather(a: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    for k in range(order.shape[0]):
        for c in range(3):
            out[k, c] = a[order[k], c]
    return out


@njit(cache=True)
def _scatter(a: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    for k in range(order.shape[0]):
        for c in range(3):
            out[order[k], c] = a[k, c]
