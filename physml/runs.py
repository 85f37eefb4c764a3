"""Run directories and the SQLite run registry.

A run directory ``<runs_dir>/<study>-<YYYYmmdd-HHMMSS>-<id6>/`` holds
``config.json``, ``metrics.json``, ``report.html``, ``figures/*.png`` and
``artifacts/``. It is assembled under a hidden temporary name and renamed into
place when complete, so a crash never leaves a half-written run. Each run is
one row of ``<runs_dir>/registry.sqlite`` (WAL mode).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._io import check_folder, clean_stale, temporary_name, write_error
from .errors import DataError, UnknownNameError
from .report import render_html
from .result import StudyResult

__all__ = ["RunRecord", "Registry", "write_run"]

REGISTRY_NAME = "registry.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    study TEXT NOT NULL,
    created TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    metrics TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class RunRecord:
    id: str
    study: str
    created: str
    path: Path
    status: str
    config: dict[str, Any]
    metrics: dict[str, float]


class Registry:
    """The SQLite registry of runs in one runs directory."""

    def __init__(self, runs_dir: str | os.PathLike):
        self.runs_dir = Path(runs_dir)
        self.path = self.runs_dir / REGISTRY_NAME

    def _connect(self, *, create: bool) -> sqlite3.Connection:
        if not create and not self.path.exists():
            raise DataError(f"no run registry at {str(self.path)!r}; run a study first or pass --runs-dir")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(_SCHEMA)
        return con

    def check_writable(self) -> None:
        """Refuse (one :class:`DataError` line) before a run starts if a run could not be recorded: the runs
        folder cannot be made or written, or the registry is read-only, locked by another writer, or corrupt."""
        check_folder(self.runs_dir)
        if not self.path.exists():
            return
        if not os.access(self.path, os.R_OK | os.W_OK):
            raise DataError(f"run registry {str(self.path)!r} is read-only; runs could not be recorded")
        try:
            con = sqlite3.connect(self.path, timeout=5)
        except sqlite3.Error as exc:
            raise DataError(f"run registry {str(self.path)!r} cannot be opened: {exc}") from None
        try:
            con.execute("BEGIN IMMEDIATE")  # takes the write lock: fails if read-only or held by another program
            con.execute(_SCHEMA)
            con.execute("SELECT count(*) FROM runs").fetchone()
            con.rollback()
        except sqlite3.OperationalError as exc:
            raise DataError(f"run registry {str(self.path)!r} cannot be written ({exc}): is it read-only or "
                            "locked by another program?") from None
        except sqlite3.DatabaseError as exc:
            raise DataError(f"run registry {str(self.path)!r} is corrupt or not a registry ({exc})") from None
        finally:
            con.close()

    def run_path(self, record: RunRecord) -> Path:
        """The run directory of ``record``, refused (:class:`DataError`) unless it lies inside the runs folder:
        a registry row never sends physml elsewhere."""
        root = self.runs_dir.resolve()
        path = Path(record.path)
        path = (path if path.is_absolute() else self.runs_dir / path).resolve()
        if path == root or root not in path.parents:
            raise DataError(f"run {record.id!r} in {str(self.path)!r} points outside its runs folder "
                            f"({str(record.path)!r}); refusing to follow it")
        return path

    def add(self, record: RunRecord) -> None:
        con = self._connect(create=True)
        try:
            with con:
                con.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (record.id, record.study, record.created, str(record.path), record.status,
                     json.dumps(record.config, default=str), json.dumps(record.metrics)),
                )
        finally:
            con.close()

    def list(self) -> list[RunRecord]:
        con = self._connect(create=False)
        try:
            rows = con.execute("SELECT * FROM runs ORDER BY created, id").fetchall()
        finally:
            con.close()
        return [_record(row) for row in rows]

    def get(self, run_id: str) -> RunRecord:
        """A run by id, id prefix or directory name."""
        runs = self.list()
        matches = [r for r in runs if r.id.startswith(run_id) or r.path.name == run_id]
        if len(matches) != 1:
            raise UnknownNameError("run" if not matches else "run (ambiguous prefix)", run_id, [r.id for r in runs])
        return matches[0]


def _record(row: tuple) -> RunRecord:
    rid, study, created, path, status, config, metrics = row
    return RunRecord(rid, study, created, Path(path), status, json.loads(config), json.loads(metrics))


def write_run(result: StudyResult, runs_dir: str | os.PathLike, *, wall_seconds: float) -> RunRecord:
    """Write ``result`` as a complete run directory and register it; return the record."""
    runs_dir = Path(runs_dir)
    registry = Registry(runs_dir)
    registry.check_writable()
    now = _dt.datetime.now(_dt.UTC)
    run_id = secrets.token_hex(3)
    name = f"{result.study}-{now:%Y%m%d-%H%M%S}-{run_id}"
    final = runs_dir / name
    tmp = temporary_name(final)
    metrics = dict(result.metrics)
    metrics["wall_seconds"] = round(float(wall_seconds), 3)
    clean_stale(final)
    try:
        (tmp / "figures").mkdir(parents=True)
        (tmp / "artifacts").mkdir()
        (tmp / "config.json").write_text(json.dumps(result.config, indent=2, default=str) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
        for fig in result.figures:
            (tmp / "figures" / f"{fig.name}.png").write_bytes(fig.png)
        for filename, writer in result.artifacts.items():
            writer(tmp / "artifacts" / filename)
        (tmp / "report.html").write_text(render_html(result, metrics=metrics, run_name=name), encoding="utf-8")
        os.replace(tmp, final)
    except OSError as exc:
        raise write_error(final, exc) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    record = RunRecord(run_id, result.study, now.isoformat(timespec="seconds"), final.resolve(), "complete",
                       result.config, metrics)
    try:
        registry.add(record)
    except (sqlite3.Error, OSError) as exc:  # the row could not be written: do not leave an unlisted run
        shutil.rmtree(final, ignore_errors=True)
        raise DataError(f"run registry {str(registry.path)!r} cannot be written ({exc}); the run was not kept") \
            from None
    return record
