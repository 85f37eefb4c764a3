"""The same Burgers PINN trained by physml and by DeepXDE (PyTorch backend), in one run.

Like for like: the same network (tanh MLP, the same initial weights copied into
DeepXDE's ``FNN``, the same input scaling and hard-constraint output transform
u = −sin(πx) + t (1 − x²) N), the same collocation points (DeepXDE's ``anchors``),
the same loss (mean square Burgers residual, ν = 0.01/π), and the same schedule:
``adam_steps`` of Adam (lr 1e-3), then at most ``lbfgs_steps`` of torch's L-BFGS
with strong-Wolfe line search (history 50, tolerances 0). Seconds per iteration
are training wall time over iterations done (``*_cpu_s_per_iter``: the process's CPU time,
less sensitive to other processes sharing the core); the error is the relative L2
against the exact solution on the 256 × 100 grid.

physml runs twice: eagerly (derivatives by nested autograd, as DeepXDE) and, unless
``compile=False``, compiled (derivatives propagated forward through the network,
``method="jet"``, and ``train_pinn(compile=True)``). The compiled variant's time per
iteration excludes compiling, which is reported apart (``compile_seconds``, the
first repeat's, cold unless ``TORCHINDUCTOR_CACHE_DIR`` holds an earlier compile of
the same loss) with the number of iterations that pays it back.

DeepXDE reads its backend from ``DDE_BACKEND`` (set to ``pytorch`` only while it
is imported, so no ``~/.deepxde`` configuration is read or written), sets torch's
default dtype, and its ``Model`` may draw from the global RNGs: all of that is
saved and restored around the DeepXDE run (physml never reads or sets global
random state).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import torch

from physml.errors import ParameterError, PhysmlError
from physml.physics.burgers_pinn import BURGERS_BOUNDS, BURGERS_NU, burgers_net, predict_grid, standard_grid
from physml.physics.pde import burgers_residual
from physml.physics.pinn import TrainConfig, sample_points, train_pinn
from physml.sim.fluids.burgers import burgers_exact_sine
from physml.validation import check_int

__all__ = ["run", "format_report", "import_deepxde"]

_LBFGS_HISTORY = 50


@contextlib.contextmanager
def _global_state_restored() -> Iterator[None]:
    np_state = np.random.get_state()
    dtype = torch.get_default_dtype()
    device = torch.get_default_device()
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        np.random.set_state(np_state)
        torch.set_default_dtype(dtype)
        torch.set_default_device(device)


def import_deepxde():
    """Import DeepXDE with the PyTorch backend, hermetically; ``None`` if it is not installed."""
    if "deepxde" not in sys.modules and importlib.util.find_spec("deepxde") is None:
        return None
    previous = os.environ.get("DDE_BACKEND")
    os.environ["DDE_BACKEND"] = "pytorch"
    try:
        with _global_state_restored(), contextlib.redirect_stderr(io.StringIO()):  # its backend banner
            import deepxde
    finally:
        if previous is None:
            del os.environ["DDE_BACKEND"]
        else:
            os.environ["DDE_BACKEND"] = previous
    if deepxde.backend.backend_name != "pytorch":
        raise RuntimeError(f"DeepXDE was already imported with the {deepxde.backend.backend_name} backend")
    return deepxde


def _rel_l2(net, exact) -> float:
    x, t = standard_grid()
    u = predict_grid(net, x, t)
    return float(np.linalg.norm(u - exact) / np.linalg.norm(exact))


def _run_physml(net, points, adam_steps, lbfgs_steps, compiled=False):
    """Training seconds (compiling excluded), iterations, compile seconds."""
    pts = torch.tensor(points, dtype=next(net.parameters()).dtype)
    method = "jet" if compiled else "autograd"
    terms = {"pde": lambda: burgers_residual(net, pts, BURGERS_NU, method=method).pow(2).mean()}
    cfg = TrainConfig(adam_steps=adam_steps, adam_lr=1e-3, lbfgs_steps=lbfgs_steps, lbfgs_history=_LBFGS_HISTORY,
                      lbfgs_tolerance=0.0, log_every=max(adam_steps, lbfgs_steps, 1))
    t0, c0 = time.perf_counter(), time.process_time()
    hist = train_pinn(net.parameters(), terms, cfg, compile=compiled)
    seconds = time.perf_counter() - t0 - hist.compile_seconds
    cpu = time.process_time() - c0 - hist.compile_cpu_seconds
    return seconds, hist.adam_iterations + hist.lbfgs_iterations, hist.compile_seconds, cpu


def _run_deepxde(dde, init_state, width, depth, points, adam_steps, lbfgs_steps, float64):
    with _global_state_restored(), contextlib.redirect_stdout(io.StringIO()):  # DeepXDE prints as it goes
        dde.config.set_default_float("float64" if float64 else "float32")
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))

        def pde(x, y):
            dy_x = dde.grad.jacobian(y, x, i=0, j=0)
            dy_t = dde.grad.jacobian(y, x, i=0, j=1)
            dy_xx = dde.grad.hessian(y, x, i=0, j=0)
            return dy_t + y * dy_x - BURGERS_NU * dy_xx

        data = dde.data.TimePDE(geom, pde, [], num_domain=0, num_boundary=0, num_initial=0, anchors=points)
        net = dde.nn.FNN([2] + [width] * depth + [1], "tanh", "Glorot normal")
        center = torch.tensor([0.0, 0.5], dtype=torch.get_default_dtype())
        half = torch.tensor([1.0, 0.5], dtype=torch.get_default_dtype())
        net.apply_feature_transform(lambda x: (x - center) / half)
        net.apply_output_transform(
            lambda x, y: -torch.sin(math.pi * x[:, 0:1]) + x[:, 1:2] * (1 - x[:, 0:1] ** 2) * y)
        with torch.no_grad():
            for i, layer in enumerate(net.linears):
                layer.weight.copy_(init_state[f"layers.{i}.weight"])
                layer.bias.copy_(init_state[f"layers.{i}.bias"])
        model = dde.Model(data, net)
        seconds, iterations, cpu = 0.0, 0, 0.0
        if adam_steps:
            model.compile("adam", lr=1e-3)
            t0, c0 = time.perf_counter(), time.process_time()
            model.train(iterations=adam_steps, display_every=adam_steps, verbose=0)
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            iterations += adam_steps
        if lbfgs_steps:
            dde.optimizers.set_LBFGS_options(maxcor=_LBFGS_HISTORY, ftol=0, gtol=0, maxiter=lbfgs_steps)
            # set_LBFGS_options leaves the per-call chunk at its import-time value (1000 iterations): set it,
            # and the evaluation budget per call to physml's (4 per iteration), so both run the same L-BFGS
            opts = dde.optimizers.config.LBFGS_options
            opts["iter_per_step"] = min(1000, lbfgs_steps)
            opts["fun_per_step"] = 4 * opts["iter_per_step"]
            model.compile("L-BFGS")
            before = model.train_state.step
            t0, c0 = time.perf_counter(), time.process_time()
            model.train(display_every=lbfgs_steps, verbose=0)
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            iterations += model.train_state.step - before
        return seconds, iterations, net, cpu


class _DeepXDEField(torch.nn.Module):
    """A trained DeepXDE network as a plain field u(points), for the common error evaluation."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, points):
        return self.net(points)


