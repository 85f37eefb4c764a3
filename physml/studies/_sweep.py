"""Sweeps: a grid of ordinary study runs (seeds x swept Config fields), locally or on Ray, and their aggregate.

Every trial is a normal run: :func:`run_study` then :func:`physml.runs.write_run`, so it has its own run
directory and registry row, and its ``config.json`` records ``sweep_id`` and ``sweep_trial``. The sweep then
writes one more run, ``sweep-<study>-...``, whose report aggregates the trials: per metric the mean, the
standard deviation and every value, the audit pass rates, and each headline metric against each swept field.

Backends (the names follow Ray Tune's: a *trial* is one configuration, ``max_concurrent`` bounds the trials
in flight, ``resources_per_trial`` is ``threads_per_trial`` CPUs):

* ``local``: trials one after another in this process; Ray is never imported.
* ``ray``: each trial is a Ray task with ``num_cpus = threads_per_trial`` and its torch, OpenMP, BLAS and
  Numba threads set to that share (so concurrent trials do not fight over cores). With no ``address``
  a local Ray instance sized to the machine's free cores is started (its temporary folder under the
  system's temp dir, not the home folder) and shut down at the end; with ``address`` the sweep joins an
  existing cluster (whose workers must see ``runs_dir``). A trial whose worker process dies is retried by
  Ray (``max_retries``); an exception inside a trial is not retried (it would fail again).

Resume: the sweep's specification is written at the start to ``<runs_dir>/sweeps/<sweep_id>.json``. Running
the same command again with ``resume=<sweep_id>`` skips every trial whose run is already in the registry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_text
from ..distributed import BACKENDS
from ..errors import DataError, ParameterError
from ..result import StudyResult, new_figure
from ..validation import check_choice, check_int
from ._registry import get_study
from ._runner import available_threads, make_config, run_study

__all__ = ["SweepSpec", "Trial", "parse_seeds", "parse_grid", "plan_sweep", "run_sweep", "aggregate", "BACKENDS",
           "trial_digest", "read_trial_log", "resume_line"]

SWEEPS_DIR = "sweeps"


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """What a sweep runs: the study, its preset, the seeds and ``grid`` (field -> values; one value = fixed)."""

    study: str
    quick: bool
    seeds: tuple[int, ...]
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    device: str = "auto"

    @property
    def swept(self) -> list[str]:
        """The fields that take more than one value."""
        return [name for name, values in self.grid if len(values) > 1]

    def to_json(self) -> dict[str, Any]:
        return {"study": self.study, "quick": self.quick, "seeds": list(self.seeds),
                "grid": [[name, list(values)] for name, values in self.grid], "device": self.device}


@dataclasses.dataclass(frozen=True)
class Trial:
    """One grid point: ``seed`` and the ``overrides`` (every grid field), and its stable ``key``."""

    seed: int
    overrides: dict[str, Any]

    @property
    def key(self) -> str:
        return json.dumps({"seed": self.seed, **{k: _jsonable(v) for k, v in self.overrides.items()}},
                          sort_keys=True)


def _jsonable(value: Any) -> Any:
    return [_jsonable(v) for v in value] if isinstance(value, (list, tuple)) else value


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


# ---------------------------------------------------------------------------- parsing
def parse_seeds(text: str) -> tuple[int, ...]:
    """``'0:4'`` (start:stop, stop excluded as in Python: 0, 1, 2, 3) or ``'0,3,7'``."""
    from ..validation import check_seed

    allowed = "'start:stop' (stop excluded, e.g. 0:4 = seeds 0-3) or a list '0,3,7'"
    try:
        if ":" in text:
            start, stop = (int(p) for p in text.split(":"))
            seeds = tuple(range(start, stop))
        else:
            seeds = tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ParameterError.invalid("seeds", text, allowed) from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise ParameterError.invalid("seeds", text, allowed + ", at least one, no repeats")
    return tuple(check_seed("seeds", s) for s in seeds)


def _split_top_level(text: str) -> list[str]:
    """``'1,[2,3],"a,b"'`` -> ``['1', '[2,3]', '"a,b"']``: commas inside brackets or quotes do not split."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def parse_grid(items: list[str]) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """``--set field=v1,v2,...`` options as ``((field, (v1, v2, ...)), ...)``; each value JSON or text."""
    grid: dict[str, tuple[Any, ...]] = {}
    for item in items:
        field, sep, text = item.partition("=")
        if not sep or not field.strip() or not text:
            raise ParameterError.invalid("set", item, "field=v1,v2,... e.g. epochs=5,10")
        values = []
        for part in _split_top_level(text):
            try:
                values.append(_tuples(json.loads(part)))
            except ValueError:
                values.append(part)
        if len(set(map(repr, values))) != len(values):
            raise ParameterError.invalid("set", item, "distinct values")
        grid[field.strip()] = tuple(values)
    return tuple(grid.items())


def plan_sweep(spec: SweepSpec) -> list[Trial]:
    """Every trial of ``spec``, each config validated (names, types, ranges) before any compute."""
    module = get_study(spec.study).load()
    names = [name for name, _ in spec.grid]
    trials = []
    for values in itertools.product(*(v for _, v in spec.grid)):
        overrides = dict(zip(names, values))
        make_config(module, quick=spec.quick, overrides=overrides)  # raises the one-line error
        trials.extend(Trial(seed, overrides) for seed in spec.seeds)
    return trials


# ---------------------------------------------------------------------------- one trial
def run_trial(study: str, quick: bool, seed: int, overrides: dict[str, Any], threads: int, runs_dir: str,
              device: str, sweep_id: str, key: str, hook: Callable[[str, int], None] | None = None,
              checkpoint_every: int | None = None) -> dict[str, Any]:
    """Run one trial as a normal run (run directory + registry row); return its path, metrics and attempt.

    Each attempt appends a line to the trial's log ``<runs_dir>/sweeps/<sweep_id>.trials/<digest>.jsonl``
    (``start`` with the process id, then ``done`` with the run and the checkpoints it resumed from); its
    checkpoints live under the trial's fixed key, so a retried trial resumes from them.
    """
    from ..checkpoint import resumable
    from ..runs import write_run

    digest = trial_digest(key)
    log = Path(runs_dir) / SWEEPS_DIR / f"{sweep_id}.trials" / f"{digest}.jsonl"
    attempt = 1 + sum(e.get("event") == "start" for e in read_trial_log(log))
    _append_line(log, {"event": "start", "attempt": attempt, "pid": os.getpid(), "time": time.time()})
    if hook is not None:  # tests: simulate a worker that dies mid-trial
        hook(key, seed)
    start = time.perf_counter()
    spec = {"study": study, "quick": quick, "seed": seed, "overrides": _jsonable(overrides), "device": device}
    # a trial retried after its worker died continues from its training loops' last checkpoints
    with resumable(runs_dir, study, spec, run_key=f"{sweep_id}-{digest}", every_steps=checkpoint_every,
                   every_seconds=None if checkpoint_every else 30.0) as session:
        result = run_study(study, quick=quick, seed=seed, progress=False, device=device, overrides=overrides,
                           threads=threads)
    resumed = [[loop, step] for loop, step in session.resumed]
    result.config.update(sweep_id=sweep_id, sweep_trial=key, sweep_attempt=attempt, sweep_resumed_from=resumed)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    _append_line(log, {"event": "done", "attempt": attempt, "run": record.id, "resumed_from": resumed})
    return {"key": key, "path": str(record.path), "id": record.id, "metrics": record.metrics, "attempt": attempt,
            "resumed_from": resumed}


def trial_digest(key: str) -> str:
    """The short hash naming a trial's checkpoint folder (``<sweep_id>-<digest>``) and its log."""
    return hashlib.sha1(key.encode()).hexdigest()[:10]


