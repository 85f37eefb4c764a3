"""Training a force field on MD frames: energies, forces and virials, a held-out split, the best weights kept."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..errors import ParameterError
from ..models import divergence_error, forked_torch_rng, seeded_split
from ..sim.md.frames import FrameSet
from ..validation import Int, OneOf, Real, validate_fields
from ._graph import Graph, batch_graphs, frame_graph, predict
from ._net import NET_KINDS, SchNet, build_net
from ._potential import LearnedPotential

__all__ = ["PotentialConfig", "FitReport", "fit_potential", "frame_errors", "check_cutoff"]


@dataclass(frozen=True)
class PotentialConfig:
    """A force field's network and its training (reduced LJ units)."""

    kind: str = "conservative"
    """conservative (SchNet energy, forces by autograd) | direct (forces predicted directly: the baseline)."""
    cutoff: float = 2.5
    """Neighbour cutoff (sigma); at most half the smallest box side."""
    n_rbf: int = 24
    """Gaussian radial basis functions on [0, cutoff]."""
    hidden: int = 32
    """Features per atom and per filter."""
    n_interactions: int = 2
    """Continuous-filter convolution blocks."""
    epochs: int = 60
    """Passes over the training frames."""
    batch_frames: int = 4
    """Frames per optimiser step."""
    lr: float = 3e-3
    """Adam's initial learning rate (cosine decay to zero over the run)."""
    energy_weight: float = 10.0
    """Weight of the per-atom energy error against the force error (both in units of the force spread)."""
    virial_weight: float = 1.0
    """Weight of the per-atom virial error (what the pressure is made of)."""
    validation_fraction: float = 0.2
    """Frames held out (chosen by the seed) to pick the best epoch and report errors on."""

    def __post_init__(self) -> None:
        validate_fields(self, {
            "kind": OneOf(*NET_KINDS), "cutoff": Real(0.5, 10.0), "n_rbf": Int(2, 256), "hidden": Int(2, 1024),
            "n_interactions": Int(1, 8), "epochs": Int(1), "batch_frames": Int(1), "lr": Real(0.0, 1.0,
                                                                                              closed="right"),
            "energy_weight": Real(0.0), "virial_weight": Real(0.0), "validation_fraction": Real(0.0, 0.9)})


@dataclass
class FitReport:
    """What training did: the loss per epoch, the validation force MAE per epoch, the kept epoch, the split."""

    loss_curve: list[float] = field(default_factory=list)
    validation_force_mae: list[float] = field(default_factory=list)
    best_epoch: int = 0
    train_frames: list[int] = field(default_factory=list)
    validation_frames: list[int] = field(default_factory=list)
    seconds: float = 0.0


def check_cutoff(cutoff: float, box_lengths) -> None:
    """:class:`ParameterError` if ``cutoff`` exceeds half the smallest box side (the minimum image breaks)."""
    half = 0.5 * min(box_lengths)
    if cutoff > half:
        raise ParameterError.invalid("cutoff", cutoff, f"<= half the smallest box side, L/2 = {half:.4g} sigma "
                                     "(the minimum-image convention); use a smaller cutoff or larger boxes")


