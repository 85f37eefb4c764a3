"""The public surface is what each module's ``__all__`` says (STYLE: explicit public surface).

Every public module of physml is covered: found in the source tree, not listed by hand, so a new package
cannot be forgotten. Public means no dotted component starts with an underscore (``__main__`` is left
out: importing it runs the command line). Two kinds of leaf module have a surface fixed by their caller,
so their other public-looking names need not be listed: a module of the command line (``physml.cli`` and
below: its command functions are registered by decorator, never called by name) and a study module
(``Config``, ``QUICK`` and ``run``, which the study runner calls; checked below).
"""

import importlib
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def public_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "physml").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__" or any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    return names


MODULES = public_modules()


def test_every_package_is_found():
    packages = {".".join(p.relative_to(ROOT).parent.parts) for p in (ROOT / "physml").rglob("__init__.py")}
    public = {p for p in packages if not any(part.startswith("_") for part in p.split("."))}
    assert len(public) >= 15 and public <= set(MODULES)
    assert {"physml", "physml.errors", "physml.validation", "physml.models", "physml.sim.ising",
            "physml.studies", "physml.workflows"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_consistent(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = module.__all__
    assert isinstance(exported, (list, tuple)) and all(isinstance(x, str) for x in exported)
    duplicates = sorted({x for x in exported if exported.count(x) > 1})
    assert not duplicates, f"{name}.__all__ names {duplicates} more than once"
    # a name is defined, or is a submodule (``from package import *`` imports those)
    missing = [x for x in exported if not hasattr(module, x)
               and not (hasattr(module, "__path__") and importlib.util.find_spec(f"{name}.{x}") is not None)]
    assert not missing, f"{name}.__all__ names {missing}, which do not exist"
    if name == "physml.cli" or name.startswith(("physml.cli.", "physml.cli_")) or _is_study_module(name):
        return
    defined_here = {k for k, v in vars(module).items()
                    if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
                    and (v.__module__ == name or v.__module__.startswith(name + "._"))}
    assert defined_here <= set(exported), f"{name}: public but not in __all__: {sorted(defined_here - set(exported))}"


def _is_study_module(name: str) -> bool:
    return name.startswith("physml.studies.") and name.count(".") == 2


STUDY_MODULES = [m for m in MODULES if _is_study_module(m)]


def test_every_study_module_is_registered():
    from physml.studies import list_studies

    assert sorted(STUDY_MODULES) == sorted(info.module for info in list_studies())


@pytest.mark.parametrize("name", STUDY_MODULES)
def test_study_module_is_config_quick_run(name):
    """What the runner calls: a frozen ``Config`` dataclass, ``QUICK`` an instance of it, ``run(config, ctx)``."""
    import dataclasses

    module = importlib.import_module(name)
    assert {"Config", "QUICK", "run"} <= set(module.__all__)
    assert dataclasses.is_dataclass(module.Config) and module.Config.__dataclass_params__.frozen
    assert type(module.QUICK) is module.Config and module.QUICK != module.Config()
    assert list(inspect.signature(module.run).parameters) == ["config", "ctx"]


def test_import_physml_stays_light():
    """``import physml`` (and the light core modules) import neither torch nor gymnasium."""
    code = ("import sys, physml, physml.errors, physml.validation\n"
            "print(','.join(sorted(m for m in ('torch', 'gymnasium') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"import physml imports {out.stdout.strip()}"


def test_errors_are_value_errors_where_parameters_are_wrong():
    from physml.errors import ParameterError, PhysmlError

    err = ParameterError.invalid("L", 2, ">= 4")
    assert isinstance(err, ValueError) and isinstance(err, PhysmlError)
    assert str(err) == "parameter 'L' must be >= 4; got 2"
