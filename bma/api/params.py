"""Integer query parameters read with a clear 400, never a 500 or a lookup on some other number."""

from __future__ import annotations

from bma.core.errors import BmaError, codes

# The largest value an integer column holds on PostgreSQL: ids and round numbers fit below it.
INT4_MAX = 2**31 - 1


def integer_param(params, name: str, low: int = 1, high: int = INT4_MAX) -> int | None:
    value = params.get(name)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise BmaError(codes.INVALID_INPUT, f"?{name}= must be a whole number from {low} to {high}, not '{value}'.")
    return number
