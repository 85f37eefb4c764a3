"""``physml sweep``: a grid of normal study runs and their aggregate, locally and on Ray (one small local Ray
instance for the module, 2 CPUs); killed workers retried, killed sweeps resumed; the report renders."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.runs import Registry
from physml.studies import SweepSpec, parse_grid, parse_seeds, run_sweep
from test_cli import cli  # noqa: E402

SPEC = SweepSpec("pipe-scaling", True, (0, 1), (("n_samples", (1500,)), ("noise_sigma", (0.05, 0.2))), "cpu")


def _trial_metrics(runs: Path) -> dict[str, dict]:
    out = {}
    for rec in Registry(runs).list():
        if "sweep_trial" in rec.config:
            metrics = dict(rec.metrics)
            metrics.pop("wall_seconds")
            out[rec.config["sweep_trial"]] = metrics
    return out


def test_parse_seeds_and_grid():
    assert parse_seeds("0:4") == (0, 1, 2, 3) and parse_seeds("3,1") == (3, 1)
    assert parse_grid(["epochs=5,10", 'models=["a","b"],["c"]', "name=x"]) == \
        (("epochs", (5, 10)), ("models", (("a", "b"), ("c",))), ("name", ("x",)))
    for bad in ("4:4", "a:b", "1,1", "-1:2"):
        with pytest.raises(ParameterError, match="seeds"):
            parse_seeds(bad)
    for bad in ("epochs", "epochs=", "epochs=5,5"):
        with pytest.raises(ParameterError, match="set"):
            parse_grid([bad])


@pytest.mark.parametrize("args, words", [
    (["--set", "nope=1,2"], ["nope", "n_samples", "noise_sigma"]),
    (["--set", "n_samples=500,many"], ["n_samples", "many"]),
    (["--set", "noise_sigma=0.1,2.0"], ["noise_sigma", "2.0"]),
    (["--seeds", "5:2"], ["seeds", "5:2"]),
    (["--backend", "dask"], ["backend", "dask", "ray"]),
    (["--resume", "no-such-sweep"], ["no-such-sweep"]),
])
def test_bad_sweeps_are_refused_before_any_run(tmp_path, capsys, args, words):
    code, _, err = cli(capsys, "sweep", "pipe-scaling", "--quick", *args, "--runs-dir", str(tmp_path / "runs"))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "runs" / "registry.sqlite").exists()


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The sweep killed when its third trial starts, then resumed: (runs, sweep_id, starts, records, record)."""
    runs = tmp_path_factory.mktemp("sweep") / "runs"

    class Killed(Exception):
        pass

    seen = []

    def die_on_third(key, seed):  # the sweep "dies" when its third trial starts
        seen.append(key)
        if len(seen) == 3:
            raise Killed

    with pytest.raises(Killed):
        run_sweep(SPEC, runs, trial_hook=die_on_third, threads_per_trial=1)
    sweep_id = json.loads(next((runs / "sweeps").glob("*.json")).read_text())["sweep_id"]
    assert len(_trial_metrics(runs)) == 2
    starts = []
    _, records, record = run_sweep(SPEC, runs, resume=sweep_id, on_start=lambda *a: starts.append(a),
                                   threads_per_trial=1)
    return runs, sweep_id, starts, records, record


