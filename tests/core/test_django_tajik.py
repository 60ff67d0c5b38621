"""Django's own Tajik admin catalogue is incomplete: what it lacks comes from locale/django, so a Tajik
supervisor reads the admin in Tajik, not half in English."""

import polib
import pytest
from django.utils import translation

from bma.core.languages import user_language_set
from bma.core.translations import LOCALE_DIR

# Shown (some only to screen readers) on the admin's index and change lists; Django's tg lacks them all.
ENGLISH_IN_THE_ADMIN = [
    "Model name",
    "Add link",
    "Change or view list link",
    "Skip to main content",
    "Show counts",
    "Start typing to filter…",
    "Filter navigation items",
    "Toggle navigation",
]


def test_the_admin_s_hidden_headers_and_messages_are_tajik():
    with translation.override("tg"):
        for english in ENGLISH_IN_THE_ADMIN:
            assert translation.gettext(english) != english, english
        changed = translation.gettext("The {name} “{obj}” was changed successfully.")
        assert changed != "The {name} “{obj}” was changed successfully."
        assert changed.format(name="раунд", obj="2") == "раунд “2” муваффақона тағйир ёфт."
        # What Django's own tg catalogue has is still read from it.
        assert translation.gettext("Log out") == "Баромад"


def test_the_project_s_own_catalogue_stays_first():
    # "Set password" is in both Django's admin and auth; the supplement gives one word for it.
    with translation.override("tg"):
        assert translation.gettext("Set password") == "Муқаррар кардани рамз"
    with translation.override("en"):
        assert translation.gettext("Model name") == "Model name"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_supplement_is_all_translated_and_keeps_every_placeholder(domain):
    import re

    catalogue = polib.pofile(str(LOCALE_DIR / "django" / "tg" / "LC_MESSAGES" / f"{domain}.po"))
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [e.msgid for e in catalogue if not e.translated() or "fuzzy" in e.flags] == []

    def placeholders(text):
        return set(re.findall(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text or ""))

    for entry in catalogue:
        sources = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
        if entry.msgid_plural:
            for text in entry.msgstr_plural.values():
                assert placeholders(text) <= sources, entry.msgid
        else:
            assert placeholders(entry.msgstr) == sources, entry.msgid


def test_a_tajik_administrator_sees_no_english_in_the_admin(client, personas):
    administrator = personas.administrator
    administrator.is_superuser = True
    administrator.save()
    user_language_set(administrator, "tg")
    client.force_login(administrator)
    for url in ("/admin/", "/admin/submissions/rejectedattempt/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert [english for english in ENGLISH_IN_THE_ADMIN if english in text] == [], url
    index = client.get("/admin/").content.decode()
    assert "Номи модел" in index  # the index's hidden table header, read by screen readers
    rejected = client.get("/admin/submissions/rejectedattempt/").content.decode()
    assert "Нишон додани шумора" in rejected


def test_the_admin_s_javascript_strings_are_tajik(client, personas):
    administrator = personas.administrator
    user_language_set(administrator, "tg")
    client.force_login(administrator)
    catalogue = client.get("/admin/jsi18n/").content.decode()
    # The catalogue is a script holding the JSON of the translations (non-ASCII escaped).
    assert '"Choose all %s": "\\u0418\\u043d\\u0442\\u0438\\u0445\\u043e\\u0431\\u0438' in catalogue
