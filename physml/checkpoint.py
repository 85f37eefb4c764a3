"""Atomic training checkpoints: safetensors for tensors, JSON for everything else (never pickle).

A *checkpoint session* (:func:`checkpointing`) names a folder and how often to write; a training loop that
supports checkpoints asks :func:`slot` for its own :class:`Checkpointer` (``<folder>/<kind>-<n>``, ``n`` the
call's rank among loops of that kind in the session, so a study that trains several models in a fixed order
finds each one's checkpoint again). Without a session, :func:`slot` returns ``None`` and the loop runs as
before; the loop's only extra lines are a restore before it starts and ``ckpt.step(...)`` after each step.

A checkpoint is a folder ``step-<k>/`` with ``tensors.safetensors`` and ``state.json``, written under a
temporary name and renamed; ``latest.json`` (replaced atomically) then points at it, and older ones are
removed. A loop that finishes writes a final checkpoint marked ``done``: a resumed run restores it and skips
the loop, so the rest of the run sees exactly the state an uninterrupted run saw.

torch helpers: :func:`module_state`, :func:`optimizer_state` flatten state dicts to tensors + JSON;
:func:`restore_module`, :func:`restore_optimizer` put them back; RNG states travel as uint8 tensors (torch)
or JSON (NumPy bit generators).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError
from .validation import check_int, check_real

__all__ = ["Checkpointer", "CheckpointSession", "checkpointing", "slot", "module_state", "restore_module",
           "optimizer_state", "restore_optimizer", "Interrupted", "resumable", "CHECKPOINTS_DIR"]


class Interrupted(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a session's ``stop_after`` to simulate a run killed after a given checkpoint (tests)."""


@dataclass
class CheckpointSession:
    """Where and how often: every ``every_steps`` steps and/or ``every_seconds`` seconds (either due saves).

    ``stop_after``: ``(kind, step)`` raising :class:`Interrupted` right after that checkpoint is written
    (how tests kill a run at a chosen point). ``resume``: restore existing checkpoints (else start fresh)."""

    root: Path
    every_steps: int | None = 1
    every_seconds: float | None = None
    resume: bool = True
    stop_after: tuple[str, int] | None = None
    on_save: Callable[[str, int], None] | None = None
    before_first_save: Callable[[], None] | None = None
    resumed: list[tuple[str, int]] = field(default_factory=list)
    """``(loop, step)`` of every checkpoint a loop of this session resumed from (``train_module-0``, 5)."""
    _counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if self.every_steps is not None:
            self.every_steps = check_int("checkpoint_every", self.every_steps, 1)
        if self.every_seconds is not None:
            self.every_seconds = check_real("checkpoint_seconds", self.every_seconds, 0.0, closed="neither")


_SESSION: contextvars.ContextVar[CheckpointSession | None] = contextvars.ContextVar("physml_checkpoint",
                                                                                   default=None)


@contextlib.contextmanager
def checkpointing(root: str | os.PathLike, *, every_steps: int | None = 1, every_seconds: float | None = None,
                  resume: bool = True, stop_after: tuple[str, int] | None = None,
                  on_save: Callable[[str, int], None] | None = None) -> Iterator[CheckpointSession]:
    """Training loops run inside write checkpoints under ``root`` (and resume from them when ``resume``)."""
    session = CheckpointSession(Path(root), every_steps, every_seconds, resume, stop_after, on_save)
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)


def slot(kind: str) -> Checkpointer | None:
    """The next checkpoint slot of ``kind`` in the active session; ``None`` when no session is active."""
    session = _SESSION.get()
    if session is None:
        return None
    n = session._counts.get(kind, 0)
    session._counts[kind] = n + 1
    return Checkpointer(session.root / f"{kind}-{n}", session, kind)


class Checkpointer:
    """One training loop's checkpoints (see the module docstring)."""

    def __init__(self, directory: Path, session: CheckpointSession, kind: str):
        self.dir, self.session, self.kind = Path(directory), session, kind
        self._last_time = time.monotonic()
        self._last_step: int | None = None

    # ------------------------------------------------------------------ reading
    def load(self) -> tuple[int, dict[str, Any], dict[str, Any]] | None:
        """``(step, tensors, state)`` of the latest checkpoint, or ``None`` (none, or the session starts fresh)."""
        if not self.session.resume:
            return None
        latest = self.dir / "latest.json"
        if not latest.is_file():
            return None
        from safetensors.torch import load_file

        try:
            name = json.loads(latest.read_text())["checkpoint"]
            state = json.loads((self.dir / name / "state.json").read_text())
            tensors = load_file(str(self.dir / name / "tensors.safetensors"))
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"checkpoint in {str(self.dir)!r} is unreadable: {exc}") from None
        self._last_step = int(state["step"])
        self.session.resumed.append((self.dir.name, int(state["step"])))
        return int(state["step"]), tensors, state

    # ------------------------------------------------------------------ writing
    def due(self, step: int) -> bool:
        s = self.session
        by_steps = s.every_steps is not None and step % s.every_steps == 0
        by_time = s.every_seconds is not None and time.monotonic() - self._last_time >= s.every_seconds
        return by_steps or by_time

    def step(self, step: int, make: Callable[[], tuple[dict[str, Any], dict[str, Any]]], *, done: bool = False,
             force: bool = False) -> None:
        """After training step ``step``: write ``make()`` = ``(tensors, state)`` when due (always when ``done``)."""
        if done or force or self.due(step):
            tensors, state = make()
            self.save(step, tensors, state, done=done)
        stop = self.session.stop_after
        if stop is not None and stop == (self.kind, step) and not done:
            raise Interrupted(f"{self.kind} stopped after step {step}")

    def save(self, step: int, tensors: dict[str, Any], state: dict[str, Any], *, done: bool = False) -> None:
        from safetensors.torch import save_file

        if self.session.before_first_save is not None:
            first, self.session.before_first_save = self.session.before_first_save, None
            first()
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"step-{step}" + ("-done" if done else "")
        tmp = self.dir / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
        save_file(tensors, str(tmp / "tensors.safetensors"))
        (tmp / "state.json").write_text(json.dumps({**state, "step": step, "done": done}))
        final = self.dir / name
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        pointer = self.dir / ".latest.json.tmp"
        pointer.write_text(json.dumps({"checkpoint": name}))
        os.replace(pointer, self.dir / "latest.json")
        for old in self.dir.iterdir():
            if old.is_dir() and old.name != name and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
        self._last_time = time.monotonic()
        self._last_step = step
        if self.session.on_save is not None:
            self.session.on_save(self.kind, step)


