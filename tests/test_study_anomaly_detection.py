"""anomaly-detection on small samples: the injected kinds are found, the physics score and the scores' measures
behave as their definitions say."""

from __future__ import annotations

import pytest

from physml.errors import ParameterError
from physml.studies import run_study
from study_helpers import audit_checks, run_tiny

TINY = {"kinds": ("ising_domain_wall", "heavy_water"), "n_normal": 300, "anomaly_fraction": 0.05, "L": 8,
        "epochs": 6, "lof_neighbors": 20, "n_boot": 100}


@pytest.fixture(scope="module")
def tiny():
    return run_tiny("anomaly-detection", TINY)


def test_injected_kinds_are_found(tiny):
    m = tiny.metrics
    assert m["ising_domain_wall_n_anomalies"] == 15 and m["heavy_water_n_anomalies"] == 15
    # D2O is ~10 % denser than H2O at the same T and p; with 1 % noise the density residual is a ~10-sigma outlier
    assert m["heavy_water_physics_auc"] > 0.99
    # two walls break 2L = 16 bonds at L = 8 (+0.5 J per spin), ~2 standard deviations of e at T = 2: the energy
    # z-score ranks them high but not perfectly; a half-flipped lattice has m ~ 0, far from the ordered |m| ~ 0.9
    assert m["ising_domain_wall_physics_auc"] > 0.8
    assert max(m[f"ising_domain_wall_{d}_auc"] for d in ("autoencoder", "isolation_forest", "lof")) > 0.9
    for kind in TINY["kinds"]:
        for d in ("autoencoder", "isolation_forest", "lof", "physics"):
            assert m[f"{kind}_{d}_auc_low"] <= m[f"{kind}_{d}_auc"] <= m[f"{kind}_{d}_auc_high"]
            # SI = eps_S / sqrt(eps_B) with eps_S <= 1 and eps_B >= 1 / n_background (15 signals: the 20 % cut keeps
            # 3 or 4 of them, so eps_S is 0.2 only up to the counts' granularity)
            assert 0 < m[f"{kind}_{d}_si"] <= 300**0.5 + 1e-9
    assert all(audit_checks(tiny)["anomaly detectors"].values())


def test_an_unknown_kind_is_refused():
    with pytest.raises(ParameterError, match="kinds"):
        run_study("anomaly-detection", quick=True, overrides={"kinds": ("ising_vortex",)})