def run(*, width: int = 20, depth: int = 8, n_collocation: int = 2500, adam_steps: int = 200,
        lbfgs_steps: int = 300, float64: bool = False, threads: int = 1, repeats: int = 2,
        seed: int = 0, compile: bool = True) -> dict[str, float | int]:
    """Train the same Burgers PINN in physml and in DeepXDE; seconds per iteration and errors of both.

    Each is trained ``repeats`` times from the same initial weights, alternating DeepXDE, physml and (if
    ``compile``) physml compiled, so that a transient load on the machine hits all alike; the best time per
    iteration of each is reported (the trained networks, hence the errors, are the same every repeat).

    Raises :class:`PhysmlError` if DeepXDE is not installed (``pip install 'physml[bench]'``).
    """
    for name, value, low in (("width", width, 1), ("depth", depth, 1), ("n_collocation", n_collocation, 10),
                             ("adam_steps", adam_steps, 0), ("lbfgs_steps", lbfgs_steps, 0), ("threads", threads, 1),
                             ("repeats", repeats, 1)):
        check_int(name, value, low)
    if adam_steps + lbfgs_steps == 0:
        raise ParameterError.invalid("adam_steps + lbfgs_steps", 0, "at least 1 iteration")
    dde = import_deepxde()
    if dde is None:
        raise PhysmlError("DeepXDE is not installed: pip install 'physml[bench]'")
    dtype = torch.float64 if float64 else torch.float32
    x, t = standard_grid()
    exact = burgers_exact_sine(x[None, :], t[:, None], BURGERS_NU)
    rng = np.random.default_rng(seed)
    points = sample_points(n_collocation, BURGERS_BOUNDS, rng).astype(np.float64 if float64 else np.float32)
    net = burgers_net(width, depth, seed=int(rng.integers(2**31)), dtype=dtype)
    init = {k: v.clone() for k, v in net.state_dict().items()}
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    cnet = burgers_net(width, depth, seed=0, dtype=dtype)
    p_best = d_best = c_best = math.inf
    cpu = {"physml": math.inf, "deepxde": math.inf, "physml_compiled": math.inf}
    compile_seconds: list[float] = []
    try:
        for _ in range(repeats):  # DeepXDE first: any warm-up of the process favours physml less
            d_s, d_it, d_net, d_cpu = _run_deepxde(dde, init, width, depth, points, adam_steps, lbfgs_steps,
                                                   float64)
            net.load_state_dict(init)
            p_s, p_it, _, p_cpu = _run_physml(net, points, adam_steps, lbfgs_steps)
            d_best, p_best = min(d_best, d_s / max(d_it, 1)), min(p_best, p_s / max(p_it, 1))
            cpu["deepxde"] = min(cpu["deepxde"], d_cpu / max(d_it, 1))
            cpu["physml"] = min(cpu["physml"], p_cpu / max(p_it, 1))
            if compile:
                cnet.load_state_dict(init)
                c_s, c_it, c_compile, c_cpu = _run_physml(cnet, points, adam_steps, lbfgs_steps, compiled=True)
                c_best = min(c_best, c_s / max(c_it, 1))
                cpu["physml_compiled"] = min(cpu["physml_compiled"], c_cpu / max(c_it, 1))
                compile_seconds.append(c_compile)
    finally:
        torch.set_num_threads(previous)
    compiled: dict[str, float | int] = {}
    if compile:
        saving = p_best - c_best
        compiled = {
            "physml_compiled_s_per_iter": c_best,
            "physml_compiled_rel_l2": _rel_l2(cnet, exact),
            "physml_compiled_iterations": c_it,
            "physml_compiled_seconds": c_s,
            "compile_seconds": compile_seconds[0],
            "compile_seconds_again": min(compile_seconds[1:], default=None),  # None: one repeat
            "compile_break_even_iterations": (math.ceil(compile_seconds[0] / saving) if saving > 0 else -1),
            "time_ratio_physml_compiled_over_deepxde": c_best / d_best,
            "physml_compiled_cpu_s_per_iter": cpu["physml_compiled"],
            "cpu_ratio_physml_compiled_over_deepxde": cpu["physml_compiled"] / cpu["deepxde"],
        }
    return {
        "physml_s_per_iter": p_best,
        "deepxde_s_per_iter": d_best,
        "physml_rel_l2": _rel_l2(net, exact),
        "deepxde_rel_l2": _rel_l2(_DeepXDEField(d_net), exact),
        "physml_iterations": p_it,
        "deepxde_iterations": d_it,
        "physml_seconds": p_s,
        "deepxde_seconds": d_s,
        "time_ratio_deepxde_over_physml": d_best / p_best,
        "time_ratio_physml_over_deepxde": p_best / d_best,
        "physml_cpu_s_per_iter": cpu["physml"],
        "deepxde_cpu_s_per_iter": cpu["deepxde"],
        "cpu_ratio_physml_over_deepxde": cpu["physml"] / cpu["deepxde"],
        **compiled,
        "repeats": repeats,
        "n_collocation": n_collocation,
        "width": width,
        "depth": depth,
        "adam_steps": adam_steps,
        "lbfgs_steps": lbfgs_steps,
        "threads": threads,
        "float64": int(float64),
        "deepxde_version": dde.__version__,
    }


