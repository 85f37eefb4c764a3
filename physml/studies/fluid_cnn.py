"""Study ``fluid-cnn``: a CNN surrogate for the time step of 2D incompressible Navier-Stokes.

Flow: vorticity form on the periodic unit square, ``nu = 1e-3``, forcing
``0.1 (sin + cos)(2 pi (x + y))`` and Gaussian-random-field initial vorticity (the setting of Li
et al. 2021's Navier-Stokes benchmark), solved by the pseudo-spectral ETDRK4 solver of
:mod:`physml.sim.fluids` (Taylor-Green validated in the tests) on an ``n_grid``-square grid with
step ``solver_dt``. Samples start after a ``burn_in`` (the smooth random start relaxes into the
forced flow) and are ``step`` apart in time.

Surrogate: ``w(t + step) = w(t) + CNN(w, u, v, f)``: a residual CNN with circular padding (the box is
periodic) reads the vorticity, the velocity computed from it spectrally (Biot-Savart: the same field in
another form, so the network need not learn the non-local inversion of the Laplacian) and the fixed
forcing (a convolution cannot know where it is otherwise), all scaled by their training RMS, and
predicts the increment. Trained on the MSE of one step.

Reported: the one-step relative L2 error on held-out trajectories (and persistence's, the error of
predicting no change, to show what the network adds); autoregressive rollouts from the held-out
starts against the solver, with the step where the error first passes 10 %; the per-step time of
the surrogate and of the solver over the same ``step``; and the physics of the predictions:
the residual of the vorticity equation (implicit-midpoint form, spectral derivatives;
:func:`physml.sim.fluids.vorticity_residual`) compared with the solver's own steps, the domain mean
of the vorticity (zero for a periodic flow: the circulation around the box vanishes) and the
divergence of the velocity derived from the prediction (zero by construction of the stream function:
reported to show it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..models import ResidualPeriodicCNNFactory, TorchRegressor, save_model
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import fluids
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]


def _solver(config: Config, t_final: float, n_save: int) -> fluids.NavierStokesParams:
    return fluids.NavierStokesParams(nu=config.nu, length=1.0, n_grid=config.n_grid, dt=config.solver_dt,
                                     t_final=t_final, n_save=n_save, forcing="li", forcing_amplitude=0.1)


@dataclass(frozen=True)
class Config:
    """Configuration of ``fluid-cnn``."""

    n_grid: int = 32
    """Grid points per side; at nu = 1e-3 a 32-point grid agrees with a 64-point one to 1e-6 at t = 10."""
    nu: float = 1e-3
    solver_dt: float = 0.05
    step: float = 1.0
    """Surrogate time step (20 solver steps at the default solver_dt)."""
    burn_in: float = 5.0
    n_steps: int = 20
    """Surrogate steps per trajectory after the burn-in: the training pairs per trajectory (and one-step tests)."""
    rollout_steps: int = 40
    """Length of the held-out rollouts (>= n_steps: beyond the time window seen in training)."""
    n_train: int = 40
    n_test: int = 6
    channels: tuple[int, ...] = (32, 32, 32)
    kernel_size: int = 3
    epochs: int = 40
    batch_size: int = 16
    lr: float = 2e-3

    def __post_init__(self) -> None:
        for name, low in (("n_steps", 2), ("n_train", 2), ("n_test", 1), ("epochs", 1), ("batch_size", 1),
                          ("kernel_size", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ParameterError.invalid(name, v, f"an integer >= {low}")
        if self.step < self.solver_dt or abs(self.step / self.solver_dt - round(self.step / self.solver_dt)) > 1e-9:
            raise ParameterError.invalid("step", self.step, f"a whole multiple of solver_dt = {self.solver_dt:g}")
        if isinstance(self.rollout_steps, bool) or not isinstance(self.rollout_steps, int) or \
                self.rollout_steps < self.n_steps:
            raise ParameterError.invalid("rollout_steps", self.rollout_steps, f"an integer >= n_steps = {self.n_steps}")
        if self.burn_in < 0:
            raise ParameterError.invalid("burn_in", self.burn_in, ">= 0")
        self.solver_params()

    def solver_params(self) -> fluids.NavierStokesParams:
        """The solver run that produces the ``n_steps`` surrogate steps after the burn-in (validates the fields)."""
        return _solver(self, self.step * self.n_steps, self.n_steps)


QUICK = Config(n_train=12, n_test=3, n_steps=15, rollout_steps=25, channels=(24, 24), epochs=15)

_GRF = fluids.GRFParams(sigma=7.0**1.5, tau=7.0, alpha=2.5)


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax = tuple(range(1, a.ndim))
    return np.sqrt(((a - b) ** 2).sum(axis=ax) / (b**2).sum(axis=ax))


class _Features:
    """(w, u, v, f) scaled by their training RMS, as the CNN's input channels."""

    def __init__(self, w_train: np.ndarray, f: np.ndarray):
        u, v = fluids.velocity_from_vorticity(w_train, 1.0)
        self.w_scale = float(np.sqrt((w_train**2).mean()))
        self.u_scale = float(np.sqrt((u**2 + v**2).mean() / 2))
        self.f = (f / float(np.sqrt((f**2).mean()))).astype(np.float32)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        u, v = fluids.velocity_from_vorticity(w, 1.0)
        f = np.broadcast_to(self.f, w.shape)
        return np.stack([w / self.w_scale, u / self.u_scale, v / self.u_scale, f], axis=1).astype(np.float32)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: train (n_train, n_steps + 1, n, n) and test (n_test, rollout_steps + 1, n, n) trajectories
    n, R, K = config.n_grid, config.rollout_steps, config.n_steps
    w0 = fluids.gaussian_random_field(config.n_train + config.n_test, n, 1.0, _GRF, dim=2, seed=ctx.rng(0))
    if config.burn_in > 0:
        w0 = fluids.navier_stokes_solve(w0, _solver(config, config.burn_in, 1))[-1]
    params = config.solver_params()
    t = time.perf_counter()
    train = np.moveaxis(fluids.navier_stokes_solve(w0[:config.n_train], params), 0, 1)
    solver_batched = (time.perf_counter() - t) / (config.n_train * K)  # per step and field, all fields at once
    test = np.moveaxis(fluids.navier_stokes_solve(w0[config.n_train:], _solver(config, config.step * R, R)), 0, 1)
    t = time.perf_counter()
    fluids.navier_stokes_solve(test[0, 0], params)
    solver_seconds = (time.perf_counter() - t) / K  # per step, one field (like for like with a surrogate rollout)

    # fit
    feats = _Features(train[:, :-1].reshape(-1, n, n), fluids.forcing_field(params))
    X = feats(train[:, :-1].reshape(-1, n, n))
    Y = (train[:, 1:].reshape(-1, n * n) / feats.w_scale).astype(np.float32)
    est = TorchRegressor(ResidualPeriodicCNNFactory(channels=config.channels, kernel_size=config.kernel_size,
                                                    conserve_mean=True),
                         epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, weight_decay=0.0,
                         validation_fraction=0.0, standardize=False, standardize_target=False,
                         lr_schedule="cosine", seed=ctx.seed, device=ctx.device, progress=ctx.progress)
    t = time.perf_counter()
    est.fit(X, Y)
    fit_seconds = time.perf_counter() - t

    def surrogate(w: np.ndarray) -> np.ndarray:
        return est.predict(feats(w)).reshape(w.shape) * feats.w_scale

    # evaluate: one step from every held-out state in the training time window
    prev, true = test[:, :K].reshape(-1, n, n), test[:, 1:K + 1].reshape(-1, n, n)
    pred = surrogate(prev)
    one_step, persistence, increment = _rel(pred, true), _rel(prev, true), _rel(pred - prev, true - prev)
    # rollouts from the held-out starts
    roll = [test[:, 0]]
    for _ in range(R):
        roll.append(surrogate(roll[-1]))
    roll = np.stack(roll, axis=1)
    roll_err = np.stack([_rel(roll[:, k], test[:, k]) for k in range(R + 1)], axis=1)  # (n_test, R + 1)
    mean_roll = roll_err.mean(axis=0)
    over = np.nonzero(mean_roll > 0.1)[0]
    cnn_seconds, cnn_seconds_batched = _surrogate_seconds(config, surrogate, test, prev)
    # physics of the predictions
    res_cnn = np.sqrt((fluids.vorticity_residual(prev, pred, params, config.step) ** 2).mean(axis=(1, 2)))
    res_solver = np.sqrt((fluids.vorticity_residual(prev, true, params, config.step) ** 2).mean(axis=(1, 2)))
    rhs_scale = np.sqrt((((true - prev) / config.step) ** 2).mean(axis=(1, 2)))
    mean_w = np.abs(pred.mean(axis=(1, 2))) / np.sqrt((true**2).mean(axis=(1, 2)))
    m = {"one_step_rel_error": float(one_step.mean()), "one_step_rel_error_max": float(one_step.max()),
         "persistence_rel_error": float(persistence.mean()), "increment_rel_error": float(increment.mean())}
    m.update({f"rollout_rel_error_step{s}": float(mean_roll[s]) for s in (1, 2, 5, 10, 20, 40) if s <= R})
    m["rollout_drift_step"] = float(over[0]) if len(over) else float(R + 1)
    m.update(solver_seconds_per_step=solver_seconds, cnn_seconds_per_step=cnn_seconds,
             speedup_per_step=solver_seconds / cnn_seconds,
             solver_seconds_per_step_batched=solver_batched,
             cnn_seconds_per_step_batched=cnn_seconds_batched,
             speedup_per_step_batched=solver_batched / cnn_seconds_batched,
             residual_rms_cnn=float(res_cnn.mean()), residual_rms_solver=float(res_solver.mean()),
             residual_ratio_cnn_to_solver=float(res_cnn.mean() / res_solver.mean()),
             residual_rel_to_dwdt=float((res_cnn / rhs_scale).mean()),
             residual_rel_to_dwdt_solver=float((res_solver / rhs_scale).mean()),
             mean_vorticity_rel=float(mean_w.max()), divergence_rel=_divergence_rel(pred))
    result = ctx.result(f"CNN surrogate for 2D Navier-Stokes (nu = {config.nu:g}, {config.n_grid}x{config.n_grid}, "
                        f"step {config.step:g})")
    for name, value in {**m, "fit_seconds": fit_seconds}.items():
        result.add_metric(name, value)

    # audit
    a = Audit("CNN surrogate")
    a.check("one_step_rel_error", m["one_step_rel_error"], "<=", 1e-2,
            "mean relative L2 error of one surrogate step on held-out trajectories")
    a.check("beats_persistence", float(one_step.mean() / persistence.mean()), "<=", 0.5,
            "one-step error / the error of predicting no change")
    a.check("mean_vorticity", m["mean_vorticity_rel"], "<=", 1e-6,
            "max |domain mean of predicted vorticity| / rms: 0 for a periodic flow; the CNN's increment is made "
            "mean-free, so only float32 round-off remains")
    a.check("divergence", m["divergence_rel"], "<=", 1e-10,
            "max |div u| of the velocity from the predicted vorticity, relative")
    result.add_audit(a)

    # report
    result.add_table(f"Rollout relative L2 error vs the solver ({config.n_test} held-out trajectories)",
                     ("steps", "mean", "worst"),
                     [(f"{s}", f"{mean_roll[s]:.2e}", f"{roll_err[:, s].max():.2e}")
                      for s in (1, 2, 5, 10, 15, 20, 30, 40) if s <= R])
    _figures(result, config, test, roll, roll_err, persistence, one_step, res_cnn, res_solver, est)
    drift = m["rollout_drift_step"]
    result.summary = (
        f"{config.n_train} training / {config.n_test} held-out trajectories of forced 2D Navier-Stokes "
        f"({n}x{n}, nu = {config.nu:g}), one surrogate step = {config.step:g} time units = "
        f"{round(config.step / config.solver_dt)} solver steps. One-step relative L2 error "
        f"{m['one_step_rel_error']:.2e} (predicting no change: {m['persistence_rel_error']:.2e}; the increment itself "
        f"is learned to {m['increment_rel_error']:.1%}). Rollouts stay within 10 % of the solver for "
        f"{int(drift) - 1 if drift <= R else R} steps"
        f"{'' if drift > R else f' and pass it at step {int(drift)}'} (trained on steps 1..{config.n_steps}). Per "
        "step, one field: "
        f"CNN {m['cnn_seconds_per_step'] * 1e3:.2f} ms vs solver {m['solver_seconds_per_step'] * 1e3:.2f} ms "
        f"(speed-up {m['speedup_per_step']:.1f}x; batched {m['speedup_per_step_batched']:.1f}x). "
        f"Vorticity-equation residual of the CNN's steps {m['residual_rms_cnn']:.2e} vs "
        f"{m['residual_rms_solver']:.2e} for the solver's own (implicit-midpoint form over one step).")
    meta = {"task": "regression", "input": "(w, u, v, f) on the periodic grid, each divided by its scale below",
            "target": f"w(t + {config.step:g}) / w_scale", "n_grid": config.n_grid, "nu": config.nu,
            "step": config.step, "w_scale": feats.w_scale, "u_scale": feats.u_scale,
            "forcing": "0.1 (sin + cos)(2 pi (x + y)), divided by its rms", "seed": ctx.seed}
    result.artifacts["cnn"] = lambda path, model=est, md=meta: save_model(model, path, metadata=md)
    return result


