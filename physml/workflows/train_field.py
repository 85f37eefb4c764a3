"""``physml train-field``: a field-to-field model (FNO, CNN, U-Net) or a sequence forecaster (LSTM, transformer)
trained on the user's own arrays in an HDF5 file, with a held-out split, baselines, a physics audit and a report.

Arrays are named as ``NAME`` or ``NAME[i]`` (index ``i`` along the first axis after the sample axis, e.g. the
time axis of ``physml simulate burgers``'s ``u`` of shape ``(n, times, grid)``); several names joined by commas
are stacked as channels. A field is ``(n, *grid)`` with one or two periodic grid axes.

* ``fno | cnn | unet``: ``--input`` fields -> ``--output`` fields, one sample per row; the split holds out whole
  samples. The CNN and the U-Net predict the increment when input and output have the same shape.
* ``lstm | transformer``: ``--input NAME`` of shape ``(n, times, *grid)``; from ``window`` consecutive snapshots
  predict the next; the split holds out whole trajectories; held-out trajectories are also rolled out
  autoregressively from their first window.

With ``pde`` (``burgers | heat | navier-stokes``) the audit adds the PDE's step residual of the predictions
against the data's own steps (:mod:`physml.physics.step_residual`) and the drift of the conserved domain mean.
Its parameters (``nu``, ``alpha``, the box ``length``, the step ``dt``) come from ``pde_params`` or, for a file
written by ``physml simulate``, from its provenance.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError, ParameterError
from ..physics.audit import Audit
from ..physics.step_residual import PDES, mean_drift, step_residual
from ..result import StudyResult, new_figure
from ..validation import check_choice, check_int, check_real

__all__ = ["FIELD_MODELS", "FieldSpec", "parse_specs", "read_fields", "train_field", "rel_l2", "FieldRun"]

FIELD_MODELS = ("fno", "cnn", "unet", "lstm", "transformer")
SEQUENCE_MODELS = ("lstm", "transformer")
_SPEC = re.compile(r"^\s*([A-Za-z_][\w./-]*)\s*(?:\[\s*(-?\d+)\s*\])?\s*$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    index: int | None = None

    def __str__(self) -> str:
        return self.name if self.index is None else f"{self.name}[{self.index}]"


def parse_specs(option: str, text: str) -> list[FieldSpec]:
    """``"u0"``, ``"u[0]"``, ``"a,b"`` -> specs; a malformed one is a ParameterError."""
    specs = []
    for part in str(text).split(","):
        m = _SPEC.match(part)
        if not m:
            raise ParameterError.invalid(option, text, "array names NAME or NAME[i], comma-separated")
        specs.append(FieldSpec(m.group(1), None if m.group(2) is None else int(m.group(2))))
    return specs


def read_fields(path: str | os.PathLike, specs: list[FieldSpec], option: str, *, grid_axes: int | None = None
                ) -> tuple[np.ndarray, dict, list[str]]:
    """``(array (n, C, ...), file attributes, units)`` of ``specs`` stacked as channels; DataError if a name is
    missing, an index out of range or the shapes disagree."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataError(f"field file {str(path)!r} does not exist")
    try:
        with h5py.File(path, "r") as f:
            names = [k for k, v in f.items() if isinstance(v, h5py.Dataset)]
            missing = [s.name for s in specs if s.name not in names]
            if missing:
                raise DataError(f"{str(path)!r} has no array {', '.join(missing)} (named by {option}); its arrays: "
                                f"{', '.join(names) or 'none'}")
            arrays, units = [], []
            for s in specs:
                d = f[s.name]
                if s.index is not None:
                    if d.ndim < 3 or not -d.shape[1] <= s.index < d.shape[1]:
                        raise DataError(f"{option} {s}: index {s.index} is outside axis 1 of {s.name}, shape "
                                        f"{d.shape} (an index needs an array (n, times, *grid))")
                    a = d[:, s.index]
                else:
                    a = d[()]
                arrays.append(np.asarray(a, dtype=np.float64))
                u = d.attrs.get("unit", "1")
                units.append(u.decode() if isinstance(u, bytes) else str(u))
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    except DataError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"cannot read {str(path)!r} as HDF5 ({exc.__class__.__name__})") from None
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise DataError(f"the arrays named by {option} have different shapes: "
                        + ", ".join(f"{s} {a.shape}" for s, a in zip(specs, arrays)))
    x = np.stack(arrays, axis=1)
    if grid_axes is not None and x.ndim - 2 != grid_axes:
        raise DataError(f"{option} {','.join(map(str, specs))}: shape {arrays[0].shape} has {x.ndim - 2} axes after "
                        f"the sample axis; expected {grid_axes}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{option} {','.join(map(str, specs))} holds NaN or infinite values")
    return x, attrs, units