def test_local_sweep_aggregates_normal_runs_and_resumes(local_sweep):
    runs, sweep_id, starts, records, record = local_sweep
    assert starts == [(sweep_id, 4, 2)]  # two finished trials skipped, two run
    trials = _trial_metrics(runs)
    assert len(trials) == 4 and len(Registry(runs).list()) == 5  # no trial ran twice; plus the sweep run
    assert record.metrics["trials"] == 4 and record.config["resumed_trials_skipped"] == 2
    assert [r["attempt"] for r in records] == [1, 1, 2, 1]  # the trial the sweep died in ran again
    assert [t["attempt"] for t in record.config["trials_retried"]] == [2]
    # the aggregate is the trials' statistics
    values = np.array([r["metrics"]["exponent_velocity"] for r in records])
    assert record.metrics["exponent_velocity_mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert record.metrics["exponent_velocity_std"] == pytest.approx(values.std(ddof=1), rel=1e-12)
    rate = np.mean([r["metrics"]["audit_log_linear_pressure_drop_model_passed"] for r in records])
    assert record.metrics["audit_log_linear_pressure_drop_model_pass_rate"] == rate
    # more noise, larger scatter of the exponents (the physics the sweep is for)
    by_noise = {s: np.std([m["exponent_velocity"] - 1 for k, m in trials.items() if f'"noise_sigma": {s}' in k])
                for s in (0.05, 0.2)}
    assert len(list((record.path / "figures").glob("*.png"))) == 1  # headline metrics against noise_sigma
    assert record.config["swept"] == ["noise_sigma"] and by_noise[0.2] > by_noise[0.05]
    html = (record.path / "report.html").read_text()
    assert "Audit pass rates" in html and "exponent_velocity" in html
    # a different grid cannot resume this sweep
    other = SweepSpec("pipe-scaling", True, (0, 1, 2), SPEC.grid, "cpu")
    with pytest.raises(ParameterError, match="resume"):
        run_sweep(other, runs, resume=sweep_id)


def test_a_sweep_with_a_tuple_value_resumes(tmp_path):
    """The journal holds the grid as JSON (tuples become lists); resuming compares like with like."""
    spec = SweepSpec("ising-phases", True, (0,), (("sizes", ((8, 16),)),), "cpu")

    class Started(Exception):
        pass

    def stop(key, seed):
        raise Started(key)

    with pytest.raises(Started):
        run_sweep(spec, tmp_path, trial_hook=stop)
    sweep_id = json.loads(next((tmp_path / "sweeps").glob("*.json")).read_text())["sweep_id"]
    with pytest.raises(Started, match="sizes"):  # not a ParameterError about --resume
        run_sweep(spec, tmp_path, resume=sweep_id, trial_hook=stop)


# ---------------------------------------------------------------------------- on Ray
@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    temp = tempfile.mkdtemp(prefix="physml-ray-")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False, _temp_dir=temp,
             object_store_memory=80 * 1024**2)
    yield ray
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


def test_ray_sweep_matches_local_and_retries_a_killed_worker(tmp_path, ray_instance, local_sweep):
    local, remote = local_sweep[0], tmp_path / "ray"
    marker = tmp_path / "attempts"
    marker.mkdir()

    def kill_first_attempt(key, seed, marker=str(marker)):  # runs in the worker: SIGKILL itself, once
        import os
        import signal
        from pathlib import Path

        if seed == 1 and "0.2" in key:
            attempts = len(list(Path(marker).iterdir()))
            (Path(marker) / str(attempts)).touch()
            if attempts == 0:
                os.kill(os.getpid(), signal.SIGKILL)

    two = SweepSpec(SPEC.study, True, (0, 1), (SPEC.grid[0], ("noise_sigma", (0.2,))), "cpu")
    _, records, record = run_sweep(two, remote, backend="ray", max_retries=1, trial_hook=kill_first_attempt)
    assert len(list(marker.iterdir())) == 2  # killed once, retried once
    assert sorted(r["attempt"] for r in records) == [1, 2]  # each attempt logged its start before it died
    assert record.config["trials_retried"] == [{"key": records[1]["key"], "attempt": 2, "resumed_from": []}]
    assert record.config["backend"] == "ray" and record.config["threads_per_trial"] == 1
    assert record.config["max_concurrent"] == 2
    on_ray, reference = _trial_metrics(remote), _trial_metrics(local)
    assert len(on_ray) == 2 and on_ray == {k: reference[k] for k in on_ray}  # every metric, bit for bit
    assert ray_instance.is_initialized()  # a sweep leaves an instance it did not start running


@pytest.mark.browser
def test_sweep_report_renders_in_chromium(local_sweep):
    report = local_sweep[-1].path / "report.html"
    CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
    CHROMEDRIVER = shutil.which("chromedriver")
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI")
        pytest.skip("chromium / chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="physml-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        drv.get(report.resolve().as_uri())
        images = drv.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
                                    " i.getBoundingClientRect().width]);")
        assert len(images) == 1 and all(c and w > 100 and bw > 50 for c, w, bw in images)
        assert [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
        assert "Metrics over the trials" in drv.page_source
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_tune_on_ray_finds_the_same_trials_as_the_local_batched_search(ray_instance):
    """Optuna ask-and-tell in batches of 2: the trials, scores and best trial depend on the seed and the batch,
    not on where the trials ran. Data: the pendulum period T = 2 pi sqrt(L / g) (exact)."""
    from physml.learn import tune

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0.2, 2.0, 120), rng.uniform(1.6, 25.0, 120)])
    y = 2 * np.pi * np.sqrt(X[:, 0] / X[:, 1])
    runs = {backend: tune("ridge", X, y, task="regression", n_trials=6, cv=3, seed=1, batch=2, backend=backend)
            for backend in ("local", "ray")}
    local, ray = runs["local"], runs["ray"]
    assert [t.params for t in local.study.trials] == [t.params for t in ray.study.trials]
    assert [t.value for t in local.study.trials] == [t.value for t in ray.study.trials]
    assert local.best_params == ray.best_params and local.best_score == ray.best_score
