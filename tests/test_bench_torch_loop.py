"""``python -m physml.bench.torch_loop``: the wrapper and the bare loop must do the same arithmetic, so the
timing compares like with like. A different scaling, seed protocol, shuffling or optimiser on either side
changes the predictions, and this test sees it."""

from __future__ import annotations

import json

import numpy as np

from physml.bench import torch_loop as bench


def test_pendulum_period_is_exact_at_small_amplitude():
    X, T = bench.pendulum_data(2000, seed=0)
    L, theta0, g = X.T
    small = theta0 < 0.1
    # T -> 2 pi sqrt(L/g) (1 + theta0^2/16) as theta0 -> 0; the next term is O(theta0^4)
    approx = 2 * np.pi * np.sqrt(L / g) * (1 + theta0**2 / 16)
    assert small.sum() > 10
    np.testing.assert_allclose(T[small], approx[small], rtol=1e-5)


def test_wrapper_and_bare_loop_predict_bit_for_bit_the_same(capsys):
    code = bench.main(["--json", "--n", "512", "--epochs", "2", "--batch-size", "64", "--repeats", "1"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["identical_predictions"] is True and result["max_abs_prediction_difference_s"] == 0.0
    assert result["n_samples"] == 512 and len(result["wrapper_all_s"]) == 1
    assert "ratio" in bench.format_report(result)
