"""A supervisor who reads Tajik and a coordinator who reads Russian, in a real browser: the desk list, an
assessment page, a quality issue, the referral queue, the export jobs and the report show none of the
project's own English words. Screenshots are kept in .test-artifacts/ for a reader of the language.

"The project's own words" are the words of our catalogue's English msgids; data (user names, place
names in the gazetteer's English, form titles) and codes or units that stay as they are do not count.
"""

import re

import polib
import pytest

from bma.core.languages import user_language_set
from bma.core.translations import LOCALE_DIR
from tests.support import ARTIFACTS, chromium, csp_refusals, desk_log_in

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Stay as they are in every language: product names, codes, units, formats.
ALLOWED = {
    *("bma", "odk", "collect", "xlsx", "csv", "pdf", "json", "gps", "api", "iom", "dtm", "sha", "kobo", "url"),
    *("excel", "zip", "iso", "hxl", "central"),  # ODK Central, a product name like Collect
}


def project_words() -> set[str]:
    catalogue = polib.pofile(str(LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po"))
    words = set()
    for entry in catalogue:
        # Placeholders (%(total)s) and markup (<code>) are not words a reader sees.
        text = re.sub(r"%\(\w+\)[sd]|<[^>]+>", " ", f"{entry.msgid} {entry.msgid_plural}")
        words |= {w.lower() for w in LATIN_WORD.findall(text)}
    return words


def data_words() -> set[str]:
    from django.contrib.auth import get_user_model

    from bma.geo.models import AdminArea, Settlement
    from bma.rounds.models import Round
    from bma.submissions.models import Submission
    from bma.xforms.models import Form

    texts = list(get_user_model().objects.values_list("username", flat=True))
    texts += list(AdminArea.objects.values_list("name_en", flat=True))
    texts += list(Settlement.objects.values_list("name_en", flat=True))
    texts += list(Form.objects.values_list("title", flat=True))
    texts += list(Round.objects.values_list("name", flat=True))
    # What enumerators typed ("Imam of the mosque") is data in whatever language they wrote it.
    texts += [bytes(raw).decode("utf-8", "replace") for raw in Submission.objects.values_list("payload", flat=True)]
    return {w.lower() for text in texts for w in LATIN_WORD.findall(text)}


def english_left(text: str, own: set[str], data: set[str]) -> list[str]:
    # A token with an underscore, a slash, a dot, a digit, markup or JSON is a code, a path, an address, the
    # raw submission or a rule's details, not a word.
    words = [w for token in text.split() if not re.search(r'[_/.\d@<>{}":]', token) for w in LATIN_WORD.findall(token)]
    return sorted({w for w in words if w.lower() in own and w.lower() not in data | ALLOWED})


def visit(page, url: str, name: str) -> str:
    page.goto(url)
    page.screenshot(path=str(ARTIFACTS / f"language-{name}.png"), full_page=True)
    text = page.inner_text("body")
    (ARTIFACTS / f"language-{name}.txt").write_text(text)
    return text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_tajik_supervisor_and_a_russian_coordinator_see_no_english_of_ours(live_server, unclear, personas):
    from bma.assessments.models import VillageAssessment
    from bma.validation.models import QualityIssue

    assessment = VillageAssessment.objects.get()
    issue = QualityIssue.objects.filter(village_assessment=assessment).first()
    assert issue is not None
    user_language_set(personas.supervisor, "tg")
    user_language_set(personas.coordinator, "ru")
    own, data = project_words(), data_words()
    base = live_server.url
    pages = {
        "supervisor": {
            "tg-desk-list": "/admin/assessments/villageassessment/",
            "tg-assessment": f"/admin/assessments/villageassessment/{assessment.pk}/change/",
            "tg-quality-issues": "/admin/validation/qualityissue/",
            "tg-quality-issue": f"/admin/validation/qualityissue/{issue.pk}/change/",
            "tg-referral-queue": "/admin/referrals/referralmatch/",
        },
        "coordinator": {
            "ru-desk-list": "/admin/assessments/villageassessment/",
            "ru-export-jobs": "/admin/exports/exportjob/",
            "ru-report": f"/reports/rounds/{personas.round.number}/?include=unapproved",
        },
    }
    found, console = {}, []
    with chromium() as browser:
        for username, urls in pages.items():
            context = browser.new_context(viewport={"width": 1024, "height": 768})
            page = context.new_page()
            page.on("console", lambda msg: console.append(msg.text))
            desk_log_in(page, f"{base}/admin/login/", username)
            for name, url in urls.items():
                found[name] = english_left(visit(page, base + url, name), own, data)
            context.close()
    assert csp_refusals(console) == []
    left = {name: words for name, words in found.items() if words}
    assert left == {}, "\n".join(f"{name}: {' '.join(words)}" for name, words in left.items())
