"""The ru and tg catalogues: complete, compiled without GNU gettext, and chosen per person."""

import polib
import pytest

from bma.core.translations import LOCALE_DIR, compile_catalogues


@pytest.mark.parametrize("language", ["ru", "tg"])
def test_every_entry_of_the_catalogue_is_translated_and_none_is_fuzzy(language):
    catalogue = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
    assert len(catalogue) > 100
    untranslated = [e.msgid for e in catalogue if not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert (untranslated, fuzzy) == ([], [])
    # A placeholder dropped or renamed in a translation would crash the page or lose the figure.
    for entry in catalogue:
        for source, text in [(entry.msgid, entry.msgstr)] + [
            (entry.msgid_plural, form) for form in entry.msgstr_plural.values()
        ]:
            if source:
                assert _placeholders(text) <= _placeholders(entry.msgid) | _placeholders(entry.msgid_plural), (
                    entry.msgid
                )


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)s", text or ""))


def test_catalogues_compile_in_python_into_what_gettext_reads(tmp_path):
    import gettext
    import shutil

    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    for mo in (tmp_path / "locale").rglob("*.mo"):
        mo.unlink()
    written = compile_catalogues(tmp_path / "locale")
    assert {p.parent.parent.name for p in written} == {"ru", "tg"}
    russian = gettext.translation("django", tmp_path / "locale", languages=["ru"])
    assert russian.gettext("Summary of key findings") == "Основные выводы"
    assert compile_catalogues(tmp_path / "locale") == []  # up to date: nothing rewritten
