"""Validation helpers shared by the simulators' parameter dataclasses (one message format)."""

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
    if any(isinstance(x, bool) or not isinstance(x, numbers.Real) for x in (a, b)):
        raise ParameterError.invalid(name, value, allowed)
    a, b = float(a), float(b)
    lower_ok = a > 0 if (allow_equal and low == 0) else a >= low
    ordered = a <= b if allow_equal else a < b
    if not (math.isfinite(a) and math.isfinite(b) and lower_ok and ordered and b <= high):
        raise ParameterError.invalid(name, value, allowed)
    return a, b
