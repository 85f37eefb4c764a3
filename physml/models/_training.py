"""The one mini-batch training loop behind :class:`TorchClassifier` and :class:`TorchRegressor`.

Adam on shuffled mini-batches, early stopping on a held-out validation set,
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

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from ..errors import TrainingError

__all__ = ["LR_SCHEDULES", "TrainingHistory", "train_module"]

LR_SCHEDULES = ("constant", "cosine", "warmup-cosine")

_EVAL_CHUNK = 4096
_REL_IMPROVEMENT = 1e-4  # a validation loss must drop by this fraction to count as better (skorch's default)


@dataclass
class TrainingHistory:
    """Per-epoch mean training and validation losses, and the epoch whose weights were kept."""

    loss_curve: list[float] = field(default_factory=list)
    validation_curve: list[float] = field(default_factory=list)
    best_epoch: int | None = None


def evaluate(net: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: Callable) -> float:
    """Mean loss over ``(X, y)`` in chunks (exact for mean-reduced losses), without gradients."""
    total = X.new_zeros((), dtype=torch.float64)
    with torch.no_grad():
        for xb, yb in zip(X.split(_EVAL_CHUNK), y.split(_EVAL_CHUNK)):
            total += loss_fn(net(xb), yb).double() * len(xb)
    return float(total) / max(1, len(X))


def _diverged(what: str, value: float, epoch: int, epochs: int, lr: float, advice: str) -> TrainingError:
    return TrainingError(f"training stopped: the {what} loss became {value} at epoch {epoch + 1} of {epochs}; "
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
    with tqdm(range(epochs), disable=not progress, desc="train", leave=False) as bar:
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
                raise _diverged("training", epoch_loss, epoch, epochs, lr, advice)
            history.loss_curve.append(epoch_loss)
            if not validate:
                if progress:
                    bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)
                continue
            net.eval()
            val = evaluate(net, Xv, yv, loss_fn)
            if not math.isfinite(val):
                raise _diverged("validation", val, epoch, epochs, lr, advice)
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
    if best_state is not None:
        net.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.loss_curve) - 1
    net.eval()
    return history
