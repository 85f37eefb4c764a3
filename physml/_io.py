"""Atomic file writes: write to a temporary name in the same folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputExistsError

__all__ = ["check_output", "atomic_output", "atomic_write_text"]


def check_output(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Refuse an existing output unless ``force``; call before any expensive work."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it into place.

    On any exception the temporary file is removed and ``path`` is untouched,
    so a reader never sees a half-written file.
    """
    path = check_output(path, force=force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if path.exists() and not force:  # appeared while we worked
            raise OutputExistsError(f"output {str(path)!r} exists already; pass --force to overwrite it")
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    with atomic_output(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
