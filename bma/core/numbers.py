"""Figures as a reader in their own language reads them: 12,345 in English, 12 345 in Russian and Tajik.

USE_THOUSAND_SEPARATOR stays off (settings): on, Django would group every number it renders, ids in
hidden inputs, URLs and form values included. So the figures people read are grouped one by one, here:
in templates with the ``grouped`` filter (bma/core/templatetags/figures.py), in admin columns by calling
``grouped``. Years, codes and ids are never passed through it (2024 stays 2024).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format


def grouped(value, decimal_pos: int | None = None) -> str:
    """``value`` with the current language's thousands separator (a no-break space in ru and tg).

    Anything that is not a number (None, "", "not asked", a label) comes back as it is, as text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if not isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return str(value)
        if not number.is_finite():
            return str(value)
        value = number
    if decimal_pos is None and not isinstance(value, int) and value == int(value):
        value = int(value)  # a whole figure reads 12 345, not 12 345,0
    return number_format(value, decimal_pos=decimal_pos, force_grouping=True)
