"""Dates as a reader reads them on a page: "7 Dec 2026", "7 декабря 2026 г.", "7 декабри 2026", never ISO.

Figures files keep their dates as ISO text ("2026-12-07", "2026-12-07 14:03 UTC"): exact, and the same in
every language. Pages and documents print them through ``in_words`` (the ``in_words`` filter of
``{% load figures %}``), in the active language's DATE_FORMAT (bma/core/formats, Django's otherwise).
"""

from __future__ import annotations

import datetime
import re

from django.utils.formats import date_format

_ISO = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(?:UTC|Z|[+-]00:?00)?\s*$")


def in_words(value) -> str:
    """``value`` (a date, a datetime, or their ISO text) in words in the active language; a datetime with
    its time (UTC, as stored). Anything else comes back as it is, as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        match = _ISO.match(value)
        if not match:
            return value
        day = datetime.date.fromisoformat(match.group(1))
        if match.group(2) is None:
            return date_format(day)
        hour, minute = (int(part) for part in match.group(2).split(":"))
        value = datetime.datetime(day.year, day.month, day.day, hour, minute)
    if isinstance(value, datetime.datetime):
        return date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value)
    return str(value)
