"""Ray, when asked for: a local instance sized to this machine (or a cluster joined by address), thread shares.

Nothing here imports Ray at module level: the single-process path (``backend="local"``) never loads it.
``ray_session`` starts Ray only if it is not running yet (a caller's instance, e.g. a test's, is reused and
left running), with its temporary folder under the system's temp dir rather than the home folder, no
dashboard and no usage reporting; it shuts down what it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from .validation import check_choice

__all__ = ["BACKENDS", "check_backend", "ray_session", "thread_env", "set_thread_share"]

BACKENDS = ("local", "ray")


def check_backend(backend: str) -> str:
    return check_choice("backend", backend, BACKENDS)


def thread_env(threads: int) -> dict[str, str]:
    """Environment variables that cap OpenMP, BLAS and Numba at ``threads`` threads."""
    return {name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                            "NUMBA_NUM_THREADS")}


def set_thread_share(threads: int) -> None:
    """In a worker: this process's thread share (environment for libraries not loaded yet, torch now)."""
    os.environ.update(thread_env(threads))
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None, **init: Any) -> Iterator[Any]:
    """``ray`` initialised (started here with ``num_cpus``, or joined at ``address``); yields the module."""
    import ray

    if ray.is_initialized():
        yield ray
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    temp_dir = None
    if address:
        kwargs["address"] = address
    else:
        temp_dir = tempfile.mkdtemp(prefix="physml-ray-")
        kwargs.update(num_cpus=num_cpus, _temp_dir=temp_dir, object_store_memory=100 * 1024**2)
    kwargs.update(init)
    ray.init(**kwargs)
    try:
        yield ray
    finally:
        ray.shutdown()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
