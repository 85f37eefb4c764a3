"""SchNet-style message passing for one species of atoms, and its direct-force (non-conservative) sibling.

Schütt et al., "SchNet: a continuous-filter convolutional neural network for modeling quantum
interactions" (NeurIPS 2017; J. Chem. Phys. 148, 241722, 2018). An atom's features ``x_i`` (F numbers;
one species, so every atom starts from the same learned embedding) are updated ``n_interactions`` times by
continuous-filter convolutions over its neighbours within ``cutoff``::

    x_i <- x_i + Dense(ssp(Dense( sum_j Dense(x_j) * W(r_ij) )))
    W(r) = Dense(ssp(Dense(rbf(r)))) * f_c(r)     (one filter network shared by the blocks)

with ``rbf`` Gaussians on ``[0, cutoff]``, ``ssp(x) = softplus(x) - ln 2`` and the smooth cosine cutoff
``f_c(r) = (cos(pi r / r_c) + 1) / 2`` (zero with zero slope at ``r_c``, so energy and forces are
continuous as a neighbour leaves). A per-atom readout gives ``e_i``; the energy is ``sum_i e_i`` and the
forces are ``-dE/dx_i`` by autograd, so the force field conserves energy by construction.

The network takes the neighbour *pair vectors* ``d_p = x_j - x_i`` (minimum image, each pair once) as its
input. Forces and the virial then follow from one gradient ``g_p = dE/dd_p``: ``F_i = sum_{p: i} g_p -
sum_{p: j} g_p`` and ``W = sum_pairs r_ij . f_ij = -sum_p d_p . g_p`` (the strain derivative), exact for
periodic boxes.

:class:`DirectForceNet` has the same embedding, interactions and energy readout, plus a head that predicts
each atom's force directly from learned pair scalars that are not symmetric in (i, j): rotation-equivariant,
but not the gradient of anything, so it does not conserve energy (the baseline of Fu et al. 2023, "Forces
are not enough").
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["SchNet", "DirectForceNet", "cosine_cutoff", "shifted_softplus", "NET_KINDS", "build_net"]

NET_KINDS = ("conservative", "direct")


def shifted_softplus(x: torch.Tensor) -> torch.Tensor:
    """``softplus(x) - ln 2``: smooth, zero at zero."""
    return nn.functional.softplus(x) - math.log(2.0)


def cosine_cutoff(r: torch.Tensor, cutoff: float) -> torch.Tensor:
    """``(cos(pi r / r_c) + 1) / 2`` inside ``r_c``, 0 beyond (value and slope vanish at ``r_c``)."""
    return torch.where(r < cutoff, 0.5 * (torch.cos(math.pi * r / cutoff) + 1.0), torch.zeros_like(r))


class _Interaction(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.in2f = nn.Linear(hidden, hidden, bias=False)
        self.f2out, self.dense = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)

    def forward(self, x, W, i, j):
        y = self.in2f(x)
        m = torch.zeros_like(x).index_add_(0, i, y[j] * W).index_add_(0, j, y[i] * W)
        return x + self.dense(shifted_softplus(self.f2out(m)))


class SchNet(nn.Module):
    """Energy of a set of atoms as a sum of per-atom energies from continuous-filter convolutions.

    ``forward(d, i, j, n_atoms)`` -> per-atom energies ``(n_atoms,)`` (already scaled:
    ``e_i = energy_scale * out_i + energy_shift``), from the pair vectors ``d`` ``(P, 3)``, ``d_p = x_j - x_i``
    for each unordered pair ``(i, j)`` (listed once; the filter ``W(r)`` is symmetric, so a pair's filter is
    computed once and carries the messages both ways). Pairs at ``r >= cutoff`` contribute exactly nothing.
    The Gaussians are spread over ``[rbf_min, cutoff]``: no two LJ atoms come closer than ~0.8 sigma, so
    centres below that would never be used. One filter network is shared by the interaction blocks
    (schnetpack's ``shared_filters``): half the cost per step, which MD pays 10^4 times.
    """

    kind = "conservative"

    def __init__(self, cutoff: float = 2.5, n_rbf: int = 24, hidden: int = 32, n_interactions: int = 2,
                 rbf_min: float = 0.5):
        super().__init__()
        self.cutoff, self.n_rbf, self.hidden, self.n_interactions = float(cutoff), n_rbf, hidden, n_interactions
        self.rbf_min = float(rbf_min)
        self.register_buffer("centres", torch.linspace(self.rbf_min, self.cutoff, n_rbf))
        self.gamma = 0.5 / ((self.cutoff - self.rbf_min) / (n_rbf - 1)) ** 2
        self.embedding = nn.Parameter(torch.randn(hidden) / math.sqrt(hidden))
        self.filter1, self.filter2 = nn.Linear(n_rbf, hidden), nn.Linear(hidden, hidden)
        self.interactions = nn.ModuleList(_Interaction(hidden) for _ in range(n_interactions))
        self.out1, self.out2 = nn.Linear(hidden, hidden // 2), nn.Linear(hidden // 2, 1)
        self.register_buffer("energy_scale", torch.tensor(1.0))
        self.register_buffer("energy_shift", torch.tensor(0.0))

    def config(self) -> dict:
        """The constructor's arguments (JSON), what rebuilds the network around saved weights."""
        return {"kind": self.kind, "cutoff": self.cutoff, "n_rbf": self.n_rbf, "hidden": self.hidden,
                "n_interactions": self.n_interactions, "rbf_min": self.rbf_min}

    def features(self, d, i, j, n_atoms):
        r = torch.sqrt(torch.sum(d * d, dim=1))
        rbf = torch.exp(-self.gamma * (r[:, None] - self.centres) ** 2)
        fcut = cosine_cutoff(r, self.cutoff)
        W = self.filter2(shifted_softplus(self.filter1(rbf))) * fcut[:, None]
        x = self.embedding.expand(n_atoms, -1)
        for block in self.interactions:
            x = block(x, W, i, j)
        return x, r, rbf, fcut

    def forward(self, d, i, j, n_atoms):
        x, *_ = self.features(d, i, j, n_atoms)
        return self.energy_scale * self.out2(shifted_softplus(self.out1(x)))[:, 0] + self.energy_shift


class DirectForceNet(SchNet):
    """:class:`SchNet` plus a head predicting forces directly (not a gradient): the non-conservative baseline.

    ``forward`` returns ``(e_i, F, w_p)``: the per-atom energies (the same readout as SchNet, trained on
    energies so the baseline can report one), the forces ``F_i = -force_scale sum_j s_ij (x_j - x_i) / r_ij``
    with ``s_ij = Dense(ssp(Dense([x_i, x_j] * W'(r_ij)))) f_c(r_ij)`` (``W'`` a filter of the distance; not
    symmetric in i, j, so Newton's third law and energy conservation are not built in), and each pair's
    virial ``w_p = r_ij (s_ij + s_ji) / 2 * force_scale`` (``sum_pairs r_ij . f_ij`` for its forces).
    """

    kind = "direct"

    def __init__(self, cutoff: float = 2.5, n_rbf: int = 24, hidden: int = 32, n_interactions: int = 2,
                 rbf_min: float = 0.5):
        super().__init__(cutoff, n_rbf, hidden, n_interactions, rbf_min)
        self.edge_filter = nn.Linear(n_rbf, 2 * hidden)
        self.force1, self.force2 = nn.Linear(2 * hidden, hidden), nn.Linear(hidden, 1)
        self.register_buffer("force_scale", torch.tensor(1.0))

    def forward(self, d, i, j, n_atoms):
        x, r, rbf, fcut = self.features(d, i, j, n_atoms)
        e = self.energy_scale * self.out2(shifted_softplus(self.out1(x)))[:, 0] + self.energy_shift
        filt = self.edge_filter(rbf)
        s_ij = self.force2(shifted_softplus(self.force1(torch.cat([x[i], x[j]], dim=1) * filt)))[:, 0] * fcut
        s_ji = self.force2(shifted_softplus(self.force1(torch.cat([x[j], x[i]], dim=1) * filt)))[:, 0] * fcut
        u = d / r[:, None]
        f = torch.zeros((n_atoms, 3), dtype=d.dtype, device=d.device)
        f = f.index_add(0, i, -s_ij[:, None] * u).index_add(0, j, s_ji[:, None] * u)
        return e, self.force_scale * f, 0.5 * self.force_scale * (s_ij + s_ji) * r


def build_net(config: dict) -> SchNet:
    """The network named by ``config`` (:meth:`SchNet.config`'s output)."""
    cls = {"conservative": SchNet, "direct": DirectForceNet}[config["kind"]]
    return cls(**{k: config[k] for k in ("cutoff", "n_rbf", "hidden", "n_interactions", "rbf_min") if k in config})
