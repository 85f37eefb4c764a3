"""The study runner: what every study would otherwise repeat.

A study module holds a frozen ``Config`` dataclass (the default preset, one docstring per field),
``QUICK`` (the ``--quick`` preset, a second instance of it) and ``run(config, ctx) -> StudyResult``.
:func:`run_study` owns everything else:

* the preset and ``overrides`` (``--set field=value``): an unknown field names the valid ones, a value
  of the wrong type is one line (:func:`physml.validation.check_annotations`), then the Config's own
  ``__post_init__`` checks ranges; all before any compute;
* the seed (an integer in [0, 2**32 - 1]) and the device (``auto`` resolved once, CUDA checked);
* thread limits: torch, BLAS/OpenMP (threadpoolctl) and Numba run with ``ctx.threads`` threads and are
  restored afterwards. A module may set ``THREADS = 1`` when it trains many tiny networks, where a thread
  pool costs more than it gains (measured on the transfer studies: 6.5 min instead of about 1 with 2 threads
  on a loaded 2-core machine);
* the config record (``{**asdict(config), "seed", "device", "quick", "threads"}`` plus what the study adds);
* audits: every audit in ``result.audits`` has its metrics in ``result.metrics`` (merged here, so an audit
  can never be silently dropped), and the runner fails loudly if a study returns a result for another name.

Timing is the caller's (``physml.runs.write_run`` records ``wall_seconds``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError
from ..result import StudyResult
from ..validation import check_annotations, check_bool, check_int, check_seed
from ._registry import get_study

__all__ = ["StudyContext", "run_study", "make_config", "limit_threads", "available_threads", "read_config_file",
           "claim_threads"]


@dataclass(frozen=True)
class StudyContext:
    """What a study's ``run(config, ctx)`` gets besides its config.

    ``seed``: the run's seed (pass it on as ``seed=ctx.seed``; use :meth:`rng` for a named stream);
    ``device``: ``"cpu"`` or ``"cuda"``, already resolved; ``progress``: show progress bars;
    ``threads``: CPU threads the run is limited to; ``quick``: whether the quick preset is running.
    """

    study: str
    config: Any
    seed: int = 0
    device: str = "cpu"
    progress: bool = True
    threads: int = 1
    quick: bool = False

    def rng(self, *stream: int) -> np.random.Generator:
        """A NumPy generator: ``rng()`` is seeded with ``seed``; ``rng(k)`` an independent stream ``(seed, k)``."""
        return np.random.default_rng([self.seed, *stream] if stream else self.seed)

    def torch_generator(self, *stream: int):
        """A ``torch.Generator`` seeded from the same seed (and stream), on the run's device."""
        import torch

        g = torch.Generator(device=self.device)
        g.manual_seed(int(np.random.SeedSequence([self.seed, *stream]).generate_state(1, np.uint64)[0] >> 1)
                      if stream else self.seed)
        return g

    def result(self, title: str, **config_extra: Any) -> StudyResult:
        """A :class:`StudyResult` for this study, its config record filled in (plus ``config_extra``)."""
        record = {**dataclasses.asdict(self.config), "seed": self.seed, "device": self.device, "quick": self.quick,
                  "threads": self.threads, **config_extra}
        return StudyResult(self.study, record, title=title)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _claims_dir() -> str:
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"physml-threads-{os.getuid() if hasattr(os, 'getuid') else 0}")


def _claimed_by_others() -> int:
    """Threads claimed by other physml runs of this user that are still alive (stale claims are removed)."""
    folder, total = _claims_dir(), 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        pid_text, _, threads = name.partition("-")
        if not (pid_text.isdigit() and threads.isdigit()) or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))
            continue
        except PermissionError:
            pass
        total += int(threads)
    return total


