"""Physics-informed neural networks: collocation points, the network, and Adam-then-L-BFGS training.

The decomposition follows the maths (DeepXDE's split, one backend): the
domain gives collocation points (:func:`sample_points`), the PDE residual is a
plain function (:mod:`physml.physics.pde`), initial/boundary conditions are
either extra loss terms or built into the network by an output transform
(:class:`PINNNet`'s ``transform``: "hard" constraints), and :func:`train_pinn`
minimises a weighted sum of named loss terms, first with Adam, then with
L-BFGS (strong-Wolfe line search). The inverse problem adds trainable
coefficients (:class:`PositiveParameter`, log-parametrised) to the parameters.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch
from scipy.stats import qmc
from torch import nn
from tqdm.auto import tqdm

from .. import checkpoint
from ..errors import ParameterError, TrainingError
from ..validation import check_int, check_real

__all__ = ["sample_points", "AffineConstraint", "PINNNet", "PositiveParameter", "TrainConfig", "History", "train_pinn"]

LossTerm = Callable[[], torch.Tensor]


def sample_points(n: int, bounds: Sequence[tuple[float, float]], seed: int | np.random.Generator, *,
                  method: str = "lhs") -> np.ndarray:
    """``n`` points in the box ``bounds`` (one ``(low, high)`` per dimension), shape (n, d).

    ``method``: ``"lhs"`` (Latin hypercube: every 1/n slab of each axis holds one point) or ``"uniform"``.
    """
    n = check_int("n", n, 1)
    if method not in ("lhs", "uniform"):
        raise ParameterError.invalid("method", method, "'lhs' or 'uniform'")
    lo, hi = np.asarray(bounds, dtype=float).T
    if lo.ndim != 1 or not np.all(hi > lo):
        raise ParameterError.invalid("bounds", bounds, "a list of (low, high) pairs with low < high")
    rng = np.random.default_rng(seed)
    unit = qmc.LatinHypercube(d=lo.size, seed=rng).random(n) if method == "lhs" else rng.random((n, lo.size))
    return lo + unit * (hi - lo)


@dataclass(frozen=True)
class AffineConstraint:
    """Hard constraint u = base(points) + factor(points) · raw, with ``factor`` = 0 where u is prescribed.

    For Burgers, base = −sin(πx) and factor = t (1 − x²) give the initial condition and the zero
    Dirichlet boundaries exactly, whatever the network ``raw`` is. Both are plain functions of the points
    (no trainable parameters).
    """

    base: Callable[[torch.Tensor], torch.Tensor]
    factor: Callable[[torch.Tensor], torch.Tensor]

    def __call__(self, points: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        return self.base(points) + self.factor(points) * raw


class PINNNet(nn.Module):
    """tanh MLP u(points) with inputs scaled to [−1, 1] and an optional hard constraint.

    ``constraint`` (an :class:`AffineConstraint`) builds initial/boundary conditions into the network.
    Weights are Xavier-normal from a torch generator seeded with ``seed`` (the global RNG is untouched).
    """

    def __init__(self, n_in: int, n_out: int, *, width: int = 20, depth: int = 8,
                 bounds: Sequence[tuple[float, float]] | None = None, constraint: AffineConstraint | None = None,
                 seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        check_int("width", width, 1)
        check_int("depth", depth, 1)
        sizes = [n_in] + [width] * depth + [n_out]
        self.layers = nn.ModuleList(nn.utils.skip_init(nn.Linear, a, b, dtype=dtype)  # no draw from the global RNG
                                    for a, b in zip(sizes[:-1], sizes[1:]))
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            for layer in self.layers:
                std = math.sqrt(2.0 / (layer.in_features + layer.out_features))
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen, dtype=dtype) * std)
                layer.bias.zero_()
        lo, hi = (np.asarray(bounds, dtype=float).T if bounds is not None
                  else (-np.ones(n_in), np.ones(n_in)))
        self.register_buffer("center", torch.tensor((lo + hi) / 2, dtype=dtype))
        self.register_buffer("half_width", torch.tensor((hi - lo) / 2, dtype=dtype))
        self.constraint = constraint

    def raw(self, points: torch.Tensor) -> torch.Tensor:
        h = (points - self.center) / self.half_width
        for layer in self.layers[:-1]:
            h = torch.tanh(layer(h))
        return self.layers[-1](h)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        out = self.raw(points)
        return self.constraint(points, out) if self.constraint is not None else out

    def jet(self, points: torch.Tensor, second: Sequence[int] = ()
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """u (N, m), ∂u/∂p (N, m, d) and ∂²u/∂p_j² for j in ``second`` (N, m, len(second)), propagated forward.

        The same values as :func:`physml.physics.pde.derivatives` (autograd), computed as Taylor streams pushed
        through the layers: value, one stream per input, one per second derivative (tanh' = 1 − s², tanh'' =
        −2 s (1 − s²)). The streams share one matrix product per layer, stored feature-major ((width, streams,
        N), so each product is (width × width) @ (width × streams·N)). Only plain tensor operations: the
        parameter gradient is one ordinary backward, and ``torch.compile`` can compile it (the nested
        ``autograd.grad`` of the other route is a double backward, which compiled graphs do not support).
        The constraint's own derivatives (functions of the points only) are computed once per points tensor.
        """
        n, d = points.shape
        second = tuple(second)
        scale = torch.diag(1.0 / self.half_width)  # d(input)/d(p_i) is column i: a constant stream
        zeros = points.new_zeros(d, n)
        streams = [((points - self.center) / self.half_width).t()]
        streams += [scale[:, i:i + 1].expand(d, n) for i in range(d)] + [zeros] * len(second)
        h = torch.stack(streams, 1)  # (d, k, N)
        k = h.shape[1]
        last = len(self.layers) - 1
        for depth, layer in enumerate(self.layers):
            z = (layer.weight @ h.reshape(h.shape[0], k * n)).reshape(-1, k, n)
            z0 = z[:, 0] + layer.bias[:, None]
            if depth == last:
                break
            s = torch.tanh(z0)
            d1 = 1.0 - s * s
            d2 = -2.0 * s * d1
            parts = [s[:, None], z[:, 1:1 + d] * d1[:, None]]
            parts += [(z[:, 1 + d + j] * d1 + d2 * z[:, 1 + i] * z[:, 1 + i])[:, None] for j, i in enumerate(second)]
            h = torch.cat(parts, 1)
        raw, draw, d2raw = z0.t(), z[:, 1:1 + d].permute(2, 0, 1), z[:, 1 + d:].permute(2, 0, 1)
        if self.constraint is None:
            return raw, draw, d2raw
        (b0, bd, b2), (f0, fd, f2) = self._constraint_jets(points, second)
        u = b0 + f0 * raw
        du = bd + fd * raw[:, :, None] + f0[:, :, None] * draw
        cols = [b2[:, :, j] + f2[:, :, j] * raw + 2.0 * fd[:, :, i] * draw[:, :, i] + f0 * d2raw[:, :, j]
                for j, i in enumerate(second)]
        d2u = torch.stack(cols, 2) if cols else u.new_zeros(u.shape[0], u.shape[1], 0)
        return u, du, d2u

    @torch.compiler.disable
    def _constraint_jets(self, points: torch.Tensor, second: tuple[int, ...]):
        """Derivatives of the constraint's base and factor at ``points`` (autograd, no parameters), cached
        for the last points tensor (the collocation points of a training)."""
        cached = getattr(self, "_jet_cache", None)
        if (cached is not None and cached[0] is points and cached[1] == points._version and cached[2] == second
                and cached[3] == points.dtype):
            return cached[4]
        with torch.enable_grad():
            jets = tuple(_point_jets(fn, points, second) for fn in (self.constraint.base, self.constraint.factor))
        self._jet_cache = (points, points._version, second, points.dtype, jets)
        return jets


def _point_jets(fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, second: tuple[int, ...]):
    """fn (N, m), its gradient (N, m, d) and its diagonal second derivatives (N, m, len(second)) at ``points``,
    detached; derivatives of parts that do not depend on the points (e.g. a constant) are zero."""
    p = points.detach().requires_grad_(True)
    y = fn(p)
    y = y[:, None] if y.ndim == 1 else y

    def grad(v: torch.Tensor, keep: bool) -> torch.Tensor:
        if not v.requires_grad:
            return torch.zeros_like(p)
        (g,) = torch.autograd.grad(v.sum(), p, create_graph=keep, allow_unused=True, materialize_grads=True)
        return g

    grads, seconds = [], []
    for k in range(y.shape[1]):
        g = grad(y[:, k], bool(second))
        grads.append(g.detach())
        seconds.append(torch.stack([grad(g[:, j], False)[:, j] for j in second], 1) if second
                       else p.new_zeros(p.shape[0], 0))
    return y.detach(), torch.stack(grads, 1), torch.stack(seconds, 1)


class PositiveParameter(nn.Module):
    """A positive coefficient (e.g. a viscosity) trained as its logarithm: value = exp(log_value)."""

    def __init__(self, initial: float, dtype: torch.dtype = torch.float64):
        super().__init__()
        check_real("initial", initial, 1e-300, math.inf, "")
        self.log_value = nn.Parameter(torch.tensor(math.log(initial), dtype=dtype))

    @property
    def value(self) -> torch.Tensor:
        return self.log_value.exp()

    def __float__(self) -> float:
        return float(self.log_value.detach().exp())


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser schedule of :func:`train_pinn`."""

    adam_steps: int = 2000
    adam_lr: float = 1e-3
    lbfgs_steps: int = 5000
    """L-BFGS iterations at most (each runs one or a few loss evaluations in the strong-Wolfe line search)."""
    lbfgs_history: int = 50
    lbfgs_tolerance: float = 1e-12
    """Stop L-BFGS when the largest gradient entry or the change of a step falls below this."""
    log_every: int = 100
    """Iterations between entries of the loss history (and L-BFGS chunk size)."""

    def __post_init__(self) -> None:
        check_int("adam_steps", self.adam_steps, 0)
        check_real("adam_lr", self.adam_lr, 1e-8, 1.0, "")
        check_int("lbfgs_steps", self.lbfgs_steps, 0)
        check_int("lbfgs_history", self.lbfgs_history, 1)
        check_real("lbfgs_tolerance", self.lbfgs_tolerance, 0.0, 1.0, "")
        check_int("log_every", self.log_every, 1)