def fit_potential(frame_sets: list[FrameSet], config: PotentialConfig, *, seed: int,
                  progress: bool = False) -> tuple[LearnedPotential, FitReport]:
    """Train a network of ``config`` on every frame of ``frame_sets``; return it (float64, eval mode) and what
    training did. The frames are split at random (``seed``) into training and validation sets; the weights of
    the epoch with the smallest validation force MAE are kept."""
    from tqdm.auto import tqdm

    if not frame_sets or not all(len(fs.positions) for fs in frame_sets):
        raise ParameterError.invalid("frames", "none", "at least one frame set with frames")
    check_cutoff(config.cutoff, [fs.box_length for fs in frame_sets])
    start = time.perf_counter()
    dtype = torch.float32
    graphs, E, F, W, N = [], [], [], [], []
    for fs in frame_sets:
        for k in range(len(fs.positions)):
            graphs.append(frame_graph(fs.positions[k], fs.box_length, config.cutoff).to("cpu", dtype))
            E.append(fs.energy[k])
            F.append(torch.as_tensor(fs.forces[k], dtype=dtype))
            W.append(fs.virial[k])
            N.append(fs.positions.shape[1])
    n_frames = len(graphs)
    E, W, N = (torch.as_tensor(np.array(a, float), dtype=dtype) for a in (E, W, N))
    rng = np.random.default_rng(seed)
    train_idx, val_idx = seeded_split(n_frames, config.validation_fraction, rng)
    tr = train_idx.numpy()
    f_std = float(torch.cat([F[k] for k in tr]).std())
    with forked_torch_rng(torch.device("cpu"), seed):
        net = build_net({"kind": config.kind, "cutoff": config.cutoff, "n_rbf": config.n_rbf,
                         "hidden": config.hidden, "n_interactions": config.n_interactions})
        gen = torch.Generator().manual_seed(seed)
    net.energy_shift.fill_(float((E[tr] / N[tr]).mean()))
    net.energy_scale.fill_(f_std / 4)
    if config.kind == "direct":
        net.force_scale.fill_(f_std)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    steps_per_epoch = -(-len(tr) // config.batch_frames)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs * steps_per_epoch)
    report = FitReport(train_frames=tr.tolist(), validation_frames=val_idx.tolist())
    best, best_state = math.inf, {k: v.detach().clone() for k, v in net.state_dict().items()}
    s2 = f_std**2
    for epoch in tqdm(range(config.epochs), disable=not progress, desc="train potential", leave=False):
        net.train()
        order = train_idx[torch.randperm(len(train_idx), generator=gen)].tolist()
        total = 0.0
        for b in range(0, len(order), config.batch_frames):
            idx = order[b:b + config.batch_frames]
            g = batch_graphs([graphs[k] for k in idx])
            Ep, Fp, Wp = predict(net, g, create_graph=True)
            loss = (torch.mean((Fp - torch.cat([F[k] for k in idx])) ** 2) / s2
                    + config.energy_weight * torch.mean(((Ep - E[idx]) / N[idx]) ** 2) / s2
                    + config.virial_weight * torch.mean(((Wp - W[idx]) / N[idx]) ** 2) / s2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        epoch_loss = total / len(order)
        if not math.isfinite(epoch_loss):
            raise divergence_error("training", epoch_loss, epoch, config.epochs, config.lr)
        report.loss_curve.append(epoch_loss)
        held = val_idx.tolist() or order
        mae = _force_mae(net, [graphs[k] for k in held], [F[k] for k in held])
        report.validation_force_mae.append(mae)
        if mae < best:
            best, report.best_epoch = mae, epoch
            for k, v in net.state_dict().items():
                best_state[k].copy_(v)
    net.load_state_dict(best_state)
    report.seconds = time.perf_counter() - start
    states = sorted({(fs.density, fs.temperature) for fs in frame_sets})
    meta = {"training_states": [list(s) for s in states], "force_std": f_std,
            "n_particles": sorted({int(fs.positions.shape[1]) for fs in frame_sets}),
            "box_lengths": sorted({fs.box_length for fs in frame_sets}), "n_frames": n_frames,
            "config": asdict(config), "best_epoch": report.best_epoch,
            "sources": sorted({fs.source for fs in frame_sets if fs.source})}
    return LearnedPotential(net.double().eval(), meta), report


def _force_mae(net: SchNet, graphs: list[Graph], forces: list[torch.Tensor]) -> float:
    net.eval()
    err, count = 0.0, 0
    for k in range(0, len(graphs), 8):
        g = batch_graphs(graphs[k:k + 8])
        _, Fp, _ = predict(net, g)
        err += float(torch.sum(torch.abs(Fp.detach() - torch.cat(forces[k:k + 8]))))
        count += 3 * g.n_atoms
    return err / max(count, 1)


def frame_errors(potential: LearnedPotential, fs: FrameSet, frames=None) -> dict[str, float]:
    """Errors of ``potential`` on the frames ``frames`` (indices; default all) of ``fs``: force MAE and RMSE,
    force MAE relative to the frames' force standard deviation, per-atom energy MAE and its bias, per-atom
    virial MAE, and the pressure error they make ``(W_pred - W) / (3 V)``."""
    frames = range(len(fs.positions)) if frames is None else frames
    fe, ee, we, forces = [], [], [], []
    for k in frames:
        U, Fp, Wp = potential.evaluate(fs.positions[k], fs.box_length)
        n = fs.positions.shape[1]
        fe.append(Fp - fs.forces[k])
        forces.append(fs.forces[k])
        ee.append((U - fs.energy[k]) / n)
        we.append(Wp - fs.virial[k])
    fe, ee, we, forces = np.array(fe), np.array(ee), np.array(we), np.array(forces)
    n = fs.positions.shape[1]
    return {"force_mae": float(np.mean(np.abs(fe))), "force_rmse": float(np.sqrt(np.mean(fe**2))),
            "force_mae_rel": float(np.mean(np.abs(fe)) / np.std(forces)),
            "energy_mae_per_atom": float(np.mean(np.abs(ee))), "energy_bias_per_atom": float(np.mean(ee)),
            "virial_mae_per_atom": float(np.mean(np.abs(we)) / n),
            "pressure_mae": float(np.mean(np.abs(we)) / (3 * fs.box_length**3))}