def _check_names(path, specs: list[FieldSpec]) -> None:
    """Every array named by --input and --output present, all missing ones named in one line."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            names = [k for k, v in f.items() if isinstance(v, h5py.Dataset)]
    except OSError:
        raise DataError(f"cannot read {str(path)!r} as HDF5 (missing or not an HDF5 file)") from None
    missing = list(dict.fromkeys(s.name for s in specs if s.name not in names))
    if missing:
        raise DataError(f"{str(path)!r} has no array {', '.join(missing)} (named by --input/--output); its arrays: "
                        f"{', '.join(names) or 'none'}")


def rel_l2(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """``||pred - true|| / ||true||`` per sample (the FNO paper's metric)."""
    p, t = pred.reshape(len(pred), -1), true.reshape(len(true), -1)
    return np.linalg.norm(p - t, axis=1) / np.maximum(np.linalg.norm(t, axis=1), 1e-300)


@dataclass
class FieldRun:
    study_result: StudyResult
    estimator: object
    wall_seconds: float


def _estimator(model: str, dim: int, grid: tuple[int, ...], residual: bool, *, epochs: int, seed: int, device: str,
               progress: bool):
    from ..models import (
        FNOFactory,
        LSTMForecasterFactory,
        PeriodicConvNetFactory,
        PeriodicUNetFactory,
        TorchRegressor,
        TransformerForecasterFactory,
    )

    if model == "fno":
        factory = FNOFactory(dim=dim, modes=max(1, min(16, min(grid) // 4)), width=32, layers=4)
    elif model == "cnn":
        factory = PeriodicConvNetFactory(dim=dim, channels=(32, 32, 32), kernel_size=5, residual=residual)
    elif model == "unet":
        levels = max(1, min(3, int(math.log2(min(grid))) - 2))
        if any(n % 2**levels for n in grid):
            raise DataError(f"unet: each grid side must be divisible by {2**levels}; grid {grid}")
        factory = PeriodicUNetFactory(dim=dim, base=16, levels=levels, residual=residual)
    elif model == "lstm":
        factory = LSTMForecasterFactory(hidden=128, layers=1, residual=True)
    else:
        factory = TransformerForecasterFactory(d_model=64, heads=4, layers=2, feedforward=128, residual=True)
    # the burgers-operator study's training settings: Adam with cosine decay, no weight decay, raw fields
    return TorchRegressor(factory, epochs=epochs, batch_size=20, lr=2e-3, weight_decay=0.0, validation_fraction=0.0,
                          standardize=False, standardize_target=False, any_size=model in ("fno", "cnn", "unet"),
                          lr_schedule="cosine", seed=seed, device=device, progress=progress)


def _pde_settings(pde: str | None, pde_params: dict, attrs: dict, steps: float | None) -> dict:
    """nu / alpha / length / dt / Navier-Stokes parameters from the user, else from the file's provenance."""
    if pde is None:
        return {}
    solver = {}
    try:
        solver = json.loads(attrs.get("parameters", "{}")).get("solver", {}) or {}
    except (TypeError, ValueError, AttributeError):
        solver = {}
    out = {"length": float(pde_params.get("length", solver.get("length", 2 * math.pi)))}
    dt = pde_params.get("dt", steps)
    if dt is None:
        raise ParameterError.invalid("pde_params", pde_params, f"dt=... for --pde {pde} (the time between input "
                                     "and output; the file records no times 't')")
    out["dt"] = check_real("dt", float(dt), 0.0, math.inf, closed="neither")
    if pde in ("burgers", "navier-stokes"):
        nu = pde_params.get("nu", solver.get("nu"))
        if nu is None:
            raise ParameterError.invalid("pde_params", pde_params, f"nu=... for --pde {pde}")
        out["nu"] = check_real("nu", float(nu), 0.0, math.inf, closed="neither")
    if pde == "heat":
        alpha = pde_params.get("alpha", solver.get("alpha"))
        if alpha is None:
            raise ParameterError.invalid("pde_params", pde_params, "alpha=... for --pde heat")
        out["alpha"] = check_real("alpha", float(alpha), 0.0, math.inf, closed="neither")
    if pde == "navier-stokes":
        from ..sim import fluids

        keep = {k: solver[k] for k in ("drag", "forcing", "forcing_amplitude", "forcing_wavenumber") if k in solver}
        out["ns"] = keep
        out["_fluids"] = fluids
    return out


def _residuals(pde: str, settings: dict, prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    ns = None
    if pde == "navier-stokes":
        n = prev.shape[-1]
        ns = settings["_fluids"].NavierStokesParams(nu=settings["nu"], length=settings["length"], n_grid=n,
                                                    dt=settings["dt"], t_final=settings["dt"], n_save=1,
                                                    **settings["ns"])
    return step_residual(pde, prev, nxt, settings["dt"], length=settings["length"], nu=settings.get("nu"),
                         alpha=settings.get("alpha"), ns_params=ns)


def _times(attrs: dict) -> np.ndarray | None:
    t = attrs.get("t")
    try:
        t = np.asarray(json.loads(t) if isinstance(t, str) else t, dtype=float)
    except (TypeError, ValueError):
        return None
    return t if t.ndim == 1 and t.size >= 2 else None


def train_field(data: str | os.PathLike, *, input: str, output: str | None = None, model: str = "fno",
                holdout: float = 0.2, epochs: int = 100, window: int = 4, pde: str | None = None,
                pde_params: dict | None = None, seed: int = 0, device: str = "cpu", progress: bool = False
                ) -> FieldRun:
    """Train ``model`` on the arrays of ``data`` (see the module docstring); everything a run needs."""
    start = time.perf_counter()
    model = check_choice("model", model, FIELD_MODELS)
    holdout = check_real("holdout", holdout, 0.0, 0.9, closed="right")
    epochs = check_int("epochs", epochs, 1)
    window = check_int("window", window, 1)
    if pde is not None:
        pde = check_choice("pde", pde, PDES)
    pde_params = dict(pde_params or {})
    in_specs = parse_specs("--input", input)
    sequence = model in SEQUENCE_MODELS
    if sequence:
        if len(in_specs) != 1 or in_specs[0].index is not None or (output not in (None, "", input)):
            raise ParameterError.invalid("input", input, f"one array NAME of shape (n, times, *grid) for --model "
                                         f"{model} (it forecasts the next snapshot; no --output)")
        out_specs = in_specs
    else:
        if not output:
            raise ParameterError.invalid("output", output, f"the array(s) to predict for --model {model}")
        out_specs = parse_specs("--output", output)
    _check_names(data, in_specs + ([] if sequence else out_specs))
    X, attrs, in_units = read_fields(data, in_specs, "--input")
    if sequence:
        traj = X[:, 0]  # (n, times, *grid)
        if traj.ndim not in (3, 4):
            raise DataError(f"--input {input}: shape {traj.shape}; --model {model} needs (n, times, *grid) with "
                            "1 or 2 grid axes")
        if traj.shape[1] < window + 2:
            raise DataError(f"--input {input}: {traj.shape[1]} times; window {window} needs at least {window + 2}")
        Y, out_units = None, in_units
    else:
        Y, _, out_units = read_fields(data, out_specs, "--output")
        if X.ndim not in (3, 4) or Y.ndim != X.ndim or len(X) != len(Y) or X.shape[2:] != Y.shape[2:]:
            raise DataError(f"--input {input} {X.shape[:1] + X.shape[2:]} and --output {output} "
                            f"{Y.shape[:1] + Y.shape[2:]}: need fields (n, *grid) with 1 or 2 grid axes, the same n "
                            "and grid")
    n = len(X)
    if n < 2:
        raise DataError(f"{n} sample(s) in {str(data)!r}: a held-out split needs at least 2")
    n_out = min(max(1, round(holdout * n)), n - 1)
    perm = np.random.default_rng(seed).permutation(n)
    test, train = np.sort(perm[:n_out]), np.sort(perm[n_out:])
    times = _times(attrs)
    if sequence:
        step_dt = float(np.diff(times).mean()) if times is not None and times.size == traj.shape[1] else None
    else:
        idx_in = {s.index for s in in_specs}
        idx_out = {s.index for s in out_specs}
        step_dt = None
        if times is not None and len(idx_in) == len(idx_out) == 1 and None not in idx_in | idx_out:
            i, j = next(iter(idx_in)), next(iter(idx_out))
            if times.size > max(abs(i), abs(j)):
                step_dt = float(times[j] - times[i])
    settings = _pde_settings(pde, pde_params, attrs, step_dt)
    if sequence:
        return _train_sequence(data, model, traj, train, test, window, epochs, seed, device, progress, pde, settings,
                               in_specs, in_units, holdout, start)
    return _train_map(data, model, X, Y, train, test, epochs, seed, device, progress, pde, settings, in_specs,
                      out_specs, in_units, out_units, holdout, start)


def _train_map(data, model, X, Y, train, test, epochs, seed, device, progress, pde, settings, in_specs, out_specs,
               in_units, out_units, holdout, start) -> FieldRun:
    dim, grid = X.ndim - 2, X.shape[2:]
    same = X.shape[1] == Y.shape[1]
    est = _estimator(model, dim, grid, same, epochs=epochs, seed=seed, device=device, progress=progress)
    t = time.perf_counter()
    est.fit(X[train].astype(np.float32), Y[train].reshape(len(train), -1))
    fit_seconds = time.perf_counter() - t
    pred = est.predict(X[test].astype(np.float32)).reshape(Y[test].shape)
    err = rel_l2(pred, Y[test])
    err_train = rel_l2(est.predict(X[train[:len(test)]].astype(np.float32)).reshape(Y[train[:len(test)]].shape),
                       Y[train[:len(test)]])
    baselines = {"mean field": rel_l2(np.broadcast_to(Y[train].mean(0), Y[test].shape), Y[test])}
    if same:
        baselines["persistence (output = input)"] = rel_l2(X[test], Y[test])
    config = {"data": str(data), "input": ",".join(map(str, in_specs)), "output": ",".join(map(str, out_specs)),
              "model": model, "holdout": holdout, "epochs": epochs, "seed": seed, "n_train": len(train),
              "n_test": len(test), "grid": list(grid), "pde": pde,
              **{k: v for k, v in settings.items() if not k.startswith("_")}}
    res = StudyResult("train-field", config, title=f"physml train-field: {model} {config['input']} -> "
                                                   f"{config['output']} ({Path(data).name})")
    audit = Audit("field model")
    prev = next = None
    if pde is not None and same and Y.shape[1] == 1:
        prev, next = X[test][:, 0], (pred[:, 0], Y[test][:, 0])
    _common(res, audit, err, err_train, baselines, fit_seconds, est, pde, settings, prev, next)
    _figure_map(res, X[test], Y[test], pred, err)
    meta = {"kind": "field", "model": model, "input_arrays": [str(s) for s in in_specs],
            "output_arrays": [str(s) for s in out_specs], "input_shape": list(X.shape[1:]),
            "output_shape": list(Y.shape[1:]), "input_units": in_units, "output_units": out_units,
            "any_size": model in ("fno", "cnn", "unet"), "pde": pde, "data": str(data), "seed": seed,
            "task": "regression"}
    _save(res, est, meta)
    res.summary = (f"{model} trained on {len(train)} samples of {config['input']} -> {config['output']} (grid "
                   f"{'x'.join(map(str, grid))}, {fit_seconds:.1f} s); held-out relative L2 error {err.mean():.3e} "
                   f"on {len(test)} samples; " + ", ".join(f"{k} {v.mean():.3e}" for k, v in baselines.items()) + ".")
    return FieldRun(res, est, time.perf_counter() - start)


def _windows(traj: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """All (window snapshots -> next) pairs: X (m, window, points), Y (m, points)."""
    n, T = traj.shape[:2]
    flat = traj.reshape(n, T, -1)
    X = np.stack([flat[:, s:s + window] for s in range(T - window)], axis=1).reshape(-1, window, flat.shape[2])
    Y = np.stack([flat[:, s + window] for s in range(T - window)], axis=1).reshape(-1, flat.shape[2])
    return X, Y


def _train_sequence(data, model, traj, train, test, window, epochs, seed, device, progress, pde, settings,
                    in_specs, in_units, holdout, start) -> FieldRun:
    grid = traj.shape[2:]
    est = _estimator(model, len(grid), grid, True, epochs=epochs, seed=seed, device=device, progress=progress)
    Xtr, Ytr = _windows(traj[train], window)
    Xte, Yte = _windows(traj[test], window)
    t = time.perf_counter()
    est.fit(Xtr.astype(np.float32), Ytr)
    fit_seconds = time.perf_counter() - t
    pred = est.predict(Xte.astype(np.float32))
    err = rel_l2(pred, Yte)
    k = min(len(Xtr), len(Xte))
    err_train = rel_l2(est.predict(Xtr[:k].astype(np.float32)), Ytr[:k])
    baselines = {"persistence (next = last)": rel_l2(Xte[:, -1], Yte),
                 "mean field": rel_l2(np.broadcast_to(Ytr.mean(0), Yte.shape), Yte)}
    # autoregressive rollout of the held-out trajectories from their first window
    T = traj.shape[1]
    flat = traj[test].reshape(len(test), T, -1)
    hist = list(np.moveaxis(flat[:, :window], 1, 0))
    for _ in range(T - window):
        hist.append(est.predict(np.stack(hist[-window:], axis=1).astype(np.float32)))
    roll = rel_l2(hist[-1], flat[:, -1])
    config = {"data": str(data), "input": str(in_specs[0]), "model": model, "window": window, "holdout": holdout,
              "epochs": epochs, "seed": seed, "n_train_trajectories": len(train), "n_test_trajectories": len(test),
              "grid": list(grid), "pde": pde, **{k: v for k, v in settings.items() if not k.startswith("_")}}
    res = StudyResult("train-field", config, title=f"physml train-field: {model} forecasting {in_specs[0]} "
                                                   f"({Path(data).name})")
    res.add_metric("rel_l2_rollout_final", float(roll.mean()))
    audit = Audit("field model")
    prev = next = None
    if pde is not None:
        prev = Xte[:, -1].reshape(-1, *grid)
        next = (pred.reshape(-1, *grid), Yte.reshape(-1, *grid))
    _common(res, audit, err, err_train, baselines, fit_seconds, est, pde, settings, prev, next)
    shape = (len(test), 1, *grid)
    _figure_map(res, flat[:, 0].reshape(shape), flat[:, -1].reshape(shape), hist[-1].reshape(shape), roll,
                title="rollout to the last time")
    meta = {"kind": "field", "model": model, "input_arrays": [str(in_specs[0])], "output_arrays": [str(in_specs[0])],
            "window": window, "input_shape": [window, *grid], "output_shape": [1, *grid], "input_units": in_units,
            "output_units": in_units, "any_size": False, "pde": pde, "data": str(data), "seed": seed,
            "task": "regression"}
    _save(res, est, meta)
    res.summary = (f"{model} forecasting the next snapshot from {window} on {len(train)} trajectories "
                   f"({len(Xtr)} windows, {fit_seconds:.1f} s); held-out one-step relative L2 error {err.mean():.3e} "
                   f"(persistence {baselines['persistence (next = last)'].mean():.3e}); rollout over {T - window} "
                   f"steps ends at {roll.mean():.3e}.")
    return FieldRun(res, est, time.perf_counter() - start)


def _common(res, audit, err, err_train, baselines, fit_seconds, est, pde, settings, prev, next) -> None:
    res.add_metric("rel_l2_test", float(err.mean()))
    res.add_metric("rel_l2_test_p90", float(np.quantile(err, 0.9)))
    res.add_metric("rel_l2_train", float(err_train.mean()))
    res.add_metric("fit_seconds", fit_seconds)
    res.add_metric("n_parameters", float(sum(p.numel() for p in est.module_.parameters())))
    for name, b in baselines.items():
        key = "persistence" if name.startswith("persistence") else "mean_field"
        res.add_metric(f"rel_l2_{key}", float(b.mean()))
        audit.check(f"beats_{key}", float(err.mean() / max(b.mean(), 1e-300)), "<=", 1.0,
                    f"held-out relative L2 error / that of the {name} baseline")
    audit.check("generalises", float(err.mean() / max(err_train.mean(), 1e-300)), "<=", 3.0,
                "held-out / training relative L2 error (far above 1: overfitting)")
    if pde is not None and prev is not None:
        pred_next, true_next = next
        r_model = _residuals(pde, settings, prev, pred_next)
        r_data = _residuals(pde, settings, prev, true_next)
        res.add_metric("residual_rms_model", float(r_model.mean()))
        res.add_metric("residual_rms_data", float(r_data.mean()))
        audit.check("pde_residual_ratio", float(r_model.mean() / max(r_data.mean(), 1e-300)), "<=", 1.5,
                    f"{pde} step residual (implicit midpoint, spectral) of the predictions / of the data's own steps")
        drift_model, drift_data = mean_drift(prev, pred_next), mean_drift(prev, true_next)
        res.add_metric("mean_drift_data", float(drift_data.max()))
        audit.check("conserves_mean", float(drift_model.max()), "<=", max(1e-2, 10 * float(drift_data.max())),
                    f"max |mean(prediction) - mean(input)| / rms: {pde} on a periodic box conserves the mean")
    res.add_audit(audit)
    res.add_table("Held-out relative L2 error", ("predictor", "mean", "90th percentile"),
                  [("model", f"{err.mean():.3e}", f"{np.quantile(err, 0.9):.3e}")]
                  + [(k, f"{v.mean():.3e}", f"{np.quantile(v, 0.9):.3e}") for k, v in baselines.items()])
    fig = new_figure(figsize=(5, 3.4))
    ax = fig.subplots()
    ax.semilogy(est.loss_curve_)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE")
    res.add_figure("training", fig, "Training loss by epoch.")


def _figure_map(res, X, Y, pred, err, title: str = "") -> None:
    order = np.argsort(err)
    pick = [order[0], order[len(order) // 2], order[-1]]
    fig = new_figure(figsize=(13, 3.6))
    if X.ndim == 3:
        axes = fig.subplots(1, 3)
        for ax, i in zip(axes, pick):
            ax.plot(X[i, 0], color="grey", lw=1, label="input")
            ax.plot(Y[i, 0], "k", lw=2.5, alpha=0.4, label="true")
            ax.plot(pred[i, 0], "tab:blue", ls="--", label="predicted")
            ax.set_title(f"rel. L2 error {err[i]:.2e}", fontsize=9)
        axes[0].legend(fontsize=8)
    else:
        axes = fig.subplots(1, 3)
        i = pick[1]
        for ax, (name, f) in zip(axes, (("true", Y[i, 0]), ("predicted", pred[i, 0]),
                                        ("error", pred[i, 0] - Y[i, 0]))):
            im = ax.imshow(f, origin="lower", cmap="RdBu_r")
            fig.colorbar(im, ax=ax)
            ax.set_title(f"{name} (median sample, rel. L2 {err[i]:.2e})", fontsize=9)
    res.add_figure("held_out", fig, "Held-out samples (best, median and worst relative L2 error"
                   + (f"; {title}" if title else "") + "): data and prediction.")


def _save(res: StudyResult, est, meta: dict) -> None:
    from ..models import save_model

    res.artifacts["best_model"] = lambda path, m=est, md=meta: save_model(m, path, metadata=md)
