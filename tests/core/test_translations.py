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


@pytest.mark.slow
def test_every_marked_string_of_the_project_is_in_both_catalogues(tmp_path, settings):
    """What makemessages extracts today from our code and templates is all in ru and tg: a string marked
    but never added to the catalogues would show in English. Needs GNU gettext (xgettext), which .ci/run
    installs; the catalogues themselves are compiled without it."""
    import os
    import shutil

    from django.core.management import call_command

    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext (xgettext) is needed to extract the strings: apt-get install gettext")
    root = LOCALE_DIR.parent
    # makemessages writes into any locale/ folder beside what it reads, so it reads our code through
    # links from a folder of its own and writes a fresh catalogue here, never into the real ones.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("bma", "templates"):
        (source / name).symlink_to(root / name)
    fresh = tmp_path / "locale"
    fresh.mkdir()
    settings.LOCALE_PATHS = [fresh]
    cwd = os.getcwd()
    os.chdir(source)
    try:
        call_command("makemessages", locale=["ru"], symlinks=True, ignore_patterns=["static"], verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = {e.msgid for e in polib.pofile(str(fresh / "ru" / "LC_MESSAGES" / "django.po")) if e.msgid}
    assert len(extracted) > 100
    for language in ("ru", "tg"):
        catalogue = {e.msgid for e in polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))}
        assert sorted(extracted - catalogue) == [], language


def test_russian_states_agree_with_the_noun_they_describe():
    """ "Open" is одна проблема открыта but один раунд открыт: the same English word needs a context each."""
    from django.utils import translation

    from bma.rounds.models import RoundState
    from bma.validation.models import IssueState
    from bma.xforms.models import FormState

    with translation.override("ru"):
        assert str(RoundState.OPEN.label) == "Открыт"
        assert str(RoundState.CLOSED.label) == "Закрыт"
        assert str(FormState.OPEN.label) == "Открыта"
        assert str(FormState.CLOSED.label) == "Закрыта"
        assert str(IssueState.OPEN.label) == "Открыта"
    with translation.override("en"):
        assert str(RoundState.OPEN.label) == str(IssueState.OPEN.label) == "Open"
