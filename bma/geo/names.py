"""Place names in the reader's language: the one place that picks name_ru or name_tg over name_en.

The gazetteer holds each area's and village's name in English (the Latin spelling, also the key the
matcher and the datasets use), Russian and Tajik. Whatever a person reads (admin lists, filters,
select widgets, messages, desk pages) shows the name in the active language, in English where the
gazetteer has none. Data files and the API keep their explicit name_en/name_ru/name_tg columns and
never go through here, so a dataset does not change with the language of whoever asked for it.
"""

from __future__ import annotations

from django.utils.translation import get_language

# The languages the gazetteer has a name column for besides English.
NAMED_LANGUAGES = ("ru", "tg")


def reader_language(language: str | None = None) -> str:
    """``language`` or the active one, as a bare code ("ru-ru" -> "ru")."""
    return (language or get_language() or "en").split("-")[0].lower()


def name_field(language: str | None = None) -> str:
    """The name column of the reader's language: name_ru, name_tg, else name_en."""
    language = reader_language(language)
    return f"name_{language}" if language in NAMED_LANGUAGES else "name_en"


def name_in_language(name_en: str, name_ru: str = "", name_tg: str = "", language: str | None = None) -> str:
    """For names read as values (no model row at hand): the reader's one where set, else English."""
    own = {"ru": name_ru, "tg": name_tg}.get(reader_language(language), "")
    return (own or "").strip() or name_en


def place_name(place, fallback: str = "", language: str | None = None) -> str:
    """An AdminArea or Settlement by name in the reader's language; ``fallback`` when there is no place
    (a village typed in, or a code the gazetteer does not hold)."""
    if place is None:
        return fallback
    field = name_field(language)
    return (getattr(place, field, "") or "").strip() or place.name_en or fallback
