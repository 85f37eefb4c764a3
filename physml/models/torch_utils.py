"""Shared torch helpers of physml's estimators (and of :mod:`physml.transfer`, :mod:`physml.inverse`).

* :func:`forked_torch_rng`: draw torch random numbers from a seed without touching the global generators;
* :func:`seeded_split`: the seeded train / validation split of the estimators;
* :func:`train_module`: the one mini-batch training loop, and :func:`divergence_error`, the
  :class:`~physml.errors.TrainingError` it raises when a loss stops being finite;
* :data:`TRAINING_CONSTRAINTS` and :func:`check_params`: the declarative checks of an estimator's
  hyper-parameters (:mod:`physml.validation` constraints, checked in ``fit`` as scikit-learn asks).

The training loop: Adam on shuffled mini-batches, early stopping on a held-out validation set,
and the best weights restored at the end. Written by hand rather than taken
from a trainer library (Lightning, skorch) because it is short, the estimators
need exact control of every random draw, and it must cost nothing measurable
over a bare PyTorch loop (``benchmarks/bench_torch_loop.py`` holds it to that):

* tensors live on the device before the loop; a batch is an index gather;
* no host-device synchronisation per batch: batch losses stay on the device and
  are reduced once per epoch (one ``.item()``, which also catches a NaN);
* the best weights are copied into buffers allocated once, not re-cloned.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import checkpoint
from ..device import DEVICES
from ..errors import ParameterError, TrainingError
from ..validation import Bool, Constraint, Int, OneOf, OptionalOf, Real

__all__ = ["LR_SCHEDULES", "TrainingHistory", "train_module", "divergence_error", "forked_torch_rng",
           "seeded_split", "TRAINING_CONSTRAINTS", "check_params", "IsCallable"]

LR_SCHEDULES = ("constant", "cosine", "warmup-cosine")


# ---------------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class IsCallable(Constraint):
    """A callable; ``what`` says which (e.g. a network factory)."""

    what: str = "a callable"

    def check(self, name, value):
        if not callable(value):
            raise ParameterError.invalid(name, value, self.what)
        return value


#: what the torch estimators' training hyper-parameters accept (a subset for each estimator that has them)
TRAINING_CONSTRAINTS: dict[str, Constraint] = {
    "module": OptionalOf(IsCallable("None or a callable (input_shape, n_outputs) -> torch.nn.Module")),
    "epochs": Int(1),
    "batch_size": Int(1),
    "patience": Int(1),
    "lr": Real(0.0, math.inf, closed="neither"),
    "lr_schedule": OneOf(*LR_SCHEDULES),
    "weight_decay": Real(0.0),
    "validation_fraction": Real(0.0, 1.0, closed="left"),
    "standardize": Bool(),
    # Internal seeds are derived from a user's seed (NeuralInversion seeds member i with seed * 1000 + i), so the
    # estimator accepts what its generators take: numpy's SeedSequence any int >= 0, torch's manual_seed < 2**64.
    "seed": Int(0, 2**63 - 1),
    "device": OneOf(*DEVICES),
    "progress": Bool(),
    "any_size": Bool(),
}


def check_params(estimator: Any, constraints: Mapping[str, Constraint]) -> None:
    """Check the attributes of ``estimator`` named in ``constraints``; ParameterError on the first wrong one.

    For scikit-learn estimators, whose ``fit`` checks the parameters and must not change them: unlike
    :func:`physml.validation.validate_fields`, nothing is stored back.
    """
    for name, constraint in constraints.items():
        constraint.check(name, getattr(estimator, name))


# ---------------------------------------------------------------------------------------------- randomness
@contextlib.contextmanager
def forked_torch_rng(device: torch.device, seed: int | None = None) -> Iterator[None]:
    """Draw torch random numbers inside, from ``seed``, without touching the global generators after exit.

    Only the generators of ``device`` are seeded (``torch.manual_seed`` would also
    reseed every GPU's, outside what is forked and restored).
    """
    cuda = list(range(torch.cuda.device_count())) if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        if seed is not None:
            torch.default_generator.manual_seed(seed)
            if cuda:
                torch.cuda.manual_seed_all(seed)
        yield


def seeded_split(n: int, validation_fraction: float, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train_idx, val_idx)``: a permutation of ``range(n)`` drawn from ``rng``, its first
    ``round(validation_fraction n)`` indices held out (none below 10 samples; at least one kept for training)."""
    perm = torch.as_tensor(rng.permutation(n))
    n_val = min(int(round(validation_fraction * n)), n - 1) if n >= 10 else 0
    return perm[n_val:], perm[:n_val]


# ---------------------------------------------------------------------------------------------- training

_EVAL_CHUNK = 4096
_REL_IMPROVEMENT = 1e-4  # a validation loss must drop by this fraction to count as better (skorch's default)


@dataclass
class TrainingHistory:
    """Per-epoch mean training and validation losses, and the epoch whose weights were kept."""

    loss_curve: list[float] = field(default_factory=list)
    validation_curve: list[float] = field(default_factory=list)
    best_epoch: int | None = None


def _evaluate_loss(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: Callable) -> float:
    """Mean loss over ``(X, y)`` in chunks (exact for mean-reduced losses), without gradients."""
    total = X.new_zeros((), dtype=torch.float64)
    with torch.no_grad():
        for xb, yb in zip(X.split(_EVAL_CHUNK), y.split(_EVAL_CHUNK)):
            total += loss_fn(net(xb), yb).double() * len(xb)
    return float(total) / max(1, len(X))


def divergence_error(what: str, value: float, epoch: int, epochs: int, lr: float, advice: str = "", *,
                     unit: str = "epoch") -> TrainingError:
    """The error of a training run whose ``what`` loss (``"training"``, ``"validation"``) became ``value`` at
    0-based ``epoch`` of ``epochs`` (``unit``: what they count), with what to try."""
    return TrainingError(f"training stopped: the {what} loss became {value} at {unit} {epoch + 1} of {epochs}; "
                         f"try a smaller lr (now {lr:g}){advice}")


def _scheduler(opt: torch.optim.Optimizer, schedule: str, n_steps: int):
    """Per-batch learning-rate schedule: 'constant' (none), 'cosine' (lr -> 0 along a half cosine over all steps)
    or 'warmup-cosine' (linear rise from lr/100 over the first 5 % of the steps, then the cosine: Adam's first
    steps at full lr can kill a ReLU network before its second-moment estimates settle; measured on the
    ground-state-energy data, a D4 CNN at lr 2e-3 collapsed to the mean on one draw of a family without it)."""
    if schedule == "constant":
        return None
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_steps)
    warm = max(1, n_steps // 20)
    return torch.optim.lr_scheduler.SequentialLR(opt, [
        torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=warm),
        torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, n_steps - warm))], milestones=[warm])


