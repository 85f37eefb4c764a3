"""``physml rl train`` / ``rl eval``: a run with the documented metrics; each bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_cli import assert_one_line_error, cli  # noqa: E402


def test_rl_train_writes_a_run_and_eval_reads_it(tmp_path, capsys):
    code, out, err = cli(capsys, "rl", "train", "physml/EnergyLevels-v0", "--agent", "q-learning", "--steps", "3000",
                         "--seed", "2", "--eval-episodes", "5", "--runs-dir", str(tmp_path), "--quiet")
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"eval_mean_return", "eval_std_return", "wall_seconds"} <= set(metrics)
    assert (run / "figures" / "learning_curve.png").stat().st_size > 1000
    assert (run / "artifacts" / "agent" / "weights.safetensors").exists()
    assert "learning_curve" in (run / "report.html").read_text()
    code, out, err = cli(capsys, "rl", "eval", str(run), "--episodes", "5", "--seed", str(10_002))
    assert code == 0, err
    # the same greedy agent on the same episode seeds gives the run's own evaluation
    assert float(out.split("mean_return")[1].split()[0]) == pytest.approx(metrics["eval_mean_return"], abs=1e-5)


def _train(capsys, tmp_path, *args):
    return cli(capsys, "rl", "train", *args, "--runs-dir", str(tmp_path / "runs"), "--quiet")


def test_unknown_env_id(tmp_path, capsys):
    code, _, err = _train(capsys, tmp_path, "physml/Nope-v0", "--agent", "ppo", "--steps", "10")
    assert_one_line_error(code, err, "environment", "physml/Nope-v0")
    assert not (tmp_path / "runs").exists()


def test_unknown_agent(tmp_path, capsys):
    code, _, err = _train(capsys, tmp_path, "CartPole-v1", "--agent", "sac", "--steps", "10")
    assert_one_line_error(code, err, "agent", "sac")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("steps", ["0", "-5"])
def test_zero_or_negative_steps(tmp_path, capsys, steps):
    code, _, err = _train(capsys, tmp_path, "CartPole-v1", "--agent", "ppo", "--steps", steps)
    assert_one_line_error(code, err, "steps", steps)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("env_id, kwargs, word", [
    ("physml/QubitControl-v0", '{"t_total": -1}', "t_total"),
    ("physml/EnergyLevels-v0", '{"p2": 2}', "p2"),
    ("physml/ThermostatControl-v0", '{"n_particles": 50}', "n_particles"),
    ("physml/QubitControl-v0", '{"colour": 1}', "env_kwargs"),
    ("physml/QubitControl-v0", '[1, 2]', "env_kwargs"),
])
def test_invalid_environment_parameters(tmp_path, capsys, env_id, kwargs, word):
    code, _, err = _train(capsys, tmp_path, env_id, "--agent", "ppo", "--steps", "10", "--env-kwargs", kwargs)
    assert_one_line_error(code, err, word)
    assert not (tmp_path / "runs").exists()


def test_agent_that_cannot_act_in_the_environment(tmp_path, capsys):
    code, _, err = _train(capsys, tmp_path, "Pendulum-v1", "--agent", "dqn", "--steps", "10")
    assert_one_line_error(code, err, "dqn", "Discrete")


def test_eval_of_a_missing_run(tmp_path, capsys):
    code, _, err = cli(capsys, "rl", "eval", "nope", "--runs-dir", str(tmp_path))
    assert_one_line_error(code, err)
