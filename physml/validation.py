"""One way to validate a parameter, used by simulators, estimators, study configs and RL hyper-parameters.

Every failure is a :class:`~physml.errors.ParameterError` with one message format,
``parameter '<name>' must be <allowed>; got <value>``, raised at construction, before any compute.

Two levels, like scikit-learn's ``_parameter_constraints`` beneath its ``check_scalar``:

* functions for one value: :func:`check_int`, :func:`check_real`, :func:`check_range`,
  :func:`check_choice`, :func:`check_bool`, :func:`check_ints`, :func:`check_seed`;
* constraint objects (:class:`Int`, :class:`Real`, :class:`OneOf`, :class:`Bool`, :class:`Ints`, :class:`Strs`)
  declared once per dataclass and applied to every field by :func:`validate_fields`::

      @dataclass(frozen=True)
      class DQNHyper:
          gamma: float = 0.99
          CONSTRAINTS: ClassVar = {"gamma": Real(0, 1, closed="right")}

          def __post_init__(self):
              validate_fields(self, self.CONSTRAINTS)

:func:`check_annotations` checks each field of a dataclass against its type annotation
(``int``, ``float``, ``str``, ``bool``, ``tuple[int, ...]``, ``X | None``): what the study runner
applies to ``--set`` overrides before a study's own ``__post_init__`` checks the ranges.

``bool`` is never accepted where an integer or a real number is asked for (``True`` is an ``int`` in Python).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ParameterError

__all__ = [
    "check_int", "check_real", "check_range", "check_choice", "check_bool", "check_ints", "check_seed",
    "Constraint", "Int", "Real", "OneOf", "Bool", "Ints", "Strs", "OptionalOf", "validate_fields", "check_annotations",
    "SEED_MAX",
]

SEED_MAX = 2**32 - 1  # numpy's SeedSequence takes any non-negative int; torch's manual_seed takes < 2**64; keep both


def _is_int(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral)


def _is_real(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]`` (either end open when ``None``), or ParameterError."""
    if minimum is not None and maximum is not None:
        allowed = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        allowed = f"an integer >= {minimum}"
    elif maximum is not None:
        allowed = f"an integer <= {maximum}"
    else:
        allowed = "an integer"
    if not _is_int(value) or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ParameterError.invalid(name, value, allowed)
    return int(value)  # type: ignore[arg-type]


def check_real(name: str, value: object, low: float = -math.inf, high: float = math.inf, unit: str = "", *,
               closed: str = "both") -> float:
    """``value`` as a finite float in the interval from ``low`` to ``high``, or ParameterError.

    ``closed`` is ``"both"`` (``[low, high]``), ``"left"``, ``"right"`` or ``"neither"`` (``(low, high)``).
    """
    if closed not in ("both", "left", "right", "neither"):
        raise ValueError(f"closed must be both, left, right or neither; got {closed!r}")
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    allowed = f"a number in {left}{low:g}, {high:g}{right} {unit}".rstrip()
    if not _is_real(value):
        raise ParameterError.invalid(name, value, allowed)
    v = float(value)  # type: ignore[arg-type]
    lo_ok = v >= low if left == "[" else v > low
    hi_ok = v <= high if right == "]" else v < high
    if not (math.isfinite(v) and lo_ok and hi_ok):
        raise ParameterError.invalid(name, value, allowed)
    return v


def check_range(name: str, value: object, low: float, high: float, unit: str, *,
                allow_equal: bool = False) -> tuple[float, float]:
    """``value`` as a pair ``(a, b)`` of finite floats with ``low <= a < b <= high`` (``a <= b`` if ``allow_equal``).

    ``low = 0`` with ``allow_equal`` asks for ``0 < a <= b``: a positive quantity whose range may be one value.
    """
    rel = "<=" if allow_equal else "<"
    first = f"0 < low {rel} high" if (allow_equal and low == 0) else f"{low:g} <= low {rel} high"
    allowed = (f"a pair (low, high) with {first}" + ("" if math.isinf(high) else f" <= {high:g}") + f" {unit}").rstrip()
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ParameterError.invalid(name, value, allowed) from None
    if not (_is_real(a) and _is_real(b)):
        raise ParameterError.invalid(name, value, allowed)
    a, b = float(a), float(b)
    lower_ok = a > 0 if (allow_equal and low == 0) else a >= low
    ordered = a <= b if allow_equal else a < b
    if not (math.isfinite(a) and math.isfinite(b) and lower_ok and ordered and b <= high):
        raise ParameterError.invalid(name, value, allowed)
    return a, b