def train_module(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: Callable, *,
                 train_idx: torch.Tensor, val_idx: torch.Tensor, epochs: int, batch_size: int, lr: float,
                 weight_decay: float, patience: int, generator: torch.Generator, progress: bool = False,
                 advice: str = "", lr_schedule: str = "constant") -> TrainingHistory:
    """Train ``net`` in place on ``X[train_idx]``; early-stop on ``X[val_idx]`` (empty: train all epochs).

    ``X`` and ``y`` are already on the network's device; the indices are CPU
    ``int64`` tensors; ``generator`` (CPU) draws the batch order. Raises
    :class:`~physml.errors.TrainingError` when a loss stops being finite.
    """
    device = X.device
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    n_train = len(train_idx)
    scheduler = _scheduler(opt, lr_schedule, max(1, epochs * -(-n_train // batch_size)))
    # weight of each batch's mean loss in the epoch mean (the last batch may be short)
    sizes = torch.full(((n_train + batch_size - 1) // batch_size,), float(batch_size), dtype=torch.float64)
    if n_train % batch_size:
        sizes[-1] = n_train % batch_size
    weights = (sizes / max(1, n_train)).to(device)
    Xv, yv = X[val_idx.to(device)], y[val_idx.to(device)]
    validate = len(val_idx) > 0
    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()} if validate else None
    best, stale = math.inf, 0
    history = TrainingHistory()
    ckpt, first = checkpoint.slot("train_module"), 0  # a checkpoint per epoch when a session is active
    if ckpt is not None and (saved := ckpt.load()) is not None:
        first, best, stale = _restore_loop(saved, net, opt, scheduler, generator, best_state, history)
        if saved[2]["done"]:
            return history
    with tqdm(range(first, epochs), disable=not progress, desc="train", leave=False) as bar:
        for epoch in bar:
            net.train()
            order = train_idx[torch.randperm(n_train, generator=generator)].to(device)
            losses = []
            for batch in order.split(batch_size):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(net(X[batch]), y[batch])
                loss.backward()
                opt.step()
                if scheduler is not None:
                    scheduler.step()
                losses.append(loss.detach())
            epoch_loss = float(torch.stack(losses).double() @ weights) if losses else 0.0  # the epoch's one sync
            if not math.isfinite(epoch_loss):
                raise divergence_error("training", epoch_loss, epoch, epochs, lr, advice)
            history.loss_curve.append(epoch_loss)
            if not validate:
                if progress:
                    bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)
                if ckpt is not None:
                    ckpt.step(epoch + 1, partial(_loop_state, net, opt, scheduler, generator, best_state, history,
                                                     best, stale))
                continue
            net.eval()
            val = _evaluate_loss(net, Xv, yv, loss_fn)
            if not math.isfinite(val):
                raise divergence_error("validation", val, epoch, epochs, lr, advice)
            history.validation_curve.append(val)
            if progress:
                bar.set_postfix(loss=f"{epoch_loss:.4g}", val=f"{val:.4g}", refresh=False)
            if not math.isfinite(best) or val < best - _REL_IMPROVEMENT * abs(best):
                best, stale, history.best_epoch = val, 0, epoch
                for k, v in net.state_dict().items():
                    best_state[k].copy_(v)
            else:
                stale += 1
                if stale >= patience:
                    break
            if ckpt is not None:
                ckpt.step(epoch + 1, partial(_loop_state, net, opt, scheduler, generator, best_state, history,
                                                 best, stale))
    if best_state is not None:
        net.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.loss_curve) - 1
    net.eval()
    if ckpt is not None:
        ckpt.step(len(history.loss_curve), partial(_loop_state, net, opt, scheduler, generator, best_state, history,
                                                           best, stale), done=True)
    return history


def _loop_state(net, opt, scheduler, generator, best_state, history, best, stale):
    """``train_module``'s state for a checkpoint: (tensors, JSON-able state)."""
    opt_tensors, opt_json = checkpoint.optimizer_state("opt", opt)
    tensors = {**checkpoint.module_state("net.", net), **opt_tensors, "rng.generator": generator.get_state(),
               "rng.torch": torch.get_rng_state()}
    if best_state is not None:
        tensors.update({"best." + k: v for k, v in best_state.items()})
    state = {"opt": opt_json, "scheduler": scheduler.state_dict() if scheduler is not None else None,
             "loss_curve": history.loss_curve, "validation_curve": history.validation_curve,
             "best_epoch": history.best_epoch, "best": best if math.isfinite(best) else None, "stale": stale}
    return tensors, state


def _restore_loop(saved, net, opt, scheduler, generator, best_state, history) -> tuple[int, float, int]:
    """Put a checkpoint written by :func:`_loop_state` back; return (next epoch, best, stale)."""
    _, tensors, state = saved
    checkpoint.restore_module("net.", net, tensors)
    checkpoint.restore_optimizer("opt", opt, tensors, state["opt"])
    if scheduler is not None:
        scheduler.load_state_dict(state["scheduler"])
    generator.set_state(tensors["rng.generator"])
    torch.set_rng_state(tensors["rng.torch"])
    if best_state is not None:
        for k in best_state:
            best_state[k].copy_(tensors["best." + k])
    history.loss_curve[:] = state["loss_curve"]
    history.validation_curve[:] = state["validation_curve"]
    history.best_epoch = state["best_epoch"]
    best = math.inf if state["best"] is None else state["best"]
    return len(history.loss_curve), best, state["stale"]