def read_trial_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The events of a trial's log (a line cut short by a kill is skipped)."""
    try:
        lines = Path(path).read_text().splitlines()
    except FileNotFoundError:
        return []
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def _append_line(path: Path, event: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:  # one short write in append mode: lines of concurrent attempts do not interleave
        f.write(json.dumps(event) + "\n")


def resume_line(rec: dict[str, Any]) -> str | None:
    """One line saying from which checkpoints a trial resumed (None when it started from scratch)."""
    if not rec.get("resumed_from"):
        return None
    where = ", ".join(f"{loop} step {step}" for loop, step in rec["resumed_from"])
    return f"trial {rec['key']} resumed from checkpoint {where} (attempt {rec.get('attempt')})"


def _ray_trial(*args: Any) -> dict[str, Any]:
    """:func:`run_trial` in a Ray worker: thread variables set to the trial's share before torch or Numba load
    (a runtime_env would start a fresh worker pool, seconds per worker on a loaded machine)."""
    from ..distributed import set_thread_share

    set_thread_share(args[4])
    return run_trial(*args)


# ---------------------------------------------------------------------------- the sweep
def _journal(runs_dir: Path, sweep_id: str) -> Path:
    return runs_dir / SWEEPS_DIR / f"{sweep_id}.json"


def _finished(runs_dir: Path, sweep_id: str) -> dict[str, dict[str, Any]]:
    """Trials of ``sweep_id`` already registered, by key."""
    from ..runs import Registry

    if not (runs_dir / "registry.sqlite").exists():
        return {}
    done = {}
    for rec in Registry(runs_dir).list():
        if rec.config.get("sweep_id") == sweep_id and "sweep_trial" in rec.config:
            done[rec.config["sweep_trial"]] = {"key": rec.config["sweep_trial"], "path": str(rec.path), "id": rec.id,
                                               "metrics": rec.metrics, "attempt": rec.config.get("sweep_attempt"),
                                               "resumed_from": rec.config.get("sweep_resumed_from", [])}
    return done


def run_sweep(spec: SweepSpec, runs_dir: str | os.PathLike, *, backend: str = "local", address: str | None = None,
              max_concurrent: int | None = None, threads_per_trial: int | None = None, resume: str | None = None,
              max_retries: int = 2, on_trial: Callable[[dict[str, Any], bool], None] | None = None,
              on_start: Callable[[str, int, int], None] | None = None,
              trial_hook: Callable[[str, int], None] | None = None, ray_init: dict[str, Any] | None = None,
              checkpoint_every: int | None = None):
    """Run the grid of ``spec`` and write the aggregate run; return ``(sweep_id, records, sweep_record)``.

    ``on_start(sweep_id, n_trials, n_skipped)`` and ``on_trial(record, skipped)`` report progress (a record's
    ``attempt`` and ``resumed_from``: the checkpoints a retried trial continued from, see :func:`resume_line`).
    ``checkpoint_every``: the trials' training loops checkpoint every N steps/epochs (default: every 30 s).
    ``ray_init``: extra keyword arguments for ``ray.init`` (tests fix ``num_cpus``).
    """
    from ..runs import write_run

    check_choice("backend", backend, BACKENDS)
    max_retries = check_int("max_retries", max_retries, 0)
    if checkpoint_every is not None:
        checkpoint_every = check_int("checkpoint_every", checkpoint_every, 1)
    runs_dir = Path(runs_dir)
    trials = plan_sweep(spec)
    if resume is not None:
        journal = _journal(runs_dir, resume)
        if not journal.is_file():
            raise DataError(f"no sweep {resume!r} to resume: {str(journal)!r} does not exist")
        recorded = json.loads(journal.read_text())
        if recorded["spec"] != json.loads(json.dumps(spec.to_json())):  # as JSON: tuple values are lists there
            raise ParameterError.invalid("resume", resume, "a sweep with the same study, preset, seeds and --set "
                                         f"values (it ran {json.dumps(recorded['spec'])})")
        sweep_id = resume
    else:
        sweep_id = f"{spec.study}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        atomic_write_text(_journal(runs_dir, sweep_id), json.dumps({"sweep_id": sweep_id, "spec": spec.to_json()},
                                                                   indent=2) + "\n")
    done = _finished(runs_dir, sweep_id)
    todo = [t for t in trials if t.key not in done]
    if on_start is not None:
        on_start(sweep_id, len(trials), len(trials) - len(todo))
    for t in trials:
        if t.key in done and on_trial is not None:
            on_trial(done[t.key], True)
    start = time.perf_counter()
    records = dict(done)
    if backend == "local":
        threads = check_int("threads_per_trial", threads_per_trial or available_threads(), 1)
        for t in todo:
            rec = run_trial(spec.study, spec.quick, t.seed, t.overrides, threads, str(runs_dir), spec.device,
                            sweep_id, t.key, trial_hook, checkpoint_every)
            records[t.key] = rec
            if on_trial is not None:
                on_trial(rec, False)
        slots = 1
    else:
        threads, slots = _run_on_ray(spec, todo, runs_dir, sweep_id, records, address=address,
                                     max_concurrent=max_concurrent, threads_per_trial=threads_per_trial,
                                     max_retries=max_retries, on_trial=on_trial, trial_hook=trial_hook,
                                     ray_init=ray_init or {}, checkpoint_every=checkpoint_every)
    ordered = [records[t.key] for t in trials]
    result = aggregate(spec, trials, ordered, sweep_id=sweep_id, backend=backend, threads_per_trial=threads,
                       max_concurrent=slots, skipped=len(trials) - len(todo))
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    return sweep_id, ordered, record