def _surrogate_seconds(config: Config, surrogate, test: np.ndarray, prev: np.ndarray) -> tuple[float, float]:
    """Surrogate time per step: one field at a time through a rollout (features included), then batched."""
    surrogate(test[:1, 0])  # warm-up
    t = time.perf_counter()
    w = test[:1, 0]
    for _ in range(config.n_steps):
        w = surrogate(w)
    one = (time.perf_counter() - t) / config.n_steps
    t = time.perf_counter()
    surrogate(prev)
    return one, (time.perf_counter() - t) / len(prev)


def _divergence_rel(w: np.ndarray) -> float:
    """max |div u| of the velocity derived from the vorticity ``w``, relative to max |u| 2 pi."""
    n = w.shape[-1]
    u, v = fluids.velocity_from_vorticity(w, 1.0)
    k = 2 * np.pi * np.fft.fftfreq(n, 1.0 / n)
    div = (np.fft.ifft(1j * k[:, None] * np.fft.fft(u, axis=-2), axis=-2).real
           + np.fft.ifft(1j * k[None, :] * np.fft.fft(v, axis=-1), axis=-1).real)
    return float(np.abs(div).max() / (np.abs(u).max() * 2 * np.pi))


def _figures(result, config, test, roll, roll_err, persistence, one_step, res_cnn, res_solver, est) -> None:
    steps = np.arange(config.rollout_steps + 1)
    axes = (fig := new_figure(figsize=(12, 4))).subplots(1, 2)
    for e in roll_err:
        axes[0].semilogy(steps[1:], e[1:], color="tab:blue", alpha=0.3)
    axes[0].semilogy(steps[1:], roll_err.mean(axis=0)[1:], "o-", color="tab:blue", label="CNN rollout (mean)")
    axes[0].axhline(0.1, color="grey", lw=0.8, ls=":")
    axes[0].axhline(1e-2, color="k", lw=0.8, ls="--", label="1e-2")
    axes[0].axvline(config.n_steps, color="tab:red", lw=0.8, ls="--", label="end of the training window")
    axes[0].set_xlabel(f"surrogate steps of {config.step:g}"), axes[0].set_ylabel("relative L2 error vs solver")
    axes[0].set_title("autoregressive rollout"), axes[0].legend(fontsize=8)
    axes[1].semilogy(est.loss_curve_)
    axes[1].set_xlabel("epoch"), axes[1].set_ylabel("training MSE (scaled)"), axes[1].set_title("training")
    result.add_figure("rollout", fig, "Rollout error against the solver for each held-out trajectory (thin) and "
                      "their mean: where the surrogate drifts (the dotted line marks 10 %). Right: training loss.")
    k = config.rollout_steps
    axes = (fig := new_figure(figsize=(12, 7.5))).subplots(2, 3)
    lim = float(np.abs(test[0, [0, k]]).max())
    for row, s in enumerate((1, k)):
        for ax, field, title in zip(axes[row], (test[0, s], roll[0, s], roll[0, s] - test[0, s]),
                                    (f"solver, step {s}", f"CNN rollout, step {s}", "CNN - solver")):
            im = ax.imshow(field.T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim, extent=(0, 1, 0, 1))
            ax.set_title(title)
        fig.colorbar(im, ax=axes[row].tolist(), shrink=0.8)
    result.add_figure("fields", fig, f"Vorticity of a held-out trajectory after 1 and {k} surrogate steps: solver, "
                      "CNN rollout and their difference (same colour scale).")
    ax = (fig := new_figure(figsize=(6, 4))).subplots()
    ax.loglog(persistence, one_step, ".", alpha=0.6)
    lo, hi = persistence.min(), persistence.max()
    ax.plot([lo, hi], [lo, hi], "k:", lw=0.8, label="= predicting no change")
    ax.set_xlabel("persistence error"), ax.set_ylabel("CNN one-step error"), ax.legend(fontsize=8)
    ax.set_title(f"residual: CNN {res_cnn.mean():.1e}, solver {res_solver.mean():.1e}", fontsize=9)
    result.add_figure("one_step", fig, "One-step error of the CNN vs the size of the step's change, per held-out "
                      "state.")
