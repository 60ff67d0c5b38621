"""``{% load figures %}`` … ``{{ total|grouped }}``: a figure with the reader's thousands separator;
``{{ date|in_words }}``: a date in words in the reader's language.

Never on a year, a code, an id or a form value: those must read exactly as stored (bma/core/numbers.py)."""

from django import template

from bma.core.dates import in_words as _in_words
from bma.core.numbers import grouped as _grouped

register = template.Library()


@register.filter(is_safe=True)
def grouped(value, decimal_pos=None):
    return _grouped(value, int(decimal_pos) if decimal_pos not in (None, "") else None)


@register.filter
def in_words(value):
    """A date (or its ISO text) in words in the reader's language: 7 декабри 2026 (bma/core/dates.py)."""
    return _in_words(value)
