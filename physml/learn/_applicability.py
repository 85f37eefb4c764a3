"""Applicability domain of a model trained on a table: is a new row like the rows it learned from?

Two tests, both fitted at training time and stored with the model:

* **range**: an input outside ``[min, max]`` of its training values is extrapolation, whatever the model;
* **distance**: the mean Euclidean distance to the ``k`` nearest training rows, in inputs standardised by
  their training mean and standard deviation, divided by a threshold: the ``quantile`` (0.99) of the same
  distance for calibration rows held out at training time. A score above 1 is farther from the training
  data than 99 % of held-out rows were, so about 1 % of rows like the training data are flagged and a row in
  a gap of the training data (inside every range) is flagged too.

A row is flagged when either test fails. The reference rows are a seeded subsample of at most
``max_reference`` training rows, so the stored domain stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ApplicabilityDomain"]


@dataclass(frozen=True)
class ApplicabilityDomain:
    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    reference: np.ndarray  # standardised training rows
    k: int
    quantile: float
    threshold: float

    @classmethod
    def fit(cls, X_train, X_calibration, names, *, k: int = 5, quantile: float = 0.99, max_reference: int = 2000,
            seed: int = 0) -> ApplicabilityDomain:
        """Fit on the training rows; set the distance threshold on held-out ``X_calibration`` rows."""
        X = np.asarray(X_train, float)
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        rows = np.arange(len(X))
        if len(X) > max_reference:
            rows = np.sort(np.random.default_rng([seed, 7]).choice(len(X), max_reference, replace=False))
        reference = (X[rows] - mean) / scale
        dom = cls(tuple(names), X.min(axis=0), X.max(axis=0), mean, scale, reference, int(min(k, len(rows))),
                  float(quantile), 1.0)
        d = dom.distance(X_calibration)
        if not d.size:
            raise ValueError("the applicability threshold needs at least one calibration row")
        threshold = float(np.quantile(d, quantile, method="higher"))
        return cls(dom.names, dom.low, dom.high, mean, scale, reference, dom.k, float(quantile),
                   max(threshold, 1e-12))

    def distance(self, X) -> np.ndarray:
        """Mean distance to the ``k`` nearest reference rows, in standardised inputs."""
        from scipy.spatial import cKDTree

        Z = (np.asarray(X, float) - self.mean) / self.scale
        d, _ = cKDTree(self.reference).query(Z, k=self.k)
        return np.asarray(d, float).reshape(len(Z), -1).mean(axis=1)

    def assess(self, X) -> dict[str, np.ndarray]:
        """Per row: ``score`` (distance / threshold), ``out_of_range`` (the columns outside their training range,
        ``""`` if none) and ``flagged`` (outside a range or ``score > 1``)."""
        X = np.asarray(X, float)
        outside = (X < self.low) | (X > self.high)
        names = np.array(self.names, dtype=object)
        where = np.array([",".join(names[row]) for row in outside], dtype=object)
        score = self.distance(X) / self.threshold
        return {"score": score, "out_of_range": where, "flagged": outside.any(axis=1) | (score > 1.0)}

    def to_dict(self) -> dict:
        """JSON-serialisable form (what a saved model stores)."""
        return {"method": "training range + mean distance to the k nearest training rows (standardised inputs)",
                "names": list(self.names), "low": self.low.tolist(), "high": self.high.tolist(),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "k": self.k, "quantile": self.quantile,
                "threshold": self.threshold, "reference": self.reference.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> ApplicabilityDomain:
        arr = lambda key: np.asarray(d[key], float)  # noqa: E731
        return cls(tuple(d["names"]), arr("low"), arr("high"), arr("mean"), arr("scale"),
                   arr("reference").reshape(-1, len(d["names"])), int(d["k"]), float(d["quantile"]),
                   float(d["threshold"]))
