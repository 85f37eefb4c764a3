"""``physml rl train`` / ``rl eval``: a run with the documented metrics; each bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from test_cli import assert_one_line_error, cli  # noqa: E402


def test_rl_train_writes_a_run_and_eval_reads_it(tmp_path, capsys):
    code, out, err = cli(capsys, "rl", "train", "CartPole-v1", "--agent", "q-learning", "--steps", "3000",
                         "--seed", "2", "--eval-episodes", "5", "--select-every", "500", "--select-episodes", "3",
                         "--runs-dir", str(tmp_path), "--quiet")
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"eval_mean_return", "eval_std_return", "wall_seconds", "eval_ci95_half_width", "random_eval_mean_return",
            "last_policy_eval_mean_return", "best_policy_step"} <= set(metrics)
    # the audit: the kept policy replays its selection return exactly; the margin over a random policy on the same
    # episodes is the difference of the means less two standard errors (95 % half-width / t_{0.975, 4} = 2.776)
    assert metrics["audit_rl_q_learning_kept_policy_is_the_best_passed"] == 1.0
    se = np.hypot(metrics["eval_ci95_half_width"], metrics["random_eval_ci95_half_width"]) / 2.7764451
    margin = metrics["eval_mean_return"] - metrics["random_eval_mean_return"] - 2 * se
    assert metrics["audit_rl_q_learning_beats_random_policy"] == pytest.approx(margin, rel=1e-5)
    assert metrics["audit_rl_q_learning_beats_random_policy_passed"] == float(margin >= 0)
    assert "Returns on the same evaluation episodes" in (run / "report.html").read_text()
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


def test_selection_leaves_training_unchanged_and_keeps_the_best_policy():
    """Greedy selection evaluations draw no random numbers: the learning curve is the one without them; the kept
    policy is the argmax of the selection returns and replays it; CartPole's heuristic beats a random policy."""
    from physml.workflows.rl_train import train_run

    best = train_run("CartPole-v1", "q-learning", 1500, seed=3, eval_episodes=10, select_every=300,
                     select_episodes=3)
    last = train_run("CartPole-v1", "q-learning", 1500, seed=3, eval_episodes=10, keep="last")
    assert best.agent.curve.returns == last.agent.curve.returns
    m = best.study_result.metrics
    assert m["best_selection_mean_return"] >= m["audit_rl_q_learning_kept_policy_is_the_best"]
    assert m["last_policy_eval_mean_return"] == pytest.approx(last.study_result.metrics["eval_mean_return"])
    assert m["audit_rl_q_learning_kept_policy_is_the_best_passed"] == 1.0
    assert m["heuristic_eval_mean_return"] > m["random_eval_mean_return"] + 10  # about 46 +- 3 vs 22 +- 3
    assert np.all(np.isfinite(best.returns))


def test_bad_keep_is_one_line(tmp_path, capsys):
    code, _, err = _train(capsys, tmp_path, "CartPole-v1", "--agent", "ppo", "--steps", "10", "--keep", "worst")
    assert_one_line_error(code, err, "keep", "worst")
    assert not (tmp_path / "runs").exists()