def available_threads() -> int:
    """CPU threads this process may use: ``OMP_NUM_THREADS`` when set, else the cores it is allowed to run on
    (affinity) minus the threads other physml runs on this machine have claimed (:func:`claim_threads`), at
    least 1. So two studies started at once do not both take every core (torch and OpenMP slow down 5-50x
    when their threads outnumber the free cores); ``--threads`` overrides it. The count is recorded in the
    run's config (``threads``)."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return max(1, _cores() - _claimed_by_others())


@contextlib.contextmanager
def claim_threads(n: int) -> Iterator[None]:
    """Announce that this process uses ``n`` threads (a file ``<tmp>/physml-threads-<uid>/<pid>-<n>``) while the
    block runs, so that :func:`available_threads` in other physml processes counts them as taken."""
    folder = _claims_dir()
    path = os.path.join(folder, f"{os.getpid()}-{n}")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(path, "w"):
            pass
    except OSError:  # no writable temp dir: run without announcing
        path = ""
    try:
        yield
    finally:
        if path:
            with contextlib.suppress(OSError):
                os.remove(path)


@contextlib.contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """torch, BLAS/OpenMP (threadpoolctl) and Numba limited to ``n`` threads; all restored afterwards."""
    import torch
    from threadpoolctl import threadpool_limits

    n = check_int("threads", n, 1)
    torch_before = torch.get_num_threads()
    numba_before = None
    try:
        import numba

        numba_before = numba.get_num_threads()
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    except (ImportError, RuntimeError, ValueError):  # no numba, or its threading layer refuses
        numba_before = None
    torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield
    finally:
        torch.set_num_threads(torch_before)
        if numba_before is not None:
            import numba

            numba.set_num_threads(numba_before)


def make_config(module: ModuleType, *, quick: bool = False, overrides: dict[str, Any] | None = None) -> Any:
    """The module's preset with ``overrides`` applied and validated (names, then types, then ranges)."""
    config = module.QUICK if quick else module.Config()
    if not overrides:
        return config
    fields = {f.name for f in dataclasses.fields(config)}
    for name in overrides:
        if name not in fields:
            raise ParameterError.invalid("set", name, "a field of this study's Config: " + ", ".join(sorted(fields)))
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    # Check types on a copy that skips __post_init__, so a wrong type is reported as such, not as a range error.
    probe = object.__new__(type(config))
    for f in dataclasses.fields(config):
        object.__setattr__(probe, f.name, values.get(f.name, getattr(config, f.name)))
    check_annotations(probe)
    values = {k: getattr(probe, k) for k in values}
    return dataclasses.replace(config, **values)


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """Config overrides from a TOML file (``--config file.toml``): top-level ``field = value`` lines, arrays as
    tuples. They go through :func:`make_config` like ``--set`` (which, given too, wins field by field)."""
    import tomllib

    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise DataError(f"cannot read config file {path!r}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"config file {path!r} is not valid TOML: {exc}") from None
    for key, value in data.items():
        if isinstance(value, dict):
            raise ParameterError.invalid(f"config {key}", "a table", "field = value lines at the top level "
                                         "(no [sections]); `physml study show NAME` lists the fields")
    return {k: _tuples(v) for k, v in data.items()}


def run_study(name: str, *, quick: bool = False, seed: int = 0, progress: bool = True, device: str = "auto",
              overrides: dict[str, Any] | None = None, threads: int | None = None) -> StudyResult:
    """Run a registered study with its default or quick preset (plus ``overrides``); see the module docstring."""
    from ..device import resolve_device

    info = get_study(name)
    seed = check_seed("seed", seed)
    check_bool("quick", quick)
    resolved = resolve_device(device).type
    module = info.load()
    config = make_config(module, quick=quick, overrides=overrides)
    if threads is None:
        threads = getattr(module, "THREADS", None) or available_threads()
    threads = check_int("threads", threads, 1)
    ctx = StudyContext(name, config, seed=seed, device=resolved, progress=progress, threads=threads, quick=quick)
    with claim_threads(threads), limit_threads(threads):
        result = module.run(config, ctx)
    if not isinstance(result, StudyResult) or result.study != name:
        raise TypeError(f"study {name!r} returned {type(result).__name__} "
                        f"{getattr(result, 'study', '')!r}, not its StudyResult")
    for audit in result.audits:  # an audit appended by hand still reaches metrics.json
        result.metrics.update(audit.to_metrics())
    return result
