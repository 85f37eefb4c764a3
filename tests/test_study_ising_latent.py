"""ising-latent on tiny lattices: the autoencoder's latent is the magnetisation, odd under the spin flip and
reproducible, and its susceptibility peaks where the exact |m|'s does."""

from __future__ import annotations

import pytest

from physml.errors import ParameterError
from physml.studies import run_study
from study_helpers import audit_checks, run_tiny

TINY = {"sizes": (8, 12), "coarse_step": 0.5, "critical_range": (2.2, 2.84), "critical_step": 0.08, "samples": 40,
        "train_samples": 400, "epochs": 6, "one_class_epochs": 15, "embed_samples": 150, "embed_pcs": 4,
        "maps": ("tsne",)}


@pytest.fixture(scope="module")
def tiny():
    return run_tiny("ising-latent", TINY)


def test_latent_is_the_magnetisation_and_locates_the_same_peak(tiny):
    m = tiny.metrics
    checks = audit_checks(tiny)["autoencoder latents (Ising)"]
    assert checks["latent_odd_under_spin_flip"] and checks["reproducible_same_seed"]
    # |z| ranks configurations as |m| does (Wetzel 2017); 0.9 leaves room for 6 epochs on 800 configurations
    assert m["abs_spearman_autoencoder_abs_m_min"] > 0.9 and m["abs_spearman_pca_abs_m_min"] > 0.9
    for L in (8, 12):
        # a monotone function of |m| has its susceptibility peak near |m|'s; at L <= 12 the peak is ~0.3 wide, and
        # 40 configurations per temperature place it to ~0.03: 0.1 is three of those
        assert m[f"tstar_autoencoder_L{L}"] == pytest.approx(m[f"tstar_abs_m_L{L}"], abs=0.1)
        assert m[f"tstar_pca_L{L}"] == pytest.approx(m[f"tstar_abs_m_L{L}"], abs=0.05)  # PC1 is sqrt(N) m
        # finite lattices peak above T_c (T*(L) ~ T_c + 2.2 / L)
        assert m[f"tstar_abs_m_L{L}"] > m["tc_exact"]


def test_a_window_that_misses_t_c_is_refused():
    with pytest.raises(ParameterError, match="critical_range"):
        run_study("ising-latent", quick=True, overrides={"critical_range": (2.4, 2.8)})
