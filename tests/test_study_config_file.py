"""``physml study run --config file.toml``: overrides read from TOML, validated like ``--set``, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_cli import assert_one_line_error, cli  # noqa: E402


def test_config_file_overrides_reach_the_runner_and_set_wins(tmp_path, capsys, monkeypatch):
    import physml.studies
    from physml.result import StudyResult

    calls = []

    def fake_run_study(name, **kwargs):
        calls.append((name, kwargs))
        result = StudyResult(name, {"seed": kwargs["seed"]}, title="fake")
        result.add_metric("answer", 1.0)
        return result

    monkeypatch.setattr(physml.studies, "run_study", fake_run_study)
    toml = tmp_path / "c.toml"
    toml.write_text('n_samples = 700\nmodels = ["gbt", "mlp"]\ntest_fraction = 0.3\n')
    code, _, err = cli(capsys, "study", "run", "water-phases", "--quick", "--config", str(toml),
                       "--set", "n_samples=500", "--runs-dir", str(tmp_path / "runs"), "--quiet")
    assert code == 0, err
    assert calls[0][1]["overrides"] == {"n_samples": 500, "models": ("gbt", "mlp"), "test_fraction": 0.3}


@pytest.mark.parametrize("text, words", [
    ("unknown = 1\n", ["unknown", "models", "n_samples", "test_fraction"]),
    ('n_samples = "many"\n', ["n_samples", "integer", "many"]),
    ("n_samples = 10\n", ["n_samples", ">= 200", "10"]),
    ("n_samples = \n", ["not valid TOML"]),
    ("[study]\nn_samples = 500\n", ["study", "top level"]),
])
def test_bad_config_file_is_refused_with_one_line(tmp_path, capsys, text, words):
    toml = tmp_path / "c.toml"
    toml.write_text(text)
    runs = tmp_path / "runs"
    code, _, err = cli(capsys, "study", "run", "water-phases", "--quick", "--config", str(toml),
                       "--runs-dir", str(runs), "--quiet")
    assert_one_line_error(code, err, *words)
    assert not runs.exists()


def test_missing_config_file_is_one_line(tmp_path, capsys):
    code, _, err = cli(capsys, "study", "run", "water-phases", "--config", str(tmp_path / "nope.toml"),
                       "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "nope.toml")
    assert not Path(tmp_path / "runs").exists()
