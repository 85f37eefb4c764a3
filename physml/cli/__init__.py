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

import sys

import typer

from ..errors import PhysmlError
from . import _options, bench, dataset, rl, runs, simulate, study, sweep, train, transfer

__all__ = ["app", "main", "COMMANDS"]

COMMANDS = ("simulate", "study", "runs", "dataset", "train", "predict", "rl", "transfer", "bench", "sweep")
"""The root's commands in the order ``physml --help`` lists them: from data to models to tools."""


class _RootGroup(_options.NamedGroup):
    """The root group, listing its commands in the order of :data:`COMMANDS` (Typer alone would list the
    single commands, ``train`` and ``predict``, before every group)."""

    def list_commands(self, ctx) -> list[str]:
        known = list(COMMANDS)  # a command not named there goes last
        return sorted(super().list_commands(ctx), key=lambda name: known.index(name) if name in known else len(known))


app = typer.Typer(cls=_RootGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="physml: machine learning for computational physics, with the physics checked.")
app.add_typer(simulate.app, name="simulate")
app.add_typer(study.app, name="study")
app.add_typer(runs.app, name="runs")
app.add_typer(dataset.app, name="dataset")
app.command("train")(train.train)
app.command("predict")(train.predict)
app.add_typer(rl.app, name="rl")
app.add_typer(transfer.app, name="transfer")
app.add_typer(bench.app, name="bench")
app.command("sweep")(sweep.sweep)


def main(argv: list[str] | None = None) -> None:
    """Run the ``physml`` command line on ``argv`` (default: ``sys.argv[1:]``); exit with its status."""
    try:
        rv = app(args=argv, prog_name="physml", standalone_mode=False)
    except PhysmlError as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted")
    except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
        # a group called without a command has printed its help and raises an error without a message
        _fail(exc.format_message() or "a command is missing: the help above lists them")
    sys.exit(rv if isinstance(rv, int) else 0)


def _fail(message: str) -> None:
    sys.stderr.write("physml: error: " + " ".join(message.split()) + "\n")
    sys.exit(2)
