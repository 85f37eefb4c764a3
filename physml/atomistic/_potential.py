"""``LearnedPotential``: a trained network as a force field for the MD engine, saved as safetensors + JSON.

On disk (``save``, read back by :func:`load_potential`; no pickle, no code named by the file is run)::

    model/
      weights.safetensors   the network's tensors
      potential.json        format, the network's constructor arguments, the training states and
                            metadata, the physml and torch versions, the sha256 of weights.safetensors
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from .._io import check_output
from .._version import __version__
from ..errors import DataError, OutputExistsError, ParameterError
from ..sim.md import ForceField, neighbour_pairs
from ._graph import frame_graph, predict
from ._net import NET_KINDS, build_net

__all__ = ["LearnedPotential", "load_potential", "FORMAT"]

FORMAT = "physml-potential"
_WEIGHTS, _JSON = "weights.safetensors", "potential.json"


class LearnedPotential:
    """A trained network (float64, eval mode) and what it was trained on (``meta``: ``training_states``
    [[density, temperature], ...], ``force_std``, ``box_lengths``, ``config``, ...)."""

    def __init__(self, net: torch.nn.Module, meta: dict):
        self.net = net.double().eval()
        self.meta = dict(meta)
        self._nets = {torch.float64: self.net}

    def _net(self, dtype: torch.dtype) -> torch.nn.Module:
        if dtype not in self._nets:
            self._nets[dtype] = copy.deepcopy(self.net).to(dtype).eval()
        return self._nets[dtype]

    @property
    def cutoff(self) -> float:
        return self.net.cutoff

    @property
    def kind(self) -> str:
        return self.net.kind

    # -- evaluation ---------------------------------------------------------------------------------
    def evaluate(self, pos: np.ndarray, box_length: float | None, pairs: tuple[np.ndarray, np.ndarray] | None = None,
                 *, dtype: torch.dtype = torch.float64) -> tuple[float, np.ndarray, float]:
        """``(U, F, W)`` at ``pos`` ``(N, 3)`` in a periodic cube of side ``box_length`` (``None``: free atoms):
        total energy, forces, virial ``sum_pairs r_ij . f_ij``, computed in ``dtype`` (float64 by default;
        float32 halves the cost where rounding at 1e-7 does not matter, e.g. thermostatted runs)."""
        pos = np.asarray(pos, np.float64)
        if pos.ndim != 2 or pos.shape[1] != 3 or not np.all(np.isfinite(pos)):
            raise ParameterError.invalid("positions", "non-finite or not (N, 3)", "finite coordinates, shape (N, 3)")
        g = frame_graph(pos, box_length, self.cutoff, pairs).to("cpu", dtype)
        E, F, W = predict(self._net(dtype), g)
        return float(E[0].detach()), F.detach().numpy().astype(np.float64), float(W[0].detach())

    def density_distance(self, density: float) -> float:
        """How far ``density`` lies outside the training densities (0 inside their range)."""
        rhos = [s[0] for s in self.meta.get("training_states", [])]
        if not rhos:
            return 0.0
        return float(max(min(rhos) - density, density - max(rhos), 0.0))

    def check_density(self, density: float, *, tolerance: float = 0.0) -> float:
        """:class:`ParameterError` naming the distance from the training states if ``density`` lies more than
        ``tolerance`` outside the training densities; returns the distance."""
        dist = self.density_distance(density)
        if dist > tolerance:
            states = ", ".join(f"(rho {r:g}, T {t:g})" for r, t in self.meta["training_states"])
            raise ParameterError.invalid(
                "density", density, f"within the model's training densities (it is {dist:.3g} sigma^-3 outside "
                f"the states it was trained on: {states}); a learned potential extrapolates poorly. "
                "Pass --allow-extrapolation to run anyway")
        return dist

    def force_field(self, box_length: float, *, skin: float = 0.3, dtype: torch.dtype = torch.float64) -> ForceField:
        """This potential as the MD engine's force callable for a periodic cube of side ``box_length``, with a
        Verlet neighbour list (cutoff + ``skin``) from the engine's cell lists, rebuilt when a particle has
        moved more than ``skin / 2``; pairs between the cutoff and the list radius contribute exactly zero."""
        L = float(box_length)
        if self.cutoff > L / 2:
            raise ParameterError.invalid("cutoff", self.cutoff, f"<= half the box side L/2 = {L / 2:.4g} sigma")
        skin = float(min(skin, L / 2 - self.cutoff))
        state: dict = {"rebuilds": 0}

        def force_field(pos: np.ndarray) -> tuple[float, np.ndarray, float]:
            ref = state.get("ref")
            if ref is not None:
                d = pos - ref
                d -= L * np.rint(d / L)
            if ref is None or np.max(np.sum(d * d, axis=1)) > 0.25 * skin * skin:
                state["pairs"] = neighbour_pairs(pos, L, self.cutoff + skin)
                state["ref"] = pos.copy()
                state["rebuilds"] += 1
            return self.evaluate(pos, L, state["pairs"], dtype=dtype)

        force_field.state = state
        return force_field

    # -- persistence --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, *, force: bool = False, metadata: dict | None = None) -> Path:
        """Write the directory ``path`` atomically (refused if it exists, unless ``force``)."""
        from safetensors.torch import save_file

        path = check_output(path, force=force, kind="dir")
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        try:
            save_file({k: v.detach().contiguous().cpu() for k, v in self.net.state_dict().items()},
                      str(tmp / _WEIGHTS))
            info = {"format": FORMAT, "format_version": 1, "network": self.net.config(), "meta": self.meta,
                    "metadata": metadata or {}, "versions": {"physml": __version__, "torch": torch.__version__},
                    "sha256": {_WEIGHTS: _sha256(tmp / _WEIGHTS)}}
            (tmp / _JSON).write_text(json.dumps(info, indent=2, allow_nan=False), encoding="utf-8")
            if path.exists():
                if not force:
                    raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_potential(path: str | os.PathLike) -> LearnedPotential:
    """Read what :meth:`LearnedPotential.save` wrote; :class:`DataError` (one line) if missing, corrupt or not
    a physml potential."""
    from safetensors.torch import load_file

    path = Path(path)
    if not (path / _JSON).is_file() or not (path / _WEIGHTS).is_file():
        raise DataError(f"{str(path)!r} is not a physml potential directory ({_JSON} and {_WEIGHTS} expected)")
    try:
        info = json.loads((path / _JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{str(path / _JSON)!r} is not valid JSON: {exc}") from None
    if info.get("format") != FORMAT or info.get("network", {}).get("kind") not in NET_KINDS:
        raise DataError(f"{str(path / _JSON)!r} does not describe a physml potential")
    if _sha256(path / _WEIGHTS) != info.get("sha256", {}).get(_WEIGHTS):
        raise DataError(f"{str(path / _WEIGHTS)!r} is corrupt or was modified (sha256 mismatch)")
    try:
        with torch.random.fork_rng():  # the initial weights drawn here are overwritten; keep the global stream
            net = build_net(info["network"]).double()
        net.load_state_dict(load_file(str(path / _WEIGHTS)))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise DataError(f"{str(path)!r} could not be loaded: {' '.join(str(exc).split())[:300]}") from None
    return LearnedPotential(net, info.get("meta", {}))
