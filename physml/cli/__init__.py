"""The ``physml`` command: a thin layer over the library, one module per command group.

The root app is built here from the leaf modules, in the order ``physml --help`` lists them:
``simulate``, ``study``, ``runs``, ``dataset``, ``train``, ``predict``, ``rl``, ``transfer``, ``bench``.
A leaf module defines its group (``app``) or its commands and never imports this package; the option
types, the command-group class and metric echoing they share live in :mod:`physml.cli._options`.

:func:`main` is the entry point (``physml``, ``python -m physml``): every
:class:`~physml.errors.PhysmlError` and every usage error becomes one line on stderr,
``physml: error: ...``, and exit code 2, never a traceback.

Adding a command: write it in its group's module (or a new module with its own ``app``, added below).
"""

from __future__ import annotations

import errno
import os
import sys

import typer

from ..errors import PhysmlError
from . import (
    _options,
    bench,
    dataset,
    explore,
    rl,
    runs,
    simulate,
    study,
    sweep,
    train,
    train_field,
    train_potential,
    transfer,
)

__all__ = ["app", "main", "COMMANDS"]

COMMANDS = ("simulate", "study", "runs", "dataset", "explore", "train", "train-field", "train-potential", "predict",
            "rl", "transfer", "sweep", "bench")
"""The root's commands in the order ``physml --help`` lists them: from data to models to tools."""


class _RootGroup(_options.NamedGroup):
    """The root group, listing its commands in the order of :data:`COMMANDS` (Typer alone would list the
    single commands, ``train`` and ``predict``, before every group)."""

    def list_commands(self, ctx) -> list[str]:
        known = list(COMMANDS)  # a command not named there goes last
        return sorted(super().list_commands(ctx), key=lambda name: known.index(name) if name in known else len(known))


app = typer.Typer(cls=_RootGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="physml: machine learning for computational physics, with the physics checked.")
def _version(value: bool) -> None:
    if value:
        from .._version import __version__

        typer.echo(f"physml {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                       help="Print the version and exit.")) -> None:
    """physml: machine learning for computational physics, with the physics checked."""


app.add_typer(simulate.app, name="simulate")
app.add_typer(study.app, name="study")
app.add_typer(runs.app, name="runs")
app.add_typer(dataset.app, name="dataset")
app.command("train")(train.train)
app.command("predict")(train.predict)
app.command("train-field")(train_field.train_field)
app.add_typer(rl.app, name="rl")
app.add_typer(transfer.app, name="transfer")
app.add_typer(bench.app, name="bench")
app.command("train-potential")(train_potential.train_potential)
app.command("explore")(explore.explore)
app.command("sweep")(sweep.sweep)


def main(argv: list[str] | None = None) -> None:
    """Run the ``physml`` command line on ``argv`` (default: ``sys.argv[1:]``); exit with its status.

    The one error boundary: a :class:`~physml.errors.PhysmlError`, a usage error, and every failure a user can
    cause from below (the operating system: permission, full disk, a folder where a file is named; memory;
    SQLite; scikit-learn's, NumPy's and h5py's refusals of the data) is one line on stderr and exit code 2.
    Anything else is a physml bug: one line naming it and exit code 1 (``PHYSML_TRACEBACK=1`` shows the
    traceback). Warnings raised on the way are printed as one line each, and only if the command succeeds.
    ``--max-memory SIZE`` (anywhere on the line) sets the memory budget (:mod:`physml.budget`).
    """
    import warnings

    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default", RuntimeWarning)  # numerical warnings are recorded, as outside of tests
        try:
            from .. import budget

            budget.set_budget(None)  # main() may run many times in one process (tests)
            argv = budget.take_option(argv)
            rv = app(args=argv, prog_name="physml", standalone_mode=False)
        except PhysmlError as exc:
            _fail(str(exc))
        except typer.Exit as exc:
            _show_warnings(caught)
            sys.exit(exc.exit_code)
        except typer.Abort:
            _fail("aborted")
        except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
            # a group called without a command has printed its help and raises an error without a message
            _fail(exc.format_message() or "a command is missing: the help above lists them")
        except KeyboardInterrupt:
            _fail("interrupted; nothing partial was kept", code=130)
        except Exception as exc:  # noqa: BLE001 - the boundary: classify, never a traceback
            if os.environ.get("PHYSML_TRACEBACK"):
                raise
            _fail(*_classify(exc))
        _show_warnings(caught)
    sys.exit(rv if isinstance(rv, int) else 0)


def _show_warnings(caught) -> None:
    seen = set()
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue  # for developers, not for the user of a command
        text = " ".join(str(w.message).split())
        if text not in seen:
            seen.add(text)
            sys.stderr.write(f"physml: warning: {text}\n")


def _origin(exc: BaseException) -> str:
    """The package an exception came from (the innermost frame outside the standard library)."""
    tb, origin = exc.__traceback__, ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module and module.split(".")[0] not in ("physml", "typer", "click", "contextlib"):
            origin = module.split(".")[0]
        tb = tb.tb_next
    return origin


def _classify(exc: Exception) -> tuple[str, int]:
    """``(message, exit code)`` for an exception that is not a PhysmlError."""
    import sqlite3

    text = " ".join(str(exc).split()) or exc.__class__.__name__
    if isinstance(exc, MemoryError):
        return ("out of memory" + (f" ({text})" if str(exc) else "") +
                "; make the request smaller, or set --max-memory so physml refuses it up front"), 2
    if isinstance(exc, OSError):
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        reason = exc.strerror or text
        if exc.errno == errno.ENOSPC:
            reason = "no space left on the device"
        return f"cannot access{where}: {reason}", 2
    if isinstance(exc, sqlite3.Error):
        return f"run registry: {text} (is it read-only, locked or corrupt?)", 2
    origin = _origin(exc)
    if origin in ("sklearn", "numpy", "scipy", "pandas", "h5py", "skops", "torch", "safetensors", "optuna", "shap") \
            and isinstance(exc, (ValueError, ArithmeticError, RuntimeError, TypeError, KeyError, IndexError)):
        return f"{origin} refused the input: {text}", 2
    if isinstance(exc, (ValueError, ArithmeticError)):
        return f"{text}", 2
    return (f"internal error ({exc.__class__.__name__}: {text}); this is a physml bug, please report it "
            "(PHYSML_TRACEBACK=1 shows the traceback)"), 1


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write("physml: error: " + " ".join(message.split()) + "\n")
    sys.exit(code)