@dataclass
class History:
    """Loss history: one entry every ``log_every`` iterations (Adam steps, then L-BFGS iterations)."""

    iteration: list[int] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    terms: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    adam_iterations: int = 0
    lbfgs_iterations: int = 0
    loss_evaluations: int = 0
    compile_seconds: float = 0.0
    """Wall seconds of ``train_pinn(compile=True)``'s first loss and gradient (compiling included); 0 if eager."""
    compile_cpu_seconds: float = 0.0
    """The same in CPU seconds of this process (compiler subprocesses not counted)."""

    def record(self, iteration: int, phase: str, total: float, parts: Mapping[str, float], seconds: float) -> None:
        self.iteration.append(iteration)
        self.phase.append(phase)
        self.loss.append(total)
        self.seconds.append(seconds)
        for k, v in parts.items():
            self.terms.setdefault(k, []).append(v)

    @property
    def final_loss(self) -> float:
        return self.loss[-1] if self.loss else math.nan


def _weighted(terms: Mapping[str, LossTerm], weights: Mapping[str, float]) -> tuple[torch.Tensor, dict]:
    parts = {name: term() for name, term in terms.items()}
    total = sum(weights.get(name, 1.0) * value for name, value in parts.items())
    return total, parts


def train_pinn(parameters: Iterable[torch.nn.Parameter], terms: Mapping[str, LossTerm],
               config: TrainConfig = TrainConfig(), *, weights: Mapping[str, float] | None = None,
               progress: bool = False, callback: Callable[[History], None] | None = None,
               compile: bool = False) -> History:
    """Minimise Σ weights[name] · terms[name]() over ``parameters``: Adam, then L-BFGS (strong Wolfe).

    Each term is a closure returning a scalar loss (e.g. the mean square PDE residual at the
    collocation points, or a data misfit). Stops with :class:`TrainingError` if the loss turns NaN/inf.
    ``callback(history)`` runs after each logged entry (e.g. to track a coefficient).

    ``compile=True`` compiles the weighted loss and its gradient with ``torch.compile`` (inductor: fused C++
    kernels; its cache lives in ``TORCHINDUCTOR_CACHE_DIR``, default a folder under the system temp dir). The
    terms must compute derivatives with ``method="jet"`` (e.g. ``burgers_residual(net, pts, nu,
    method="jet")``): autograd's nested derivatives are a double backward, which compiled graphs do not support,
    so such a loss trains eagerly with a warning. Compiling costs seconds to a minute, once per process and
    loss (``History.compile_seconds``; less with a warm cache) and then runs each iteration about twice as fast
    on a CPU: worth it for trainings of a few thousand iterations, not for short ones. Off by default.
    """
    params = [p for p in parameters if p.requires_grad]
    weights = dict(weights or {})
    unknown = set(weights) - set(terms)
    if unknown:
        raise ParameterError.invalid("weights", sorted(unknown), f"names among the loss terms {sorted(terms)}")
    hist = History()
    evaluate: Callable[[], tuple[torch.Tensor, dict]] = partial(_weighted, terms, weights)
    if compile:
        evaluate = _compiled(evaluate, params, hist)
    t0 = time.perf_counter()

    def log(it: int, phase: str, total: torch.Tensor, parts: dict) -> None:
        value = float(total)
        if not math.isfinite(value):
            raise TrainingError(f"PINN loss became {value} at {phase} iteration {it}; "
                                "try a smaller adam_lr, float64, or smaller loss weights")
        hist.record(it, phase, value, {k: float(v.detach()) for k, v in parts.items()}, time.perf_counter() - t0)
        if callback is not None:
            callback(hist)

    bar = tqdm(total=config.adam_steps + config.lbfgs_steps, disable=not progress, desc="PINN", leave=False)
    ckpt = checkpoint.slot("pinn")  # checkpoints after Adam steps and L-BFGS chunks when a session is active
    saved = ckpt.load() if ckpt is not None else None
    first = _restore_pinn(saved, params, hist) if saved is not None else 1
    try:
        if config.adam_steps and first <= config.adam_steps:
            adam = torch.optim.Adam(params, lr=config.adam_lr)
            if saved is not None and saved[2]["phase"] == "adam":
                checkpoint.restore_optimizer("opt", adam, saved[1], saved[2]["opt"])
            for step in range(first, config.adam_steps + 1):
                adam.zero_grad(set_to_none=True)
                total, parts = evaluate()
                total.backward()
                adam.step()
                hist.loss_evaluations += 1
                if step % config.log_every == 0 or step == config.adam_steps:
                    log(step, "adam", total.detach(), parts)
                    bar.update(step - bar.n)
                    bar.set_postfix(loss=f"{hist.final_loss:.3e}")
                if ckpt is not None:
                    ckpt.step(step, partial(_pinn_state, "adam", params, adam, hist))
        if config.adam_steps:
            hist.adam_iterations = config.adam_steps
        if config.lbfgs_steps and not (saved is not None and saved[2]["done"]):
            _lbfgs(params, evaluate, config, hist, log, bar, ckpt, saved)
        if ckpt is not None and not (saved is not None and saved[2]["done"]):
            ckpt.step(config.adam_steps + hist.lbfgs_iterations, partial(_pinn_state, "done", params, None, hist),
                      done=True)
    finally:
        bar.close()
    return hist


