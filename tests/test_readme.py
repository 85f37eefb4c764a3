"""The README stays true: its code fences are balanced, and every command it shows names commands,
options, studies, environments, agents and make targets that exist. (Running every command is the
studies' and the CLI tests' job; this is the cheap half, which catches renamed flags and broken markdown.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import gymnasium as gym
import pytest
import typer

import physml  # noqa: F401  (registers the environments)
from physml.cli import app
from physml.rl.agents import AGENTS
from physml.studies import list_studies

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _shell_blocks() -> list[str]:
    """Lines of the ```bash blocks; asserts the fences open and close properly (CommonMark: a closing fence
    carries no info string, so a second ```bash inside a block means the block above was never closed)."""
    blocks, inside, info = [], False, ""
    for number, line in enumerate(README.read_text().splitlines(), 1):
        if line.startswith("```"):
            if not inside:
                inside, info = True, line[3:].strip()
            else:
                assert line.strip() == "```", f"README.md:{number}: fence {line!r} inside an open block"
                inside = False
            continue
        if inside and info == "bash":
            blocks.append(line)
    assert not inside, "README.md ends inside a code block"
    return blocks


def _commands(program: str) -> list[list[str]]:
    out = []
    for line in _shell_blocks():
        if line.startswith(program + " "):
            out.append(shlex.split(line, comments=True)[1:])
    return out


def test_code_fences_are_balanced():
    assert _shell_blocks()


def test_make_targets_exist():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    used = {words[0] for words in _commands("make")}
    assert used and used <= targets


PHYSML = _commands("physml")


@pytest.mark.parametrize("words", PHYSML, ids=[" ".join(w)[:60] for w in PHYSML])
def test_physml_command_exists_with_these_options(words):
    command = typer.main.get_command(app)
    path, rest = [], list(words)
    while hasattr(command, "commands") and rest and rest[0] in command.commands:  # a group
        path.append(rest[0])
        command = command.commands[rest.pop(0)]
    assert not hasattr(command, "commands"), f"physml {' '.join(path)}: no sub-command in {words}"
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}
    for word in rest:
        if word.startswith("-"):
            assert word.split("=")[0] in options, f"physml {' '.join(path)} has no option {word}"
    positional = [w for i, w in enumerate(rest) if not w.startswith("-") and not
                  (i and rest[i - 1].startswith("-") and _takes_value(command, rest[i - 1]))]
    if path == ["study", "run"]:
        assert positional[0] in {s.name for s in list_studies()}
    if path == ["rl", "train"]:
        assert positional[0] in gym.registry
        assert rest[rest.index("--agent") + 1] in AGENTS


def _takes_value(command, option: str) -> bool:
    for p in command.params:
        if option.split("=")[0] in (*p.opts, *p.secondary_opts):
            return not getattr(p, "is_flag", False) and "=" not in option
    return False


def test_files_the_readmes_name_exist():
    for readme in (README, ROOT / "benchmarks" / "README.md"):
        named = set(re.findall(r"\b((?:benchmarks|tests|physml)/[\w/.-]+\.py)\b", readme.read_text()))
        named |= {f"benchmarks/{n}" for n in re.findall(r"`(\w+\.py)`", readme.read_text())
                  if readme.parent.name == "benchmarks"}
        missing = sorted(n for n in named if not (ROOT / n).exists())
        assert not missing, f"{readme.relative_to(ROOT)} names files that do not exist: {missing}"
