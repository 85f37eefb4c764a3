"""PDE residuals of a network, built with torch autograd.

Each residual takes a callable field ``net`` (a torch module or any function of a
``(N, d)`` tensor of points returning ``(N, m)`` values) and the points, and
returns the residual at every point: exactly zero where ``net`` solves the PDE.
The same operators train a PINN (their mean square is the physics loss) and
audit any surrogate that can be evaluated as a differentiable function of
space and time (:func:`residual_rms`).

Point layouts (last column is always time):

* Burgers, 1D heat: ``(x, t)``; 2D heat: ``(x, y, t)``.
* incompressible Navier–Stokes in 2D: ``(x, y, t)``, ``net`` returns ``(u, v, p)``
  (velocity and kinematic pressure p/ρ).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ..errors import ParameterError

__all__ = ["gradient", "derivatives", "burgers_residual", "heat_residual", "navier_stokes_residual", "divergence",
           "residual_rms", "check_residual"]

Field = Callable[[torch.Tensor], torch.Tensor]


def gradient(y: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """∂y/∂points for a column ``y`` (N, 1) or (N,) of values at ``points`` (N, d): returns (N, d).

    The graph is kept (``create_graph=True``) so the result can be differentiated again and trained through.
    """
    (g,) = torch.autograd.grad(y, points, grad_outputs=torch.ones_like(y), create_graph=True)
    return g


def _check(points: torch.Tensor, n_cols: tuple[int, ...], name: str) -> torch.Tensor:
    if points.ndim != 2 or points.shape[1] not in n_cols:
        want = " or ".join(f"(N, {c})" for c in n_cols)
        raise ValueError(f"{name} needs points of shape {want}; got {tuple(points.shape)}")
    return points


def derivatives(net: Field, points: torch.Tensor, second: Sequence[int] = (), *, method: str = "autograd"
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """u (N, m), its gradient (N, m, d) and the diagonal second derivatives ∂²u/∂p_j² for j in ``second``
    (N, m, len(second)) at ``points`` (N, d).

    ``method="autograd"`` (default): nested ``torch.autograd.grad`` with the graph kept, so losses built on the
    result train through it. ``method="jet"``: the network's own forward propagation of the derivatives
    (``net.jet(points, second)``, e.g. :meth:`physml.physics.pinn.PINNNet.jet`): the same values to round-off,
    no double backward, so a loss built on it can be compiled with ``torch.compile``
    (``train_pinn(..., compile=True)``). In eager mode it is about as fast as autograd on a CPU.
    """
    if method == "jet":
        if not hasattr(net, "jet"):
            raise ParameterError.invalid("method", method, f"'autograd' for a {type(net).__name__} "
                                         "('jet' needs a network with a jet() method, e.g. PINNNet)")
        return net.jet(points, tuple(second))
    if method != "autograd":
        raise ParameterError.invalid("method", method, "'autograd' or 'jet'")
    p = points if points.requires_grad else points.detach().requires_grad_(True)
    u = net(p)
    if u.ndim == 1:
        u = u[:, None]
    grads, seconds = [], []
    for k in range(u.shape[1]):
        g = gradient(u[:, k:k + 1], p)
        grads.append(g)
        seconds.append(torch.stack([gradient(g[:, j:j + 1], p)[:, j] for j in second], 1) if second
                       else u.new_zeros(u.shape[0], 0))
    return u, torch.stack(grads, 1), torch.stack(seconds, 1)


def burgers_residual(net: Field, points: torch.Tensor, nu: float | torch.Tensor, *, method: str = "autograd"
                     ) -> torch.Tensor:
    """u_t + u u_x − ν u_xx at ``points`` (N, 2) = (x, t); returns (N, 1).

    ``nu`` may be a tensor (a trainable viscosity in the inverse problem). ``method``: see :func:`derivatives`.
    """
    u, du, d2u = derivatives(net, _check(points, (2,), "burgers_residual"), (0,), method=method)
    u = u[:, :1]
    return du[:, 0, 1:2] + u * du[:, 0, 0:1] - nu * d2u[:, 0, 0:1]


def heat_residual(net: Field, points: torch.Tensor, alpha: float | torch.Tensor, *, method: str = "autograd"
                  ) -> torch.Tensor:
    """u_t − α ∇²u at ``points`` (N, d + 1) = (x[, y], t); returns (N, 1). ``method``: see :func:`derivatives`."""
    dim = _check(points, (2, 3), "heat_residual").shape[1] - 1
    _, du, d2u = derivatives(net, points, tuple(range(dim)), method=method)
    return du[:, 0, dim:dim + 1] - alpha * d2u[:, 0, :].sum(1, keepdim=True)


def navier_stokes_residual(net: Field, points: torch.Tensor, nu: float | torch.Tensor, *, method: str = "autograd"
                           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """2D incompressible Navier–Stokes residuals at ``points`` (N, 3) = (x, y, t).

    ``net`` returns (u, v, p) with p the kinematic pressure (pressure / density). Returns
    ``(momentum_x, momentum_y, continuity)``, each (N, 1):
    u_t + u u_x + v u_y + p_x − ν ∇²u, the same for v, and ∇·u = u_x + v_y. ``method``: see :func:`derivatives`.
    """
    out, d, d2 = derivatives(net, _check(points, (3,), "navier_stokes_residual"), (0, 1), method=method)
    if out.shape[1] != 3:
        raise ValueError(f"navier_stokes_residual needs a field returning (N, 3) = (u, v, p); got {tuple(out.shape)}")
    u, v = out[:, 0:1], out[:, 1:2]
    mom = [d[:, k, 2:3] + u * d[:, k, 0:1] + v * d[:, k, 1:2] + d[:, 2, k:k + 1] - nu * d2[:, k, :].sum(1, keepdim=True)
           for k in (0, 1)]
    return mom[0], mom[1], d[:, 0, 0:1] + d[:, 1, 1:2]


def divergence(net: Field, points: torch.Tensor) -> torch.Tensor:
    """∇·u = u_x + v_y of a 2D velocity field: ``net`` returns (u, v, ...) at ``points`` (N, 2) or (N, 3)."""
    _, d, _ = derivatives(net, _check(points, (2, 3), "divergence"))
    return d[:, 0, 0:1] + d[:, 1, 1:2]


def residual_rms(residual: Callable[[torch.Tensor], torch.Tensor | tuple[torch.Tensor, ...]],
                 points: torch.Tensor, *, batch: int = 4096) -> float:
    """Root mean square of ``residual(points)`` (all components together), evaluated in batches.

    Use with any operator above and any differentiable surrogate, e.g.
    ``residual_rms(lambda p: burgers_residual(model, p, nu), points)``.
    """
    total, count = 0.0, 0
    for start in range(0, points.shape[0], batch):
        r = residual(points[start:start + batch])
        parts = r if isinstance(r, tuple) else (r,)
        for part in parts:
            total += float(part.detach().pow(2).sum())
            count += part.numel()
    return (total / count) ** 0.5 if count else 0.0


def check_residual(audit, name: str, residual: Callable[[torch.Tensor], torch.Tensor | tuple[torch.Tensor, ...]],
                   points: torch.Tensor, threshold: float, meaning: str):
    """Add a check ``name`` = RMS of ``residual`` at ``points`` (≤ ``threshold``) to ``audit``; returns the Check.

    The physics audit of any differentiable surrogate, with the operators that train PINNs:
    ``check_residual(a, "burgers_residual_rms", lambda p: burgers_residual(model, p, nu), pts, 1e-2, "...")``.
    """
    return audit.check(name, residual_rms(residual, points), "<=", threshold, meaning)
