"""Checkpoint and resume: a training loop interrupted after step k and resumed ends with parameters bit-identical
to the uninterrupted run (several k, on CPU); one case is a real SIGKILL of ``physml train``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from physml import checkpoint
from physml.errors import DataError, ParameterError


def _data(n=160, seed=0):
    """Small-oscillation period of a pendulum, T = 2 pi sqrt(L / g), from length L (m) and gravity g (m/s^2)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0.2, 2.0, n), rng.uniform(1.6, 25.0, n)])
    return X, 2 * np.pi * np.sqrt(X[:, 0] / X[:, 1])


def _fit(**kw):
    from physml.models import MLPFactory, TorchRegressor

    X, y = _data()
    params = {"epochs": 8, "lr": 1e-2, "batch_size": 32, "seed": 3, "lr_schedule": "warmup-cosine", **kw}
    model = TorchRegressor(MLPFactory((16, 16)), **params).fit(X, y)
    return {k: v.detach().clone() for k, v in model.module_.state_dict().items()}, model


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("validation, stops", [(0.0, (1, 7)), (0.25, (3, 6))])
def test_estimator_resumed_after_any_epoch_is_bit_identical(tmp_path, validation, stops):
    reference, ref_model = _fit(validation_fraction=validation)
    for k in stops:
        folder = tmp_path / f"{validation}-{k}"
        with pytest.raises(checkpoint.Interrupted), checkpoint.checkpointing(folder, stop_after=("train_module", k)):
            _fit(validation_fraction=validation)
        saved = json.loads((folder / "train_module-0" / "latest.json").read_text())
        assert saved == {"checkpoint": f"step-{k}"}
        with checkpoint.checkpointing(folder) as session:
            resumed, model = _fit(validation_fraction=validation)
        assert session.resumed == [("train_module-0", k)]  # what a sweep's log reports for a retried trial
        assert _same(resumed, reference), f"resumed after epoch {k} differs"
        assert model.loss_curve_ == ref_model.loss_curve_ and model.best_epoch_ == ref_model.best_epoch_
    # a finished loop is restored, not retrained: the same parameters even if asked for another lr
    with checkpoint.checkpointing(folder):
        again, _ = _fit(validation_fraction=validation, lr=5e-2)
    assert _same(again, reference)


def test_checkpoint_files_are_safetensors_and_json_only(tmp_path):
    with checkpoint.checkpointing(tmp_path, every_steps=4):
        _fit()
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["train_module-0/latest.json", "train_module-0/step-8-done/state.json",
                     "train_module-0/step-8-done/tensors.safetensors"]


def test_resumable_refuses_another_command_and_unknown_ids(tmp_path):
    with checkpoint.resumable(tmp_path, "train", {"a": 1}, run_key="r0"):
        pass  # no checkpoint written: no folder left behind
    assert not (tmp_path / "checkpoints").exists()
    announced = []
    with pytest.raises(RuntimeError), checkpoint.resumable(tmp_path, "train", {"a": 1}, run_key="r1",
                                                          announce=lambda *a: announced.append(a[0])):
        checkpoint.slot("loop").save(1, {"w": torch.zeros(2)}, {"x": 1})
        raise RuntimeError("killed")
    assert announced == ["r1"]
    assert (tmp_path / "checkpoints" / "r1" / "spec.json").is_file()  # kept for --resume
    with pytest.raises(ParameterError, match="resume"), checkpoint.resumable(tmp_path, "train", {"a": 2},
                                                                             resume="r1"):
        pass
    with pytest.raises(DataError, match="r1"), checkpoint.resumable(tmp_path, "train", {"a": 1}, resume="nope"):
        pass
    with checkpoint.resumable(tmp_path, "train", {"a": 1}, resume="r1"):
        pass
    assert not (tmp_path / "checkpoints" / "r1").exists()  # removed once the run completed


KILLED_FIT = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from physml import checkpoint
from test_checkpoint import _fit

def die(kind, step):
    if step == {k}:
        os.kill(os.getpid(), signal.SIGKILL)  # a real kill, right after the checkpoint of epoch {k}

with checkpoint.checkpointing({folder!r}, on_save=die):
    _fit(validation_fraction=0.25)
