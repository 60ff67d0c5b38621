"""A quality issue reads in its reader's language, with numbers as the locale writes them, while the
stored English message stays the record."""

import ast
from pathlib import Path

import polib
import pytest
from django.utils import translation

from bma.core.translations import LOCALE_DIR
from bma.validation import rules
from bma.validation.issue_text import text_in_language
from tests.validation.test_rules import T, clean

RULES_SOURCE = Path(rules.__file__)


def rule_templates() -> set[str]:
    """Every message template and title the rules mark with N_ / gettext_noop."""
    found = set()
    for node in ast.walk(ast.parse(RULES_SOURCE.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("N_", "gettext_noop"):
            found.add(ast.literal_eval(node.args[0]))
    return found


@pytest.mark.parametrize("language", ["ru", "tg"])
def test_every_rule_message_and_title_has_a_translation(language):
    catalogue = {e.msgid: e for e in polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))}
    templates = rule_templates()
    assert len(templates) > 30
    missing = sorted(t for t in templates if t not in catalogue or not catalogue[t].translated())
    assert missing == []


def test_a_finding_in_russian_groups_numbers_the_russian_way_and_keeps_the_english_record():
    finding = next(
        f
        for f in rules.large_change_since_previous_round(clean(previous_totals={"emi": 2000, "ret": 100}), T)
        if f.population == "emi"
    )
    assert finding.message == "Emigrants: 300 now against 2,000 in the previous round."
    with translation.override("ru"):
        russian = text_in_language(finding.text, finding.message)
    assert russian == "Эмигранты: сейчас 300, в прошлом раунде — 2\xa0000."
    with translation.override("en"):
        assert text_in_language(finding.text, finding.message) == finding.message


def test_a_measured_value_keeps_its_decimal_in_the_locale_s_own_separator():
    started = clean().started_at
    from datetime import timedelta

    found = rules.filled_too_fast(clean(ended_at=started + timedelta(minutes=3, seconds=30)), T)[0]
    assert "3.5 minutes" in found.message
    with translation.override("tg"):
        assert "3,5 дақиқа" in text_in_language(found.text, found.message)


def test_an_issue_stored_before_its_parts_were_kept_shows_its_english_message():
    assert text_in_language([], "Old message.") == "Old message."


def test_a_translation_with_a_wrong_placeholder_falls_back_to_the_english_record():
    parts = [("%(population)s are marked present but the total is %(total)s.", {"population": "ret"})]
    assert text_in_language(parts, "Return migrants are marked present but the total is 0.") == (
        "Return migrants are marked present but the total is 0."
    )


@pytest.mark.django_db
def test_a_supervisor_reading_in_tajik_sees_the_stored_issue_in_tajik(client, receive, personas):
    from django.urls import reverse

    from bma.core.languages import user_language_set
    from bma.validation.models import QualityIssue

    receive("b2_2026112202.xml")
    issue = QualityIssue.objects.get(code="filled_too_fast")
    assert issue.message.startswith("The form was filled in")
    user_language_set(personas.supervisor, "tg")
    client.force_login(personas.supervisor)
    page = client.get(reverse("admin:validation_qualityissue_changelist")).content.decode()
    assert "Шакл дар" in page and "The form was filled in" not in page
