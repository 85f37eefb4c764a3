"""``ising-phases``: the quick preset finds Onsager's T_c and leaves a complete run; a tiny run through the runner
checks the audits by name, the classifier against a baseline and the saved CNN."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

from physml.cli import main
from physml.errors import ParameterError
from physml.models import load_model
from physml.runs import Registry
from physml.studies import run_study
from physml.studies.ising_phases import Config

#: every audit of the study and its checks, as metric names (the quick preset's training size is L = 32)
CHECKS = {
    "simulator_l_{L}": ("energy_max_abs_dev", "abs_m_max_abs_dev"),
    "cnn_classifier_l_{L}": ("spin_flip_invariance", "translation_invariance", "test_accuracy",
                             "auc_minus_abs_m_baseline", "rank_corr_with_abs_m", "saliency_alignment_magnetization",
                             "tc_rel_error", "reproducible_same_seed"),
    "logistic_classifier_l_{L}": ("spin_flip_invariance", "translation_invariance", "test_accuracy",
                                  "auc_minus_abs_m_baseline", "rank_corr_with_abs_m", "coefficient_map_uniformity",
                                  "tc_rel_error"),
    "pca_k_means_l_{L}": ("pc1_abs_corr_magnetization", "ordered_fraction_at_t_min", "ordered_fraction_at_t_max",
                          "tc_rel_error"),
}
# Tiny preset: two sizes, 48 configurations at 14 temperatures (with 16 or 24 configurations the CNN stayed on
# its initial plateau, P = 0.46 everywhere, for seed 0 or 1: too few optimizer steps).
TINY = {"sizes": (8, 16), "block_grid": 4, "samples": 48, "coarse_step": 0.25, "critical_range": (2.0, 2.6),
        "critical_step": 0.2, "epochs": 10}


def _check_metrics(L: int) -> list[str]:
    return [f"audit_{audit.format(L=L)}_{check}_passed" for audit, checks in CHECKS.items() for check in checks]


@pytest.mark.slow
def test_quick_preset_finds_tc_within_3_percent(quick_run):
    metrics = json.loads((quick_run / "metrics.json").read_text())
    # T_c from the CNN and from PCA + k-means, each extrapolated over L = 16, 24, 32, within 3 % of Onsager's
    for kind in ("supervised", "unsupervised"):
        assert metrics[f"tc_rel_error_{kind}"] <= 0.03, (kind, metrics[f"tc_{kind}"])
    # every audit and every check of it is there, and passes: the physics of the simulator and of each model
    names = _check_metrics(32)
    assert [n for n in names if n not in metrics] == []
    assert [n for n in names if metrics[n] != 1.0] == []
    assert "study_seconds" not in metrics  # the run records wall_seconds


@pytest.mark.slow
def test_run_directory_and_registry(quick_run, capsys):
    for name in ("config.json", "metrics.json", "report.html"):
        assert (quick_run / name).is_file()
    assert len(list((quick_run / "figures").glob("*.png"))) == 6
    assert sorted(p.name for p in (quick_run / "artifacts").iterdir()) == ["cnn_L32", "ising_L32.h5"]
    # the saved CNN is the one persistence format: it loads and tells the phases apart at a size it never saw
    saved = load_model(quick_run / "artifacts" / "cnn_L32")
    ordered = np.ones((2, 40, 40), np.float32) * np.array([1, -1], np.float32)[:, None, None]
    hot = np.random.default_rng(0).choice(np.array([-1, 1], np.float32), size=(2, 40, 40))
    assert saved.estimator.predict(np.concatenate([ordered, hot])).tolist() == [1, 1, 0, 0]
    config = json.loads((quick_run / "config.json").read_text())
    assert config["seed"] == 1 and config["sizes"] == [16, 24, 32] and config["quick"] is True
    record = Registry(quick_run.parent).get(quick_run.name)
    assert record.study == "ising-phases" and record.path == quick_run
    with pytest.raises(SystemExit) as exc:
        main(["runs", "show", record.id, "--runs-dir", str(quick_run.parent)])
    assert exc.value.code == 0 and "tc_supervised" in capsys.readouterr().out


@pytest.mark.slow
def test_tiny_run_audits_classifier_and_saved_model(tmp_path):
    r = run_study("ising-phases", quick=True, seed=0, progress=False, device="cpu", overrides=TINY, threads=1)
    m = r.metrics
    names = _check_metrics(16)
    assert [n for n in names if n not in m] == []
    # exact at any size: spin-flip invariance (built into the CNN, gauge fixing for the logistic model), the CNN's
    # translation invariance, same seed -> same CNN; and here already: the simulator against Onsager and Yang,
    # |m| read by every model. Left out at this size: T_c (two small lattices), the test accuracy (floor below) and
    # the logistic model's translation invariance (its features are 4x4-spin blocks, invariant only under shifts
    # by whole blocks: 0.02 is met at L = 32, not at L = 16 for seed 0)
    must_pass = [n for n in names if "tc_rel_error" not in n and "test_accuracy" not in n
                 and n != "audit_logistic_classifier_l_16_translation_invariance_passed"]
    assert [n for n in must_pass if m[n] != 1.0] == []
    # Quality floor of the CNN. Baseline: the majority class of the held-out far-from-T_c configurations
    # (T < 2.0 ordered, T > 2.6 disordered); its error is the minority share, 0.5 here. Measured at this size,
    # seeds 0-2: CNN test error 0; the floor asks for a fifth of the baseline's error.
    temps = Config(**TINY).temperatures()
    far = temps[(temps < 2.0) | (temps > 2.6)]
    minority = min(np.mean(far < 2.0), np.mean(far > 2.6))
    assert 1 - m["test_accuracy"] < 0.2 * minority
    assert {f.name for f in r.figures} == {"configurations", "p_ordered", "finite_size_scaling", "pca",
                                           "thermodynamics", "attribution_maps"}
    writer = r.artifacts["cnn_L16"]
    model = inspect.signature(writer).parameters["model"].default
    writer(tmp_path / "cnn")
    saved = load_model(tmp_path / "cnn")
    spins = np.random.default_rng(0).choice(np.array([-1, 1], np.float32), size=(4, 16, 16))
    np.testing.assert_array_equal(saved.estimator.predict_proba(spins), model.predict_proba(spins))
    assert saved.metadata["class_names"] == ["disordered", "ordered"]


def test_study_config_is_validated():
    with pytest.raises(ParameterError, match="train_below"):
        Config(train_below=2.4)  # above T_c: the "ordered" training set would hold disordered configurations
    with pytest.raises(ParameterError, match="sizes"):
        Config(sizes=(16,))
