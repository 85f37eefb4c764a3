"""The README and the docs stay true: code fences are balanced; every command the README shows names
commands, options, studies, environments, agents and make targets that exist; every relative link and every
repository path they name resolves to a file in the repository, never to one outside it. (Running every
command is the studies' and the CLI tests' job; this is the cheap half, which catches renamed flags, moved
files and broken markdown.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import gymnasium as gym
import pytest
import typer

from physml.cli import app
from physml.rl.agents import AGENTS  # imports physml.rl, which registers the physml/...-v0 environments
from physml.studies import list_studies

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "physml").rglob("README.md"))]


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


def _links(text: str) -> list[str]:
    """Targets of inline markdown links ``[text](target)`` and images, outside code spans and fences."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"`[^`]*`", "", text)
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text)


def test_links_parser():
    text = ("[a](docs/x.md) ![b](img.png \"t\") [c](https://e.org) `[d](no.md)`\n"
            "```\n[e](fenced.md)\n```\n[f](../y.md#part)")
    assert _links(text) == ["docs/x.md", "img.png", "https://e.org", "../y.md#part"]


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_relative_links_resolve_inside_the_repository(doc):
    assert doc.is_file()
    bad = []
    for target in _links(doc.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):  # a URL or an anchor here
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT):
            bad.append(f"{target} (outside the repository)")
        elif not path.exists():
            bad.append(f"{target} (no such file)")
    assert not bad, f"{doc.relative_to(ROOT)} links to {bad}"


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_repository_paths_named_exist(doc):
    """Paths written in code spans, ``physml/...``, ``tests/...``, ``scripts/...``, ``docs/...``, name files or
    folders that exist; nothing points outside the repository (``../``)."""
    text = doc.read_text()
    named = set(re.findall(r"`((?:physml|tests|scripts|docs)/[\w/.-]*)`", text))
    named |= set(re.findall(r"\b((?:physml|tests|scripts|docs)/[\w/-]+\.(?:py|md))\b", text))
    missing = sorted(n for n in named if not (ROOT / n).exists() and not re.fullmatch(r"physml/\w+-v0", n))
    if doc.parent.is_relative_to(ROOT / "physml"):  # a package's README names its own modules: `ising.py`
        here = doc.parent.relative_to(ROOT)
        missing += sorted(f"{here}/{n}" for n in set(re.findall(r"`(\w+\.py)`", text)) if not (doc.parent / n).exists())
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"
    outside = re.findall(r"\.\./[\w./-]+", re.sub(r"\]\([^)]*\)", "]()", text))
    assert not outside, f"{doc.relative_to(ROOT)} points outside the repository: {outside}"
