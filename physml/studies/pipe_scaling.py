"""Study ``pipe-scaling``: the Hagen-Poiseuille law's exponents recovered by least squares on noisy pipe flows.

Laminar pipe flow obeys ``dp = 32 mu L v / D^2`` exactly, so on a log scale the pressure drop is linear in
the logarithms of velocity, diameter, density, viscosity, roughness and length with exponents
(1, -2, 0, 1, 0, 1). The data are ``physml.sim.pipe_flow`` states (Colebrook-White for turbulent flow,
64/Re for laminar) with log-normal measurement noise; the study keeps the laminar ones and fits an
ordinary least-squares model (scikit-learn) to log10 dp. The audit compares every fitted exponent with
the exact one, within 4 standard errors of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LinearRegression

from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import pipe_flow
from ..validation import Int, Real, validate_fields
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

INPUTS = ("velocity_m_s", "diameter_m", "density_kg_m3", "viscosity_Pa_s", "roughness_m", "length_m")
EXACT = np.array([1.0, -2.0, 0.0, 1.0, 0.0, 1.0])  # Hagen-Poiseuille: dp = 32 mu L v / D^2


@dataclass(frozen=True)
class Config:
    """Configuration of ``pipe-scaling``."""

    n_samples: int = 20000
    """Pipe flows drawn (about a third are laminar with the default ranges)."""
    noise_sigma: float = 0.05
    """Standard deviation of ln(measured / true pressure drop), in (0, 1]: the audit needs a residual to scale by."""

    def __post_init__(self) -> None:
        validate_fields(self, {"n_samples": Int(100), "noise_sigma": Real(0.0, 1.0, closed="right")})


QUICK = Config(n_samples=4000)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: pipe flows, laminar ones kept
    ds = pipe_flow.pipe_flow_dataset(pipe_flow.PipeFlowParams(n_samples=config.n_samples,
                                                              noise_sigma=config.noise_sigma), seed=ctx.seed)
    laminar = ds["laminar"].astype(bool)
    X = np.log10(np.column_stack([ds[k][laminar] for k in INPUTS]))
    y = ds["log10_pressure_drop_Pa"][laminar]
    # fit: ordinary least squares on the logarithms, with the exponents' standard errors
    fit = LinearRegression().fit(X, y)
    resid = y - fit.predict(X)
    A = np.column_stack([np.ones(len(y)), X])
    cov = np.linalg.inv(A.T @ A) * resid.var(ddof=A.shape[1])
    stderr = np.sqrt(np.diag(cov))[1:]
    # evaluate and audit: each exponent against Hagen-Poiseuille
    result = ctx.result("Hagen-Poiseuille exponents from noisy laminar pipe flows", n_laminar=int(laminar.sum()))
    audit = Audit("log-linear pressure-drop model")
    for name, b, se, exact in zip(INPUTS, fit.coef_, stderr, EXACT):
        result.add_metric(f"exponent_{name.split('_')[0]}", b)
        audit.check(f"exponent_{name.split('_')[0]}_z", abs(b - exact) / se, "<=", 4.0,
                    f"|fitted - exact ({exact:g})| in standard errors of the fit")
    result.add_metric("n_laminar", int(laminar.sum()))
    result.add_audit(audit)
    # report
    fig = new_figure(figsize=(6, 3.5))
    ax = fig.subplots()
    ax.errorbar(range(len(INPUTS)), fit.coef_, yerr=4 * stderr, fmt="o", label="fitted (4 s.e.)")
    ax.plot(range(len(INPUTS)), EXACT, "kx", label="Hagen-Poiseuille")
    ax.set_xticks(range(len(INPUTS)), [k.split("_")[0] for k in INPUTS])
    ax.set_ylabel("exponent")
    ax.legend()
    result.add_figure("exponents", fig, "Fitted exponents of log10 dp against the exact laminar ones.")
    result.summary = f"{int(laminar.sum())} laminar flows; exponents {np.round(fit.coef_, 3).tolist()}."
    return result
