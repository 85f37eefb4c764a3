"""Neighbour graphs of periodic frames and the energy, forces and virial a network predicts on them.

Pairs come from the MD engine's cell lists (:func:`physml.sim.md.neighbour_pairs`), each unordered pair
``i < j`` once, with the minimum-image vector ``d_p = x_j - x_i``; pairs at or beyond the cutoff are dropped
before the network sees them (they would contribute exactly zero). Several frames (possibly of different
boxes) are batched by concatenating their atoms and pairs.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from ..sim.md import neighbour_pairs

__all__ = ["Graph", "frame_graph", "batch_graphs", "predict"]


@dataclass
class Graph:
    """Atoms and neighbour pairs of one or more frames (torch tensors on one device)."""

    d: torch.Tensor
    i: torch.Tensor
    j: torch.Tensor
    n_atoms: int
    atom_frame: torch.Tensor
    pair_frame: torch.Tensor
    n_frames: int

    def to(self, device, dtype) -> Graph:
        return Graph(self.d.to(device, dtype), self.i.to(device), self.j.to(device), self.n_atoms,
                     self.atom_frame.to(device), self.pair_frame.to(device), self.n_frames)


def frame_graph(pos: np.ndarray, box_length: float | None, cutoff: float,
                pairs: tuple[np.ndarray, np.ndarray] | None = None) -> Graph:
    """The graph of one frame: every pair closer than ``cutoff``, searched among ``pairs`` (``i < j``, e.g. a
    Verlet list with a skin) or, without them, by the engine's cell lists. ``box_length=None``: free atoms
    (no periodic images)."""
    pos = np.asarray(pos, np.float64)
    if pairs is None:
        if box_length is None:
            i, j = np.triu_indices(len(pos), 1)
        else:
            i, j = neighbour_pairs(pos, box_length, cutoff)
    else:
        i, j = pairs
    d = pos[j] - pos[i]
    if box_length is not None:
        d -= box_length * np.rint(d / box_length)
    keep = np.einsum("pk,pk->p", d, d) < cutoff * cutoff
    n = len(pos)
    return Graph(torch.as_tensor(d[keep]), torch.as_tensor(i[keep], dtype=torch.int64),
                 torch.as_tensor(j[keep], dtype=torch.int64), n, torch.zeros(n, dtype=torch.int64),
                 torch.zeros(int(keep.sum()), dtype=torch.int64), 1)


def batch_graphs(graphs: list[Graph]) -> Graph:
    """One graph of several frames (atoms renumbered, frames numbered in order)."""
    if len(graphs) == 1:
        return graphs[0]
    offsets = np.cumsum([0] + [g.n_atoms for g in graphs[:-1]])
    return Graph(torch.cat([g.d for g in graphs]),
                 torch.cat([g.i + int(o) for g, o in zip(graphs, offsets)]),
                 torch.cat([g.j + int(o) for g, o in zip(graphs, offsets)]),
                 int(sum(g.n_atoms for g in graphs)),
                 torch.cat([torch.full((g.n_atoms,), k, dtype=torch.int64) for k, g in enumerate(graphs)]),
                 torch.cat([torch.full((len(g.i),), k, dtype=torch.int64) for k, g in enumerate(graphs)]),
                 len(graphs))


def predict(net: torch.nn.Module, g: Graph, *, create_graph: bool = False):
    """``(E, F, W)``: total energy per frame ``(n_frames,)``, forces ``(n_atoms, 3)`` and virial per frame
    ``sum_pairs r_ij . f_ij``. A conservative net's forces and virial are the autograd derivatives of its
    energy with respect to the pair vectors (``create_graph``: keep the graph to train on them)."""
    conservative = net.kind == "conservative"
    d = g.d.detach().requires_grad_(True) if conservative else g.d
    with torch.enable_grad() if conservative else contextlib.nullcontext():
        out = net(d, g.i, g.j, g.n_atoms)
        e, F, w = (out, None, None) if conservative else out
        E = torch.zeros(g.n_frames, dtype=e.dtype, device=e.device).index_add(0, g.atom_frame, e)
        if not conservative:
            return E, F, torch.zeros(g.n_frames, dtype=e.dtype, device=e.device).index_add(0, g.pair_frame, w)
        (grad,) = torch.autograd.grad(E.sum(), d, create_graph=create_graph)
    F = torch.zeros((g.n_atoms, 3), dtype=grad.dtype, device=grad.device)
    F = F.index_add(0, g.i, grad).index_add(0, g.j, -grad)
    W = -torch.zeros(g.n_frames, dtype=grad.dtype, device=grad.device).index_add(
        0, g.pair_frame, torch.sum(d * grad, dim=1))
    return E, F, W