"""


def test_fit_killed_with_sigkill_resumes_bit_identical(tmp_path):
    folder = tmp_path / "ckpt"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    script = KILLED_FIT.format(tests=str(Path(__file__).parent), k=5, folder=str(folder))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert json.loads((folder / "train_module-0" / "latest.json").read_text()) == {"checkpoint": "step-5"}
    reference, _ = _fit(validation_fraction=0.25)
    with checkpoint.checkpointing(folder):
        resumed, _ = _fit(validation_fraction=0.25)
    assert _same(resumed, reference)


@pytest.mark.parametrize("continuous, stops", [(False, (32, 96)), (True, (64,))])
def test_ppo_resumed_after_an_update_is_bit_identical(tmp_path, continuous, stops):
    """Stops fall inside episodes (the qubit episode is longer than a rollout): the resumed agent replays it."""
    import gymnasium as gym

    from physml.rl.agents import make_agent

    def learn():
        env = gym.make("physml/QubitControl-v0", continuous=continuous)
        agent = make_agent("ppo", env, seed=4, n_steps=32, batch_size=16, n_epochs=2, hidden=(8,))
        agent.learn(160)
        return agent

    ref = learn()
    assert ref.curve.steps and ref.curve.steps[0] % 32 != 0  # an episode ends inside a rollout
    for k in stops:
        folder = tmp_path / f"{continuous}-{k}"
        with pytest.raises(checkpoint.Interrupted), checkpoint.checkpointing(folder, stop_after=("ppo", k)):
            learn()
        with checkpoint.checkpointing(folder):
            resumed = learn()
        a, b = ref._state(), resumed._state()
        assert a.keys() == b.keys() and all(np.array_equal(a[n], b[n]) for n in a), f"resumed after step {k}"
        assert resumed.curve.returns == ref.curve.returns and resumed.curve.steps == ref.curve.steps


@pytest.mark.parametrize("stops", [(("pinn", 30), ("pinn", 60)), (("pinn", 80), ("pinn", 100))])
def test_pinn_resumed_in_adam_or_lbfgs_is_bit_identical(tmp_path, stops):
    """u' = -u, u(0) = 1 on [0, 2] (exact: exp(-t)); stops inside Adam (30, 60) and after L-BFGS chunks (80, 100)."""
    from physml.physics.pde import derivatives
    from physml.physics.pinn import AffineConstraint, PINNNet, TrainConfig, sample_points, train_pinn

    def train():
        net = PINNNet(1, 1, width=8, depth=2, bounds=[(0, 2)], seed=0,
                      constraint=AffineConstraint(lambda p: torch.ones_like(p), lambda p: p))
        pts = torch.tensor(sample_points(32, [(0, 2)], seed=0))

        def pde():
            u, du, _ = derivatives(net, pts)
            return (du[:, 0, :1] + u).pow(2).mean()

        hist = train_pinn(net.parameters(), {"pde": pde},
                          TrainConfig(adam_steps=60, adam_lr=1e-2, lbfgs_steps=60, log_every=20))
        return {k: v.detach().clone() for k, v in net.state_dict().items()}, hist

    reference, ref_hist = train()
    assert ref_hist.lbfgs_iterations > 40  # the L-BFGS stops below fall inside its run
    for stop in stops:
        folder = tmp_path / str(stop[1])
        with pytest.raises(checkpoint.Interrupted), checkpoint.checkpointing(folder, stop_after=stop):
            train()
        with checkpoint.checkpointing(folder):
            resumed, hist = train()
        assert _same(resumed, reference), f"resumed after {stop} differs"
        assert hist.loss == ref_hist.loss and hist.lbfgs_iterations == ref_hist.lbfgs_iterations


def _agent_learn(name: str, env_id: str, steps: int, folder=None, **kw):
    """Train agent ``name`` (tiny settings) for ``steps`` steps, inside a checkpoint session on ``folder`` if given."""
    import gymnasium as gym

    import physml.rl  # noqa: F401  (registers the environments)
    from physml.rl.agents import make_agent

    env_kwargs = kw.pop("env_kwargs", {})
    session = kw.pop("session", {})
    agent = make_agent(name, gym.make(env_id, **env_kwargs), seed=5, **kw)
    if folder is None:
        return agent.learn(steps)
    with checkpoint.checkpointing(folder, **session):
        return agent.learn(steps)


def _same_agent(a, b) -> bool:
    x, y = a._state(), b._state()
    return (x.keys() == y.keys() and all(np.array_equal(x[n], y[n]) for n in x)
            and a.curve.returns == b.curve.returns and a.curve.steps == b.curve.steps)


def _saved(folder: Path, kind: str) -> tuple[dict, dict]:
    from safetensors.torch import load_file

    name = json.loads((folder / f"{kind}-0" / "latest.json").read_text())["checkpoint"]
    return load_file(str(folder / f"{kind}-0" / name / "tensors.safetensors")), \
        json.loads((folder / f"{kind}-0" / name / "state.json").read_text())


DQN_TINY = {"buffer_size": 64, "learning_starts": 20, "train_freq": 8, "gradient_steps": 2, "target_update": 12,
            "batch_size": 8, "hidden": (8,)}


