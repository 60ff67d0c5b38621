"""A quality issue said again in its reader's language.

The rules build each message from msgid templates and their values (rules.Finding.text), stored on the
issue as ``text_parts``; the stored English ``message`` stays the record (exports, search). Here the
templates are translated and the values shown as the reader's locale writes them (2 000, 3,5).
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext

from bma.validation.rules import shown_params


def localized_params(params: dict) -> dict:
    return shown_params(
        params,
        label=gettext,
        whole=lambda n: number_format(n, force_grouping=True),
        measured=lambda x: number_format(x, decimal_pos=1, force_grouping=True),
    )


def text_in_language(parts, fallback: str, places: dict[str, str] | None = None) -> str:
    """``fallback`` (the stored English) for issues stored before their parts were kept, or when a
    translation's placeholders do not match its template (a catalogue error must not break a page).

    ``places``: a place's English name as the rule wrote it -> its name in the reader's language."""
    if not parts:
        return fallback
    places = places or {}

    def shown(params: dict) -> dict:
        return {k: places.get(v, v) if isinstance(v, str) else v for k, v in localized_params(params).items()}

    try:
        return " ".join(gettext(template) % shown(params) for template, params in parts)
    except (KeyError, TypeError, ValueError):
        return fallback
