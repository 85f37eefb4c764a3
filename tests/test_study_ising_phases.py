"""End to end: ``physml study run ising-phases --quick`` finds Onsager's T_c and leaves a complete run."""

from __future__ import annotations

import json
import math

import pytest

from physml.cli import main
from physml.errors import ParameterError
from physml.runs import Registry

TC = 2 / math.log(1 + math.sqrt(2))
REQUIRED = ["tc_supervised", "tc_unsupervised", "tc_exact", "tc_rel_error_supervised", "tc_rel_error_unsupervised",
            "pc1_abs_corr_magnetization", "test_accuracy", "wall_seconds"]


@pytest.mark.slow
def test_quick_preset_finds_tc_within_3_percent(quick_run):
    metrics = json.loads((quick_run / "metrics.json").read_text())
    for key in REQUIRED:
        assert key in metrics and math.isfinite(metrics[key]), key
    assert metrics["tc_exact"] == pytest.approx(TC, rel=1e-12)
    for kind in ("supervised", "unsupervised"):
        assert metrics[f"tc_rel_error_{kind}"] == pytest.approx(abs(metrics[f"tc_{kind}"] - TC) / TC)
        assert metrics[f"tc_rel_error_{kind}"] <= 0.03, (kind, metrics[f"tc_{kind}"])
    assert metrics["pc1_abs_corr_magnetization"] >= 0.95
    assert metrics["test_accuracy"] >= 0.98
    # the physics check of the simulator and every audit of the trained models pass
    failed = [k for k, v in metrics.items() if k.startswith("audit_") and k.endswith("_passed") and v != 1.0]
    assert failed == []


@pytest.mark.slow
def test_run_directory_and_registry(quick_run, capsys):
    for name in ("config.json", "metrics.json", "report.html"):
        assert (quick_run / name).is_file()
    assert len(list((quick_run / "figures").glob("*.png"))) >= 5
    artifacts = sorted(p.name for p in (quick_run / "artifacts").iterdir())
    assert any(a.endswith(".h5") for a in artifacts) and any(a.endswith(".safetensors") for a in artifacts)
    config = json.loads((quick_run / "config.json").read_text())
    assert config["seed"] == 1 and config["sizes"] == [16, 24, 32]
    record = Registry(quick_run.parent).get(quick_run.name)
    assert record.study == "ising-phases" and record.path == quick_run
    with pytest.raises(SystemExit) as exc:
        main(["runs", "show", record.id, "--runs-dir", str(quick_run.parent)])
    assert exc.value.code == 0 and "tc_supervised" in capsys.readouterr().out


def test_study_config_is_validated():
    from physml.studies.ising_phases import Config

    with pytest.raises(ParameterError, match="train_below"):
        Config(train_below=2.4)  # above T_c: the "ordered" training set would hold disordered configurations
    with pytest.raises(ParameterError, match="sizes"):
        Config(sizes=(16,))
