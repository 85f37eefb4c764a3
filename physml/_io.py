"""Atomic file writes: write to a temporary name in the same folder, then rename.

A temporary file or folder is named ``.<final name>.physml-tmp-<pid>-<random>`` (:data:`TMP_MARK`), so one
left behind by a killed write is recognisable: the next write to the same place removes every such file
whose process is gone, with a note on stderr (:func:`clean_stale`). :func:`check_output` checks an output
location before any work starts: not there already (unless ``force``), of the right kind, in a folder that
exists (or can be made) and accepts a new file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import DataError, OutputExistsError

__all__ = ["check_output", "check_folder", "atomic_output", "atomic_write_text", "temporary_name", "clean_stale",
           "note", "write_error", "TMP_MARK"]

TMP_MARK = ".physml-tmp-"
"""What every temporary name physml writes contains: ``.<name>.physml-tmp-<pid>-<hex>``."""


def note(message: str) -> None:
    """One line ``physml: note: ...`` on stderr (something the user should know; not an error)."""
    sys.stderr.write("physml: note: " + " ".join(message.split()) + "\n")


def temporary_name(path: str | os.PathLike, suffix: str = "") -> Path:
    """A fresh temporary path beside ``path``, recognisable by :data:`TMP_MARK` and carrying this process id."""
    path = Path(path)
    return path.parent / f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale(path: str | os.PathLike) -> list[Path]:
    """Remove temporary files or folders that a killed write to ``path`` left beside it (their process is gone);
    return them. Each removal is noted on stderr. Temporaries of a live process are left alone."""
    path = Path(path)
    removed = []
    try:
        candidates = list(path.parent.glob(f".{_glob_escape(path.name)}{TMP_MARK}*"))
    except OSError:
        return removed
    for tmp in candidates:
        pid_text = tmp.name[len(path.name) + 1 + len(TMP_MARK):].split("-", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        try:
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp)
            else:
                tmp.unlink()
        except OSError:
            note(f"could not remove the stale temporary {str(tmp)!r} left by a killed write")
            continue
        note(f"removed {str(tmp)!r}, a temporary left by an interrupted write")
        removed.append(tmp)
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_output(path: str | os.PathLike, *, force: bool = False, kind: str = "file") -> Path:
    """Check the output ``path`` before any expensive work; return it.

    Refused with one line: an existing ``path`` unless ``force``; a folder where a file is asked for (``kind``
    ``"file"``) or a file where a folder is (``"dir"``); a parent that is a file; a folder that cannot be made
    or does not accept a new file (read-only, no permission). A missing parent folder is created.
    """
    path = Path(path)
    if path.is_symlink() or path.exists():
        if path.is_dir() and kind == "file":
            raise DataError(f"output {str(path)!r} is a folder; name a file to write")
        if path.exists() and not path.is_dir() and kind == "dir":
            raise DataError(f"output {str(path)!r} is a file; name a folder to write the model to")
        if not force:
            raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
    parent = path.parent
    for p in (parent, *parent.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise DataError(f"cannot write {str(path)!r}: {str(p)!r} is a file, not a folder")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder {str(parent)!r} for {str(path)!r}: {_describe(exc)}") from None
    probe = temporary_name(path, ".probe")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataError(f"cannot write {str(path)!r}: {_describe(exc)} in {str(parent)!r}") from None
    return path


def check_folder(folder: str | os.PathLike) -> Path:
    """Check, without creating anything, that ``folder`` is (or could be made as) a folder that accepts new
    files: the nearest existing ancestor is a folder, and a file can be created in it. One DataError if not."""
    folder = Path(folder)
    existing = folder
    while not (existing.exists() or existing.is_symlink()) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise DataError(f"cannot use {str(folder)!r} as a folder: {str(existing)!r} is a file")
    probe = temporary_name(existing / "probe", ".probe")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataError(f"cannot write in {str(folder)!r}: {_describe(exc)} in {str(existing)!r}") from None
    return folder


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it into place.

    On any exception the temporary file is removed and ``path`` is untouched,
    so a reader never sees a half-written file. Stale temporaries of earlier killed writes are removed first.
    An ``OSError`` while writing (full disk, permission) becomes a :class:`DataError` naming ``path``.
    """
    path = check_output(path, force=force)
    clean_stale(path)
    tmp_path = temporary_name(path)
    try:
        try:
            fd = os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.close(fd)
            yield tmp_path
            if path.exists() and not force:  # appeared while we worked
                raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
            os.replace(tmp_path, path)
        except OSError as exc:
            if isinstance(exc, OutputExistsError):
                raise
            raise write_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            if tmp_path.exists():
                tmp_path.unlink()


def write_error(path: str | os.PathLike, exc: BaseException) -> DataError:
    """The one-line error for a failed write of ``path`` (full disk, permission, ...); nothing was kept."""
    reason = _describe(exc) if isinstance(exc, OSError) else " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left" in str(exc):
        reason = "no space left on the device"
    return DataError(f"could not write {str(path)!r}: {reason}; nothing was written")


def atomic_write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    with atomic_output(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
