"""Validation helpers shared by the water data generators."""

from __future__ import annotations

import math
import numbers

from physml.errors import ParameterError

__all__ = ["check_int", "check_real", "check_range"]


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, or :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError.invalid(name, value, f"an integer >= {minimum}")
    return int(value)


def check_real(name: str, value: object, low: float, high: float, unit: str) -> float:
    """``value`` as a finite float in ``[low, high]``, or :class:`ParameterError`."""
    allowed = f"a number in [{low:g}, {high:g}] {unit}".rstrip()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError.invalid(name, value, allowed)
    v = float(value)
    if not (math.isfinite(v) and low <= v <= high):
        raise ParameterError.invalid(name, value, allowed)
    return v


def check_range(name: str, value: object, low: float, high: float, unit: str) -> tuple[float, float]:
    """``value`` as a pair ``(a, b)`` of finite floats with ``low <= a < b <= high``."""
    allowed = f"a pair (low, high) with {low:g} <= low < high <= {high:g} {unit}".rstrip()
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ParameterError.invalid(name, value, allowed) from None
    if any(isinstance(x, bool) or not isinstance(x, numbers.Real) for x in (a, b)):
        raise ParameterError.invalid(name, value, allowed)
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b) and low <= a < b <= high):
        raise ParameterError.invalid(name, value, allowed)
    return a, b

