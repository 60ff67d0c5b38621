"""The quality-issue list and the submissions list in Russian and Tajik: rules by their title, forms by
their name ("B2 village form"), filter choices in words; no raw code a reader would have to decode."""

import html
import re

import pytest

from bma.core.languages import user_language_set
from bma.validation.models import QualityIssue

FORM_NAME = {"ru": "Форма B2 по селу", "tg": "Шакли B2 оид ба деҳа"}
WAITING = {"ru": "Ожидают или обрабатываются", "tg": "Дар интизор ё дар коркард"}


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "tg"])
def test_issue_and_submission_lists_show_words_not_codes(client, unclear, personas, language):
    codes = set(QualityIssue.objects.values_list("code", flat=True))
    assert codes
    user_language_set(personas.coordinator, language)
    client.force_login(personas.coordinator)

    issues = visible_text(client.get("/admin/validation/qualityissue/"))
    submissions = visible_text(client.get("/admin/submissions/submission/"))

    for code in codes:
        assert code not in issues and code not in submissions, code
    assert "bma_b2" not in submissions and "BMA B2 village assessment" not in submissions
    assert FORM_NAME[language] in submissions and WAITING[language] in submissions
    # The rule filter still filters by code.
    code = sorted(codes)[0]
    filtered = client.get(f"/admin/validation/qualityissue/?code={code}")
    assert filtered.status_code == 200
    assert len(filtered.context["cl"].result_list) == QualityIssue.objects.filter(code=code).count()


CLOSED = {"ru": "Форма закрыта", "tg": "Шакл баста аст"}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "tg"])
def test_rejected_attempts_say_why_in_words(client, personas, language):
    from bma.submissions.models import RejectedAttempt

    RejectedAttempt.objects.create(source="openrosa", status=409, code="form.closed", message="")
    user_language_set(personas.coordinator, language)
    client.force_login(personas.coordinator)
    listing = client.get("/admin/submissions/rejectedattempt/")
    text = visible_text(listing)
    assert "form.closed" not in text and text.count(CLOSED[language]) >= 2  # the row and the filter
    assert len(client.get("/admin/submissions/rejectedattempt/?code=form.closed").context["cl"].result_list) == 1