def test_dqn_resumed_around_target_syncs_and_buffer_wrap_is_bit_identical(tmp_path):
    """Stops: 35 (target network stale: synced at 24, updated at 32, a partly filled buffer, mid-episode), 36
    (right after a sync), 101 (the 64-transition buffer has wrapped); the resumed run replays the episode."""
    ref = _agent_learn("dqn", "CartPole-v1", 120, **DQN_TINY)
    checks = {}
    for k in (35, 36, 101):
        folder = tmp_path / str(k)
        with pytest.raises(checkpoint.Interrupted):
            _agent_learn("dqn", "CartPole-v1", 120, folder, session={"stop_after": ("dqn", k)}, **DQN_TINY)
        tensors, state = _saved(folder, "dqn")
        q = {n[len("net.q."):]: v for n, v in tensors.items() if n.startswith("net.q.")}
        target = {n[len("target."):]: v for n, v in tensors.items() if n.startswith("target.")}
        checks[k] = (state["buf_len"], len(state["episode_actions"]) > 0, _same(q, target))
        resumed = _agent_learn("dqn", "CartPole-v1", 120, folder, **DQN_TINY)
        assert _same_agent(ref, resumed), f"resumed after step {k} differs"
        assert resumed.n_updates == ref.n_updates and np.array_equal(resumed.buf_obs, ref.buf_obs)
    assert checks[35] == (35, True, False) and checks[36][0] == 36 and checks[36][2]  # stale target; synced one
    assert checks[101][0] == 64 and checks[35][1] or checks[101][1]


@pytest.mark.parametrize("env_id, env_kwargs, per_update, stops", [
    ("CartPole-v1", {}, 2, (10, 40, 76)),  # mid-episode (10), mid-batch (40), right after an update (76)
    ("physml/QubitControl-v0", {"continuous": True}, 1, (20, 48)),  # Gaussian policy: mid-episode, after an update
])
def test_reinforce_resumed_mid_episode_and_mid_batch_is_bit_identical(tmp_path, env_id, env_kwargs, per_update,
                                                                       stops):
    kw = {"env_kwargs": env_kwargs, "episodes_per_update": per_update, "hidden": (8,)}
    ref = _agent_learn("reinforce", env_id, 150, **kw)
    for k in stops:
        folder = tmp_path / str(k)
        with pytest.raises(checkpoint.Interrupted):
            _agent_learn("reinforce", env_id, 150, folder, session={"stop_after": ("reinforce", k)}, **kw)
        _, state = _saved(folder, "reinforce")
        assert (len(state["loop"]["rewards"]) > 0) == (k not in ref.curve.steps)  # mid-episode unless one ended
        resumed = _agent_learn("reinforce", env_id, 150, folder, **kw)
        assert _same_agent(ref, resumed), f"resumed after step {k} differs"


KILLED_RL = """
import os, signal, sys
from physml import checkpoint
from physml.cli import main

save = checkpoint.Checkpointer.save
def save_then_die(self, step, *args, **kw):
    save(self, step, *args, **kw)
    if step == {k}:
        os.kill(os.getpid(), signal.SIGKILL)  # a real kill, right after the checkpoint of step {k}
checkpoint.Checkpointer.save = save_then_die
main({args!r})
"""


def test_rl_train_killed_with_sigkill_resumes_to_the_same_run(tmp_path, capsys, agent="dqn", k=90, hyper=DQN_TINY):
    """``physml rl train`` SIGKILLed after step k, then ``--resume ID``: the run's kept (best) policy and every
    metric but the timings equal the uninterrupted run's (the selection's history travels in the checkpoint)."""
    from safetensors.numpy import load_file

    from physml.cli import main

    def args(runs):
        return ["rl", "train", "CartPole-v1", "--agent", agent, "--steps", "120", "--seed", "2", "--hyper",
                json.dumps(hyper), "--select-every", "30", "--select-episodes", "2", "--eval-episodes", "3",
                "--checkpoint-every", "15", "--runs-dir", str(runs), "--quiet"]

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    script = KILLED_RL.format(k=k, args=args(tmp_path / "killed"))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    (run_id,) = [p.name for p in (tmp_path / "killed" / "checkpoints").iterdir()]
    runs = {}
    for name, extra in (("killed", ["--resume", run_id]), ("reference", [])):
        with pytest.raises(SystemExit) as exc:
            main(args(tmp_path / name) + extra)
        assert exc.value.code in (0, None)
        runs[name] = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert not (tmp_path / "killed" / "checkpoints" / run_id).exists()  # removed once the run completed
    a, b = (load_file(str(runs[n] / "artifacts" / "agent" / "weights.safetensors")) for n in ("killed", "reference"))
    assert a.keys() == b.keys() and all(np.array_equal(a[n], b[n]) for n in a)
    ma, mb = (json.loads((runs[n] / "metrics.json").read_text()) for n in ("killed", "reference"))
    timing = {"wall_seconds", "train_seconds"}
    assert {n: v for n, v in ma.items() if n not in timing} == {n: v for n, v in mb.items() if n not in timing}
