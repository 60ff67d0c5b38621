"""``{% load figures %}`` … ``{{ total|grouped }}``: a figure with the reader's thousands separator.

Never on a year, a code, an id or a form value: those must read exactly as stored (bma/core/numbers.py)."""

from django import template

from bma.core.numbers import grouped as _grouped

register = template.Library()


@register.filter(is_safe=True)
def grouped(value, decimal_pos=None):
    return _grouped(value, int(decimal_pos) if decimal_pos not in (None, "") else None)