def _compiled(evaluate: Callable[[], tuple[torch.Tensor, dict]], params: list[torch.Tensor], hist: History
              ) -> Callable[[], tuple[torch.Tensor, dict]]:
    """``evaluate`` compiled by ``torch.compile``, tried once (loss and gradient, which compiles both) and timed
    into ``hist.compile_seconds``; ``evaluate`` itself, with a warning, if that fails."""
    compiled_fn = torch.compile(evaluate, dynamic=False)

    def compiled() -> tuple[torch.Tensor, dict]:
        with warnings.catch_warnings():  # dynamo's tracing probes .grad of non-leaf graph outputs: harmless
            warnings.filterwarnings("ignore", message="The .grad attribute of a Tensor that is not a leaf")
            return compiled_fn()

    start, cpu = time.perf_counter(), time.process_time()
    try:
        total, _ = compiled()
        torch.autograd.grad(total, params, allow_unused=True)  # compiles the backward; .grad is untouched
    except Exception as exc:  # noqa: BLE001 - any compiler failure: train eagerly instead
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        warnings.warn(f"train_pinn(compile=True): torch.compile failed ({reason[:200]}); training eagerly. "
                      "Compute derivatives with method='jet' to compile the loss.", RuntimeWarning, stacklevel=3)
        return evaluate
    hist.compile_seconds = time.perf_counter() - start
    hist.compile_cpu_seconds = time.process_time() - cpu
    return compiled


