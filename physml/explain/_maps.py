"""Compare an attribution map with the map the known physics predicts."""

from __future__ import annotations

import numpy as np

__all__ = ["alignment"]


def alignment(maps: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Cosine similarity of each attribution map with its reference map.

    ``maps`` and ``reference`` have shape ``(n, ...)`` (or ``reference`` one
    map broadcast to all). 1 means the model attends exactly where the physics
    says it should; 0 means unrelated. Maps with zero norm give 0.
    """
    m = np.asarray(maps, float).reshape(len(maps), -1)
    r = np.asarray(reference, float)
    r = r.reshape(m.shape) if r.size == m.size else np.broadcast_to(r.reshape(1, -1), m.shape)
    num = np.sum(m * r, axis=1)
    den = np.linalg.norm(m, axis=1) * np.linalg.norm(r, axis=1)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)
