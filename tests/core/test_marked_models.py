"""Every name the model layer shows (the admin's headings, column titles, help texts, filters and choice
labels) is marked for translation and has a Russian and a Tajik translation.

"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise

CHECKED_APPS = ("core", "geo", "rounds", "xforms", "submissions", "assessments", "referrals", "validation", "exports")

# Shown as they are in every language: file formats, hashes, product names, form codes.
SAME_IN_EVERY_LANGUAGE = {
    "XLSForm",
    "XML",
    "MD5",
    "SHA-256",
    "HA1",
    "nonce",
    "ODK Central",
    "KoboToolbox (API v2)",
    "GPS",
    "B1",
    "B2",
    "ID",
}

# Each language's name in that language (settings.LANGUAGES), so everyone finds their own in the list.
NOT_TRANSLATED = {
    ("core", "userlanguage", "language", "choices"),
    ("exports", "exportjob", "language", "choices"),
    ("exports", "publisheddocument", "language", "choices"),
    ("exports", "publishjob", "language", "choices"),
}


def _models():
    return [model for model in apps.get_models() if model._meta.app_label in CHECKED_APPS]


def _names():
    """(where, the name as defined) for every model and field name, help text and choice label."""
    names = []
    for model in _models():
        meta = model._meta
        names.append(((meta.app_label, meta.model_name, "verbose_name"), meta.verbose_name))
        names.append(((meta.app_label, meta.model_name, "verbose_name_plural"), meta.verbose_name_plural))
        for field in meta.get_fields():
            # The id and the reverse side of relations are Django's; a proxy's fields are its parent's.
            if field.auto_created or field.model._meta.app_label not in CHECKED_APPS:
                continue
            where = (meta.app_label, meta.model_name, field.name)
            names.append(((*where, "verbose_name"), field.verbose_name))
            if field.help_text:
                names.append(((*where, "help_text"), field.help_text))
            if field.choices and (*where, "choices") not in NOT_TRANSLATED:
                for value, label in field.flatchoices:
                    names.append(((*where, f"choice {value}"), label))
    return names


def test_the_checked_apps_have_models():
    assert {model._meta.app_label for model in _models()} == set(CHECKED_APPS)


def test_every_model_name_field_name_help_text_and_choice_label_is_marked_for_translation():
    plain = [where for where, name in _names() if not isinstance(name, Promise)]
    assert plain == []


@pytest.mark.parametrize("language", ["ru", "tg"])
def test_every_marked_name_reads_in_russian_and_tajik(language):
    untranslated = []
    for where, name in _names():
        if not isinstance(name, Promise):
            continue  # the test above reports it
        with translation.override("en"):
            english = str(name)
        with translation.override(language):
            translated = str(name)
        if translated == english and english not in SAME_IN_EVERY_LANGUAGE:
            untranslated.append((where, english))
    assert untranslated == []


def test_names_are_english_by_default_as_the_tests_and_records_expect():
    from bma.rounds.models import Round, RoundState

    assert str(Round._meta.verbose_name) == "round"
    assert str(Round._meta.get_field("reference_start").verbose_name) == "reference start"
    assert RoundState.OPEN.label == "Open"
    with translation.override("tg"):
        assert str(Round._meta.verbose_name) == "давр"
        assert RoundState.OPEN.label == "Кушода"


def test_english_row_errors_name_the_kind_in_english_whoever_uploads():
    from bma.geo.gazetteer_file import parse_areas

    row = {"code": "TJ-X1", "parent_code": "", "kind": "city_district", "name_en": "X", "name_tg": "", "name_ru": ""}
    with translation.override("ru"):
        parsed = parse_areas([row])
    assert [error.message for error in parsed.errors] == ["a city district needs a parent_code"]
