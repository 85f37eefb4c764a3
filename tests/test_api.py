"""The public surface is what each package's ``__all__`` says (STYLE: explicit public surface)."""

import importlib
import inspect

import pytest

PACKAGES = ["physml", "physml.errors", "physml.data", "physml.result", "physml.report", "physml.runs",
            "physml.models", "physml.learn", "physml.physics", "physml.explain", "physml.studies",
            "physml.sim.ising", "physml.bench.ising", "physml.sim.water", "physml.sim.elements",
            "physml.sim.pipe_flow", "physml.tabular_io", "physml.sim.schrodinger", "physml.sim.quantum_dynamics"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_consistent(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "duplicate names in __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which does not exist"
    defined_here = {k for k, v in vars(module).items()
                    if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
                    and (v.__module__ == name or v.__module__.startswith(name + "._"))}
    assert defined_here <= set(exported), f"public but not in __all__: {defined_here - set(exported)}"


def test_errors_are_value_errors_where_parameters_are_wrong():
    from physml.errors import ParameterError, PhysmlError

    err = ParameterError.invalid("L", 2, ">= 4")
    assert isinstance(err, ValueError) and isinstance(err, PhysmlError)
    assert str(err) == "parameter 'L' must be >= 4; got 2"