def format_report(r: dict) -> str:
    return (f"Burgers PINN ({r['depth']}x{r['width']} tanh, {r['n_collocation']} points, {r['adam_steps']} Adam + "
            f"<= {r['lbfgs_steps']} L-BFGS, {r['threads']} thread(s), {'float64' if r['float64'] else 'float32'})\n"
            f"  physml : {1e3 * r['physml_s_per_iter']:.2f} ms/iteration, {r['physml_iterations']} iterations, "
            f"rel. L2 {r['physml_rel_l2']:.3e}\n"
            f"  DeepXDE {r['deepxde_version']}: {1e3 * r['deepxde_s_per_iter']:.2f} ms/iteration, "
            f"{r['deepxde_iterations']} iterations, rel. L2 {r['deepxde_rel_l2']:.3e}\n"
            f"  DeepXDE / physml time per iteration: {r['time_ratio_deepxde_over_physml']:.2f}"
            + ("" if "physml_compiled_s_per_iter" not in r else
               f"\n  physml compiled (jet derivatives, torch.compile): {1e3 * r['physml_compiled_s_per_iter']:.2f} "
               f"ms/iteration, rel. L2 {r['physml_compiled_rel_l2']:.3e}, "
               f"{r['time_ratio_physml_compiled_over_deepxde']:.2f} x DeepXDE's time per iteration; "
               f"compiling took {r['compile_seconds']:.1f} s (repaid after "
               f"{r['compile_break_even_iterations']} iterations)"))