# ---------------------------------------------------------------------------- torch state
def module_state(prefix: str, module: Any) -> dict[str, Any]:
    """``{prefix + name: tensor}`` of a module's parameters and buffers."""
    return {prefix + k: v for k, v in module.state_dict().items()}


def restore_module(prefix: str, module: Any, tensors: dict[str, Any]) -> None:
    import torch

    state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    with torch.no_grad():
        module.load_state_dict(state, strict=True)


def optimizer_state(prefix: str, opt: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An optimizer's state dict as ``(tensors, json)``: tensor entries by ``prefix.param.key``, the rest JSON."""
    import torch

    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for idx, entries in sd["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}.{idx}.{key}"] = value
            elif isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
                # L-BFGS's history: lists of tensors (``al`` holds None until filled)
                tensors.update({f"{prefix}.{idx}.{key}.{j}": v for j, v in enumerate(value) if v is not None})
                scalars[f"{idx}.{key}"] = {"tensor_list": len(value)}
            else:
                scalars[f"{idx}.{key}"] = value.item() if hasattr(value, "item") else value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def restore_optimizer(prefix: str, opt: Any, tensors: dict[str, Any], state: dict[str, Any]) -> None:
    entries: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith(prefix + "."):
            idx, name = key[len(prefix) + 1:].split(".", 1)
            entries.setdefault(int(idx), {})[name] = value
    for key, value in state["scalars"].items():
        idx, name = key.split(".", 1)
        if isinstance(value, dict) and "tensor_list" in value:
            value = [entries[int(idx)].pop(f"{name}.{j}", None) for j in range(value["tensor_list"])]
        entries.setdefault(int(idx), {})[name] = value
    opt.load_state_dict({"state": entries, "param_groups": state["param_groups"]})


# ---------------------------------------------------------------------------- resumable runs
CHECKPOINTS_DIR = "checkpoints"


@contextlib.contextmanager
def resumable(runs_dir: str | os.PathLike, command: str, spec: dict[str, Any], *, resume: str | None = None,
              run_key: str | None = None, every_steps: int | None = None, every_seconds: float | None = 60.0,
              announce: Callable[[str, Path], None] | None = None,
              stop_after: tuple[str, int] | None = None) -> Iterator[CheckpointSession]:
    """A run whose training loops checkpoint into ``<runs_dir>/checkpoints/<id>/`` until it completes.

    ``spec`` (JSON) says what runs; ``resume=<id>`` continues that run's checkpoints and must come with the same
    ``spec`` (the same command line plus ``--resume``). ``run_key``: a fixed id, resumed when it exists (a sweep
    trial retried by Ray). The folder and ``announce(id, folder)`` (the CLI prints the id) come with the first
    checkpoint, so a run refused by validation writes nothing. On success the folder is removed; after a crash
    or a kill it stays, for ``--resume``.
    """
    import secrets

    from .errors import ParameterError

    root = Path(runs_dir) / CHECKPOINTS_DIR
    spec = json.loads(json.dumps(spec, default=str))
    run_id = resume or run_key or f"{command}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    folder = root / run_id
    spec_file = folder / "spec.json"
    if resume is not None and not spec_file.is_file():
        known = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
        raise DataError(f"no interrupted run {resume!r} under {str(root)!r}"
                        + (f"; there are: {', '.join(known)}" if known else ""))
    if spec_file.is_file():
        recorded = json.loads(spec_file.read_text())
        if recorded != spec:
            raise ParameterError.invalid("resume", run_id, f"the same command as the interrupted run ({recorded})")

    def start() -> None:  # at the first checkpoint: nothing is written for a run that fails validation
        if not spec_file.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / ".spec.json.tmp"
            tmp.write_text(json.dumps(spec, indent=2, sort_keys=True))
            os.replace(tmp, spec_file)
        if announce is not None:
            announce(run_id, folder)

    with checkpointing(folder, every_steps=every_steps, every_seconds=every_seconds, stop_after=stop_after) as s:
        s.before_first_save = start
        yield s
    shutil.rmtree(folder, ignore_errors=True)
