"""What the ``transfer-*`` studies share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["few_threads"]


@contextlib.contextmanager
def few_threads(device: str) -> Iterator[None]:
    """One torch / BLAS thread on the CPU while a study trains many tiny networks; restored after.

    The transfer studies fit hundreds of networks on 5-2000 rows, where a thread pool costs more
    than it gains; on a loaded 2-core machine, measured: the quick ``transfer-water`` took 6.5 min
    with the default threads, dominated by waits in the pool. On a GPU nothing changes.
    """
    import torch
    from threadpoolctl import threadpool_limits

    if device not in ("auto", "cpu"):
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(n)
