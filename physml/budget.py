"""A memory budget checked before allocating: refuse a request that cannot fit, in well under a second.

Each simulator's request is estimated from its parameters (:func:`estimate`), a dataset load from the HDF5
header (what :meth:`physml.data.Dataset.load` checks), a table from its file size; :func:`check_memory`
compares the estimate with the budget and raises :class:`~physml.errors.ResourceError`, one line stating the
estimate and the budget. The budget is, in order: :func:`set_budget` (the command line's ``--max-memory``),
the environment variable ``PHYSML_MAX_MEMORY``, else the memory the machine has available now
(``MemAvailable`` in ``/proc/meminfo``, or the cgroup's limit if lower). Sizes are written ``500M``, ``2G``,
``1.5GiB`` or a number of bytes.

The estimates count the arrays a request keeps plus the working copies its code makes (and the in-memory
HDF5 image of the output); they are meant to be within a factor of about two, which is all a refusal needs.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

from .errors import ParameterError, ResourceError

__all__ = ["ENV", "parse_size", "format_size", "available_memory", "memory_budget", "set_budget", "check_memory",
           "estimate", "ESTIMATES", "take_option", "check_simulation"]

ENV = "PHYSML_MAX_MEMORY"
_override: int | None = None
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024**2, "mb": 1000**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1000**3, "gib": 1024**3, "t": 1024**4, "tb": 1000**4, "tib": 1024**4}


def parse_size(text: str | int, name: str = "max_memory") -> int:
    """``"2G"``, ``"500M"``, ``"1.5GiB"``, ``"1e9"`` or an int as a number of bytes (> 0)."""
    allowed = "a memory size such as 500M, 2G, 1.5GiB or a number of bytes (> 0)"
    if isinstance(text, int) and not isinstance(text, bool):
        value = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9.]+(?:e[+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
        if not m or m.group(2).lower() not in _UNITS:
            raise ParameterError.invalid(name, text, allowed)
        try:
            value = float(m.group(1)) * _UNITS[m.group(2).lower()]
        except ValueError:
            raise ParameterError.invalid(name, text, allowed) from None
    if not math.isfinite(value) or value < 1:
        raise ParameterError.invalid(name, text, allowed)
    return int(value)


def format_size(n: float) -> str:
    """Bytes as ``"9.3 GiB"``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"  # pragma: no cover


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int:
    """Bytes of memory available to this process now (MemAvailable, capped by a cgroup limit)."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 4 * 1024**3
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        avail = min(avail, max(limit - used, 0))
    return int(avail)


def set_budget(size: str | int | None) -> None:
    """Set the budget for this process (``None``: back to the environment / available memory)."""
    global _override
    _override = None if size is None else parse_size(size)


def memory_budget() -> tuple[int, str]:
    """``(bytes, where it comes from)``."""
    if _override is not None:
        return _override, "--max-memory"
    env = os.environ.get(ENV)
    if env:
        return parse_size(env, ENV), ENV
    return available_memory(), "available memory"


def check_memory(what: str, nbytes: float, detail: str = "") -> None:
    """Raise :class:`ResourceError` if ``what`` needs more than the budget (``nbytes`` estimated)."""
    budget, source = memory_budget()
    if not nbytes <= budget:  # also refuses NaN
        detail = f" ({detail})" if detail else ""
        raise ResourceError(f"{what} needs about {format_size(nbytes)} of memory{detail}, more than the budget of "
                            f"{format_size(budget)} ({source}); make the request smaller or raise --max-memory "
                            f"(or {ENV})")


def take_option(argv: list[str]) -> list[str]:
    """Remove ``--max-memory SIZE`` / ``--max-memory=SIZE`` from ``argv`` (anywhere), applying it; return the rest."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg == "--max-memory":
            if i + 1 >= len(argv):
                raise ParameterError.invalid("max_memory", None, "a memory size such as 500M or 2G")
            set_budget(argv[i + 1])
            i += 2
            continue
        if arg.startswith("--max-memory="):
            set_budget(arg.split("=", 1)[1])
            i += 1
            continue
        out.append(arg)
        i += 1
    return out


# ---------------------------------------------------------------------------- estimates per simulator
def _ising(p: Mapping[str, Any]) -> float:
    n = p["n_temperatures"] * p["samples"]
    lattice = float(p["L"]) ** 2
    return n * lattice * 2 + lattice * 24 + n * 8 * 8  # int8 spins (+ HDF5 image), work lattices, observables


def _schrodinger(p: Mapping[str, Any]) -> float:
    grid = float(p["n_points"]) ** 2
    kept = p["n_potentials"] * grid * 8 * 2  # potentials (+ image)
    solver = grid * (5 * 12 + 8 * (2 * p["n_states"] + 25))  # sparse Laplacian + Lanczos vectors
    return kept + solver + p["n_potentials"] * p["n_states"] * 8


def _md(p: Mapping[str, Any]) -> float:
    n = float(p["n"])
    rows = (p["steps"] // max(p["every"], 1) + 1) * 6 * 8 * 3
    frames = (p["steps"] // p["frames"] + 1) * n * 24 * 3 if p["frames"] else 0.0
    return n * (24 * 10 + 120 * 8) + rows + frames  # particles + neighbour lists, observables, frames


def _burgers(p: Mapping[str, Any]) -> float:
    field = float(p["n_samples"]) * p["n_grid"]
    return field * 8 * (p["n_save"] + 1) * 2 + field * 16 * 12


def _navier_stokes(p: Mapping[str, Any]) -> float:
    field = float(p["n_samples"]) * p["n_grid"] ** 2
    return field * 8 * (p["n_save"] + 1) * 2 + float(p["n_grid"]) ** 2 * 16 * 20 + field * 8 * 2


def _scattering(p: Mapping[str, Any]) -> float:
    return float(p["n_samples"]) * p["n_frequencies"] * 8 * 10 + p["n_samples"] * 8 * 10


def _heat(p: Mapping[str, Any]) -> float:
    return float(p["n_samples"]) * (p["n_sensors"] * p["n_times"] * 8 * 4 + 64 * 8 * 4)


def _quantum(p: Mapping[str, Any]) -> float:
    dim = 2.0 ** p.get("n_spins", 1)
    return dim * dim * 16 * 6 + float(p["n_trajectories"]) * p["n_times"] * (dim * 16 + 8 * 40)


def _per_sample(bytes_per_sample: float):
    return lambda p: float(p["n_samples"]) * bytes_per_sample


ESTIMATES = {
    "ising": _ising, "schrodinger": _schrodinger, "md": _md, "burgers": _burgers, "navier-stokes": _navier_stokes,
    "scattering": _scattering, "heat": _heat, "quantum-dynamics": _quantum,
    "water-phases": _per_sample(30 * 8), "pipe-flow": _per_sample(40 * 8),
}
"""Simulator name -> function of its size parameters giving the bytes it needs."""


def estimate(system: str, **params: Any) -> float:
    """Estimated bytes ``physml simulate <system>`` needs with these size parameters (see :data:`ESTIMATES`)."""
    return float(ESTIMATES[system](params))


def check_simulation(system: str, **params: Any) -> None:
    """:func:`check_memory` for ``simulate <system>``; the message names the size parameters."""
    detail = ", ".join(f"{k}={v}" for k, v in params.items())
    check_memory(f"simulate {system}", estimate(system, **params), detail)

