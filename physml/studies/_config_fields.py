"""A study's configuration as a table: every ``Config`` field with its type, default, quick value and docstring.

Field docstrings are the string literals written after each field (the convention of CleanRL's ``Args``
and of every physml ``Config``); Python keeps no trace of them at run time, so they are read from the
module's source with :mod:`ast`.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

from ._registry import get_study

__all__ = ["ConfigField", "config_fields", "field_docstrings"]


@dataclass(frozen=True)
class ConfigField:
    """One field of a study's ``Config``: ``type`` as annotated, ``default`` (``Config()``), ``quick``
    (``QUICK``) and ``doc``, the first line of its docstring ("" when it has none)."""

    name: str
    type: str
    default: Any
    quick: Any
    doc: str


def field_docstrings(cls: type) -> dict[str, str]:
    """``{field: first docstring line}`` of the dataclass ``cls``, read from its source; ``{}`` without source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for statement, following in zip(body, body[1:]):
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            lines = inspect.cleandoc(following.value.value).splitlines()
            docs[statement.target.id] = lines[0] if lines else ""
    return docs


def config_fields(name: str) -> list[ConfigField]:
    """The fields of study ``name``'s ``Config`` in declaration order (imports the study module)."""
    module = get_study(name).load()
    default, quick = module.Config(), module.QUICK
    docs = field_docstrings(type(default))
    return [ConfigField(name=f.name, type=f.type if isinstance(f.type, str) else inspect.formatannotation(f.type),
                        default=getattr(default, f.name), quick=getattr(quick, f.name), doc=docs.get(f.name, ""))
            for f in dataclasses.fields(default)]