def check_choice(name: str, value: object, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else ParameterError listing them."""
    choices = tuple(choices)
    if isinstance(value, bool) and not any(isinstance(c, bool) for c in choices):
        raise ParameterError.invalid(name, value, "one of " + ", ".join(map(str, choices)))
    try:
        ok = value in choices
    except TypeError:  # unhashable or incomparable
        ok = False
    if not ok:
        raise ParameterError.invalid(name, value, "one of " + ", ".join(map(str, choices)))
    return value


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ParameterError.invalid(name, value, "true or false")
    return value


def check_ints(name: str, value: object, minimum: int | None = None, *, allow_empty: bool = False) -> tuple[int, ...]:
    """A sequence of integers, each ``>= minimum``, as a tuple (a string is not a sequence of integers here)."""
    allowed = ("a" if allow_empty else "a non-empty") + " list of integers" + (
        f" >= {minimum}" if minimum is not None else "")
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ParameterError.invalid(name, value, allowed)
    items = tuple(value)
    if (not items and not allow_empty) or not all(_is_int(v) and (minimum is None or v >= minimum) for v in items):
        raise ParameterError.invalid(name, value, allowed)
    return tuple(int(v) for v in items)


def check_seed(name: str, value: object) -> int:
    """A seed: an integer in ``[0, 2**32 - 1]`` (what every generator physml seeds accepts)."""
    return check_int(name, value, 0, SEED_MAX)


# ---------------------------------------------------------------------------------------------- declarative
class Constraint:
    """What one field accepts; ``check(name, value)`` returns the (normalised) value or raises ParameterError."""

    def check(self, name: str, value: object) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Int(Constraint):
    low: int | None = None
    high: int | None = None

    def check(self, name, value):
        return check_int(name, value, self.low, self.high)


@dataclasses.dataclass(frozen=True)
class Real(Constraint):
    low: float = -math.inf
    high: float = math.inf
    closed: str = "both"
    unit: str = ""

    def check(self, name, value):
        return check_real(name, value, self.low, self.high, self.unit, closed=self.closed)


@dataclasses.dataclass(frozen=True)
class OneOf(Constraint):
    choices: tuple

    def __init__(self, *choices):
        object.__setattr__(self, "choices", tuple(choices))

    def check(self, name, value):
        return check_choice(name, value, self.choices)


@dataclasses.dataclass(frozen=True)
class Bool(Constraint):
    def check(self, name, value):
        return check_bool(name, value)


@dataclasses.dataclass(frozen=True)
class Ints(Constraint):
    """A tuple of integers, each ``>= low``; ``allow_empty`` admits ``()`` (e.g. no hidden layer)."""

    low: int | None = None
    allow_empty: bool = False

    def check(self, name, value):
        return check_ints(name, value, self.low, allow_empty=self.allow_empty)


@dataclasses.dataclass(frozen=True)
class Strs(Constraint):
    """A non-empty tuple of strings, each one of ``choices`` (any string when ``choices`` is empty)."""

    choices: tuple[str, ...] = ()

    def check(self, name, value):
        allowed = "a non-empty list of " + ("names from " + ", ".join(self.choices) if self.choices else "strings")
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ParameterError.invalid(name, value, allowed)
        items = tuple(value)
        if not items or not all(isinstance(v, str) and (not self.choices or v in self.choices) for v in items):
            raise ParameterError.invalid(name, value, allowed)
        return items


@dataclasses.dataclass(frozen=True)
class OptionalOf(Constraint):
    """``None`` or what ``inner`` accepts."""

    inner: Constraint

    def check(self, name, value):
        return None if value is None else self.inner.check(name, value)


def validate_fields(obj: Any, constraints: Mapping[str, Constraint]) -> None:
    """Check every field of dataclass ``obj`` named in ``constraints``; store the normalised values.

    Works on frozen dataclasses (values are set with ``object.__setattr__``, as in ``__post_init__``).
    A constraint that names no field is a programming error and raises ``TypeError``.
    """
    names = {f.name for f in dataclasses.fields(obj)}
    for name, constraint in constraints.items():
        if name not in names:
            raise TypeError(f"{type(obj).__name__} has no field {name!r} to constrain")
        object.__setattr__(obj, name, constraint.check(name, getattr(obj, name)))


# ---------------------------------------------------------------------------------------------- by annotation
def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        inner = _describe(args[0]) if args else "value"
        return f"a list of {inner}s"
    if origin is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(tp)))
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            type(None): "none"}.get(tp, getattr(tp, "__name__", str(tp)))


def _matches(tp: Any, value: object) -> bool:
    origin = typing.get_origin(tp)
    if tp is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(a, value) for a in typing.get_args(tp))
    if origin is typing.Literal:
        return value in typing.get_args(tp)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(args[0], v) for v in value)
        return len(args) == len(value) and all(_matches(a, v) for a, v in zip(args, value))
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return _is_int(value)
    if tp is float:
        return _is_real(value) and math.isfinite(float(value))  # type: ignore[arg-type]
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True  # an annotation this checker does not know: left to the dataclass's own checks


def check_annotations(obj: Any) -> None:
    """Check each field of dataclass ``obj`` against its type annotation; ParameterError on the first mismatch.

    Integers are accepted for ``float`` fields and stored as floats; lists as tuples are the caller's to convert.
    """
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        tp = hints.get(f.name, typing.Any)
        value = getattr(obj, f.name)
        if not _matches(tp, value):
            raise ParameterError.invalid(f.name, value, _describe(tp))
        if tp is float and _is_int(value):
            object.__setattr__(obj, f.name, float(value))  # type: ignore[arg-type]
