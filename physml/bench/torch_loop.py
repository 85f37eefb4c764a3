"""TorchRegressor.fit against a bare hand-written PyTorch loop: the wrapper's overhead.

Usage: ``python -m physml.bench.torch_loop [--json] [--n N] [--epochs E] [--repeats R] [--threads T]``

Both sides train the same MLP (3 -> 64 -> 32 -> 1, tanh) with Adam on the same
data, the same epochs and batch size, validation off, and the same seed
protocol, so they do the same arithmetic: the benchmark checks that their
predictions agree bit for bit before it reports a time. The data is the exact
period of a simple pendulum, T = 4 sqrt(L/g) K(sin^2(theta0/2)), over lengths,
amplitudes and surface gravities. Each side runs ``repeats`` times,
interleaved; the best time of each is compared (the least disturbed run).
Target: ratio <= 1.15.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch
from scipy.special import ellipk

from physml.models import MLPFactory, TorchRegressor

__all__ = ["run", "format_report", "main", "pendulum_data", "wrapper_fit", "bare_fit", "TARGET_RATIO"]

HIDDEN = (64, 32)
TARGET_RATIO = 1.15


def pendulum_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features (L [m], theta0 [rad], g [m/s^2]) and the exact period T [s] (complete elliptic integral)."""
    rng = np.random.default_rng(seed)
    L = rng.uniform(0.1, 2.0, n)
    theta0 = rng.uniform(0.05, 2.5, n)
    g = rng.uniform(1.6, 24.8, n)
    T = 4.0 * np.sqrt(L / g) * ellipk(np.sin(theta0 / 2) ** 2)  # scipy's ellipk takes m = k^2
    return np.column_stack([L, theta0, g]), T


def wrapper_fit(X, y, *, epochs: int, batch_size: int, seed: int) -> TorchRegressor:
    model = TorchRegressor(MLPFactory(HIDDEN), epochs=epochs, batch_size=batch_size, lr=1e-3,
                           validation_fraction=0.0, seed=seed)
    return model.fit(X, y)


def bare_fit(X, y, *, epochs: int, batch_size: int, seed: int):
    """The loop a PyTorch user writes by hand, with TorchRegressor's scaling and seed protocol."""
    X = X.astype(np.float32)
    mean = X.mean(axis=0, dtype=np.float64).astype(np.float32)
    scale = X.std(axis=0, dtype=np.float64).astype(np.float32)
    y_mean, y_scale = y.mean(), y.std()
    Xt = torch.as_tensor((X - mean) / scale)
    yt = torch.as_tensor(((y - y_mean) / y_scale)[:, None], dtype=torch.float32)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    perm = torch.as_tensor(rng.permutation(len(X)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**31)))
        net = MLPFactory(HIDDEN)((X.shape[1],), 1)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        for _ in range(epochs):
            order = perm[torch.randperm(len(perm), generator=gen)]
            for batch in order.split(batch_size):
                opt.zero_grad()
                loss = loss_fn(net(Xt[batch]), yt[batch])
                loss.backward()
                opt.step()
    net.eval()

    def predict(Xn):
        with torch.no_grad():
            out = net(torch.as_tensor((Xn.astype(np.float32) - mean) / scale)).numpy()
        return out[:, 0].astype(np.float64) * y_scale + y_mean

    return predict


def run(n: int, epochs: int, batch_size: int, repeats: int, seed: int = 0) -> dict:
    X, y = pendulum_data(n, seed)
    times = {"wrapper": [], "bare": []}
    for _ in range(repeats):
        for side, fit in (("bare", bare_fit), ("wrapper", wrapper_fit)):
            t0 = time.perf_counter()
            model = fit(X, y, epochs=epochs, batch_size=batch_size, seed=seed)
            times[side].append(time.perf_counter() - t0)
    pred_w = model.predict(X)
    pred_b = bare_fit(X, y, epochs=epochs, batch_size=batch_size, seed=seed)(X)
    best_w, best_b = min(times["wrapper"]), min(times["bare"])
    return {"benchmark": "TorchRegressor.fit vs bare PyTorch loop", "n_samples": n, "epochs": epochs,
            "batch_size": batch_size, "hidden": list(HIDDEN), "repeats": repeats,
            "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.processor() or
            platform.machine(), "wrapper_s": best_w, "bare_s": best_b, "ratio": best_w / best_b,
            "target_ratio": TARGET_RATIO, "identical_predictions": bool(np.array_equal(pred_w, pred_b)),
            "max_abs_prediction_difference_s": float(np.max(np.abs(pred_w - pred_b))),
            "rmse_s": float(np.sqrt(np.mean((pred_w - y) ** 2))), "wrapper_all_s": times["wrapper"],
            "bare_all_s": times["bare"]}


def format_report(result: dict) -> str:
    """A few lines for a terminal."""
    r = result
    return "\n".join([
        f"{r['benchmark']}: n={r['n_samples']}, epochs={r['epochs']}, batch={r['batch_size']}, "
        f"MLP {tuple(r['hidden'])}, {r['threads']} threads, best of {r['repeats']}",
        f"  bare loop      {r['bare_s']:.3f} s",
        f"  TorchRegressor {r['wrapper_s']:.3f} s",
        f"  ratio          {r['ratio']:.3f}  (target <= {r['target_ratio']})",
        f"  same predictions bit for bit: {r['identical_predictions']} "
        f"(max |diff| {r['max_abs_prediction_difference_s']:.2e} s); RMSE {r['rmse_s']:.3g} s",
    ])


def main(argv: list[str] | None = None) -> int:
    """``python -m physml.bench.torch_loop``: exit status 1 when the two sides do not predict the same."""
    parser = argparse.ArgumentParser(prog="python -m physml.bench.torch_loop", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--n", type=int, default=16384, help="training samples")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    args = parser.parse_args(argv)
    before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        result = run(args.n, args.epochs, args.batch_size, args.repeats)
    finally:
        torch.set_num_threads(before)
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    return 0 if result["identical_predictions"] else 1


if __name__ == "__main__":  # python -m physml.bench.torch_loop
    raise SystemExit(main())
