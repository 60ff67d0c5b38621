"""Query parameters read with a clear 400, never a 500 or a lookup on some other value.

Pure: a mapping in (request.GET or DRF's query_params), a value or a BmaError(input.invalid) out.
PostgreSQL refuses NUL characters in text, and SQLite takes them, so a NUL would pass every test on
the embedded default and fail in production as a 500: text parameters refuse it here, for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy

# The largest value an integer column holds on PostgreSQL: ids and round numbers fit below it.
INT4_MAX = 2**31 - 1
# Longest free-text filter value taken (a village name search, a code).
TEXT_MAX = 200


def shown(value: str, limit: int = 40) -> str:
    """A value fit to quote in a message: NULs written out, long ones cut."""
    visible = value.replace("\x00", "\\x00")
    return visible if len(visible) <= limit else visible[:limit] + "…"


def _lists(params: Mapping):
    return params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())


NUL_IN_PARAM = _("?%(name)s= contains a NUL character (\\x00); remove it.")
NUL_IN_FIELD = _("The form field '%(name)s' contains a NUL character (\\x00); remove it.")
NUL_IN_PATH = _("The address %(path)s contains a NUL character (\\x00); no page here has such an address.")


def nul_refuse(params: Mapping, message=NUL_IN_PARAM) -> None:
    """input.invalid naming the first parameter (or form field) whose name or value holds a NUL."""
    for key, values in _lists(params):
        if "\x00" in key or any("\x00" in v for v in values):
            raise BmaError(codes.INVALID_INPUT, message_lazy(message, name=shown(key)))


def nul_refuse_in_path(path: str) -> None:
    if "\x00" in path:
        raise BmaError(codes.INVALID_INPUT, message_lazy(NUL_IN_PATH, path=shown(path, 80)))


def integer_param(params: Mapping, name: str, low: int = 1, high: int = INT4_MAX) -> int | None:
    value = params.get(name)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("?%(name)s= must be a whole number from %(low)s to %(high)s, not '%(value)s'."),
                name=name,
                low=low,
                high=high,
                value=shown(value),
            ),
        )
    return number


def text_param(params: Mapping, name: str, max_length: int = TEXT_MAX) -> str | None:
    value = params.get(name)
    if not value:
        return None
    if "\x00" in value:
        raise BmaError(codes.INVALID_INPUT, message_lazy(NUL_IN_PARAM, name=name))
    if len(value) > max_length:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("?%(name)s= is %(length)s characters long; at most %(limit)s are accepted."),
                name=name,
                length=len(value),
                limit=max_length,
            ),
        )
    return value


def choice_param(params: Mapping, name: str, choices: Iterable[str]) -> str | None:
    """One of ``choices`` (a TextChoices class or strings), or None when absent."""
    value = params.get(name)
    if not value:
        return None
    allowed = [str(c) for c in getattr(choices, "values", choices)]
    if value not in allowed:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("?%(name)s= must be one of %(allowed)s, not '%(value)s'."),
                name=name,
                allowed=", ".join(allowed),
                value=shown(value),
            ),
        )
    return value


def boolean_param(params: Mapping, name: str) -> bool | None:
    value = choice_param(params, name, ["true", "false"])
    return None if value is None else value == "true"
