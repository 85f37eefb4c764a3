"""``physml bench pinn``: the same Burgers PINN in physml and DeepXDE (skipped, with the reason, without DeepXDE)."""

from __future__ import annotations

import json
import os

import pytest

from conftest import single_threaded
from physml.bench import pinn as bench
from test_cli import assert_one_line_error, cli  # noqa: E402

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)
needs_deepxde = pytest.mark.skipif(bench.import_deepxde() is None,
                                   reason="DeepXDE is not installed (pip install 'physml[bench]')")
KEYS = {"physml_s_per_iter", "deepxde_s_per_iter", "physml_rel_l2", "deepxde_rel_l2"}


@needs_deepxde
def test_same_network_points_and_schedule_give_the_same_solution():
    """In float64 from identical weights and points, Adam and strong-Wolfe L-BFGS are the same arithmetic in both:
    the two trained networks must agree to round-off, so their errors agree to ~1e-9 relative
    (a different loss, transform, point set or schedule in either would change the error at the 1e-2 level)."""
    r = bench.run(width=10, depth=3, n_collocation=300, adam_steps=30, lbfgs_steps=20, float64=True, repeats=1,
                  compile=False)
    assert KEYS <= set(r)
    assert r["physml_iterations"] == 50 and r["deepxde_iterations"] == 50
    assert r["physml_s_per_iter"] > 0 and r["deepxde_s_per_iter"] > 0
    assert 0 < r["physml_rel_l2"] < 1.0
    assert r["deepxde_rel_l2"] == pytest.approx(r["physml_rel_l2"], rel=1e-9)


@needs_deepxde
@pytest.mark.skipif(bool(os.environ.get("CI")), reason="torch.compile's first compile (inductor, gcc) takes 20-80 s "
                    "of CPU: too slow for CI; runs locally")
def test_compiled_physml_gives_deepxdes_solution(tmp_path, monkeypatch):
    """The compiled variant (forward-propagated derivatives, fused kernels) is the same arithmetic up to float64
    round-off: its error equals DeepXDE's to ~1e-9 relative, like the eager one; compiling is timed apart."""
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    r = bench.run(width=10, depth=3, n_collocation=300, adam_steps=30, lbfgs_steps=20, float64=True, repeats=1)
    assert r["physml_compiled_iterations"] == 50 and r["compile_seconds"] > 0
    assert r["physml_compiled_rel_l2"] == pytest.approx(r["deepxde_rel_l2"], rel=1e-9)
    assert r["physml_rel_l2"] == pytest.approx(r["deepxde_rel_l2"], rel=1e-9)


@needs_deepxde
def test_cli_json(capsys):
    code, out, err = cli(capsys, "bench", "pinn", "--json", "--points", "200", "--adam", "5", "--lbfgs", "5",
                         "--depth", "2", "--width", "8", "--repeats", "1", "--no-compile")
    assert code == 0, err
    assert KEYS <= set(json.loads(out))


@pytest.mark.parametrize("args, words", [(["--points", "0"], ["n_collocation", "0"]),
                                         (["--threads", "0"], ["threads", "0"]),
                                         (["--adam", "0", "--lbfgs", "0"], ["iteration"])])
def test_bad_bench_parameters(capsys, args, words):
    code, _, err = cli(capsys, "bench", "pinn", *args)
    assert_one_line_error(code, err, *words)
