"""What every command group shares: option types, the command-group class, parsing of option text, echoing.

An option type is an ``Annotated`` alias that a command uses as a parameter annotation, with the default
in the signature::

    def simulate_x(output: Output, seed: Seed = 0, force: Force = False) -> None: ...

so ``--output/-o``, ``--force``, ``--seed``, ``--runs-dir/--out``, ``--quiet`` and ``--device`` are spelled,
checked and documented the same way by every command. A factory (:func:`output_option`, :func:`seed_option`)
gives the same option with another help text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ..errors import DataError, ParameterError, UnknownNameError

__all__ = ["NamedGroup", "SystemGroup", "command_group", "Output", "Force", "Seed", "RunsDir", "Quiet", "Device",
           "output_option", "seed_option", "device_option", "echo_metrics", "load_npy", "parse_pair", "parse_floats",
           "parse_assignments", "Resume", "CheckpointEvery", "resumable_run"]


# ---------------------------------------------------------------------------- command groups
class NamedGroup(TyperGroup):
    """A command group whose unknown sub-command is a PhysmlError naming the known ones."""

    kind = "command"

    def resolve_command(self, ctx, args: list[str]):
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise UnknownNameError(self.kind, name, self.list_commands(ctx))
        return super().resolve_command(ctx, args)


class SystemGroup(NamedGroup):
    """``physml simulate``: its sub-commands are systems."""

    kind = "system"


def command_group(help: str, cls: type[NamedGroup] = NamedGroup) -> typer.Typer:
    """A sub-command group (``physml <group> ...``) that prints its help when called without a command."""
    return typer.Typer(cls=cls, no_args_is_help=True, help=help)


# ---------------------------------------------------------------------------- option types
def _check_seed(value: int) -> int:
    from ..validation import check_seed

    return check_seed("seed", value)


def _check_device(value: str) -> str:
    from ..device import DEVICES
    from ..validation import check_choice

    return check_choice("device", value, DEVICES)


def output_option(help: str = "HDF5 file to write."):
    return typer.Option("-o", "--output", help=help)


def seed_option(help: str = "Random seed."):
    """``--seed``: an integer in [0, 2**32 - 1] (what every generator physml seeds accepts), checked on parsing."""
    return typer.Option("--seed", help=help, callback=_check_seed)


Output = Annotated[Path, output_option()]
Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing output.")]
Seed = Annotated[int, seed_option()]
RunsDir = Annotated[Path, typer.Option("--runs-dir", "--out", help="Folder of run directories and the registry.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress output.")]
def device_option(help: str = "auto | cpu | cuda."):
    """``--device``: auto | cpu | cuda, checked on parsing (``auto`` is resolved by the library)."""
    return typer.Option("--device", help=help, callback=_check_device)


Device = Annotated[str, device_option()]
Resume = Annotated[str | None, typer.Option("--resume", help="Continue the interrupted run with this id (printed "
                                            "when it started; its checkpoints are under RUNS_DIR/checkpoints): "
                                            "repeat the same command with --resume ID.")]
CheckpointEvery = Annotated[int | None, typer.Option("--checkpoint-every", help="Checkpoint training loops every N "
                                                     "steps/epochs (default: every 60 s, and at each loop's end).")]


def resumable_run(runs_dir: Path, command: str, spec: dict, resume: str | None, every: int | None, quiet: bool):
    """The checkpoint session of a run (``physml.checkpoint.resumable``); prints the id to resume it with."""
    from ..checkpoint import resumable

    def announce(run_id: str, folder: Path) -> None:
        if not quiet:
            typer.echo(f"{'resuming' if resume else 'checkpoints of this run'}: {run_id} (resume with --resume "
                       f"{run_id})", err=True)

    return resumable(runs_dir, command, spec, resume=resume, every_steps=every,
                     every_seconds=None if every else 60.0, announce=announce)


# ---------------------------------------------------------------------------- option text
def load_npy(name: str, path: Path):
    """The array in the ``.npy`` file ``path`` (never unpickled), or one-line errors naming option ``name``."""
    import numpy as np

    if path.suffix != ".npy":
        raise ParameterError.invalid(name, str(path), "a NumPy .npy file")
    if path.is_dir():
        raise DataError(f"cannot read {str(path)!r}: it is a folder, not a .npy file")
    try:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            shape, _, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                               else np.lib.format.read_array_header_2_0(f))
        from ..budget import check_memory

        check_memory(f"reading {str(path)!r}", float(np.prod(shape, dtype=float)) * dtype.itemsize * 3,
                     f"a {dtype} array of shape {shape}")
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"cannot read {str(path)!r} as a .npy array: {' '.join(str(exc).split())[:160]}") from None
    if array.dtype.kind not in "iuf":
        raise ParameterError.invalid(name, f"{path} ({array.dtype} array)", "a .npy array of real numbers "
                                     "(not complex, text or objects)")
    return array


def parse_floats(name: str, text: str, allowed: str) -> tuple[float, ...]:
    """``'a,b,c'`` as floats; ``allowed`` describes the expected text in the error."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ParameterError.invalid(name, text, allowed) from None


def parse_pair(name: str, text: str) -> tuple[float, float]:
    """``'low,high'`` as two floats."""
    values = parse_floats(name, text, "two numbers 'low,high'")
    if len(values) != 2:
        raise ParameterError.invalid(name, text, "two numbers 'low,high'")
    return values[0], values[1]


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``--set field=value`` options as a dict: the value is JSON when it parses as JSON (``3``, ``0.5``,
    ``true``, ``null``, ``'["a", "b"]'``), else the text itself; JSON lists become tuples."""
    out: dict[str, Any] = {}
    for item in items:
        field, sep, text = item.partition("=")
        if not sep or not field.strip():
            raise ParameterError.invalid("set", item, "field=value, e.g. n_samples=500")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        out[field.strip()] = _tuples(value)
    return out


# ---------------------------------------------------------------------------- output
def echo_metrics(metrics: dict, indent: str = "") -> None:
    """One ``name value`` line per metric, sorted by name; numbers with 6 significant digits."""
    for key in sorted(metrics):
        value = metrics[key]
        typer.echo(f"{indent}{key:<40} " + (f"{value:.6g}" if isinstance(value, (int, float)) else str(value)))