def _run_on_ray(spec: SweepSpec, todo: list[Trial], runs_dir: Path, sweep_id: str, records: dict[str, Any], *,
                address: str | None, max_concurrent: int | None, threads_per_trial: int | None, max_retries: int,
                on_trial, trial_hook, ray_init: dict[str, Any], checkpoint_every: int | None) -> tuple[int, int]:
    from ..distributed import ray_session

    cpus_here = available_threads() if max_concurrent is None and threads_per_trial is None else \
        max(available_threads(), (max_concurrent or 1) * (threads_per_trial or 1))
    with ray_session(address, cpus_here, **ray_init) as ray:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        slots = check_int("max_concurrent", max_concurrent or max(1, cpus // (threads_per_trial or 1)), 1)
        threads = check_int("threads_per_trial", threads_per_trial or max(1, cpus // slots), 1)
        task = ray.remote(_ray_trial).options(num_cpus=threads, max_retries=max_retries, retry_exceptions=False)
        pending: dict[Any, Trial] = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < slots:
                t = queue.pop(0)
                ref = task.remote(spec.study, spec.quick, t.seed, t.overrides, threads, str(runs_dir.resolve()),
                                  spec.device, sweep_id, t.key, trial_hook, checkpoint_every)
                pending[ref] = t
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                pending.pop(ref)
                rec = ray.get(ref)
                records[rec["key"]] = rec
                if on_trial is not None:
                    on_trial(rec, False)
        return threads, slots


# ---------------------------------------------------------------------------- the aggregate
def _headline(names: list[str]) -> list[str]:
    """Metrics that describe the result (not audit checks, not timing)."""
    return [n for n in names if not n.startswith("audit_") and n != "wall_seconds"]


def aggregate(spec: SweepSpec, trials: list[Trial], records: list[dict[str, Any]], *, sweep_id: str,
              backend: str, threads_per_trial: int, max_concurrent: int, skipped: int = 0) -> StudyResult:
    """The sweep's own result: metric mean, std and values over the trials, audit pass rates, plots."""
    config = {"study": spec.study, "sweep_id": sweep_id, "quick": spec.quick, "seeds": list(spec.seeds),
              "grid": {name: list(values) for name, values in spec.grid}, "swept": spec.swept, "backend": backend,
              "threads_per_trial": threads_per_trial, "max_concurrent": max_concurrent,
              "trials": [{"key": r["key"], "run": Path(r["path"]).name} for r in records],
              "resumed_trials_skipped": skipped,
              "trials_retried": [{"key": r["key"], "attempt": r.get("attempt"), "resumed_from": r.get("resumed_from")}
                                 for r in records if (r.get("attempt") or 1) > 1 or r.get("resumed_from")]}
    result = StudyResult(f"sweep-{spec.study}", config, title=f"Sweep of {spec.study}: {len(trials)} trials")
    swept = spec.swept
    result.summary = (f"{len(trials)} runs of {spec.study}{' (quick preset)' if spec.quick else ''}: seeds "
                      f"{', '.join(map(str, spec.seeds))}" + (f"; swept: {', '.join(swept)}" if swept else "") +
                      f". Backend {backend}, {threads_per_trial} thread(s) per trial, up to {max_concurrent} at once."
                      + (f" {skipped} trial(s) were finished before a resume and not rerun." if skipped else "")
                      + "".join(f" The {line[0].lower()}{line[1:]}." for r in records if (line := resume_line(r))))
    numeric = [n for n in records[0]["metrics"]
               if all(isinstance(r["metrics"].get(n), (int, float)) for r in records)]
    rows = []
    for name in numeric:
        values = np.array([float(r["metrics"][name]) for r in records])
        std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        if name.endswith("_passed"):
            continue
        result.add_metric(f"{name}_mean", float(values.mean()))
        result.add_metric(f"{name}_std", std)
        rows.append([name, float(values.mean()), std, ", ".join(f"{v:.6g}" for v in values)])
    result.add_table("Metrics over the trials (mean, sample standard deviation, every value in trial order)",
                     ["metric", "mean", "std", "values"], rows)
    audits = [n for n in numeric if n.startswith("audit_") and n.endswith("_passed")]
    audit_rows = []
    for name in audits:
        rate = float(np.mean([float(r["metrics"][name]) for r in records]))
        result.add_metric(f"{name[:-len('_passed')]}_pass_rate", rate)
        audit_rows.append([name[:-len("_passed")], rate, f"{round(rate * len(records))}/{len(records)}"])
    result.add_table("Audit pass rates", ["audit or check", "pass rate", "passed"], audit_rows)
    by_trial = []
    for t, r in zip(trials, records):
        by_trial.append([t.seed, *[json.dumps(_jsonable(t.overrides[f])) for f in swept], Path(r["path"]).name,
                         "pass" if all(r["metrics"].get(a, 1.0) == 1.0 for a in audits) else "FAIL",
                         r.get("attempt") or "",
                         ", ".join(f"{loop} step {k}" for loop, k in r.get("resumed_from") or [])])
    result.add_table("Trials", ["seed", *swept, "run", "audits", "attempt", "resumed from checkpoint"], by_trial)
    result.add_metric("trials", len(records))
    headline = _headline(numeric)
    for field in (swept or ["seed"]):
        _plot_against(result, field, headline, trials, records)
    return result


def _plot_against(result: StudyResult, field: str, metrics: list[str], trials: list[Trial],
                  records: list[dict[str, Any]]) -> None:
    if not metrics:
        return
    xs = [t.seed if field == "seed" else t.overrides[field] for t in trials]
    numeric_x = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
    labels = sorted({json.dumps(_jsonable(x)) for x in xs}) if not numeric_x else []
    pos = [float(x) if numeric_x else labels.index(json.dumps(_jsonable(x))) for x in xs]
    cols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / cols)
    fig = new_figure(figsize=(4.2 * cols, 2.8 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, cols)).ravel()
    for ax, name in zip(axes, metrics):
        ys = [float(r["metrics"][name]) for r in records]
        ax.plot(pos, ys, "o", alpha=0.7)
        groups: dict[float, list[float]] = {}
        for p, y in zip(pos, ys):
            groups.setdefault(p, []).append(y)
        gx = sorted(groups)
        if field != "seed" and len(gx) > 1:
            ax.errorbar(gx, [np.mean(groups[g]) for g in gx], yerr=[np.std(groups[g]) for g in gx], color="k",
                        capsize=3, lw=1)
        if labels:
            ax.set_xticks(range(len(labels)), labels, rotation=20, fontsize=7)
        ax.set_xlabel(field)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    digest = hashlib.sha1(field.encode()).hexdigest()[:6]
    result.add_figure(f"headline_vs_{field}"[:60] + f"_{digest}", fig,
                      f"Each headline metric of every trial against {field}"
                      + (" (black: mean and standard deviation over the seeds)." if field != "seed" else "."))