def _pinn_state(phase: str, params, opt, hist: History, extra: dict | None = None):
    """``train_pinn``'s state for a checkpoint: parameters, optimizer, torch RNG, history."""
    tensors = {f"param.{i}": p.detach() for i, p in enumerate(params)}
    tensors["rng.torch"] = torch.get_rng_state()
    state: dict = {"phase": phase, "history": dataclasses.asdict(hist), **(extra or {})}
    if opt is not None:
        opt_tensors, state["opt"] = checkpoint.optimizer_state("opt", opt)
        tensors.update(opt_tensors)
    return tensors, state


def _restore_pinn(saved, params, hist: History) -> int:
    """Put a checkpoint back into ``params`` and ``hist``; return the next Adam step."""
    step, tensors, state = saved
    with torch.no_grad():
        for i, p in enumerate(params):
            p.copy_(tensors[f"param.{i}"])
    torch.set_rng_state(tensors["rng.torch"])
    for key, value in state["history"].items():
        setattr(hist, key, value)
    return step + 1 if state["phase"] == "adam" else math.inf


def _lbfgs(params, evaluate, config: TrainConfig, hist: History, log, bar, ckpt=None, saved=None) -> None:
    chunk = min(config.log_every, config.lbfgs_steps)
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=chunk, max_eval=4 * chunk,
                            history_size=config.lbfgs_history, tolerance_grad=config.lbfgs_tolerance,
                            tolerance_change=config.lbfgs_tolerance, line_search_fn="strong_wolfe")
    last: dict = {}

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        total, parts = evaluate()
        total.backward()
        hist.loss_evaluations += 1
        last["total"], last["parts"] = total.detach(), parts
        return total

    done = 0
    if saved is not None and saved[2]["phase"] == "lbfgs":
        checkpoint.restore_optimizer("opt", opt, saved[1], saved[2]["opt"])
        done = saved[2]["lbfgs_done"]
    while done < config.lbfgs_steps:
        group = opt.param_groups[0]
        group["max_iter"] = min(chunk, config.lbfgs_steps - done)
        group["max_eval"] = 4 * group["max_iter"]
        state = opt.state[group["params"][0]]
        before, evals_before = state.get("n_iter", 0), state.get("func_evals", 0)
        opt.step(closure)
        ran = opt.state[group["params"][0]].get("n_iter", 0) - before
        evals = opt.state[group["params"][0]].get("func_evals", 0) - evals_before
        done += ran
        log(config.adam_steps + done, "lbfgs", last["total"], last["parts"])
        bar.update(config.adam_steps + done - bar.n)
        bar.set_postfix(loss=f"{hist.final_loss:.3e}")
        if ran < group["max_iter"] and evals < group["max_eval"]:  # converged to the tolerance, or stalled
            break
        if ckpt is not None:
            hist.lbfgs_iterations = done
            ckpt.step(config.adam_steps + done, partial(_pinn_state, "lbfgs", params, opt, hist, {"lbfgs_done": done}))
    hist.lbfgs_iterations = done
